// Package migration is a sample UserMigration trigger: it moves users of a legacy system into the
// pool the first time they sign in with their password (UserMigration_Authentication) or ask
// for a password reset (UserMigration_ForgotPassword), reading them from a DynamoDB table. It is
// written on aws-lambda-go's Cognito event types, so the same function runs unchanged behind
// Amazon Cognito and behind Cognate (functions/hooks/user-migration).
//
// The legacy table is keyed by the lowercased username (a string partition key "username", as
// the legacy system compared names without case); an item looks like
//
//	{"username": "olga", "email": "olga@example.com", "email_verified": true,
//	 "password_hash": "$2b$10$…"}
//
// with password_hash a bcrypt hash ($2a$, $2b$ or $2y$) and email_verified optional (true when
// absent: the legacy system's addresses are the ones it mailed).
//
// At sign-in the password is checked against the hash and the user moves in CONFIRMED, with the
// password they typed: Cognito keeps it, so from then on they sign in by SRP or password without
// this function. On a password reset they move in with their address and Cognito mails the reset
// code. Either way the welcome message is suppressed: the user is not new. An unknown name or a
// wrong password is an error, which Cognito shows the client as UserLambdaValidationException
// ("UserMigration failed with error Bad password.").
package migration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/crypto/bcrypt"

	"github.com/cognatehq/cognate/pkg/hooks/hookkit"
)

// The errors the client sees, in Cognito's message "UserMigration failed with error <message>.",
// capitalised as in AWS's own samples.
var (
	//lint:ignore ST1005 the message is what the caller reads
	ErrUserNotFound = errors.New("User not found")
	//lint:ignore ST1005 the message is what the caller reads
	ErrBadPassword = errors.New("Bad password")
)

// Config is what the function runs with.
type Config struct {
	Table       string        // LEGACY_USERS_TABLE
	CallTimeout time.Duration // CALL_TIMEOUT
}

// FromEnv reads the function's environment.
func FromEnv(getenv func(string) string) (Config, error) {
	e := hookkit.Env{Getenv: getenv}
	c := Config{
		Table:       e.Required("LEGACY_USERS_TABLE", "the DynamoDB table of legacy users by username"),
		CallTimeout: e.CallTimeout(),
	}
	return c, e.Err()
}

// Handler answers UserMigration events from the legacy users in db.
func Handler(cfg Config, db hookkit.ItemGetter) func(context.Context, events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
	return func(ctx context.Context, ev events.CognitoEventUserPoolsMigrateUser) (events.CognitoEventUserPoolsMigrateUser, error) {
		source := ev.TriggerSource
		if source != "UserMigration_Authentication" && source != "UserMigration_ForgotPassword" {
			return ev, fmt.Errorf("unexpected trigger source %q", source)
		}
		item, err := hookkit.GetItem(ctx, db, cfg.CallTimeout, cfg.Table, "username", strings.ToLower(ev.UserName))
		if err != nil {
			return ev, err
		}
		email := hookkit.String(item, "email")
		if item == nil || email == "" {
			return ev, ErrUserNotFound
		}
		if source == "UserMigration_Authentication" {
			hash := hookkit.String(item, "password_hash")
			if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(ev.CognitoEventUserPoolsMigrateUserRequest.Password)) != nil {
				return ev, ErrBadPassword
			}
			// The password was just proven: no reset needed.
			ev.FinalUserStatus = "CONFIRMED"
		}
		verified := "true"
		if v, ok := hookkit.Bool(item, "email_verified"); ok && !v {
			verified = "false"
		}
		ev.UserAttributes = map[string]string{"email": email, "email_verified": verified}
		ev.MessageAction = "SUPPRESS"
		return ev, nil
	}
}
