package authorizer

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/token"
)

func TestPolicy(t *testing.T) {
	good := &token.Claims{TokenUse: "access", Issuer: "https://id.example.com/us-east-1_Pool00001", ClientID: "app",
		Scope: "aws.cognito.signin.user.admin orders/read", Groups: []string{"staff"}, Subject: "s", Username: "u"}
	verify := func(c *token.Claims, err error) Verifier {
		return func(context.Context, string) (*token.Claims, error) { return c, err }
	}
	ev := func(auth string) events.APIGatewayV2CustomAuthorizerV2Request {
		return events.APIGatewayV2CustomAuthorizerV2Request{IdentitySource: []string{auth}}
	}
	base := Policy{PoolIDs: []string{"us-east-1_Pool00001"}}
	withScope := base
	withScope.RequiredScopes = []string{"orders/read"}
	withMissingScope := base
	withMissingScope.RequiredScopes = []string{"orders/write"}
	withGroup := base
	withGroup.RequiredGroups = []string{"admins", "staff"}
	withOtherGroup := base
	withOtherGroup.RequiredGroups = []string{"admins"}
	withClient := base
	withClient.ClientIDs = []string{"other"}
	idToken := *good
	idToken.TokenUse = "id"
	for name, tc := range map[string]struct {
		policy Policy
		claims *token.Claims
		err    error
		auth   string
		want   bool
	}{
		"valid":                {base, good, nil, "Bearer x.y.z", true},
		"raw token":            {base, good, nil, "x.y.z", true},
		"scope present":        {withScope, good, nil, "Bearer x.y.z", true},
		"scope missing":        {withMissingScope, good, nil, "Bearer x.y.z", false},
		"one of the groups":    {withGroup, good, nil, "Bearer x.y.z", true},
		"not in the group":     {withOtherGroup, good, nil, "Bearer x.y.z", false},
		"other client":         {withClient, good, nil, "Bearer x.y.z", false},
		"other pool":           {Policy{PoolIDs: []string{"us-east-1_Other0001"}}, good, nil, "Bearer x.y.z", false},
		"no pools configured":  {Policy{}, good, nil, "Bearer x.y.z", false},
		"verification fails":   {base, nil, errors.New("revoked"), "Bearer x.y.z", false},
		"id token":             {base, &idToken, nil, "Bearer x.y.z", false},
		"no token":             {base, good, nil, "", false},
		"basic auth is no jwt": {base, good, nil, "Basic abc def", false},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Handler(verify(tc.claims, tc.err), tc.policy)(context.Background(), ev(tc.auth))
			if err != nil {
				t.Fatal(err)
			}
			if res.IsAuthorized != tc.want {
				t.Fatalf("IsAuthorized = %v, want %v", res.IsAuthorized, tc.want)
			}
			if tc.want && (res.Context["sub"] != "s" || res.Context["pool_id"] != "us-east-1_Pool00001") {
				t.Fatalf("context: %v", res.Context)
			}
		})
	}
}
