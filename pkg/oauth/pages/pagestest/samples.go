// Package pagestest holds sample pages: one of each kind with the data a real flow would put
// in, for the pages' own tests, for screenshots (cmd/pagesshot) and for the flows' tests to
// compare against.
package pagestest

import (
	"html/template"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
)

// Sample is a page of kind k in lang, filled as its flow would fill it, with a CSRF token and
// every link the page may show. The TOTP secret and URI are made up.
func Sample(k pages.Kind, lang string) pages.Page {
	const q = "?client_id=example&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"
	p := pages.Page{
		Kind:        k,
		Lang:        lang,
		Action:      "/" + string(k) + q,
		CSRF:        "c3JmLXRva2VuLXNhbXBsZQ",
		RedirectURI: "https://app.example.com/cb",
	}
	switch k {
	case pages.Login:
		p.Links = pages.Links{SignUp: "/signup" + q, ForgotPassword: "/forgotPassword" + q, Passwordless: "/passwordless" + q, Passkey: "/passkey" + q}
	case pages.SignUp:
		p.Fields = []pages.Field{
			{Name: "email", Type: "email", Required: true},
			{Name: "given_name", Required: true},
			{Name: "custom:team", Label: "Team"},
		}
		p.Links = pages.Links{SignIn: "/login" + q}
	case pages.Confirm:
		p.ResendAction = "/confirm/resend" + q
		p.Notice = pages.Message{Key: pages.MsgCodeSentEmail, Args: []any{"a***@e***.com"}}
	case pages.ForgotPassword:
		p.Links = pages.Links{SignIn: "/login" + q}
	case pages.ResetPassword:
		p.Notice = pages.Message{Key: pages.MsgCodeSentEmail, Args: []any{"a***@e***.com"}}
	case pages.NewPassword:
		p.Fields = []pages.Field{{Name: "name", Required: true}}
	case pages.MFACode:
		p.MFA = pages.MFA{Method: "SMS_MFA", Destination: "+*******1234"}
		p.Error = pages.Message{Key: pages.MsgCodeMismatch}
	case pages.SelectMFA:
		p.MFA = pages.MFA{Options: []string{"SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"}}
	case pages.SetupTOTP:
		p.MFA = pages.MFA{
			Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
			URI:    "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example",
		}
	case pages.PasswordlessStart:
		p.Links = pages.Links{SignIn: "/login" + q}
	case pages.PasswordlessCode:
		p.MFA = pages.MFA{Method: "EMAIL_OTP", Destination: "a***@e***.com"}
	case pages.PasskeySignIn:
		p.Passkey = `{"publicKey":{"challenge":"3q2-7w","timeout":60000,"rpId":"localhost","userVerification":"preferred"}}`
		p.Links = pages.Links{SignIn: "/login" + q}
	case pages.PasskeyRegister:
		p.Passkey = `{"publicKey":{"challenge":"3q2-7w","rp":{"name":"Example","id":"localhost"},"user":{"id":"dXNlcg","name":"alice","displayName":"alice"},"pubKeyCredParams":[{"type":"public-key","alg":-7}]}}`
		p.Links = pages.Links{Skip: "/oauth2/authorize" + q}
	case pages.Error:
		p.Error = pages.Message{Key: pages.MsgInvalidRequest}
		p.Action = ""
	case pages.SignedOut:
		p.Links = pages.Links{SignIn: "/login" + q}
		p.Action = ""
	}
	return p
}

// Branded is a sample branding: a client's colours and CSS served at /branding.css, and a logo.
func Branded() pages.Branding {
	return pages.Branding{
		Colors:        map[string]string{"primary": "#6d28d9", "background": "#ede9fe"},
		CSS:           ".card { border-top: 4px solid var(--cg-primary); }\n",
		StylesheetURL: "/branding.css",
		Logo:          template.URL("data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHZpZXdCb3g9JzAgMCAxMjAgMzInPjxyZWN0IHdpZHRoPScxMjAnIGhlaWdodD0nMzInIHJ4PSc2JyBmaWxsPScjNmQyOGQ5Jy8+PHRleHQgeD0nNjAnIHk9JzIyJyBmb250LXNpemU9JzE2JyBmaWxsPScjZmZmJyB0ZXh0LWFuY2hvcj0nbWlkZGxlJyBmb250LWZhbWlseT0nc2Fucy1zZXJpZic+RXhhbXBsZTwvdGV4dD48L3N2Zz4="),
	}
}
