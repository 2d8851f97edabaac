package apptest

import (
	"testing"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runGoSRPTests signs in with github.com/alexrudd/cognito-srp/v4, a Go SRP client that signs in
// on Cognito, through the SDK. It answers PASSWORD_VERIFIER without a Session and writes
// TIMESTAMP's hour on a 12-hour clock ("03:04:05" at 15:04:05 UTC), so every afternoon its
// TIMESTAMP is twelve hours off; both halves of the day run here.
func runGoSRPTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("GoSRPClient", func(t *testing.T) { testGoSRPClient(t, Start(t, newTable)) })
}

func testGoSRPClient(t *testing.T, e *Env) {
	c := e.Client
	plain := newPool(t, e, nil)
	plain.confirmedUser(t, "gopher", "gopher@example.com")
	byEmail := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{"email"}
	})
	su := must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(byEmail.client), Username: aws.String("gina@example.com"), Password: aws.String(strongPassword)}))(t)
	must(c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(byEmail.poolID), Username: aws.String("gina@example.com")}))(t)
	// A client with a secret, in the email pool: the library computes the answer's SECRET_HASH
	// over the internal username (the sub) that PASSWORD_VERIFIER names.
	sc := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(byEmail.poolID), ClientName: aws.String("server"),
		GenerateSecret: true, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t).UserPoolClient

	for _, tc := range []struct {
		name, poolID, clientID string
		secret                 *string
		typed, username        string
	}{
		{"username pool", plain.poolID, plain.client, nil, "gopher", "gopher"},
		{"email-as-username pool", byEmail.poolID, byEmail.client, nil, "gina@example.com", *su.UserSub},
		{"client with a secret", byEmail.poolID, *sc.ClientId, sc.ClientSecret, "gina@example.com", *su.UserSub},
	} {
		// The morning, when the library's TIMESTAMP is right, then the afternoon, when it is
		// twelve hours off; the service clock only moves forward.
		for _, hour := range []int{9, 15} {
			now := e.Clock.Now()
			at := time.Date(now.Year(), now.Month(), now.Day(), hour, 4, 5, 0, time.UTC)
			if !at.After(now) {
				at = at.AddDate(0, 0, 1)
			}
			e.Clock.Set(at)
			csrp := must(cognitosrp.NewCognitoSRP(tc.typed, strongPassword, tc.poolID, tc.clientID, tc.secret))(t)
			ia := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(tc.clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
				AuthParameters: csrp.GetAuthParams()}))(t)
			if ia.ChallengeName != types.ChallengeNameTypePasswordVerifier || ia.Session != nil {
				t.Fatalf("%s at %d h: %+v", tc.name, hour, ia)
			}
			resp := must(csrp.PasswordVerifierChallenge(ia.ChallengeParameters, e.Clock.Now()))(t)
			if off := resp["TIMESTAMP"] != srp.FormatTimestamp(e.Clock.Now()); off != (hour >= 13) {
				t.Fatalf("%s at %d h: TIMESTAMP %q, the library's 12-hour clock not exercised", tc.name, hour, resp["TIMESTAMP"])
			}
			out := must(c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(tc.clientID),
				ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp}))(t)
			if out.AuthenticationResult == nil || claims(t, *out.AuthenticationResult.AccessToken)["username"] != tc.username {
				t.Fatalf("%s at %d h: %+v", tc.name, hour, out)
			}
			must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: out.AuthenticationResult.AccessToken}))(t)
		}
		// A wrong password through the same library is refused as on Cognito.
		csrp := must(cognitosrp.NewCognitoSRP(tc.typed, "Wrong-Password-1", tc.poolID, tc.clientID, tc.secret))(t)
		ia := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(tc.clientID), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: csrp.GetAuthParams()}))(t)
		resp := must(csrp.PasswordVerifierChallenge(ia.ChallengeParameters, e.Clock.Now()))(t)
		_, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(tc.clientID),
			ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
}
