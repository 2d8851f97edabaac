package signer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
)

// The kms-envelope mode against local-kms: Local's keys sealed under real KMS data keys.

func createMasterKey(t *testing.T, ctx context.Context, c *kms.Client) string {
	t.Helper()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecSymmetricDefault, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	return *out.KeyMetadata.Arn
}

func TestKMSEnvelopeSigner(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			emu := localkms.Start(t)
			clk := testClock()
			tbl := open(t, clk)
			keyARN := createMasterKey(t, ctx, emu.Client)
			const pool, other = "eu-west-1_EnvPool", "eu-west-1_EnvOther"

			// The process that creates pools: one GenerateDataKey seals every key it makes.
			api := localkms.NewFaulty(emu.Client)
			s, err := signer.NewKMSEnvelope(tbl, api, keyARN, clk, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{pool, other} {
				if err := s.EnsurePoolKeys(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if g, d := api.Calls("GenerateDataKey"), api.Calls("Decrypt"); g != 1 || d != 0 {
				t.Fatalf("creating 4 keys: %d GenerateDataKey, %d Decrypt; want 1, 0", g, d)
			}
			for _, it := range keyItems(t, ctx, tbl, pool) {
				if recordField(t, it, "sealedPrivateKey") == "" || recordField(t, it, "kmsKeyId") != "" {
					t.Fatalf("record %s is not a sealed local key", it.SK)
				}
			}
			toks, err := issueFor(ctx, s, clk, pool)
			if err != nil {
				t.Fatal(err)
			}
			if api.Calls("Decrypt") != 0 || api.Calls("Sign") != 0 {
				t.Fatalf("signing in the creating process called KMS: %v", api)
			}
			verifier := signer.NewLocal(tbl, envelope.NewSealer(nil, nil), clk, nil) // no master key at all
			checkTokens(t, ctx, toks, s, verifier, clk, pool)

			// A cold start: the first token costs one KMS Decrypt, which also unlocks the other
			// pool's keys (sealed under the same data key); later tokens cost nothing.
			cold := localkms.NewFaulty(emu.Client)
			s2, err := signer.NewKMSEnvelope(tbl, cold, keyARN, clk, nil)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				for _, p := range []string{pool, other} {
					toks, err := issueFor(ctx, s2, clk, p)
					if err != nil {
						t.Fatal(err)
					}
					checkTokens(t, ctx, toks, s2, verifier, clk, p)
				}
			}
			if g, d := cold.Calls("GenerateDataKey"), cold.Calls("Decrypt"); g != 0 || d != 1 {
				t.Fatalf("cold start, 12 tokens in 2 pools: %d GenerateDataKey, %d Decrypt; want 0, 1", g, d)
			}
		})
	}
}

func TestKMSEnvelopeSignerFaults(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	keyARN := createMasterKey(t, ctx, emu.Client)
	const pool = "us-east-1_EnvFaults"

	// Creating keys fails closed when KMS cannot hand out a data key: no record is written.
	api := localkms.NewFaulty(emu.Client)
	s, err := signer.NewKMSEnvelope(tbl, api, keyARN, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	api.Fail(localkms.Faults()["ThrottlingException"], "GenerateDataKey")
	if err := s.EnsurePoolKeys(ctx, pool); err == nil {
		t.Fatal("EnsurePoolKeys succeeded without a data key")
	}
	if n := len(keyItems(t, ctx, tbl, pool)); n != 0 {
		t.Fatalf("%d records written without a data key", n)
	}
	api.Fail(nil, "GenerateDataKey")
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}

	// A cold start during a KMS fault signs nothing; once KMS recovers the same process signs.
	verifier := signer.NewLocal(tbl, envelope.NewSealer(nil, nil), clk, nil)
	for name, fault := range localkms.Faults() {
		t.Run(name, func(t *testing.T) {
			cold := localkms.NewFaulty(emu.Client)
			s2, err := signer.NewKMSEnvelope(tbl, cold, keyARN, clk, nil)
			if err != nil {
				t.Fatal(err)
			}
			cold.Fail(fault, "Decrypt")
			toks, err := issueFor(ctx, s2, clk, pool)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != name || toks.AccessToken != "" {
				t.Fatalf("Issue during %s: %+v, %v", name, toks, err)
			}
			cold.Fail(nil, "Decrypt")
			toks, err = issueFor(ctx, s2, clk, pool)
			if err != nil {
				t.Fatal(err)
			}
			checkTokens(t, ctx, toks, s2, verifier, clk, pool)
		})
	}

	// Another KMS key cannot unseal the pool's keys (though it can publish them).
	otherKey := createMasterKey(t, ctx, emu.Client)
	wrong, err := signer.NewKMSEnvelope(tbl, emu.Client, otherKey, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wrong.Sign(ctx, pool, signer.UseAccess, []byte("x")); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("Sign with the wrong master key: %v", err)
	}
	if pub, err := wrong.PublicKeys(ctx, pool); err != nil || len(pub) != 2 {
		t.Fatalf("PublicKeys: %v, %v", pub, err)
	}

	// A disabled master key: the emulator's own DisabledException reaches the caller.
	if _, err := emu.Client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	s3, _ := signer.NewKMSEnvelope(tbl, emu.Client, keyARN, clk, nil)
	var disabled *types.DisabledException
	if _, err := issueFor(ctx, s3, clk, pool); !errors.As(err, &disabled) {
		t.Fatalf("Issue with a disabled master key: %v", err)
	}
}

func TestNewKMSEnvelopeValidation(t *testing.T) {
	clk := testClock()
	if _, err := signer.NewKMSEnvelope(newTable(t, clk), noKMS{}, "", clk, nil); err == nil {
		t.Fatal("empty key id accepted")
	}
	if _, err := signer.NewKMSEnvelope(newTable(t, clk), nil, "arn", clk, nil); err == nil {
		t.Fatal("nil client accepted")
	}
}
