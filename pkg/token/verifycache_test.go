package token

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/signer"
)

// cached reports whether raw has an entry in the verified-token cache.
func (e *testEnv) cached(raw string) bool { return e.iss.verified.get(raw) != nil }

func verifyErr(e *testEnv, raw string, want Expect) string {
	c, err := e.iss.Verify(context.Background(), raw, want)
	if err == nil {
		if c == nil {
			return "no claims and no error"
		}
		return "ok"
	}
	if c != nil {
		return "claims with an error"
	}
	return err.Error()
}

// The whole mutation corpus, judged a second time once every token that can be cached is: a hit
// must give exactly the answer and reason of a full verification.
func TestVerifiedCacheAnswersAsFullVerification(t *testing.T) {
	cold := newTestEnv(t, "corpus")
	warm := newTestEnv(t, "corpus") // same seed: the same tokens
	coldCases, warmCases := mutations(t, cold), mutations(t, warm)
	cold.clk.Set(vnow)
	warm.clk.Set(vnow)
	for _, m := range warmCases {
		verifyErr(warm, m.raw, m.want)
	}
	if !warm.cached(warmCases[0].raw) {
		t.Fatal("a valid token was not cached")
	}
	for i, m := range warmCases {
		cold.iss.verified = newVerifiedCache(maxVerifiedBytes) // every cold call is a miss
		if got, want := verifyErr(warm, m.raw, m.want), verifyErr(cold, coldCases[i].raw, coldCases[i].want); got != want {
			t.Errorf("%s: from the cache %q, in full %q", m.name, got, want)
		}
	}
}

func TestVerifiedCacheHitSharesClaims(t *testing.T) {
	e := newTestEnv(t, "hit")
	tok := e.issueAt(t, t0, baseInput()).AccessToken
	e.clk.Set(vnow)
	ctx := context.Background()
	a, err := e.iss.Verify(ctx, tok, expectAccess())
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.iss.Verify(ctx, tok, expectAccess())
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("second verification was not answered from the cache")
	}
	// A hit still reads the keys: a key-store failure is a failure, never a cached success.
	e.sig.failPublic = errors.New("table unavailable")
	if c, err := e.iss.Verify(ctx, tok, expectAccess()); c != nil || !errors.Is(err, e.sig.failPublic) {
		t.Fatalf("hit with keys unavailable = %v, %v", c, err)
	}
}

// Expiry is judged by the injected clock on every hit, with the caller's leeway; the entry
// leaves once the token can only be expired.
func TestVerifiedCacheExpiry(t *testing.T) {
	e := newTestEnv(t, "expiry")
	tok := e.issueAt(t, t0, baseInput()).AccessToken // exp = t0 + 1h
	e.clk.Set(vnow)
	ctx := context.Background()
	if _, err := e.iss.Verify(ctx, tok, expectAccess()); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(time.Hour)
	leeway := expectAccess()
	leeway.Leeway = time.Minute
	for _, tc := range []struct {
		at     time.Time
		want   Expect
		err    error
		cached bool
	}{
		{exp.Add(-time.Second), expectAccess(), nil, true},
		{exp, expectAccess(), ErrExpired, true},
		{exp.Add(30 * time.Second), leeway, nil, true},
		{exp.Add(30 * time.Second), expectAccess(), ErrExpired, true},
		{exp.Add(MaxLeeway), leeway, ErrExpired, false},    // dropped: no leeway can accept it now
		{exp.Add(-time.Second), expectAccess(), nil, true}, // a clock set back verifies in full again
	} {
		e.clk.Set(tc.at)
		c, err := e.iss.Verify(ctx, tok, tc.want)
		if !errors.Is(err, tc.err) || (err == nil) != (c != nil) {
			t.Fatalf("at exp%+v: %v, %v; want %v", tc.at.Sub(exp), c, err, tc.err)
		}
		if e.cached(tok) != tc.cached {
			t.Fatalf("at exp%+v: cached = %v, want %v", tc.at.Sub(exp), !tc.cached, tc.cached)
		}
	}
}

// A key that leaves the pool's published keys stops its cached tokens at once; so does a
// different key published under the same kid.
func TestVerifiedCacheKeyRetirement(t *testing.T) {
	ctx := context.Background()
	t.Run("retired", func(t *testing.T) {
		e := newTestEnv(t, "retired")
		tok := e.issueAt(t, t0, baseInput()).AccessToken
		e.clk.Set(vnow)
		if _, err := e.iss.Verify(ctx, tok, expectAccess()); err != nil {
			t.Fatal(err)
		}
		delete(e.sig.keys[poolA], signer.UseAccess)
		if _, err := e.iss.Verify(ctx, tok, expectAccess()); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "unknown kid") {
			t.Fatalf("token of a retired key: %v", err)
		}
		if e.cached(tok) {
			t.Fatal("entry kept after its key retired")
		}
	})
	t.Run("same kid, other key", func(t *testing.T) {
		e := newTestEnv(t, "rekeyed")
		tok := e.issueAt(t, t0, baseInput()).AccessToken
		e.clk.Set(vnow)
		if _, err := e.iss.Verify(ctx, tok, expectAccess()); err != nil {
			t.Fatal(err)
		}
		old := e.sig.keys[poolA][signer.UseAccess]
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		e.sig.keys[poolA][signer.UseAccess] = &testKey{kid: old.kid, use: old.use, priv: other}
		if _, err := e.iss.Verify(ctx, tok, expectAccess()); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "bad signature") {
			t.Fatalf("token under a replaced key: %v", err)
		}
	})
}

// Many distinct valid tokens evict each other; the cache never holds more than its budget.
func TestVerifiedCacheBound(t *testing.T) {
	e := newTestEnv(t, "bound")
	var toks []string
	for i := range 12 {
		in := baseInput()
		in.Username = fmt.Sprintf("user%02d", i)
		toks = append(toks, e.issueAt(t, t0, in).AccessToken)
	}
	budget := 3 * (len(toks[0]) + verifiedOverhead + 8)
	e.iss.verified = newVerifiedCache(budget)
	e.clk.Set(vnow)
	ctx := context.Background()
	for round := range 3 {
		for i, tok := range toks {
			c, err := e.iss.Verify(ctx, tok, expectAccess())
			if err != nil || c.Username != fmt.Sprintf("user%02d", i) {
				t.Fatalf("round %d token %d: %v, %v", round, i, c, err)
			}
			v := e.iss.verified
			v.mu.Lock()
			n, bytes, sum := len(v.m), v.bytes, 0
			for _, x := range v.m {
				sum += x.cost
			}
			v.mu.Unlock()
			if bytes > budget || n > 3 || sum != bytes {
				t.Fatalf("cache holds %d entries, %d bytes (entries sum to %d), budget %d", n, bytes, sum, budget)
			}
		}
	}
	// Expired entries go first when the cache is full.
	e.clk.Set(t0.Add(3 * time.Hour))
	fresh := e.issueAt(t, t0.Add(3*time.Hour), baseInput()).AccessToken
	if _, err := e.iss.Verify(ctx, fresh, expectAccess()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.iss.verified.m); n != 1 {
		t.Fatalf("%d entries after a sweep, want only the fresh token", n)
	}
}

func TestVerifiedCacheConcurrent(t *testing.T) {
	e := newTestEnv(t, "concurrent")
	var toks []string
	for i := range 4 {
		in := baseInput()
		in.Username = fmt.Sprintf("user%d", i)
		toks = append(toks, e.issueAt(t, t0, in).AccessToken)
	}
	e.iss.verified = newVerifiedCache(2 * (len(toks[0]) + verifiedOverhead + 8))
	e.clk.Set(vnow)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				tok := toks[(g+i)%len(toks)]
				if _, err := e.iss.Verify(context.Background(), tok, expectAccess()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
