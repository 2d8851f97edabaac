package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an OAuth 2.0 protocol error: the RFC error code clients switch on, its description,
// and the status the code answers with. Every value is fresh (built by a constructor below), so
// decorating one never changes another. Cause is logged, never rendered.
type Error struct {
	Code        string
	Description string
	Cause       error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// Is lets errors.Is match err against the catalogue: a Kind matches every error of its code,
// whatever the description.
func (e *Error) Is(target error) bool {
	t, ok := target.(Kind)
	return ok && t.code == e.Code
}

// WithCause returns a copy carrying the internal cause.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// As extracts an *Error from err, or nil.
func As(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	return nil
}

// Endpoint is a set of the kinds of endpoint an error code belongs to; each renders its own shape.
type Endpoint uint8

const (
	// Token is the token and revocation endpoints' JSON error (RFC 6749 §5.2, RFC 7009 §2.2.1).
	Token Endpoint = 1 << iota
	// Authorize is the authorization endpoint's redirect error (RFC 6749 §4.1.2.1, §4.2.2.1).
	Authorize
	// Bearer is a protected resource's error, userInfo's (RFC 6750 §3).
	Bearer
)

// Kind is one code of the catalogue as a value to match with: errors.Is(err,
// oauth.ErrInvalidGrant) holds for every invalid_grant. A Kind is never a response: returned as
// an error, it renders as server_error.
type Kind struct {
	code      string
	status    int
	endpoints Endpoint
}

// Code is the RFC error code, as the error parameter carries it.
func (k Kind) Code() string { return k.code }

// Status is the HTTP status the code answers with at the token and userInfo endpoints.
func (k Kind) Status() int { return k.status }

// Endpoints are the endpoint kinds that may answer with the code.
func (k Kind) Endpoints() Endpoint { return k.endpoints }

func (k Kind) Error() string { return k.code }

func (k Kind) newf(format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: k.code, Description: msg}
}

// code returns an error code's constructor and its sentinel, from the one spelling of its name.
// The constructor takes the error_description (printf-style; "" for none).
func code(name string, status int, endpoints Endpoint) (func(format string, args ...any) *Error, Kind) {
	k := Kind{name, status, endpoints}
	return k.newf, k
}

// The catalogue: RFC 6749 §4.1.2.1 and §5.2, RFC 7009 §2.2.1, RFC 6750 §3.1. Status is the token
// endpoint's (or userInfo's, for Bearer codes); authorization errors are redirects whatever it is.
var (
	InvalidRequest, ErrInvalidRequest                   = code("invalid_request", http.StatusBadRequest, Token|Authorize|Bearer)
	InvalidClient, ErrInvalidClient                     = code("invalid_client", http.StatusBadRequest, Token) // 401 over Basic (render.go)
	InvalidGrant, ErrInvalidGrant                       = code("invalid_grant", http.StatusBadRequest, Token)
	UnauthorizedClient, ErrUnauthorizedClient           = code("unauthorized_client", http.StatusBadRequest, Token|Authorize)
	UnsupportedGrantType, ErrUnsupportedGrantType       = code("unsupported_grant_type", http.StatusBadRequest, Token)
	InvalidScope, ErrInvalidScope                       = code("invalid_scope", http.StatusBadRequest, Token|Authorize)
	UnsupportedTokenType, ErrUnsupportedTokenType       = code("unsupported_token_type", http.StatusBadRequest, Token)
	AccessDenied, ErrAccessDenied                       = code("access_denied", http.StatusForbidden, Authorize)
	UnsupportedResponseType, ErrUnsupportedResponseType = code("unsupported_response_type", http.StatusBadRequest, Authorize)
	TemporarilyUnavailable, ErrTemporarilyUnavailable   = code("temporarily_unavailable", http.StatusServiceUnavailable, Token|Authorize)
	InvalidToken, ErrInvalidToken                       = code("invalid_token", http.StatusUnauthorized, Bearer)
	InsufficientScope, ErrInsufficientScope             = code("insufficient_scope", http.StatusForbidden, Bearer)
	// LoginRequired is OIDC Core §3.1.2.6's answer to prompt=none without a hosted session.
	LoginRequired, ErrLoginRequired = code("login_required", http.StatusBadRequest, Authorize)
)

// ErrServerError is the code every unexpected failure becomes.
var ErrServerError = Kind{"server_error", http.StatusInternalServerError, Token | Authorize | Bearer}

// ServerError is the error every unexpected failure becomes: a generic description, the cause
// kept for the log.
func ServerError(cause error) *Error {
	e := ErrServerError.newf("Internal server error.")
	e.Cause = cause
	return e
}

// Catalogue lists every code, for tests and for whoever writes the discovery document.
func Catalogue() []Kind {
	return []Kind{
		ErrInvalidRequest, ErrInvalidClient, ErrInvalidGrant, ErrUnauthorizedClient,
		ErrUnsupportedGrantType, ErrInvalidScope, ErrUnsupportedTokenType, ErrAccessDenied,
		ErrUnsupportedResponseType, ErrTemporarilyUnavailable, ErrInvalidToken,
		ErrInsufficientScope, ErrLoginRequired, ErrServerError,
	}
}

var byCode = func() map[string]Kind {
	m := make(map[string]Kind)
	for _, k := range Catalogue() {
		m[k.code] = k
	}
	return m
}()

// clean keeps s within the characters RFC 6749 allows in error and error_description
// (%x20-21 / %x23-5B / %x5D-7E): anything else — quotes, backslashes, line breaks, non-ASCII —
// becomes '?', so a description can sit in a header's quoted string unescaped.
func clean(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if !allowed(s[i]) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && allowed(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func allowed(c byte) bool {
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
}
