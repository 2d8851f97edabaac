// Package tokenclaims is a sample PreTokenGeneration trigger, event version 2 (a pool's
// PreTokenGenerationConfig with LambdaVersion V2_0): it reads the user's entitlements from a
// DynamoDB table and puts them in the tokens — the claims tenant_id and plan in the ID and access
// tokens, and the item's scopes in the access token. It is written on aws-lambda-go's Cognito
// event types, so the same function runs unchanged behind Amazon Cognito and behind Cognate
// (functions/hooks/pre-token-claims).
//
// The table is keyed by the user's sub (a string partition key named "sub"), which, unlike the
// username, never changes; an item looks like
//
//	{"sub": "6f1c…", "tenant_id": "acme", "plan": "pro", "scopes": ["orders/read", "orders/write"]}
//
// with scopes a string set or a list of strings. A user without an item gets Cognito's tokens
// unchanged; an API checking tenant_id then refuses them.
package tokenclaims

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/hooks/hookkit"
)

// Config is what the function runs with.
type Config struct {
	Table       string        // CLAIMS_TABLE
	CallTimeout time.Duration // CALL_TIMEOUT
}

// FromEnv reads the function's environment.
func FromEnv(getenv func(string) string) (Config, error) {
	e := hookkit.Env{Getenv: getenv}
	c := Config{
		Table:       e.Required("CLAIMS_TABLE", "the DynamoDB table of tenant_id, plan and scopes by sub"),
		CallTimeout: e.CallTimeout(),
	}
	return c, e.Err()
}

// ErrNotV2 refuses a version 1 event: its answer has no place for the access token's claims and
// scopes, and Cognito would drop them without a word.
var ErrNotV2 = errors.New("this function answers PreTokenGeneration events of version 2 or 3: configure it in PreTokenGenerationConfig with LambdaVersion V2_0")

// Handler answers TokenGeneration_* events (sign-in, refresh, new password, device, Hosted UI) with
// the user's entitlements read from db.
func Handler(cfg Config, db hookkit.ItemGetter) func(context.Context, events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
	return func(ctx context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
		if ev.Version == "1" {
			return ev, ErrNotV2
		}
		sub := ev.Request.UserAttributes["sub"]
		if sub == "" {
			// TokenGeneration_ClientCredentials (V3) is for a machine, not a user.
			return ev, nil
		}
		item, err := hookkit.GetItem(ctx, db, cfg.CallTimeout, cfg.Table, "sub", sub)
		if err != nil || item == nil {
			return ev, err
		}
		claims := map[string]any{}
		for _, name := range []string{"tenant_id", "plan"} {
			if v := hookkit.String(item, name); v != "" {
				claims[name] = v
			}
		}
		scopes, err := hookkit.Strings(item, "scopes")
		if err != nil {
			return ev, fmt.Errorf("the entitlements of %s: %w", sub, err)
		}
		for _, s := range scopes {
			// A scope is one token of the space-separated scope claim (RFC 6749 §3.3).
			if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
				return ev, fmt.Errorf("the entitlements of %s: %q is not a scope", sub, s)
			}
		}
		o := &ev.Response.ClaimsAndScopeOverrideDetails
		o.IDTokenGeneration.ClaimsToAddOrOverride = claims
		o.AccessTokenGeneration.ClaimsToAddOrOverride = claims
		o.AccessTokenGeneration.ScopesToAdd = scopes
		return ev, nil
	}
}
