package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/envelope"
)

// These tests run against local-kms (infra/kms): real KMS wire protocol, real encryption-context
// checks and real key-state errors. They skip when the emulator cannot be built or started,
// unless COGNATE_REQUIRE_KMS=1.

func createSymmetricKey(t *testing.T, c *kms.Client) string {
	t.Helper()
	out, err := c.CreateKey(context.Background(), &kms.CreateKeyInput{
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
		Description: aws.String("cognate envelope test master key"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.KeyMetadata.Arn
}

func newKMSMasterKey(t *testing.T, api envelope.KMSAPI, cfg envelope.KMSMasterKeyConfig) *envelope.KMSMasterKey {
	t.Helper()
	mk, err := envelope.NewKMSMasterKey(api, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mk
}

func TestKMSMasterKeySealOpenThroughKMS(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	t.Logf("local-kms ready in %v", emu.StartedIn)
	keyARN := createSymmetricKey(t, emu.Client)

	api := localkms.NewFaulty(emu.Client)
	mk := newKMSMasterKey(t, api, envelope.KMSMasterKeyConfig{KeyID: keyARN, App: "cognate-test"})
	if mk.ID() != keyARN {
		t.Fatalf("ID %q", mk.ID())
	}
	s := envelope.NewSealer(mk, nil)
	secret := bytes.Repeat([]byte("srp-verifier "), 20)
	var blobs [][]byte
	for i := range 20 {
		aad := []byte{'p', byte(i)}
		b, err := s.Seal(ctx, secret, aad)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, secret[:32]) {
			t.Fatal("plaintext visible in blob")
		}
		got, err := s.Open(ctx, b, aad)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("open: %v", err)
		}
		blobs = append(blobs, b)
	}
	if g, d := api.Calls("GenerateDataKey"), api.Calls("Decrypt"); g != 1 || d != 0 {
		t.Fatalf("sealing process: %d GenerateDataKey, %d Decrypt; want 1, 0", g, d)
	}

	// A cold start: a new Sealer (and client) unwraps the data key once, through KMS, for all blobs.
	api2 := localkms.NewFaulty(emu.NewClient())
	s2 := envelope.NewSealer(newKMSMasterKey(t, api2, envelope.KMSMasterKeyConfig{KeyID: keyARN, App: "cognate-test"}), nil)
	for i, b := range blobs {
		got, err := s2.Open(ctx, b, []byte{'p', byte(i)})
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("cold open %d: %v", i, err)
		}
	}
	if g, d := api2.Calls("GenerateDataKey"), api2.Calls("Decrypt"); g != 0 || d != 1 {
		t.Fatalf("cold start: %d GenerateDataKey, %d Decrypt; want 0, 1", g, d)
	}
	// The per-record aad still binds each blob (checked by the Sealer, after KMS unwrapped the key).
	if _, err := s2.Open(ctx, blobs[0], []byte{'p', 1}); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("wrong aad: %v", err)
	}
}

func TestKMSMasterKeyContextAndKeyArePinned(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	keyA, keyB := createSymmetricKey(t, emu.Client), createSymmetricKey(t, emu.Client)

	mk := newKMSMasterKey(t, emu.Client, envelope.KMSMasterKeyConfig{KeyID: keyA, App: "prod"})
	want := map[string]string{"cognate:purpose": "envelope-data-key", "cognate:app": "prod"}
	if got := mk.EncryptionContext(); len(got) != 2 || got["cognate:purpose"] != want["cognate:purpose"] || got["cognate:app"] != "prod" {
		t.Fatalf("context %v", got)
	}
	blob, err := envelope.NewSealer(mk, nil).Seal(ctx, []byte("totp seed"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	_, wrapped, err := mk.GenerateDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Another app's encryption context: KMS itself refuses (InvalidCiphertextException).
	otherApp := newKMSMasterKey(t, emu.Client, envelope.KMSMasterKeyConfig{KeyID: keyA, App: "staging"})
	if _, err := envelope.NewSealer(otherApp, nil).Open(ctx, blob, []byte("aad")); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("other app context: %v, want ErrInvalid", err)
	}
	var badCT *types.InvalidCiphertextException
	if _, err := otherApp.Decrypt(ctx, wrapped); !errors.As(err, &badCT) || !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("other app context, direct: %v", err)
	}
	// No context at all, straight through the SDK: refused too.
	if _, err := emu.Client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wrapped, KeyId: aws.String(keyA)}); err == nil {
		t.Fatal("Decrypt without the encryption context succeeded")
	}
	// A master key pinned to another KMS key cannot unwrap it, although the blob names key A.
	if _, err := newKMSMasterKey(t, emu.Client, envelope.KMSMasterKeyConfig{KeyID: keyB, App: "prod"}).Decrypt(ctx, wrapped); err == nil {
		t.Fatal("key B unwrapped a data key of key A")
	}
	// An altered wrapped key.
	bad := bytes.Clone(wrapped)
	bad[len(bad)-1] ^= 1
	if _, err := mk.Decrypt(ctx, bad); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("altered wrapped key: %v", err)
	}
	if _, err := mk.Decrypt(ctx, nil); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("empty wrapped key: %v", err)
	}
	// And the right context still works.
	if got, err := envelope.NewSealer(mk, nil).Open(ctx, blob, []byte("aad")); err != nil || string(got) != "totp seed" {
		t.Fatalf("open: %q %v", got, err)
	}
}

func TestKMSMasterKeyFaultsFailClosed(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	keyARN := createSymmetricKey(t, emu.Client)
	blob, err := envelope.NewSealer(newKMSMasterKey(t, emu.Client, envelope.KMSMasterKeyConfig{KeyID: keyARN}), nil).Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, fault := range localkms.Faults() {
		t.Run(name, func(t *testing.T) {
			api := localkms.NewFaulty(emu.Client)
			s := envelope.NewSealer(newKMSMasterKey(t, api, envelope.KMSMasterKeyConfig{KeyID: keyARN}), nil)
			api.Fail(fault)
			var apiErr smithy.APIError
			if b, err := s.Seal(ctx, []byte("x"), nil); b != nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != name {
				t.Fatalf("Seal = %v, %v; want the %s", b, err, name)
			}
			if pt, err := s.Open(ctx, blob, nil); pt != nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != name || errors.Is(err, envelope.ErrInvalid) {
				t.Fatalf("Open = %v, %v; want the %s (and not ErrInvalid)", pt, err, name)
			}
			// Nothing was cached from the failures: once KMS recovers the same Sealer works, and
			// goes back to KMS for both keys.
			api.Fail(nil)
			if got, err := s.Open(ctx, blob, nil); err != nil || string(got) != "x" {
				t.Fatalf("Open after recovery: %q, %v", got, err)
			}
			if _, err := s.Seal(ctx, []byte("y"), nil); err != nil {
				t.Fatal(err)
			}
			if g, d := api.Calls("GenerateDataKey"), api.Calls("Decrypt"); g != 2 || d != 2 {
				t.Fatalf("%d GenerateDataKey, %d Decrypt; want 2, 2", g, d)
			}
		})
	}
}

// TestKMSMasterKeyKeyStates uses the emulator's own key-state errors, not injected ones.
func TestKMSMasterKeyKeyStates(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	keyARN := createSymmetricKey(t, emu.Client)
	mk := newKMSMasterKey(t, emu.Client, envelope.KMSMasterKeyConfig{KeyID: keyARN})
	blob, err := envelope.NewSealer(mk, nil).Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	var disabled *types.DisabledException
	if _, err := envelope.NewSealer(mk, nil).Open(ctx, blob, nil); !errors.As(err, &disabled) {
		t.Fatalf("Open with a disabled key: %v", err)
	}
	if _, err := envelope.NewSealer(mk, nil).Seal(ctx, []byte("x"), nil); !errors.As(err, &disabled) {
		t.Fatalf("Seal with a disabled key: %v", err)
	}
	if _, err := emu.Client.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := envelope.NewSealer(mk, nil).Open(ctx, blob, nil); err != nil {
		t.Fatalf("Open after EnableKey: %v", err)
	}
	if _, err := emu.Client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &keyARN, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	var invalidState *types.KMSInvalidStateException
	if _, err := envelope.NewSealer(mk, nil).Open(ctx, blob, nil); !errors.As(err, &invalidState) {
		t.Fatalf("Open with a key pending deletion: %v", err)
	}
}

// hangingKMS is an HTTP endpoint that never answers until the client gives up (or the test ends):
// a KMS outage as the real SDK client sees it. It counts the requests it saw, and the client
// records the deadline each was sent with.
func hangingKMS(t *testing.T) (*kms.Client, *atomic.Int64, *localkms.SentDeadlines) {
	t.Helper()
	var hits atomic.Int64
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	dls := &localkms.SentDeadlines{}
	c := kms.New(kms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   dls,
	})
	return c, &hits, dls
}

func TestKMSMasterKeyDeadline(t *testing.T) {
	// The endpoint answers only when a request's context ends: a DeadlineExceeded proves a
	// deadline ended the call, and the deadline it was sent with says which (no wall-clock
	// bound that a loaded machine could break).
	c, hits, sent := hangingKMS(t)
	mk := newKMSMasterKey(t, c, envelope.KMSMasterKeyConfig{KeyID: "arn:aws:kms:us-east-1:111122223333:key/hang", Timeout: 150 * time.Millisecond})
	_, _, err := mk.GenerateDataKey(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GenerateDataKey against a hanging KMS: %v", err)
	}
	sent.Within(t, 150*time.Millisecond) // the configured timeout, not DefaultKMSTimeout
	// The caller's shorter deadline wins over the configured one.
	slow := newKMSMasterKey(t, c, envelope.KMSMasterKeyConfig{KeyID: "k", Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := slow.Decrypt(ctx, []byte("wrapped")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Decrypt: %v", err)
	}
	sent.Within(t, 100*time.Millisecond)
	// Both calls really went out to the endpoint (the SDK, not a pre-check, ran out of time).
	if hits.Load() < 2 {
		t.Fatalf("the hanging endpoint saw %d requests", hits.Load())
	}
}

func TestNewKMSMasterKeyValidation(t *testing.T) {
	var api envelope.KMSAPI = kms.New(kms.Options{Region: "us-east-1"})
	for name, tc := range map[string]struct {
		api envelope.KMSAPI
		cfg envelope.KMSMasterKeyConfig
	}{
		"no client":        {nil, envelope.KMSMasterKeyConfig{KeyID: "k"}},
		"no key":           {api, envelope.KMSMasterKeyConfig{}},
		"blank key":        {api, envelope.KMSMasterKeyConfig{KeyID: "  "}},
		"negative timeout": {api, envelope.KMSMasterKeyConfig{KeyID: "k", Timeout: -time.Second}},
	} {
		if _, err := envelope.NewKMSMasterKey(tc.api, tc.cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	mk, err := envelope.NewKMSMasterKey(api, envelope.KMSMasterKeyConfig{KeyID: "alias/cognate"})
	if err != nil {
		t.Fatal(err)
	}
	if got := mk.EncryptionContext()["cognate:app"]; got != envelope.DefaultKMSApp {
		t.Fatalf("default app %q", got)
	}
}

// shortKMS returns a data key of the wrong size: an error, never a weaker key.
type shortKMS struct{ envelope.KMSAPI }

func (shortKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return &kms.GenerateDataKeyOutput{Plaintext: make([]byte, 16), CiphertextBlob: []byte("blob")}, nil
}

func (shortKMS) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return &kms.DecryptOutput{Plaintext: make([]byte, 16)}, nil
}

func TestKMSMasterKeyRejectsShortDataKeys(t *testing.T) {
	mk := newKMSMasterKey(t, shortKMS{}, envelope.KMSMasterKeyConfig{KeyID: "k"})
	if _, _, err := mk.GenerateDataKey(context.Background()); err == nil {
		t.Fatal("16-byte data key accepted from GenerateDataKey")
	}
	if _, err := mk.Decrypt(context.Background(), []byte("blob")); err == nil {
		t.Fatal("16-byte data key accepted from Decrypt")
	}
}
