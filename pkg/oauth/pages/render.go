package pages

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed templates/*.html
var templateFS embed.FS

// Kinds lists every page kind, in the order the sign-in journey meets them.
func Kinds() []Kind {
	return []Kind{
		Login, SignUp, Confirm, ForgotPassword, ResetPassword, NewPassword, MFACode, SelectMFA,
		SetupTOTP, SetupEmail, RememberDevice, PasswordlessStart, PasswordlessCode, PasskeySignIn,
		PasskeyRegister, Error, SignedOut,
	}
}

// templates holds one template set per kind: the base layout and its parts, cloned, with the
// kind's own "content". Parsed once at start-up; a broken template stops the program there
// rather than at a user's first request.
var templates = parseTemplates()

func parseTemplates() map[Kind]*template.Template {
	base := template.Must(template.ParseFS(templateFS, "templates/base.html", "templates/parts.html"))
	m := make(map[Kind]*template.Template)
	for _, k := range Kinds() {
		t := template.Must(base.Clone())
		m[k] = template.Must(t.ParseFS(templateFS, "templates/"+string(k)+".html"))
	}
	return m
}

// Render writes p as a complete HTML page with status and the headers of SecurityHeaders (the
// CSP's form-action widened to p.RedirectURI's origin). A kind it does not know renders the
// error page with status 500: the flows' bug must not become a blank or half-written page.
func Render(w http.ResponseWriter, status int, p Page) {
	if _, ok := templates[p.Kind]; !ok {
		p = Page{Kind: Error, Lang: p.Lang, Error: Message{Key: MsgGenericError}, HTTPS: p.HTTPS, Branding: p.Branding}
		status = http.StatusInternalServerError
	}
	body, _, err := render(p)
	h := w.Header()
	SecurityHeaders(h, p.HTTPS)
	if err != nil {
		// Only a template bug gets here, and the tests render every kind in every language.
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Internal Server Error\n"))
		return
	}
	h.Set("Content-Security-Policy", policy(p.RedirectURI))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Check renders p and reports what Render would hide: the catalogue keys the page needs and
// its language lacks (as "lang:key"; English stands in for them on the wire), and a template
// error. The tests of every page-filling flow can assert both are empty.
func Check(p Page) (missing []string, err error) {
	_, missing, err = render(p)
	return missing, err
}

// render executes p's templates. missing lists the catalogue keys the page asked for and its
// language lacks (English stood in for them): empty for a complete catalogue, which the tests
// demand for every kind in every language.
func render(p Page) (body []byte, missing []string, err error) {
	t, ok := templates[p.Kind]
	if !ok {
		return nil, nil, fmt.Errorf("pages: unknown kind %q", p.Kind)
	}
	p.Lang = Negotiate(p.Lang, "")
	v := &view{Page: p, cat: catalogues[p.Lang]}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", v); err != nil {
		return nil, v.missing, fmt.Errorf("pages: rendering %s: %w", p.Kind, err)
	}
	return clean(buf.Bytes()), v.missing, nil
}

// clean makes the page text HTML allows: the page says charset=utf-8, and HTML forbids the C0
// controls other than whitespace, so a stray byte from a trigger's text or a submitted value
// becomes U+FFFD here rather than whatever each browser makes of it. The templates hold none.
func clean(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return utf8.RuneError
		}
		return r
	}, bytes.ToValidUTF8(b, []byte(string(utf8.RuneError))))
}

// SecurityHeaders sets the headers every hosted-UI answer carries (WEB-01): no caching, a CSP
// that allows only this server's own scripts, styles and images (and data: images: the logo and
// the TOTP QR code may be data: URIs), no framing, no sniffing, no referrer, and HSTS when the
// answer goes out over https. Redirects from the hosted pages call it too.
func SecurityHeaders(h http.Header, https bool) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Security-Policy", policy(""))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if https {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// policy is the pages' CSP. form-action names the client's redirect origin beside 'self'
// because Chromium enforces form-action on the redirects that follow a form's POST: with 'self'
// alone, the login POST's 302 to redirect_uri?code=... is blocked and the user is left on a
// blank page (checked with Chromium 156 on a POST that 302s to another origin). Dropping
// form-action altogether would let injected markup post the user's password anywhere; naming
// the one origin the flow redirects to keeps that closed.
func policy(redirectURI string) string {
	formAction := "'self'"
	if src := formSource(redirectURI); src != "" {
		formAction += " " + src
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"form-action " + formAction + "; base-uri 'none'; frame-ancestors 'none'"
}

// formSource is the CSP source expression for a redirect URI: its origin for http(s), its
// scheme for a native app's custom scheme (myapp://callback gives myapp:). Anything a source
// expression cannot carry safely — a space or a semicolon would add directives, an IPv6 or
// non-ASCII host has no CSP form — gives "", leaving form-action at 'self'.
func formSource(redirectURI string) string {
	if redirectURI == "" {
		return ""
	}
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if !isToken(scheme, "abcdefghijklmnopqrstuvwxyz0123456789+.-") {
		return ""
	}
	if scheme != "http" && scheme != "https" {
		return scheme + ":"
	}
	if u.Host == "" || !isToken(strings.ToLower(u.Host), "abcdefghijklmnopqrstuvwxyz0123456789.-:") {
		return ""
	}
	return scheme + "://" + strings.ToLower(u.Host)
}

func isToken(s, allowed string) bool {
	for _, r := range s {
		if !strings.ContainsRune(allowed, r) {
			return false
		}
	}
	return s != ""
}

// headings is each page's h1 (and title).
var headings = map[Kind]string{
	Login: "login.heading", SignUp: "signup.heading", Confirm: "confirm.heading",
	ForgotPassword: "forgot.heading", ResetPassword: "reset.heading",
	NewPassword: "new-password.heading", MFACode: "mfa.heading", SelectMFA: "select-mfa.heading",
	SetupTOTP: "setup-totp.heading", SetupEmail: "setup-email.heading",
	RememberDevice: "remember-device.heading", PasswordlessStart: "passwordless.heading",
	PasswordlessCode: "passwordless-code.heading", PasskeySignIn: "passkey.heading",
	PasskeyRegister: "passkey-register.heading", Error: "error.heading",
	SignedOut: "signed-out.heading",
}

// view is what the templates see: the Page and the words of its language. It lives for one
// rendering, so recording missing keys in it needs no lock.
type view struct {
	Page
	cat     map[string]string
	missing []string
}

// T is the catalogue text for key, formatted with args when there are any (a text without
// args is shown as written, so a "%" in it needs no escaping).
func (v *view) T(key string, args ...any) string {
	s, ok := v.cat[key]
	if !ok {
		v.missing = append(v.missing, v.Lang+":"+key)
		if s, ok = catalogueEN[key]; !ok {
			s = key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Msg is m's text: Text as it is, or Key from the catalogue.
func (v *view) Msg(m Message) string {
	if m.Text != "" {
		return m.Text
	}
	if m.Key == "" {
		return ""
	}
	return v.T(m.Key, m.Args...)
}

// Heading is the page's h1.
func (v *view) Heading() string { return v.T(headings[v.Kind]) }

// Stylesheet and Script are the assets' URLs, versioned by content so they can be cached for
// a year and still change with a release.
func (v *view) Stylesheet() string { return assetURL("cognate.css") }
func (v *view) Script() string     { return assetURL("passkey.js") }

// HasScript says the page needs passkey.js: a passkey page with its options (the passkey
// sign-in's first step, the username, has none).
func (v *view) HasScript() bool {
	return (v.Kind == PasskeySignIn || v.Kind == PasskeyRegister) && v.Passkey != ""
}

// HasLinks says the links list has something to show.
func (v *view) HasLinks() bool {
	l := v.Links
	return l.SignIn != "" || l.SignUp != "" || l.ForgotPassword != "" || l.Passwordless != "" || l.Passkey != ""
}

// input is one labelled form control, as the "input" template draws it.
type input struct {
	ID, Name, Label, Type, Autocomplete, InputMode, Value, DescribedBy string
	Required, Plain, Autofocus                                         bool
	Optional                                                           string
}

// In is the input for one of the standard fields (username, password, code, email), set up
// for password managers and phone keyboards: autocomplete tells current from new passwords and
// marks one-time codes, inputmode brings up digits for codes.
func (v *view) In(name string) input {
	in := input{ID: "f-" + name, Name: name, Type: "text", Required: true, DescribedBy: v.describedBy()}
	switch name {
	case "username":
		in.Label, in.Autocomplete, in.Plain = v.T("label.username"), "username", true
		in.Value = v.Values["username"]
		in.Autofocus = in.Value == ""
	case "password":
		in.Type = "password"
		if v.Kind == Login {
			in.Label, in.Autocomplete = v.T("label.password"), "current-password"
			in.Autofocus = v.Values["username"] != ""
		} else {
			in.Label, in.Autocomplete = v.T("label.new-password"), "new-password"
			in.Autofocus = v.Kind == NewPassword
		}
	case "code":
		in.Label, in.Autocomplete, in.InputMode, in.Plain = v.T("label.code"), "one-time-code", "numeric", true
		in.Autofocus = true
	case "email":
		in.Type, in.Label, in.Autocomplete, in.Plain = "email", v.T("label.email"), "email", true
		in.Value = v.Values["email"]
		in.Autofocus = true
	default:
		in.Label = name
	}
	return in
}

// Extra is the inputs for Page.Fields.
func (v *view) Extra() []input {
	ins := make([]input, 0, len(v.Fields))
	for _, f := range v.Fields {
		in := input{
			ID: "f-" + fieldID(f.Name), Name: f.Name, Type: "text", Label: f.Label,
			Required: f.Required, Value: v.Values[f.Name], DescribedBy: v.describedBy(),
			Autocomplete: autocomplete[f.Name],
		}
		switch f.Type {
		case "email", "tel", "date":
			in.Type = f.Type
		}
		if in.Label == "" {
			in.Label = f.Name
			if s, ok := v.cat["attr."+f.Name]; ok {
				in.Label = s
			}
		}
		if !f.Required {
			in.Optional = v.T("label.optional")
		}
		ins = append(ins, in)
	}
	return ins
}

// autocomplete maps Cognito's standard attributes to the HTML autofill tokens browsers fill.
var autocomplete = map[string]string{
	"email": "email", "phone_number": "tel", "given_name": "given-name",
	"family_name": "family-name", "middle_name": "additional-name", "name": "name",
	"nickname": "nickname", "birthdate": "bday", "address": "street-address",
	"gender": "sex", "locale": "language", "preferred_username": "username",
	"website": "url", "picture": "photo", "profile": "url",
}

// fieldID makes an element id of an attribute name ("custom:team" gives "custom-team").
func fieldID(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '-'
	}, name)
}

// describedBy ties the inputs to the error summary, so a screen reader reads the error with
// the field it is about.
func (v *view) describedBy() string {
	if v.Error.Key != "" || v.Error.Text != "" {
		return "page-error"
	}
	return ""
}

// ErrorID is the error summary's id when the page shows one.
func (v *view) ErrorID() string { return v.describedBy() }

// MFAText says where the code went.
func (v *view) MFAText() string {
	switch v.MFA.Method {
	case "SOFTWARE_TOKEN_MFA":
		return v.T("mfa.text.totp")
	case "SMS_MFA", "SMS_OTP":
		if v.MFA.Destination != "" {
			return v.T("mfa.text.sms", v.MFA.Destination)
		}
	case "EMAIL_OTP":
		if v.MFA.Destination != "" {
			return v.T("mfa.text.email", v.MFA.Destination)
		}
	}
	return v.T("mfa.text.other")
}

// option is one choice of a radio group or one submit button.
type option struct {
	ID, Value, Label string
}

// MFAOptions are SELECT_MFA_TYPE's choices.
func (v *view) MFAOptions() []option {
	opts := make([]option, 0, len(v.MFA.Options))
	for _, o := range v.MFA.Options {
		opts = append(opts, option{ID: "method-" + fieldID(o), Value: o, Label: v.T("mfa.option." + o)})
	}
	return opts
}

// PasswordlessMethods are the passwordless page's buttons: MFA.Options when the flow narrowed
// them (the pool allows only one), else both.
func (v *view) PasswordlessMethods() []option {
	methods := []string{"EMAIL_OTP", "SMS_OTP"}
	if len(v.MFA.Options) > 0 {
		methods = v.MFA.Options
	}
	var opts []option
	for _, m := range methods {
		switch m {
		case "EMAIL_OTP":
			opts = append(opts, option{Value: m, Label: v.T("button.send-email")})
		case "SMS_OTP":
			opts = append(opts, option{Value: m, Label: v.T("button.send-sms")})
		}
	}
	return opts
}

// PasskeyOptions is Page.Passkey for the page's JSON block. The template escapes it for the
// script element (a "</script>" inside a string cannot end the block); text that is not JSON
// becomes null, which the script reports as a failure instead of running on garbage.
func (v *view) PasskeyOptions() json.RawMessage {
	if !json.Valid([]byte(v.Passkey)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(v.Passkey)
}

// QR is the TOTP set-up URI as an inline SVG; empty when there is no URI or it is too long
// for a QR code (the secret is shown as text either way).
func (v *view) QR() template.HTML {
	if v.MFA.URI == "" {
		return ""
	}
	svg, err := qrSVG(v.MFA.URI)
	if err != nil {
		return ""
	}
	return svg
}

// SecretGroups is the TOTP secret in groups of four, easier to type; authenticator apps
// ignore the spaces.
func (v *view) SecretGroups() string {
	s := v.MFA.Secret
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
