// Package brandedmail is a sample CustomMessage trigger: it sends every code and invitation as a
// branded HTML mail (and a short SMS), keeping Cognito's placeholders — codeParameter, and
// usernameParameter for invitations — which the user pool fills in after the function answers.
// It runs unchanged behind Amazon Cognito and behind Cognate (functions/hooks/custom-message).
package brandedmail

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// subjects are the mails' subjects by trigger source; the body says what the code is for.
var purposes = map[string]struct{ subject, what string }{
	"CustomMessage_SignUp":              {"Welcome to %s: confirm your address", "Your confirmation code is"},
	"CustomMessage_ResendCode":          {"Your %s confirmation code", "Your confirmation code is"},
	"CustomMessage_ForgotPassword":      {"Reset your %s password", "Your password reset code is"},
	"CustomMessage_UpdateUserAttribute": {"Confirm your new %s address", "Your verification code is"},
	"CustomMessage_VerifyUserAttribute": {"Verify your %s address", "Your verification code is"},
	"CustomMessage_Authentication":      {"Your %s sign-in code", "Your sign-in code is"},
}

// Handler answers a CustomMessage event with brand's HTML mail and SMS.
func Handler(brand string) func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
	b := html.EscapeString(brand)
	return func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		code := ev.Request.CodeParameter
		if ev.TriggerSource == "CustomMessage_AdminCreateUser" {
			user := ev.Request.UsernameParameter
			ev.Response.EmailSubject = fmt.Sprintf("Your %s account", brand)
			ev.Response.EmailMessage = page(b, fmt.Sprintf("<p>An account was made for you. Your username is <b>%s</b> and your temporary password is <b>%s</b>.</p>", user, code))
			ev.Response.SMSMessage = fmt.Sprintf("%s: username %s, temporary password %s", brand, user, code)
			return ev, nil
		}
		p, ok := purposes[ev.TriggerSource]
		if !ok {
			return ev, nil // an unknown source keeps the pool's own message
		}
		ev.Response.EmailSubject = fmt.Sprintf(p.subject, brand)
		ev.Response.EmailMessage = page(b, fmt.Sprintf("<p>%s <b style=\"font-size:20px;letter-spacing:2px\">%s</b></p>", p.what, code))
		ev.Response.SMSMessage = fmt.Sprintf("%s: %s %s", brand, strings.ToLower(p.what[:1])+p.what[1:], code)
		return ev, nil
	}
}

func page(brand, body string) string {
	return `<!DOCTYPE html><html><body style="font-family:sans-serif;color:#222">` +
		`<div style="background:#1f4e79;color:#fff;padding:12px 16px;font-size:18px">` + brand + `</div>` +
		`<div style="padding:16px">` + body + `<p style="color:#777;font-size:12px">If you did not ask for this, ignore this mail.</p></div></body></html>`
}
