package apptest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// RunAPITests runs the API conformance suite against Cognate on tables from newTable.
func RunAPITests(t *testing.T, newTable storetest.NewTable) {
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, Start(t, newTable)) })
	t.Run("PoolsAndClients", func(t *testing.T) { testPoolsAndClients(t, Start(t, newTable)) })
	t.Run("SecretHash", func(t *testing.T) { testSecretHash(t, Start(t, newTable)) })
	t.Run("Validation", func(t *testing.T) { testValidation(t, Start(t, newTable)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, Start(t, newTable)) })
	t.Run("AdminCreatedUser", func(t *testing.T) { testAdminCreatedUser(t, Start(t, newTable)) })
	t.Run("ConcurrentSignUp", func(t *testing.T) { testConcurrentSignUp(t, Start(t, newTable)) })
	t.Run("EmailAsUsername", func(t *testing.T) { testEmailAsUsername(t, Start(t, newTable)) })
	t.Run("Codes", func(t *testing.T) { testCodes(t, Start(t, newTable)) })
	t.Run("ExistenceErrors", func(t *testing.T) { testExistenceErrors(t, Start(t, newTable)) })
	t.Run("CaseInsensitive", func(t *testing.T) { testCaseInsensitive(t, Start(t, newTable)) })
	t.Run("SessionBinding", func(t *testing.T) { testSessionBinding(t, Start(t, newTable)) })
	runLifecycleTests(t, newTable)
	runSRPTests(t, newTable)
	runParityTests(t, newTable)
	runExistenceTests(t, newTable)
	runGoSRPTests(t, newTable)
	runEdgeTests(t, newTable)
	runRecordTests(t, newTable)
	runSecretTests(t, newTable)
	runTriggerTests(t, newTable)
	runMFATests(t, newTable)
	runPasskeyTests(t, newTable)
	runSenderTests(t, newTable)
	runSampleHookTests(t, newTable)
	runOAuthConfigTests(t, newTable)
	runBrandingTests(t, newTable)
	runClientCredentialsTests(t, newTable)
	runHostedTests(t, newTable)
}

// wantErr asserts a Cognito error by its shape name and, when msg is not "", its message.
func wantErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", typ, msg, err)
	}
	if ae.ErrorCode() != typ || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q, got %s %q", typ, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// must(call())(t) fails the test when call returned an error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

const strongPassword = "Correct-Horse-9"

type fixture struct {
	env    *Env
	poolID string
	client string
}

// newPool creates a pool (email auto-verified) and a public client allowing the password flows.
func newPool(t *testing.T, e *Env, mod func(*cip.CreateUserPoolInput)) fixture {
	t.Helper()
	in := &cip.CreateUserPoolInput{PoolName: aws.String("test-pool"), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}
	if mod != nil {
		mod(in)
	}
	p := must(e.Client.CreateUserPool(ctx, in))(t)
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}}))(t)
	return fixture{env: e, poolID: *p.UserPool.Id, client: *c.UserPoolClient.ClientId}
}

func (f fixture) signUp(t *testing.T, username, email string) *cip.SignUpOutput {
	t.Helper()
	return must(f.env.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String(username),
		Password: aws.String(strongPassword), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}))(t)
}

// code reads the newest code mailed to an address from the outbox.
func (f fixture) code(t *testing.T, to string) string {
	t.Helper()
	m, ok := f.env.Outbox.Latest(to)
	if !ok {
		t.Fatalf("no message to %s in the outbox", to)
	}
	if !regexp.MustCompile(`^\d{6}$`).MatchString(m.Code) || !strings.Contains(m.Body, m.Code) {
		t.Fatalf("message to %s carries no 6-digit code: %q", to, m.Body)
	}
	return m.Code
}

func (f fixture) signIn(t *testing.T, username, password string) (*types.AuthenticationResultType, error) {
	t.Helper()
	out, err := f.env.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

func (f fixture) confirmedUser(t *testing.T, username, email string) *types.AuthenticationResultType {
	t.Helper()
	f.signUp(t, username, email)
	must(f.env.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String(username), ConfirmationCode: aws.String(f.code(t, email))}))(t)
	return must(f.signIn(t, username, strongPassword))(t)
}

func testLifecycle(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client

	// Sign up: UNCONFIRMED, a masked destination, a code in the outbox.
	su := f.signUp(t, "jane", "jane@example.com")
	if su.UserConfirmed || su.UserSub == nil || len(*su.UserSub) != 36 {
		t.Fatalf("sign-up result: %+v", su)
	}
	if d := su.CodeDeliveryDetails; d == nil || *d.Destination != "j***@e***" || d.DeliveryMedium != types.DeliveryMediumTypeEmail || *d.AttributeName != "email" {
		t.Fatalf("delivery details: %+v", su.CodeDeliveryDetails)
	}
	_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("jane"), Password: aws.String(strongPassword)})
	wantErr(t, err, "UsernameExistsException", "User already exists")
	_, err = f.signIn(t, "jane", strongPassword)
	wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")
	code := f.code(t, "jane@example.com")

	// Confirm: a wrong code, then the right one, then again.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("jane"), ConfirmationCode: aws.String(wrong)})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("jane"), ConfirmationCode: aws.String(code)}))(t)
	_, err = c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("jane"), ConfirmationCode: aws.String(code)})
	wantErr(t, err, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")

	// Sign in.
	_, err = f.signIn(t, "jane", "Wrong-Password-1")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = f.signIn(t, "nobody", strongPassword)
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	res := must(f.signIn(t, "jane", strongPassword))(t)
	if res.AccessToken == nil || res.IdToken == nil || res.RefreshToken == nil || res.ExpiresIn != 3600 || *res.TokenType != "Bearer" {
		t.Fatalf("authentication result: %+v", res)
	}

	// GetUser: the profile, email verified by the confirmation.
	gu := must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
	attrs := map[string]string{}
	for _, a := range gu.UserAttributes {
		attrs[*a.Name] = *a.Value
	}
	if *gu.Username != "jane" || attrs["email"] != "jane@example.com" || attrs["email_verified"] != "true" || attrs["sub"] != *su.UserSub {
		t.Fatalf("GetUser: %s %v", *gu.Username, attrs)
	}
	ag := must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("jane")}))(t)
	if ag.UserStatus != types.UserStatusTypeConfirmed || !ag.Enabled || ag.UserCreateDate == nil {
		t.Fatalf("AdminGetUser: %+v", ag)
	}

	// Refresh with both operations: new access tokens, no new refresh token, same lineage.
	r1 := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}}))(t)
	if r1.AuthenticationResult.AccessToken == nil || r1.AuthenticationResult.RefreshToken != nil {
		t.Fatalf("REFRESH_TOKEN_AUTH result: %+v", r1.AuthenticationResult)
	}
	if claims(t, *r1.AuthenticationResult.AccessToken)["origin_jti"] != claims(t, *res.AccessToken)["origin_jti"] {
		t.Fatal("refresh changed origin_jti")
	}
	r2 := must(c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res.RefreshToken}))(t)
	must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: r2.AuthenticationResult.AccessToken}))(t)
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: aws.String("not-a-real-refresh-token")})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")

	// Change password: a wrong previous password, then the right one; the new one signs in.
	_, err = c.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String("Wrong-Password-1"), ProposedPassword: aws.String("New-Password-42")})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = c.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String(strongPassword), ProposedPassword: aws.String("short")})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	must(c.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String(strongPassword), ProposedPassword: aws.String("New-Password-42")}))(t)
	_, err = f.signIn(t, "jane", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	res2 := must(f.signIn(t, "jane", "New-Password-42"))(t)

	// Global sign-out: every token of every lineage is refused at once.
	must(c.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: res2.AccessToken}))(t)
	for _, tok := range []*string{res.AccessToken, res2.AccessToken, r2.AuthenticationResult.AccessToken} {
		_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: tok})
		wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	}
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res2.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")

	// A new sign-in after the sign-out works, even within the same second.
	res3 := must(f.signIn(t, "jane", "New-Password-42"))(t)
	must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res3.AccessToken}))(t)

	// RevokeToken kills one lineage only.
	res4 := must(f.signIn(t, "jane", "New-Password-42"))(t)
	must(c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(f.client), Token: res4.RefreshToken}))(t)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res4.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res4.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res3.AccessToken}))(t)
	must(c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(f.client), Token: aws.String("unknown-token")}))(t)
	_, err = c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(f.client), Token: res3.AccessToken})
	wantErr(t, err, "UnsupportedTokenTypeException", "")

	// Delete: the user's token stops working.
	must(c.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: res3.AccessToken}))(t)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res3.AccessToken})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("jane")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}

func testAdminCreatedUser(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("given_name"), Required: aws.Bool(true)}}
	})
	c := e.Client
	out := must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob"),
		UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("bob@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}}))(t)
	if out.User.UserStatus != types.UserStatusTypeForceChangePassword || !out.User.Enabled {
		t.Fatalf("AdminCreateUser: %+v", out.User)
	}
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob")})
	wantErr(t, err, "UsernameExistsException", "User account already exists")
	invite, ok := e.Outbox.Latest("bob@example.com")
	if !ok || !strings.Contains(invite.Body, "bob") {
		t.Fatalf("no invitation with the username: %+v", invite)
	}
	temp := invite.Code

	// Admin sign-in with the temporary password -> NEW_PASSWORD_REQUIRED.
	ia := must(c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": temp}}))(t)
	if ia.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || ia.Session == nil || len(*ia.Session) < 20 {
		t.Fatalf("challenge: %+v", ia)
	}
	if ia.ChallengeParameters["USER_ID_FOR_SRP"] != "bob" || ia.ChallengeParameters["requiredAttributes"] != `["userAttributes.given_name"]` {
		t.Fatalf("challenge parameters: %v", ia.ChallengeParameters)
	}
	respond := func(pw string, extra map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		resp := map[string]string{"USERNAME": "bob", "NEW_PASSWORD": pw}
		for k, v := range extra {
			resp[k] = v
		}
		return c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
			Session: ia.Session, ChallengeResponses: resp})
	}
	_, err = respond("weak", map[string]string{"userAttributes.given_name": "Bob"})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	_, err = respond("Bobs-New-Pass-1", nil)
	wantErr(t, err, "InvalidParameterException", "Invalid attributes given, given_name is missing")
	ok2 := must(respond("Bobs-New-Pass-1", map[string]string{"userAttributes.given_name": "Bob"}))(t)
	if ok2.AuthenticationResult == nil || ok2.AuthenticationResult.AccessToken == nil {
		t.Fatalf("no tokens after NEW_PASSWORD_REQUIRED: %+v", ok2)
	}
	// The session is single use.
	_, err = respond("Bobs-New-Pass-2", map[string]string{"userAttributes.given_name": "Bob"})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	ag := must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob")}))(t)
	if ag.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("status after new password: %s", ag.UserStatus)
	}

	// An expired challenge session (+181 s) and an expired temporary password (+7 days).
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob"), Password: aws.String("Temp-Pass-123")}))(t)
	ia2 := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "bob", "PASSWORD": "Temp-Pass-123"}}))(t)
	e.Clock.Advance(181 * time.Second)
	_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: ia2.Session, ChallengeResponses: map[string]string{"USERNAME": "bob", "NEW_PASSWORD": "Another-Pass-9"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	e.Clock.Advance(7 * 24 * time.Hour)
	_, err = f.signIn(t, "bob", "Temp-Pass-123")
	wantErr(t, err, "NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.")

	// A permanent password confirms; RESEND on a confirmed user is refused.
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob"), Password: aws.String("Perm-Pass-123"), Permanent: true}))(t)
	res := must(f.signIn(t, "bob", "Perm-Pass-123"))(t)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob"), MessageAction: types.MessageActionTypeResend})
	wantErr(t, err, "UnsupportedUserStateException", "")

	// ListUsers with filters.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("carol"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("carol@example.com")}}}))(t)
	lu := must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), Filter: aws.String(`email = "carol@example.com"`)}))(t)
	if len(lu.Users) != 1 || *lu.Users[0].Username != "carol" || lu.Users[0].UserStatus != types.UserStatusTypeForceChangePassword {
		t.Fatalf("ListUsers email filter: %+v", lu.Users)
	}
	lu = must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), Filter: aws.String(`cognito:user_status = "confirmed"`)}))(t)
	if len(lu.Users) != 1 || *lu.Users[0].Username != "bob" {
		t.Fatalf("ListUsers status filter: %+v", lu.Users)
	}
	lu = must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), Limit: aws.Int32(1)}))(t)
	if len(lu.Users) != 1 || lu.PaginationToken == nil {
		t.Fatalf("ListUsers page 1: %+v", lu)
	}
	lu2 := must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), Limit: aws.Int32(1), PaginationToken: lu.PaginationToken}))(t)
	if len(lu2.Users) != 1 || *lu2.Users[0].Username == *lu.Users[0].Username {
		t.Fatalf("ListUsers page 2: %+v", lu2)
	}
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), Filter: aws.String(`custom:x = "1"`)})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID), PaginationToken: aws.String("forged-token")})
	wantErr(t, err, "InvalidParameterException", "Invalid pagination token.")

	// AdminUserGlobalSignOut and AdminDeleteUser end the user's tokens.
	must(c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob")}))(t)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	res = must(f.signIn(t, "bob", "Perm-Pass-123"))(t)
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob")}))(t)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bob")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}

func testPoolsAndClients(t *testing.T, e *Env) {
	c := e.Client
	p := must(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("pools"),
		Schema: []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString}}}))(t)
	if !regexp.MustCompile(`^us-east-1_[0-9A-Za-z]{9}$`).MatchString(*p.UserPool.Id) {
		t.Fatalf("pool id %q", *p.UserPool.Id)
	}
	pp := p.UserPool.Policies.PasswordPolicy
	if *pp.MinimumLength != 8 || !pp.RequireUppercase || !pp.RequireLowercase || !pp.RequireNumbers || !pp.RequireSymbols || pp.TemporaryPasswordValidityDays != 7 {
		t.Fatalf("default password policy: %+v", pp)
	}
	names := map[string]bool{}
	for _, a := range p.UserPool.SchemaAttributes {
		names[*a.Name] = true
	}
	if !names["sub"] || !names["email"] || !names["custom:tenant"] {
		t.Fatalf("schema: %v", names)
	}
	d := must(c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: p.UserPool.Id}))(t)
	if *d.UserPool.Name != "pools" || d.UserPool.CreationDate == nil || *d.UserPool.Arn != "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"+*p.UserPool.Id {
		t.Fatalf("DescribeUserPool: %+v", d.UserPool)
	}
	must(c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: p.UserPool.Id, CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString}}}))(t)
	_, err := c.AddCustomAttributes(ctx, &cip.AddCustomAttributesInput{UserPoolId: p.UserPool.Id, CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString}}})
	wantErr(t, err, "InvalidParameterException", "Existing attribute already has name custom:plan.")
	must(c.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: p.UserPool.Id, Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12)}}}))(t)
	d = must(c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: p.UserPool.Id}))(t)
	if *d.UserPool.Policies.PasswordPolicy.MinimumLength != 12 || d.UserPool.Policies.PasswordPolicy.RequireSymbols {
		t.Fatalf("updated policy: %+v", d.UserPool.Policies.PasswordPolicy)
	}

	// Clients: generated secret, defaults, update, list, delete.
	cl := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("server"), GenerateSecret: true}))(t)
	uc := cl.UserPoolClient
	if !regexp.MustCompile(`^[0-9a-z]{26}$`).MatchString(*uc.ClientId) || uc.ClientSecret == nil || len(*uc.ClientSecret) < 40 {
		t.Fatalf("client: %+v", uc)
	}
	if uc.RefreshTokenValidity != 30 || *uc.AccessTokenValidity != 60 || uc.TokenValidityUnits.AccessToken != types.TimeUnitsTypeMinutes ||
		*uc.AuthSessionValidity != 3 || uc.PreventUserExistenceErrors != types.PreventUserExistenceErrorTypesLegacy || !*uc.EnableTokenRevocation {
		t.Fatalf("client defaults: %+v", uc)
	}
	if strings.Join(flows(uc.ExplicitAuthFlows), ",") != "ALLOW_REFRESH_TOKEN_AUTH,ALLOW_USER_SRP_AUTH,ALLOW_CUSTOM_AUTH" {
		t.Fatalf("default flows: %v", uc.ExplicitAuthFlows)
	}
	dc := must(c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientId: uc.ClientId}))(t)
	if *dc.UserPoolClient.ClientSecret != *uc.ClientSecret {
		t.Fatal("DescribeUserPoolClient lost the secret")
	}
	up := must(c.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientId: uc.ClientId, ClientName: aws.String("renamed"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH"}}))(t)
	if *up.UserPoolClient.ClientName != "renamed" || *up.UserPoolClient.ClientSecret != *uc.ClientSecret {
		t.Fatalf("UpdateUserPoolClient: %+v", up.UserPoolClient)
	}
	_, err = c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("mixed"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"}})
	wantErr(t, err, "InvalidParameterException", "")
	for i := 0; i < 3; i++ {
		must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String(fmt.Sprintf("c%d", i))}))(t)
	}
	seen := 0
	var next *string
	for {
		lc := must(c.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: p.UserPool.Id, MaxResults: aws.Int32(2), NextToken: next}))(t)
		seen += len(lc.UserPoolClients)
		if next = lc.NextToken; next == nil {
			break
		}
	}
	if seen != 4 {
		t.Fatalf("listed %d clients, want 4", seen)
	}
	must(c.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientId: uc.ClientId}))(t)
	_, err = c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientId: uc.ClientId})
	wantErr(t, err, "ResourceNotFoundException", "User pool client "+*uc.ClientId+" does not exist.")
	_, err = c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String("nosuchclient0000000000000a"), Username: aws.String("x"), Password: aws.String(strongPassword)})
	wantErr(t, err, "ResourceNotFoundException", "User pool client nosuchclient0000000000000a does not exist.")

	// Pools: list with pagination, delete.
	must(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("second")}))(t)
	lp := must(c.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)}))(t)
	if len(lp.UserPools) != 1 || lp.NextToken == nil {
		t.Fatalf("ListUserPools page: %+v", lp)
	}
	must(c.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: p.UserPool.Id}))(t)
	_, err = c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: p.UserPool.Id})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+*p.UserPool.Id+" does not exist.")
	protected := must(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("kept"), DeletionProtection: types.DeletionProtectionTypeActive}))(t)
	_, err = c.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: protected.UserPool.Id})
	wantErr(t, err, "InvalidParameterException", "")
}

func flows(in []types.ExplicitAuthFlowsType) []string {
	out := make([]string, len(in))
	for i, f := range in {
		out[i] = string(f)
	}
	return out
}

func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func testSecretHash(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	cl := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("confidential"), GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	id, secret := *cl.UserPoolClient.ClientId, *cl.UserPoolClient.ClientSecret
	signUp := func(hash *string) error {
		_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(id), Username: aws.String("sam"), Password: aws.String(strongPassword), SecretHash: hash,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("sam@example.com")}}})
		return err
	}
	wantErr(t, signUp(nil), "NotAuthorizedException", "Client "+id+" is configured for secret but secret was not received")
	wantErr(t, signUp(aws.String(secretHash("wrong", "sam", id))), "NotAuthorizedException", "Unable to verify secret hash for client "+id)
	if err := signUp(aws.String(secretHash(secret, "sam", id))); err != nil {
		t.Fatal(err)
	}
	must(c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(f.poolID), Username: aws.String("sam")}))(t)
	_, err := c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(f.poolID), Username: aws.String("sam")})
	wantErr(t, err, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")
	auth := func(params map[string]string) (*cip.InitiateAuthOutput, error) {
		return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params})
	}
	_, err = auth(map[string]string{"USERNAME": "sam", "PASSWORD": strongPassword})
	wantErr(t, err, "NotAuthorizedException", "Client "+id+" is configured for secret but secret was not received")
	res := must(auth(map[string]string{"USERNAME": "sam", "PASSWORD": strongPassword, "SECRET_HASH": secretHash(secret, "sam", id)}))(t)
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(id), RefreshToken: res.AuthenticationResult.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "")
	must(c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(id), ClientSecret: aws.String(secret), RefreshToken: res.AuthenticationResult.RefreshToken}))(t)
	// A refresh token works only for the client it was issued to.
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res.AuthenticationResult.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	// Flows must be enabled on the client.
	_, err = c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(id), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "sam", "PASSWORD": strongPassword, "SECRET_HASH": secretHash(secret, "sam", id)}})
	wantErr(t, err, "InvalidParameterException", "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client")
}

func testValidation(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("has space"), Password: aws.String(strongPassword)})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("pat"), Password: aws.String("alllowercase1!")})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password must have uppercase characters")
	_, err = c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("pat"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:nope"), Value: aws.String("x")}}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.\n")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "pat"}})
	wantErr(t, err, "InvalidParameterException", "Missing required parameter PASSWORD")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "pat", "PASSWORD": "x"}})
	wantErr(t, err, "InvalidParameterException", "Initiate Auth method not supported.")
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "pat"}})
	wantErr(t, err, "InvalidParameterException", "CUSTOM_AUTH flow not enabled for this client")
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String("not.a.token")})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
	_, err = c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_nopenope1")})
	wantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_nopenope1 does not exist.")

	// Raw protocol: unknown operation, malformed JSON, request id on every answer.
	for _, tc := range []struct{ target, body, typ string }{
		{"AWSCognitoIdentityProviderService.NoSuchOperation", `{}`, "UnknownOperationException"},
		{"AWSCognitoIdentityProviderService.SignUp", `{"ClientId":`, "SerializationException"},
		{"AWSCognitoIdentityProviderService.SignUp", `{"ClientId":5}`, "SerializationException"},
		{"AWSCognitoIdentityProviderService.SignUp", `{}`, "InvalidParameterException"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", tc.target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var shape struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(body, &shape); err != nil || shape.Type != tc.typ || shape.Message == "" || resp.StatusCode != 400 ||
			resp.Header.Get("x-amzn-ErrorType") != tc.typ || resp.Header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("%s %s: status %d headers %v body %s", tc.target, tc.body, resp.StatusCode, resp.Header, body)
		}
	}
	// Admin operations need a signature.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(`{"MaxResults":10}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned admin call: %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	bad := NewClient(e.URL, "AKIDUNKNOWN", "nope")
	_, err = bad.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
	wantErr(t, err, "UnrecognizedClientException", "")
}

// claims decodes a JWT's payload without verifying it (the tests check the server's verdicts).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func testTokens(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	res := f.confirmedUser(t, "tina", "tina@example.com")
	ac, id := claims(t, *res.AccessToken), claims(t, *res.IdToken)
	iss := e.URL + "/" + f.poolID
	for k, want := range map[string]any{"iss": iss, "client_id": f.client, "token_use": "access", "scope": "aws.cognito.signin.user.admin", "username": "tina"} {
		if ac[k] != want {
			t.Fatalf("access claim %s = %v, want %v", k, ac[k], want)
		}
	}
	for _, k := range []string{"sub", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id"} {
		if ac[k] == nil || id[k] == nil {
			t.Fatalf("claim %s missing: access %v id %v", k, ac, id)
		}
	}
	if _, ok := ac["aud"]; ok {
		t.Fatal("access token carries aud")
	}
	for k, want := range map[string]any{"iss": iss, "aud": f.client, "token_use": "id", "cognito:username": "tina", "email": "tina@example.com", "email_verified": true} {
		if id[k] != want {
			t.Fatalf("id claim %s = %v, want %v", k, id[k], want)
		}
	}
	if ac["event_id"] != id["event_id"] || ac["origin_jti"] != id["origin_jti"] || ac["jti"] == id["jti"] {
		t.Fatal("paired tokens must share event_id and origin_jti, not jti")
	}

	// Published keys: JWKS and discovery under the issuer.
	for _, path := range []string{"/.well-known/jwks.json", "/.well-known/openid-configuration"} {
		resp, err := http.Get(iss + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !json.Valid(body) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if path == "/.well-known/openid-configuration" && !strings.Contains(string(body), `"issuer":"`+iss+`"`) {
			t.Fatalf("discovery issuer: %s", body)
		}
	}
	if resp, err := http.Get(e.URL + "/us-east-1_nopenope1/.well-known/jwks.json"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("JWKS of an unknown pool: %v %v", resp, err)
	}

	// Forged, wrong-use and other-pool tokens are refused.
	parts := strings.Split(*res.AccessToken, ".")
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature at all, just bytes"))
	_, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(forged)})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.IdToken})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
	other := newPool(t, e, nil)
	otherRes := other.confirmedUser(t, "tina", "tina2@example.com")
	op := strings.Split(*otherRes.AccessToken, ".")
	// The other pool's signature over a payload naming this pool.
	swapped := op[0] + "." + parts[1] + "." + op[2]
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(swapped)})
	wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")

	// Expiry: an hour later the access token is expired; the refresh token still works.
	e.Clock.Advance(61 * time.Minute)
	_, err = c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has expired")
	r := must(c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res.RefreshToken}))(t)
	if claims(t, *r.AuthenticationResult.AccessToken)["auth_time"] != ac["auth_time"] {
		t.Fatal("refresh must keep auth_time")
	}
	e.Clock.Advance(30 * 24 * time.Hour)
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has expired")
}

func testConcurrentSignUp(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) { in.AutoVerifiedAttributes = nil })
	var ok, exists atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("racer"), Password: aws.String(strongPassword)})
			var ae smithy.APIError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &ae) && ae.ErrorCode() == "UsernameExistsException":
				exists.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || exists.Load() != 99 {
		t.Fatalf("100 concurrent sign-ups of one username: %d succeeded, %d exists", ok.Load(), exists.Load())
	}
}

func testEmailAsUsername(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{"email"}
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	c := e.Client
	_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("not-an-email"), Password: aws.String(strongPassword)})
	wantErr(t, err, "InvalidParameterException", "Username should be an email.")
	su := must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("Lee@Example.com"), Password: aws.String(strongPassword)}))(t)
	_, err = c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("lee@example.com"), Password: aws.String(strongPassword)})
	wantErr(t, err, "UsernameExistsException", "An account with the given email already exists.")
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("lee@example.com"), ConfirmationCode: aws.String(f.code(t, "Lee@Example.com"))}))(t)
	res := must(f.signIn(t, "LEE@example.com", strongPassword))(t)
	ac := claims(t, *res.AccessToken)
	if ac["username"] != *su.UserSub || ac["sub"] != *su.UserSub {
		t.Fatalf("email-as-username pools use the sub as username: %v", ac)
	}
	gu := must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
	if *gu.Username != *su.UserSub {
		t.Fatalf("GetUser username %s", *gu.Username)
	}
	must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("lee@example.com")}))(t)
	must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: su.UserSub}))(t)
}

func testCodes(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	confirm := func(user, code string) error {
		_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String(user), ConfirmationCode: aws.String(code)})
		return err
	}
	other := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}

	// A resend voids the old code.
	f.signUp(t, "ann", "ann@example.com")
	first := f.code(t, "ann@example.com")
	rc := must(c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(f.client), Username: aws.String("ann")}))(t)
	if *rc.CodeDeliveryDetails.Destination != "a***@e***" {
		t.Fatalf("resend details: %+v", rc.CodeDeliveryDetails)
	}
	second := f.code(t, "ann@example.com")
	if first != second {
		wantErr(t, confirm("ann", first), "CodeMismatchException", "Invalid verification code provided, please try again.")
	}
	if err := confirm("ann", second); err != nil {
		t.Fatal(err)
	}
	_, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(f.client), Username: aws.String("ann")})
	wantErr(t, err, "InvalidParameterException", "User is already confirmed.")

	// ResendConfirmationCode: five an hour per user (AUTH-05).
	f.signUp(t, "eli", "eli@example.com")
	for i := 0; i < 5; i++ {
		must(c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(f.client), Username: aws.String("eli")}))(t)
	}
	_, err = c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(f.client), Username: aws.String("eli")})
	wantErr(t, err, "LimitExceededException", "Attempt limit exceeded, please try after some time.")

	// Five wrong tries void the code, even for the right code afterwards (CODE-04).
	f.signUp(t, "ben", "ben@example.com")
	code := f.code(t, "ben@example.com")
	for i := 0; i < 5; i++ {
		wantErr(t, confirm("ben", other(code)), "CodeMismatchException", "")
	}
	wantErr(t, confirm("ben", code), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	// Codes live 24 hours (CODE-01).
	f.signUp(t, "cat", "cat@example.com")
	code = f.code(t, "cat@example.com")
	e.Clock.Advance(24*time.Hour + time.Second)
	wantErr(t, confirm("cat", code), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	// Codes are stored only as keyed hashes and never logged.
	if strings.Contains(e.Logs.String(), code) || strings.Contains(e.Logs.String(), strongPassword) {
		t.Fatal("a code or password reached the server log")
	}

	// Twenty concurrent confirmations with the right code: exactly one wins.
	f.signUp(t, "dan", "dan@example.com")
	code = f.code(t, "dan@example.com")
	var wins, losses atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := confirm("dan", code); err == nil {
				wins.Add(1)
			} else {
				losses.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("20 concurrent confirmations: %d won", wins.Load())
	}
}

func testExistenceErrors(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	hidden := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH"}}))(t)
	id := hidden.UserPoolClient.ClientId
	f.confirmedUser(t, "eve", "eve@example.com")
	// Unknown user and wrong password answer byte-identically (ENUM-01).
	_, errUnknown := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "nobody", "PASSWORD": strongPassword}})
	_, errWrong := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "eve", "PASSWORD": "Wrong-Password-1"}})
	wantErr(t, errUnknown, "NotAuthorizedException", "Incorrect username or password.")
	wantErr(t, errWrong, "NotAuthorizedException", "Incorrect username or password.")
	rc := must(c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: id, Username: aws.String("ghost@example.com")}))(t)
	if rc.CodeDeliveryDetails == nil || *rc.CodeDeliveryDetails.Destination != "g***@e***" {
		t.Fatalf("simulated delivery: %+v", rc.CodeDeliveryDetails)
	}
	// A wrong code answers alike whether or not the user exists (existence.go has the table).
	_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: id, Username: aws.String("ghost"), ConfirmationCode: aws.String("123456")})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	// The LEGACY default names the missing user.
	_, err = c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("ghost"), ConfirmationCode: aws.String("123456")})
	wantErr(t, err, "UserNotFoundException", "Username/client id combination not found.")
}

func testCaseInsensitive(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	})
	f.confirmedUser(t, "Alice", "alice@example.com")
	_, err := f.env.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("aLiCe"), Password: aws.String(strongPassword)})
	wantErr(t, err, "UsernameExistsException", "User already exists")
	res := must(f.signIn(t, "ALICE", strongPassword))(t)
	if claims(t, *res.AccessToken)["username"] != "Alice" {
		t.Fatalf("username claim keeps the spelling given at sign-up: %v", claims(t, *res.AccessToken)["username"])
	}
	cs := newPool(t, e, nil) // API default: case-sensitive
	cs.confirmedUser(t, "Bob", "bob@example.com")
	_, err = cs.signIn(t, "bob", strongPassword)
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}

func testSessionBinding(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	for _, u := range []string{"uma", "vic"} {
		must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String(u), TemporaryPassword: aws.String("Temp-Pass-123"), MessageAction: types.MessageActionTypeSuppress}))(t)
	}
	ia := must(f.env.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "uma", "PASSWORD": "Temp-Pass-123"}}))(t)
	// Uma's session cannot set Vic's password, nor be used by another client or for another step.
	_, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: ia.Session, ChallengeResponses: map[string]string{"USERNAME": "vic", "NEW_PASSWORD": "Stolen-Pass-123"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	other := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("other")}))(t)
	_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: other.UserPoolClient.ClientId, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: ia.Session, ChallengeResponses: map[string]string{"USERNAME": "uma", "NEW_PASSWORD": "Stolen-Pass-123"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: aws.String(strings.Repeat("x", 40)), ChallengeResponses: map[string]string{"USERNAME": "uma", "NEW_PASSWORD": "Stolen-Pass-123"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// The rightful answer still works.
	must(c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: ia.Session, ChallengeResponses: map[string]string{"USERNAME": "uma", "NEW_PASSWORD": "Umas-Own-Pass-1"}}))(t)
}
