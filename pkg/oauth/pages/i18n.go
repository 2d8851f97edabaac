package pages

import (
	"strconv"
	"strings"
)

// Message keys the flows put in Page.Error and Page.Notice. The English texts follow Cognito's
// own where Cognito has one ("Incorrect username or password."), so users and support scripts
// see the words they know.
const (
	MsgIncorrectCredentials     = "incorrect-credentials"      // NotAuthorizedException at sign-in
	MsgUserNotConfirmed         = "user-not-confirmed"         // UserNotConfirmedException
	MsgPasswordAttemptsExceeded = "password-attempts-exceeded" // the lockout answer
	MsgLimitExceeded            = "limit-exceeded"             // LimitExceededException (codes sent, attempts)
	MsgCodeMismatch             = "code-mismatch"              // CodeMismatchException
	MsgCodeExpired              = "code-expired"               // ExpiredCodeException
	MsgPasswordPolicy           = "password-policy"            // InvalidPasswordException; Args: the reason text
	MsgPasswordsDoNotMatch      = "passwords-do-not-match"     // a second password field that differs
	MsgUserExists               = "user-exists"                // UsernameExistsException
	MsgGenericError             = "generic-error"              // anything else; the cause goes to the log
	MsgInvalidRequest           = "invalid-request"            // bad client, redirect_uri or parameters (the error page)
	MsgSessionExpired           = "session-expired"            // the sign-in session (challenge) ran out
	MsgFormExpired              = "form-expired"               // a POST whose csrf token does not match
	MsgSignedOut                = "signed-out"                 // after /logout
	MsgCodeSent                 = "code-sent"                  // Args: the masked destination
	MsgCodeSentEmail            = "code-sent-email"            // Args: the masked address
	MsgCodeSentSMS              = "code-sent-sms"              // Args: the masked phone number
	MsgPasswordReset            = "password-reset"             // ConfirmForgotPassword succeeded
	MsgAccountConfirmed         = "account-confirmed"          // ConfirmSignUp succeeded
	MsgPasskeyAdded             = "passkey-added"              // CompleteWebAuthnRegistration succeeded
	MsgMFASetupDone             = "mfa-setup-done"             // VerifySoftwareToken succeeded
	MsgMethodUnavailable        = "method-unavailable"         // a passwordless or passkey sign-in the user cannot use
)

// languages are the page languages, English first: the fallback for a language nobody asked
// for and for a key a catalogue lacks. The codes are Cognito's lang values.
var languages = []string{"en", "de", "es", "fr", "ja"}

var catalogues = map[string]map[string]string{
	"en": catalogueEN,
	"de": catalogueDE,
	"es": catalogueES,
	"fr": catalogueFR,
	"ja": catalogueJA,
}

// Languages lists the languages the pages are written in, English first.
func Languages() []string { return append([]string(nil), languages...) }

// maxAcceptLanguage bounds the work one header costs; real browsers send a few dozen bytes.
const maxAcceptLanguage = 4096

// Negotiate chooses a page language: lang (the lang query parameter, as Cognito reads it) when
// the pages speak it, else the best Accept-Language match by q-value (the earlier range wins a
// tie), else "en". A region the pages lack falls back to its language ("de-AT" gives "de").
func Negotiate(lang, acceptLanguage string) string {
	if l, ok := match(lang); ok {
		return l
	}
	if len(acceptLanguage) > maxAcceptLanguage {
		acceptLanguage = acceptLanguage[:maxAcceptLanguage]
	}
	best, bestQ := "", 0.0
	for rest := acceptLanguage; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		tag, q := parseRange(part)
		if q <= bestQ {
			continue
		}
		if l, ok := match(tag); ok {
			best, bestQ = l, q
		}
	}
	if best != "" {
		return best
	}
	return "en"
}

// parseRange reads one Accept-Language entry ("de-CH;q=0.8"). A q that does not parse or is out
// of [0, 1] counts as 0: not acceptable, rather than guessing what the sender meant.
func parseRange(part string) (string, float64) {
	tag, params, _ := strings.Cut(part, ";")
	q := 1.0
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.TrimSpace(k) != "q" {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return "", 0
		}
		q = f
	}
	return strings.TrimSpace(tag), q
}

// match finds the page language for a language tag: the tag itself, or its primary subtag.
func match(tag string) (string, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	for _, l := range languages {
		if l == tag || l == primary {
			return l, true
		}
	}
	return "", false
}
