package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// resolve turns err into the *Error an endpoint of kind ep may answer with: anything that is not
// a catalogue code of that endpoint becomes server_error, its cause logged (fail closed).
func resolve(ctx context.Context, log *slog.Logger, ep Endpoint, err error) (*Error, Kind) {
	oe := As(err)
	if oe != nil {
		if k, ok := byCode[oe.Code]; ok && k.endpoints&ep != 0 {
			if k == ErrServerError && log != nil {
				log.ErrorContext(ctx, "oauth: internal error", "err", err)
			}
			return &Error{Code: oe.Code, Description: clean(oe.Description)}, k
		}
		err = fmt.Errorf("oauth: %q is not an error this endpoint answers with: %w", oe.Code, err)
	}
	se := ServerError(err)
	if log != nil {
		log.ErrorContext(ctx, "oauth: internal error", "err", err)
	}
	return se, ErrServerError
}

// errorBody is RFC 6749 §5.2's error document; Cognito leaves error_description out when it has
// none ({"error":"invalid_grant"}).
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// WriteTokenError answers the token or revocation endpoint with err (RFC 6749 §5.2, RFC 7009
// §2.2.1). basicAuth says the client authenticated with the Authorization header: then
// invalid_client is 401 with a Basic challenge, as §5.2 requires. It returns the status written.
func WriteTokenError(ctx context.Context, w http.ResponseWriter, log *slog.Logger, err error, basicAuth bool) int {
	oe, k := resolve(ctx, log, Token, err)
	status := k.status
	if k == ErrInvalidClient && basicAuth {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="cognito"`)
	}
	return writeJSON(w, status, oe)
}

// WriteBearerError answers a protected resource, userInfo, with err (RFC 6750 §3):
// WWW-Authenticate: Bearer with the code and description, and the same JSON body the token
// endpoint would send. server_error has no challenge: it is not the token's fault.
func WriteBearerError(ctx context.Context, w http.ResponseWriter, log *slog.Logger, err error) int {
	oe, k := resolve(ctx, log, Bearer, err)
	if k != ErrServerError {
		challenge := `Bearer error="` + oe.Code + `"`
		if oe.Description != "" {
			challenge += `, error_description="` + oe.Description + `"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	return writeJSON(w, k.status, oe)
}

func writeJSON(w http.ResponseWriter, status int, oe *Error) int {
	body, err := json.Marshal(errorBody{Error: oe.Code, Description: oe.Description})
	if err != nil { // unreachable for two strings; kept so a bug cannot send an empty answer
		body = []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	noStore(h)
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing useful to do
	return status
}

// noStore forbids caching an answer that carries (or refuses) credentials (RFC 6749 §5.1).
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
}

// Redirect is a redirect_uri that exactly matched one of the client's registered callback URLs:
// the only place RedirectError sends a browser. Its zero value matches nothing.
type Redirect struct {
	uri string
}

// MatchRedirect checks requested against the client's registered callback URLs by simple string
// comparison (RFC 6749 §3.1.2.3; Cognito matches exactly, case and trailing slash included). One
// difference is allowed, as RFC 8252 §7.3 asks for native apps: the port of an http loopback
// URI (127.0.0.1, [::1] or localhost), which such an app picks when it starts. A URI that is
// not absolute or carries a fragment (§3.1.2) never matches, even if registered.
func MatchRedirect(requested string, registered []string) (Redirect, bool) {
	if requested == "" {
		return Redirect{}, false
	}
	found := false
	for _, r := range registered {
		if r == requested || sameButLoopbackPort(r, requested) {
			found = true
			break
		}
	}
	if !found {
		return Redirect{}, false
	}
	u, err := url.Parse(requested)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(requested, "#") || u.Opaque != "" {
		return Redirect{}, false
	}
	return Redirect{uri: requested}, true
}

// sameButLoopbackPort tells whether two http loopback URIs differ only in their ports: the
// text after the authority must be the same byte for byte, and the host too.
func sameButLoopbackPort(registered, requested string) bool {
	split := func(s string) (host, port, rest string, ok bool) {
		after, found := strings.CutPrefix(s, "http://")
		if !found {
			return "", "", "", false
		}
		end := strings.IndexAny(after, "/?#")
		if end < 0 {
			end = len(after)
		}
		authority, rest := after[:end], after[end:]
		if strings.Contains(authority, "@") {
			return "", "", "", false
		}
		host, port = authority, ""
		if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
			host, port = authority[:i], authority[i+1:]
			for _, c := range port {
				if c < '0' || c > '9' {
					return "", "", "", false
				}
			}
		}
		if host != "127.0.0.1" && host != "[::1]" && host != "localhost" {
			return "", "", "", false
		}
		return host, port, rest, true
	}
	h1, _, r1, ok1 := split(registered)
	h2, _, r2, ok2 := split(requested)
	return ok1 && ok2 && h1 == h2 && r1 == r2
}

// String is the matched URI.
func (r Redirect) String() string { return r.uri }

// ResponseMode is where an authorization response puts its parameters.
type ResponseMode int

const (
	// Query carries them in the redirect's query (response_type=code, RFC 6749 §4.1.2).
	Query ResponseMode = iota
	// Fragment carries them in the redirect's fragment (the implicit grant, §4.2.2).
	Fragment
)

// ModeFor is the response mode of a response_type: the implicit grant's token answers in the
// fragment, anything else in the query.
func ModeFor(responseType string) ResponseMode {
	if responseType == "token" {
		return Fragment
	}
	return Query
}

// RedirectError answers the authorization endpoint with err: a 302 to to with error,
// error_description and state in the query or fragment (RFC 6749 §4.1.2.1, §4.2.2.1). Without a
// matched Redirect — unknown client, redirect_uri not registered — it never redirects: the user
// gets a 400 page instead (§4.1.2.1: "MUST NOT automatically redirect the user-agent to the
// invalid redirection URI"). It returns the status written.
func RedirectError(ctx context.Context, w http.ResponseWriter, log *slog.Logger, to Redirect, mode ResponseMode, state string, err error) int {
	oe, _ := resolve(ctx, log, Authorize, err)
	h := w.Header()
	noStore(h)
	if to.uri == "" {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "<!doctype html><title>Error</title><p>An error was encountered with the requested page.</p><p>%s</p>\n",
			html.EscapeString(oe.Code))
		return http.StatusBadRequest
	}
	h.Set("Location", location(to, mode, oe, state))
	w.WriteHeader(http.StatusFound)
	return http.StatusFound
}

// location appends the error parameters to a matched redirect URI, keeping its own query
// (§3.1.2: the query component MUST be retained).
func location(to Redirect, mode ResponseMode, oe *Error, state string) string {
	p := url.Values{"error": {oe.Code}}
	if oe.Description != "" {
		p.Set("error_description", oe.Description)
	}
	if state != "" {
		p.Set("state", state)
	}
	return appendParams(to, mode, p.Encode())
}

// appendParams adds an authorization response's parameters to the matched redirect URI, in the
// query (keeping its own) or the fragment.
func appendParams(to Redirect, mode ResponseMode, params string) string {
	if mode == Fragment {
		return to.uri + "#" + params
	}
	switch {
	case !strings.Contains(to.uri, "?"):
		return to.uri + "?" + params
	case strings.HasSuffix(to.uri, "?") || strings.HasSuffix(to.uri, "&"):
		return to.uri + params
	}
	return to.uri + "&" + params
}
