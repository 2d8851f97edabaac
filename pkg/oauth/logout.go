package oauth

import (
	"net/http"
	"net/url"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
)

// logout serves GET /logout (cognito-protocol.md §8): the hosted session of the client's pool
// ends, then the browser goes to logout_uri, which must be one of the client's LogoutURLs byte
// for byte, or — given redirect_uri and response_type instead — to /login with them, to sign in
// again. Without a known client and a matched URI the page says so and sends the browser
// nowhere (OA-02).
func (h *Hosted) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	f := &flow{https: isHTTPS(r), lang: pages.Negotiate(q.Get("lang"), r.Header.Get("Accept-Language"))}
	c, err := h.svc.OAuthClient(ctx, q.Get("client_id"))
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if c == nil {
		h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
		return
	}
	var to string
	if lu, ok := q["logout_uri"]; ok {
		rd, matched := MatchRedirect(lu[0], c.LogoutURLs)
		if !matched {
			h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
			return
		}
		to = rd.String()
	} else {
		if _, matched := MatchRedirect(q.Get("redirect_uri"), c.CallbackURLs); !matched || q.Get("response_type") == "" {
			h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
			return
		}
		again := url.Values{}
		for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method", "nonce", "lang"} {
			if v, ok := q[k]; ok {
				again[k] = v
			}
		}
		to = LoginPath + "?" + again.Encode()
	}
	name := sessionCookiePrefix + c.PoolID
	if ck, err := r.Cookie(name); err == nil {
		if err := h.svc.EndHostedSession(ctx, ck.Value); err != nil {
			h.fail(w, r, f, err)
			return
		}
	}
	clearCookie(w, name, f.https)
	clearCookie(w, flowCookie, f.https)
	h.redirect(w, f, to, http.StatusFound)
}
