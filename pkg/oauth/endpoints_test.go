package oauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth"
)

// The token, userInfo and revocation endpoints answer a browser application's preflight and
// let it read their answers; the hosted pages, which use cookies, do not.
func TestCORS(t *testing.T) {
	h := oauth.Endpoints(nil, nil)
	for _, tc := range []struct {
		path string
		cors bool
	}{
		{oauth.TokenPath, true}, {oauth.UserInfoPath, true}, {oauth.RevokePath, true}, {oauth.LoginPath, false}, {oauth.AuthorizePath, false},
	} {
		r := httptest.NewRequest(http.MethodOptions, tc.path, nil)
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Access-Control-Request-Method", "POST")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get("Access-Control-Allow-Origin") != ""
		if got != tc.cors || (tc.cors && w.Code != http.StatusNoContent) {
			t.Errorf("%s: preflight %d, allow-origin %q; want CORS %v", tc.path, w.Code, w.Header().Get("Access-Control-Allow-Origin"), tc.cors)
		}
	}
}
