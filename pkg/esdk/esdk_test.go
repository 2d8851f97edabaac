package esdk_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/esdk"
)

var ctx = context.Background()

// newKey creates a symmetric key in the emulator and returns its ARN.
func newKey(t *testing.T, c *kms.Client) string {
	t.Helper()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

func newEncrypter(t *testing.T, api esdk.KMSAPI, cfg esdk.Config) *esdk.Encrypter {
	t.Helper()
	e, err := esdk.New(api, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The message has the shape of the one Cognito sends a custom sender (see the package doc), and
// opens again as the SDK's strict KMS keyring opens it.
func TestEncryptMakesCognitosMessage(t *testing.T) {
	kmsEmu := localkms.Start(t)
	arn := newKey(t, kmsEmu.Client)
	e := newEncrypter(t, kmsEmu.Client, esdk.Config{})
	msg, err := e.Encrypt(ctx, arn, map[string]string{"userpool-id": "us-east-1_AbC123xyz"}, []byte("123456"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(msg, []byte{0x01, 0x80, 0x03, 0x78}) {
		t.Fatalf("message starts % x, want version 1, type 0x80, suite 0x0378", msg[:4])
	}
	m, err := esdk.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(m.EncryptionContext)); !slices.Equal(keys, []string{"aws-crypto-public-key", "userpool-id"}) ||
		m.EncryptionContext["userpool-id"] != "us-east-1_AbC123xyz" || len(m.EncryptionContext["aws-crypto-public-key"]) != 68 {
		t.Fatalf("encryption context %v", m.EncryptionContext)
	}
	if len(m.DataKeys) != 1 || m.DataKeys[0].ProviderID != "aws-kms" || m.DataKeys[0].ProviderInfo != arn || len(m.DataKeys[0].Ciphertext) == 0 {
		t.Fatalf("data keys %+v", m.DataKeys)
	}
	if m.FrameLength != 4096 || !bytes.Equal(m.HeaderIV, make([]byte, 12)) || len(m.Frames) != 1 || !m.Frames[0].Final ||
		len(m.Frames[0].Ciphertext) != 6 || len(m.Signature) != esdk.SignatureLength {
		t.Fatalf("frame length %d, header IV %x, frames %+v, signature %d bytes", m.FrameLength, m.HeaderIV, m.Frames, len(m.Signature))
	}
	pt, ec, err := esdk.Decrypt(ctx, kmsEmu.Client, arn, msg)
	if err != nil || string(pt) != "123456" || ec["userpool-id"] != "us-east-1_AbC123xyz" {
		t.Fatalf("Decrypt: %q, %v, %v", pt, ec, err)
	}
}

func TestRoundTrip(t *testing.T) {
	kmsEmu := localkms.Start(t)
	arn := newKey(t, kmsEmu.Client)
	if _, err := kmsEmu.Client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/senders"), TargetKeyId: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	e := newEncrypter(t, kmsEmu.Client, esdk.Config{})
	for _, tc := range []struct {
		name   string
		keyID  string
		size   int
		frames int
	}{
		{"empty", arn, 0, 1},
		{"a code", arn, 6, 1},
		{"one frame exactly", arn, 4096, 1},
		{"one byte over a frame", arn, 4097, 2},
		{"three frames", arn, 9000, 3},
		{"by alias", "alias/senders", 8, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := bytes.Repeat([]byte("0123456789"), tc.size/10+1)[:tc.size]
			msg, err := e.Encrypt(ctx, tc.keyID, map[string]string{"userpool-id": "p"}, pt)
			if err != nil {
				t.Fatal(err)
			}
			m, err := esdk.Parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Frames) != tc.frames || m.DataKeys[0].ProviderInfo != arn {
				t.Fatalf("%d frames, data key for %q", len(m.Frames), m.DataKeys[0].ProviderInfo)
			}
			got, _, err := esdk.Decrypt(ctx, kmsEmu.Client, arn, msg)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("Decrypt: %d bytes, %v", len(got), err)
			}
		})
	}
}

// No byte of a message can change without Decrypt refusing it.
func TestTamperingIsRefused(t *testing.T) {
	kmsEmu := localkms.Start(t)
	arn := newKey(t, kmsEmu.Client)
	e := newEncrypter(t, kmsEmu.Client, esdk.Config{})
	msg, err := e.Encrypt(ctx, arn, map[string]string{"userpool-id": "us-east-1_AbC123xyz"}, []byte("654321"))
	if err != nil {
		t.Fatal(err)
	}
	at := func(sub string) int { return bytes.Index(msg, []byte(sub)) }
	m, _ := esdk.Parse(msg)
	for _, tc := range []struct {
		name string
		off  int
	}{
		{"message id", 5},
		{"pool id in the context", at("us-east-1_AbC")},
		{"public key", at(m.EncryptionContext["aws-crypto-public-key"]) + 10},
		{"wrapped data key", at(string(m.DataKeys[0].Ciphertext)) + 20},
		{"header tag", len(m.Header) + 12},
		{"encrypted code", len(m.Signed) - 16 - 3},
		{"frame tag", len(m.Signed) - 1},
		{"signature", len(msg) - 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.off < 0 || tc.off >= len(msg) {
				t.Fatalf("offset %d", tc.off)
			}
			bad := bytes.Clone(msg)
			bad[tc.off] ^= 0x01
			if pt, _, err := esdk.Decrypt(ctx, kmsEmu.Client, arn, bad); err == nil {
				t.Fatalf("a message changed at byte %d decrypted to %q", tc.off, pt)
			}
		})
	}
	t.Run("another key", func(t *testing.T) {
		other := newKey(t, kmsEmu.Client)
		if _, _, err := esdk.Decrypt(ctx, kmsEmu.Client, other, msg); !errors.Is(err, esdk.ErrFormat) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("truncated or extended", func(t *testing.T) {
		for _, bad := range [][]byte{msg[:len(msg)-1], append(bytes.Clone(msg), 0), msg[:len(m.Header)]} {
			if _, err := esdk.Parse(bad); !errors.Is(err, esdk.ErrFormat) {
				t.Fatalf("Parse of %d bytes: %v", len(bad), err)
			}
		}
	})
}

// Every KMS failure fails Encrypt (checklist KMS-01), with the SDK's error reachable, and no
// message comes out.
func TestKMSFailuresFailClosed(t *testing.T) {
	kmsEmu := localkms.Start(t)
	arn := newKey(t, kmsEmu.Client)
	f := localkms.NewFaulty(kmsEmu.Client)
	e := newEncrypter(t, f, esdk.Config{})
	for code, fault := range localkms.Faults() {
		t.Run(code, func(t *testing.T) {
			f.Fail(fault, "Encrypt")
			defer f.Fail(nil, "Encrypt")
			msg, err := e.Encrypt(ctx, arn, nil, []byte("1"))
			if msg != nil || !errors.Is(err, fault) {
				t.Fatalf("got %d bytes, %v", len(msg), err)
			}
		})
	}
	t.Run("a disabled key", func(t *testing.T) {
		if _, err := kmsEmu.Client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		var disabled *types.DisabledException
		if _, err := e.Encrypt(ctx, arn, nil, []byte("1")); !errors.As(err, &disabled) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a key that does not exist", func(t *testing.T) {
		var notFound *types.NotFoundException
		if _, err := e.Encrypt(ctx, strings.Replace(arn, arn[len(arn)-4:], "0000", 1), nil, []byte("1")); !errors.As(err, &notFound) {
			t.Fatalf("got %v", err)
		}
	})
}

// Each KMS call runs under the Encrypter's deadline, not the caller's (which may have none).
func TestKMSCallDeadline(t *testing.T) {
	kmsEmu := localkms.Start(t)
	arn := newKey(t, kmsEmu.Client)
	sent := &localkms.SentDeadlines{}
	e := newEncrypter(t, kmsEmu.NewClient(func(o *kms.Options) { o.HTTPClient = sent }), esdk.Config{Timeout: 250 * time.Millisecond})
	if _, err := e.Encrypt(ctx, arn, nil, []byte("1")); err != nil {
		t.Fatal(err)
	}
	sent.Within(t, 250*time.Millisecond)
}

func TestRefusedInputs(t *testing.T) {
	if _, err := esdk.New(nil, esdk.Config{}); err == nil {
		t.Error("New accepted no client")
	}
	kmsEmu := localkms.Start(t)
	f := localkms.NewFaulty(kmsEmu.Client)
	e := newEncrypter(t, f, esdk.Config{})
	for _, tc := range []struct {
		name  string
		keyID string
		ec    map[string]string
	}{
		{"no key", " ", nil},
		{"a reserved context key", "alias/x", map[string]string{"aws-crypto-public-key": "mine"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.Encrypt(ctx, tc.keyID, tc.ec, []byte("1")); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if n := f.Calls("Encrypt"); n != 0 {
		t.Fatalf("refused inputs reached KMS %d times", n)
	}
}
