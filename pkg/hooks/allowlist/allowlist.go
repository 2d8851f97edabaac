// Package allowlist is a sample PreSignUp trigger: it admits sign-ups whose email is in an
// allowed domain. It is written on aws-lambda-go's Cognito event types, so the same function runs
// unchanged behind Amazon Cognito and behind Cognate.
package allowlist

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ErrNotAllowed is returned for other domains; Cognito shows it to the caller as
// UserLambdaValidationException "PreSignUp failed with error Email domain not allowed.".
//
//lint:ignore ST1005 the message is what the caller reads, capitalised and punctuated as Cognito's own
var ErrNotAllowed = errors.New("Email domain not allowed.")

// Handler admits emails in domains (case-insensitive). An empty list admits nobody.
func Handler(domains []string) func(context.Context, events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
	allowed := map[string]bool{}
	for _, d := range domains {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			allowed[d] = true
		}
	}
	return func(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
		email := strings.ToLower(strings.TrimSpace(ev.Request.UserAttributes["email"]))
		at := strings.LastIndexByte(email, '@')
		if at < 1 || !allowed[email[at+1:]] {
			return ev, ErrNotAllowed
		}
		return ev, nil
	}
}
