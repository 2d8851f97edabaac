package signer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/token"
)

// backends are the Tables the end-to-end tests run on: the real embedded store that `cognate
// serve` uses.
var backends = map[string]func(t *testing.T, clk clock.Clock) store.Table{
	"embedded": func(t *testing.T, clk clock.Clock) store.Table { return newTable(t, clk) },
}

// TestTokensThroughLocalSigner runs the real chain: keys created and sealed in a table, tokens
// issued through Local, verified by another process that only reads public keys, and expiry
// judged on the shared clock.
func TestTokensThroughLocalSigner(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			tokensThroughLocalSigner(t, clk, open(t, clk))
		})
	}
}

func tokensThroughLocalSigner(t *testing.T, clk *clock.Fake, tbl store.Table) {
	ctx := context.Background()
	mk, err := envelope.NewLocalMasterKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	const pool, other = "eu-west-1_Integr8", "eu-west-1_Other"
	issuerURL := "http://127.0.0.1:9229/" + pool

	authLambda := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil)
	for _, p := range []string{pool, other} {
		if err := authLambda.EnsurePoolKeys(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	toks, err := token.NewIssuer(authLambda, clk, nil).Issue(ctx, token.IssueInput{
		Issuer: issuerURL, PoolID: pool, ClientID: "client1", Subject: "sub-1", Username: "bob",
		AuthTime: clk.Now(), IDClaims: map[string]any{"email": "bob@example.com", "email_verified": true},
	})
	if err != nil {
		t.Fatal(err)
	}

	// The verifying process has no master key at all: public keys are stored in clear.
	verifier := token.NewIssuer(signer.NewLocal(tbl, envelope.NewSealer(nil, nil), clk, nil), clk, nil)
	want := token.Expect{Issuer: issuerURL, PoolID: pool, TokenUse: token.UseAccess, ClientID: "client1"}
	c, err := verifier.Verify(ctx, toks.AccessToken, want)
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "bob" || c.Subject != "sub-1" {
		t.Fatalf("claims %+v", c)
	}
	if _, err := verifier.Verify(ctx, toks.IDToken, token.Expect{Issuer: issuerURL, PoolID: pool, TokenUse: token.UseID}); err != nil {
		t.Fatal(err)
	}
	// The header names the kid published for access tokens.
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(toks.AccessToken, ".")[0])
	kid, _ := authLambda.ActiveKid(ctx, pool, signer.UseAccess)
	if string(hdr) != `{"kid":"`+kid+`","alg":"RS256"}` {
		t.Fatalf("header %s", hdr)
	}
	keys, _ := authLambda.PublicKeys(ctx, pool)
	doc, err := token.JWKS(keys)
	if err != nil || !json.Valid(doc) || !strings.Contains(string(doc), kid) {
		t.Fatalf("JWKS %s, %v", doc, err)
	}

	// Another pool's keys do not vouch for this pool's tokens.
	wrongPool := token.Expect{Issuer: "http://127.0.0.1:9229/" + other, PoolID: other, TokenUse: token.UseAccess}
	if _, err := verifier.Verify(ctx, toks.AccessToken, wrongPool); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("verified against another pool: %v", err)
	}
	clk.Advance(time.Hour + time.Second)
	if _, err := verifier.Verify(ctx, toks.AccessToken, want); !errors.Is(err, token.ErrExpired) {
		t.Fatalf("after an hour: %v", err)
	}
	// Deleting the pool's keys invalidates its tokens.
	if err := authLambda.DeletePoolKeys(ctx, pool); err != nil {
		t.Fatal(err)
	}
	clk.Advance(-time.Minute)
	fresh := token.NewIssuer(signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil), clk, nil)
	if _, err := fresh.Verify(ctx, toks.AccessToken, want); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("after DeletePoolKeys: %v", err)
	}
}

// TestKeysSurviveRestart closes the embedded file and opens it again, as a restarted
// `cognate serve` does: the same keys come back, from several processes racing to create them.
func TestKeysSurviveRestart(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "cognate.db")
	mk, err := envelope.NewLocalMasterKey(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	const pool = "us-east-1_Restart"
	run := func(ensure bool) (string, []byte) {
		tbl, err := embedded.Open(path, clk)
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Close()
		if ensure {
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if err := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil).EnsurePoolKeys(ctx, pool); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		kid, sig, err := signer.NewLocal(tbl, envelope.NewSealer(mk, nil), clk, nil).Sign(ctx, pool, signer.UseID, []byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		return kid, sig
	}
	kid1, sig1 := run(true)
	kid2, sig2 := run(false)
	if kid1 != kid2 || !bytes.Equal(sig1, sig2) {
		t.Fatal("keys changed across a restart")
	}
}

func BenchmarkLocalSign(b *testing.B) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	mk, _ := envelope.NewLocalMasterKey(bytes.Repeat([]byte{7}, 32))
	l := signer.NewLocal(newTable(b, clk), envelope.NewSealer(mk, nil), clk, nil)
	if err := l.EnsurePoolKeys(ctx, "us-east-1_Bench"); err != nil {
		b.Fatal(err)
	}
	input := []byte(strings.Repeat("x", 900))
	for b.Loop() {
		if _, _, err := l.Sign(ctx, "us-east-1_Bench", signer.UseAccess, input); err != nil {
			b.Fatal(err)
		}
	}
}
