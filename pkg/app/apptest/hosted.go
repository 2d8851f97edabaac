package apptest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// The authorization code flow through the hosted pages (issue 14 items 2–4): a browser-like
// client (cookies, no JavaScript, redirects observed one by one) signs in at /login, the code is
// redeemed with PKCE by golang.org/x/oauth2, the tokens verify with the pool's JWKS, userInfo,
// refresh, revocation and logout answer as Cognito's do, and the OA rules hold.
func runHostedTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("HostedCodeFlow", func(t *testing.T) { testHostedCodeFlow(t, Start(t, newTable)) })
	t.Run("HostedRedirectRules", func(t *testing.T) { testHostedRedirectRules(t, Start(t, newTable)) })
	t.Run("HostedCodeRules", func(t *testing.T) { testHostedCodeRules(t, Start(t, newTable)) })
	t.Run("HostedForms", func(t *testing.T) { testHostedForms(t, Start(t, newTable)) })
	t.Run("HostedAccountPages", func(t *testing.T) { testHostedAccountPages(t, Start(t, newTable)) })
	t.Run("HostedChallenges", func(t *testing.T) { testHostedChallenges(t, Start(t, newTable)) })
	t.Run("HostedLook", func(t *testing.T) { testHostedLook(t, Start(t, newTable)) })
	t.Run("HostedGoOIDC", func(t *testing.T) { testHostedGoOIDC(t, Start(t, newTable)) })
	t.Run("HostedImplicitAndMaxAge", func(t *testing.T) { testHostedImplicitAndMaxAge(t, Start(t, newTable)) })
	t.Run("HostedSelectMFAAndResend", func(t *testing.T) { testHostedSelectMFAAndResend(t, Start(t, newTable)) })
	runHostedPasswordlessTests(t, newTable)
}

const (
	hostedCallback = "http://localhost:3000/cb"
	hostedLogout   = "http://localhost:3000/bye"
)

// webApp is a pool with a confirmed user and an OAuth client for the hosted pages.
type webApp struct {
	fixture
	id, secret string
	user, pass string
}

func newWebApp(t *testing.T, e *Env, secret bool, mod func(*cip.CreateUserPoolClientInput)) webApp {
	t.Helper()
	return newWebAppIn(t, e, nil, secret, mod)
}

// newWebAppIn is newWebApp in a pool that pool modifies.
func newWebAppIn(t *testing.T, e *Env, pool func(*cip.CreateUserPoolInput), secret bool, mod func(*cip.CreateUserPoolClientInput)) webApp {
	t.Helper()
	f := newPool(t, e, pool)
	in := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hosted"), GenerateSecret: secret,
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"},
		AllowedOAuthScopes:         []string{"openid", "email", "profile", "aws.cognito.signin.user.admin"},
		CallbackURLs:               []string{hostedCallback, "https://app.example.com/cb"},
		LogoutURLs:                 []string{hostedLogout},
		SupportedIdentityProviders: []string{"COGNITO"},
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{"ALLOW_REFRESH_TOKEN_AUTH"}}
	if mod != nil {
		mod(in)
	}
	c := must(e.Client.CreateUserPoolClient(ctx, in))(t).UserPoolClient
	f.confirmedUser(t, "alice", "alice@example.com")
	return webApp{fixture: f, id: aws.ToString(c.ClientId), secret: aws.ToString(c.ClientSecret), user: "alice", pass: strongPassword}
}

func (a webApp) oauth2(scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: a.id, ClientSecret: a.secret, RedirectURL: hostedCallback, Scopes: scopes,
		Endpoint: oauth2.Endpoint{AuthURL: a.env.URL + "/oauth2/authorize", TokenURL: a.env.URL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInHeader}}
}

// browser is a cookie-keeping HTTP client that does not follow redirects, so each hop is seen.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newBrowser(t *testing.T, e *Env) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: e.URL, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer read whole.
type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), url: req.URL}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.base + u
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.base + u
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow goes on from a redirect within the server; it stops at the first answer that is no
// redirect or leaves the server (the client's callback), and returns it.
func (b *browser) follow(p page) page {
	b.t.Helper()
	for i := 0; i < 10 && (p.status == http.StatusFound || p.status == http.StatusSeeOther); i++ {
		loc := p.header.Get("Location")
		next, err := p.url.Parse(loc)
		if err != nil {
			b.t.Fatal(err)
		}
		if !strings.HasPrefix(next.String(), b.base) {
			return p
		}
		p = b.get(next.String())
	}
	return p
}

// submit fills the page's form that has every named field and posts it (hidden fields kept).
func (b *browser) submit(p page, fields map[string]string) page {
	b.t.Helper()
	action, hidden := formWith(b.t, p.body, fields)
	for k, v := range fields {
		hidden.Set(k, v)
	}
	u, err := p.url.Parse(action)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.post(u.String(), hidden)
}

// formWith finds the POST form that has inputs of all the named fields: its action and its
// hidden fields.
func formWith(t *testing.T, body string, fields map[string]string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var forms []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" {
			forms = append(forms, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, f := range forms {
		names := map[string]bool{}
		hidden := url.Values{}
		var inner func(n *html.Node)
		inner = func(n *html.Node) {
			if n.Type == html.ElementNode && (n.Data == "input" || n.Data == "select" || n.Data == "button" || n.Data == "textarea") {
				names[htmlAttr(n, "name")] = true
				if htmlAttr(n, "type") == "hidden" {
					hidden.Set(htmlAttr(n, "name"), htmlAttr(n, "value"))
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				inner(c)
			}
		}
		inner(f)
		ok := true
		for k := range fields {
			ok = ok && names[k]
		}
		if ok && strings.EqualFold(htmlAttr(f, "method"), "post") {
			return htmlAttr(f, "action"), hidden
		}
	}
	t.Fatalf("no POST form with fields %v in:\n%s", fields, body)
	return "", nil
}

func htmlAttr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// pkce is a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeURL is the authorization request of a code flow with PKCE.
func (a webApp) authorizeURL(challenge, state string, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {a.id}, "redirect_uri": {hostedCallback}, "state": {state},
		"scope": {"openid email profile aws.cognito.signin.user.admin"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return a.env.URL + "/oauth2/authorize?" + q.Encode()
}

// callback reads the code (or error) a redirect to the client's callback carries.
func callback(t *testing.T, p page, want string) url.Values {
	t.Helper()
	if p.status != http.StatusFound && p.status != http.StatusSeeOther {
		t.Fatalf("answer %d, want a redirect to %s:\n%s", p.status, want, p.body)
	}
	loc := p.header.Get("Location")
	if !strings.HasPrefix(loc, want+"?") {
		t.Fatalf("redirect to %q, want %s?...", loc, want)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// signInAt signs in through the hosted pages from an authorization request, returning the
// redirect to the callback.
func (b *browser) signInAt(authorize, username, password string) page {
	b.t.Helper()
	login := b.follow(b.get(authorize))
	if login.status != http.StatusOK {
		b.t.Fatalf("the sign-in page answered %d:\n%s", login.status, login.body)
	}
	return b.submit(login, map[string]string{"username": username, "password": password})
}

func testHostedCodeFlow(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	b := newBrowser(t, e)
	verifier, challenge := pkce()

	// The authorization endpoint sends a browser without a session to /login with the same query.
	first := b.get(a.authorizeURL(challenge, "s1", url.Values{"nonce": {"n-1"}}))
	if first.status != http.StatusFound || !strings.HasPrefix(first.header.Get("Location"), "/login?") {
		t.Fatalf("authorize answered %d %q, want 302 to /login", first.status, first.header.Get("Location"))
	}
	done := b.signInAt(a.authorizeURL(challenge, "s1", url.Values{"nonce": {"n-1"}}), a.user, a.pass)
	if done.status != http.StatusSeeOther || done.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the sign-in POST answered %d, Cache-Control %q; want 303 and no-store (OA-12)", done.status, done.header.Get("Cache-Control"))
	}
	q := callback(t, done, hostedCallback)
	if q.Get("state") != "s1" || len(q.Get("code")) < 22 {
		t.Fatalf("callback query %v: want state s1 and a code of ≥ 128 bits", q)
	}
	tok, err := a.oauth2().Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	idRaw, _ := tok.Extra("id_token").(string)
	if tok.RefreshToken == "" || idRaw == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token answer %+v: want access, id and refresh tokens", tok)
	}
	id, _ := verifyWithJWKS(t, e, a.poolID, idRaw)
	if id["nonce"] != "n-1" || id["aud"] != a.id || id["token_use"] != "id" || id["email"] != "alice@example.com" || id["at_hash"] == nil {
		t.Errorf("ID token claims %v: want nonce, aud, email and at_hash", id)
	}
	access, _ := verifyWithJWKS(t, e, a.poolID, tok.AccessToken)
	if access["scope"] != "openid email profile aws.cognito.signin.user.admin" || access["client_id"] != a.id || access["username"] != "alice" {
		t.Errorf("access token claims %v", access)
	}
	// The access token is the API's too: it carries aws.cognito.signin.user.admin.
	if _, err := e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tok.AccessToken)}); err != nil {
		t.Errorf("GetUser with the hosted access token: %v", err)
	}

	// userInfo releases what the scopes allow, as strings.
	info := userInfo(t, e, tok.AccessToken)
	if info.status != http.StatusOK {
		t.Fatalf("userInfo answered %d: %s", info.status, info.body)
	}
	var attrs map[string]any
	if err := json.Unmarshal([]byte(info.body), &attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["email"] != "alice@example.com" || attrs["email_verified"] != "true" || attrs["username"] != "alice" || attrs["sub"] != id["sub"] {
		t.Errorf("userInfo %v", attrs)
	}

	// A refresh keeps the lineage's scopes.
	refreshed := tokenPost(t, e, url.Values{"grant_type": {"refresh_token"}, "client_id": {a.id}, "refresh_token": {tok.RefreshToken}}, "")
	if refreshed.status != http.StatusOK {
		t.Fatalf("refresh answered %d: %s", refreshed.status, refreshed.body)
	}
	var rt struct{ AccessToken, IDToken, RefreshToken string }
	decodeTokens(t, refreshed.body, &rt)
	if rt.RefreshToken != "" || rt.IDToken == "" {
		t.Errorf("refresh answer %s: want new access and ID tokens, no refresh token", refreshed.body)
	}
	ra, _ := verifyWithJWKS(t, e, a.poolID, rt.AccessToken)
	if ra["scope"] != access["scope"] || ra["origin_jti"] != access["origin_jti"] {
		t.Errorf("refreshed access token %v: want the lineage's scope and origin_jti", ra)
	}

	// The hosted session signs the next authorization in at once; prompt=login asks again.
	v2, c2 := pkce()
	again := b.get(a.authorizeURL(c2, "s2", nil))
	q2 := callback(t, again, hostedCallback)
	if _, err := a.oauth2().Exchange(ctx, q2.Get("code"), oauth2.VerifierOption(v2)); err != nil {
		t.Fatalf("exchange of the session's code: %v", err)
	}
	if p := b.get(a.authorizeURL(c2, "s3", url.Values{"prompt": {"login"}})); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
		t.Errorf("prompt=login answered %d %q, want the sign-in page", p.status, p.header.Get("Location"))
	}

	// Revocation ends the lineage: 200, then the refresh token is refused; unknown tokens are 200.
	if r := tokenPostTo(t, e, "/oauth2/revoke", url.Values{"client_id": {a.id}, "token": {tok.RefreshToken}}, ""); r.status != http.StatusOK {
		t.Errorf("revoke answered %d: %s", r.status, r.body)
	}
	if r := tokenPostTo(t, e, "/oauth2/revoke", url.Values{"client_id": {a.id}, "token": {"not-a-token"}}, ""); r.status != http.StatusOK {
		t.Errorf("revoking an unknown token answered %d: %s", r.status, r.body)
	}
	if r := tokenPost(t, e, url.Values{"grant_type": {"refresh_token"}, "client_id": {a.id}, "refresh_token": {tok.RefreshToken}}, ""); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_grant"`) {
		t.Errorf("refresh after revocation answered %d %s, want invalid_grant", r.status, r.body)
	}

	// Logout ends the hosted session and goes to the registered logout URI only.
	if p := b.get("/logout?" + url.Values{"client_id": {a.id}, "logout_uri": {"https://evil.example.com/"}}.Encode()); p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Errorf("logout to an unregistered URI answered %d %q, want an error page", p.status, p.header.Get("Location"))
	}
	out := b.get("/logout?" + url.Values{"client_id": {a.id}, "logout_uri": {hostedLogout}}.Encode())
	if out.status != http.StatusFound || out.header.Get("Location") != hostedLogout {
		t.Fatalf("logout answered %d %q", out.status, out.header.Get("Location"))
	}
	if p := b.get(a.authorizeURL(c2, "s4", nil)); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
		t.Errorf("after logout authorize answered %d %q, want the sign-in page", p.status, p.header.Get("Location"))
	}
	if p := b.get(a.authorizeURL(c2, "s5", url.Values{"prompt": {"none"}})); callback(t, p, hostedCallback).Get("error") != "login_required" {
		t.Errorf("prompt=none without a session: %q, want login_required", p.header.Get("Location"))
	}
}

func userInfo(t *testing.T, e *Env, access string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+"/oauth2/userInfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+access)
	return (&browser{t: t, c: http.DefaultClient}).do(req)
}

func tokenPost(t *testing.T, e *Env, form url.Values, basic string) page {
	t.Helper()
	return tokenPostTo(t, e, "/oauth2/token", form, basic)
}

func tokenPostTo(t *testing.T, e *Env, path string, form url.Values, basic string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	return (&browser{t: t, c: http.DefaultClient}).do(req)
}

func decodeTokens(t *testing.T, body string, out *struct{ AccessToken, IDToken, RefreshToken string }) {
	t.Helper()
	var raw struct {
		AccessToken  string `json:"access_token"`
		IDToken      string `json:"id_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	*out = struct{ AccessToken, IDToken, RefreshToken string }{raw.AccessToken, raw.IDToken, raw.RefreshToken}
}

// OA-01, OA-02, OA-03: the redirect URI matches byte for byte (only a loopback port may vary),
// a bad client or URI never redirects, PKCE is S256 only and required of public clients.
func testHostedRedirectRules(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	conf := newWebApp(t, e, true, nil)
	_, challenge := pkce()
	base := func(client, redirect string) url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {redirect}, "state": {"st"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	}
	with := func(q url.Values, k, v string) url.Values {
		c := url.Values{}
		for kk, vv := range q {
			c[kk] = vv
		}
		if v == "" {
			c.Del(k)
		} else {
			c.Set(k, v)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		query url.Values
		page  bool   // an error page, no redirect
		err   string // else the error the callback receives ("" = on to /login)
	}{
		{"unknown client", base("nosuchclient", hostedCallback), true, ""},
		{"redirect not registered", base(a.id, "https://evil.example.com/cb"), true, ""},
		{"trailing slash differs", base(a.id, hostedCallback+"/"), true, ""},
		{"case differs", base(a.id, "https://APP.example.com/cb"), true, ""},
		{"query added", base(a.id, "https://app.example.com/cb?x=1"), true, ""},
		{"no redirect_uri", with(base(a.id, hostedCallback), "redirect_uri", ""), true, ""},
		{"loopback port may vary", base(a.id, "http://localhost:49152/cb"), false, ""},
		{"registered", base(a.id, hostedCallback), false, ""},
		{"public client without PKCE", with(with(base(a.id, hostedCallback), "code_challenge", ""), "code_challenge_method", ""), false, "invalid_request"},
		{"plain PKCE", with(base(a.id, hostedCallback), "code_challenge_method", "plain"), false, "invalid_request"},
		{"challenge not S256-shaped", with(base(a.id, hostedCallback), "code_challenge", "short"), false, "invalid_request"},
		{"confidential client without PKCE", with(with(base(conf.id, hostedCallback), "code_challenge", ""), "code_challenge_method", ""), false, ""},
		{"implicit not allowed", with(base(a.id, hostedCallback), "response_type", "token"), false, "unauthorized_client"},
		{"unknown response type", with(base(a.id, hostedCallback), "response_type", "id_token"), false, "unsupported_response_type"},
		{"scope not allowed", with(base(a.id, hostedCallback), "scope", "openid phone"), false, "invalid_scope"},
		{"email without openid", with(base(a.id, hostedCallback), "scope", "email"), false, "invalid_scope"},
		{"federated provider", with(base(a.id, hostedCallback), "identity_provider", "Google"), false, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newBrowser(t, e).get("/oauth2/authorize?" + tc.query.Encode())
			switch {
			case tc.page:
				if p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
					t.Fatalf("answered %d Location %q, want a 400 page and no redirect", p.status, p.header.Get("Location"))
				}
			case tc.err == "":
				if p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
					t.Fatalf("answered %d %q, want the sign-in page", p.status, p.header.Get("Location"))
				}
			case tc.query.Get("response_type") == "token":
				// The implicit grant's answer, errors included, is in the fragment (RFC 6749 §4.2.2.1).
				loc := p.header.Get("Location")
				frag, ok := strings.CutPrefix(loc, hostedCallback+"#")
				q, _ := url.ParseQuery(frag)
				if p.status != http.StatusFound || !ok || q.Get("error") != tc.err || q.Get("state") != "st" {
					t.Fatalf("answered %d %q, want %s in the fragment", p.status, loc, tc.err)
				}
			default:
				q := callback(t, p, tc.query.Get("redirect_uri"))
				if q.Get("error") != tc.err || q.Get("state") != "st" {
					t.Fatalf("callback %v, want error %s with the state", q, tc.err)
				}
			}
		})
	}
}

// OA-04 … OA-08: codes are bound to the client, redirect URI and verifier, live 5 minutes and
// are spent once; a replay ends what the code issued, and of 50 concurrent redemptions exactly
// one succeeds.
func testHostedCodeRules(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	other := newWebApp(t, e, false, nil)
	newCode := func(t *testing.T) (code, verifier string) {
		t.Helper()
		v, c := pkce()
		q := callback(t, newBrowser(t, e).signInAt(a.authorizeURL(c, "x", nil), a.user, a.pass), hostedCallback)
		return q.Get("code"), v
	}
	redeem := func(client, code, redirect, verifier string) page {
		return tokenPost(t, e, url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code},
			"redirect_uri": {redirect}, "code_verifier": {verifier}}, "")
	}
	for _, tc := range []struct {
		name             string
		client, redirect string
		verifier         func(v string) string
		advance          time.Duration
	}{
		{"wrong verifier", a.id, hostedCallback, func(string) string { return oauth2.GenerateVerifier() }, 0},
		{"no verifier", a.id, hostedCallback, func(string) string { return "" }, 0},
		{"other redirect_uri", a.id, "https://app.example.com/cb", func(v string) string { return v }, 0},
		{"other client", other.id, hostedCallback, func(v string) string { return v }, 0},
		{"expired", a.id, hostedCallback, func(v string) string { return v }, 5*time.Minute + time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, v := newCode(t)
			e.Clock.Advance(tc.advance)
			if r := redeem(tc.client, code, tc.redirect, tc.verifier(v)); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_grant"`) {
				t.Fatalf("answered %d %s, want invalid_grant", r.status, r.body)
			}
		})
	}
	t.Run("replay revokes", func(t *testing.T) {
		code, v := newCode(t)
		first := redeem(a.id, code, hostedCallback, v)
		if first.status != http.StatusOK {
			t.Fatalf("first redemption %d %s", first.status, first.body)
		}
		var tk struct{ AccessToken, IDToken, RefreshToken string }
		decodeTokens(t, first.body, &tk)
		if r := redeem(a.id, code, hostedCallback, v); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_grant"`) {
			t.Fatalf("replay answered %d %s", r.status, r.body)
		}
		if r := tokenPost(t, e, url.Values{"grant_type": {"refresh_token"}, "client_id": {a.id}, "refresh_token": {tk.RefreshToken}}, ""); r.status != http.StatusBadRequest {
			t.Errorf("the replayed code's refresh token still refreshes: %d %s", r.status, r.body)
		}
		if _, err := e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(tk.AccessToken)}); err == nil {
			t.Error("the replayed code's access token still works")
		}
	})
	t.Run("50 concurrent redemptions", func(t *testing.T) {
		code, v := newCode(t)
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = redeem(a.id, code, hostedCallback, v).status
			}()
		}
		wg.Wait()
		if n := count(statuses, http.StatusOK); n != 1 || count(statuses, http.StatusBadRequest) != 49 {
			t.Fatalf("statuses %v: want exactly one 200 and 49 × 400", statuses)
		}
	})
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

// The hosted forms: CSRF, no-store, lockout through the form as through the API, the API's
// access tokens refused by userInfo.
func testHostedForms(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, func(in *cip.CreateUserPoolClientInput) {
		in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, "ALLOW_USER_PASSWORD_AUTH")
	})
	_, challenge := pkce()
	b := newBrowser(t, e)
	login := b.follow(b.get(a.authorizeURL(challenge, "f", nil)))
	if login.status != http.StatusOK {
		t.Fatalf("sign-in page %d", login.status)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
		if login.header.Get(h) == "" {
			t.Errorf("the sign-in page has no %s", h)
		}
	}
	if !strings.Contains(login.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP %q lacks frame-ancestors 'none'", login.header.Get("Content-Security-Policy"))
	}
	action, hidden := formWith(t, login.body, map[string]string{"username": "", "password": ""})
	target, _ := login.url.Parse(action)

	// Without the CSRF token (or with another), nothing is signed in.
	form := url.Values{"username": {a.user}, "password": {a.pass}, "csrf": {"forged"}}
	if p := b.post(target.String(), form); p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Errorf("a forged CSRF token answered %d %q", p.status, p.header.Get("Location"))
	}
	fresh := newBrowser(t, e)
	form.Set("csrf", hidden.Get("csrf"))
	if p := fresh.post(target.String(), form); p.status != http.StatusBadRequest || p.header.Get("Location") != "" {
		t.Errorf("a token without its cookie answered %d %q", p.status, p.header.Get("Location"))
	}

	// A wrong password shows Cognito's message; five of them lock the account, form and API alike.
	for i := 0; i < 5; i++ {
		p := b.submit(b.follow(b.get(a.authorizeURL(challenge, "f", nil))), map[string]string{"username": a.user, "password": "Wrong-password-1"})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Incorrect username or password.") {
			t.Fatalf("wrong password %d answered %d:\n%s", i+1, p.status, p.body)
		}
	}
	p := b.submit(b.follow(b.get(a.authorizeURL(challenge, "f", nil))), map[string]string{"username": a.user, "password": a.pass})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Password attempts exceeded") {
		t.Errorf("the right password during the lock answered %d, want 'Password attempts exceeded':\n%s", p.status, p.body)
	}
	if _, err := a.signIn(t, a.user, a.pass); err == nil || !strings.Contains(err.Error(), "Password attempts exceeded") {
		t.Errorf("the API during the hosted lock: %v", err)
	}

	// userInfo wants a token from the token endpoint (openid); the API's are refused.
	e.Clock.Advance(time.Hour)
	res := must(a.signIn(t, a.user, a.pass))(t)
	info := userInfo(t, e, aws.ToString(res.AccessToken))
	if info.status != http.StatusUnauthorized || !strings.Contains(info.header.Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(info.body, "Access token does not contain openid scope") {
		t.Errorf("userInfo with an API token: %d %q %s", info.status, info.header.Get("WWW-Authenticate"), info.body)
	}
	if info := userInfo(t, e, "garbage"); info.status != http.StatusUnauthorized {
		t.Errorf("userInfo with garbage: %d", info.status)
	}
}

// Sign-up, confirmation with the mailed code, sign-in; forgotten password and reset.
func testHostedAccountPages(t *testing.T, e *Env) {
	a := newWebApp(t, e, true, nil)
	v, c := pkce()
	b := newBrowser(t, e)
	signup := b.follow(b.get("/signup?" + mustQuery(t, a.authorizeURL(c, "acct", nil))))
	if signup.status != http.StatusOK {
		t.Fatalf("sign-up page %d:\n%s", signup.status, signup.body)
	}
	fields := map[string]string{"username": "bob", "password": strongPassword, "email": "bob@example.com"}
	confirm := b.follow(b.submit(signup, fields))
	if confirm.status != http.StatusOK {
		t.Fatalf("after sign-up %d:\n%s", confirm.status, confirm.body)
	}
	code := a.code(t, "bob@example.com")
	in := b.follow(b.submit(confirm, map[string]string{"code": code}))
	if in.status != http.StatusOK {
		t.Fatalf("after confirmation %d:\n%s", in.status, in.body)
	}
	q := callback(t, b.submit(in, map[string]string{"username": "bob", "password": strongPassword}), hostedCallback)
	if _, err := a.oauth2().Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err != nil {
		t.Fatalf("exchange after sign-up: %v", err)
	}

	// Forgot password: the code mailed, a new password set, signed in with it.
	b2 := newBrowser(t, e)
	forgot := b2.follow(b2.get("/forgotPassword?" + mustQuery(t, a.authorizeURL(c, "acct", nil))))
	reset := b2.follow(b2.submit(forgot, map[string]string{"username": "bob"}))
	if reset.status != http.StatusOK {
		t.Fatalf("after forgot %d:\n%s", reset.status, reset.body)
	}
	newPass := strongPassword + "x"
	back := b2.follow(b2.submit(reset, map[string]string{"code": a.code(t, "bob@example.com"), "password": newPass}))
	if back.status != http.StatusOK {
		t.Fatalf("after reset %d:\n%s", back.status, back.body)
	}
	callback(t, b2.submit(back, map[string]string{"username": "bob", "password": newPass}), hostedCallback)

	// A sign-up the pool refuses shows the API's message.
	b3 := newBrowser(t, e)
	su := b3.follow(b3.get("/signup?" + mustQuery(t, a.authorizeURL(c, "acct", nil))))
	p := b3.submit(su, map[string]string{"username": "carol", "password": "short", "email": "carol@example.com"})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Password did not conform with policy") {
		t.Errorf("weak password at sign-up answered %d:\n%s", p.status, p.body)
	}
}

func mustQuery(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.RawQuery
}

// NEW_PASSWORD_REQUIRED and TOTP set-up and sign-in through the challenge page.
func testHostedChallenges(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	must(e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(a.poolID), Username: aws.String("dave"),
		TemporaryPassword: aws.String(strongPassword), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("dave@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}))(t)
	_, c := pkce()
	b := newBrowser(t, e)
	np := b.follow(b.signInAt(a.authorizeURL(c, "np", nil), "dave", strongPassword))
	if np.status != http.StatusOK {
		t.Fatalf("after a temporary password %d:\n%s", np.status, np.body)
	}
	callback(t, b.submit(np, map[string]string{"password": strongPassword + "n"}), hostedCallback)

	// MFA required with a software token: set up through the page, then asked at each sign-in.
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(a.poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))(t)
	b2 := newBrowser(t, e)
	setup := b2.follow(b2.signInAt(a.authorizeURL(c, "mfa", nil), a.user, a.pass))
	if setup.status != http.StatusOK {
		t.Fatalf("MFA set-up page %d:\n%s", setup.status, setup.body)
	}
	secret := totpSecretIn(t, setup.body)
	callback(t, b2.submit(setup, map[string]string{"code": totpCode(t, e, secret, 0)}), hostedCallback)

	e.Clock.Advance(31 * time.Second)
	b3 := newBrowser(t, e)
	mfa := b3.follow(b3.signInAt(a.authorizeURL(c, "mfa2", nil), a.user, a.pass))
	if mfa.status != http.StatusOK {
		t.Fatalf("MFA page %d:\n%s", mfa.status, mfa.body)
	}
	if p := b3.submit(mfa, map[string]string{"code": "000000"}); p.status != http.StatusBadRequest {
		t.Errorf("a wrong TOTP code answered %d", p.status)
	}
	mfa = b3.follow(b3.get(mfa.url.String()))
	callback(t, b3.submit(mfa, map[string]string{"code": totpCode(t, e, secret, 0)}), hostedCallback)
}

// totpSecretIn reads the secret the set-up page shows (the code element of class secret).
func totpSecretIn(t *testing.T, body string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var found *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "code" && slices.Contains(strings.Fields(htmlAttr(n, "class")), "secret") {
			found = n
		}
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		t.Fatalf("no secret on the set-up page:\n%s", body)
	}
	var b strings.Builder
	var text func(n *html.Node)
	text = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			text(c)
		}
	}
	text(found)
	return strings.ReplaceAll(strings.TrimSpace(b.String()), " ", "")
}

// The pages wear the client's branding — a managed-login style's colours and logo, else the
// classic customization's CSS — and speak the user's language (lang, else Accept-Language).
func testHostedLook(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	styled := a.secondOAuthClient(t)
	must(e.Client.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(a.poolID), ClientId: aws.String(a.id),
		CSS: aws.String(".banner-customizable { background-color: #123456; }")}))(t)
	must(e.Client.CreateManagedLoginBranding(ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: aws.String(a.poolID), ClientId: aws.String(styled),
		Settings: settingsDoc(t, `{"components":{"primaryButton":{"lightMode":{"defaults":{"backgroundColor":"b00b1eff","textColor":"ffffffff"}}},"pageBackground":{"lightMode":{"color":"fafafaff"}}}}`),
		Assets: []types.AssetType{{Category: types.AssetCategoryTypeFormLogo, ColorMode: types.ColorSchemeModeTypeLight, Extension: types.AssetExtensionTypeSvg,
			Bytes: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)}}}))(t)
	_, challenge := pkce()
	for _, tc := range []struct {
		name, client, wantCSS string
		logo                  bool
	}{
		{"classic CSS", a.id, "background-color: #123456", false},
		{"managed-login style", styled, "--cg-primary: #b00b1eff", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, e)
			q := url.Values{"response_type": {"code"}, "client_id": {tc.client}, "redirect_uri": {hostedCallback},
				"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
			login := b.get("/login?" + q.Encode())
			if login.status != http.StatusOK {
				t.Fatalf("sign-in page %d:\n%s", login.status, login.body)
			}
			sheet := linkedStylesheet(t, login.body, "/branding/")
			css := b.get(sheet)
			if css.status != http.StatusOK || !strings.Contains(css.body, tc.wantCSS) || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
				t.Fatalf("branding stylesheet %s: %d %q:\n%s", sheet, css.status, css.header.Get("Content-Type"), css.body)
			}
			if got := strings.Contains(html.UnescapeString(login.body), `src="data:image/svg+xml;base64,`); got != tc.logo {
				t.Errorf("logo shown %v, want %v", got, tc.logo)
			}
		})
	}
	t.Run("languages", func(t *testing.T) {
		q := url.Values{"response_type": {"code"}, "client_id": {a.id}, "redirect_uri": {hostedCallback},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		b := newBrowser(t, e)
		for _, tc := range []struct{ lang, accept, want string }{
			{"de", "", `lang="de"`}, {"", "fr-CA,fr;q=0.9,en;q=0.5", `lang="fr"`}, {"xx", "ja", `lang="ja"`}, {"", "", `lang="en"`},
		} {
			qq := url.Values{}
			for k, v := range q {
				qq[k] = v
			}
			if tc.lang != "" {
				qq.Set("lang", tc.lang)
			}
			req, err := http.NewRequest(http.MethodGet, e.URL+"/login?"+qq.Encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			if p := b.do(req); !strings.Contains(p.body, tc.want) {
				t.Errorf("lang %q, Accept-Language %q: page lacks %s", tc.lang, tc.accept, tc.want)
			}
		}
	})
}

// secondOAuthClient adds another OAuth client to the web app's pool.
func (a webApp) secondOAuthClient(t *testing.T) string {
	t.Helper()
	c := must(a.env.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(a.poolID), ClientName: aws.String("styled"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"},
		CallbackURLs: []string{hostedCallback}, SupportedIdentityProviders: []string{"COGNITO"}}))(t).UserPoolClient
	return aws.ToString(c.ClientId)
}

// linkedStylesheet finds the href of the page's stylesheet link under prefix.
func linkedStylesheet(t *testing.T, body, prefix string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var href string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "link" && htmlAttr(n, "rel") == "stylesheet" && strings.HasPrefix(htmlAttr(n, "href"), prefix) {
			href = htmlAttr(n, "href")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if href == "" {
		t.Fatalf("no stylesheet under %s on the page:\n%s", prefix, body)
	}
	return href
}

// go-oidc, a relying party that starts from the discovery document: its endpoints, then the
// code exchange with PKCE through them, the ID token verified (issuer, audience, signature from
// the JWKS, expiry, nonce) and userInfo.
func testHostedGoOIDC(t *testing.T, e *Env) {
	a := newWebApp(t, e, true, nil)
	issuer := e.URL + "/" + a.poolID
	pctx := gooidc.ClientContext(ctx, &http.Client{Timeout: 10 * time.Second})
	provider, err := gooidc.NewProvider(pctx, issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	conf := &oauth2.Config{ClientID: a.id, ClientSecret: a.secret, RedirectURL: hostedCallback, Endpoint: provider.Endpoint(),
		Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}}
	verifier, _ := pkce()
	authURL := conf.AuthCodeURL("st-oidc", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-oidc"))
	if !strings.HasPrefix(authURL, e.URL+"/oauth2/authorize?") {
		t.Fatalf("the discovery document's authorization endpoint is %s", authURL)
	}
	q := callback(t, newBrowser(t, e).signInAt(authURL, a.user, a.pass), hostedCallback)
	tok, err := conf.Exchange(pctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&gooidc.Config{ClientID: a.id, Now: e.Clock.Now}).Verify(pctx, raw)
	if err != nil {
		t.Fatalf("go-oidc refuses the ID token: %v", err)
	}
	if idt.Nonce != "n-oidc" || idt.Issuer != issuer {
		t.Errorf("ID token nonce %q issuer %q", idt.Nonce, idt.Issuer)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	info, err := provider.UserInfo(pctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userInfo: %v", err)
	}
	if info.Email != "alice@example.com" || info.Subject != idt.Subject {
		t.Errorf("userInfo %+v", info)
	}
}

// The implicit grant, where the client allows it: the tokens in the fragment, no refresh token
// and no code; max_age forces a new sign-in once the session is older.
func testHostedImplicitAndMaxAge(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlows = []types.OAuthFlowType{"code", "implicit"}
	})
	b := newBrowser(t, e)
	q := url.Values{"response_type": {"token"}, "client_id": {a.id}, "redirect_uri": {hostedCallback}, "state": {"imp"},
		"scope": {"openid email"}, "nonce": {"n-imp"}}
	done := b.signInAt(e.URL+"/oauth2/authorize?"+q.Encode(), a.user, a.pass)
	loc := done.header.Get("Location")
	frag, ok := strings.CutPrefix(loc, hostedCallback+"#")
	if !ok {
		t.Fatalf("implicit answer %d %q, want the callback with a fragment", done.status, loc)
	}
	f, err := url.ParseQuery(frag)
	if err != nil {
		t.Fatal(err)
	}
	if f.Get("access_token") == "" || f.Get("id_token") == "" || f.Get("token_type") != "Bearer" || f.Get("state") != "imp" ||
		f.Get("code") != "" || f.Get("refresh_token") != "" || f.Get("expires_in") == "" {
		t.Fatalf("implicit fragment %v", f)
	}
	id, _ := verifyWithJWKS(t, e, a.poolID, f.Get("id_token"))
	access, _ := verifyWithJWKS(t, e, a.poolID, f.Get("access_token"))
	if id["nonce"] != "n-imp" || access["scope"] != "openid email" {
		t.Errorf("implicit tokens: nonce %v scope %v", id["nonce"], access["scope"])
	}

	// max_age: a session younger than it signs in at once; an older one asks again.
	_, c := pkce()
	e.Clock.Advance(2 * time.Minute)
	if p := b.get(a.authorizeURL(c, "m1", url.Values{"max_age": {"600"}})); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), hostedCallback+"?") {
		t.Errorf("max_age 600 after 2 minutes: %d %q, want the callback", p.status, p.header.Get("Location"))
	}
	if p := b.get(a.authorizeURL(c, "m2", url.Values{"max_age": {"60"}})); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
		t.Errorf("max_age 60 after 2 minutes: %d %q, want the sign-in page", p.status, p.header.Get("Location"))
	}
	if p := b.get(a.authorizeURL(c, "m3", url.Values{"max_age": {"soon"}})); callback(t, p, hostedCallback).Get("error") != "invalid_request" {
		t.Errorf("max_age not a number: %q", p.header.Get("Location"))
	}
	// The hosted session ends with the hour Cognito gives it.
	e.Clock.Advance(time.Hour)
	if p := b.get(a.authorizeURL(c, "m4", nil)); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
		t.Errorf("after the session's hour: %d %q, want the sign-in page", p.status, p.header.Get("Location"))
	}
}

// SELECT_MFA_TYPE and an SMS code through the pages; the confirmation page's resend; HSTS when
// the pages are reached over https (X-Forwarded-Proto from the TLS terminator).
func testHostedSelectMFAAndResend(t *testing.T, e *Env) {
	a := newWebApp(t, e, false, nil)
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(a.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration:   &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Sign-in code {####}")},
		EmailMfaConfiguration: &types.EmailMfaConfigType{Subject: aws.String("Your sign-in code"), Message: aws.String("Your code is {####}.")}}))(t)
	const phone = "+12065550123"
	must(e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(a.poolID), Username: aws.String(a.user),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(phone)}, {Name: aws.String("phone_number_verified"), Value: aws.String("true")}}}))(t)
	res := must(a.signIn(t, a.user, a.pass))(t)
	must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: res.AccessToken,
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}, EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true}}))(t)

	_, c := pkce()
	b := newBrowser(t, e)
	sel := b.follow(b.signInAt(a.authorizeURL(c, "sel", nil), a.user, a.pass))
	if sel.status != http.StatusOK || !strings.Contains(sel.body, `value="SMS_MFA"`) || !strings.Contains(sel.body, `value="EMAIL_OTP"`) {
		t.Fatalf("the choice page %d:\n%s", sel.status, sel.body)
	}
	code := b.follow(b.submit(sel, map[string]string{"method": "SMS_MFA"}))
	if code.status != http.StatusOK {
		t.Fatalf("after choosing SMS %d:\n%s", code.status, code.body)
	}
	m, ok := e.Outbox.Latest(phone)
	if !ok || m.Code == "" {
		t.Fatalf("no SMS code to %s", phone)
	}
	callback(t, b.submit(code, map[string]string{"code": m.Code}), hostedCallback)

	// Sign-up's code sent again from the confirmation page (its second form).
	b2 := newBrowser(t, e)
	su := b2.follow(b2.get("/signup?" + mustQuery(t, a.authorizeURL(c, "re", nil))))
	conf := b2.follow(b2.submit(su, map[string]string{"username": "erin", "password": strongPassword, "email": "erin@example.com"}))
	first := a.code(t, "erin@example.com")
	e.Clock.Advance(time.Minute)
	_, hidden := formWith(t, conf.body, map[string]string{})
	var resend string
	walkHTML(t, conf.body, func(n *html.Node) {
		if n.Data == "form" && strings.Contains(htmlAttr(n, "action"), "resend=1") {
			resend = htmlAttr(n, "action")
		}
	})
	if resend == "" {
		t.Fatalf("no resend form on the confirmation page:\n%s", conf.body)
	}
	u, _ := conf.url.Parse(resend)
	if p := b2.post(u.String(), url.Values{"csrf": {hidden.Get("csrf")}}); p.status != http.StatusOK {
		t.Fatalf("resend answered %d:\n%s", p.status, p.body)
	}
	if again := a.code(t, "erin@example.com"); again == first {
		t.Errorf("the resent code is the first one")
	}

	// Over https (behind a TLS terminator), the pages send HSTS and Secure cookies.
	req, err := http.NewRequest(http.MethodGet, e.URL+"/login?"+mustQuery(t, a.authorizeURL(c, "tls", nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-Proto", "https")
	p := newBrowser(t, e).do(req)
	if !strings.HasPrefix(p.header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("no HSTS over https: %v", p.header)
	}
	if ck := p.header.Get("Set-Cookie"); !strings.Contains(ck, "Secure") {
		t.Errorf("cookie over https without Secure: %q", ck)
	}
	if p := newBrowser(t, e).get("/login?" + mustQuery(t, a.authorizeURL(c, "plain", nil))); p.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS over plain http")
	}
}
