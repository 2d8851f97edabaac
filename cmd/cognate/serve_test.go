package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// A malformed --admin-keys entry may be all secret (a forgotten colon): the error that ends up
// on the terminal or in a CI log names its position, never its text.
func TestAdminKeysErrorHidesSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"
	for _, keys := range []string{secret, "AKID1:s1," + secret, "AKID1/" + secret, ":" + secret, secret + ":"} {
		_, err := openLocal(context.Background(), &serveConfig{addr: "127.0.0.1:0", memory: true, adminKeys: keys}, clock.System{}, nil)
		if err == nil {
			t.Fatalf("%q: accepted", keys)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error shows the secret: %v", keys, err)
		}
		if !strings.Contains(err.Error(), "--admin-keys") {
			t.Errorf("%q: err %v, want an --admin-keys problem", keys, err)
		}
	}
}

// --admin-origins lets a browser admin console on the named origins call admin operations; every
// other page is refused, and so is a bad list at start.
func TestServeAdminOrigins(t *testing.T) {
	r := startLocal(t, "", func(c *serveConfig) { c.adminOrigins = "http://localhost:3000, https://Admin.Example/" })
	c := apptest.NewClient(r.endpoint, "any", "key")
	for origin, want := range map[string]string{
		"":                       "",
		"http://localhost:3000":  "",
		"https://admin.example":  "",
		"http://localhost:3001":  "AccessDeniedException",
		"https://evil.example":   "AccessDeniedException",
		"null":                   "AccessDeniedException",
		"https://admin.example.": "AccessDeniedException",
	} {
		var opts []func(*cip.Options)
		if origin != "" {
			opts = append(opts, apptest.WithOrigin(origin))
		}
		_, err := c.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}, opts...)
		var ae smithy.APIError
		switch {
		case want == "" && err != nil:
			t.Errorf("Origin %q: %v", origin, err)
		case want != "" && (!errors.As(err, &ae) || ae.ErrorCode() != want):
			t.Errorf("Origin %q: %v, want %s", origin, err, want)
		}
	}
	for _, bad := range []string{"*", "null", "admin.example", "https://admin.example/console", "ftp://admin.example", "https://", "https://user@admin.example"} {
		_, err := openLocal(context.Background(), &serveConfig{addr: "127.0.0.1:0", memory: true, adminOrigins: "http://localhost:3000," + bad}, clock.System{}, nil)
		if err == nil || !strings.Contains(err.Error(), "--admin-origins") {
			t.Errorf("--admin-origins %q: %v", bad, err)
		}
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// answer serves one request through the server's whole handler, Host as given.
func answer(h http.Handler, method, host, path, target, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Host = host
	if target != "" {
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The outbox hands every code and invitation to whoever can read it: ForgotPassword, a look at
// the outbox and ConfirmForgotPassword take over any account. Beyond loopback it is off unless
// --expose-outbox says otherwise, and while it is off no code reaches the log either.
func TestOutboxIsOptInBeyondLoopback(t *testing.T) {
	const tempPassword = "Invite-Probe-4711"
	for _, tc := range []struct {
		name   string
		addr   string
		expose string // "": flag not given
		served bool
	}{
		{"loopback", "127.0.0.1:9229", "", true},
		{"loopback, turned off", "127.0.0.1:9229", "false", false},
		{"all interfaces", "0.0.0.0:9229", "", false},
		{"all interfaces, empty host", ":9229", "", false},
		{"a LAN address", "192.0.2.10:9229", "", false},
		{"a LAN address, exposed", "192.0.2.10:9229", "true", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--addr", tc.addr, "--memory", "--admin-keys", "AKIDSERVE:serve-secret"}
			if tc.expose != "" {
				args = append(args, "--expose-outbox="+tc.expose)
			}
			cfg, err := parseServeFlags(args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			l, err := openLocal(context.Background(), cfg, clock.System{}, slog.New(slog.NewTextHandler(logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ctx := context.Background()
			pool, err := l.app.Service.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "outbox"})
			if err != nil {
				t.Fatal(err)
			}
			temp, email := tempPassword, "invited@example.com"
			in := &api.AdminCreateUserInput{UserPoolId: pool.UserPool.Id, Username: "invited", TemporaryPassword: &temp}
			in.UserAttributes = []model.AttributeType{{Name: "email", Value: &email}}
			in.DesiredDeliveryMediums = []string{"EMAIL"}
			if _, err := l.app.Service.AdminCreateUser(ctx, in); err != nil {
				t.Fatal(err)
			}
			host := "127.0.0.1:9229"
			if !isLoopback(tc.addr) {
				host = "192.0.2.10:9229"
			}
			w := answer(l.handler, http.MethodGet, host, "/_local/outbox", "", "")
			if served := w.Code == http.StatusOK && strings.Contains(w.Body.String(), tempPassword); served != tc.served {
				t.Errorf("GET /_local/outbox: %d %s; served %v, want %v", w.Code, w.Body, served, tc.served)
			}
			if w := answer(l.handler, http.MethodDelete, host, "/_local/outbox", "", ""); (w.Code == http.StatusNoContent) != tc.served {
				t.Errorf("DELETE /_local/outbox: %d", w.Code)
			}
			// The log shows the invitation only where the outbox does (local mode's one exception).
			if logged := strings.Contains(logs.String(), tempPassword); logged != tc.served {
				t.Errorf("temporary password in the log: %v, want %v:\n%s", logged, tc.served, logs)
			}
			if !tc.served && (strings.Contains(logs.String(), "body=") || strings.Contains(logs.String(), "subject=")) {
				t.Errorf("the log holds a message's text while the outbox is off:\n%s", logs)
			}
		})
	}
}

// A page on a name its owner controls can point the name at 127.0.0.1 (DNS rebinding) and read
// a loopback server as its own origin; the request still names the page's host. Only the listen
// address, loopback names and the --issuer-base host are answered.
func TestHostCheck(t *testing.T) {
	for _, tc := range []struct {
		addr, issuer string
		ok, refused  []string
	}{
		{"127.0.0.1:9229", "", []string{"127.0.0.1:9229", "127.0.0.1", "127.8.9.10:80", "localhost:9229", "LOCALHOST", "localhost.", "[::1]:9229", "[::1]", "[::ffff:127.0.0.1]:9229"},
			[]string{"evil.example:9229", "evil.example", "localhost.evil.example:9229", "127.0.0.1.evil.example", "192.0.2.10:9229", "", "[::2]:9229", "evil.localhost"}},
		{"localhost:9229", "", []string{"localhost:9229", "127.0.0.1:9229"}, []string{"evil.example:9229"}},
		{"127.0.0.1:9229", "http://cognate.internal:9229", []string{"cognate.internal:9229", "Cognate.Internal", "localhost:9229"}, []string{"evil.example:9229", "internal:9229"}},
		{"192.0.2.10:9229", "", []string{"192.0.2.10:9229", "localhost:9229"}, []string{"192.0.2.11:9229", "devbox.lan:9229", "evil.example"}},
		{"devbox.lan:9229", "", []string{"devbox.lan:9229", "DEVBOX.LAN"}, []string{"evil.example:9229", "192.0.2.10:9229"}},
		{"0.0.0.0:9229", "http://cognate:9229", []string{"192.0.2.10:9229", "10.1.2.3", "[2001:db8::1]:9229", "cognate:9229", "localhost:9229"}, []string{"evil.example:9229", "devbox.lan"}},
		{":9229", "", []string{"192.0.2.10:9229", "[2001:db8::1]"}, []string{"evil.example:9229"}},
	} {
		t.Run(tc.addr+" "+tc.issuer, func(t *testing.T) {
			cfg := &serveConfig{addr: tc.addr, issuerBase: tc.issuer, memory: true, adminKeys: "AKIDSERVE:serve-secret", region: "us-east-1"}
			if cfg.issuerBase == "" {
				cfg.issuerBase = "http://" + tc.addr
			}
			l, err := openLocal(context.Background(), cfg, clock.System{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for _, host := range tc.ok {
				if w := answer(l.handler, http.MethodPost, host, "/", "ListUserPools", `{"MaxResults":1}`); w.Header().Get("X-Amzn-Errortype") == "ForbiddenException" {
					t.Errorf("Host %q refused: %d %s", host, w.Code, w.Body)
				}
			}
			for _, host := range tc.refused {
				for _, path := range []string{"/", "/_local/outbox", "/us-east-1_Cognate01/.well-known/jwks.json"} {
					method, target := http.MethodGet, ""
					if path == "/" {
						method, target = http.MethodPost, "SignUp"
					}
					w := answer(l.handler, method, host, path, target, `{}`)
					if w.Code != http.StatusForbidden || w.Header().Get("X-Amzn-Errortype") != "ForbiddenException" ||
						!strings.Contains(w.Body.String(), `"__type":"ForbiddenException"`) || w.Header().Get("X-Amzn-Requestid") == "" {
						t.Errorf("Host %q, %s %s: %d %v %s", host, method, path, w.Code, w.Header(), w.Body)
					}
				}
			}
		})
	}
}

// TestHostCheckOverTheWire: the rebinding request as a browser sends it, on a real socket.
func TestHostCheckOverTheWire(t *testing.T) {
	r := startLocal(t, "")
	for host, want := range map[string]int{"evil.example:9229": http.StatusForbidden, "localhost": http.StatusOK} {
		req, err := http.NewRequest(http.MethodGet, r.endpoint+"/_local/outbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d %s, want %d", host, resp.StatusCode, body, want)
		}
	}
}
