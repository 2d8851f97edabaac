package signer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/token"
)

// The tests in this file run the kms signer mode against local-kms (infra/kms): real CreateKey,
// GetPublicKey, Sign (DIGEST, RSASSA_PKCS1_V1_5_SHA_256), key states and ScheduleKeyDeletion. They
// skip when the emulator cannot be built or started, unless COGNATE_REQUIRE_KMS=1.

func testClock() *clock.Fake { return clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

func TestKMSSignerTokensVerifyAgainstJWKS(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			emu := localkms.Start(t)
			clk := testClock()
			tbl := open(t, clk)
			api := localkms.NewFaulty(emu.Client)
			s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{App: "cognate-test"})
			const pool, other = "eu-west-1_KmsPool", "eu-west-1_KmsOther"
			for _, p := range []string{pool, other, pool} {
				if err := s.EnsurePoolKeys(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if n := api.Calls("CreateKey"); n != 4 {
				t.Fatalf("CreateKey calls = %d, want 4 (2 pools x 2 uses)", n)
			}
			if n := api.Calls("GetPublicKey"); n != 4 {
				t.Fatalf("GetPublicKey calls = %d, want 4 (once per key)", n)
			}

			// The keys KMS holds: RSA_2048 SIGN_VERIFY, tagged, one per use.
			keys := poolKMSKeys(t, ctx, emu.Client, pool)
			if len(keys[types.KeyStateEnabled]) != 2 || len(keys) != 1 {
				t.Fatalf("pool keys in KMS: %v", keys)
			}
			for _, arn := range keys[types.KeyStateEnabled] {
				d, err := emu.Client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &arn})
				if err != nil {
					t.Fatal(err)
				}
				if d.KeyMetadata.KeySpec != types.KeySpecRsa2048 || d.KeyMetadata.KeyUsage != types.KeyUsageTypeSignVerify {
					t.Fatalf("key %s is %s/%s", arn, d.KeyMetadata.KeySpec, d.KeyMetadata.KeyUsage)
				}
				tags, err := emu.Client.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &arn})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, tag := range tags.Tags {
					found = found || *tag.TagKey == "cognate:app" && *tag.TagValue == "cognate-test"
				}
				if !found {
					t.Fatalf("key %s lacks the cognate:app tag: %+v", arn, tags.Tags)
				}
			}

			// The records hold the key ARN and the public key, never a private key.
			for _, it := range keyItems(t, ctx, tbl, pool) {
				if arn := recordField(t, it, "kmsKeyId"); !strings.HasPrefix(arn, "arn:aws:kms:") {
					t.Fatalf("record %s: kmsKeyId %q", it.SK, arn)
				}
				if recordField(t, it, "sealedPrivateKey") != "" {
					t.Fatalf("record %s holds a private key", it.SK)
				}
			}

			idKid, _ := s.ActiveKid(ctx, pool, signer.UseID)
			accessKid, _ := s.ActiveKid(ctx, pool, signer.UseAccess)
			otherKid, _ := s.ActiveKid(ctx, other, signer.UseAccess)
			for _, kid := range []string{idKid, accessKid, otherKid} {
				if len(kid) != 43 || !signer.ValidKid(kid) {
					t.Fatalf("kid %q: want a 43-character RFC 7638 thumbprint", kid)
				}
			}
			if idKid == accessKid || accessKid == otherKid {
				t.Fatal("kids shared between uses or pools")
			}

			before := api.Calls("Sign")
			toks, err := issueFor(ctx, s, clk, pool)
			if err != nil {
				t.Fatal(err)
			}
			if n := api.Calls("Sign") - before; n != 2 {
				t.Fatalf("KMS Sign calls per token pair = %d, want 2", n)
			}
			hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(toks.AccessToken, ".")[0])
			if string(hdr) != `{"kid":"`+accessKid+`","alg":"RS256"}` {
				t.Fatalf("header %s", hdr)
			}

			// Verification needs the table only: this verifier fails every KMS call.
			verifier := newKMSSigner(t, tbl, noKMS{}, clk, signer.KMSConfig{})
			checkTokens(t, ctx, toks, s, verifier, clk, pool)

			// Another pool's JWKS does not verify this pool's tokens.
			if _, err := newJWKSVerifier(t, ctx, s, clk, other).verify(toks.AccessToken, pool); err == nil {
				t.Fatal("token verified with another pool's JWKS")
			}
			wrongPool := token.Expect{Issuer: testIssuerBase + other, PoolID: other, TokenUse: token.UseAccess}
			if _, err := token.NewIssuer(verifier, clk, nil).Verify(ctx, toks.AccessToken, wrongPool); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("verified against another pool: %v", err)
			}

			// A cold start (new signer, same table) uses the same keys and calls neither CreateKey
			// nor GetPublicKey.
			cold := localkms.NewFaulty(emu.Client)
			s2 := newKMSSigner(t, tbl, cold, clk, signer.KMSConfig{App: "cognate-test"})
			if err := s2.EnsurePoolKeys(ctx, pool); err != nil {
				t.Fatal(err)
			}
			toks2, err := issueFor(ctx, s2, clk, pool)
			if err != nil {
				t.Fatal(err)
			}
			checkTokens(t, ctx, toks2, s2, verifier, clk, pool)
			if cold.Calls("CreateKey") != 0 || cold.Calls("GetPublicKey") != 0 || cold.Calls("Sign") != 2 {
				t.Fatalf("cold start calls: %v", cold)
			}
			if kid, _ := s2.ActiveKid(ctx, pool, signer.UseAccess); kid != accessKid {
				t.Fatalf("kid changed across processes: %s != %s", kid, accessKid)
			}
		})
	}
}

func TestKMSSignerSignFaultsFailClosed(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	api := localkms.NewFaulty(emu.Client)
	s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{})
	const pool = "us-east-1_Faults"
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	kid, _ := s.ActiveKid(ctx, pool, signer.UseAccess)
	verifier := newKMSSigner(t, tbl, noKMS{}, clk, signer.KMSConfig{})
	for name, fault := range localkms.Faults() {
		t.Run(name, func(t *testing.T) {
			api.Fail(fault, "Sign")
			toks, err := issueFor(ctx, s, clk, pool)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != name || toks.AccessToken != "" || toks.IDToken != "" {
				t.Fatalf("Issue during %s = %+v, %v; want no token and the KMS error", name, toks, err)
			}
			if _, sig, err := s.Sign(ctx, pool, signer.UseID, []byte("x")); err == nil || sig != nil {
				t.Fatalf("Sign during %s returned a signature", name)
			}
			// Nothing was cached from the failure: the next call signs with the same key.
			api.Fail(nil, "Sign")
			toks, err = issueFor(ctx, s, clk, pool)
			if err != nil {
				t.Fatal(err)
			}
			checkTokens(t, ctx, toks, s, verifier, clk, pool)
			if got, _ := s.ActiveKid(ctx, pool, signer.UseAccess); got != kid {
				t.Fatalf("kid changed after a fault: %s != %s", got, kid)
			}
		})
	}
}

func TestKMSSignerEnsureFaults(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	throttled := localkms.Faults()["ThrottlingException"]

	t.Run("CreateKey", func(t *testing.T) {
		tbl := newTable(t, clk)
		api := localkms.NewFaulty(emu.Client)
		s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{})
		const pool = "us-east-1_CreateFails"
		api.Fail(throttled, "CreateKey")
		if err := s.EnsurePoolKeys(ctx, pool); !errors.Is(err, throttled) {
			t.Fatalf("EnsurePoolKeys = %v", err)
		}
		if items := keyItems(t, ctx, tbl, pool); len(items) != 0 {
			t.Fatalf("%d records written", len(items))
		}
		if _, _, err := s.Sign(ctx, pool, signer.UseID, []byte("x")); !errors.Is(err, signer.ErrNoKey) {
			t.Fatalf("Sign = %v, want ErrNoKey", err)
		}
		api.Fail(nil, "CreateKey")
		if err := s.EnsurePoolKeys(ctx, pool); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Sign(ctx, pool, signer.UseID, []byte("x")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("GetPublicKey", func(t *testing.T) {
		tbl := newTable(t, clk)
		api := localkms.NewFaulty(emu.Client)
		s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{})
		const pool = "us-east-1_GetPubFails"
		api.Fail(throttled, "GetPublicKey")
		if err := s.EnsurePoolKeys(ctx, pool); !errors.Is(err, throttled) {
			t.Fatalf("EnsurePoolKeys = %v", err)
		}
		if items := keyItems(t, ctx, tbl, pool); len(items) != 0 {
			t.Fatalf("%d records written", len(items))
		}
		// The key it created was never recorded, so it was scheduled for deletion at once.
		keys := poolKMSKeys(t, ctx, emu.Client, pool)
		if len(keys[types.KeyStatePendingDeletion]) != 1 || len(keys) != 1 {
			t.Fatalf("keys after a failed GetPublicKey: %v", keys)
		}
		api.Fail(nil, "GetPublicKey")
		if err := s.EnsurePoolKeys(ctx, pool); err != nil {
			t.Fatal(err)
		}
		if keys := poolKMSKeys(t, ctx, emu.Client, pool); len(keys[types.KeyStateEnabled]) != 2 {
			t.Fatalf("keys after recovery: %v", keys)
		}
	})

	t.Run("table write lost", func(t *testing.T) {
		tbl := storetest.NewFaulty(newTable(t, clk))
		s := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{})
		const pool = "us-east-1_WriteFails"
		tbl.FailWrites(errTableDown, nil)
		if err := s.EnsurePoolKeys(ctx, pool); !errors.Is(err, errTableDown) {
			t.Fatalf("EnsurePoolKeys = %v", err)
		}
		// The write did not land (checked by reading back), so the key was discarded.
		if keys := poolKMSKeys(t, ctx, emu.Client, pool); len(keys[types.KeyStatePendingDeletion]) != 1 || len(keys) != 1 {
			t.Fatalf("keys: %v", keys)
		}
		tbl.FailWrites(nil, nil)
		if err := s.EnsurePoolKeys(ctx, pool); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("table write committed but reported failed", func(t *testing.T) {
		tbl := storetest.NewFaulty(newTable(t, clk))
		s := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{})
		const pool = "us-east-1_WriteAmbiguous"
		tbl.LoseWrites(errTableDown)
		if err := s.EnsurePoolKeys(ctx, pool); err != nil {
			t.Fatalf("EnsurePoolKeys = %v; the records did land", err)
		}
		// The recorded keys were kept, not deleted on the strength of the error.
		if keys := poolKMSKeys(t, ctx, emu.Client, pool); len(keys[types.KeyStateEnabled]) != 2 || len(keys) != 1 {
			t.Fatalf("keys: %v", keys)
		}
		if _, _, err := s.Sign(ctx, pool, signer.UseAccess, []byte("x")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestKMSSignerConcurrentEnsure races several processes creating the same pool's keys: all end up
// with the winner's keys, and every losing key is scheduled for deletion.
func TestKMSSignerConcurrentEnsure(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	const pool = "us-east-1_Race"
	var signers []*signer.KMS
	for range 4 {
		signers = append(signers, newKMSSigner(t, tbl, emu.NewClient(), clk, signer.KMSConfig{}))
	}
	var wg sync.WaitGroup
	for _, s := range signers {
		wg.Go(func() {
			if err := s.EnsurePoolKeys(ctx, pool); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want, _ := signers[0].ActiveKid(ctx, pool, signer.UseAccess)
	for _, s := range signers {
		if kid, err := s.ActiveKid(ctx, pool, signer.UseAccess); err != nil || kid != want {
			t.Fatalf("kid %s, %v; want %s", kid, err, want)
		}
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStateEnabled]) != 2 {
		t.Fatalf("enabled keys: %v", keys)
	}
	recorded := map[string]bool{}
	for _, it := range keyItems(t, ctx, tbl, pool) {
		recorded[recordField(t, it, "kmsKeyId")] = true
	}
	for _, arn := range keys[types.KeyStateEnabled] {
		if !recorded[arn] {
			t.Fatalf("enabled key %s is not the recorded one", arn)
		}
	}
	t.Logf("%d surplus keys scheduled for deletion", len(keys[types.KeyStatePendingDeletion]))
}

// TestKMSSignerKeyStates uses the emulator's own key-state errors, not injected ones.
func TestKMSSignerKeyStates(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	s := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{})
	const pool = "us-east-1_States"
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var accessARN string
	for _, it := range keyItems(t, ctx, tbl, pool) {
		if strings.HasPrefix(it.SK, "access#") {
			accessARN = recordField(t, it, "kmsKeyId")
		}
	}
	if _, err := emu.Client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &accessARN}); err != nil {
		t.Fatal(err)
	}
	var disabled *types.DisabledException
	if toks, err := issueFor(ctx, s, clk, pool); !errors.As(err, &disabled) || toks.AccessToken != "" {
		t.Fatalf("Issue with a disabled key: %+v, %v", toks, err)
	}
	if _, err := emu.Client.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &accessARN}); err != nil {
		t.Fatal(err)
	}
	toks, err := issueFor(ctx, s, clk, pool)
	if err != nil {
		t.Fatal(err)
	}
	checkTokens(t, ctx, toks, s, s, clk, pool)
}

func TestKMSSignerDeadline(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	const pool = "us-east-1_Slow"
	if err := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{}).EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	// Same keys, but KMS stops answering until a request's context ends: a DeadlineExceeded
	// proves a deadline ended the call, and the deadline each request was sent with says which
	// (no wall-clock bound that a loaded machine could break).
	hanging, sent := hangingKMSClient(t)
	s := newKMSSigner(t, tbl, hanging, clk, signer.KMSConfig{Timeout: 150 * time.Millisecond})
	_, _, err := s.Sign(ctx, pool, signer.UseAccess, []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sign against a hanging KMS: %v", err)
	}
	sent.Within(t, 150*time.Millisecond) // the configured timeout, not the 3 s default
	// The caller's shorter deadline wins.
	slow := newKMSSigner(t, tbl, hanging, clk, signer.KMSConfig{Timeout: time.Minute})
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := issueFor(cctx, slow, clk, pool); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Issue: %v", err)
	}
	sent.Within(t, 100*time.Millisecond)
	// EnsurePoolKeys is bounded too.
	if err := s.EnsurePoolKeys(ctx, "us-east-1_SlowNew"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("EnsurePoolKeys: %v", err)
	}
	sent.Within(t, 150*time.Millisecond)
}

func TestKMSSignerDeletePoolKeys(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	api := localkms.NewFaulty(emu.Client)
	s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{DeletionWindowDays: 7})
	const pool, keep = "us-east-1_Gone", "us-east-1_Kept"
	for _, p := range []string{pool, keep} {
		if err := s.EnsurePoolKeys(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	toks, err := issueFor(ctx, s, clk, pool)
	if err != nil {
		t.Fatal(err)
	}

	// A KMS failure leaves the records (and the JWKS) in place, so a retry finishes the job.
	api.Fail(localkms.Faults()["KMSInternalException"], "ScheduleKeyDeletion")
	if err := s.DeletePoolKeys(ctx, pool); err == nil {
		t.Fatal("DeletePoolKeys succeeded while KMS failed")
	}
	if len(keyItems(t, ctx, tbl, pool)) != 2 {
		t.Fatal("records deleted although the keys were not scheduled for deletion")
	}
	api.Fail(nil, "ScheduleKeyDeletion")
	if err := s.DeletePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePoolKeys(ctx, pool); err != nil {
		t.Fatalf("second DeletePoolKeys: %v", err)
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStatePendingDeletion]) != 2 || len(keys) != 1 {
		t.Fatalf("keys after DeletePoolKeys: %v", keys)
	}
	if pub, err := s.PublicKeys(ctx, pool); err != nil || len(pub) != 0 {
		t.Fatalf("PublicKeys after delete: %v, %v", pub, err)
	}
	if _, _, err := s.Sign(ctx, pool, signer.UseID, []byte("x")); !errors.Is(err, signer.ErrNoKey) {
		t.Fatalf("Sign after delete: %v", err)
	}
	verifier := token.NewIssuer(newKMSSigner(t, tbl, noKMS{}, clk, signer.KMSConfig{}), clk, nil)
	if _, err := verifier.Verify(ctx, toks.AccessToken, token.Expect{Issuer: testIssuerBase + pool, PoolID: pool, TokenUse: token.UseAccess}); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("token of a deleted pool: %v", err)
	}
	// The other pool is untouched.
	if keys := poolKMSKeys(t, ctx, emu.Client, keep); len(keys[types.KeyStateEnabled]) != 2 {
		t.Fatalf("other pool's keys: %v", keys)
	}
	if _, err := issueFor(ctx, s, clk, keep); err != nil {
		t.Fatal(err)
	}
}

// TestKMSSignerRecordIntegrity: records of the other mode, or whose public key does not belong to
// their KMS key, fail closed.
func TestKMSSignerRecordIntegrity(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()

	// A table of Local keys is refused by the kms signer, and the other way round.
	tbl := newTable(t, clk)
	mk, _ := envelope.NewLocalMasterKey(bytes.Repeat([]byte{3}, 32))
	if err := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil).EnsurePoolKeys(ctx, "us-east-1_Local"); err != nil {
		t.Fatal(err)
	}
	k := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{})
	if _, err := k.PublicKeys(ctx, "us-east-1_Local"); err == nil || !strings.Contains(err.Error(), "sealed local key") {
		t.Fatalf("kms signer on local records: %v", err)
	}
	if err := k.EnsurePoolKeys(ctx, "us-east-1_Kms"); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil).PublicKeys(ctx, "us-east-1_Kms"); err == nil {
		t.Fatal("local signer accepted kms records")
	}

	// Pool A's access record given pool B's kid and public key (but still A's KMS key): loads,
	// since kid and key agree, but no signature is returned that the published key cannot verify.
	if err := k.EnsurePoolKeys(ctx, "us-east-1_B"); err != nil {
		t.Fatal(err)
	}
	a, b := keyItems(t, ctx, tbl, "us-east-1_Kms"), keyItems(t, ctx, tbl, "us-east-1_B")
	var recA, recB map[string]any
	if json.Unmarshal(a[0].Data, &recA) != nil || json.Unmarshal(b[0].Data, &recB) != nil { // "access#00000001" sorts first
		t.Fatal("key records do not parse")
	}
	recA["kid"], recA["publicKey"] = recB["kid"], recB["publicKey"]
	forged, _ := json.Marshal(recA)
	if err := tbl.Write(ctx, store.Op{Kind: store.OpPut, Item: store.Item{PK: a[0].PK, SK: a[0].SK, Version: a[0].Version + 1, Data: forged}}); err != nil {
		t.Fatal(err)
	}
	fresh := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{})
	if _, sig, err := fresh.Sign(ctx, "us-east-1_Kms", signer.UseAccess, []byte("x")); err == nil || sig != nil {
		t.Fatalf("signed for a public key that is not the KMS key's: %v", err)
	}
	// A kid that does not match the public key is refused at load.
	recA["kid"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	forged, _ = json.Marshal(recA)
	if err := tbl.Write(ctx, store.Op{Kind: store.OpPut, Item: store.Item{PK: a[0].PK, SK: a[0].SK, Version: a[0].Version + 2, Data: forged}}); err != nil {
		t.Fatal(err)
	}
	if _, err := newKMSSigner(t, tbl, emu.Client, clk, signer.KMSConfig{}).PublicKeys(ctx, "us-east-1_Kms"); err == nil {
		t.Fatal("kid/public key mismatch accepted")
	}
}

func TestNewKMSValidation(t *testing.T) {
	clk := testClock()
	tbl := newTable(t, clk)
	for name, cfg := range map[string]signer.KMSConfig{
		"negative timeout": {Timeout: -time.Second},
		"window too short": {DeletionWindowDays: 6},
		"window too long":  {DeletionWindowDays: 31},
		"bad app":          {App: "cognate#prod"},
		"long app":         {App: strings.Repeat("a", 129)},
	} {
		if _, err := signer.NewKMS(tbl, noKMS{}, clk, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := signer.NewKMS(nil, noKMS{}, clk, signer.KMSConfig{}); err == nil {
		t.Error("nil table accepted")
	}
	if _, err := signer.NewKMS(tbl, nil, clk, signer.KMSConfig{}); err == nil {
		t.Error("nil KMS client accepted")
	}
	if _, err := signer.NewKMS(tbl, noKMS{}, clk, signer.KMSConfig{App: "cognate-prod/eu_1"}); err != nil {
		t.Error(err)
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"local", "kms", "kms-envelope"} {
		if m, err := signer.ParseMode(s); err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "KMS", "envelope", "kms_envelope"} {
		if _, err := signer.ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q) accepted", s)
		}
	}
}

// BenchmarkKMSSign measures one Sign through the SDK against local-kms on loopback: the client
// side of the kms mode (serialization, signing the request, HTTP), not AWS's ≈ 13 ms.
func BenchmarkKMSSign(b *testing.B) {
	ctx := context.Background()
	emu := localkms.Start(b)
	clk := testClock()
	s, err := signer.NewKMS(newTable(b, clk), emu.NewClient(func(o *kms.Options) { o.Retryer = aws.NopRetryer{} }), clk, signer.KMSConfig{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.EnsurePoolKeys(ctx, "us-east-1_Bench"); err != nil {
		b.Fatal(err)
	}
	input := []byte(strings.Repeat("x", 900))
	for b.Loop() {
		if _, _, err := s.Sign(ctx, "us-east-1_Bench", signer.UseAccess, input); err != nil {
			b.Fatal(err)
		}
	}
}
