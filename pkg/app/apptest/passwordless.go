package apptest

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Passwordless first factors in USER_AUTH (issue 13 #4; cognito-protocol.md §3.7): EMAIL_OTP and
// SMS_OTP as PREFERRED_CHALLENGE and in SELECT_CHALLENGE, sign-up without a password where the
// pool allows it, the tier and MFA ON checked.
func testPasswordless(t *testing.T, e *Env) {
	factors := func(list ...string) func(*cip.CreateUserPoolInput) {
		return func(in *cip.CreateUserPoolInput) {
			in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: toFactors(list)}}
		}
	}
	f := newPool(t, e, factors("PASSWORD", "EMAIL_OTP", "SMS_OTP"))
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("choice"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}))(t)
	client := aws.ToString(c.UserPoolClient.ClientId)

	// Signed up without a password, confirmed with the mailed code.
	must(e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("pia"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("pia@example.com")}}}))(t)
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(client), Username: aws.String("pia"),
		ConfirmationCode: aws.String(f.code(t, "pia@example.com"))}))(t)

	initiate := func(t *testing.T, user, preferred string) *cip.InitiateAuthOutput {
		t.Helper()
		params := map[string]string{"USERNAME": user}
		if preferred != "" {
			params["PREFERRED_CHALLENGE"] = preferred
		}
		return must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params}))(t)
	}
	respond := func(challenge types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client), ChallengeName: challenge,
			Session: session, ChallengeResponses: resp})
	}
	eightDigits := regexp.MustCompile(`^\d{8}$`)
	latest := func(t *testing.T, to string) string {
		t.Helper()
		m, ok := e.Outbox.Latest(to)
		if !ok || m.Kind != "Authentication" || !eightDigits.MatchString(m.Code) {
			t.Fatalf("no eight-digit sign-in code to %s: %+v", to, m)
		}
		return m.Code
	}

	t.Run("EMAIL_OTP as the preferred challenge", func(t *testing.T) {
		out := initiate(t, "pia", "EMAIL_OTP")
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp || out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		_, err := respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "pia", "EMAIL_OTP_CODE": "00000000"})
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
		code := latest(t, "pia@example.com")
		res := must(respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "pia", "EMAIL_OTP_CODE": code}))(t)
		if res.AuthenticationResult == nil || res.AuthenticationResult.RefreshToken == nil {
			t.Fatalf("answered %+v", res)
		}
		_, err = respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "pia", "EMAIL_OTP_CODE": code})
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})

	t.Run("chosen in SELECT_CHALLENGE; no PASSWORD for a user without one", func(t *testing.T) {
		out := initiate(t, "pia", "")
		if out.ChallengeName != types.ChallengeNameTypeSelectChallenge || !slices.Contains(out.AvailableChallenges, types.ChallengeNameTypeEmailOtp) ||
			slices.Contains(out.AvailableChallenges, types.ChallengeNameTypePassword) || slices.Contains(out.AvailableChallenges, types.ChallengeNameTypeSmsOtp) {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		ch := must(respond(types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "pia", "ANSWER": "EMAIL_OTP"}))(t)
		if ch.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("after choosing: %+v", ch)
		}
		if r := must(respond(types.ChallengeNameTypeEmailOtp, ch.Session, map[string]string{"USERNAME": "pia", "EMAIL_OTP_CODE": latest(t, "pia@example.com")}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
	})

	t.Run("SMS_OTP to a verified phone", func(t *testing.T) {
		const phone = "+12065550111"
		must(e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("pia"),
			UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(phone)}, {Name: aws.String("phone_number_verified"), Value: aws.String("true")}}}))(t)
		out := initiate(t, "pia", "SMS_OTP")
		if out.ChallengeName != types.ChallengeNameTypeSmsOtp || out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		if r := must(respond(types.ChallengeNameTypeSmsOtp, out.Session, map[string]string{"USERNAME": "pia", "SMS_OTP_CODE": latest(t, phone)}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
	})

	t.Run("an unknown name gets a challenge no answer passes", func(t *testing.T) {
		out := initiate(t, "nobody@example.com", "EMAIL_OTP")
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp || out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] == "" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		if _, ok := e.Outbox.Latest("nobody@example.com"); ok {
			t.Fatal("a code went to an address nobody has")
		}
		_, err := respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "nobody@example.com", "EMAIL_OTP_CODE": "12345678"})
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
	})

	t.Run("GetUserAuthFactors", func(t *testing.T) {
		out := initiate(t, "pia", "EMAIL_OTP")
		res := must(respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"USERNAME": "pia", "EMAIL_OTP_CODE": latest(t, "pia@example.com")}))(t)
		got := must(e.Client.GetUserAuthFactors(ctx, &cip.GetUserAuthFactorsInput{AccessToken: res.AuthenticationResult.AccessToken}))(t)
		// No password; a verified email, and (from the SMS_OTP case) a verified phone.
		if aws.ToString(got.Username) != "pia" || !slices.Equal(got.ConfiguredUserAuthFactors, []types.AuthFactorType{"EMAIL_OTP", "SMS_OTP"}) {
			t.Fatalf("GetUserAuthFactors: %+v", got)
		}
	})

	t.Run("a password is required where the pool has only passwords", func(t *testing.T) {
		g := newPool(t, e, nil)
		_, err := e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(g.client), Username: aws.String("quin"),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("quin@example.com")}}})
		wantErr(t, err, "InvalidParameterException", "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	})

	t.Run("USER_AUTH needs ESSENTIALS or PLUS", func(t *testing.T) {
		g := newPool(t, e, func(in *cip.CreateUserPoolInput) { in.UserPoolTier = types.UserPoolTierTypeLite })
		lc := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(g.poolID), ClientName: aws.String("lite"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
		_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: lc.UserPoolClient.ClientId, AuthFlow: types.AuthFlowTypeUserAuth,
			AuthParameters: map[string]string{"USERNAME": "anyone"}})
		wantErr(t, err, "FeatureUnavailableInTierException", "Choice-based sign-in (USER_AUTH) is not available in the LITE tier: set UserPoolTier to ESSENTIALS or PLUS.")
	})
}

func toFactors(list []string) []types.AuthFactorType {
	out := make([]types.AuthFactorType, len(list))
	for i, f := range list {
		out[i] = types.AuthFactorType(f)
	}
	return out
}
