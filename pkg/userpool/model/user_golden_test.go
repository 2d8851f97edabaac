package model

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// goldenUserRecord sets every stored field of userRecord and of the records inside it, so that
// a field renamed, retagged or dropped changes the JSON frozen in testdata. Lock is stored
// beside the record (store.Attempts), not in it.
func goldenUserRecord() *UserRecord {
	at := func(ns int) time.Time { return time.Date(2024, 3, 5, 9, 4, 3, ns, time.UTC) }
	return &UserRecord{
		Username: "Alice",
		Status:   StatusConfirmed,
		Enabled:  true,
		Attrs: map[string]string{
			"email": "alice@example.com", "email_verified": "true", "phone_number": "+12065551234",
			"custom:tier": "gold",
		},
		Created:  at(1),
		Modified: at(2),
		Password: &PasswordRecord{
			Salt:      []byte{0x01, 0x02, 0x03, 0x04},
			Verifier:  []byte("sealed verifier"),
			SetAt:     at(3),
			Temporary: true,
			Folded:    true,
		},
		RevokedThrough: 1709629443004,
		LastLineage:    1709629443005,
		Revoked:        map[string]int64{"5b0c6f3e-origin-jti": 1709629443006},
		Groups:         []string{"admins", "readers"},
		Pending:        map[string]string{"email": "new@example.com"},
		MFAOptions:     []MFAOptionType{{DeliveryMedium: "SMS", AttributeName: "phone_number"}},
		MFA: &MFARecord{Enabled: []string{MFATOTP, MFASMS}, Preferred: MFATOTP,
			TOTP:          &TOTPRecord{Seed: []byte("sealed seed"), LastStep: 56987648, Name: "phone"},
			PendingTOTP:   &TOTPRecord{Seed: []byte("sealed pending seed"), LastStep: 1, Name: "tablet"},
			RecoveryCodes: [][]byte{[]byte("hash one"), []byte("hash two")}, PasskeyMFA: true},
		WebAuthn: &PasskeysRecord{
			Credentials: []PasskeyRecord{{ID: []byte{0x0a, 0x0b}, PublicKey: []byte("cose key"), SignCount: 7, AAGUID: []byte{0x01, 0x02},
				Format: "none", Transports: []string{"internal", "hybrid"}, Attachment: "platform", RPID: "auth.example.com",
				Name: "Passkey 1", Created: at(4), UV: true, BE: true}},
			Pending: &PasskeyPending{Challenge: "Y2hhbGxlbmdl", ClientID: "client1", RPID: "auth.example.com", UserVerification: "preferred", Expires: at(5)},
		},
	}
}

// The stored user record's JSON is frozen: the embedded store deflates items against a
// dictionary of their field names, and every record already written must still decode. A
// change here is a change of storage format; regenerate with -update only with a migration.
func TestUserRecordGolden(t *testing.T) {
	rec := goldenUserRecord()
	checkAllSet(t, "userRecord", reflect.ValueOf(rec).Elem())

	u := &User{UserRecord: rec, Stored: &store.User{}}
	u.Encode() // the path every write takes
	var got bytes.Buffer
	if err := json.Indent(&got, u.Stored.Data, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "user_record.golden.json")
	if *updateGolden {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("stored user record changed (%s):\ngot:\n%s\nwant:\n%s", path, got.Bytes(), want)
	}

	// And what is stored reads back whole, through the path every read takes.
	back, err := DecodeUser(&store.User{Data: want})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.UserRecord, rec) {
		t.Errorf("golden record decodes to\n%+v\nwant\n%+v", back.UserRecord, rec)
	}
}

// checkAllSet fails for every field of v (and of the structs, pointers, slices and maps in it)
// that is zero, so a field added to a stored record without a place in the golden fails here.
// Fields not stored (json:"-") are skipped.
func checkAllSet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is nil: set it in the golden record", path)
			return
		}
		checkAllSet(t, path, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				t.Errorf("%s is zero: set it in the golden record", path)
			}
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if strings.Split(f.Tag.Get("json"), ",")[0] == "-" {
				continue
			}
			checkAllSet(t, path+"."+f.Name, v.Field(i))
		}
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			t.Errorf("%s is empty: set it in the golden record", path)
			return
		}
		if v.Kind() == reflect.Slice {
			checkAllSet(t, path+"[0]", v.Index(0))
		}
	default:
		if v.IsZero() {
			t.Errorf("%s is zero: set it in the golden record", path)
		}
	}
}
