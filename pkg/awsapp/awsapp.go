// Package awsapp builds Cognate for a Lambda function from its environment: the DynamoDB table,
// the KMS master key and signer, SES and SNS, and the app. It owns one decision that only exists
// behind the edge: which issuer a request's tokens belong to. With COGNATE_ISSUER_BASE set (a
// custom domain) that is fixed; without it the issuer is the host the client used, which only the
// edge router may name — requests that do not carry the distribution's origin secret are refused,
// so calls that bypass CloudFront can neither pick an issuer nor reach the functions.
package awsapp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cognatehq/cognate/pkg/app"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/config"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/esdk"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/route"
	"github.com/cognatehq/cognate/pkg/mail/ses"
	sender "github.com/cognatehq/cognate/pkg/mail/sns"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/sigv4"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/dynamo"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// HeaderOriginVerify carries the distribution's origin secret (a CloudFront origin custom header).
const HeaderOriginVerify = "X-Cognate-Origin-Verify"

// Clients are the AWS clients a function uses; tests point them at emulators.
type Clients struct {
	DynamoDB dynamo.API
	KMS      interface {
		envelope.KMSAPI
		signer.KMSAPI
		KeyDescriber
		esdk.KMSAPI
	}
	SES ses.API
	SNS sender.API
	// Lambda invokes pools' trigger functions; nil: a pool that configures a trigger fails the
	// operation with UnexpectedLambdaException.
	Lambda *lambda.Client
}

// Runtime is a cold-started function: its ports, and one app per issuer base.
type Runtime struct {
	cfg  *config.Config
	deps app.Deps
	log  *slog.Logger

	mu   sync.Mutex
	apps map[string]*app.App
}

// maxIssuers bounds the per-host apps: only the distribution's domain and its aliases reach us.
const maxIssuers = 8

// Load reads the environment and builds the runtime with real AWS clients.
func Load(ctx context.Context) (*Runtime, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg, Clients{
		DynamoDB: dynamodb.NewFromConfig(awsCfg),
		KMS:      kms.NewFromConfig(awsCfg),
		SES:      sesv2.NewFromConfig(awsCfg, func(o *sesv2.Options) { o.Retryer = ses.Retryer(0) }),
		SNS:      sns.NewFromConfig(awsCfg, func(o *sns.Options) { o.Retryer = sender.Retryer(0) }),
		// The trigger invoker keeps Cognito's attempts itself (lambdainvoke).
		Lambda: lambda.NewFromConfig(awsCfg, func(o *lambda.Options) { o.Retryer = aws.NopRetryer{} }),
	}, NewLogger(cfg.LogLevel))
}

// NewLogger is the functions' structured logger (JSON to stderr, which Lambda ships to CloudWatch).
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// New builds the runtime from a configuration and clients.
func New(ctx context.Context, cfg *config.Config, c Clients, logger *slog.Logger) (*Runtime, error) {
	clk := clock.System{}
	tbl := dynamo.New(c.DynamoDB, cfg.Table, clk, dynamo.WithTimeout(cfg.CallTimeout))
	if err := probe(ctx, cfg, tbl, c.KMS); err != nil {
		return nil, err
	}
	mk, err := envelope.NewKMSMasterKey(c.KMS, envelope.KMSMasterKeyConfig{KeyID: cfg.EnvelopeKeyARN, Timeout: cfg.CallTimeout})
	if err != nil {
		return nil, err
	}
	sealer := envelope.NewSealer(mk, rand.Reader)
	var sgn signer.Signer
	switch cfg.SignerMode {
	case signer.ModeKMS:
		sgn, err = signer.NewKMS(tbl, c.KMS, clk, signer.KMSConfig{Timeout: cfg.CallTimeout, Logger: logger})
	default:
		sgn, err = signer.NewKMSEnvelope(tbl, c.KMS, cfg.EnvelopeKeyARN, clk, rand.Reader)
	}
	if err != nil {
		return nil, err
	}
	mailer, err := newMailer(cfg, c)
	if err != nil {
		return nil, err
	}
	var invoker trigger.Invoker
	if c.Lambda != nil {
		invoker = lambdainvoke.New(c.Lambda)
	}
	// The custom senders' codes are encrypted under each pool's own KMSKeyID, with the
	// function's role (kms:Encrypt on the keys template.yaml names).
	senderKeys, err := esdk.New(c.KMS, esdk.Config{Timeout: cfg.CallTimeout})
	if err != nil {
		return nil, err
	}
	return &Runtime{cfg: cfg, log: logger, apps: map[string]*app.App{}, deps: app.Deps{
		Table: tbl, Signer: sgn, Sealer: sealer, Mail: mailer, Admin: adminAuthenticator(cfg), Clock: clk, Rand: rand.Reader, Logger: logger,
		Triggers: invoker, SenderKeys: senderKeys,
	}}, nil
}

func newMailer(cfg *config.Config, c Clients) (mail.Sender, error) {
	var ch route.Channels
	if cfg.FromAddress != "" {
		s, err := ses.New(c.SES, ses.Config{From: cfg.FromAddress, ReplyTo: cfg.ReplyTo, ConfigurationSet: cfg.ConfigurationSet, Timeout: cfg.CallTimeout})
		if err != nil {
			return nil, err
		}
		ch.Email = s
	}
	s, err := sender.New(c.SNS, sender.Config{SenderID: cfg.SMSSenderID, Timeout: cfg.CallTimeout})
	if err != nil {
		return nil, err
	}
	ch.SMS = s
	return ch, nil
}

// adminAuthenticator verifies SigV4 against the configured keys, over the host and path the
// client signed (the edge hands them on). Without keys, admin calls are refused: unlike
// `cognate serve` on loopback, a deployed function never accepts an unchecked signature.
func adminAuthenticator(cfg *config.Config) cognito.AdminAuthenticator {
	if len(cfg.AdminKeys) == 0 {
		return refuseAdmin{}
	}
	return &sigv4.Verifier{Keys: cfg.AdminKeys, HostHeader: edge.HeaderOriginalHost, PathHeader: edge.HeaderOriginalPath}
}

type refuseAdmin struct{}

func (refuseAdmin) Authenticate(*http.Request, []byte) error {
	return cognito.UnrecognizedClient("The security token included in the request is invalid.")
}

// Table exposes the runtime's table (tests and table creation).
func (rt *Runtime) Table() store.Table { return rt.deps.Table }

// appFor returns the app whose tokens carry issuers under base.
func (rt *Runtime) appFor(ctx context.Context, base string) (*app.App, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if a, ok := rt.apps[base]; ok {
		return a, nil
	}
	if len(rt.apps) >= maxIssuers {
		return nil, fmt.Errorf("awsapp: more than %d issuer hosts", maxIssuers)
	}
	a, err := app.New(ctx, userpool.Config{Region: rt.cfg.Region, AccountID: rt.cfg.AccountID, IssuerBase: base}, rt.deps)
	if err != nil {
		return nil, err
	}
	rt.apps[base] = a
	return a, nil
}

var hostRe = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$`)

// issuerBase decides the issuer base of a request, or answers why it cannot be served.
func (rt *Runtime) issuerBase(r *http.Request) (string, error) {
	if rt.cfg.OriginVerify != "" {
		got := r.Header.Get(HeaderOriginVerify)
		if subtle.ConstantTimeCompare([]byte(got), []byte(rt.cfg.OriginVerify)) != 1 {
			return "", forbidden()
		}
	}
	if rt.cfg.IssuerBase != "" {
		return rt.cfg.IssuerBase, nil
	}
	host := r.Header.Get(edge.HeaderOriginalHost)
	if !hostRe.MatchString(host) {
		return "", forbidden()
	}
	return "https://" + strings.ToLower(host), nil
}

func forbidden() error {
	return &cognito.Error{Type: "ForbiddenException", Message: "Requests must come through the Cognate endpoint.", Status: http.StatusForbidden}
}

// handler serves each request with the app of its issuer, built by make once per issuer.
func (rt *Runtime) handler(make func(a *app.App) http.Handler) http.Handler {
	var mu sync.Mutex
	handlers := map[*app.App]http.Handler{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base, err := rt.issuerBase(r)
		if err != nil {
			rt.refuse(w, r, err)
			return
		}
		a, err := rt.appFor(r.Context(), base)
		if err != nil {
			rt.refuse(w, r, cognito.Internal(err))
			return
		}
		mu.Lock()
		h, ok := handlers[a]
		if !ok {
			h = make(a)
			handlers[a] = h
		}
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// refuse answers before the Cognito server runs, with a request id like every other answer.
func (rt *Runtime) refuse(w http.ResponseWriter, r *http.Request, err error) {
	id := cognito.NewRequestID()
	w.Header().Set("X-Amzn-Requestid", id)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	cognito.Render(cognito.WithRequest(r.Context(), id, "", ""), w, rt.log, nil, err)
}

// FamilyHandler is a Cognito API family's function: it answers on the family's path and only
// for the family's operations.
func (rt *Runtime) FamilyHandler(f cognito.Family) http.Handler {
	return rt.handler(func(a *app.App) http.Handler { return a.FamilyHandler(f) })
}

// OAuthHandler serves the per-pool well-known documents and answers unknown operations on `/`.
func (rt *Runtime) OAuthHandler() http.Handler {
	return rt.handler(func(a *app.App) http.Handler { return a.OAuthHandler() })
}

// VerifyAccessToken authenticates an access token for the authorizer, with the issuer this
// function is configured for (COGNATE_ISSUER_BASE: the authorizer is called by API Gateway, not
// through the edge, so it cannot learn the host from a request).
func (rt *Runtime) VerifyAccessToken(ctx context.Context, raw string) (*token.Claims, error) {
	if rt.cfg.IssuerBase == "" {
		return nil, errors.New("awsapp: the authorizer needs COGNATE_ISSUER_BASE")
	}
	a, err := rt.appFor(ctx, rt.cfg.IssuerBase)
	if err != nil {
		return nil, err
	}
	return a.Service.VerifyAccessToken(ctx, raw)
}

// Fatal ends a cold start that cannot serve: Lambda reports the init error and retries later.
func Fatal(err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("cold start failed", "err", err)
	os.Exit(1)
}
