package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// Sign-in without a password (docs/oauth.md, "Passwordless and passkeys"): a one-time code by
// email or SMS, or a passkey, both USER_AUTH first factors run through the API's pipeline with
// PREFERRED_CHALLENGE; and the offer of a passkey after a sign-in, before the browser goes back
// to the client. Which of them a page offers is the pool's and the client's to say
// (userpool.SignInMethods).

// The paths of these pages (ours: Cognito's managed login does not document its own).
const (
	PasswordlessPath = "/passwordless"
	PasskeyPath      = "/passkey"
	PasskeyAddPath   = "/passkey/add"
	PasskeySkipPath  = "/passkey/skip"
)

// loginLinks are the links of the sign-in pages: sign-up, forgot password, and the ways in
// without a password the authorization's pool and client allow.
func (h *Hosted) loginLinks(f *flow) pages.Links {
	l := pages.Links{SignUp: f.path(SignUpPath), ForgotPassword: f.path(ForgotPath)}
	m := h.svc.HostedSignInMethods(f.auth)
	if m.EmailOTP || m.SMSOTP {
		l.Passwordless = f.path(PasswordlessPath)
	}
	if m.WebAuthn {
		l.Passkey = f.path(PasskeyPath)
	}
	return l
}

// codeMethods are the one-time code methods the authorization's pool and client allow.
func (h *Hosted) codeMethods(f *flow) []string {
	m := h.svc.HostedSignInMethods(f.auth)
	var out []string
	if m.EmailOTP {
		out = append(out, "EMAIL_OTP")
	}
	if m.SMSOTP {
		out = append(out, "SMS_OTP")
	}
	return out
}

// passwordless serves /passwordless: GET asks for the username and the way the code goes, POST
// starts USER_AUTH with that PREFERRED_CHALLENGE; the code page is /challenge's.
func (h *Hosted) passwordless(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	methods := h.codeMethods(f)
	if len(methods) == 0 {
		h.redirect(w, f, f.path(LoginPath), http.StatusFound)
		return
	}
	show := func(status int, username string, m pages.Message) {
		h.page(w, r, f, status, pages.Page{Kind: pages.PasswordlessStart, Action: f.path(PasswordlessPath), Error: m,
			MFA: pages.MFA{Options: methods}, Values: map[string]string{"username": username}, Links: pages.Links{SignIn: f.path(LoginPath)}})
	}
	if r.Method != http.MethodPost {
		if h.resume(w, r, f) {
			return
		}
		show(http.StatusOK, f.query.Get("login_hint"), pages.Message{})
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, "", postMessage(err))
		return
	}
	username, method := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("method")
	if username == "" || !slices.Contains(methods, method) {
		show(http.StatusBadRequest, username, pages.Message{Key: pages.MsgInvalidRequest})
		return
	}
	out, err := h.svc.HostedSignIn(r.Context(), f.auth, userpool.HostedStepInput{Flow: "USER_AUTH",
		Params: map[string]string{"USERNAME": username, "PREFERRED_CHALLENGE": method}})
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, username, m) })
		return
	}
	if out.ChallengeName != method {
		// Not on offer for this user (no verified address for it): the API's SELECT_CHALLENGE,
		// which the page does not pose.
		show(http.StatusBadRequest, username, pages.Message{Key: pages.MsgMethodUnavailable})
		return
	}
	st := challengeState{Name: out.ChallengeName, Session: out.Session, Username: username, Params: shown(out.ChallengeParameters), First: true}
	h.saveChallenge(w, f, st)
	h.redirect(w, f, f.path(ChallengePath), http.StatusSeeOther)
}

// passkey serves /passkey: the username first (GET, and a POST of it starts USER_AUTH with
// PREFERRED_CHALLENGE WEB_AUTHN and answers with the page that carries the request options),
// then the credential the page's script posts, which answers WEB_AUTHN.
func (h *Hosted) passkey(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	if !h.svc.HostedSignInMethods(f.auth).WebAuthn {
		h.redirect(w, f, f.path(LoginPath), http.StatusFound)
		return
	}
	// show is the username step (options empty) or the passkey step.
	show := func(status int, username, options string, m pages.Message) {
		h.page(w, r, f, status, pages.Page{Kind: pages.PasskeySignIn, Action: f.path(PasskeyPath), Error: m, Passkey: options,
			Values: map[string]string{"username": username}, Links: pages.Links{SignIn: f.path(LoginPath)}})
	}
	if r.Method != http.MethodPost {
		if h.resume(w, r, f) {
			return
		}
		show(http.StatusOK, f.query.Get("login_hint"), "", pages.Message{})
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, "", "", postMessage(err))
		return
	}
	ctx := r.Context()
	if credential := r.PostForm.Get("credential"); credential != "" {
		st, ok := loadChallenge(r)
		if !ok || st.Name != "WEB_AUTHN" {
			show(http.StatusBadRequest, "", "", pages.Message{Key: pages.MsgSessionExpired})
			return
		}
		out, err := h.svc.HostedSignIn(ctx, f.auth, userpool.HostedStepInput{Flow: "WEB_AUTHN", Session: st.Session,
			Params: map[string]string{"USERNAME": st.Username, "CREDENTIAL": credential}})
		if err != nil {
			// The challenge is spent or refused either way: the user starts again.
			clearCookie(w, flowCookie, f.https)
			if userpool.IsSessionExpired(err) {
				show(http.StatusBadRequest, st.Username, "", pages.Message{Key: pages.MsgSessionExpired})
				return
			}
			h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, st.Username, "", m) })
			return
		}
		h.stepDone(w, r, f, st.Username, out)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	if username == "" {
		show(http.StatusBadRequest, "", "", pages.Message{Key: pages.MsgInvalidRequest})
		return
	}
	out, err := h.svc.HostedSignIn(ctx, f.auth, userpool.HostedStepInput{Flow: "USER_AUTH",
		Params: map[string]string{"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"}})
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, username, "", m) })
		return
	}
	if out.ChallengeName != "WEB_AUTHN" {
		show(http.StatusBadRequest, username, "", pages.Message{Key: pages.MsgMethodUnavailable})
		return
	}
	// The options go into this answer's page, not the cookie (a user's credential list can be
	// long); the cookie keeps the Session the credential answers.
	h.saveChallenge(w, f, challengeState{Name: out.ChallengeName, Session: out.Session, Username: username, First: true})
	show(http.StatusOK, username, out.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"], pages.Message{})
}

// offerPasskey is a completed sign-in whose user the pages offer a passkey: the hosted session
// goes into its cookie, and the browser to the offer page.
func (h *Hosted) offerPasskey(w http.ResponseWriter, f *flow, g *userpool.Granted) {
	h.setSession(w, f, g.Session)
	clearCookie(w, flowCookie, f.https)
	h.redirect(w, f, f.path(PasskeyAddPath), http.StatusSeeOther)
}

// passkeyAdd serves /passkey/add: the offer of a passkey to the user of the sign-in just made
// in this browser (its hosted session cookie stands for the access token the API's
// registration needs, and only within userpool.PasskeyOfferWindow of the sign-in), and the
// credential the page's script posts; then the browser goes back to the client.
func (h *Hosted) passkeyAdd(w http.ResponseWriter, r *http.Request) {
	f := h.beginForm(w, r)
	if f == nil {
		return
	}
	ctx := r.Context()
	cookie := h.sessionCookie(r, f)
	show := func(status int, m pages.Message) {
		options, err := h.svc.HostedStartPasskeyRegistration(ctx, f.auth, cookie)
		if err != nil {
			h.offerFailed(w, r, f, err)
			return
		}
		h.page(w, r, f, status, pages.Page{Kind: pages.PasskeyRegister, Action: f.path(PasskeyAddPath), Passkey: options, Error: m,
			Links: pages.Links{Skip: f.path(PasskeySkipPath)}})
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, pages.Message{})
		return
	}
	if err := readPost(w, r); err != nil {
		show(http.StatusBadRequest, postMessage(err))
		return
	}
	err := h.svc.HostedCompletePasskeyRegistration(ctx, f.auth, cookie, r.PostForm.Get("credential"))
	if errors.Is(err, userpool.ErrNoFreshSignIn) {
		h.offerFailed(w, r, f, err)
		return
	}
	if err != nil {
		h.refused(w, r, f, err, func(m pages.Message) { show(http.StatusBadRequest, m) })
		return
	}
	h.afterOffer(w, r, f, http.StatusSeeOther)
}

// passkeySkip serves /passkey/skip, the offer page's "Not now": back to the client.
func (h *Hosted) passkeySkip(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	f := h.begin(w, r)
	if f == nil {
		return
	}
	h.afterOffer(w, r, f, http.StatusFound)
}

// afterOffer completes the authorization from the sign-in the offer followed: a code (or the
// implicit grant's tokens) to the client. Without that sign-in (another browser, too late) the
// browser signs in again.
func (h *Hosted) afterOffer(w http.ResponseWriter, r *http.Request, f *flow, status int) {
	g, err := h.svc.ResumeHostedSession(r.Context(), f.auth, h.sessionCookie(r, f), userpool.PasskeyOfferWindow)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if g == nil {
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	h.granted(w, r, f, g, status)
}

// offerFailed: the offer cannot be made. Without a fresh sign-in in this browser the user signs
// in again; otherwise (too many passkeys, the pool's passkey settings changed) the offer is
// dropped and the browser goes back to the client.
func (h *Hosted) offerFailed(w http.ResponseWriter, r *http.Request, f *flow, err error) {
	if errors.Is(err, userpool.ErrNoFreshSignIn) {
		h.loginPage(w, r, f, http.StatusBadRequest, pages.Page{Error: pages.Message{Key: pages.MsgSessionExpired}})
		return
	}
	if h.log != nil {
		h.log.WarnContext(r.Context(), "hosted UI: passkey offer dropped", "pool", f.auth.PoolID, "err", err)
	}
	h.afterOffer(w, r, f, http.StatusSeeOther)
}

// sessionCookie is the hosted session cookie of the flow's pool; "" when there is none.
func (h *Hosted) sessionCookie(r *http.Request, f *flow) string {
	if ck, err := r.Cookie(sessionCookiePrefix + f.auth.PoolID); err == nil {
		return ck.Value
	}
	return ""
}
