package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/signer"
)

// update rewrites testdata/golden and testdata/fuzz/FuzzVerify from the current code:
// go test ./pkg/token -run 'Golden|FuzzCorpus' -update
var update = flag.Bool("update", false, "rewrite golden files and the FuzzVerify seed corpus")

const (
	poolA    = "us-east-1_TestPoolA"
	poolB    = "us-east-1_TestPoolB"
	base     = "https://cognito-idp.us-east-1.amazonaws.com"
	issuerA  = base + "/" + poolA
	issuerB  = base + "/" + poolB
	clientID = "4lk4h5v3b3t9r0l1k1gl2nqf1e"
	subject  = "8f1c2b7e-5d4a-4c3b-9a2f-1e0d9c8b7a65"
)

// t0 is when the test tokens are issued; vnow is when the corpus is verified.
var (
	t0   = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	vnow = t0.Add(10 * time.Minute)
)

// testSigner signs with the fixed keys in testdata/testkeys.pem, so tokens (and the committed
// fuzz corpus) are reproducible. It implements signer.Signer.
type testSigner struct {
	keys            map[string]map[signer.KeyUse]*testKey
	publicKeysCalls atomic.Int64
	failPublic      error
	failSign        error
}

type testKey struct {
	kid  string
	use  signer.KeyUse
	priv *rsa.PrivateKey
}

var _ signer.Signer = (*testSigner)(nil)

func loadTestSigner(t testing.TB) *testSigner {
	t.Helper()
	raw, err := os.ReadFile("testdata/testkeys.pem")
	if err != nil {
		t.Fatal(err)
	}
	s := &testSigner{keys: map[string]map[signer.KeyUse]*testKey{}}
	for {
		var b *pem.Block
		b, raw = pem.Decode(raw)
		if b == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		pool, use := b.Headers["Pool"], signer.KeyUse(b.Headers["Use"])
		if s.keys[pool] == nil {
			s.keys[pool] = map[signer.KeyUse]*testKey{}
		}
		s.keys[pool][use] = &testKey{kid: b.Headers["Kid"], use: use, priv: k.(*rsa.PrivateKey)}
	}
	if len(s.keys[poolA]) != 2 || len(s.keys[poolB]) != 2 {
		t.Fatal("testkeys.pem must hold id and access keys for both test pools")
	}
	return s
}

func (s *testSigner) key(pool string, use signer.KeyUse) (*testKey, error) {
	if k := s.keys[pool][use]; k != nil {
		return k, nil
	}
	return nil, signer.ErrNoKey
}

func (s *testSigner) ActiveKid(_ context.Context, pool string, use signer.KeyUse) (string, error) {
	k, err := s.key(pool, use)
	if err != nil {
		return "", err
	}
	return k.kid, nil
}

func (s *testSigner) Sign(_ context.Context, pool string, use signer.KeyUse, input []byte) (string, []byte, error) {
	if s.failSign != nil {
		return "", nil, s.failSign
	}
	k, err := s.key(pool, use)
	if err != nil {
		return "", nil, err
	}
	return k.kid, k.sign(input), nil
}

func (k *testKey) sign(input []byte) []byte {
	d := sha256.Sum256(input)
	sig, err := rsa.SignPKCS1v15(nil, k.priv, crypto.SHA256, d[:])
	if err != nil {
		panic(err)
	}
	return sig
}

func (s *testSigner) PublicKeys(_ context.Context, pool string) ([]signer.PublicKey, error) {
	s.publicKeysCalls.Add(1)
	if s.failPublic != nil {
		return nil, s.failPublic
	}
	var out []signer.PublicKey
	for _, use := range []signer.KeyUse{signer.UseAccess, signer.UseID} {
		if k := s.keys[pool][use]; k != nil {
			out = append(out, signer.PublicKey{Kid: k.kid, Use: use, Key: &k.priv.PublicKey})
		}
	}
	return out, nil
}

func (s *testSigner) EnsurePoolKeys(_ context.Context, pool string) error {
	if s.keys[pool] == nil {
		return errors.New("testSigner: unknown pool")
	}
	return nil
}

func (s *testSigner) DeletePoolKeys(context.Context, string) error { return nil }

// seededReader is a deterministic stand-in for crypto/rand in tests.
func seededReader(seed string) *rand.ChaCha8 {
	return rand.NewChaCha8(sha256.Sum256([]byte(seed)))
}

// testEnv is an Issuer over the test keys with a fake clock and a seeded reader.
type testEnv struct {
	sig    *testSigner
	clk    *clock.Fake
	iss    *Issuer
	issued map[string]bool // every token issueAt produced: the only strings Verify may accept
}

func newTestEnv(t testing.TB, seed string) *testEnv {
	t.Helper()
	s := loadTestSigner(t)
	clk := clock.NewFake(t0)
	return &testEnv{sig: s, clk: clk, iss: NewIssuer(s, clk, seededReader(seed)), issued: map[string]bool{}}
}

// baseInput is a typical API sign-in for pool A.
func baseInput() IssueInput {
	return IssueInput{
		Issuer:   issuerA,
		PoolID:   poolA,
		ClientID: clientID,
		Subject:  subject,
		Username: "alice",
		Groups:   []string{"admins", "readers"},
		AuthTime: t0,
		IDClaims: map[string]any{
			"email":                 "alice@example.com",
			"email_verified":        true,
			"phone_number":          "+15555550100",
			"phone_number_verified": false,
			"updated_at":            int64(1767225600),
			"custom:tier":           "gold",
			"address":               map[string]any{"formatted": "1 Main St, Springfield"},
		},
	}
}

// issueAt issues in at time at (the clock is restored afterwards).
func (e *testEnv) issueAt(t testing.TB, at time.Time, in IssueInput) Tokens {
	t.Helper()
	prev := e.clk.Now()
	e.clk.Set(at)
	defer e.clk.Set(prev)
	toks, err := e.iss.Issue(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	e.issued[toks.AccessToken], e.issued[toks.IDToken] = true, true
	return toks
}

// segments splits a compact JWS.
func segments(t testing.TB, tok string) (header, payload []byte, sig string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%d segments", len(parts))
	}
	h, err := decodeSegment(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	p, err := decodeSegment(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return h, p, parts[2]
}

// signRaw makes a compact JWS over arbitrary header and payload bytes, RS256-signed by k:
// the tool for showing that a genuine signature alone is not enough.
func signRaw(k *testKey, header, payload []byte) string {
	input := b64(header) + "." + b64(payload)
	return input + "." + b64(k.sign([]byte(input)))
}

// payloadMap decodes a token's payload for editing.
func payloadMap(t testing.TB, tok string) map[string]any {
	t.Helper()
	_, p, _ := segments(t, tok)
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
