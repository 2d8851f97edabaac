package apptest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/descope/virtualwebauthn"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// Sign-in without a password at the hosted pages (issue 14 item 3): one-time codes by email and
// SMS, passkeys, and the offer of a passkey after a password sign-in — each USER_AUTH through the
// API's pipeline, offered only where the pool and the client (ALLOW_USER_AUTH) allow it. The
// browser has no JavaScript: the passkey ceremonies are answered in Go (virtualwebauthn) from the
// options each page embeds, as passkey.js would answer them from navigator.credentials.
func runHostedPasswordlessTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("HostedPasswordless", func(t *testing.T) { testHostedPasswordless(t, Start(t, newTable)) })
	t.Run("HostedPasskeys", func(t *testing.T) { testHostedPasskeys(t, Start(t, newTable)) })
}

// choiceClient lets the hosted client use choice-based sign-in and hide existence.
func choiceClient(in *cip.CreateUserPoolClientInput) {
	in.ExplicitAuthFlows = append(in.ExplicitAuthFlows, "ALLOW_USER_AUTH")
	in.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
}

func allowFactors(list ...string) func(*cip.CreateUserPoolInput) {
	return func(in *cip.CreateUserPoolInput) {
		in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: toFactors(list)}}
	}
}

// link is the href of the page's link to path (with the authorize query), "" when none.
func link(t *testing.T, body, path string) string {
	t.Helper()
	var href string
	walkHTML(t, body, func(n *html.Node) {
		if n.Data == "a" && strings.HasPrefix(htmlAttr(n, "href"), path+"?") {
			href = htmlAttr(n, "href")
		}
	})
	return href
}

// elementText is the text inside the element of that id; ok false when there is none.
func elementText(t *testing.T, body, id string) (string, bool) {
	t.Helper()
	var text string
	found := false
	walkHTML(t, body, func(n *html.Node) {
		if htmlAttr(n, "id") == id {
			found = true
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					text += c.Data
				}
			}
		}
	})
	return text, found
}

func walkHTML(t *testing.T, body string, visit func(*html.Node)) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			visit(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// pageKind is the hosted page's kind, from its body's class.
func pageKind(p page) string {
	m := regexp.MustCompile(`<body class="page-([a-z-]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

func wantPage(t *testing.T, p page, status int, kind string) {
	t.Helper()
	if p.status != status || pageKind(p) != kind {
		t.Fatalf("answer %d, page %q; want %d and the %s page:\n%s", p.status, pageKind(p), status, kind, p.body)
	}
}

// redeem exchanges a callback's code and returns the access token's claims.
func (a webApp) redeem(t *testing.T, p page, verifier, state string) map[string]any {
	t.Helper()
	q := callback(t, p, hostedCallback)
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	tok, err := a.oauth2().Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	c, _ := verifyWithJWKS(t, a.env, a.poolID, tok.AccessToken)
	return c
}

func testHostedPasswordless(t *testing.T, e *Env) {
	a := newWebAppIn(t, e, allowFactors("PASSWORD", "EMAIL_OTP", "SMS_OTP"), false, choiceClient)
	eightDigits := regexp.MustCompile(`^\d{8}$`)
	signInCode := func(t *testing.T, to string) string {
		t.Helper()
		m, ok := e.Outbox.Latest(to)
		if !ok || m.Kind != "Authentication" || !eightDigits.MatchString(m.Code) {
			t.Fatalf("no eight-digit sign-in code to %s: %+v", to, m)
		}
		return m.Code
	}
	// start goes from the sign-in page to the passwordless page and asks for a code.
	start := func(t *testing.T, b *browser, authorize, username, method string) page {
		t.Helper()
		login := b.follow(b.get(authorize))
		wantPage(t, login, http.StatusOK, "login")
		if link(t, login.body, "/passkey") != "" {
			t.Error("a passkey link where the pool allows no WEB_AUTHN")
		}
		href := link(t, login.body, "/passwordless")
		if href == "" {
			t.Fatalf("no passwordless link on the sign-in page:\n%s", login.body)
		}
		start := b.get(href)
		wantPage(t, start, http.StatusOK, "passwordless")
		sent := b.submit(start, map[string]string{"username": username, "method": method})
		if sent.status != http.StatusSeeOther || !strings.HasPrefix(sent.header.Get("Location"), "/challenge?") {
			t.Fatalf("asking for a code answered %d %q:\n%s", sent.status, sent.header.Get("Location"), sent.body)
		}
		return b.follow(sent)
	}

	t.Run("an email code", func(t *testing.T) {
		b := newBrowser(t, e)
		verifier, challenge := pkce()
		code := start(t, b, a.authorizeURL(challenge, "e1", nil), a.user, "EMAIL_OTP")
		wantPage(t, code, http.StatusOK, "passwordless-code")
		if !strings.Contains(code.body, "@") {
			t.Errorf("the code page does not say where the code went:\n%s", code.body)
		}
		wrong := b.submit(code, map[string]string{"code": "00000000"})
		wantPage(t, wrong, http.StatusBadRequest, "passwordless-code")
		done := b.submit(wrong, map[string]string{"code": signInCode(t, "alice@example.com")})
		if c := a.redeem(t, done, verifier, "e1"); c["username"] != "alice" {
			t.Fatalf("tokens for %v", c["username"])
		}
	})

	t.Run("an SMS code", func(t *testing.T) {
		const phone = "+12065550123"
		must(e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(a.poolID), Username: aws.String(a.user),
			UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(phone)},
				{Name: aws.String("phone_number_verified"), Value: aws.String("true")}}}))(t)
		b := newBrowser(t, e)
		verifier, challenge := pkce()
		code := start(t, b, a.authorizeURL(challenge, "s1", nil), a.user, "SMS_OTP")
		wantPage(t, code, http.StatusOK, "passwordless-code")
		done := b.submit(code, map[string]string{"code": signInCode(t, phone)})
		if c := a.redeem(t, done, verifier, "s1"); c["username"] != "alice" {
			t.Fatalf("tokens for %v", c["username"])
		}
	})

	t.Run("an unknown name looks like a known one", func(t *testing.T) {
		answers := map[string]page{}
		for _, name := range []string{"nobody@example.com", "alice@example.com"} {
			b := newBrowser(t, e)
			_, challenge := pkce()
			code := start(t, b, a.authorizeURL(challenge, "x", nil), name, "EMAIL_OTP")
			wantPage(t, code, http.StatusOK, "passwordless-code")
			answers[name] = b.submit(code, map[string]string{"code": "12345678"})
		}
		if _, ok := e.Outbox.Latest("nobody@example.com"); ok {
			t.Error("a code went to an address nobody has")
		}
		known, unknown := answers["alice@example.com"], answers["nobody@example.com"]
		if known.status != unknown.status || pageKind(known) != pageKind(unknown) || errorText(t, known) != errorText(t, unknown) || errorText(t, known) == "" {
			t.Errorf("a wrong code: %d %q for a user, %d %q for nobody", known.status, errorText(t, known), unknown.status, errorText(t, unknown))
		}
	})

	t.Run("a method the user cannot use", func(t *testing.T) {
		a.confirmedUser(t, "bo", "bo@example.com") // no phone
		b := newBrowser(t, e)
		_, challenge := pkce()
		login := b.follow(b.get(a.authorizeURL(challenge, "m", nil)))
		p := b.submit(b.get(link(t, login.body, "/passwordless")), map[string]string{"username": "bo", "method": "SMS_OTP"})
		wantPage(t, p, http.StatusBadRequest, "passwordless")
		if !strings.Contains(errorText(t, p), "not available") {
			t.Errorf("error %q", errorText(t, p))
		}
	})

	t.Run("only for clients that allow USER_AUTH", func(t *testing.T) {
		plain := newWebAppIn(t, e, allowFactors("PASSWORD", "EMAIL_OTP"), false, nil)
		b := newBrowser(t, e)
		_, challenge := pkce()
		authorize := plain.authorizeURL(challenge, "p", nil)
		login := b.follow(b.get(authorize))
		wantPage(t, login, http.StatusOK, "login")
		if link(t, login.body, "/passwordless") != "" {
			t.Error("a passwordless link for a client without ALLOW_USER_AUTH")
		}
		q := strings.TrimPrefix(authorize, e.URL+"/oauth2/authorize")
		if p := b.get("/passwordless" + q); p.status != http.StatusFound || !strings.HasPrefix(p.header.Get("Location"), "/login?") {
			t.Errorf("/passwordless answered %d %q, want the sign-in page", p.status, p.header.Get("Location"))
		}
	})
}

// errorText is the page's error summary.
func errorText(t *testing.T, p page) string {
	t.Helper()
	var text string
	walkHTML(t, p.body, func(n *html.Node) {
		if htmlAttr(n, "id") == "page-error" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.FirstChild != nil {
					text += c.FirstChild.Data
				}
			}
		}
	})
	return text
}

func testHostedPasskeys(t *testing.T, e *Env) {
	a := newWebAppIn(t, e, allowFactors("PASSWORD", "WEB_AUTHN"), false, choiceClient)
	// Locally the relying party is localhost, and the pages' origin http://localhost:<port>.
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(a.poolID), MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"), UserVerification: types.UserVerificationTypePreferred}}))(t)
	base, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "test-pool", Origin: "http://localhost:" + base.Port()}
	cred := newPasskeyCredential()
	var auth virtualwebauthn.Authenticator

	// offered signs in with the password and expects the offer of a passkey.
	offered := func(t *testing.T, b *browser, authorize string) page {
		t.Helper()
		done := b.signInAt(authorize, a.user, a.pass)
		if done.status != http.StatusSeeOther || !strings.HasPrefix(done.header.Get("Location"), "/passkey/add?") {
			t.Fatalf("the password sign-in answered %d %q, want the passkey offer", done.status, done.header.Get("Location"))
		}
		offer := b.follow(done)
		wantPage(t, offer, http.StatusOK, "passkey-register")
		return offer
	}

	t.Run("the offer skipped", func(t *testing.T) {
		b := newBrowser(t, e)
		verifier, challenge := pkce()
		authorize := a.authorizeURL(challenge, "k1", nil)
		offer := offered(t, b, authorize)
		skip := link(t, offer.body, "/passkey/skip")
		if skip == "" {
			t.Fatalf("no skip link:\n%s", offer.body)
		}
		// Another browser cannot take up the offer, nor a form without its CSRF token.
		other := newBrowser(t, e)
		q := strings.TrimPrefix(authorize, e.URL+"/oauth2/authorize")
		if p := other.get("/passkey/add" + q); pageKind(p) != "login" || p.status != http.StatusBadRequest {
			t.Errorf("the offer in another browser answered %d, page %q", p.status, pageKind(p))
		}
		if p := b.post("/passkey/add"+q, url.Values{"credential": {"{}"}, "csrf": {"forged"}}); p.status != http.StatusBadRequest || pageKind(p) != "passkey-register" {
			t.Errorf("a forged form answered %d, page %q", p.status, pageKind(p))
		}
		if c := a.redeem(t, b.get(skip), verifier, "k1"); c["username"] != "alice" {
			t.Fatalf("tokens for %v", c["username"])
		}
	})

	t.Run("the offer lasts five minutes", func(t *testing.T) {
		b := newBrowser(t, e)
		_, challenge := pkce()
		authorize := a.authorizeURL(challenge, "k0", nil)
		offer := offered(t, b, authorize)
		e.Clock.Advance(5*time.Minute + time.Second)
		q := strings.TrimPrefix(authorize, e.URL+"/oauth2/authorize")
		if p := b.get("/passkey/add" + q); p.status != http.StatusBadRequest || pageKind(p) != "login" {
			t.Errorf("the offer after five minutes answered %d, page %q", p.status, pageKind(p))
		}
		if p := b.submit(offer, map[string]string{"credential": "{}"}); p.status != http.StatusBadRequest || pageKind(p) != "login" {
			t.Errorf("a credential after five minutes answered %d, page %q", p.status, pageKind(p))
		}
		if p := b.get(link(t, offer.body, "/passkey/skip")); p.status != http.StatusBadRequest || pageKind(p) != "login" {
			t.Errorf("skipping after five minutes answered %d, page %q", p.status, pageKind(p))
		}
	})

	t.Run("a passkey added after the password", func(t *testing.T) {
		b := newBrowser(t, e)
		verifier, challenge := pkce()
		offer := offered(t, b, a.authorizeURL(challenge, "k2", nil))
		raw, ok := elementText(t, offer.body, "passkey-options")
		if !ok {
			t.Fatalf("no passkey options on the offer page:\n%s", offer.body)
		}
		opts, err := virtualwebauthn.ParseAttestationOptions(raw)
		if err != nil {
			t.Fatalf("creation options %s: %v", raw, err)
		}
		auth = virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(opts.UserID)})
		// An origin the relying party does not own is refused, and the offer stands.
		bad := b.submit(offer, map[string]string{"credential": virtualwebauthn.CreateAttestationResponse(
			virtualwebauthn.RelyingParty{ID: "localhost", Origin: "https://evil.example.com"}, auth, cred, *opts)})
		wantPage(t, bad, http.StatusBadRequest, "passkey-register")
		raw, _ = elementText(t, bad.body, "passkey-options")
		if opts, err = virtualwebauthn.ParseAttestationOptions(raw); err != nil {
			t.Fatal(err)
		}
		done := b.submit(bad, map[string]string{"credential": virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *opts)})
		if c := a.redeem(t, done, verifier, "k2"); c["username"] != "alice" {
			t.Fatalf("tokens for %v", c["username"])
		}
		auth.AddCredential(cred)
		// With a passkey, the next password sign-in goes straight back to the client.
		b2 := newBrowser(t, e)
		v2, c2 := pkce()
		a.redeem(t, b2.signInAt(a.authorizeURL(c2, "k3", nil), a.user, a.pass), v2, "k3")
	})

	t.Run("signed in with the passkey", func(t *testing.T) {
		if auth.Credentials == nil {
			t.Skip("no passkey registered")
		}
		b := newBrowser(t, e)
		verifier, challenge := pkce()
		login := b.follow(b.get(a.authorizeURL(challenge, "k4", nil)))
		href := link(t, login.body, "/passkey")
		if href == "" {
			t.Fatalf("no passkey link on the sign-in page:\n%s", login.body)
		}
		first := b.get(href)
		wantPage(t, first, http.StatusOK, "passkey")
		if _, ok := elementText(t, first.body, "passkey-options"); ok {
			t.Error("options before the username")
		}
		ask := b.submit(first, map[string]string{"username": a.user})
		wantPage(t, ask, http.StatusOK, "passkey")
		raw, ok := elementText(t, ask.body, "passkey-options")
		if !ok {
			t.Fatalf("no request options:\n%s", ask.body)
		}
		opts, err := virtualwebauthn.ParseAssertionOptions(raw)
		if err != nil {
			t.Fatalf("request options %s: %v", raw, err)
		}
		cred.Counter++
		done := b.submit(ask, map[string]string{"credential": virtualwebauthn.CreateAssertionResponse(rp, auth, cred, *opts)})
		if c := a.redeem(t, done, verifier, "k4"); c["username"] != "alice" {
			t.Fatalf("tokens for %v", c["username"])
		}
	})

	t.Run("an unknown name gets options no passkey answers", func(t *testing.T) {
		b := newBrowser(t, e)
		_, challenge := pkce()
		login := b.follow(b.get(a.authorizeURL(challenge, "k5", nil)))
		ask := b.submit(b.get(link(t, login.body, "/passkey")), map[string]string{"username": "nobody"})
		wantPage(t, ask, http.StatusOK, "passkey")
		raw, _ := elementText(t, ask.body, "passkey-options")
		opts, err := virtualwebauthn.ParseAssertionOptions(raw)
		if err != nil || len(opts.AllowCredentials) != 1 {
			t.Fatalf("request options for nobody %s: %v", raw, err)
		}
		cred.Counter++
		p := b.submit(ask, map[string]string{"credential": virtualwebauthn.CreateAssertionResponse(rp, auth, cred, *opts)})
		wantPage(t, p, http.StatusBadRequest, "passkey")
		if !strings.Contains(errorText(t, p), "Incorrect username or password") {
			t.Errorf("error %q", errorText(t, p))
		}
	})
}
