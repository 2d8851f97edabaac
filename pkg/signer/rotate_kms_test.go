package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/token"
)

// rotatingSigner is what these tests need of a signer mode.
type rotatingSigner interface {
	signer.Signer
	signer.Rotator
}

func issueLong(ctx context.Context, s signer.Signer, clk clock.Clock, pool string) (token.Tokens, error) {
	return token.NewIssuer(s, clk, nil).Issue(ctx, token.IssueInput{
		Issuer: testIssuerBase + pool, PoolID: pool, ClientID: "client1", Subject: "sub-1", Username: "bob",
		AuthTime: clk.Now(), AccessTTL: token.MaxTTL, IDTTL: token.MaxTTL,
	})
}

func publishedKidsOf(t *testing.T, s signer.Signer, pool string) map[string]bool {
	t.Helper()
	keys, err := s.PublicKeys(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range keys {
		out[k.Kid] = true
	}
	return out
}

func headerKid(t *testing.T, raw string) string {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	dec, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(dec), `"kid":"`)
	kid, _, ok2 := strings.Cut(after, `"`)
	if !ok || !ok2 {
		t.Fatalf("header %s", dec)
	}
	return kid
}

// rotationThroughTokens rotates the access key of a pool served by s and follows it with real
// tokens, verified by token.Issuer over verifierSigner (a process that only reads the table) and
// by an independent JWKS verifier: a 24-hour token signed by the old key just before NotBefore
// verifies until it expires, the old key stays published until RetireAfter and is then neither
// published nor accepted, and the new key signs from NotBefore. It returns the old kid and the
// rotation.
func rotationThroughTokens(t *testing.T, clk *clock.Fake, s, verifierSigner rotatingSigner, pool string) (string, signer.Rotation) {
	t.Helper()
	ctx := context.Background()
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	gen1, err := s.ActiveKid(ctx, pool, signer.UseAccess)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	rot, err := s.Rotate(ctx, pool, signer.UseAccess, signer.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rot.Created || rot.Generation != 2 || len(rot.Retiring) != 1 || rot.Retiring[0].Kid != gen1 {
		t.Fatalf("rotation %+v", rot)
	}
	retireAfter := rot.Retiring[0].RetireAfter
	want := token.Expect{Issuer: testIssuerBase + pool, PoolID: pool, TokenUse: token.UseAccess, ClientID: "client1"}
	verifier := token.NewIssuer(verifierSigner, clk, nil)

	// Just before NotBefore: both keys published, generation 1 signs a 24-hour token.
	clk.Set(rot.NotBefore.Add(-time.Second))
	if pub := publishedKidsOf(t, verifierSigner, pool); !pub[gen1] || !pub[rot.Kid] {
		t.Fatalf("before NotBefore the JWKS has %v", pub)
	}
	oldToks, err := issueLong(ctx, s, clk, pool)
	if err != nil {
		t.Fatal(err)
	}
	if kid := headerKid(t, oldToks.AccessToken); kid != gen1 {
		t.Fatalf("before NotBefore the access token names %s", kid)
	}

	// From NotBefore the new key signs; both tokens verify.
	clk.Set(rot.NotBefore)
	newToks, err := issueLong(ctx, s, clk, pool)
	if err != nil {
		t.Fatal(err)
	}
	if kid := headerKid(t, newToks.AccessToken); kid != rot.Kid {
		t.Fatalf("after NotBefore the access token names %s", kid)
	}
	for _, raw := range []string{oldToks.AccessToken, newToks.AccessToken} {
		if _, err := verifier.Verify(ctx, raw, want); err != nil {
			t.Fatalf("at NotBefore: %v", err)
		}
	}
	checkTokens(t, ctx, oldToks, s, verifierSigner, clk, pool)
	checkTokens(t, ctx, newToks, s, verifierSigner, clk, pool)

	// The old token verifies until it expires, its key still published.
	clk.Set(rot.NotBefore.Add(token.MaxTTL - 2*time.Second))
	if _, err := verifier.Verify(ctx, oldToks.AccessToken, want); err != nil {
		t.Fatalf("old token just before it expires: %v", err)
	}
	clk.Set(retireAfter.Add(-time.Second))
	if !publishedKidsOf(t, verifierSigner, pool)[gen1] {
		t.Fatal("old key left the JWKS before RetireAfter")
	}
	// At RetireAfter it is gone from the JWKS and from verification.
	clk.Set(retireAfter)
	if pub := publishedKidsOf(t, verifierSigner, pool); pub[gen1] || !pub[rot.Kid] {
		t.Fatalf("at RetireAfter the JWKS has %v", pub)
	}
	if _, err := verifier.Verify(ctx, oldToks.AccessToken, want); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("token of a retired key: %v", err)
	}
	return gen1, rot
}

// TestRotationThroughTokens runs the rotation with real tokens on Local, over the test double and
// the embedded store.
func TestRotationThroughTokens(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clk := testClock()
			tbl := open(t, clk)
			mk, err := envelope.NewLocalMasterKey(bytes.Repeat([]byte{5}, 32))
			if err != nil {
				t.Fatal(err)
			}
			const pool = "eu-west-1_Rotate1"
			s := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil)
			verifier := signer.NewLocal(tbl, envelope.NewSealer(nil, nil), clk, nil) // no master key
			gen1, rot := rotationThroughTokens(t, clk, s, verifier, pool)
			pruned, err := s.PruneRetired(ctx, pool, signer.UseAccess)
			if err != nil || len(pruned) != 1 || pruned[0] != gen1 {
				t.Fatalf("pruned %v, %v", pruned, err)
			}
			items := keyItems(t, ctx, tbl, pool)
			if len(items) != 2 || items[0].SK != "access#00000002" || recordField(t, items[0], "kid") != rot.Kid {
				t.Fatalf("items after pruning: %+v", items)
			}
		})
	}
}

// TestKMSSignerRotation: kms mode against local-kms. Rotation creates one new, tagged KMS key;
// the old key's KMS key is scheduled for deletion only after it left the JWKS (KMS-02).
func TestKMSSignerRotation(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	api := localkms.NewFaulty(emu.Client)
	s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{App: "cognate-test", DeletionWindowDays: 7})
	verifier := newKMSSigner(t, tbl, noKMS{}, clk, signer.KMSConfig{})
	const pool = "us-east-1_KmsRotate"

	arnOf := func(gen string) string {
		for _, it := range keyItems(t, ctx, tbl, pool) {
			if it.SK == "access#"+gen {
				return recordField(t, it, "kmsKeyId")
			}
		}
		return ""
	}
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	oldARN := arnOf("00000001")
	gen1, rot := rotationThroughTokens(t, clk, s, verifier, pool)
	newARN := arnOf("00000002")
	if api.Calls("CreateKey") != 3 || api.Calls("GetPublicKey") != 3 {
		t.Fatalf("KMS calls: %v; want one CreateKey and one GetPublicKey for the rotation", api)
	}
	if newARN == "" || newARN == oldARN || len(rot.Kid) != 43 {
		t.Fatalf("generation 2 record: arn %q, kid %q", newARN, rot.Kid)
	}
	d, err := emu.Client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &newARN})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(*d.KeyMetadata.Description, "generation 2") || d.KeyMetadata.KeySpec != types.KeySpecRsa2048 {
		t.Fatalf("new key %s: %s", *d.KeyMetadata.Description, d.KeyMetadata.KeySpec)
	}
	tags, err := emu.Client.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &newARN})
	if err != nil {
		t.Fatal(err)
	}
	tagged := false
	for _, tag := range tags.Tags {
		tagged = tagged || *tag.TagKey == "cognate:app" && *tag.TagValue == "cognate-test"
	}
	if !tagged {
		t.Fatalf("new key's tags: %+v", tags.Tags)
	}
	if api.Calls("ScheduleKeyDeletion") != 0 {
		t.Fatal("a key was scheduled for deletion while published")
	}

	// At RetireAfter (where rotationThroughTokens left the clock) generation 1 is unpublished;
	// pruning schedules its KMS key for deletion and deletes its record.
	published := publishedKidsOf(t, verifier, pool)
	if published[gen1] {
		t.Fatal("generation 1 still published")
	}
	pruned, err := s.PruneRetired(ctx, pool, signer.UseAccess)
	if err != nil || len(pruned) != 1 || pruned[0] != gen1 {
		t.Fatalf("pruned %v, %v", pruned, err)
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStatePendingDeletion]) != 1 || keys[types.KeyStatePendingDeletion][0] != oldARN || len(keys[types.KeyStateEnabled]) != 2 {
		t.Fatalf("KMS keys after pruning: %v", keys)
	}
	if arnOf("00000001") != "" {
		t.Fatal("generation 1's record survived pruning")
	}
	toks, err := issueFor(ctx, s, clk, pool)
	if err != nil {
		t.Fatal(err)
	}
	checkTokens(t, ctx, toks, s, verifier, clk, pool)
}

// TestKMSSignerRotationBeforeRetirement: pruning never schedules the deletion of a key still in
// the JWKS, and a KMS failure while scheduling leaves the record for the next run.
func TestKMSSignerRotationBeforeRetirement(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	api := localkms.NewFaulty(emu.Client)
	s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{DeletionWindowDays: 7})
	const pool = "us-east-1_KmsPrune"
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	gen1, _ := s.ActiveKid(ctx, pool, signer.UseID)
	rot, err := s.Rotate(ctx, pool, signer.UseID, signer.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	retire := rot.Retiring[0].RetireAfter
	for _, at := range []time.Time{rot.NotBefore, retire.Add(-time.Second)} {
		clk.Set(at)
		if pruned, err := s.PruneRetired(ctx, pool, signer.UseID); err != nil || len(pruned) != 0 {
			t.Fatalf("at %v: pruned %v, %v", at, pruned, err)
		}
	}
	if n := api.Calls("ScheduleKeyDeletion"); n != 0 {
		t.Fatalf("%d ScheduleKeyDeletion calls while every key was published", n)
	}
	clk.Set(retire)
	api.Fail(localkms.Faults()["KMSInternalException"], "ScheduleKeyDeletion")
	if _, err := s.PruneRetired(ctx, pool, signer.UseID); err == nil {
		t.Fatal("pruned although KMS could not schedule the deletion")
	}
	if n := len(keyItems(t, ctx, tbl, pool)); n != 3 {
		t.Fatalf("%d records; the retired one must stay until its key is scheduled", n)
	}

	// A key due for rotation is rotated all the same: pruning is housekeeping. The job reports
	// the pruning failure (so the run counts as failed and is retried) with the rotation.
	var outcomes []signer.RotateOutcome
	err = signer.RotatePools(ctx, s, signer.RotateJob{Pools: []string{pool}, Uses: []signer.KeyUse{signer.UseID},
		Report: func(o signer.RotateOutcome) { outcomes = append(outcomes, o) }})
	if err == nil || len(outcomes) != 1 || outcomes[0].Rotation == nil || !outcomes[0].Rotation.Created ||
		outcomes[0].Rotation.PruneErr == nil || outcomes[0].Err == nil || len(outcomes[0].Pruned) != 0 {
		t.Fatalf("rotation while pruning fails: %v, %+v", err, outcomes)
	}
	if n := len(keyItems(t, ctx, tbl, pool)); n != 4 {
		t.Fatalf("%d records, want 4", n)
	}
	api.Fail(nil, "ScheduleKeyDeletion")
	if pruned, err := s.PruneRetired(ctx, pool, signer.UseID); err != nil || len(pruned) != 1 || pruned[0] != gen1 {
		t.Fatalf("pruned %v, %v", pruned, err)
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStatePendingDeletion]) != 1 || len(keys[types.KeyStateEnabled]) != 3 { // id 2 and 3, access 1
		t.Fatalf("KMS keys: %v", keys)
	}
}

// TestKMSSignerConcurrentRotate races rotators in separate processes: exactly one new generation
// is recorded, every rotator reports it, and the losers' KMS keys are scheduled for deletion.
func TestKMSSignerConcurrentRotate(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	const pool = "us-east-1_KmsRace"
	var signers []*signer.KMS
	for range 4 {
		signers = append(signers, newKMSSigner(t, tbl, emu.NewClient(), clk, signer.KMSConfig{}))
	}
	if err := signers[0].EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	results := make([]signer.Rotation, len(signers))
	var wg sync.WaitGroup
	for i, s := range signers {
		wg.Go(func() {
			rot, err := s.Rotate(ctx, pool, signer.UseAccess, signer.RotateOptions{})
			if err != nil {
				t.Error(err)
			}
			results[i] = rot
		})
	}
	wg.Wait()
	created := 0
	for i, rot := range results {
		if rot.Created {
			created++
		}
		if rot.Generation != 2 || rot.Kid != results[0].Kid {
			t.Fatalf("rotator %d reports %+v, rotator 0 %+v", i, rot, results[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d rotators created generation 2", created)
	}
	items := keyItems(t, ctx, tbl, pool)
	if len(items) != 3 {
		t.Fatalf("%d records", len(items))
	}
	recorded := map[string]bool{}
	for _, it := range items {
		recorded[recordField(t, it, "kmsKeyId")] = true
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStateEnabled]) != 3 {
		t.Fatalf("enabled keys: %v", keys)
	}
	for _, arn := range keys[types.KeyStateEnabled] {
		if !recorded[arn] {
			t.Fatalf("enabled key %s is not recorded", arn)
		}
	}
	t.Logf("%d surplus keys scheduled for deletion", len(keys[types.KeyStatePendingDeletion]))
}

// TestKMSSignerRotateFaults: KMS failures during a rotation record nothing, and a key created but
// not recorded is scheduled for deletion.
func TestKMSSignerRotateFaults(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	api := localkms.NewFaulty(emu.Client)
	s := newKMSSigner(t, tbl, api, clk, signer.KMSConfig{})
	const pool = "us-east-1_KmsRotFaults"
	if err := s.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	kid, _ := s.ActiveKid(ctx, pool, signer.UseAccess)
	throttled := localkms.Faults()["ThrottlingException"]
	for _, op := range []string{"CreateKey", "GetPublicKey"} {
		api.Fail(throttled, op)
		if _, err := s.Rotate(ctx, pool, signer.UseAccess, signer.RotateOptions{}); !errors.Is(err, throttled) {
			t.Fatalf("Rotate with %s failing = %v", op, err)
		}
		api.Fail(nil, op)
		if n := len(keyItems(t, ctx, tbl, pool)); n != 2 {
			t.Fatalf("%s failing: %d records", op, n)
		}
	}
	keys := poolKMSKeys(t, ctx, emu.Client, pool)
	if len(keys[types.KeyStatePendingDeletion]) != 1 || len(keys[types.KeyStateEnabled]) != 2 {
		t.Fatalf("keys after failed rotations: %v", keys)
	}
	// Signing is unaffected.
	_, sig, err := s.Sign(ctx, pool, signer.UseAccess, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := s.PublicKeys(ctx, pool)
	d := sha256.Sum256([]byte("m"))
	for _, k := range pub {
		if k.Kid == kid && rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, d[:], sig) != nil {
			t.Fatal("signature does not verify")
		}
	}

	// The record's write is lost after it landed: the rotation stands and its key is kept.
	flaky := storetest.NewFaulty(tbl)
	s2 := newKMSSigner(t, flaky, emu.Client, clk, signer.KMSConfig{})
	flaky.LoseWrites(errTableDown)
	rot, err := s2.Rotate(ctx, pool, signer.UseAccess, signer.RotateOptions{})
	flaky.LoseWrites(nil)
	if err != nil || !rot.Created {
		t.Fatalf("Rotate with a lost response = %+v, %v", rot, err)
	}
	if keys := poolKMSKeys(t, ctx, emu.Client, pool); len(keys[types.KeyStateEnabled]) != 3 {
		t.Fatalf("keys: %v", keys)
	}
}

// TestKMSEnvelopeRotation: kms-envelope mode (Local over KMS data keys) rotates with one
// GenerateDataKey and no Decrypt, so the rotating function needs no kms:Decrypt.
func TestKMSEnvelopeRotation(t *testing.T) {
	ctx := context.Background()
	emu := localkms.Start(t)
	clk := testClock()
	tbl := newTable(t, clk)
	keyARN := createMasterKey(t, ctx, emu.Client)
	const pool = "us-east-1_EnvRotate"
	creator, err := signer.NewKMSEnvelope(tbl, emu.Client, keyARN, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := creator.EnsurePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	api := localkms.NewFaulty(emu.Client)
	rotator, err := signer.NewKMSEnvelope(tbl, api, keyARN, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.RotatePools(ctx, rotator, signer.RotateJob{Pools: []string{pool}}); err != nil {
		t.Fatal(err)
	}
	if g, d := api.Calls("GenerateDataKey"), api.Calls("Decrypt"); g != 1 || d != 0 {
		t.Fatalf("rotating both keys: %d GenerateDataKey, %d Decrypt; want 1, 0", g, d)
	}
	clk.Advance(signer.DefaultPublishLead)
	cold, err := signer.NewKMSEnvelope(tbl, emu.Client, keyARN, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := issueFor(ctx, cold, clk, pool)
	if err != nil {
		t.Fatal(err)
	}
	verifier := signer.NewLocal(tbl, envelope.NewSealer(nil, nil), clk, nil)
	checkTokens(t, ctx, toks, cold, verifier, clk, pool)
	gen2 := map[string]string{}
	for _, it := range keyItems(t, ctx, tbl, pool) {
		if strings.HasSuffix(it.SK, "#00000002") {
			gen2[recordField(t, it, "use")] = recordField(t, it, "kid")
		}
	}
	if headerKid(t, toks.AccessToken) != gen2["access"] || headerKid(t, toks.IDToken) != gen2["id"] || len(gen2) != 2 {
		t.Fatalf("tokens not signed by generation 2 (%v)", gen2)
	}
}
