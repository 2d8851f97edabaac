package oauth_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth"
)

// Whatever the registered URI, state and description, an authorization error lands on exactly
// the matched URI, with its own query kept and the error's parameters after it, readable back as
// sent; the description stays within RFC 6749's characters.
func FuzzRedirectError(f *testing.F) {
	f.Add("https://app.example.com/cb", "xyz", "Invalid scope requested.", false)
	f.Add("http://localhost:3000/cb?x=1&y=%20", "a&b=c", "quote \" and \\ and \r\n", true)
	f.Add("myapp://callback?", "", "", false)
	f.Add("https://app.example.com/cb?a=1&", "s", "é", false)
	f.Fuzz(func(t *testing.T, uri, state, desc string, fragment bool) {
		rd, ok := oauth.MatchRedirect(uri, []string{uri})
		if !ok {
			if rd.String() != "" {
				t.Fatalf("refused %q but kept it", uri)
			}
			if u, err := url.Parse(uri); err == nil && u.IsAbs() && u.Opaque == "" && !strings.Contains(uri, "#") {
				t.Fatalf("refused a plain absolute URI %q", uri)
			}
			return
		}
		mode := oauth.Query
		if fragment {
			mode = oauth.Fragment
		}
		w := httptest.NewRecorder()
		oauth.RedirectError(context.Background(), w, nil, rd, mode, state, oauth.InvalidRequest("%s", desc))
		loc := w.Header().Get("Location")
		tail, found := strings.CutPrefix(loc, uri)
		if !found {
			t.Fatalf("Location %q does not start with %q", loc, uri)
		}
		switch {
		case fragment:
			tail, found = strings.CutPrefix(tail, "#")
		case !strings.Contains(uri, "?"):
			tail, found = strings.CutPrefix(tail, "?")
		case strings.HasSuffix(uri, "?") || strings.HasSuffix(uri, "&"):
			found = true
		default:
			tail, found = strings.CutPrefix(tail, "&")
		}
		if !found {
			t.Fatalf("Location %q: parameters not after the right separator", loc)
		}
		got, err := url.ParseQuery(tail)
		if err != nil {
			t.Fatalf("parameters %q: %v", tail, err)
		}
		if got.Get("error") != "invalid_request" || got.Get("state") != state {
			t.Fatalf("parameters %v, state %q", got, state)
		}
		d := got.Get("error_description")
		if (d == "") != (desc == "") || len(got) > 3 {
			t.Fatalf("parameters %v for description %q", got, desc)
		}
		for i := 0; i < len(d); i++ {
			if c := d[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				t.Fatalf("description %q has %q", d, c)
			}
		}
	})
}
