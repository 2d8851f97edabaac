package localkms

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/infra/gate"
)

// TestEmulatorCapabilities checks the KMS operations Cognate relies on, through the real SDK, and
// that the emulator is gone once its test ends.
func TestEmulatorCapabilities(t *testing.T) {
	var e *Emulator
	t.Run("emulator", func(t *testing.T) {
		ctx := context.Background()
		e = Start(t)
		t.Logf("local-kms %s ready in %v at %s", Version, e.StartedIn, e.Endpoint)
		c := e.Client

		// Symmetric key: GenerateDataKey and Decrypt bound to an encryption context.
		sym, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecSymmetricDefault})
		if err != nil {
			t.Fatal(err)
		}
		ec := map[string]string{"cognate:purpose": "smoke"}
		dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: sym.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
		if err != nil || len(dk.Plaintext) != 32 {
			t.Fatalf("GenerateDataKey: %v", err)
		}
		pt, err := c.Decrypt(ctx, &kms.DecryptInput{KeyId: sym.KeyMetadata.Arn, CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec})
		if err != nil || string(pt.Plaintext) != string(dk.Plaintext) {
			t.Fatalf("Decrypt: %v", err)
		}
		var badCT *types.InvalidCiphertextException
		if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: map[string]string{"cognate:purpose": "other"}}); !errors.As(err, &badCT) {
			t.Fatalf("Decrypt with another context: %v", err)
		}

		// Asymmetric key: GetPublicKey and Sign over a digest.
		rsaKey, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: rsaKey.KeyMetadata.Arn})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := x509.ParsePKIXPublicKey(pub.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte("header.payload"))
		sig, err := c.Sign(ctx, &kms.SignInput{
			KeyId: rsaKey.KeyMetadata.Arn, Message: digest[:],
			MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(parsed.(*rsa.PublicKey), crypto.SHA256, digest[:], sig.Signature); err != nil {
			t.Fatalf("KMS signature does not verify with GetPublicKey's key: %v", err)
		}

		// Key states surface as the SDK's typed errors.
		if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: rsaKey.KeyMetadata.Arn}); err != nil {
			t.Fatal(err)
		}
		var disabled *types.DisabledException
		if _, err := c.Sign(ctx, &kms.SignInput{KeyId: rsaKey.KeyMetadata.Arn, Message: digest[:], MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256}); !errors.As(err, &disabled) {
			t.Fatalf("Sign with a disabled key: %v", err)
		}
		if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: sym.KeyMetadata.Arn, PendingWindowInDays: aws.Int32(7)}); err != nil {
			t.Fatal(err)
		}
		var state *types.KMSInvalidStateException
		if _, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: sym.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes256}); !errors.As(err, &state) {
			t.Fatalf("GenerateDataKey with a key pending deletion: %v", err)
		}
	})
	if e == nil || t.Failed() || t.Skipped() {
		return
	}
	// The subtest's cleanup stopped the emulator: the process is gone and the port is closed.
	if exists(e.cmd.Process.Pid) {
		t.Fatalf("local-kms (pid %d) still exists after its test", e.cmd.Process.Pid)
	}
	hc := &http.Client{Timeout: time.Second}
	if resp, err := hc.Post(e.Endpoint+"/", "application/x-amz-json-1.1", nil); err == nil {
		resp.Body.Close()
		t.Fatal("local-kms still answers after its test")
	}
}

// TestUnavailableSkipsOrFails: without the emulator, Start skips, and fails under
// COGNATE_REQUIRE_KMS=1 (`make test`), where a skip would pass the KMS suites untested.
func TestUnavailableSkipsOrFails(t *testing.T) {
	t.Setenv(BinEnv, "/nonexistent/local-kms")
	for _, require := range []string{"1", ""} {
		t.Run(RequireEnv+"="+require, func(t *testing.T) {
			t.Setenv(RequireEnv, require)
			o := gate.Observe(t, func(tb testing.TB) { Start(tb) })
			if o.Failed != (require == "1") || o.Skipped == (require == "1") || !o.Stopped || !strings.Contains(o.Log, "/nonexistent/local-kms") {
				t.Fatalf("Start without an emulator: %v", o)
			}
		})
	}
}
