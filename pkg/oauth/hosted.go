package oauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// The hosted UI's paths (Cognito's managed login uses the same names for the first three).
const (
	AuthorizePath       = "/oauth2/authorize"
	LoginPath           = "/login"
	LogoutPath          = "/logout"
	SignUpPath          = "/signup"
	ConfirmPath         = "/confirmUser"
	ForgotPath          = "/forgotPassword"
	ResetPath           = "/confirmForgotPassword"
	ChallengePath       = "/challenge"
	BrandingPrefix      = "/branding/"
	StaticPrefix        = pages.StaticPrefix
	maxAuthorizeQuery   = 8 << 10
	csrfCookie          = "cognate-csrf"
	flowCookie          = "cognate-flow"
	sessionCookiePrefix = "cognate-session-"
)

// Hosted serves the authorization endpoint and the hosted pages over the user pool's facade.
type Hosted struct {
	svc *userpool.Service
	log *slog.Logger
	// now is the clock the cookies' lifetimes are judged by.
	now func() time.Time
}

// NewHosted builds the hosted endpoints.
func NewHosted(svc *userpool.Service, log *slog.Logger) *Hosted {
	return &Hosted{svc: svc, log: log, now: time.Now}
}

// Handler routes the hosted paths: /oauth2/authorize, /login, /logout, the account pages, the
// challenge pages, the passwordless and passkey pages and the static assets.
func (h *Hosted) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(AuthorizePath, h.authorize)
	mux.HandleFunc(LoginPath, h.login)
	mux.HandleFunc(LogoutPath, h.logout)
	mux.HandleFunc(SignUpPath, h.signUp)
	mux.HandleFunc(ConfirmPath, h.confirm)
	mux.HandleFunc(ForgotPath, h.forgot)
	mux.HandleFunc(ResetPath, h.reset)
	mux.HandleFunc(ChallengePath, h.challenge)
	mux.HandleFunc(PasswordlessPath, h.passwordless)
	mux.HandleFunc(PasskeyPath, h.passkey)
	mux.HandleFunc(PasskeyAddPath, h.passkeyAdd)
	mux.HandleFunc(PasskeySkipPath, h.passkeySkip)
	mux.HandleFunc(BrandingPrefix, h.brandingCSS)
	mux.HandleFunc("/", h.uiLogo)
	mux.Handle(pages.StaticPrefix, pages.AssetHandler())
	return mux
}

// IsHostedPath tells whether a path is one Handler serves.
func IsHostedPath(p string) bool {
	switch p {
	case AuthorizePath, LoginPath, LogoutPath, SignUpPath, ConfirmPath, ForgotPath, ResetPath, ChallengePath,
		PasswordlessPath, PasskeyPath, PasskeyAddPath, PasskeySkipPath:
		return true
	}
	if _, _, _, ok := logoPath(p); ok {
		return true
	}
	return strings.HasPrefix(p, pages.StaticPrefix) || strings.HasPrefix(p, BrandingPrefix)
}

// flow is one authorization request on its way through the hosted pages: the request's query
// (kept on every page's URL, as Cognito keeps it), the client's matched redirect and the pool's
// judgement of it.
type flow struct {
	query url.Values
	raw   string
	auth  *userpool.Authorization
	to    Redirect
	mode  ResponseMode
	state string
	lang  string
	https bool
}

// authorizeParams are the parameters the authorization request may carry (each at most once).
var authorizeParams = map[string]bool{
	"response_type": true, "client_id": true, "redirect_uri": true, "state": true, "scope": true,
	"code_challenge": true, "code_challenge_method": true, "nonce": true, "identity_provider": true,
	"idp_identifier": true, "prompt": true, "login_hint": true, "lang": true, "max_age": true,
}

// begin reads and judges the authorization request of a hosted request's query. It answers the
// request itself when it cannot go on — an error page when the client or the redirect_uri is
// not known (never a redirect: OA-02), else an error redirect to the matched redirect_uri — and
// returns nil then.
func (h *Hosted) begin(w http.ResponseWriter, r *http.Request) *flow {
	ctx := r.Context()
	f := &flow{https: isHTTPS(r)}
	if len(r.URL.RawQuery) > maxAuthorizeQuery {
		h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	f.query, f.raw = q, r.URL.RawQuery
	f.lang = pages.Negotiate(q.Get("lang"), r.Header.Get("Accept-Language"))
	if err != nil {
		h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
		return nil
	}
	for k, vs := range q {
		if len(vs) > 1 && authorizeParams[k] {
			h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
			return nil
		}
	}
	c, err := h.svc.OAuthClient(ctx, q.Get("client_id"))
	if err != nil {
		h.fail(w, r, f, err)
		return nil
	}
	if c == nil {
		h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
		return nil
	}
	to, ok := MatchRedirect(q.Get("redirect_uri"), c.CallbackURLs)
	if !ok {
		h.errorPage(w, r, f, http.StatusBadRequest, pages.Message{Key: pages.MsgInvalidRequest})
		return nil
	}
	f.to, f.mode, f.state = to, ModeFor(q.Get("response_type")), q.Get("state")
	req := userpool.AuthorizeRequest{ResponseType: q.Get("response_type"), ClientID: c.ClientID, RedirectURI: to.String(),
		CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"), Nonce: q.Get("nonce"),
		IdentityProvider: q.Get("identity_provider"), IdpIdentifier: q.Get("idp_identifier")}
	if vs, ok := q["scope"]; ok {
		req.Scope = &vs[0]
	}
	if f.auth, err = h.svc.Authorize(ctx, req); err != nil {
		RedirectError(ctx, w, h.log, f.to, f.mode, f.state, fromPool(err))
		return nil
	}
	return f
}

// maxAge is the request's max_age in seconds as a duration; -1 when there is none.
func (f *flow) maxAge() (time.Duration, error) {
	v, ok := f.query["max_age"]
	if !ok {
		return -1, nil
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || n < 0 || n > 1<<31 {
		return 0, InvalidRequest("max_age must be a number of seconds.")
	}
	return time.Duration(n) * time.Second, nil
}

// path is a hosted path with the flow's query kept.
func (f *flow) path(p string) string { return p + "?" + f.raw }

// resume completes the authorization from the hosted session when one stands and the request
// does not force a sign-in (prompt=login, or max_age passed); done reports it answered.
func (h *Hosted) resume(w http.ResponseWriter, r *http.Request, f *flow) (done bool) {
	ctx := r.Context()
	prompt := f.query.Get("prompt")
	if prompt == "login" {
		return false
	}
	age, err := f.maxAge()
	if err != nil {
		RedirectError(ctx, w, h.log, f.to, f.mode, f.state, err)
		return true
	}
	var g *userpool.Granted
	if ck, err := r.Cookie(sessionCookiePrefix + f.auth.PoolID); err == nil {
		if g, err = h.svc.ResumeHostedSession(ctx, f.auth, ck.Value, age); err != nil {
			h.fail(w, r, f, err)
			return true
		}
	}
	if g == nil {
		if prompt == "none" {
			RedirectError(ctx, w, h.log, f.to, f.mode, f.state, LoginRequired("The user must sign in."))
			return true
		}
		return false
	}
	h.granted(w, r, f, g, http.StatusFound)
	return true
}

// authorize serves GET /oauth2/authorize: a standing hosted session completes the request at
// once; otherwise the browser goes to /login with the same query, as Cognito sends it.
func (h *Hosted) authorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	f := h.begin(w, r)
	if f == nil || h.resume(w, r, f) {
		return
	}
	h.redirect(w, f, f.path(LoginPath), http.StatusFound)
}

// granted sends the browser back to the client with what the authorization yielded: the code
// (and state) in the query, or the implicit grant's tokens in the fragment; a sign-in's new
// hosted session goes into its cookie on the way.
func (h *Hosted) granted(w http.ResponseWriter, r *http.Request, f *flow, g *userpool.Granted, status int) {
	h.setSession(w, f, g.Session)
	clearCookie(w, flowCookie, f.https)
	p := url.Values{}
	if g.Tokens != nil {
		p.Set("access_token", g.Tokens.AccessToken)
		if g.Tokens.IDToken != "" {
			p.Set("id_token", g.Tokens.IDToken)
		}
		p.Set("token_type", "Bearer")
		p.Set("expires_in", strconv.Itoa(g.Tokens.ExpiresIn))
	} else {
		p.Set("code", g.Code)
	}
	if f.state != "" {
		p.Set("state", f.state)
	}
	h.redirect(w, f, appendParams(f.to, f.mode, p.Encode()), status)
}

// setSession puts a sign-in's new hosted session (if any) into the pool's session cookie.
func (h *Hosted) setSession(w http.ResponseWriter, f *flow, session string) {
	if session == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookiePrefix + f.auth.PoolID, Value: session, Path: "/",
		MaxAge: int((time.Hour).Seconds()), HttpOnly: true, Secure: f.https, SameSite: http.SameSiteLaxMode})
}

// redirect answers with a redirect that no cache keeps (OA-12: 302/303 after credentials).
func (h *Hosted) redirect(w http.ResponseWriter, f *flow, to string, status int) {
	pages.SecurityHeaders(w.Header(), f.https)
	w.Header().Set("Location", to)
	w.WriteHeader(status)
}

// errorPage shows an error page in the flow's language.
func (h *Hosted) errorPage(w http.ResponseWriter, r *http.Request, f *flow, status int, m pages.Message) {
	lang := f.lang
	if lang == "" {
		lang = pages.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	}
	pages.Render(w, status, pages.Page{Kind: pages.Error, Lang: lang, Error: m, HTTPS: f.https})
}

// fail answers an unexpected failure: logged here with its cause, a generic page for the user.
func (h *Hosted) fail(w http.ResponseWriter, r *http.Request, f *flow, err error) {
	if h.log != nil {
		h.log.ErrorContext(r.Context(), "hosted UI: internal error", "path", r.URL.Path, "err", err)
	}
	h.errorPage(w, r, f, http.StatusInternalServerError, pages.Message{Key: pages.MsgGenericError})
}

// page renders a hosted page of the flow with a fresh CSRF pairing.
func (h *Hosted) page(w http.ResponseWriter, r *http.Request, f *flow, status int, p pages.Page) {
	p.Lang = f.lang
	p.HTTPS = f.https
	// The form may end in a redirect to the client (the sign-in's 303): its origin joins the
	// page's form-action.
	p.RedirectURI = f.to.String()
	p.CSRF = h.csrf(w, r, f)
	if p.Action == "" {
		p.Action = f.path(r.URL.Path)
	}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	p.Branding = h.branding(r, f)
	pages.Render(w, status, p)
}

// branding is the look of the flow's client: its logo, and the stylesheet of its colours and
// CSS. A failure to read it is logged and the page shows Cognate's own look.
func (h *Hosted) branding(r *http.Request, f *flow) pages.Branding {
	look, err := h.svc.HostedLook(r.Context(), f.auth.PoolID, f.auth.ClientID())
	if err != nil {
		if h.log != nil {
			h.log.WarnContext(r.Context(), "hosted UI: branding unreadable", "pool", f.auth.PoolID, "err", err)
		}
		return pages.Branding{}
	}
	b := pages.Branding{Logo: template.URL(look.LogoURI), Colors: look.Colors}
	if look.CSS != "" || len(look.Colors) > 0 {
		b.StylesheetURL = BrandingPrefix + url.PathEscape(f.auth.PoolID) + "/" + url.PathEscape(f.auth.ClientID()) + ".css?" +
			url.Values{"v": {look.Version}}.Encode()
	}
	return b
}

// brandingCSS serves /branding/<pool>/<client>.css: a client's colours and CSS as one
// stylesheet (pages.BrandingCSS), which the pages link because their CSP allows no inline style.
func (h *Hosted) brandingCSS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	pool, file, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, BrandingPrefix), "/")
	client, css := strings.CutSuffix(file, ".css")
	if !ok || !css || pool == "" || client == "" || strings.Contains(client, "/") {
		http.NotFound(w, r)
		return
	}
	look, err := h.svc.HostedLook(r.Context(), pool, client)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	pages.BrandingCSS(w, pages.Branding{CSS: look.CSS, Colors: look.Colors})
}

// logoPath reads a classic customization's logo URL, /<pool>/ui/<client or ALL>/logo.<ext>
// (branding.LogoURL: the ImageUrl GetUICustomization answers).
func logoPath(p string) (pool, client, ext string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) != 4 || parts[1] != "ui" || parts[0] == "" || parts[2] == "" {
		return "", "", "", false
	}
	ext, ok = strings.CutPrefix(parts[3], "logo.")
	if !ok || ext == "" || strings.Contains(ext, ".") {
		return "", "", "", false
	}
	return parts[0], parts[2], ext, true
}

// uiLogo serves a classic customization's logo at its ImageUrl.
func (h *Hosted) uiLogo(w http.ResponseWriter, r *http.Request) {
	pool, client, ext, ok := logoPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	b, mt, found, err := h.svc.UILogo(r.Context(), pool, client, ext)
	if err != nil || !found {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", mt)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(b)
}

// csrf is the form token: a random value in an HttpOnly cookie that each form repeats
// (double submit). A cross-site form can neither read the cookie nor, SameSite=Lax, send it.
func (h *Hosted) csrf(w http.ResponseWriter, r *http.Request, f *flow) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: f.https, SameSite: http.SameSiteLaxMode})
	return v
}

// checkCSRF tells whether a POSTed form repeats its CSRF cookie.
func checkCSRF(r *http.Request) bool {
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get("csrf"))) == 1
}

// readPost parses a hosted form: form-encoded, bounded, each field once, the CSRF token right.
func readPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return err
	}
	for _, vs := range r.PostForm {
		if len(vs) > 1 {
			return errors.New("oauth: a form field is repeated")
		}
	}
	if !checkCSRF(r) {
		return errCSRF
	}
	return nil
}

// errCSRF is a form whose CSRF token is not its cookie's: an old tab, or a forgery.
var errCSRF = errors.New("oauth: the form's CSRF token is wrong")

// postMessage is what a page says of a form it could not read.
func postMessage(err error) pages.Message {
	if errors.Is(err, errCSRF) {
		return pages.Message{Key: pages.MsgFormExpired}
	}
	return pages.Message{Key: pages.MsgInvalidRequest}
}

func clearCookie(w http.ResponseWriter, name string, https bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: https, SameSite: http.SameSiteLaxMode})
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	noStore(w.Header())
	http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
}

// challengeState is a sign-in between two hosted pages: the challenge posed, its Session, the
// name the user typed and what the page shows; First marks a first factor's challenge (a
// passwordless code, a passkey) from an MFA code's of the same name. It rides in an HttpOnly cookie; a Session is
// bound to its client and user and spent by its answer, so the cookie holds nothing the user
// could not already use.
type challengeState struct {
	Name     string            `json:"n"`
	Session  string            `json:"s"`
	Username string            `json:"u"`
	Params   map[string]string `json:"p,omitempty"`
	First    bool              `json:"f,omitempty"`
}

func (h *Hosted) saveChallenge(w http.ResponseWriter, f *flow, st challengeState) {
	b, _ := json.Marshal(st)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 15 * 60, HttpOnly: true, Secure: f.https, SameSite: http.SameSiteLaxMode})
}

func loadChallenge(r *http.Request) (*challengeState, bool) {
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil, false
	}
	var st challengeState
	if json.Unmarshal(b, &st) != nil || st.Name == "" || st.Session == "" {
		return nil, false
	}
	return &st, true
}

// pageMessages are the refusals a page says in the user's language; any other refusal a user
// can act on shows Cognito's message as it is (a trigger's refusal shows its own text, as on
// Cognito's pages).
var pageMessages = []struct {
	match error
	key   string
}{
	{cognito.NotAuthorized("Incorrect username or password."), pages.MsgIncorrectCredentials},
	{cognito.NotAuthorized("Password attempts exceeded"), pages.MsgPasswordAttemptsExceeded},
	{cognito.ErrCodeMismatch, pages.MsgCodeMismatch},
	{cognito.ErrExpiredCode, pages.MsgCodeExpired},
	{cognito.ErrUsernameExists, pages.MsgUserExists},
	{cognito.ErrLimitExceeded, pages.MsgLimitExceeded},
	{cognito.ErrUserNotConfirmed, pages.MsgUserNotConfirmed},
}

// userMessage is what a page shows for the user pool's refusal; nil for a failure, which no
// user can act on.
func userMessage(err error) *pages.Message {
	ce := cognito.As(err)
	if ce == nil || ce.Status >= 500 || errors.Is(err, cognito.ErrInternal) {
		return nil
	}
	for _, m := range pageMessages {
		if errors.Is(err, m.match) {
			return &pages.Message{Key: m.key}
		}
	}
	if errors.Is(err, cognito.ErrInvalidPassword) {
		_, reason, _ := strings.Cut(ce.Message, ": ")
		return &pages.Message{Key: pages.MsgPasswordPolicy, Args: []any{reason}}
	}
	return &pages.Message{Text: ce.Message}
}

// isHTTPS tells whether the browser reached the pages over https: directly, or through a TLS
// terminator (CloudFront, a proxy) that says so in X-Forwarded-Proto.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}
