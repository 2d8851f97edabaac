package local

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool"
)

// The ready pool's hosted UI, tried in a browser: `cognate serve` prints a sign-in URL for the
// ready client (DemoPaths), the hosted pages sign the user up or in, and the client's callback
// here redeems the code — with the PKCE verifier whose challenge the printed URL carries — and
// shows who signed in, with a sign-out link. Local only: the ready client is the only one whose
// callbacks point here.
const (
	DemoSignedInPath  = "/_local/signed-in"
	DemoSignedOutPath = "/_local/signed-out"
)

// demoCallbacks are the ready client's callback and logout URLs: loopback, so any port of the
// server matches (RFC 8252 §7.3, oauth.MatchRedirect).
var (
	demoCallbacks = []string{"http://localhost" + DemoSignedInPath, "http://127.0.0.1" + DemoSignedInPath}
	demoLogouts   = []string{"http://localhost" + DemoSignedOutPath, "http://127.0.0.1" + DemoSignedOutPath}
)

// Demo is the ready client's side of the hosted sign-in.
type Demo struct {
	svc      *userpool.Service
	verifier string
}

func newDemo(svc *userpool.Service) (*Demo, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &Demo{svc: svc, verifier: base64.RawURLEncoding.EncodeToString(b[:])}, nil
}

// SignInURL is the hosted sign-in of the ready client on the server at base (http://host:port).
func (d *Demo) SignInURL(base string) string {
	sum := sha256.Sum256([]byte(d.verifier))
	q := url.Values{"client_id": {ReadyClientID}, "response_type": {"code"}, "scope": {"openid email profile aws.cognito.signin.user.admin"},
		"redirect_uri": {base + DemoSignedInPath}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "state": {"cognate-local"}}
	return base + "/login?" + q.Encode()
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cognate: {{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>{{.Title}}</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
{{if .Claims}}<p>The ready client redeemed the code at <code>/oauth2/token</code>. The ID token says:</p>
<pre>{{.Claims}}</pre>
<p><a href="{{.SignOut}}">Sign out</a></p>{{end}}
{{if .SignIn}}<p><a href="{{.SignIn}}">Sign in again</a></p>{{end}}
</body></html>
`))

type demoView struct {
	Title, Error, Claims string
	SignOut, SignIn      template.URL
}

// Handler serves the callback and the signed-out page.
func (d *Demo) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		base := "http://" + r.Host
		v := demoView{SignIn: template.URL(d.SignInURL(base))}
		switch r.URL.Path {
		case DemoSignedOutPath:
			v.Title = "Signed out"
		default:
			v.Title = "Signed in"
			q := r.URL.Query()
			if e := q.Get("error"); e != "" {
				v.Title, v.Error = "Not signed in", e+": "+q.Get("error_description")
				break
			}
			t, err := d.svc.RedeemCode(r.Context(), userpool.RedeemCodeInput{ClientID: ReadyClientID, Code: q.Get("code"),
				RedirectURI: base + DemoSignedInPath, Verifier: d.verifier})
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				v.Title, v.Error = "Not signed in", err.Error()
				break
			}
			v.Claims = claimsOf(t.IDToken)
			v.SignOut = template.URL(base + "/logout?" + url.Values{"client_id": {ReadyClientID}, "logout_uri": {base + DemoSignedOutPath}}.Encode())
		}
		_ = demoPage.Execute(w, v)
	})
}

// claimsOf shows a JWT's payload, indented; the token was just minted here, so it is read
// without verifying it again.
func claimsOf(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	out, _ := json.MarshalIndent(m, "", "  ")
	return string(out)
}
