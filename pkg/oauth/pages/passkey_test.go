package pages_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"github.com/cognatehq/cognate/infra/gate"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/descope/virtualwebauthn"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/oauth/pages/pagestest"
)

type passkeyUser struct {
	id    []byte
	creds []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.id }
func (u *passkeyUser) WebAuthnName() string                       { return "alice" }
func (u *passkeyUser) WebAuthnDisplayName() string                { return "Alice" }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// harnessResult is what testdata/passkey-harness.js reports.
type harnessResult struct {
	Submitted  bool   `json:"submitted"`
	Credential string `json:"credential"`
	Error      string `json:"error"`
	Seen       struct {
		Challenge        string   `json:"challenge"`
		UserID           string   `json:"userId"`
		AllowCredentials []string `json:"allowCredentials"`
	} `json:"seen"`
}

// runPasskeyScript renders p, runs the page's passkey.js under Node with the options block
// the page carries, and answers the browser call with browserAnswer (a credential as
// virtualwebauthn serialises it, standing in for the authenticator's ArrayBuffers).
func runPasskeyScript(t *testing.T, p pages.Page, browserAnswer string) harnessResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		gate.Missing(t, gate.Clients, "node (passkey.js is run under it)", err)
	}
	_, doc := render(t, http.StatusOK, p)
	var options, mode string
	for _, s := range doc.all("script") {
		if s.attrs["id"] == "passkey-options" {
			options = s.text.String()
		}
	}
	for _, f := range doc.all("form") {
		mode = f.attrs["data-mode"]
	}
	script, err := filepath.Abs("static/passkey.js")
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]any{
		"script": script, "options": options, "mode": mode, "credential": json.RawMessage(browserAnswer),
	})
	cmd := exec.Command(node, "testdata/passkey-harness.js")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var r harnessResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("harness output %q: %v", out, err)
	}
	return r
}

// submitted fails the test unless the script posted the form.
func submitted(t *testing.T, r harnessResult) harnessResult {
	t.Helper()
	if !r.Submitted || r.Error != "" {
		t.Fatalf("the form was not submitted (error %q)", r.Error)
	}
	return r
}

// TestPasskeyScriptFailures: a cancelled prompt or options that are not there leave the form
// unsent and say so, so the user can try again or take a link.
func TestPasskeyScriptFailures(t *testing.T) {
	for name, passkey := range map[string]string{
		"cancelled":  `{"publicKey":{"challenge":"AAAA","rpId":"localhost"}}`,
		"no options": "",
	} {
		t.Run(name, func(t *testing.T) {
			p := pagestest.Sample(pages.PasskeySignIn, "en")
			p.Passkey = passkey
			r := runPasskeyScript(t, p, "null")
			if r.Submitted || r.Error != "failed" || r.Credential != "" {
				t.Errorf("submitted %v, error %q, credential %q", r.Submitted, r.Error, r.Credential)
			}
		})
	}
}

// fullCredential avoids virtualwebauthn's short EC2 coordinates (see pkg/app/apptest).
func fullCredential() virtualwebauthn.Credential {
	for {
		if c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2); len(c.Key.AttestationData()) == 77 {
			return c
		}
	}
}

// TestPasskeyScriptRoundTrip registers and then signs in with a software authenticator through
// passkey.js: go-webauthn makes the options, the script turns them into the browser call and
// the answer into the "credential" field, and go-webauthn must accept what the form posts.
func TestPasskeyScriptRoundTrip(t *testing.T) {
	const origin = "https://localhost"
	wa, err := webauthn.New(&webauthn.Config{RPID: "localhost", RPDisplayName: "Example", RPOrigins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	user := &passkeyUser{id: []byte("user-handle-1")}
	rp := virtualwebauthn.RelyingParty{ID: "localhost", Name: "Example", Origin: origin}
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: user.id})
	cred := fullCredential()

	creation, session, err := wa.BeginRegistration(user)
	if err != nil {
		t.Fatal(err)
	}
	optsJSON, _ := json.Marshal(creation)
	p := pagestest.Sample(pages.PasskeyRegister, "en")
	p.Passkey = string(optsJSON)
	attOpts, err := virtualwebauthn.ParseAttestationOptions(p.Passkey)
	if err != nil {
		t.Fatal(err)
	}
	r := submitted(t, runPasskeyScript(t, p, virtualwebauthn.CreateAttestationResponse(rp, auth, cred, *attOpts)))
	if r.Seen.Challenge != creation.Response.Challenge.String() || r.Seen.UserID != base64.RawURLEncoding.EncodeToString(user.id) {
		t.Errorf("the browser was asked with challenge %q user %q", r.Seen.Challenge, r.Seen.UserID)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.Credential))
	if err != nil {
		t.Fatalf("go-webauthn cannot parse the registration %s: %v", r.Credential, err)
	}
	c, err := wa.CreateCredential(user, *session, parsed)
	if err != nil {
		t.Fatalf("registration refused: %v", err)
	}
	if len(c.Transport) != 1 || c.Transport[0] != "internal" {
		t.Errorf("transports %v", c.Transport)
	}
	user.creds = append(user.creds, *c)
	auth.AddCredential(cred)

	assertion, session, err := wa.BeginLogin(user)
	if err != nil {
		t.Fatal(err)
	}
	optsJSON, _ = json.Marshal(assertion)
	p = pagestest.Sample(pages.PasskeySignIn, "en")
	p.Passkey = string(optsJSON)
	asOpts, err := virtualwebauthn.ParseAssertionOptions(p.Passkey)
	if err != nil {
		t.Fatal(err)
	}
	r = submitted(t, runPasskeyScript(t, p, virtualwebauthn.CreateAssertionResponse(rp, auth, cred, *asOpts)))
	if len(r.Seen.AllowCredentials) != 1 || r.Seen.AllowCredentials[0] != base64.RawURLEncoding.EncodeToString(c.ID) {
		t.Errorf("allowCredentials %v", r.Seen.AllowCredentials)
	}
	parsedLogin, err := protocol.ParseCredentialRequestResponseBytes([]byte(r.Credential))
	if err != nil {
		t.Fatalf("go-webauthn cannot parse the assertion %s: %v", r.Credential, err)
	}
	if _, err := wa.ValidateLogin(user, *session, parsedLogin); err != nil {
		t.Fatalf("sign-in refused: %v", err)
	}
}
