package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/app"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/api"
)

// keylessSigner cannot read a pool's public keys.
type keylessSigner struct{ signer.Signer }

var errKeyStore = errors.New("key store unreachable: secret-detail")

func (keylessSigner) PublicKeys(context.Context, string) ([]signer.PublicKey, error) {
	return nil, errKeyStore
}

// A well-known document that cannot be built answers as every other failure does, through the
// one renderer: Cognito's InternalErrorException, never a plain-text body, and the cause only
// in the log.
func TestWellKnownFailureRendered(t *testing.T) {
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	tbl := tempTable(t, clk)
	mk, err := envelope.NewLocalMasterKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealer := envelope.NewSealer(mk, rand.Reader)
	var logs bytes.Buffer
	a, err := app.New(context.Background(), userpool.Config{Region: "us-east-1", IssuerBase: "http://127.0.0.1:1"}, app.Deps{
		Table: tbl, Signer: keylessSigner{signer.NewLocal(tbl, sealer, clk, rand.Reader)}, Sealer: sealer,
		Mail: outbox.New(clk, nil, 0), Clock: clk, Rand: rand.Reader, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Service.CreateUserPool(context.Background(), &api.CreateUserPoolInput{PoolName: "p"})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	a.WellKnownHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/"+p.UserPool.Id+"/.well-known/jwks.json", nil))

	want := httptest.NewRecorder()
	cognito.Render(context.Background(), want, nil, nil, cognito.Internal(errKeyStore))
	if w.Code != http.StatusInternalServerError || w.Body.String() != want.Body.String() {
		t.Errorf("answer %d %q, want %d %q", w.Code, w.Body, want.Code, want.Body)
	}
	for _, h := range []string{"Content-Type", "X-Amzn-Errortype", "Cache-Control", "X-Content-Type-Options"} {
		if got := w.Header().Get(h); got != want.Header().Get(h) {
			t.Errorf("%s: %q, want %q", h, got, want.Header().Get(h))
		}
	}
	if strings.Contains(w.Body.String(), "secret-detail") {
		t.Error("the cause reached the client")
	}
	if !strings.Contains(logs.String(), "secret-detail") || !strings.Contains(logs.String(), p.UserPool.Id) {
		t.Errorf("the log lost the cause or the pool: %s", logs.String())
	}
}
