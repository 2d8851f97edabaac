package oauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth"
)

// errors.Is matches a fresh value against its code's sentinel, whatever the description,
// through wrapping, and never against another code's.
func TestErrorIsKind(t *testing.T) {
	cases := []struct {
		name string
		err  error
		kind oauth.Kind
		want bool
	}{
		{"same code", oauth.InvalidGrant("Code expired."), oauth.ErrInvalidGrant, true},
		{"no description", oauth.InvalidGrant(""), oauth.ErrInvalidGrant, true},
		{"wrapped", fmt.Errorf("exchanging: %w", oauth.InvalidClient("")), oauth.ErrInvalidClient, true},
		{"with a cause", oauth.InvalidRequest("x").WithCause(errors.New("form")), oauth.ErrInvalidRequest, true},
		{"other code", oauth.InvalidGrant(""), oauth.ErrInvalidClient, false},
		{"server error", oauth.ServerError(errors.New("boom")), oauth.ErrServerError, true},
		{"not a protocol error", errors.New("invalid_grant"), oauth.ErrInvalidGrant, false},
		{"nil", nil, oauth.ErrInvalidGrant, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errors.Is(c.err, c.kind); got != c.want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", c.err, c.kind, got, c.want)
			}
		})
	}
}

// The catalogue is the RFCs': each code once, with the status and endpoints the RFC gives it.
func TestCatalogue(t *testing.T) {
	const T, A, B = oauth.Token, oauth.Authorize, oauth.Bearer
	want := map[string]struct {
		status    int
		endpoints oauth.Endpoint
	}{
		// RFC 6749 §5.2 (token), §4.1.2.1 (authorization); RFC 7009 §2.2.1; RFC 6750 §3.1.
		"invalid_request":           {400, T | A | B},
		"invalid_client":            {400, T},
		"invalid_grant":             {400, T},
		"unauthorized_client":       {400, T | A},
		"unsupported_grant_type":    {400, T},
		"invalid_scope":             {400, T | A},
		"unsupported_token_type":    {400, T},
		"access_denied":             {403, A},
		"unsupported_response_type": {400, A},
		"server_error":              {500, T | A | B},
		"temporarily_unavailable":   {503, T | A},
		"invalid_token":             {401, B},
		"insufficient_scope":        {403, B},
		// OIDC Core §3.1.2.6 (prompt=none).
		"login_required": {400, A},
	}
	seen := map[string]bool{}
	for _, k := range oauth.Catalogue() {
		if seen[k.Code()] {
			t.Errorf("%s listed twice", k.Code())
		}
		seen[k.Code()] = true
		w, ok := want[k.Code()]
		if !ok {
			t.Errorf("%s is not an RFC code", k.Code())
			continue
		}
		if k.Status() != w.status || k.Endpoints() != w.endpoints {
			t.Errorf("%s: status %d endpoints %b, want %d %b", k.Code(), k.Status(), k.Endpoints(), w.status, w.endpoints)
		}
		if k.Error() != k.Code() {
			t.Errorf("%s: Error() = %q", k.Code(), k.Error())
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("%s missing from the catalogue", c)
		}
	}
	if http.StatusText(oauth.ErrInvalidToken.Status()) != "Unauthorized" {
		t.Error("invalid_token is not 401")
	}
}

// Each constructor makes the code its sentinel names, fresh every time.
func TestConstructorsAreFresh(t *testing.T) {
	for _, c := range []struct {
		mk   func(string, ...any) *oauth.Error
		kind oauth.Kind
	}{
		{oauth.InvalidRequest, oauth.ErrInvalidRequest},
		{oauth.InvalidClient, oauth.ErrInvalidClient},
		{oauth.InvalidGrant, oauth.ErrInvalidGrant},
		{oauth.UnauthorizedClient, oauth.ErrUnauthorizedClient},
		{oauth.UnsupportedGrantType, oauth.ErrUnsupportedGrantType},
		{oauth.InvalidScope, oauth.ErrInvalidScope},
		{oauth.UnsupportedTokenType, oauth.ErrUnsupportedTokenType},
		{oauth.AccessDenied, oauth.ErrAccessDenied},
		{oauth.UnsupportedResponseType, oauth.ErrUnsupportedResponseType},
		{oauth.TemporarilyUnavailable, oauth.ErrTemporarilyUnavailable},
		{oauth.InvalidToken, oauth.ErrInvalidToken},
		{oauth.InsufficientScope, oauth.ErrInsufficientScope},
	} {
		a, b := c.mk("client %s", "x"), c.mk("client %s", "x")
		if a == b || a.Code != c.kind.Code() || a.Description != "client x" {
			t.Errorf("%s: got %+v", c.kind, a)
		}
		b.Description = "changed"
		if a.Description != "client x" {
			t.Errorf("%s: values share state", c.kind)
		}
	}
}
