// Package apptest is the API conformance suite: it runs the whole of Cognate behind httptest and
// drives it with the real aws-sdk-go-v2 Cognito client, once per store backend.
package apptest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
	return StartWith(t, newTable, nil)
}

// StartWith is Start with the local options changed by with (a trigger invoker, say).
func StartWith(t *testing.T, newTable storetest.NewTable, with func(*local.Options)) *Env {
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
	opts := local.Options{Table: tbl, IssuerBase: srv.URL, Clock: clk, Logger: logger,
		Outbox: box, Mail: failingSender{fail: failMail, next: box}, AdminKeys: map[string]string{"AKIDCOGNATETEST": "test-secret"}}
	if with != nil {
		with(&opts)
	}
	l, err := local.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = l.Handler()
	return &Env{URL: srv.URL, Client: NewClient(srv.URL, "AKIDCOGNATETEST", "test-secret"), Outbox: box, Clock: clk, App: l.App, Logs: logs, FailMail: failMail}
}

// NewClient is the real SDK client pointed at url, signing admin calls with the given key.
func NewClient(url, keyID, secret string) *cip.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, "")}
	// Idle connections are kept, however many the concurrency tests open: with the SDK's default
	// of 10 per host, Go's transport closes the surplus as requests finish, and under load it
	// was seen closing one whose response body was still being read (net/http's dialConnFor ->
	// putOrCloseIdleConn) — a 200 the client then failed to decode and sent again. A second
	// delivery of RespondToAuthChallenge finds its Session spent, so the suite failed now and
	// then with "Invalid session for the user, session is expired."
	cfg.HTTPClient = bufferedBody{awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	})}
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		o.BaseEndpoint = aws.String(url)
		// A request is sent again only when it never reached the server (the dial failed): a
		// second delivery of a request the server did answer would show the test an answer to a
		// replay (a spent Session, a used code), not what Cognate answered. Every Cognito answer,
		// error or not, reaches the test exactly as sent.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Retryables = []retry.IsErrorRetryable{dialFailed{}}
		})
	})
}

// dialFailed retries a request whose connection could not be made.
type dialFailed struct{}

func (dialFailed) IsErrorRetryable(err error) aws.Ternary {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// bufferedBody hands the transport each request body as a byte slice of known length. With the
// SDK's own body stream, Go's transport was seen (under -race on a loaded machine, keep-alives
// off) failing the request write with io.EOF after the server had answered, and closing the
// connection under the response being read.
type bufferedBody struct{ next aws.HTTPClient }

func (b bufferedBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close() // read to the end; nothing is lost
		r = r.Clone(r.Context())
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	return b.next.Do(r)
}
