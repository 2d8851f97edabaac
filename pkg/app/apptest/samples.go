package apptest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/crypto/bcrypt"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
)

// The sample hooks of functions/hooks (docs/triggers.md, Sample hooks), each its real binary
// under the Lambda Runtime Interface Emulator, reaching DynamoDB Local and the SES emulator as it
// would reach DynamoDB and SES: a pool configured with them behaves as it would on Cognito.
// Their tables are on DynamoDB Local whatever store Cognate runs on; the test binary's TestMain
// stops it (ddbproc.Main).
func runSampleHookTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("PreTokenClaimsSample", func(t *testing.T) { testPreTokenClaimsSample(t, newTable) })
	t.Run("WelcomeSample", func(t *testing.T) { testWelcomeSample(t, newTable) })
	t.Run("UserMigrationSample", func(t *testing.T) { testUserMigrationSample(t, newTable) })
	t.Run("EmailOTPSample", func(t *testing.T) { testEmailOTPSample(t, newTable) })
}

// sampleHook starts functions/hooks/<name> under the emulator with env and routes the function
// arn to it.
func sampleHook(t *testing.T, inv *lambdainvoke.Invoker, arn, name string, env []string) {
	t.Helper()
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/functions/hooks/"+name, lambdarie.Options{Env: env, Timeout: 10 * time.Second})
	inv.Route(arn, fn.Client)
}

// The pre-token V2 sample puts the user's tenant_id and plan from DynamoDB in both tokens and
// their scopes in the access token, read again at every refresh; a user without an item gets
// Cognito's tokens.
func testPreTokenClaimsSample(t *testing.T, newTable storetest.NewTable) {
	db, endpoint := hooktest.DynamoDB(t)
	table := hooktest.Table(t, db, "sub")
	inv := lambdainvoke.New(nil)
	sampleHook(t, inv, preTokenARN, "pre-token-claims", hooktest.Env(endpoint, "", "CLAIMS_TABLE="+table))
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
			LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)}}
	})
	sub := aws.ToString(f.signUp(t, "tess", "tess@example.com").UserSub)
	hooktest.Put(t, db, table, map[string]any{"sub": sub, "tenant_id": "acme", "plan": "pro", "scopes": []string{"orders/read"}})
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("tess"),
		ConfirmationCode: aws.String(f.code(t, "tess@example.com"))}))(t)

	wantTokens := func(t *testing.T, res *types.AuthenticationResultType, plan string) {
		t.Helper()
		id, access := claims(t, aws.ToString(res.IdToken)), claims(t, aws.ToString(res.AccessToken))
		if id["tenant_id"] != "acme" || id["plan"] != plan || id["sub"] != sub || id["email"] != "tess@example.com" {
			t.Fatalf("ID token %v", id)
		}
		if access["tenant_id"] != "acme" || access["plan"] != plan || access["scope"] != "aws.cognito.signin.user.admin orders/read" || access["token_use"] != "access" {
			t.Fatalf("access token %v", access)
		}
	}
	res := must(f.signIn(t, "tess", strongPassword))(t)
	wantTokens(t, res, "pro")
	must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)

	hooktest.Put(t, db, table, map[string]any{"sub": sub, "tenant_id": "acme", "plan": "enterprise", "scopes": []string{"orders/read"}})
	refreshed := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(res.RefreshToken)}}))(t)
	wantTokens(t, refreshed.AuthenticationResult, "enterprise")

	other := f.confirmedUser(t, "uma", "uma@example.com")
	if id, access := claims(t, aws.ToString(other.IdToken)), claims(t, aws.ToString(other.AccessToken)); id["tenant_id"] != nil || access["scope"] != "aws.cognito.signin.user.admin" {
		t.Fatalf("a user without entitlements: ID token %v, access token %v", id, access)
	}
}

// The welcome sample mails a user who confirms their sign-up, through SES, and nobody who resets
// a password.
func testWelcomeSample(t *testing.T, newTable storetest.NewTable) {
	ses := seslocal.Start(t)
	inv := lambdainvoke.New(nil)
	sampleHook(t, inv, postConfirmARN, "post-confirmation-welcome",
		hooktest.Env("", ses, "FROM_ADDRESS=Acme <hello@acme.example>", "APP_NAME=Acme"))
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PostConfirmation: aws.String(postConfirmARN)}
	})
	f.signUp(t, "wes", "wes@example.com")
	if n := len(seslocal.Messages(t, ses, "wes@example.com")); n != 0 {
		t.Fatalf("%d mails before the confirmation", n)
	}
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("wes"),
		ConfirmationCode: aws.String(f.code(t, "wes@example.com"))}))(t)
	mails := seslocal.Messages(t, ses, "wes@example.com")
	if len(mails) != 1 || mails[0].Subject != "Welcome to Acme" || mails[0].From != "Acme <hello@acme.example>" ||
		!strings.Contains(mails[0].Text(), "your Acme account is ready") {
		t.Fatalf("welcome mails %+v", mails)
	}

	must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("wes")}))(t)
	must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("wes"),
		ConfirmationCode: aws.String(f.code(t, "wes@example.com")), Password: aws.String("Another-Horse-7")}))(t)
	if n := len(seslocal.Messages(t, ses, "wes@example.com")); n != 1 {
		t.Fatalf("%d mails after a password reset, want the one welcome", n)
	}
}

// The migration sample moves a legacy user in at their first password sign-in; from then on the
// pool knows the password, and the user signs in by SRP with the legacy table gone. A reset moves
// a user in too. Unknown names and wrong passwords are the function's errors.
func testUserMigrationSample(t *testing.T, newTable storetest.NewTable) {
	db, endpoint := hooktest.DynamoDB(t)
	table := hooktest.Table(t, db, "username")
	const legacyPassword = "Legacy-Passw0rd!"
	hash, err := bcrypt.GenerateFromPassword([]byte(legacyPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"olga", "rita"} {
		hooktest.Put(t, db, table, map[string]any{"username": name, "email": name + "@example.com", "password_hash": string(hash)})
	}
	inv := lambdainvoke.New(nil)
	sampleHook(t, inv, migrateARN, "user-migration", hooktest.Env(endpoint, "", "LEGACY_USERS_TABLE="+table))
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	// Case-insensitive names, as docs/triggers.md advises for a migration: the user moves in
	// under the name as typed, and the legacy table compared names without case.
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{UserMigration: aws.String(migrateARN)}
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})

	t.Run("a password sign-in moves the user in, and SRP works without the legacy table", func(t *testing.T) {
		_, err := f.signIn(t, "olga", "Wrong-Passw0rd!")
		wantErr(t, err, "UserLambdaValidationException", "UserMigration failed with error Bad password.")
		if res := must(f.signIn(t, "Olga", legacyPassword))(t); res == nil || res.AccessToken == nil {
			t.Fatal("no tokens")
		}
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("olga")}))(t)
		if u.UserStatus != types.UserStatusTypeConfirmed || attrValue(u.UserAttributes, "email") != "olga@example.com" || attrValue(u.UserAttributes, "email_verified") != "true" {
			t.Fatalf("migrated user %s %+v", u.UserStatus, u.UserAttributes)
		}
		if _, ok := e.Outbox.Latest("olga@example.com"); ok {
			t.Fatal("a migrated user was sent a message (messageAction SUPPRESS)")
		}
		hooktest.Delete(t, db, table, "username", "olga")
		res := must(f.srpSignIn(t, "olga", legacyPassword))(t)
		if res.AuthenticationResult == nil || claims(t, aws.ToString(res.AuthenticationResult.IdToken))["email"] != "olga@example.com" {
			t.Fatalf("SRP sign-in %+v", res)
		}
		_, err = f.srpSignIn(t, "olga", "Wrong-Passw0rd!")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	})

	t.Run("a password reset moves the user in", func(t *testing.T) {
		must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("rita")}))(t)
		must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("rita"),
			ConfirmationCode: aws.String(f.code(t, "rita@example.com")), Password: aws.String(strongPassword)}))(t)
		hooktest.Delete(t, db, table, "username", "rita")
		must(f.srpSignIn(t, "rita", strongPassword))(t)
	})

	t.Run("a name the legacy table does not know", func(t *testing.T) {
		_, err := f.signIn(t, "quinn", legacyPassword)
		wantErr(t, err, "UserLambdaValidationException", "UserMigration failed with error User not found.")
	})
}

// The email one-time-code sample signs a user in with the code it mailed through SES; a typo
// keeps the code (no second mail), and the third wrong code fails the sign-in.
func testEmailOTPSample(t *testing.T, newTable storetest.NewTable) {
	ses := seslocal.Start(t)
	inv := lambdainvoke.New(nil)
	sampleHook(t, inv, defineARN, "email-otp-define", nil)
	sampleHook(t, inv, createARN, "email-otp-create", hooktest.Env("", ses, "FROM_ADDRESS=Acme <codes@acme.example>", "APP_NAME=Acme"))
	sampleHook(t, inv, verifyARN, "email-otp-verify", nil)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: aws.String(defineARN),
			CreateAuthChallenge: aws.String(createARN), VerifyAuthChallengeResponse: aws.String(verifyARN)}
	})
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("otp"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	client := aws.ToString(c.UserPoolClient.ClientId)
	f.confirmedUser(t, "otto", "otto@example.com")

	start := func(t *testing.T) (session, code string, mails int) {
		t.Helper()
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "otto"}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeCustomChallenge || out.ChallengeParameters["email"] != "o***@example.com" ||
			out.ChallengeParameters["code"] != "" || len(out.ChallengeParameters) != 2 {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		code, mails = hooktest.Code(t, ses, "otto@example.com")
		return aws.ToString(out.Session), code, mails
	}
	answer := func(session, code string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: aws.String(session),
			ChallengeResponses: map[string]string{"USERNAME": "otto", "ANSWER": code}})
	}
	wrong := func(code string) string {
		if code == "000000" {
			return "000001"
		}
		return "000000"
	}

	t.Run("the mailed code signs in", func(t *testing.T) {
		session, code, _ := start(t)
		res := must(answer(session, code))(t)
		if res.AuthenticationResult == nil || claims(t, aws.ToString(res.AuthenticationResult.IdToken))["email"] != "otto@example.com" {
			t.Fatalf("RespondToAuthChallenge answered %+v", res)
		}
	})

	t.Run("a wrong code may be corrected, without a new mail", func(t *testing.T) {
		session, code, mails := start(t)
		res := must(answer(session, wrong(code)))(t)
		if res.ChallengeName != types.ChallengeNameTypeCustomChallenge || res.ChallengeParameters["email"] != "o***@example.com" {
			t.Fatalf("after a wrong code %+v", res)
		}
		if again, n := hooktest.Code(t, ses, "otto@example.com"); n != mails || again != code {
			t.Fatalf("a wrong code sent mail %d (code %s, first %s)", n-mails, again, code)
		}
		if r := must(answer(aws.ToString(res.Session), code))(t); r.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
	})

	t.Run("the third wrong code fails", func(t *testing.T) {
		session, code, _ := start(t)
		for i := 1; i < 3; i++ {
			res := must(answer(session, wrong(code)))(t)
			session = aws.ToString(res.Session)
		}
		_, err := answer(session, wrong(code))
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	})
}
