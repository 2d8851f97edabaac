// Package welcome is a sample PostConfirmation trigger: when a user confirms their sign-up
// (PostConfirmation_ConfirmSignUp: ConfirmSignUp, AdminConfirmSignUp, or a sign-up a PreSignUp
// function confirmed), it mails them a welcome through SES. A password reset
// (PostConfirmation_ConfirmForgotPassword) sends nothing. It is written on aws-lambda-go's Cognito
// event types, so the same function runs unchanged behind Amazon Cognito and behind Cognate
// (functions/hooks/post-confirmation-welcome).
//
// It mails only a verified address (email_verified "true"): an administrator may confirm a
// sign-up whose address nobody proved, and a welcome must not go to a stranger. A mail that SES
// refuses or that times out is logged and given up: Cognito does not undo the confirmation when
// the function fails, so failing would only show the user an error for a sign-up that worked.
// Cognito may invoke the function again after a timeout, so a user may rarely get two welcomes.
package welcome

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/hooks/hookkit"
)

// Config is what the function runs with.
type Config struct {
	From        string        // FROM_ADDRESS: a verified SES identity, "Name <a@b>" or "a@b"
	AppName     string        // APP_NAME: what the mail welcomes the user to
	CallTimeout time.Duration // CALL_TIMEOUT
	Logger      *slog.Logger  // nil: slog.Default()
}

// FromEnv reads the function's environment.
func FromEnv(getenv func(string) string) (Config, error) {
	e := hookkit.Env{Getenv: getenv}
	c := Config{
		From:        e.Address("FROM_ADDRESS", "the verified SES identity welcomes are sent from"),
		AppName:     e.Required("APP_NAME", "the application the mail welcomes the user to"),
		CallTimeout: e.CallTimeout(),
	}
	return c, e.Err()
}

// Handler answers PostConfirmation events; the event goes back unchanged (the trigger has no
// response fields).
func Handler(cfg Config, ses hookkit.MailSender) func(context.Context, events.CognitoEventUserPoolsPostConfirmation) (events.CognitoEventUserPoolsPostConfirmation, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.CognitoEventUserPoolsPostConfirmation) (events.CognitoEventUserPoolsPostConfirmation, error) {
		attrs := ev.Request.UserAttributes
		to := attrs["email"]
		if ev.TriggerSource != "PostConfirmation_ConfirmSignUp" || to == "" || attrs["email_verified"] != "true" {
			return ev, nil
		}
		if err := hookkit.Send(ctx, ses, cfg.CallTimeout, Message(cfg, attrs)); err != nil {
			log.ErrorContext(ctx, "welcome mail not sent", "userPoolId", ev.UserPoolID, "sub", attrs["sub"], "error", err)
		}
		return ev, nil
	}
}

// Message is the welcome for a user with attrs.
func Message(cfg Config, attrs map[string]string) hookkit.Mail {
	greeting := "Hello"
	for _, a := range []string{"given_name", "name"} {
		if v := attrs[a]; v != "" {
			greeting = "Hello " + v
			break
		}
	}
	app := cfg.AppName
	return hookkit.Mail{
		From:    cfg.From,
		To:      attrs["email"],
		Subject: fmt.Sprintf("Welcome to %s", app),
		Text:    fmt.Sprintf("%s,\n\nyour %s account is ready. Sign in with the address this mail was sent to.\n", greeting, app),
		HTML: fmt.Sprintf(`<!DOCTYPE html><html><body style="font-family:sans-serif;color:#222"><p>%s,</p>`+
			`<p>your <b>%s</b> account is ready. Sign in with the address this mail was sent to.</p></body></html>`,
			html.EscapeString(greeting), html.EscapeString(app)),
	}
}
