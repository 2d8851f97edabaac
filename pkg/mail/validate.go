package mail

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinels carried by *TemplateError (test with errors.Is).
var (
	ErrMissingCode     = errors.New("mail: template lacks the {####} placeholder")
	ErrMissingUsername = errors.New("mail: invitation template lacks the {username} placeholder")
	ErrLength          = errors.New("mail: template length out of range")
	ErrCharacters      = errors.New("mail: template has a character Cognito does not accept")
)

// Length limits of Cognito's template inputs, in UTF-16 code units as the service counts them.
const (
	MinMessageLen      = 6
	MaxEmailMessageLen = 20000
	MaxSMSMessageLen   = 140
	MinSubjectLen      = 1
	MaxSubjectLen      = 140
)

// TemplateError says why a template was refused. Its Error text is written to be shown to an
// API caller as the message of an InvalidParameterException; the caller does that mapping.
type TemplateError struct {
	// Field is the request member, e.g. "VerificationMessageTemplate.SmsMessage"; empty when
	// the template was checked on its own (ValidateTemplate, Render).
	Field string
	// Problem is a sentence for humans, e.g. "the message must contain the {####} placeholder".
	Problem string
	// Err is one of the sentinels above, or several joined.
	Err error
}

func (e *TemplateError) Error() string {
	if e.Field == "" {
		return "Invalid message template: " + e.Problem + "."
	}
	return "Invalid " + e.Field + ": " + e.Problem + "."
}

func (e *TemplateError) Unwrap() error { return e.Err }

// ValidateTemplate checks a custom message template the way Cognito checks it when a pool is
// created or updated:
//   - length 6 to 20,000 for email, 6 to 140 for SMS;
//   - email bodies only letters, marks, symbols, numbers, punctuation and whitespace (the API's
//     pattern [\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*); SMS bodies anything;
//   - {####} present; for AdminCreateUser also {username} (aws/aws-cdk#6484, #16905: "the user
//     invitation email body and sms message must have the template strings '{username}' and
//     '{####}'").
//
// The result is nil or a *TemplateError (or a wrapped ErrUnknownKind / ErrUnknownChannel).
// {username} in a non-invitation template is accepted, as Cognito accepts it (and then sends it
// literally).
func ValidateTemplate(kind Kind, ch Channel, tpl string) error {
	if !kind.Valid() {
		return fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	if !ch.Valid() {
		return fmt.Errorf("%w: %q", ErrUnknownChannel, ch)
	}
	maxLen := MaxEmailMessageLen
	if ch == SMS {
		maxLen = MaxSMSMessageLen
	}
	if n := utf16Len(tpl); n < MinMessageLen || n > maxLen {
		return &TemplateError{Err: ErrLength, Problem: fmt.Sprintf("the message must be %d to %d characters long, not %d", MinMessageLen, maxLen, n)}
	}
	if ch == Email {
		if err := checkChars(tpl); err != nil {
			return err
		}
	}
	var missing []string
	var errs []error
	if kind == AdminCreateUser && !strings.Contains(tpl, UsernamePlaceholder) {
		missing = append(missing, UsernamePlaceholder)
		errs = append(errs, ErrMissingUsername)
	}
	if !strings.Contains(tpl, CodePlaceholder) {
		missing = append(missing, CodePlaceholder)
		errs = append(errs, ErrMissingCode)
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return &TemplateError{Err: errs[0], Problem: "the message must contain the " + missing[0] + " placeholder"}
	default:
		return &TemplateError{Err: errors.Join(errs...), Problem: "the message must contain the " + strings.Join(missing, " and ") + " placeholders"}
	}
}

// ValidateSubject checks an email subject: 1 to 140 characters of letters, marks, symbols,
// numbers, punctuation and whitespace (the API's pattern [\p{L}\p{M}\p{S}\p{N}\p{P}\s]+).
// Placeholders are neither required nor substituted in subjects.
func ValidateSubject(subject string) error {
	if n := utf16Len(subject); n < MinSubjectLen || n > MaxSubjectLen {
		return &TemplateError{Err: ErrLength, Problem: fmt.Sprintf("the subject must be %d to %d characters long, not %d", MinSubjectLen, MaxSubjectLen, n)}
	}
	return checkChars(subject)
}

// Validate checks every non-empty field of t (empty means Cognito's default and is always
// valid). It returns nil, or one *TemplateError per bad field, joined, each naming its field.
func (t Templates) Validate() error {
	type check struct {
		field, value string
		subject      bool
		kind         Kind
		ch           Channel
	}
	checks := []check{
		{"VerificationMessageTemplate.EmailSubject", t.EmailSubject, true, "", ""},
		{"VerificationMessageTemplate.EmailMessage", t.EmailMessage, false, SignUp, Email},
		{"VerificationMessageTemplate.SmsMessage", t.SMSMessage, false, SignUp, SMS},
		{"AdminCreateUserConfig.InviteMessageTemplate.EmailSubject", t.InviteEmailSubject, true, "", ""},
		{"AdminCreateUserConfig.InviteMessageTemplate.EmailMessage", t.InviteEmailMessage, false, AdminCreateUser, Email},
		{"AdminCreateUserConfig.InviteMessageTemplate.SMSMessage", t.InviteSMSMessage, false, AdminCreateUser, SMS},
		{"SmsAuthenticationMessage", t.SMSAuthenticationMessage, false, Authentication, SMS},
		{"EmailMfaConfiguration.Subject", t.EmailAuthenticationSubject, true, "", ""},
		{"EmailMfaConfiguration.Message", t.EmailAuthenticationMessage, false, Authentication, Email},
	}
	var errs []error
	for _, c := range checks {
		if c.value == "" {
			continue
		}
		var err error
		if c.subject {
			err = ValidateSubject(c.value)
		} else {
			err = ValidateTemplate(c.kind, c.ch, c.value)
		}
		var te *TemplateError
		if errors.As(err, &te) {
			named := *te
			named.Field = c.field
			err = &named
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkChars enforces the character class [\p{L}\p{M}\p{S}\p{N}\p{P}\s] with Java's \s
// (space, \t, \n, \v, \f, \r): the service's regular expressions are Java's.
func checkChars(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return &TemplateError{Err: ErrCharacters, Problem: fmt.Sprintf("invalid UTF-8 at byte %d", i)}
			}
		}
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			continue
		}
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			return &TemplateError{Err: ErrCharacters, Problem: fmt.Sprintf("character %U is not allowed", r)}
		}
	}
	return nil
}

// utf16Len counts s the way Java's String.length does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
