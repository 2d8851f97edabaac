package pages

// INTERIM (never committed): replaced by the pages branch.

import (
	"fmt"
	"html"
	"net/http"
	"strings"
)

func Render(w http.ResponseWriter, status int, p Page) {
	SecurityHeaders(w.Header(), false)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html lang=%q><title>%s</title><h1>%s</h1>", p.Lang, p.Kind, p.Kind)
	if p.Error.Key != "" || p.Error.Text != "" {
		fmt.Fprintf(&b, "<p role=alert class=error>%s %s</p>", html.EscapeString(p.Error.Key), html.EscapeString(p.Error.Text))
	}
	if p.Notice.Key != "" || p.Notice.Text != "" {
		fmt.Fprintf(&b, "<p class=notice>%s %s</p>", html.EscapeString(p.Notice.Key), html.EscapeString(p.Notice.Text))
	}
	fields := map[Kind][]string{Login: {"username", "password"}, SignUp: {"username", "password"}, Confirm: {"code"}, ForgotPassword: {"username"},
		ResetPassword: {"code", "password"}, NewPassword: {"password"}, MFACode: {"code"}, SelectMFA: {"method"}, SetupTOTP: {"code"}, SetupEmail: {"email"}}
	if fs, ok := fields[p.Kind]; ok {
		fmt.Fprintf(&b, "<form method=post action=%q><input type=hidden name=csrf value=%q>", html.EscapeString(p.Action), html.EscapeString(p.CSRF))
		for _, f := range fs {
			fmt.Fprintf(&b, "<input name=%q value=%q>", f, html.EscapeString(p.Values[f]))
		}
		for _, f := range p.Fields {
			fmt.Fprintf(&b, "<input name=%q>", f.Name)
		}
		b.WriteString("<button type=submit>go</button></form>")
	}
	fmt.Fprintf(&b, "<p class=mfa>%s %s <code id=totp-secret>%s</code></p>", html.EscapeString(p.MFA.Method), html.EscapeString(p.MFA.Destination), html.EscapeString(p.MFA.Secret))
	_, _ = w.Write([]byte(b.String()))
}

func Negotiate(lang, accept string) string {
	if lang != "" {
		return lang
	}
	return "en"
}

func SecurityHeaders(h http.Header, https bool) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; frame-ancestors 'none'")
	if https {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}

func AssetHandler() http.Handler { return http.NotFoundHandler() }

const (
	MsgInvalidRequest = "invalid-request"
	MsgGeneric        = "generic"
	MsgSessionExpired = "session-expired"
	MsgSignedOut      = "signed-out"
	MsgCodeSent       = "code-sent"
	MsgConfirmed      = "confirmed"
	MsgPasswordReset  = "password-reset"
)

const (
	MsgIncorrectCredentials = "incorrect-credentials"
	MsgCodeMismatch         = "code-mismatch"
)
