package signer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/store"
)

// The key records' JSON is a stored format: tables written by earlier versions (bbolt files,
// DynamoDB tables) must keep loading, and records written now must read the same to them.
// These goldens freeze each record's bytes as written and check that those bytes load.

// goldenPub is an RSA-2048 public key (PKIX DER, base64).
const goldenPub = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7VuZLWX29SZPlm7HpRSmcdi1koQjh6O5NRyGtT4/WNPvoWch2muv7uB40VR+IymHkUHVdVC3pEY8Hc+K/tWNuKTXfpMObp3si1TV5E7u4+L0vMNIZV4xBg1XQg2GUyni0kPpTXo5ThBFRs8k2KGyCcBhYLH5dA9eC2Uw4udAKo0G4JFLn4vycE0/j/rK8XOjBbK3CPjgN1Ii1eLwIC59bsOjhp81ps5vo6Oi2uDjzL4a3omTxFN+Dj7PbVaNOz+MLR24c3DphaA95DB8U1Wx1TywdkzWTCptc4Ejlk2yXCrgHykOwlKT2qUGL4Ao8DRRHrWbBQlIRbIthfEQhZU+JQIDAQAB"

const (
	goldenLocal = `{"format":1,"kid":"AAECAwQFBgcICQoLDA0ODxAR","use":"access","alg":"RS256","generation":2,"createdAt":"2026-03-01T12:00:00Z","notBefore":"2026-03-01T12:10:00Z","publicKey":"` + goldenPub + `","sealedPrivateKey":"c2VhbGVkLXByaXZhdGUta2V5"}`

	goldenLocalRetiring = `{"format":1,"kid":"AAECAwQFBgcICQoLDA0ODxAR","use":"id","alg":"RS256","generation":1,"createdAt":"2026-03-01T12:00:00Z","notBefore":"2026-03-01T12:00:00Z","retireAfter":"2026-03-02T13:10:00Z","publicKey":"` + goldenPub + `","sealedPrivateKey":"c2VhbGVkLXByaXZhdGUta2V5"}`

	goldenKMS = `{"format":2,"kid":"` + goldenThumbprint + `","use":"id","alg":"RS256","generation":1,"createdAt":"2026-03-01T12:00:00Z","notBefore":"2026-03-01T12:00:00Z","publicKey":"` + goldenPub + `","kmsKeyId":"arn:aws:kms:us-east-1:111122223333:key/0b7e4c3a-1f2d-4e5f-8a9b-0c1d2e3f4a5b"}`

	// goldenRotated is goldenLocal after Rotate set its retireAfter: rotation rewrites the stored
	// fields it does not know as they were, in key order.
	goldenRotated = `{"alg":"RS256","createdAt":"2026-03-01T12:00:00Z","format":1,"generation":2,"kid":"AAECAwQFBgcICQoLDA0ODxAR","notBefore":"2026-03-01T12:10:00Z","publicKey":"` + goldenPub + `","retireAfter":"2026-03-02T13:20:00Z","sealedPrivateKey":"c2VhbGVkLXByaXZhdGUta2V5","use":"access"}`

	// goldenThumbprint is the RFC 7638 thumbprint of goldenPub, the kid of a kms-mode key.
	goldenThumbprint = "tO7UA6Z6_pvagiea7uFGr4PdYsvxs_6fjyV73kBOLwk"

	goldenARN = "arn:aws:kms:us-east-1:111122223333:key/0b7e4c3a-1f2d-4e5f-8a9b-0c1d2e3f4a5b"
)

// loadAs decodes and checks a key item as the ring does for custody c.
func loadAs(c custody, it store.Item) (*poolKey, error) { return newRing(nil, nil, c, 0).parse(it) }

func goldenPubDER(t *testing.T) []byte {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(goldenPub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestKeyRecordGolden(t *testing.T) {
	pub := goldenPubDER(t)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	kid := "AAECAwQFBgcICQoLDA0ODxAR"
	sealed := []byte("sealed-private-key")

	for _, tc := range []struct {
		name   string
		rec    any
		golden string
	}{
		{"local", keyRecord{
			Format: recordFormat, Kid: kid, Use: UseAccess, Alg: "RS256", Generation: 2,
			CreatedAt: at, NotBefore: at.Add(10 * time.Minute), PublicKey: pub, SealedPrivateKey: sealed,
		}, goldenLocal},
		{"local retiring", keyRecord{
			Format: recordFormat, Kid: kid, Use: UseID, Alg: "RS256", Generation: 1,
			CreatedAt: at, NotBefore: at, RetireAfter: at.Add(25*time.Hour + 10*time.Minute), PublicKey: pub, SealedPrivateKey: sealed,
		}, goldenLocalRetiring},
		{"kms", keyRecord{
			Format: kmsRecordFormat, Kid: goldenThumbprint, Use: UseID, Alg: "RS256", Generation: 1,
			CreatedAt: at, NotBefore: at, PublicKey: pub, KMSKeyID: goldenARN,
		}, goldenKMS},
	} {
		got, err := json.Marshal(tc.rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.golden {
			t.Errorf("%s record as stored:\n got %s\nwant %s", tc.name, got, tc.golden)
		}
	}

	rotated, err := withRetireAfter([]byte(goldenLocal), at.Add(25*time.Hour+20*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if string(rotated) != goldenRotated {
		t.Errorf("record after rotation:\n got %s\nwant %s", rotated, goldenRotated)
	}
}

// TestKeyRecordGoldenLoads: records stored in the golden formats load in their mode, with every
// field, and are refused by the other mode.
func TestKeyRecordGoldenLoads(t *testing.T) {
	item := func(data, sk string) store.Item {
		return store.Item{PK: partitionKey(poolA), SK: sk, Version: 1, Data: []byte(data)}
	}
	for _, tc := range []struct {
		name, data, sk string
		kid            string
		use            KeyUse
		gen            int
		retire         bool
	}{
		{"local", goldenLocal, "access#00000002", "AAECAwQFBgcICQoLDA0ODxAR", UseAccess, 2, false},
		{"local retiring", goldenLocalRetiring, "id#00000001", "AAECAwQFBgcICQoLDA0ODxAR", UseID, 1, true},
		{"rotated", goldenRotated, "access#00000002", "AAECAwQFBgcICQoLDA0ODxAR", UseAccess, 2, true},
	} {
		k, err := loadAs(&Local{}, item(tc.data, tc.sk))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if k.rec.Kid != tc.kid || k.rec.Use != tc.use || k.rec.Generation != tc.gen || k.rec.RetireAfter.IsZero() == tc.retire ||
			string(k.rec.SealedPrivateKey) != "sealed-private-key" || k.pub == nil {
			t.Fatalf("%s: loaded %+v", tc.name, k.rec)
		}
		if _, err := loadAs(&KMS{}, item(tc.data, tc.sk)); err == nil {
			t.Fatalf("%s: the kms mode loaded a local record", tc.name)
		}
	}

	k, err := loadAs(&KMS{}, item(goldenKMS, "id#00000001"))
	if err != nil {
		t.Fatal(err)
	}
	if k.rec.Kid != goldenThumbprint || k.rec.KMSKeyID != goldenARN || k.rec.Use != UseID || k.rec.Generation != 1 || k.pub == nil {
		t.Fatalf("kms: loaded %+v", k.rec)
	}
	if _, err := loadAs(&Local{}, item(goldenKMS, "id#00000001")); err == nil {
		t.Fatal("the local mode loaded a kms record")
	}
}

// TestWrittenRecordsMatchGolden: the records EnsurePoolKeys and Rotate write have the golden
// records' fields, in the golden order.
func TestWrittenRecordsMatchGolden(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	if _, err := l.Rotate(ctx, poolA, UseAccess, RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id#00000001":     fieldOrder(t, goldenLocal),
		"access#00000001": fieldOrder(t, goldenRotated),
		"access#00000002": fieldOrder(t, goldenLocal),
	}
	items := e.all(partitionKey(poolA))
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for _, it := range items {
		if got := fieldOrder(t, string(it.Data)); got != want[it.SK] {
			t.Errorf("%s written with fields %s, want %s", it.SK, got, want[it.SK])
		}
	}
}

// TestWrittenKMSRecordsMatchGolden: the same for the kms mode, against local-kms.
func TestWrittenKMSRecordsMatchGolden(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	e := newEnv(t)
	s, err := NewKMS(e.tbl, emu.Client, e.clk, KMSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsurePoolKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, poolA, UseAccess, RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Rotation rewrites a record with its members in key order (see goldenRotated).
	var rotated map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goldenKMS), &rotated); err != nil {
		t.Fatal(err)
	}
	rotated["retireAfter"] = json.RawMessage(`"2026-03-02T13:20:00Z"`)
	sortedKMS, err := json.Marshal(rotated)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id#00000001":     fieldOrder(t, goldenKMS),
		"access#00000001": fieldOrder(t, string(sortedKMS)),
		"access#00000002": fieldOrder(t, goldenKMS),
	}
	items := e.all(partitionKey(poolA))
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for _, it := range items {
		if got := fieldOrder(t, string(it.Data)); got != want[it.SK] {
			t.Errorf("%s written with fields %s, want %s", it.SK, got, want[it.SK])
		}
	}
}

// fieldOrder lists a JSON object's member names in the order they appear.
func fieldOrder(t *testing.T, data string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	var names []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(names, ",")
}
