package mail

import (
	"errors"
	"fmt"
	"html"
	"strings"
)

// Placeholders Cognito substitutes in message bodies. Subjects are never substituted.
const (
	CodePlaceholder     = "{####}"     // the code, or the temporary password in invitations
	UsernamePlaceholder = "{username}" // invitations (AdminCreateUser) only
)

// Cognito's defaults, used for every Templates field left empty. Sources and confidence
// (§9.4 of the protocol notes; [O] observed in public reports, [I] inferred):
//   - verification body and subject: protocol §9.4; aws/aws-cdk#7597 quotes Cognito's own default
//     as "Your verification code is {####}. " (trailing ". "); the subject "Your verification code"
//     is observed on real Cognito mail (WikiWatershed/monitor-my-watershed#636) [O].
//   - forgot password without a custom verification template: a real Cognito email read
//     "Your password reset code is 039126" under the subject "Your verification code"
//     (WikiWatershed/monitor-my-watershed#636) [O]; the trailing ". " is assumed to match the
//     other defaults [I]. With a custom verification template Cognito uses that instead
//     (Developer Guide, "Configuring verification and invitation messages").
//   - invitation: protocol §9.4; subject "Your temporary password" as in the CDK's documented
//     mirror of Cognito's default (UserInvitationConfig) [I].
//   - authentication (MFA / sign-in OTP): SMS text from protocol §9.4 [I]; the email subject is
//     not documented anywhere we found [I].
const (
	DefaultVerificationSubject   = "Your verification code"
	DefaultVerificationMessage   = "Your verification code is {####}. "
	DefaultForgotPasswordMessage = "Your password reset code is {####}. "
	DefaultInviteSubject         = "Your temporary password"
	DefaultInviteMessage         = "Your username is {username} and temporary password is {####}. "
	DefaultAuthenticationSubject = "Your authentication code"
	DefaultAuthenticationMessage = "Your authentication code is {####}. "
)

// Templates are a pool's message templates; an empty field means Cognito's default.
//
//   - EmailSubject, EmailMessage, SMSMessage: VerificationMessageTemplate (code style). Used for
//     SignUp, ResendCode, ForgotPassword, UpdateUserAttribute and VerifyUserAttribute.
//   - Invite*: AdminCreateUserConfig.InviteMessageTemplate. Used for AdminCreateUser.
//   - SMSAuthenticationMessage (the pool's SmsAuthenticationMessage) and EmailAuthentication*
//     (EmailMfaConfiguration Message/Subject): used for Authentication.
//
// A CustomMessage trigger's answer is applied with WithOverride before Render.
type Templates struct {
	EmailSubject, EmailMessage, SMSMessage                   string
	InviteEmailSubject, InviteEmailMessage, InviteSMSMessage string
	SMSAuthenticationMessage                                 string
	EmailAuthenticationSubject, EmailAuthenticationMessage   string
}

// WithOverride returns t with the fields that Render reads for kind replaced by the non-empty
// arguments: how a CustomMessage trigger's emailSubject, emailMessage and smsMessage take effect
// (a null or empty answer keeps the pool's template, §7.3).
func (t Templates) WithOverride(kind Kind, emailSubject, emailMessage, smsMessage string) Templates {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	switch kind {
	case AdminCreateUser:
		set(&t.InviteEmailSubject, emailSubject)
		set(&t.InviteEmailMessage, emailMessage)
		set(&t.InviteSMSMessage, smsMessage)
	case Authentication:
		set(&t.EmailAuthenticationSubject, emailSubject)
		set(&t.EmailAuthenticationMessage, emailMessage)
		set(&t.SMSAuthenticationMessage, smsMessage)
	default:
		set(&t.EmailSubject, emailSubject)
		set(&t.EmailMessage, emailMessage)
		set(&t.SMSMessage, smsMessage)
	}
	return t
}

// Errors Render returns (wrapped, test with errors.Is).
var (
	ErrUnknownKind    = errors.New("mail: unknown message kind")
	ErrUnknownChannel = errors.New("mail: unknown channel")
	ErrNoCode         = errors.New("mail: no code to send")
	ErrNoUsername     = errors.New("mail: an invitation needs a username")
)

// Render picks the template for kind and channel (falling back to Cognito's defaults) and
// substitutes the code for {####} and, in invitations only, the username for {username}.
// For SMS the subject is empty. Subjects are returned as configured, never substituted.
//
// Bodies are plain text unless the template contains HTML (LooksLikeHTML); in an HTML email
// template the substituted values are HTML-escaped, so a temporary password with '<' or '&'
// reads correctly and a username cannot add markup.
//
// Render fails if the kind or channel is unknown, code is empty, an invitation has no username,
// or the chosen template lacks {####} (a message without its code must never go out; this
// catches a CustomMessage answer without the placeholder). Errors are plain; the caller maps them.
func Render(kind Kind, ch Channel, t Templates, username, code string) (subject, body string, err error) {
	subject, tpl, err := resolve(kind, ch, t)
	if err != nil {
		return "", "", err
	}
	if code == "" {
		return "", "", ErrNoCode
	}
	if kind == AdminCreateUser && username == "" {
		return "", "", ErrNoUsername
	}
	if !strings.Contains(tpl, CodePlaceholder) {
		return "", "", &TemplateError{Err: ErrMissingCode, Problem: "the message must contain the " + CodePlaceholder + " placeholder"}
	}
	if ch == Email && LooksLikeHTML(tpl) {
		username, code = html.EscapeString(username), html.EscapeString(code)
	}
	pairs := []string{CodePlaceholder, code}
	if kind == AdminCreateUser {
		pairs = append(pairs, UsernamePlaceholder, username)
	}
	// One pass: a username that itself contains "{####}" is not substituted again.
	return subject, strings.NewReplacer(pairs...).Replace(tpl), nil
}

// resolve returns the unsubstituted subject and body template for kind and channel.
func resolve(kind Kind, ch Channel, t Templates) (subject, body string, err error) {
	if !kind.Valid() {
		return "", "", fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	if !ch.Valid() {
		return "", "", fmt.Errorf("%w: %q", ErrUnknownChannel, ch)
	}
	var emailSubject, emailBody, smsBody string
	switch kind {
	case AdminCreateUser:
		emailSubject = or(t.InviteEmailSubject, DefaultInviteSubject)
		emailBody = or(t.InviteEmailMessage, DefaultInviteMessage)
		smsBody = or(t.InviteSMSMessage, DefaultInviteMessage)
	case Authentication:
		emailSubject = or(t.EmailAuthenticationSubject, DefaultAuthenticationSubject)
		emailBody = or(t.EmailAuthenticationMessage, DefaultAuthenticationMessage)
		smsBody = or(t.SMSAuthenticationMessage, DefaultAuthenticationMessage)
	case ForgotPassword:
		emailSubject = or(t.EmailSubject, DefaultVerificationSubject)
		emailBody = or(t.EmailMessage, DefaultForgotPasswordMessage)
		smsBody = or(t.SMSMessage, DefaultForgotPasswordMessage)
	default:
		emailSubject = or(t.EmailSubject, DefaultVerificationSubject)
		emailBody = or(t.EmailMessage, DefaultVerificationMessage)
		smsBody = or(t.SMSMessage, DefaultVerificationMessage)
	}
	if ch == SMS {
		return "", smsBody, nil
	}
	return emailSubject, emailBody, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// LooksLikeHTML reports whether s contains something shaped like an HTML tag, comment or
// doctype: '<' followed by a letter, '/' or '!', with a '>' somewhere after it. A sender uses it
// to choose between a text and an HTML part.
func LooksLikeHTML(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '<' || i+1 >= len(s) {
			continue
		}
		c := s[i+1]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' {
			if strings.IndexByte(s[i+2:], '>') >= 0 {
				return true
			}
		}
	}
	return false
}
