// Package local wires Cognate on one machine: the store, the master key and sealer, the local
// signer, mail (the outbox), the SigV4 verifier, the service and the app. `cognate serve`, the
// API suite (pkg/app/apptest) and the bench's in-process server and seeder (bench/cmd/loadgen)
// all open it here, so what they test and measure is what serve runs; their differences are
// Options. `cognate keys rotate` reads a data directory through MasterKeyPath, StorePath and
// NewSigner. The package also owns the ready pool and the seed file (seed.go).
//
// The Lambda side is pkg/awsapp: it shares app.Deps and app.New, and the signer modes of
// signer.Mode (this package is the "local" one), but its store, master key, signer and mail are
// AWS services read from its environment, so it has nothing else to share with this wiring.
package local

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/cognatehq/cognate/pkg/app"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/sigv4"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Options are what differs between the local wirings. The zero value is a throwaway Cognate:
// a temporary embedded store, a random master key, the system clock, mail dropped.
type Options struct {
	// Region prefixes pool ids (default us-east-1); IssuerBase is the base URL of token issuers.
	Region, IssuerBase string
	// Table, if set, is the store (DynamoDB, a test's table), and Close closes it. Otherwise the
	// store is the embedded one in DataDir, or a temporary one when DataDir is empty.
	Table store.Table
	// DataDir holds the master key (master.key) and, without Table, the embedded store
	// (cognate.db); it is created if missing. Empty: the master key is random, so nothing sealed
	// outlives the process.
	DataDir string
	// Clock is the service's clock (default: the system's). SigV4 checks always use the real
	// clock: the SDK signs with it.
	Clock  clock.Clock
	Logger *slog.Logger
	// Outbox, if set, receives every message and is served at outbox.Path. Otherwise messages
	// are dropped and logged without their text (outbox.Quiet), and outbox.Path says how to turn
	// the outbox on.
	Outbox *outbox.Outbox
	// Mail, if set, sends every message instead (tests make deliveries fail; the bench drops them).
	Mail mail.Sender
	// AdminKeys are the ACCESS_KEY_ID:SECRET pairs admin calls must be signed with; none: any
	// well-formed signature is accepted (loopback only, which `cognate serve` enforces).
	AdminKeys map[string]string
	// AdminOrigins are the browser origins allowed to call admin operations.
	AdminOrigins []string
	// WrapSigner, if set, decorates the signer (the bench counts signatures).
	WrapSigner func(signer.Signer) signer.Signer
	// MaxInFlight bounds the requests Handler works on at once: 0 is one per core when the store
	// is the embedded one opened here, and no limit on a Table given (DynamoDB calls wait on the
	// network: there is no CPU to protect); < 0 is no limit.
	MaxInFlight int
	// Triggers invokes pools' Lambda triggers (a Lambda endpoint, functions under the Runtime
	// Interface Emulator); nil: a pool that configures one fails with UnexpectedLambdaException.
	Triggers trigger.Invoker
	// SenderKeys encrypts the codes pools' custom sender functions receive (pkg/esdk over a
	// KMS client: AWS, or local-kms); nil: a pool with a custom sender fails each message.
	SenderKeys ports.SenderKeys
}

// Local is a wired local Cognate, without a listener.
type Local struct {
	App *app.App
	// Demo is the ready client's hosted sign-in (demo.go).
	Demo    *Demo
	table   store.Table
	handler http.Handler
}

// Open wires a local Cognate. On failure it closes what it opened, and Options.Table too.
func Open(ctx context.Context, o Options) (l *Local, err error) {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	tbl, embeddedHere := o.Table, o.Table == nil
	defer func() {
		if err != nil && tbl != nil {
			tbl.Close()
		}
	}()
	var mk *envelope.LocalMasterKey
	if o.DataDir == "" {
		if mk, err = RandomMasterKey(); err != nil {
			return nil, err
		}
		if tbl == nil {
			if tbl, err = embedded.OpenTemp(o.Clock); err != nil {
				return nil, err
			}
		}
	} else {
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, err
		}
		if mk, err = envelope.LoadOrCreateLocalMasterKey(MasterKeyPath(o.DataDir)); err != nil {
			return nil, err
		}
		if tbl == nil {
			if tbl, err = embedded.Open(StorePath(o.DataDir), o.Clock); err != nil {
				return nil, err
			}
		}
	}
	sealer := envelope.NewSealer(mk, rand.Reader)
	var sg signer.Signer = NewSigner(tbl, sealer, o.Clock)
	if o.WrapSigner != nil {
		sg = o.WrapSigner(sg)
	}
	routes := map[string]http.Handler{outbox.Path: outboxOff()}
	sender := o.Mail
	if o.Outbox != nil {
		routes[outbox.Path] = o.Outbox.Handler()
		if sender == nil {
			sender = o.Outbox
		}
	}
	if sender == nil {
		sender = outbox.NewQuiet(o.Logger)
	}
	a, err := app.New(ctx, userpool.Config{Region: o.Region, IssuerBase: o.IssuerBase}, app.Deps{
		Table: tbl, Signer: sg, Sealer: sealer, Mail: sender,
		Admin: &sigv4.Verifier{Keys: o.AdminKeys}, AdminOrigins: o.AdminOrigins,
		Clock: o.Clock, Rand: rand.Reader, Logger: o.Logger, Triggers: o.Triggers,
		SenderKeys: o.SenderKeys,
	})
	if err != nil {
		return nil, err
	}
	demo, err := newDemo(a.Service)
	if err != nil {
		return nil, err
	}
	routes[DemoSignedInPath] = demo.Handler()
	routes[DemoSignedOutPath] = demo.Handler()
	h := a.LocalHandler(routes)
	switch {
	case o.MaxInFlight != 0:
		h = app.LimitInFlight(o.MaxInFlight, h) // < 0: none
	case embeddedHere:
		h = app.LimitInFlight(app.DefaultLocalInFlight(), h)
	}
	return &Local{App: a, Demo: demo, table: tbl, handler: h}, nil
}

// Handler serves the Cognito API, the well-known documents and the outbox's path.
func (l *Local) Handler() http.Handler { return l.handler }

// Close closes the store.
func (l *Local) Close() error { return l.table.Close() }

// MasterKeyPath and StorePath are where a data directory keeps the master key and the embedded
// store.
func MasterKeyPath(dataDir string) string { return filepath.Join(dataDir, "master.key") }

// StorePath: see MasterKeyPath.
func StorePath(dataDir string) string { return filepath.Join(dataDir, "cognate.db") }

// NewSigner is the local signer mode (signer.ModeLocal): per-pool keys sealed by sealer in tbl.
func NewSigner(tbl store.Table, sealer *envelope.Sealer, clk clock.Clock) *signer.Local {
	return signer.NewLocal(tbl, sealer, clk, rand.Reader)
}

// RandomMasterKey is a master key for a store that does not outlive the process.
func RandomMasterKey() (*envelope.LocalMasterKey, error) {
	key := make([]byte, envelope.DataKeySize)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, err
	}
	return envelope.NewLocalMasterKey(key)
}

// outboxOff answers the outbox's path while it is off, saying how to turn it on.
func outboxOff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := cognito.NewRequestID()
		w.Header().Set("X-Amzn-Requestid", id)
		cognito.Render(cognito.WithRequest(r.Context(), id, "", ""), w, nil, nil, &cognito.Error{Type: "ResourceNotFoundException",
			Status: http.StatusNotFound, Message: "The outbox is off: cognate serve serves it beyond loopback only with --expose-outbox."})
	})
}
