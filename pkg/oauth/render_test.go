package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// golden compares got with testdata/golden/name (rewritten with -update). The files are the wire
// format reviewers read: they change only on purpose.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

// capture is a logger whose output a test can read.
func capture() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestWriteTokenError(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		basic     bool
		status    int
		golden    string
		challenge string
		logged    bool
	}{
		{"invalid_grant as Cognito", oauth.InvalidGrant(""), false, 400, "token_invalid_grant.json", "", false},
		{"with a description", oauth.InvalidRequest("Missing parameter: code."), false, 400, "token_invalid_request.json", "", false},
		{"invalid_client in the body", oauth.InvalidClient("Client authentication failed."), false, 400, "token_invalid_client.json", "", false},
		{"invalid_client over Basic", oauth.InvalidClient("Client authentication failed."), true, 401, "token_invalid_client.json", `Basic realm="cognito"`, false},
		{"another code over Basic", oauth.InvalidGrant(""), true, 400, "token_invalid_grant.json", "", false},
		{"revocation's unsupported_token_type", oauth.UnsupportedTokenType(""), true, 400, "token_unsupported_token_type.json", "", false},
		{"not a protocol error", errors.New("store down"), false, 500, "token_server_error.json", "", true},
		{"a sentinel returned by mistake", oauth.ErrInvalidGrant, false, 500, "token_server_error.json", "", true},
		{"a code of another endpoint", oauth.InvalidToken("x"), false, 500, "token_server_error.json", "", true},
		{"a hand-built unknown code", &oauth.Error{Code: "bogus"}, false, 500, "token_server_error.json", "", true},
		{"wrapped", fmt.Errorf("exchange: %w", oauth.InvalidGrant("")), false, 400, "token_invalid_grant.json", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log, buf := capture()
			w := httptest.NewRecorder()
			if got := oauth.WriteTokenError(context.Background(), w, log, c.err, c.basic); got != c.status || w.Code != c.status {
				t.Errorf("status %d (recorded %d), want %d", got, w.Code, c.status)
			}
			golden(t, c.golden, w.Body.Bytes())
			h := w.Header()
			for k, v := range map[string]string{
				"Content-Type":     "application/json;charset=UTF-8",
				"Cache-Control":    "no-store",
				"Pragma":           "no-cache",
				"WWW-Authenticate": c.challenge,
			} {
				if h.Get(k) != v {
					t.Errorf("%s: %q, want %q", k, h.Get(k), v)
				}
			}
			if (buf.Len() > 0) != c.logged {
				t.Errorf("logged %q, want logged=%v", buf, c.logged)
			}
		})
	}
}

func TestWriteBearerError(t *testing.T) {
	const expired = "Access token is expired, disabled, or deleted, or the user has globally signed out."
	cases := []struct {
		name      string
		err       error
		status    int
		golden    string
		challenge string
	}{
		{"Cognito's invalid token", oauth.InvalidToken(expired), 401, "bearer_invalid_token.json",
			`Bearer error="invalid_token", error_description="` + expired + `"`},
		{"no description", oauth.InvalidToken(""), 401, "bearer_invalid_token_bare.json", `Bearer error="invalid_token"`},
		{"invalid_request", oauth.InvalidRequest(""), 400, "bearer_invalid_request.json", `Bearer error="invalid_request"`},
		{"insufficient_scope", oauth.InsufficientScope(""), 403, "bearer_insufficient_scope.json", `Bearer error="insufficient_scope"`},
		// A quote or line break in a description cannot end the quoted string or the header.
		{"description cleaned", oauth.InvalidToken("bad \"kid\"\r\nX-Evil: 1"), 401, "bearer_cleaned.json",
			`Bearer error="invalid_token", error_description="bad ?kid???X-Evil: 1"`},
		{"a token-endpoint code", oauth.InvalidGrant(""), 500, "token_server_error.json", ""},
		{"not a protocol error", errors.New("boom"), 500, "token_server_error.json", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if got := oauth.WriteBearerError(context.Background(), w, nil, c.err); got != c.status {
				t.Errorf("status %d, want %d", got, c.status)
			}
			golden(t, c.golden, w.Body.Bytes())
			if got := w.Header().Get("WWW-Authenticate"); got != c.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Error("cacheable")
			}
		})
	}
}

func TestMatchRedirect(t *testing.T) {
	registered := []string{"https://app.example.com/cb", "myapp://callback", "http://localhost:3000/cb?x=1",
		"https://app.example.com/frag#x", "relative/cb"}
	cases := []struct {
		requested string
		ok        bool
	}{
		{"https://app.example.com/cb", true},
		{"myapp://callback", true},
		{"http://localhost:3000/cb?x=1", true},
		{"https://app.example.com/cb/", false},        // exact: trailing slash
		{"https://APP.example.com/cb", false},         // exact: case
		{"https://app.example.com/cb?extra=1", false}, // exact: query
		{"https://app.example.com/frag#x", false},     // fragment, even registered
		{"relative/cb", false},                        // not absolute, even registered
		{"", false},                                   // none
		{"https://evil.example/cb", false},            // unregistered
		{"https://app.example.com/cb\x00", false},     // not the same string
		{"https://app.example.com/cb#", false},        // an empty fragment is still one
		{"http://localhost:3000/cb?x=1&y=2", false},   // exact
	}
	for _, c := range cases {
		rd, ok := oauth.MatchRedirect(c.requested, registered)
		if ok != c.ok || (ok && rd.String() != c.requested) || (!ok && rd.String() != "") {
			t.Errorf("MatchRedirect(%q) = %q, %v; want ok=%v", c.requested, rd, ok, c.ok)
		}
	}
}

func TestRedirectError(t *testing.T) {
	match := func(uri string) oauth.Redirect {
		rd, ok := oauth.MatchRedirect(uri, []string{uri})
		if !ok {
			t.Fatalf("%q did not match itself", uri)
		}
		return rd
	}
	cases := []struct {
		name     string
		to       oauth.Redirect
		mode     oauth.ResponseMode
		state    string
		err      error
		location string
	}{
		{"code flow", match("https://app.example.com/cb"), oauth.ModeFor("code"), "xyz",
			oauth.InvalidScope("Invalid scope requested."),
			"https://app.example.com/cb?error=invalid_scope&error_description=Invalid+scope+requested.&state=xyz"},
		{"no state, no description", match("https://app.example.com/cb"), oauth.Query, "",
			oauth.AccessDenied(""), "https://app.example.com/cb?error=access_denied"},
		{"keeps the registered query", match("http://localhost:3000/cb?x=1"), oauth.Query, "s",
			oauth.UnauthorizedClient(""), "http://localhost:3000/cb?x=1&error=unauthorized_client&state=s"},
		{"implicit in the fragment", match("myapp://callback"), oauth.ModeFor("token"), "a b&c",
			oauth.UnsupportedResponseType(""), "myapp://callback#error=unsupported_response_type&state=a+b%26c"},
		{"server error", match("https://app.example.com/cb"), oauth.Query, "s", errors.New("boom"),
			"https://app.example.com/cb?error=server_error&error_description=Internal+server+error.&state=s"},
		{"a token-endpoint code", match("https://app.example.com/cb"), oauth.Query, "", oauth.InvalidGrant(""),
			"https://app.example.com/cb?error=server_error&error_description=Internal+server+error."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if got := oauth.RedirectError(context.Background(), w, nil, c.to, c.mode, c.state, c.err); got != http.StatusFound {
				t.Errorf("status %d, want 302", got)
			}
			if got := w.Header().Get("Location"); got != c.location {
				t.Errorf("Location\n got %s\nwant %s", got, c.location)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Error("cacheable")
			}
		})
	}
}

// Without a matched Redirect the error is a page, never a redirect, and echoes nothing the
// request chose (state, description).
func TestRedirectErrorUnregistered(t *testing.T) {
	rd, ok := oauth.MatchRedirect("https://evil.example/cb", []string{"https://app.example.com/cb"})
	if ok {
		t.Fatal("matched an unregistered URI")
	}
	for _, to := range []oauth.Redirect{rd, {}} {
		w := httptest.NewRecorder()
		got := oauth.RedirectError(context.Background(), w, nil, to, oauth.Query, "<script>", oauth.InvalidRequest("<b>redirect_uri</b>"))
		if got != http.StatusBadRequest || w.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", got)
		}
		if loc := w.Header().Get("Location"); loc != "" {
			t.Errorf("redirected to %q", loc)
		}
		body := w.Body.String()
		if strings.Contains(body, "<script>") || strings.Contains(body, "<b>") || !strings.Contains(body, "invalid_request") {
			t.Errorf("body %s", body)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("headers %v", w.Header())
		}
	}
}
