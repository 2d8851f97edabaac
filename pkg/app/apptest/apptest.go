// Package apptest is the API conformance suite: it runs the whole of Cognate behind httptest and
// drives it with the real aws-sdk-go-v2 Cognito client, once per store backend.
package apptest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognatehq/cognate/pkg/app"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// Env is one running Cognate and a client for it.
type Env struct {
	URL    string
	Client *cip.Client
	Outbox *outbox.Outbox
	Clock  *clock.Fake
	App    *app.App
	// Logs holds everything the server logged (debug level and up).
	Logs *SyncBuffer
	// FailMail makes every message delivery fail while set (the outbox receives nothing).
	FailMail *atomic.Bool
}

// failingSender fails deliveries while its switch is on, and otherwise hands them to the outbox.
type failingSender struct {
	fail *atomic.Bool
	next mail.Sender
}

func (f failingSender) Send(ctx context.Context, m mail.Message) error {
	if f.fail.Load() {
		return errors.New("apptest: delivery failure injected")
	}
	return f.next.Send(ctx, m)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Start runs Cognate on a fresh table from newTable. The service's clock is fake (tests move it);
// SigV4 checks use the real clock because the SDK signs with it.
func Start(t *testing.T, newTable storetest.NewTable) *Env {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	tbl := newTable(t, clk)
	logs := &SyncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The outbox logs message bodies by design (local mode shows codes); keep it apart from the
	// server log whose secrecy the suite checks.
	box := outbox.New(clk, nil, 0)
	failMail := &atomic.Bool{}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	l, err := local.Open(context.Background(), local.Options{Table: tbl, IssuerBase: srv.URL, Clock: clk, Logger: logger,
		Outbox: box, Mail: failingSender{fail: failMail, next: box}, AdminKeys: map[string]string{"AKIDCOGNATETEST": "test-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = l.Handler()
	return &Env{URL: srv.URL, Client: NewClient(srv.URL, "AKIDCOGNATETEST", "test-secret"), Outbox: box, Clock: clk, App: l.App, Logs: logs, FailMail: failMail}
}

// NewClient is the real SDK client pointed at url, signing admin calls with the given key.
func NewClient(url, keyID, secret string) *cip.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, "")}
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		o.BaseEndpoint = aws.String(url)
		// Only a broken connection is retried (seen rarely on a loaded 2-core machine: a 200 whose
		// body read failed with "use of closed network connection"); every Cognito answer, error
		// or not, reaches the test exactly as sent.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
		})
	})
}
