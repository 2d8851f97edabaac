// Package authorizer is an API Gateway (HTTP API, payload 2.0) Lambda authorizer for your own
// APIs: it admits requests whose bearer token is a Cognate access token that verifies fully —
// signature, pool, expiry and revocation — and carries the required scopes and groups.
package authorizer

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/token"
)

// Verifier authenticates an access token (userpool.Service.VerifyAccessToken).
type Verifier func(ctx context.Context, raw string) (*token.Claims, error)

// Policy is what a token must carry.
type Policy struct {
	// PoolIDs are the pools whose tokens are accepted (required: never "any pool").
	PoolIDs []string
	// ClientIDs, when set, restrict the app clients.
	ClientIDs []string
	// RequiredScopes must all be in the token's scope.
	RequiredScopes []string
	// RequiredGroups: the user must be in at least one, when set.
	RequiredGroups []string
}

// FromEnv reads a policy from comma-separated environment values.
func FromEnv(getenv func(string) string) Policy {
	split := func(k string) []string {
		var out []string
		for _, v := range strings.Split(getenv(k), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	return Policy{PoolIDs: split("COGNATE_AUTHORIZER_POOL_IDS"), ClientIDs: split("COGNATE_AUTHORIZER_CLIENT_IDS"),
		RequiredScopes: split("COGNATE_AUTHORIZER_REQUIRED_SCOPES"), RequiredGroups: split("COGNATE_AUTHORIZER_REQUIRED_GROUPS")}
}

// Handler builds the authorizer. A denied request gets isAuthorized=false (API Gateway answers
// 403), never an error, which API Gateway would turn into a 500.
func Handler(verify Verifier, p Policy) func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
		raw := bearer(ev)
		if raw == "" || len(p.PoolIDs) == 0 {
			return deny, nil
		}
		c, err := verify(ctx, raw)
		if err != nil || c == nil {
			return deny, nil
		}
		if !p.admits(c) {
			return deny, nil
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{
			"sub": c.Subject, "username": c.Username, "client_id": c.ClientID, "scope": c.Scope,
			"groups": strings.Join(c.Groups, ","), "pool_id": poolOf(c.Issuer),
		}}, nil
	}
}

func (p Policy) admits(c *token.Claims) bool {
	if c.TokenUse != token.UseAccess || !slices.Contains(p.PoolIDs, poolOf(c.Issuer)) {
		return false
	}
	if len(p.ClientIDs) > 0 && !slices.Contains(p.ClientIDs, c.ClientID) {
		return false
	}
	scopes := strings.Fields(c.Scope)
	for _, s := range p.RequiredScopes {
		if !slices.Contains(scopes, s) {
			return false
		}
	}
	if len(p.RequiredGroups) > 0 && !slices.ContainsFunc(p.RequiredGroups, func(g string) bool { return slices.Contains(c.Groups, g) }) {
		return false
	}
	return true
}

func poolOf(iss string) string { return iss[strings.LastIndexByte(iss, '/')+1:] }

// bearer finds the token in the identity source or the Authorization header.
func bearer(ev events.APIGatewayV2CustomAuthorizerV2Request) string {
	candidates := append([]string{}, ev.IdentitySource...)
	for k, v := range ev.Headers {
		if strings.EqualFold(k, "authorization") {
			candidates = append(candidates, v)
		}
	}
	for _, v := range candidates {
		v = strings.TrimSpace(v)
		if t, ok := strings.CutPrefix(v, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		if v != "" && !strings.Contains(v, " ") {
			return v
		}
	}
	return ""
}
