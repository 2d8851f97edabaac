package cognito_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// syncBuffer is a log sink that tests can read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeAdmin accepts "Authorization: ok" and counts its calls.
type fakeAdmin struct{ calls atomic.Int32 }

func (a *fakeAdmin) Authenticate(r *http.Request, body []byte) error {
	a.calls.Add(1)
	switch r.Header.Get("Authorization") {
	case "ok":
		return nil
	case "panic":
		panic("authenticator bug")
	case "":
		return cognito.MissingAuthenticationToken("Missing Authentication Token")
	}
	return cognito.UnrecognizedClient("The security token included in the request is invalid.")
}

type ctxOut struct {
	RequestID, SourceIP, Operation string
}

type adminGetUserIn struct {
	UserPoolID *string `json:"UserPoolId" cognito:"required,pattern=userPoolId"`
	Username   *string `json:"Username" cognito:"required,min=1,max=128,sensitive"`
}

type userOut struct {
	Username       string        `json:"Username"`
	UserAttributes []attrOut     `json:"UserAttributes"`
	UserCreateDate *cognito.Time `json:"UserCreateDate,omitempty"`
	Enabled        bool          `json:"Enabled"`
	UserStatus     string        `json:"UserStatus"`
}

type attrOut struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func testEndpoints() map[string]cognito.Endpoint {
	return map[string]cognito.Endpoint{
		"SignUp": cognito.Bind(func(ctx context.Context, in *signUpIn) (*signUpOut, error) {
			switch *in.Username {
			case "panic":
				panic("boom")
			case "internal":
				return nil, errors.New("table unavailable")
			case "wrapped":
				return nil, fmt.Errorf("signing up: %w", cognito.UsernameExists("User already exists"))
			case "nothing":
				return nil, nil
			}
			return &signUpOut{UserSub: "sub-" + *in.Username}, nil
		}),
		"ConfirmSignUp": func(ctx context.Context, body []byte) (any, error) {
			return ctxOut{cognito.RequestID(ctx), cognito.SourceIP(ctx), cognito.OperationName(ctx)}, nil
		},
		"InitiateAuth": func(context.Context, []byte) (any, error) { return map[string]string{"ok": "auth"}, nil },
		"AdminGetUser": cognito.Bind(func(ctx context.Context, in *adminGetUserIn) (*userOut, error) {
			return &userOut{Username: *in.Username, Enabled: true, UserStatus: "CONFIRMED"}, nil
		}),
	}
}

type testServer struct {
	h     http.Handler
	admin *fakeAdmin
	logs  *syncBuffer
}

func newTestServer(t *testing.T, mod func(*cognito.ServerOptions)) *testServer {
	t.Helper()
	ts := &testServer{admin: &fakeAdmin{}, logs: &syncBuffer{}}
	opts := cognito.ServerOptions{
		Endpoints: testEndpoints(),
		Admin:     ts.admin,
		Logger:    slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&opts)
	}
	ts.h = cognito.NewServer(opts)
	return ts
}

type call struct {
	method, path, target, contentType, body, auth string
}

func (ts *testServer) do(c call) *httptest.ResponseRecorder {
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.path == "" {
		c.path = "/"
	}
	r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.target != "" {
		r.Header.Set("X-Amz-Target", c.target)
	}
	if c.contentType != "-" {
		ct := c.contentType
		if ct == "" {
			ct = "application/x-amz-json-1.1"
		}
		r.Header.Set("Content-Type", ct)
	}
	if c.auth != "" {
		r.Header.Set("Authorization", c.auth)
	}
	w := httptest.NewRecorder()
	ts.h.ServeHTTP(w, r)
	return w
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkEnvelope asserts what every answer carries.
func checkEnvelope(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if id := w.Header().Get("X-Amzn-RequestId"); !uuidV4.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want a UUID v4", id)
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	// Answers carry tokens, sessions and codes: no cache may keep one.
	if got := w.Header().Get("Cache-Control"); w.Code != 200 || w.Body.Len() != 0 {
		if got != "no-store" {
			t.Errorf("Cache-Control = %q", got)
		}
	}
}

// errorOf decodes a Cognito error answer and checks header and body agree.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) (typ, msg string) {
	t.Helper()
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	if h := w.Header().Get("X-Amzn-ErrorType"); h != body.Type {
		t.Errorf("x-amzn-ErrorType %q != __type %q", h, body.Type)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
	return body.Type, body.Message
}

const target = "AWSCognitoIdentityProviderService."

func TestServerErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	cases := []struct {
		name       string
		c          call
		status     int
		typ, msg   string // msg: substring
		wantHeader [2]string
	}{
		{"GET", call{method: "GET", target: target + "SignUp"}, 405, "UnknownOperationException", "Method GET is not allowed", [2]string{"Allow", "POST, OPTIONS"}},
		{"PUT", call{method: "PUT", target: target + "SignUp"}, 405, "UnknownOperationException", "POST", [2]string{}},
		{"wrong path", call{path: "/signup", target: target + "SignUp"}, 404, "UnknownOperationException", "No Cognito operation at path /signup.", [2]string{}},
		{"missing target", call{body: "{}"}, 400, "UnknownOperationException", "Missing X-Amz-Target header.", [2]string{}},
		{"foreign prefix", call{target: "AWSCognitoIdentityService.GetId"}, 400, "UnknownOperationException", "Unknown operation AWSCognitoIdentityService.GetId.", [2]string{}},
		{"no prefix", call{target: "SignUp"}, 400, "UnknownOperationException", "Unknown operation SignUp.", [2]string{}},
		{"unknown op", call{target: target + "Frobnicate"}, 400, "UnknownOperationException", "Unknown operation AWSCognitoIdentityProviderService.Frobnicate.", [2]string{}},
		{"huge target clipped", call{target: target + strings.Repeat("x", 5000)}, 400, "UnknownOperationException", "…", [2]string{}},
		{"not implemented", call{target: target + "GetUser", body: "{}"}, 400, "UnsupportedOperationException", "Operation GetUser is not implemented by Cognate yet.", [2]string{}},
		{"text/plain", call{target: target + "SignUp", contentType: "text/plain", body: "{}"}, 400, "SerializationException", "Unsupported Content-Type text/plain", [2]string{}},
		{"form", call{target: target + "SignUp", contentType: "application/x-www-form-urlencoded", body: "a=b"}, 400, "SerializationException", "Unsupported Content-Type", [2]string{}},
		{"bad media type", call{target: target + "SignUp", contentType: ";;", body: "{}"}, 400, "SerializationException", "Unsupported Content-Type", [2]string{}},
		{"malformed JSON", call{target: target + "SignUp", body: `{"ClientId":`}, 400, "SerializationException", "Malformed JSON request body", [2]string{}},
		{"wrong JSON type", call{target: target + "SignUp", body: `{"ClientId":1}`}, 400, "SerializationException", "Member 'ClientId' must be a string, found number.", [2]string{}},
		{"validation", call{target: target + "SignUp", body: `{"ClientId":"c"}`}, 400, "InvalidParameterException",
			"1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null", [2]string{}},
		{"endpoint *Error, wrapped", call{target: target + "SignUp", body: `{"ClientId":"c","Username":"wrapped"}`}, 400, "UsernameExistsException", "User already exists", [2]string{}},
		{"plain error is a 500", call{target: target + "SignUp", body: `{"ClientId":"c","Username":"internal"}`}, 500, "InternalErrorException", "Internal server error.", [2]string{}},
		{"panic is a 500", call{target: target + "SignUp", body: `{"ClientId":"c","Username":"panic","Password":"hunter2"}`}, 500, "InternalErrorException", "Internal server error.", [2]string{}},
		{"sigv4 refused", call{target: target + "AdminGetUser", body: `{"UserPoolId":"us-east-1_A","Username":"u"}`}, 400, "MissingAuthenticationTokenException", "Missing Authentication Token", [2]string{}},
		{"sigv4 bad key", call{target: target + "AdminGetUser", auth: "nope", body: `{}`}, 400, "UnrecognizedClientException", "The security token included in the request is invalid.", [2]string{}},
		{"authenticator panic", call{target: target + "AdminGetUser", auth: "panic", body: `{}`}, 500, "InternalErrorException", "Internal server error.", [2]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := ts.do(tc.c)
			checkEnvelope(t, w)
			if w.Code != tc.status {
				t.Errorf("status = %d, want %d (%s)", w.Code, tc.status, w.Body)
			}
			typ, msg := errorOf(t, w)
			if typ != tc.typ || !strings.Contains(msg, tc.msg) {
				t.Errorf("error = %s %q, want %s containing %q", typ, msg, tc.typ, tc.msg)
			}
			if len(msg) > 400 {
				t.Errorf("message not clipped: %d bytes", len(msg))
			}
			if h := tc.wantHeader; h[0] != "" && w.Header().Get(h[0]) != h[1] {
				t.Errorf("%s = %q, want %q", h[0], w.Header().Get(h[0]), h[1])
			}
			if got := w.Header().Get("Access-Control-Expose-Headers"); got != "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage" {
				t.Errorf("Access-Control-Expose-Headers = %q", got)
			}
		})
	}
	logs := ts.logs.String()
	for _, want := range []string{"boom", "table unavailable", "authenticator bug", "requestId="} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "hunter2") {
		t.Error("the log holds a request body (password)")
	}
}

func TestServerSuccess(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, ct := range []string{"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json",
		"application/x-amz-json-1.1; charset=utf-8", "Application/JSON", "-"} {
		w := ts.do(call{target: target + "SignUp", contentType: ct, body: `{"ClientId":"c","Username":"bob","Unknown":[1]}`})
		checkEnvelope(t, w)
		if w.Code != 200 || w.Body.String() != `{"UserSub":"sub-bob"}` {
			t.Errorf("%s: %d %s", ct, w.Code, w.Body)
		}
		if w.Header().Get("Content-Type") != "application/x-amz-json-1.1" || w.Header().Get("X-Amzn-ErrorType") != "" {
			t.Errorf("%s: headers %v", ct, w.Header())
		}
	}
	// nil output and empty body
	w := ts.do(call{target: target + "SignUp", body: `{"ClientId":"c","Username":"nothing"}`})
	if w.Code != 200 || w.Body.String() != "{}" {
		t.Errorf("nil output = %d %s, want 200 {}", w.Code, w.Body)
	}
	w = ts.do(call{target: target + "InitiateAuth"})
	if w.Code != 200 || w.Body.String() != `{"ok":"auth"}` {
		t.Errorf("empty body = %d %s", w.Code, w.Body)
	}
}

func TestServerSigV4Gate(t *testing.T) {
	ts := newTestServer(t, nil)
	w := ts.do(call{target: target + "AdminGetUser", auth: "ok", body: `{"UserPoolId":"us-east-1_A","Username":"u"}`})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"Username":"u"`) {
		t.Fatalf("signed admin call = %d %s", w.Code, w.Body)
	}
	n := ts.admin.calls.Load()
	// A signature on a public operation is ignored, as Cognito does: the authenticator is not asked.
	w = ts.do(call{target: target + "SignUp", auth: "garbage", body: `{"ClientId":"c","Username":"bob"}`})
	if w.Code != 200 || ts.admin.calls.Load() != n {
		t.Errorf("public op with Authorization: %d %s, admin calls %d -> %d", w.Code, w.Body, n, ts.admin.calls.Load())
	}
	// Validation runs after authentication: an unsigned caller learns nothing about inputs.
	w = ts.do(call{target: target + "AdminGetUser", body: `{}`})
	if typ, _ := errorOf(t, w); typ != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned invalid input = %s", typ)
	}
}

func TestServerContext(t *testing.T) {
	ts := newTestServer(t, nil)
	w := ts.do(call{target: target + "ConfirmSignUp", body: "{}"})
	var got ctxOut
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := ctxOut{w.Header().Get("X-Amzn-RequestId"), "192.0.2.1", "ConfirmSignUp"}
	if got != want {
		t.Errorf("context = %+v, want %+v", got, want)
	}
	if w2 := ts.do(call{target: target + "ConfirmSignUp", body: "{}"}); w2.Header().Get("X-Amzn-RequestId") == want.RequestID {
		t.Error("request ids repeat")
	}

	ts = newTestServer(t, func(o *cognito.ServerOptions) {
		o.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
	})
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	r.Header.Set("X-Amz-Target", target+"ConfirmSignUp")
	r.Header.Set("X-Test-Client", "203.0.113.9")
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, r)
	if !strings.Contains(rec.Body.String(), `"SourceIP":"203.0.113.9"`) {
		t.Errorf("ClientIP hook ignored: %s", rec.Body)
	}
}

// signingHeaders are the request headers only a SigV4 call needs; the preflight offers them to
// the origins allowed to call admin operations, and to no other.
var signingHeaders = []string{"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}

func TestServerPreflight(t *testing.T) {
	ts := newTestServer(t, func(o *cognito.ServerOptions) { o.AdminOrigins = []string{"https://Admin.Example/"} })
	for _, tc := range []struct {
		path, origin string
		signing      bool
	}{
		{"/", "https://app.example", false},
		{"/anything", "https://app.example", false},
		{"/", "null", false},
		{"/", "", false},
		{"/", "https://admin.example:8443", false},
		{"/", "http://admin.example", false},
		{"/", "https://admin.example", true},
		{"/", "https://ADMIN.example", true},
	} {
		r := httptest.NewRequest(http.MethodOptions, tc.path, nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent")
		w := httptest.NewRecorder()
		ts.h.ServeHTTP(w, r)
		checkEnvelope(t, w)
		if w.Code != 200 || w.Body.Len() != 0 {
			t.Errorf("%s %s: %d %q", tc.path, tc.origin, w.Code, w.Body)
		}
		h := w.Header()
		if h.Get("Access-Control-Allow-Methods") != "POST" || h.Get("Access-Control-Max-Age") == "" || !slices.Contains(h.Values("Vary"), "Origin") {
			t.Errorf("%s %s: headers %v", tc.path, tc.origin, h)
		}
		allowed := strings.Split(strings.ReplaceAll(h.Get("Access-Control-Allow-Headers"), " ", ""), ",")
		for _, want := range []string{"content-type", "x-amz-target", "x-amz-user-agent", "cache-control", "amz-sdk-invocation-id", "amz-sdk-request"} {
			if !slices.Contains(allowed, want) {
				t.Errorf("%s %s: Access-Control-Allow-Headers lacks %s: %q", tc.path, tc.origin, want, allowed)
			}
		}
		for _, sig := range signingHeaders {
			if slices.Contains(allowed, sig) != tc.signing {
				t.Errorf("%s %s: Access-Control-Allow-Headers %q offers %s: %v, want %v", tc.path, tc.origin, allowed, sig, !tc.signing, tc.signing)
			}
		}
	}
}

// A browser page from any origin could otherwise drive admin operations on a local server that
// accepts any well-formed signature. SigV4 calls that carry Origin are refused unless the origin
// is allowed, before the signature is even checked; public and access-token calls stay open.
func TestServerAdminOrigin(t *testing.T) {
	const adminBody = `{"UserPoolId":"us-east-1_A","Username":"u"}`
	for _, tc := range []struct {
		name    string
		allowed []string
		op      string
		origins []string // Origin header values; nil: none sent
		typ     string   // "" = 200
	}{
		{"admin without Origin", nil, "AdminGetUser", nil, ""},
		{"admin from a page", nil, "AdminGetUser", []string{"https://evil.example"}, "AccessDeniedException"},
		{"admin from a sandboxed page", nil, "AdminGetUser", []string{"null"}, "AccessDeniedException"},
		{"admin with an empty Origin", nil, "AdminGetUser", []string{""}, "AccessDeniedException"},
		{"admin from another origin than allowed", []string{"https://admin.example"}, "AdminGetUser", []string{"https://evil.example"}, "AccessDeniedException"},
		{"admin from an allowed origin", []string{"https://admin.example"}, "AdminGetUser", []string{"https://admin.example"}, ""},
		{"allowed origin, any letter case", []string{"https://Admin.Example/"}, "AdminGetUser", []string{"https://admin.EXAMPLE"}, ""},
		{"allowed origin, other port", []string{"https://admin.example"}, "AdminGetUser", []string{"https://admin.example:444"}, "AccessDeniedException"},
		{"two Origin headers", []string{"https://admin.example"}, "AdminGetUser", []string{"https://admin.example", "https://evil.example"}, "AccessDeniedException"},
		{"public from a page", nil, "SignUp", []string{"https://evil.example"}, ""},
		{"access-token op from a page", nil, "InitiateAuth", []string{"https://evil.example"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(o *cognito.ServerOptions) { o.AdminOrigins = tc.allowed })
			body := `{"ClientId":"c","Username":"bob"}`
			if tc.op == "AdminGetUser" {
				body = adminBody
			}
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			r.Header.Set("X-Amz-Target", target+tc.op)
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("Authorization", "ok")
			for _, o := range tc.origins {
				r.Header.Add("Origin", o)
			}
			w := httptest.NewRecorder()
			ts.h.ServeHTTP(w, r)
			checkEnvelope(t, w)
			if tc.typ == "" {
				if w.Code != 200 {
					t.Fatalf("%d %s, want 200", w.Code, w.Body)
				}
				return
			}
			typ, msg := errorOf(t, w)
			if w.Code != http.StatusForbidden || typ != tc.typ || !strings.Contains(msg, "cross-origin") {
				t.Fatalf("%d %s %q, want 403 %s", w.Code, typ, msg, tc.typ)
			}
			if n := ts.admin.calls.Load(); n != 0 {
				t.Errorf("the authenticator was asked %d times", n)
			}
		})
	}
}

func TestServerBodyLimit(t *testing.T) {
	ts := newTestServer(t, func(o *cognito.ServerOptions) { o.MaxBodyBytes = 64 })
	big := `{"ClientId":"c","Username":"` + strings.Repeat("a", 100) + `"}`
	// Known length: refused before reading.
	w := ts.do(call{target: target + "SignUp", body: big})
	checkEnvelope(t, w)
	if typ, _ := errorOf(t, w); w.Code != 413 || typ != "SerializationException" {
		t.Errorf("over limit = %d %s", w.Code, typ)
	}
	// Unknown length (chunked): refused while reading.
	r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("X-Amz-Target", target+"SignUp")
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, r)
	if typ, _ := errorOf(t, rec); rec.Code != 413 || typ != "SerializationException" {
		t.Errorf("chunked over limit = %d %s", rec.Code, typ)
	}
	// At the limit: fine.
	w = ts.do(call{target: target + "SignUp", body: `{"ClientId":"c","Username":"bob"}`})
	if w.Code != 200 {
		t.Errorf("under limit = %d %s", w.Code, w.Body)
	}
}

func TestServerFamilies(t *testing.T) {
	ts := newTestServer(t, func(o *cognito.ServerOptions) {
		o.Families = []cognito.Family{cognito.FamilySignup}
		o.Admin = nil // no SigV4 family served, so none is needed
		o.Paths = []string{"/signup"}
	})
	w := ts.do(call{path: "/signup", target: target + "SignUp", body: `{"ClientId":"c","Username":"bob"}`})
	if w.Code != 200 {
		t.Errorf("own family = %d %s", w.Code, w.Body)
	}
	w = ts.do(call{path: "/signup", target: target + "InitiateAuth", body: `{}`})
	typ, msg := errorOf(t, w)
	if w.Code != 400 || typ != "UnknownOperationException" || msg != "Operation InitiateAuth belongs to the auth family, which this endpoint does not serve." {
		t.Errorf("other family = %d %s %q", w.Code, typ, msg)
	}
	if w := ts.do(call{target: target + "SignUp", body: `{}`}); w.Code != 404 {
		t.Errorf("path / not in Paths = %d", w.Code)
	}
}

func TestNewServerPanicsOnMiswiring(t *testing.T) {
	ep := func(context.Context, []byte) (any, error) { return nil, nil }
	cases := map[string]cognito.ServerOptions{
		"unknown operation":   {Endpoints: map[string]cognito.Endpoint{"SignUpp": ep}},
		"sigv4 without admin": {Endpoints: map[string]cognito.Endpoint{"AdminGetUser": ep}},
		"unknown family":      {Families: []cognito.Family{"signups"}},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			cognito.NewServer(opts)
		})
	}
	// A SigV4 endpoint of a family that is not served needs no authenticator.
	cognito.NewServer(cognito.ServerOptions{
		Endpoints: map[string]cognito.Endpoint{"AdminGetUser": ep}, Families: []cognito.Family{cognito.FamilySignup},
	})
}

// TestServerRawHTTP sends a hand-written request with lower-case header names over a real socket.
func TestServerRawHTTP(t *testing.T) {
	ts := newTestServer(t, nil)
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"ClientId":"c","Username":"raw"}`
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nhost: x\r\nx-amz-target: %sSignUp\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: %d\r\n\r\n%s",
		target, len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(got) != `{"UserSub":"sub-raw"}` || resp.Header.Get("x-amzn-requestid") == "" {
		t.Errorf("raw = %d %s %v", resp.StatusCode, got, resp.Header)
	}
}

func TestRender(t *testing.T) {
	ctx := cognito.WithRequest(context.Background(), "rid-1", "192.0.2.1", "SignUp")
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cases := []struct {
		name   string
		result any
		err    error
		status int
		body   string
	}{
		{"nil result", nil, nil, 200, `{}`},
		{"typed nil", (*signUpOut)(nil), nil, 200, `{}`},
		{"no html escaping", map[string]string{"a": "<&>"}, nil, 200, `{"a":"<&>"}`},
		{"unencodable", map[string]any{"c": make(chan int)}, nil, 500, `{"__type":"InternalErrorException","message":"Internal server error."}`},
		{"status-less error", nil, &cognito.Error{Type: "FooException", Message: "m"}, 400, `{"__type":"FooException","message":"m"}`},
		{"cause not rendered", nil, cognito.NotAuthorized("Incorrect username or password.").WithCause(errors.New("secret detail")), 400,
			`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`},
		{"plain error", nil, errors.New("disk on fire"), 500, `{"__type":"InternalErrorException","message":"Internal server error."}`},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		if st := cognito.Render(ctx, w, log, tc.result, tc.err); st != tc.status || w.Code != tc.status || w.Body.String() != tc.body {
			t.Errorf("%s: %d/%d %s, want %d %s", tc.name, st, w.Code, w.Body, tc.status, tc.body)
		}
	}
	if l := logs.String(); !strings.Contains(l, "disk on fire") || !strings.Contains(l, "rid-1") || strings.Contains(l, "secret detail") {
		t.Errorf("5xx log = %s", l)
	}
}

func TestServerHookPanic(t *testing.T) {
	ts := newTestServer(t, func(o *cognito.ServerOptions) {
		o.ClientIP = func(*http.Request) string { panic("hook bug") }
	})
	w := ts.do(call{target: target + "SignUp", body: `{}`})
	checkEnvelope(t, w)
	if typ, _ := errorOf(t, w); w.Code != 500 || typ != "InternalErrorException" {
		t.Errorf("hook panic = %d %s", w.Code, typ)
	}
	if !strings.Contains(ts.logs.String(), "hook bug") {
		t.Error("hook panic not logged")
	}
}
