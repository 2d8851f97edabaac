package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/pkg/app"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/config"
	"github.com/cognatehq/cognate/pkg/esdk"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/dynamo"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
)

// serveConfig is what `cognate serve` is told on its command line.
type serveConfig struct {
	addr       string
	dataDir    string
	memory     bool
	seed       string
	issuerBase string
	region     string
	adminKeys  string
	noReady    bool
	logLevel   string
	// store is embedded (bbolt in data-dir, or temporary with --memory) or dynamodb.
	store       string
	table       string
	createTable bool
	// maxInFlight bounds the requests worked on at once (0: the default for the store; < 0: none).
	maxInFlight int
	// adminOrigins are the browser origins allowed to call admin operations, comma-separated.
	adminOrigins string
	// exposeOutbox serves the outbox (and logs codes); when not set explicitly (flag or
	// environment), it is on for a loopback addr only.
	exposeOutbox, exposeOutboxSet bool
	// lambdaEndpoints send a trigger function (name or ARN) to a Runtime Interface Emulator
	// (--lambda-endpoint NAME=URL, repeatable); lambdaEndpoint is the Lambda endpoint of every
	// other function (AWS_ENDPOINT_URL_LAMBDA: sam local start-lambda, LocalStack).
	lambdaEndpoints endpointList
	lambdaEndpoint  string
	// webhooks send a trigger function (name or ARN) to an HTTP receiver (--trigger-webhook
	// NAME=URL), signed with keys derived from webhookSecret.
	webhooks      endpointList
	webhookSecret string
	// kmsEndpoint is the KMS endpoint the custom senders' codes are encrypted at (local-kms);
	// "" is AWS's, for the region, with the default credentials.
	kmsEndpoint string
}

// endpointList is a repeatable NAME=URL flag.
type endpointList []string

func (l *endpointList) String() string { return strings.Join(*l, ",") }

func (l *endpointList) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || !strings.HasPrefix(url, "http") {
		return fmt.Errorf("%q: want FUNCTION=http://host:port (a function name or ARN, and its emulator's URL)", v)
	}
	*l = append(*l, v)
	return nil
}

// outboxOn says whether the outbox is served and codes are logged.
func (c *serveConfig) outboxOn() bool {
	if c.exposeOutboxSet {
		return c.exposeOutbox
	}
	return isLoopback(c.addr)
}

func parseServeFlags(args []string, stderr io.Writer) (*serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &serveConfig{}
	fs.StringVar(&c.addr, "addr", envOr("COGNATE_ADDR", "127.0.0.1:9229"), "listen address")
	fs.StringVar(&c.dataDir, "data-dir", envOr("COGNATE_DATA_DIR", ".cognate"), "directory for the embedded store and the local master key")
	fs.BoolVar(&c.memory, "memory", os.Getenv("COGNATE_MEMORY") == "1", "keep everything in a temporary store, gone on exit")
	fs.StringVar(&c.seed, "seed", os.Getenv("COGNATE_SEED"), "JSON seed file of pools, clients and users to create at start")
	fs.StringVar(&c.issuerBase, "issuer-base", os.Getenv("COGNATE_ISSUER_BASE"), "base URL of token issuers (default http://<addr>)")
	fs.StringVar(&c.region, "region", envOr("COGNATE_REGION", "us-east-1"), "region prefix of pool ids")
	fs.StringVar(&c.adminKeys, "admin-keys", os.Getenv("COGNATE_ADMIN_KEYS"), "comma-separated ACCESS_KEY_ID:SECRET pairs that admin (SigV4) calls must be signed with")
	fs.BoolVar(&c.noReady, "no-ready-pool", false, "do not create the ready pool on first start")
	fs.StringVar(&c.logLevel, "log-level", envOr("COGNATE_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.store, "store", envOr("COGNATE_STORE", "embedded"), "embedded or dynamodb (endpoint from AWS_ENDPOINT_URL_DYNAMODB, e.g. DynamoDB Local)")
	fs.StringVar(&c.table, "table", envOr("COGNATE_TABLE", "cognate"), "DynamoDB table name (--store dynamodb)")
	fs.BoolVar(&c.createTable, "create-table", os.Getenv("COGNATE_CREATE_TABLE") == "1", "create the DynamoDB table if it does not exist (--store dynamodb)")
	fs.StringVar(&c.adminOrigins, "admin-origins", os.Getenv("COGNATE_ADMIN_ORIGINS"), "comma-separated browser origins (e.g. http://localhost:3000) allowed to call admin (SigV4) operations; signed calls from any other web page are refused")
	if v := os.Getenv("COGNATE_EXPOSE_OUTBOX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("COGNATE_EXPOSE_OUTBOX: %q is not a boolean", v)
		}
		c.exposeOutbox, c.exposeOutboxSet = b, true
	}
	fs.BoolVar(&c.exposeOutbox, "expose-outbox", c.exposeOutbox, "serve GET/DELETE /_local/outbox and log messages: exposes every verification code, temporary password and invitation to anyone who can reach the port (default: on for a loopback --addr, off otherwise)")
	fs.Var(&c.lambdaEndpoints, "lambda-endpoint", "FUNCTION=URL: call the trigger function FUNCTION (its name or ARN) at URL, a Lambda Runtime Interface Emulator (repeatable)")
	fs.Var(&c.webhooks, "trigger-webhook", "FUNCTION=URL: POST the trigger events of FUNCTION (its name or ARN) to URL, signed (https, or http on loopback; repeatable; needs --webhook-secret)")
	fs.StringVar(&c.webhookSecret, "webhook-secret", os.Getenv("COGNATE_WEBHOOK_SECRET"), "secret the trigger webhooks' per-pool signing keys are derived from (at least 16 bytes)")
	fs.StringVar(&c.lambdaEndpoint, "lambda-endpoint-url", os.Getenv("AWS_ENDPOINT_URL_LAMBDA"), "Lambda endpoint for every other trigger function (sam local start-lambda, LocalStack)")
	fs.StringVar(&c.kmsEndpoint, "kms-endpoint-url", os.Getenv("AWS_ENDPOINT_URL_KMS"), "KMS endpoint where the codes for pools' custom sender functions are encrypted under the pool's KMSKeyID (local-kms; default AWS KMS with the default credentials)")
	fs.IntVar(&c.maxInFlight, "max-inflight", 0, "requests worked on at once, the others wait in arrival order (0: one per core on the embedded store, no limit on dynamodb; -1: no limit)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage of serve:")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nThe Go runtime's GOGC and GOMEMLIMIT are honoured; without GOGC, serve runs with GOGC=%d.\n", serveGCPercent)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { c.exposeOutboxSet = c.exposeOutboxSet || f.Name == "expose-outbox" })
	if c.store != "embedded" && c.store != "dynamodb" {
		return nil, fmt.Errorf("--store: %q is not embedded or dynamodb", c.store)
	}
	if c.issuerBase == "" {
		c.issuerBase = "http://" + c.addr
	}
	return c, nil
}

// parseOrigins reads a comma-separated list of web origins as browsers send them in Origin:
// http or https, a host, maybe a port, nothing else. "*" and "null" are refused: either would
// let any page (a sandboxed frame is "null") call admin operations.
func parseOrigins(s string) ([]string, error) {
	var out []string
	for o := range strings.SplitSeq(s, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(strings.TrimSuffix(o, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			return nil, fmt.Errorf("%q is not an origin such as http://localhost:3000 (scheme, host and port only; * and null are refused)", o)
		}
		out = append(out, o)
	}
	return out, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// localServer is a running `cognate serve` without its listener (tests use it through httptest):
// the local wiring (pkg/app/local) behind serve's host policy and access log.
type localServer struct {
	app     *app.App
	demo    *local.Demo
	handler http.Handler
	close   func() error
}

func (l *localServer) Close() error { return l.close() }

func openLocal(ctx context.Context, c *serveConfig, clk clock.Clock, logger *slog.Logger) (*localServer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	keys, err := config.ParseAdminKeys(c.adminKeys)
	if err != nil {
		return nil, fmt.Errorf("--admin-keys: %w", err)
	}
	origins, err := parseOrigins(c.adminOrigins)
	if err != nil {
		return nil, fmt.Errorf("--admin-origins: %w", err)
	}
	if len(keys) == 0 && !isLoopback(c.addr) {
		return nil, fmt.Errorf("listening on %s (not loopback) needs --admin-keys: without them any well-formed SigV4 signature would be accepted for admin calls", c.addr)
	}
	o := local.Options{Region: c.region, IssuerBase: c.issuerBase, Clock: clk, Logger: logger,
		AdminKeys: keys, AdminOrigins: origins, MaxInFlight: c.maxInFlight}
	if c.store == "dynamodb" {
		if o.Table, err = openDynamo(ctx, c, clk); err != nil {
			return nil, err
		}
	}
	if !c.memory {
		o.DataDir = c.dataDir
	}
	if o.Triggers, err = c.triggerInvoker(); err != nil {
		return nil, err
	}
	if o.SenderKeys, err = c.senderKeys(ctx); err != nil {
		return nil, err
	}
	// The outbox serves and logs every code: beyond loopback only when asked for (--expose-outbox).
	if c.outboxOn() {
		o.Outbox = outbox.New(clk, logger, 0)
	}
	l, err := local.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	h := newHostPolicy(c.addr, c.issuerBase).guard(l.Handler())
	return &localServer{app: l.App, demo: l.Demo, handler: accessLog(logger, h), close: l.Close}, nil
}

// serveGCPercent is the GOGC `cognate serve` runs with unless GOGC is set. Its live heap is
// small (about 15 MiB with thousands of users: bbolt's data is mmapped, not on the heap), so at
// the default of 100 a busy server collects every few milliseconds and spends a tenth of its CPU
// on GC; 400 lets the heap peak a few tens of MiB higher for a fraction of that.
const serveGCPercent = 400

func serve(args []string, stdout, stderr io.Writer) error {
	c, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	l, err := openLocal(ctx, c, clock.System{}, logger)
	if err != nil {
		return err
	}
	defer l.Close()
	ready, err := prepare(ctx, l.app.Service, c)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: l.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	printReady(stdout, c, ln.Addr().String(), ready, l.demo)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printReady(w io.Writer, c *serveConfig, addr string, ready []local.Seeded, demo *local.Demo) {
	fmt.Fprintf(w, "Cognate is listening on http://%s\n", addr)
	switch {
	case c.store == "dynamodb":
		fmt.Fprintf(w, "  store:     DynamoDB table %s\n", c.table)
	case c.memory:
		fmt.Fprintln(w, "  store:     in memory (gone on exit)")
	default:
		fmt.Fprintf(w, "  store:     %s\n", c.dataDir)
	}
	if c.outboxOn() {
		fmt.Fprintf(w, "  outbox:    http://%s/_local/outbox\n", addr)
	} else {
		fmt.Fprintln(w, "  outbox:    off (not loopback; --expose-outbox serves it to anyone who can reach the port)")
	}
	for _, r := range ready {
		fmt.Fprintf(w, "  pool:      %s (%s)\n", r.PoolID, r.Name)
		for _, cl := range r.Clients {
			fmt.Fprintf(w, "  client:    %s (%s)\n", cl, r.Name)
		}
		fmt.Fprintf(w, "  issuer:    %s/%s\n", c.issuerBase, r.PoolID)
		if slices.Contains(r.Clients, local.ReadyClientID) && demo != nil {
			fmt.Fprintf(w, "  sign-in:   %s\n", demo.SignInURL("http://"+addr))
		}
	}
	fmt.Fprintf(w, "Try: aws cognito-idp list-user-pools --max-results 10 --endpoint-url http://%s\n", addr)
}

// accessLog logs one line per request: method, path, status, duration, request id. Never
// bodies or headers: they carry passwords, codes and tokens.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		next.ServeHTTP(rec, r)
		target := r.Header.Get("X-Amz-Target")
		if i := strings.LastIndexByte(target, '.'); i >= 0 {
			target = target[i+1:]
		}
		logger.Info("request", "method", r.Method, "path", r.URL.Path, "op", target, "status", rec.status,
			"ms", time.Since(start).Milliseconds(), "requestId", rec.Header().Get("x-amzn-RequestId"))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// openDynamo opens the DynamoDB store for `--store dynamodb`. The endpoint and credentials come
// from the standard AWS environment (AWS_ENDPOINT_URL_DYNAMODB points at DynamoDB Local); with an
// endpoint override and no credentials configured, DynamoDB Local's dummy ones are used.
func openDynamo(ctx context.Context, c *serveConfig, clk clock.Clock) (store.Table, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(envOr("AWS_REGION", c.region))}
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	tbl := dynamo.New(dynamodb.NewFromConfig(cfg), c.table, clk)
	if c.createTable {
		if err := tbl.CreateTable(ctx); err != nil {
			return nil, fmt.Errorf("creating table %s: %w", c.table, err)
		}
	}
	return tbl, nil
}

// senderKeys encrypts the codes pools' custom sender functions receive, with a KMS client from
// the SDK's default configuration (AWS_REGION, or --region; the default credentials) at
// --kms-endpoint-url when given. It makes no KMS call until a pool with a custom sender sends a
// code. A local endpoint (local-kms) checks no signature: without credentials in the
// environment it is signed with fixed placeholders, as the DynamoDB Local store is.
func (c *serveConfig) senderKeys(ctx context.Context) (*esdk.Encrypter, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(envOr("AWS_REGION", c.region))}
	if c.kmsEndpoint != "" && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("KMS client for the custom senders: %w", err)
	}
	return esdk.New(kms.NewFromConfig(cfg, func(o *kms.Options) {
		if c.kmsEndpoint != "" {
			o.BaseEndpoint = aws.String(c.kmsEndpoint)
		}
	}), esdk.Config{})
}

// triggerInvoker calls pools' trigger functions at the Lambda endpoints given, or is nil (a pool
// with a trigger then fails the operation with UnexpectedLambdaException, naming the missing
// function). Local endpoints check no signature: the credentials are fixed placeholders.
func (c *serveConfig) triggerInvoker() (trigger.Invoker, error) {
	var hooks *webhook.Invoker
	if len(c.webhooks) > 0 {
		urls := map[string]string{}
		for _, e := range c.webhooks {
			name, url, _ := strings.Cut(e, "=")
			urls[name] = url
		}
		var err error
		if hooks, err = webhook.New([]byte(c.webhookSecret), urls, nil, nil); err != nil {
			return nil, fmt.Errorf("--trigger-webhook: %w", err)
		}
	}
	lambdas := c.lambdaInvoker()
	if hooks == nil {
		if lambdas == nil {
			return nil, nil
		}
		return lambdas, nil
	}
	r := webhook.Router{Webhooks: hooks}
	if lambdas != nil {
		r.Next = lambdas
	}
	return r, nil
}

// lambdaInvoker is the Lambda backend of the endpoints given, or nil.
func (c *serveConfig) lambdaInvoker() *lambdainvoke.Invoker {
	if len(c.lambdaEndpoints) == 0 && c.lambdaEndpoint == "" {
		return nil
	}
	// Concurrent sign-ins call one endpoint: keep a connection per concurrent call for reuse
	// (the SDK's default keeps ten per host).
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 256
	})
	client := func(url string) *lambda.Client {
		return lambda.New(lambda.Options{Region: c.region, BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}, HTTPClient: httpClient,
			Credentials: credentials.NewStaticCredentialsProvider("AKIDCOGNATELOCAL", "cognate-local", "")})
	}
	var iv *lambdainvoke.Invoker
	if c.lambdaEndpoint != "" {
		iv = lambdainvoke.New(client(c.lambdaEndpoint))
	} else {
		iv = lambdainvoke.New(nil)
	}
	for _, e := range c.lambdaEndpoints {
		name, url, _ := strings.Cut(e, "=")
		iv.Route(name, client(url))
	}
	return iv
}
