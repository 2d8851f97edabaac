package mail_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/mail"
)

func TestValidateTemplate(t *testing.T) {
	emoji := "😀" // two UTF-16 units, as Cognito counts it
	tests := []struct {
		name string
		kind mail.Kind
		ch   mail.Channel
		tpl  string
		want []error // nil: valid
	}{
		{"default verification", mail.SignUp, mail.Email, mail.DefaultVerificationMessage, nil},
		{"default forgot password", mail.ForgotPassword, mail.SMS, mail.DefaultForgotPasswordMessage, nil},
		{"default invitation email", mail.AdminCreateUser, mail.Email, mail.DefaultInviteMessage, nil},
		{"default invitation sms", mail.AdminCreateUser, mail.SMS, mail.DefaultInviteMessage, nil},
		{"default authentication", mail.Authentication, mail.SMS, mail.DefaultAuthenticationMessage, nil},
		{"exactly {####}", mail.SignUp, mail.SMS, "{####}", nil},
		{"HTML email", mail.SignUp, mail.Email, "<p>Code:\r\n\t<b>{####}</b></p>", nil},
		{"unicode email", mail.SignUp, mail.Email, "Votre code est {####}. Ünïcödé ✓ 你好 " + emoji, nil},
		{"username in a verification template is accepted", mail.SignUp, mail.Email, "Hi {username}, code {####}", nil},
		{"sms may hold control characters", mail.SignUp, mail.SMS, "code\x07 {####}", nil},
		{"email at 20000", mail.SignUp, mail.Email, "{####}" + strings.Repeat("a", 19994), nil},
		{"sms at 140", mail.SignUp, mail.SMS, "{####}" + strings.Repeat("a", 134), nil},
		{"sms at 140 counting emoji as two", mail.SignUp, mail.SMS, "{####}" + strings.Repeat(emoji, 67), nil},

		{"verification without code", mail.SignUp, mail.Email, "Welcome aboard", []error{mail.ErrMissingCode}},
		{"sms without code", mail.VerifyUserAttribute, mail.SMS, "Your code is ####", []error{mail.ErrMissingCode}},
		{"invitation without username", mail.AdminCreateUser, mail.Email, "Your password is {####}", []error{mail.ErrMissingUsername}},
		{"invitation without code", mail.AdminCreateUser, mail.SMS, "Hello {username}", []error{mail.ErrMissingCode}},
		{"invitation without either", mail.AdminCreateUser, mail.Email, "Hello there", []error{mail.ErrMissingCode, mail.ErrMissingUsername}},
		{"empty", mail.SignUp, mail.Email, "", []error{mail.ErrLength}},
		{"five characters", mail.SignUp, mail.SMS, "{###}", []error{mail.ErrLength}},
		{"email at 20001", mail.SignUp, mail.Email, "{####}" + strings.Repeat("a", 19995), []error{mail.ErrLength}},
		{"sms at 141", mail.SignUp, mail.SMS, "{####}" + strings.Repeat("a", 135), []error{mail.ErrLength}},
		{"sms at 141 counting emoji as two", mail.SignUp, mail.SMS, "{####}a" + strings.Repeat(emoji, 67), []error{mail.ErrLength}},
		{"email with NUL", mail.SignUp, mail.Email, "code {####}\x00", []error{mail.ErrCharacters}},
		{"email with no-break space", mail.SignUp, mail.Email, "code\u00a0{####}", []error{mail.ErrCharacters}},
		{"email with invalid UTF-8", mail.SignUp, mail.Email, "code {####} \xff", []error{mail.ErrCharacters}},
		{"unknown kind", mail.Kind("Welcome"), mail.Email, "{####}", []error{mail.ErrUnknownKind}},
		{"unknown channel", mail.SignUp, mail.Channel("FAX"), "{####}", []error{mail.ErrUnknownChannel}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mail.ValidateTemplate(tc.kind, tc.ch, tc.tpl)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidateTemplate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("ValidateTemplate accepted it")
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v is not %v", err, w)
				}
			}
		})
	}
}

func TestTemplateErrorText(t *testing.T) {
	err := mail.ValidateTemplate(mail.AdminCreateUser, mail.SMS, "Hello there")
	if got, want := err.Error(), "Invalid message template: the message must contain the {username} and {####} placeholders."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var te *mail.TemplateError
	if !errors.As(err, &te) || te.Problem == "" || te.Field != "" {
		t.Errorf("not a *TemplateError without a field: %#v", err)
	}
}

func TestValidateSubject(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"Your verification code", nil},
		{"Bienvenue ✓ {####} {username}", nil},
		{strings.Repeat("s", 140), nil},
		{"", mail.ErrLength},
		{strings.Repeat("s", 141), mail.ErrLength},
		{"tab\tok", nil},
		{"bell\x07", mail.ErrCharacters},
	}
	for _, tc := range tests {
		err := mail.ValidateSubject(tc.in)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("ValidateSubject(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestTemplatesValidate(t *testing.T) {
	if err := (mail.Templates{}).Validate(); err != nil {
		t.Fatalf("empty templates: %v", err)
	}
	good := mail.Templates{
		EmailSubject: "S", EmailMessage: "E {####}", SMSMessage: "S {####}",
		InviteEmailSubject: "I", InviteEmailMessage: "{username} {####}", InviteSMSMessage: "{username} {####}",
		SMSAuthenticationMessage: "A {####}", EmailAuthenticationSubject: "A", EmailAuthenticationMessage: "A {####}",
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("good templates: %v", err)
	}

	bad := mail.Templates{
		EmailMessage:               "no code here",
		InviteSMSMessage:           "password {####}",
		EmailAuthenticationSubject: strings.Repeat("x", 141),
	}
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad templates accepted")
	}
	for _, want := range []string{
		"Invalid VerificationMessageTemplate.EmailMessage: the message must contain the {####} placeholder.",
		"Invalid AdminCreateUserConfig.InviteMessageTemplate.SMSMessage: the message must contain the {username} placeholder.",
		"Invalid EmailMfaConfiguration.Subject: the subject must be 1 to 140 characters long, not 141.",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	for _, w := range []error{mail.ErrMissingCode, mail.ErrMissingUsername, mail.ErrLength} {
		if !errors.Is(err, w) {
			t.Errorf("error is not %v", w)
		}
	}
	if strings.Count(err.Error(), "Invalid ") != 3 {
		t.Errorf("want exactly three problems, got %q", err)
	}
}
