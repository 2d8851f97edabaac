package oauth_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth"
)

// OA-01: byte-exact match, the port of an http loopback URI excepted.
func TestMatchRedirectLoopback(t *testing.T) {
	reg := []string{"https://app.example.com/cb", "http://localhost:3000/cb", "http://127.0.0.1/cb?x=1", "http://[::1]:8080/", "myapp://callback"}
	for _, tc := range []struct {
		requested string
		ok        bool
	}{
		{"https://app.example.com/cb", true},
		{"https://app.example.com/cb/", false},
		{"https://APP.example.com/cb", false},
		{"https://app.example.com/cb?x", false},
		{"https://app.example.com:443/cb", false},
		{"https://app.example.com/cb#f", false},
		{"http://localhost:3000/cb", true},
		{"http://localhost:49152/cb", true},
		{"http://localhost/cb", true},
		{"http://localhost:3000/cb/", false},
		{"https://localhost:3000/cb", false},
		{"http://localhost.evil.com:3000/cb", false},
		{"http://user@localhost:3000/cb", false},
		{"http://127.0.0.1:5555/cb?x=1", true},
		{"http://127.0.0.1:5555/cb?x=2", false},
		{"http://127.0.0.2/cb?x=1", false},
		{"http://[::1]:9/", true},
		{"http://[::1]/", true},
		{"http://[::1]:9", false},
		{"http://localhost:3000x/cb", false},
		{"myapp://callback", true},
		{"myapp://callback/", false},
		{"", false},
	} {
		rd, ok := oauth.MatchRedirect(tc.requested, reg)
		if ok != tc.ok || (ok && rd.String() != tc.requested) {
			t.Errorf("%q: matched %v (%q), want %v", tc.requested, ok, rd.String(), tc.ok)
		}
	}
}

// Whatever is registered and requested, a match is the registered URI itself or, for an http
// loopback URI, the same URI with another port: never another host, path or query.
func FuzzMatchRedirect(f *testing.F) {
	f.Add("http://localhost:3000/cb", "http://localhost:1/cb")
	f.Add("http://127.0.0.1/cb?x=1", "http://127.0.0.1:80/cb?x=1")
	f.Add("https://app.example.com/cb", "https://app.example.com/cb")
	f.Add("http://[::1]:8080/", "http://[::1]:9/")
	f.Add("http://localhost:3000/cb", "http://localhost:3000@evil.com/cb")
	f.Fuzz(func(t *testing.T, registered, requested string) {
		rd, ok := oauth.MatchRedirect(requested, []string{registered})
		if !ok {
			return
		}
		if rd.String() != requested {
			t.Fatalf("matched %q as %q", requested, rd.String())
		}
		if requested == registered {
			return
		}
		a, err1 := url.Parse(registered)
		b, err2 := url.Parse(requested)
		if err1 != nil || err2 != nil {
			t.Fatalf("matched unparsable URIs %q, %q", registered, requested)
		}
		if a.Scheme != "http" || b.Scheme != "http" || a.Hostname() != b.Hostname() || a.User != nil || b.User != nil ||
			a.EscapedPath() != b.EscapedPath() || a.RawQuery != b.RawQuery || b.Fragment != "" {
			t.Fatalf("%q matched registered %q beyond its port", requested, registered)
		}
		if h := b.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			t.Fatalf("%q is not loopback", requested)
		}
		if strings.Contains(requested, "#") {
			t.Fatalf("%q has a fragment", requested)
		}
	})
}
