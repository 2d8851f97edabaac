package mail_test

import (
	"errors"
	"testing"

	"github.com/cognatehq/cognate/pkg/mail"
)

func TestRenderDefaults(t *testing.T) {
	const code = "123456"
	verify := "Your verification code is 123456. "
	reset := "Your password reset code is 123456. "
	invite := "Your username is jane and temporary password is 123456. "
	auth := "Your authentication code is 123456. "
	tests := []struct {
		kind    mail.Kind
		ch      mail.Channel
		subject string
		body    string
	}{
		{mail.SignUp, mail.Email, "Your verification code", verify},
		{mail.SignUp, mail.SMS, "", verify},
		{mail.ResendCode, mail.Email, "Your verification code", verify},
		{mail.ResendCode, mail.SMS, "", verify},
		{mail.UpdateUserAttribute, mail.Email, "Your verification code", verify},
		{mail.UpdateUserAttribute, mail.SMS, "", verify},
		{mail.VerifyUserAttribute, mail.Email, "Your verification code", verify},
		{mail.VerifyUserAttribute, mail.SMS, "", verify},
		{mail.ForgotPassword, mail.Email, "Your verification code", reset},
		{mail.ForgotPassword, mail.SMS, "", reset},
		{mail.AdminCreateUser, mail.Email, "Your temporary password", invite},
		{mail.AdminCreateUser, mail.SMS, "", invite},
		{mail.Authentication, mail.Email, "Your authentication code", auth},
		{mail.Authentication, mail.SMS, "", auth},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+"/"+string(tc.ch), func(t *testing.T) {
			subject, body, err := mail.Render(tc.kind, tc.ch, mail.Templates{}, "jane", code)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if subject != tc.subject || body != tc.body {
				t.Errorf("Render = (%q, %q), want (%q, %q)", subject, body, tc.subject, tc.body)
			}
		})
	}
}

func TestRenderCustom(t *testing.T) {
	custom := mail.Templates{
		EmailSubject:               "Welcome to Acme",
		EmailMessage:               "Acme code: {####} (again: {####}) for {username}",
		SMSMessage:                 "Acme {####}",
		InviteEmailSubject:         "Join Acme",
		InviteEmailMessage:         "Hi {username}, password {####}",
		InviteSMSMessage:           "{username}/{####}",
		SMSAuthenticationMessage:   "Acme sign-in {####}",
		EmailAuthenticationSubject: "Acme sign-in",
		EmailAuthenticationMessage: "Sign-in code {####}",
	}
	tests := []struct {
		name     string
		kind     mail.Kind
		ch       mail.Channel
		t        mail.Templates
		username string
		code     string
		subject  string
		body     string
	}{
		{"verification email, repeated code, username left literal", mail.SignUp, mail.Email, custom, "jane", "111111",
			"Welcome to Acme", "Acme code: 111111 (again: 111111) for {username}"},
		{"verification sms", mail.SignUp, mail.SMS, custom, "jane", "111111", "", "Acme 111111"},
		{"forgot password uses the verification template", mail.ForgotPassword, mail.Email, custom, "jane", "222222",
			"Welcome to Acme", "Acme code: 222222 (again: 222222) for {username}"},
		{"forgot password sms", mail.ForgotPassword, mail.SMS, custom, "jane", "222222", "", "Acme 222222"},
		{"custom subject only keeps default body", mail.SignUp, mail.Email, mail.Templates{EmailSubject: "S"}, "", "333333",
			"S", "Your verification code is 333333. "},
		{"custom body only keeps default subject", mail.SignUp, mail.Email, mail.Templates{EmailMessage: "Code {####}"}, "", "333333",
			"Your verification code", "Code 333333"},
		{"invite email, both placeholders", mail.AdminCreateUser, mail.Email, custom, "jane", "Tmp#Pass1",
			"Join Acme", "Hi jane, password Tmp#Pass1"},
		{"invite sms", mail.AdminCreateUser, mail.SMS, custom, "jane", "Tmp#Pass1", "", "jane/Tmp#Pass1"},
		{"username containing the code placeholder is not substituted again", mail.AdminCreateUser, mail.SMS, custom,
			"x{####}y", "P@ss", "", "x{####}y/P@ss"},
		{"authentication sms", mail.Authentication, mail.SMS, custom, "jane", "444444", "", "Acme sign-in 444444"},
		{"authentication email", mail.Authentication, mail.Email, custom, "jane", "444444", "Acme sign-in", "Sign-in code 444444"},
		{"plain-text email keeps values as they are", mail.AdminCreateUser, mail.Email,
			mail.Templates{InviteEmailMessage: "User {username}, password {####}"}, "o'brien", "a<b&c",
			"Your temporary password", "User o'brien, password a<b&c"},
		{"HTML email escapes substituted values", mail.AdminCreateUser, mail.Email,
			mail.Templates{InviteEmailMessage: "<p>User <b>{username}</b>, password {####}</p>"}, "<i>o'brien</i>", "a<b&c",
			"Your temporary password", "<p>User <b>&lt;i&gt;o&#39;brien&lt;/i&gt;</b>, password a&lt;b&amp;c</p>"},
		{"HTML sms is not escaped", mail.AdminCreateUser, mail.SMS,
			mail.Templates{InviteSMSMessage: "<p>{username} {####}</p>"}, "a&b", "c<d", "", "<p>a&b c<d</p>"},
		{"subject placeholders are not substituted", mail.AdminCreateUser, mail.Email,
			mail.Templates{InviteEmailSubject: "Hi {username} {####}"}, "jane", "P1",
			"Hi {username} {####}", "Your username is jane and temporary password is P1. "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			subject, body, err := mail.Render(tc.kind, tc.ch, tc.t, tc.username, tc.code)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if subject != tc.subject || body != tc.body {
				t.Errorf("Render = (%q, %q), want (%q, %q)", subject, body, tc.subject, tc.body)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name     string
		kind     mail.Kind
		ch       mail.Channel
		t        mail.Templates
		username string
		code     string
		want     error
	}{
		{"custom email without code", mail.SignUp, mail.Email, mail.Templates{EmailMessage: "Welcome aboard"}, "", "1", mail.ErrMissingCode},
		{"custom sms without code", mail.ForgotPassword, mail.SMS, mail.Templates{SMSMessage: "Reset now"}, "", "1", mail.ErrMissingCode},
		{"invite without code", mail.AdminCreateUser, mail.Email, mail.Templates{InviteEmailMessage: "Hi {username}"}, "jane", "P", mail.ErrMissingCode},
		{"unknown kind", mail.Kind("Welcome"), mail.Email, mail.Templates{}, "", "1", mail.ErrUnknownKind},
		{"unknown channel", mail.SignUp, mail.Channel("PIGEON"), mail.Templates{}, "", "1", mail.ErrUnknownChannel},
		{"empty code", mail.SignUp, mail.Email, mail.Templates{}, "", "", mail.ErrNoCode},
		{"invite without username", mail.AdminCreateUser, mail.SMS, mail.Templates{}, "", "P", mail.ErrNoUsername},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			subject, body, err := mail.Render(tc.kind, tc.ch, tc.t, tc.username, tc.code)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Render error = %v, want %v", err, tc.want)
			}
			if subject != "" || body != "" {
				t.Errorf("Render returned (%q, %q) with an error", subject, body)
			}
		})
	}
}

func TestWithOverride(t *testing.T) {
	pool := mail.Templates{EmailSubject: "pool subject", EmailMessage: "pool {####}", SMSMessage: "pool sms {####}"}

	// A CustomMessage answer replaces only what it sets.
	got := pool.WithOverride(mail.ForgotPassword, "", "lambda {####}", "")
	subject, body, err := mail.Render(mail.ForgotPassword, mail.Email, got, "", "9")
	if err != nil || subject != "pool subject" || body != "lambda 9" {
		t.Errorf("email = (%q, %q, %v)", subject, body, err)
	}
	if _, body, _ := mail.Render(mail.ForgotPassword, mail.SMS, got, "", "9"); body != "pool sms 9" {
		t.Errorf("sms = %q", body)
	}
	if pool.EmailMessage != "pool {####}" {
		t.Error("WithOverride changed its receiver")
	}

	inv := mail.Templates{}.WithOverride(mail.AdminCreateUser, "S", "{username} {####}", "sms {username} {####}")
	if inv.InviteEmailSubject != "S" || inv.InviteEmailMessage != "{username} {####}" || inv.InviteSMSMessage != "sms {username} {####}" || inv.EmailMessage != "" {
		t.Errorf("AdminCreateUser override = %+v", inv)
	}
	auth := mail.Templates{}.WithOverride(mail.Authentication, "S", "e {####}", "s {####}")
	if auth.EmailAuthenticationSubject != "S" || auth.EmailAuthenticationMessage != "e {####}" || auth.SMSAuthenticationMessage != "s {####}" || auth.SMSMessage != "" {
		t.Errorf("Authentication override = %+v", auth)
	}

	// A lambda answer without the placeholder must not go out.
	bad := pool.WithOverride(mail.SignUp, "", "no code here", "")
	if _, _, err := mail.Render(mail.SignUp, mail.Email, bad, "", "9"); !errors.Is(err, mail.ErrMissingCode) {
		t.Errorf("Render of an override without {####}: %v", err)
	}
}

func TestLooksLikeHTML(t *testing.T) {
	tests := map[string]bool{
		"":                                  false,
		"Your verification code is {####}.": false,
		"a < b and c > d":                   false,
		"1<2":                               false,
		"<p>code {####}</p>":                true,
		"line<br>break":                     true,
		"<!DOCTYPE html><html>":             true,
		"text </b>":                         true,
		"<b":                                false,
		"ends with <":                       false,
	}
	for in, want := range tests {
		if got := mail.LooksLikeHTML(in); got != want {
			t.Errorf("LooksLikeHTML(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestKinds(t *testing.T) {
	if len(mail.Kinds) != 7 {
		t.Fatalf("Kinds = %v", mail.Kinds)
	}
	for _, k := range mail.Kinds {
		if !k.Valid() {
			t.Errorf("%q not valid", k)
		}
		if got, ok := mail.ParseKind(string(k)); !ok || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, ok)
		}
	}
	if got, ok := mail.ParseKind("forgotpassword"); !ok || got != mail.ForgotPassword {
		t.Errorf("ParseKind is case-sensitive: %q, %v", got, ok)
	}
	if _, ok := mail.ParseKind("Welcome"); ok {
		t.Error("ParseKind accepted an unknown kind")
	}
	if mail.Kind("").Valid() || mail.Channel("").Valid() || !mail.Email.Valid() || !mail.SMS.Valid() {
		t.Error("Valid is wrong for the zero values or the channels")
	}
	if got := mail.AdminCreateUser.TriggerSource(); got != "CustomMessage_AdminCreateUser" {
		t.Errorf("TriggerSource = %q", got)
	}
	if string(mail.Email) != "EMAIL" || string(mail.SMS) != "SMS" {
		t.Error("channels must be Cognito's DeliveryMedium values")
	}
}
