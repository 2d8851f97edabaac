// Package pages renders the hosted sign-in pages ("managed login", cognito-protocol.md §8):
// server-side html/template with embedded assets and no script framework, in the user's language,
// with the client's branding, under the headers WEB-01 and WEB-02 ask for. It owns how a page
// looks and reads, never what it does: pkg/oauth decides which page a request gets, fills a
// Page and handles the forms' answers.
//
// What the caller wires: Render for each page; AssetHandler mounted at StaticPrefix
// ("/static/", the stylesheet and passkey.js); BrandingCSS served at the URL it puts in
// Branding.StylesheetURL (a client's CSS is never inlined: style-src is 'self'); Negotiate for
// Page.Lang from the lang parameter and Accept-Language; SecurityHeaders on its own answers
// (redirects). The words live in one catalogue per language (catalogue_*.go), keyed by the
// Msg* constants for the flows' messages; Check reports keys a language lacks.
package pages

import "html/template"

// Kind names a hosted page.
type Kind string

// The hosted pages. Each form posts to Page.Action; the fields each posts are listed.
const (
	Login             Kind = "login"             // username, password; links: sign-up, forgot, passwordless, passkey
	SignUp            Kind = "signup"            // username, password, and Page.Fields (required attributes)
	Confirm           Kind = "confirm"           // code; a second form (Page.ResendAction) resends
	ForgotPassword    Kind = "forgot"            // username
	ResetPassword     Kind = "reset"             // code, password
	NewPassword       Kind = "new-password"      // password, and Page.Fields (attributes Cognito requires)
	MFACode           Kind = "mfa"               // code (Page.MFA.Method says which: SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP)
	SelectMFA         Kind = "select-mfa"        // method: one of Page.MFA.Options
	SetupTOTP         Kind = "setup-totp"        // code (Page.MFA.Secret and Page.MFA.URI shown, the URI as a QR code)
	SetupEmail        Kind = "setup-email"       // email
	RememberDevice    Kind = "remember-device"   // remember: "yes" or "no"
	PasswordlessStart Kind = "passwordless"      // username, method: EMAIL_OTP or SMS_OTP
	PasswordlessCode  Kind = "passwordless-code" // code
	PasskeySignIn     Kind = "passkey"           // username while Page.Passkey is empty; then credential (JSON the page's script fills from navigator.credentials.get)
	PasskeyRegister   Kind = "passkey-register"  // credential (JSON from navigator.credentials.create); a skip link
	Error             Kind = "error"             // no form; Page.Error says what went wrong
	SignedOut         Kind = "signed-out"        // no form
)

// Page is everything a hosted page shows. Strings are plain text: the templates escape them.
type Page struct {
	Kind Kind
	// Lang is the page's language, as Negotiate chose it.
	Lang string
	// Action is the path (with its query) the page's form posts to; ResendAction the confirm
	// page's second form (resend the code).
	Action       string
	ResendAction string
	// CSRF is the token each form carries in the hidden field "csrf".
	CSRF string
	// Error and Notice are shown above the form: a catalogue message (Key, with Args) or a text
	// from elsewhere shown as it is (Text: a trigger's refusal, Cognito's error message).
	Error  Message
	Notice Message
	// Values fills the form's fields again (username after a failed attempt), by field name.
	Values map[string]string
	// Fields are extra inputs the form asks for: sign-up's required attributes, the attributes
	// NEW_PASSWORD_REQUIRED needs.
	Fields []Field
	// Links are the other pages this one leads to (empty: not shown), each a path with the
	// authorize query kept.
	Links Links
	MFA   MFA
	// Passkey is the WebAuthn options (PublicKeyCredentialRequestOptions or ...CreationOptions)
	// as JSON, for the passkey pages' script.
	Passkey string
	// Branding is the client's look (zero: Cognate's default look).
	Branding Branding
	// RedirectURI is the client's redirect_uri, already matched, that a POST from this page may
	// end at (the 302/303 after sign-in). Its origin joins the CSP's form-action: Chromium checks
	// form-action against every redirect a form submission follows, so 'self' alone would block
	// the code's way back to the client. Empty: form-action is 'self' only.
	RedirectURI string
	// HTTPS says the page is served over https: Render then sends HSTS (WEB-01).
	HTTPS bool
}

// Message is a text for the user: Key in the catalogue (with Args), or Text as it is.
type Message struct {
	Key  string
	Args []any
	Text string
}

// Field is one extra input.
type Field struct {
	Name     string // the form field's name: the attribute name ("email", "custom:team")
	Label    string // shown; empty: the catalogue's label for Name, or Name itself
	Type     string // the input's type: text, email, tel, date
	Required bool
}

// Links lead to the other pages.
type Links struct {
	SignIn, SignUp, ForgotPassword, Passwordless, Passkey, Skip string
}

// MFA is what the second-factor pages show.
type MFA struct {
	Method      string   // SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP
	Destination string   // the masked phone number or address a code went to
	Options     []string // SELECT_MFA_TYPE's choices; on PasswordlessStart, the methods offered (empty: both)
	Secret      string   // TOTP set-up: the secret, shown for typing
	URI         string   // TOTP set-up: the otpauth:// URI the QR code encodes
}

// Branding is a client's look, from SetUICustomization or managed-login branding.
type Branding struct {
	// CSS is the client's checked CSS (UI customisation), served as a stylesheet, never inline.
	CSS string
	// Logo is the logo as a data: URI or a URL of this server; empty: no logo.
	Logo template.URL
	// Colors are the managed-login branding colours by role (for example "primary",
	// "background"), each a CSS colour already checked. BrandingCSS lists the roles the default
	// stylesheet reads.
	Colors map[string]string
	// StylesheetURL is where the caller serves BrandingCSS for this client (a path of this
	// server); the page links it after Cognate's stylesheet. Empty: no branding stylesheet.
	StylesheetURL string
}
