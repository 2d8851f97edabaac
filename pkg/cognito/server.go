package cognito

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AdminAuthenticator checks the caller of a SigV4 operation before its endpoint runs; body is the
// raw request body the signature covers. It returns nil or the error to render as is (normally a
// *Error). *sigv4.Verifier implements it; this package does not import sigv4.
type AdminAuthenticator interface {
	Authenticate(r *http.Request, body []byte) error
}

// DefaultMaxBodyBytes is far above any real Cognito request but those of largeBodies (the largest
// other inputs, UpdateUserPool and SetUICustomization, stay under it) and small enough to bound
// memory per request.
const DefaultMaxBodyBytes = 256 << 10

// MaxAnyBodyBytes is the largest body any operation takes (largeBodies).
const MaxAnyBodyBytes = 3 << 20

// largeBodies are the operations Cognito lets send more: a managed-login branding style's
// request may be 2 MB (its image assets, base64-encoded in the JSON body), so the body may be
// about a third more.
var largeBodies = map[string]int64{
	"CreateManagedLoginBranding": MaxAnyBodyBytes,
	"UpdateManagedLoginBranding": MaxAnyBodyBytes,
}

// ServerOptions configures NewServer.
type ServerOptions struct {
	// Endpoints maps operation names (as in Lookup) to their endpoints. Known operations without
	// one answer UnsupportedOperationException "not implemented by Cognate yet".
	Endpoints map[string]Endpoint
	// Families the server answers for; nil means all. Operations of other families answer a 400
	// naming their family, so a mis-routed request is obvious.
	Families []Family
	// Admin authenticates SigV4 operations. Required when a served SigV4 operation has an endpoint.
	Admin AdminAuthenticator
	// Logger receives 5xx causes and a debug line per request; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies (413 above it); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Paths are the request paths answered; nil means {"/"}. A family function behind the edge
	// router receives its own path (e.g. "/admin") and lists it here.
	Paths []string
	// AdminOrigins are the browser origins (scheme://host[:port], compared without regard to
	// letter case or a trailing slash) allowed to call SigV4 operations. A SigV4 request that
	// carries any other Origin header is refused before its signature is checked, and the CORS
	// preflight offers the signing headers (authorization, x-amz-date, ...) to these origins only.
	// None by default: without admin keys a local server accepts any well-formed signature, and
	// any web page could otherwise call ListUsers or AdminSetUserPassword on it.
	AdminOrigins []string
	// ClientIP tells the caller's address; nil uses the host of r.RemoteAddr. Only trust
	// forwarding headers here when a proxy you control overwrites them.
	ClientIP func(r *http.Request) string
}

// corsPublicHeaders are the request headers browser clients (Amplify, amazon-cognito-identity-js,
// SDK v3) send on the public and access-token operations, which carry no signature.
const corsPublicHeaders = "content-type, x-amz-target, x-amz-user-agent, cache-control, amz-sdk-invocation-id, amz-sdk-request"

// corsSigningHeaders are the ones a signed (SigV4) call adds. Only allowed admin origins are told
// they may send them, so a browser will not even send a signed call from any other page.
const corsSigningHeaders = corsPublicHeaders + ", authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256"

type server struct {
	endpoints map[string]Endpoint
	families  map[Family]bool
	admin     AdminAuthenticator
	log       *slog.Logger
	maxBody   int64
	paths     []string
	clientIP  func(*http.Request) string
	// adminOrigins holds the allowed admin origins, lower-case and without a trailing slash.
	adminOrigins map[string]bool
}

// NewServer returns the Cognito JSON 1.1 handler: CORS, routing by X-Amz-Target, family gating,
// admin origins, body limit, SigV4 for admin operations, the endpoint, and one renderer for every
// answer.
//
// It panics on wiring mistakes (an unknown operation name, an unknown family, SigV4 endpoints
// without an authenticator): those must fail at start-up, never let a request through.
func NewServer(opts ServerOptions) http.Handler {
	s := &server{
		endpoints: map[string]Endpoint{},
		families:  map[Family]bool{},
		admin:     opts.Admin,
		log:       opts.Logger,
		maxBody:   opts.MaxBodyBytes,
		paths:     opts.Paths,
		clientIP:  opts.ClientIP,

		adminOrigins: map[string]bool{},
	}
	for _, o := range opts.AdminOrigins {
		s.adminOrigins[normalOrigin(o)] = true
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.paths == nil {
		s.paths = []string{"/"}
	}
	if s.clientIP == nil {
		s.clientIP = remoteHost
	}
	families := opts.Families
	if families == nil {
		families = Families()
	}
	for _, f := range families {
		if !slices.Contains(Families(), f) && f != FamilyOAuth {
			panic(fmt.Sprintf("cognito: NewServer: unknown family %q", f))
		}
		s.families[f] = true
	}
	for name, ep := range opts.Endpoints {
		op, ok := Lookup(name)
		if !ok {
			panic(fmt.Sprintf("cognito: NewServer: unknown operation %q", name))
		}
		if ep == nil {
			continue
		}
		if op.Auth == AuthSigV4 && s.families[op.Family] && s.admin == nil {
			panic(fmt.Sprintf("cognito: NewServer: %s is SigV4 but ServerOptions.Admin is nil", name))
		}
		s.endpoints[name] = ep
	}
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := NewRequestID()
	h := w.Header()
	h.Set("X-Amzn-Requestid", id)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	ctx := WithRequest(r.Context(), id, "", "")
	defer func() { // last resort for a panic outside the guarded calls (e.g. in ClientIP)
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			Render(ctx, w, s.log, nil, Internal(fmt.Errorf("panic: %v\n%s", p, debug.Stack())))
		}
	}()
	ctx = WithRequest(ctx, id, s.clientIP(r), "")

	if r.Method == http.MethodOptions {
		// The preflight names no operation (X-Amz-Target is one of the headers it asks about), so
		// what it allows depends on the origin alone.
		allow := corsPublicHeaders
		if s.adminOrigin(r.Header.Values("Origin")) {
			allow = corsSigningHeaders
		}
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Methods", "POST")
		h.Set("Access-Control-Allow-Headers", allow)
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusOK)
		return
	}
	h.Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage")

	op, result, err := s.serve(ctx, r, w)
	if op.Name != "" {
		ctx = WithRequest(ctx, id, SourceIP(ctx), op.Name)
	}
	status := Render(ctx, w, s.log, result, err)
	s.log.DebugContext(ctx, "cognito: request", "requestId", id, "operation", op.Name,
		"status", status, "duration", time.Since(start))
}

// serve runs everything between the headers and the renderer, and returns what to render.
func (s *server) serve(ctx context.Context, r *http.Request, w http.ResponseWriter) (op Operation, result any, err error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		return op, nil, &Error{Type: "UnknownOperationException", Status: http.StatusMethodNotAllowed,
			Message: "Method " + clip(r.Method) + " is not allowed: Cognito operations are POST requests."}
	}
	if !slices.Contains(s.paths, r.URL.Path) {
		return op, nil, &Error{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: "No Cognito operation at path " + clip(r.URL.Path) + "."}
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := ParseTarget(target)
	if !ok {
		if target == "" {
			return op, nil, UnknownOperation("Missing X-Amz-Target header.")
		}
		return op, nil, UnknownOperation("Unknown operation %s.", clip(target))
	}
	ctx = WithRequest(ctx, RequestID(ctx), SourceIP(ctx), op.Name)
	if !s.families[op.Family] {
		return op, nil, UnknownOperation("Operation %s belongs to the %s family, which this endpoint does not serve.", op.Name, op.Family)
	}
	if origins, sent := r.Header["Origin"]; sent && op.Auth == AuthSigV4 && !s.adminOrigin(origins) {
		return op, nil, AccessDenied("Admin operations refuse cross-origin requests from browsers: origin %s is not allowed to call %s.",
			clip(strings.Join(origins, ", ")), op.Name)
	}
	ep := s.endpoints[op.Name]
	if ep == nil {
		return op, nil, UnsupportedOperation("Operation %s is not implemented by Cognate yet.", op.Name)
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return op, nil, err
	}
	body, err := s.readBody(w, r, max(s.maxBody, largeBodies[op.Name]))
	if err != nil {
		return op, nil, err
	}
	r = r.WithContext(ctx)
	if op.Auth == AuthSigV4 {
		if err := guard(func() error { return s.admin.Authenticate(r, body) }); err != nil {
			return op, nil, err
		}
	}
	err = guard(func() (err error) {
		result, err = ep(ctx, body)
		return err
	})
	return op, result, err
}

// guard turns a panic into a 500 whose cause (value and stack, never the body) the renderer logs.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Internal(fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	return fn()
}

func (s *server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, RequestEntityTooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, RequestEntityTooLarge()
		}
		return nil, SerializationError("Unable to read the request body.")
	}
	return body, nil
}

// checkContentType accepts the JSON media types clients send (AWS JSON 1.1 and 1.0, plain JSON)
// and a missing header; anything else is not a Cognito request.
func checkContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/x-amz-json-")) {
		return nil
	}
	return SerializationError("Unsupported Content-Type %s: send %s.", clip(ct), ContentType)
}

// adminOrigin reports whether the Origin header values name exactly one allowed admin origin.
func (s *server) adminOrigin(values []string) bool {
	return len(values) == 1 && s.adminOrigins[normalOrigin(values[0])]
}

// normalOrigin is how origins are compared: browsers send them lower-case and without a path,
// people write them in configuration with capitals or a trailing slash.
func normalOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// clip bounds caller-supplied text echoed in a message.
func clip(s string) string {
	const max = 128
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
