package oauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The token and revocation endpoints' request decoding: whatever the body and the
// Authorization header, it answers an error or a form whose parameters each appear once and a
// client id; never a panic, never a client from both the header and the body.
func FuzzTokenRequest(f *testing.F) {
	f.Add("grant_type=client_credentials&scope=a%20b", "Basic YWJjOmRlZg==", "application/x-www-form-urlencoded")
	f.Add("grant_type=authorization_code&code=x&client_id=abc&code_verifier=v", "", "application/x-www-form-urlencoded; charset=utf-8")
	f.Add("client_id=a&client_id=b", "", "application/x-www-form-urlencoded")
	f.Add("client_id=a&client_secret=s", "Basic YTpz", "application/x-www-form-urlencoded")
	f.Add("%zz", "Basic !!!", "text/plain")
	f.Fuzz(func(t *testing.T, body, authz, ctype string) {
		r := httptest.NewRequest(http.MethodPost, TokenPath, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		form, err := readForm(httptest.NewRecorder(), r)
		if err != nil {
			if As(err) == nil {
				t.Fatalf("a form error that is no *Error: %v", err)
			}
			return
		}
		for k, vs := range form {
			if len(vs) != 1 {
				t.Fatalf("parameter %q kept %d times", k, len(vs))
			}
		}
		id, _, err := clientAuth(r, form)
		if err != nil {
			if As(err) == nil {
				t.Fatalf("a client-auth error that is no *Error: %v", err)
			}
			return
		}
		if id == "" {
			t.Fatal("a client without an id")
		}
		if authz != "" && form.Has("client_secret") {
			t.Fatal("the header and the body both authenticated")
		}
	})
}
