package apptest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runLifecycleTests covers the account lifecycle: groups, recovery, attributes, admin status
// changes and protections.
func runLifecycleTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("Groups", func(t *testing.T) { testGroups(t, Start(t, newTable)) })
	t.Run("ForgotPassword", func(t *testing.T) { testForgotPassword(t, Start(t, newTable)) })
	t.Run("Attributes", func(t *testing.T) { testAttributes(t, Start(t, newTable)) })
	t.Run("VerifyBeforeUpdate", func(t *testing.T) { testVerifyBeforeUpdate(t, Start(t, newTable)) })
	t.Run("AdminStatus", func(t *testing.T) { testAdminStatus(t, Start(t, newTable)) })
	t.Run("Lockout", func(t *testing.T) { testLockout(t, Start(t, newTable)) })
	t.Run("DeliveryFailure", func(t *testing.T) { testDeliveryFailure(t, Start(t, newTable)) })
	t.Run("ListUsersFilters", func(t *testing.T) { testListUsersFilters(t, Start(t, newTable)) })
	t.Run("ForceAliasCreation", func(t *testing.T) { testForceAliasCreation(t, Start(t, newTable)) })
	t.Run("ConcurrentAttributeUpdates", func(t *testing.T) { testConcurrentAttributeUpdates(t, Start(t, newTable)) })
	t.Run("ConcurrentLockout", func(t *testing.T) { testConcurrentLockout(t, Start(t, newTable)) })
}

func testGroups(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	pool := aws.String(f.poolID)
	g := must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("admins"), Precedence: aws.Int32(1),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/admins"), Description: aws.String("the admins")}))(t)
	if *g.Group.GroupName != "admins" || *g.Group.Precedence != 1 || g.Group.CreationDate == nil {
		t.Fatalf("CreateGroup: %+v", g.Group)
	}
	_, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("admins")})
	wantErr(t, err, "GroupExistsException", "A group with the name admins already exists.")
	must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("readers"), Precedence: aws.Int32(5),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/readers")}))(t)
	must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	_, err = c.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: pool, GroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	up := must(c.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: pool, GroupName: aws.String("beta"), Description: aws.String("early access")}))(t)
	if *up.Group.Description != "early access" {
		t.Fatalf("UpdateGroup: %+v", up.Group)
	}
	lg := must(c.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool, Limit: aws.Int32(2)}))(t)
	lg2 := must(c.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool, Limit: aws.Int32(2), NextToken: lg.NextToken}))(t)
	if len(lg.Groups)+len(lg2.Groups) != 3 || lg2.NextToken != nil {
		t.Fatalf("ListGroups pages: %d + %d", len(lg.Groups), len(lg2.Groups))
	}

	f.confirmedUser(t, "gus", "gus@example.com")
	for _, name := range []string{"readers", "admins", "beta", "admins"} { // adding twice is fine
		must(c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String(name)}))(t)
	}
	_, err = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	_, err = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("nobody"), GroupName: aws.String("beta")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	fg := must(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("gus")}))(t)
	if len(fg.Groups) != 3 || *fg.Groups[0].GroupName != "admins" || *fg.Groups[1].GroupName != "readers" || *fg.Groups[2].GroupName != "beta" {
		t.Fatalf("AdminListGroupsForUser order: %+v", fg.Groups)
	}

	// Tokens carry the groups by precedence, the roles, and the preferred role.
	res := must(f.signIn(t, "gus", strongPassword))(t)
	ac, id := claims(t, *res.AccessToken), claims(t, *res.IdToken)
	for _, m := range []map[string]any{ac, id} {
		gs, _ := m["cognito:groups"].([]any)
		if len(gs) != 3 || gs[0] != "admins" || gs[1] != "readers" || gs[2] != "beta" {
			t.Fatalf("cognito:groups = %v", m["cognito:groups"])
		}
	}
	if id["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/admins" {
		t.Fatalf("preferred role: %v", id["cognito:preferred_role"])
	}
	if roles, _ := id["cognito:roles"].([]any); len(roles) != 2 {
		t.Fatalf("cognito:roles = %v", id["cognito:roles"])
	}
	if _, ok := ac["cognito:roles"]; ok {
		t.Fatal("access tokens carry no roles")
	}

	ug := must(c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	if len(ug.Users) != 1 || *ug.Users[0].Username != "gus" {
		t.Fatalf("ListUsersInGroup: %+v", ug.Users)
	}
	must(c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String("readers")}))(t)
	must(c.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	_, err = c.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: pool, GroupName: aws.String("beta")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	fg = must(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("gus")}))(t)
	if len(fg.Groups) != 1 || *fg.Groups[0].GroupName != "admins" {
		t.Fatalf("after remove and delete: %+v", fg.Groups)
	}
	res = must(f.signIn(t, "gus", strongPassword))(t)
	if gs, _ := claims(t, *res.AccessToken)["cognito:groups"].([]any); len(gs) != 1 {
		t.Fatalf("groups after changes: %v", gs)
	}
}

func userAttrs(t *testing.T, e *Env, pool, username string) map[string]string {
	t.Helper()
	out := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(username)}))(t)
	m := map[string]string{"status": string(out.UserStatus)}
	for _, a := range out.UserAttributes {
		m[*a.Name] = *a.Value
	}
	return m
}

func testForgotPassword(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	f.confirmedUser(t, "fay", "fay@example.com")
	forgot := func(user string) (*cip.ForgotPasswordOutput, error) {
		return c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String(user)})
	}
	confirm := func(user, code, pw string) error {
		_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String(user),
			ConfirmationCode: aws.String(code), Password: aws.String(pw)})
		return err
	}
	out := must(forgot("fay"))(t)
	if d := out.CodeDeliveryDetails; *d.Destination != "f***@e***" || d.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("ForgotPassword delivery: %+v", d)
	}
	m, _ := e.Outbox.Latest("fay@example.com")
	if m.Kind != "ForgotPassword" {
		t.Fatalf("message kind %s", m.Kind)
	}
	code := m.Code
	wantErr(t, confirm("fay", code, "weak"), "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	wantErr(t, confirm("fay", "000000"+code[:0], "Recovered-Pass-1"), "CodeMismatchException", "")
	// Twenty parallel confirmations with the right code: exactly one sets the password (CODE-03).
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if confirm("fay", code, "Recovered-Pass-1") == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("20 parallel ConfirmForgotPassword: %d succeeded", wins.Load())
	}
	must(f.signIn(t, "fay", "Recovered-Pass-1"))(t)
	// Codes live one hour.
	must(forgot("fay"))(t)
	code2, _ := e.Outbox.Latest("fay@example.com")
	e.Clock.Advance(time.Hour + time.Second)
	wantErr(t, confirm("fay", code2.Code, "Recovered-Pass-2"), "ExpiredCodeException", "Invalid code provided, please request a code again.")

	// No verified channel; unknown users (LEGACY and ENABLED); the hourly cap.
	f.signUp(t, "gil", "gil@example.com")
	must(c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(f.poolID), Username: aws.String("gil")}))(t)
	_, err := forgot("gil")
	wantErr(t, err, "InvalidParameterException", "Cannot reset password for the user as there is no registered/verified email or phone_number")
	_, err = forgot("nobody")
	wantErr(t, err, "UserNotFoundException", "Username/client id combination not found.")
	hidden := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}))(t)
	sim := must(c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: hidden.UserPoolClient.ClientId, Username: aws.String("nobody@example.com")}))(t)
	if *sim.CodeDeliveryDetails.Destination != "n***@e***" {
		t.Fatalf("simulated delivery: %+v", sim.CodeDeliveryDetails)
	}
	// The window opened after the clock moved: five calls pass, the sixth is refused.
	for i := 0; i < 5; i++ {
		must(forgot("fay"))(t)
	}
	_, err = forgot("fay")
	wantErr(t, err, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
	e.Clock.Advance(61 * time.Minute)
	must(forgot("fay"))(t)
}

func testAttributes(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.AliasAttributes = []types.AliasAttributeType{"email"}
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("tier"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)}}
	})
	c := e.Client
	res := f.confirmedUser(t, "hal", "hal@example.com")
	// A verified email is an alias for signing in.
	must(f.signIn(t, "hal@example.com", strongPassword))(t)

	upd := must(c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: res.AccessToken, UserAttributes: []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String("hal@new.example.com")}, {Name: aws.String("given_name"), Value: aws.String("Hal")}}}))(t)
	if len(upd.CodeDeliveryDetailsList) != 1 || *upd.CodeDeliveryDetailsList[0].Destination != "h***@n***" {
		t.Fatalf("update delivery: %+v", upd.CodeDeliveryDetailsList)
	}
	a := userAttrs(t, e, f.poolID, "hal")
	if a["email"] != "hal@new.example.com" || a["email_verified"] != "false" || a["given_name"] != "Hal" {
		t.Fatalf("after update: %v", a)
	}
	// Unverified, the new address is no alias; the old one is gone.
	_, err := f.signIn(t, "hal@new.example.com", strongPassword)
	wantErr(t, err, "UserNotFoundException", "")
	_, err = f.signIn(t, "hal@example.com", strongPassword)
	wantErr(t, err, "UserNotFoundException", "")
	code := f.code(t, "hal@new.example.com")
	_, err = c.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String("000000"[:6])})
	if code != "000000" {
		wantErr(t, err, "CodeMismatchException", "")
	}
	must(c.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String(code)}))(t)
	must(f.signIn(t, "hal@new.example.com", strongPassword))(t)

	// Another user cannot take the verified alias.
	other := f.confirmedUser(t, "ivy", "ivy@example.com")
	must(c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: other.AccessToken, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("hal@new.example.com")}}}))(t)
	_, err = c.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: other.AccessToken, AttributeName: aws.String("email"), Code: aws.String(f.code(t, "hal@new.example.com"))})
	wantErr(t, err, "AliasExistsException", "An account with the email already exists.")

	// GetUserAttributeVerificationCode re-sends; immutable and unknown attributes are refused.
	gv := must(c.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: other.AccessToken, AttributeName: aws.String("email")}))(t)
	if gv.CodeDeliveryDetails.AttributeName == nil || *gv.CodeDeliveryDetails.AttributeName != "email" {
		t.Fatalf("verification code details: %+v", gv.CodeDeliveryDetails)
	}
	must(c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("hal"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:tier"), Value: aws.String("gold")}}}))(t)
	_, err = c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("hal"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:tier"), Value: aws.String("silver")}}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:tier: Attribute cannot be updated. (changing an immutable attribute)\n")
	_, err = c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: res.AccessToken, UserAttributes: []types.AttributeType{{Name: aws.String("nickname2"), Value: aws.String("x")}}})
	wantErr(t, err, "InvalidParameterException", "")

	// Admins may set a verified email directly; deleting attributes.
	must(c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ivy"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ivy@other.example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}))(t)
	must(f.signIn(t, "ivy@other.example.com", strongPassword))(t)
	must(c.DeleteUserAttributes(ctx, &cip.DeleteUserAttributesInput{AccessToken: res.AccessToken, UserAttributeNames: []string{"given_name"}}))(t)
	must(c.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ivy"), UserAttributeNames: []string{"email"}}))(t)
	if a := userAttrs(t, e, f.poolID, "ivy"); a["email"] != "" || a["email_verified"] != "" {
		t.Fatalf("after deleting email: %v", a)
	}
	if a := userAttrs(t, e, f.poolID, "hal"); a["given_name"] != "" {
		t.Fatalf("after deleting given_name: %v", a)
	}
	_, err = f.signIn(t, "ivy@other.example.com", strongPassword)
	wantErr(t, err, "UserNotFoundException", "")

	// Legacy MFA settings round-trip.
	must(c.SetUserSettings(ctx, &cip.SetUserSettingsInput{AccessToken: res.AccessToken, MFAOptions: []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeSms, AttributeName: aws.String("phone_number")}}}))(t)
	gu := must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
	if len(gu.MFAOptions) != 1 {
		t.Fatalf("MFAOptions: %+v", gu.MFAOptions)
	}
}

func testVerifyBeforeUpdate(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameAttributes = []types.UsernameAttributeType{"email"}
		in.UserAttributeUpdateSettings = &types.UserAttributeUpdateSettingsType{AttributesRequireVerificationBeforeUpdate: []types.VerifiedAttributeType{"email"}}
	})
	c := e.Client
	res := f.confirmedUser(t, "joy@example.com", "joy@example.com")
	must(c.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: res.AccessToken, UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("joy@new.example.com")}}}))(t)
	// Until verified, the old address still signs in and stays verified; the new one does not.
	must(f.signIn(t, "joy@example.com", strongPassword))(t)
	_, err := f.signIn(t, "joy@new.example.com", strongPassword)
	wantErr(t, err, "UserNotFoundException", "")
	gu := must(c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
	for _, a := range gu.UserAttributes {
		if *a.Name == "email" && *a.Value != "joy@example.com" || *a.Name == "email_verified" && *a.Value != "true" {
			t.Fatalf("old email must stay active: %s=%s", *a.Name, *a.Value)
		}
	}
	must(c.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String(f.code(t, "joy@new.example.com"))}))(t)
	must(f.signIn(t, "joy@new.example.com", strongPassword))(t)
	_, err = f.signIn(t, "joy@example.com", strongPassword)
	wantErr(t, err, "UserNotFoundException", "")
}

func testAdminStatus(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	pool := aws.String(f.poolID)
	res := f.confirmedUser(t, "kim", "kim@example.com")
	must(c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: aws.String("kim")}))(t)
	_, err := c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: res.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
	_, err = f.signIn(t, "kim", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "User is disabled.")
	if ag := must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("kim")}))(t); ag.Enabled {
		t.Fatal("AdminGetUser: still enabled")
	}
	lu := must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool, Filter: aws.String(`status = "Disabled"`)}))(t)
	if len(lu.Users) != 1 {
		t.Fatalf("disabled filter: %+v", lu.Users)
	}
	must(c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: pool, Username: aws.String("kim")}))(t)
	must(f.signIn(t, "kim", strongPassword))(t)

	// AdminResetUserPassword: RESET_REQUIRED, a code by mail, then ConfirmForgotPassword.
	must(c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: pool, Username: aws.String("kim")}))(t)
	if a := userAttrs(t, e, f.poolID, "kim"); a["status"] != "RESET_REQUIRED" {
		t.Fatalf("status after reset: %v", a["status"])
	}
	_, err = f.signIn(t, "kim", strongPassword)
	wantErr(t, err, "PasswordResetRequiredException", "Password reset required for the user")
	code := f.code(t, "kim@example.com")
	must(c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("kim"), ConfirmationCode: aws.String(code), Password: aws.String("After-Reset-1")}))(t)
	must(f.signIn(t, "kim", "After-Reset-1"))(t)
	var ae interface{ ErrorCode() string }
	_, err = c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: aws.String("nobody")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "UserNotFoundException" {
		t.Fatalf("disable unknown: %v", err)
	}
}

func testLockout(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	res := f.confirmedUser(t, "lou", "lou@example.com")
	wrong := func() error { _, err := f.signIn(t, "lou", "Wrong-Password-1"); return err }
	for i := 0; i < 5; i++ {
		wantErr(t, wrong(), "NotAuthorizedException", "Incorrect username or password.")
	}
	// Locked for 1 s: even the right password is refused, without counting.
	_, err := f.signIn(t, "lou", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	e.Clock.Advance(500 * time.Millisecond)
	wantErr(t, wrong(), "NotAuthorizedException", "Password attempts exceeded")
	e.Clock.Advance(600 * time.Millisecond)
	// The 6th evaluated failure locks for 2 s; admin password flows count too (AUTH-04).
	_, err = c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "lou", "PASSWORD": "Wrong-Password-1"}})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	e.Clock.Advance(1500 * time.Millisecond)
	_, err = f.signIn(t, "lou", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	e.Clock.Advance(time.Second)
	// A wrong previous password in ChangePassword counts as a failure as well.
	_, err = c.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String("Wrong-Password-1"), ProposedPassword: aws.String("Another-Pass-1")})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = f.signIn(t, "lou", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	// The lock grows to at most 15 minutes; 15 quiet minutes reset the count; success resets it.
	for i := 0; i < 12; i++ {
		e.Clock.Advance(16 * time.Minute)
		for j := 0; j < 6; j++ {
			_ = wrong()
		}
	}
	e.Clock.Advance(16 * time.Minute)
	must(f.signIn(t, "lou", strongPassword))(t)
	for i := 0; i < 5; i++ {
		wantErr(t, wrong(), "NotAuthorizedException", "Incorrect username or password.")
	}

	// The persistent ceiling (AUTH-02): 100 consecutive failures, however slow, stop password
	// sign-in until the password is reset.
	f.confirmedUser(t, "max", "max@example.com")
	for i := 0; i < 100; i++ {
		e.Clock.Advance(16 * time.Minute)
		_, _ = f.signIn(t, "max", "Wrong-Password-1")
	}
	e.Clock.Advance(16 * time.Minute)
	_, err = f.signIn(t, "max", strongPassword)
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(f.poolID), Username: aws.String("max"), Password: aws.String("Fresh-Pass-123"), Permanent: true}))(t)
	must(f.signIn(t, "max", "Fresh-Pass-123"))(t)
}

func testConcurrentLockout(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	f.confirmedUser(t, "ned", "ned@example.com")
	// 50 concurrent wrong passwords: at most 5 are evaluated (AUTH-03).
	var evaluated, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.env.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": "ned", "PASSWORD": "Wrong-Password-1"}})
			var ae interface{ ErrorMessage() string }
			switch {
			case errors.As(err, &ae) && ae.ErrorMessage() == "Incorrect username or password.":
				evaluated.Add(1)
			case errors.As(err, &ae) && ae.ErrorMessage() == "Password attempts exceeded":
				refused.Add(1)
			default:
				t.Errorf("unexpected answer: %v", err)
			}
		}()
	}
	wg.Wait()
	if evaluated.Load() > 5 || evaluated.Load()+refused.Load() != 50 {
		t.Fatalf("50 concurrent wrong passwords: %d evaluated, %d refused", evaluated.Load(), refused.Load())
	}
}

func testDeliveryFailure(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	e.FailMail.Store(true)
	_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("pat"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("pat@example.com")}}})
	wantErr(t, err, "CodeDeliveryFailureException", "")
	// The user is whole (UNCONFIRMED) and can ask for the code again once mail works.
	if a := userAttrs(t, e, f.poolID, "pat"); a["status"] != "UNCONFIRMED" || a["email"] != "pat@example.com" {
		t.Fatalf("after a failed delivery: %v", a)
	}
	_, err = c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("pat")})
	wantErr(t, err, "InvalidParameterException", "")
	e.FailMail.Store(false)
	must(c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(f.client), Username: aws.String("pat")}))(t)
	must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("pat"), ConfirmationCode: aws.String(f.code(t, "pat@example.com"))}))(t)
	// An invitation that cannot be delivered creates no user.
	e.FailMail.Store(true)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("quinn"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("quinn@example.com")}}, DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}})
	wantErr(t, err, "CodeDeliveryFailureException", "")
	_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("quinn")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	e.FailMail.Store(false)
}

func testListUsersFilters(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.Schema = []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString}}
		in.UserPoolTags = map[string]string{"cognate:searchable": "custom:tenant"}
	})
	c := e.Client
	pool := aws.String(f.poolID)
	for _, u := range []struct{ name, email, given, tenant string }{
		{"amy", "Amy@Example.com", "Amy", "acme"}, {"amos", "amos@example.com", "Amos", "acme"},
		{"bea", "bea@example.org", "Bea", "globex"}, {"ben", "ben@example.org", `Ben "B" O'Neil`, "globex"},
	} {
		must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String(u.name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(u.email)}, {Name: aws.String("given_name"), Value: aws.String(u.given)},
				{Name: aws.String("custom:tenant"), Value: aws.String(u.tenant)}}}))(t)
	}
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("bea"), Password: aws.String(strongPassword), Permanent: true}))(t)
	must(c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: aws.String("ben")}))(t)
	names := func(filter string) []string {
		t.Helper()
		var out []string
		var tok *string
		for {
			lu := must(c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool, Filter: aws.String(filter), Limit: aws.Int32(1), PaginationToken: tok}))(t)
			for _, u := range lu.Users {
				out = append(out, *u.Username)
			}
			if tok = lu.PaginationToken; tok == nil {
				return out
			}
		}
	}
	for filter, want := range map[string]string{
		`username = "amy"`:                              "amy",
		`username ^= "am"`:                              "amy,amos",
		`email = "amy@example.com"`:                     "amy",
		`email ^= "AM"`:                                 "amy,amos",
		`email ^= "b"`:                                  "bea,ben",
		`given_name = "Ben \"B\" O'Neil"`:               "ben",
		`cognito:user_status = "confirmed"`:             "bea",
		`cognito:user_status = "FORCE_CHANGE_PASSWORD"`: "amy,amos,ben",
		`status = "Disabled"`:                           "ben",
		`custom:tenant = "acme"`:                        "amy,amos",
		`family_name = "nobody"`:                        "",
	} {
		got := names(filter)
		slices.Sort(got)
		w := strings.Split(want, ",")
		if want == "" {
			w = nil
		}
		slices.Sort(w)
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("%s: got %v, want %v", filter, got, w)
		}
	}
	_, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool, Filter: aws.String(`custom:plan = "x"`)})
	wantErr(t, err, "InvalidParameterException", "Invalid search attribute: custom:plan")
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool, Filter: aws.String(`email = amy`)})
	wantErr(t, err, "InvalidParameterException", "Error while parsing filter.")
	// Attribute changes move the index with them.
	must(c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: aws.String("amy"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:tenant"), Value: aws.String("globex")}}}))(t)
	if got := names(`custom:tenant = "acme"`); len(got) != 1 || got[0] != "amos" {
		t.Errorf("after the update: %v", got)
	}
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("amos")}))(t)
	if got := names(`email ^= "am"`); len(got) != 1 || got[0] != "amy" {
		t.Errorf("after the delete: %v", got)
	}
}

func testForceAliasCreation(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) { in.AliasAttributes = []types.AliasAttributeType{"email"} })
	c := e.Client
	pool := aws.String(f.poolID)
	f.confirmedUser(t, "old", "shared@example.com")
	// A second sign-up with the same email is accepted; the clash shows at confirmation.
	f.signUp(t, "new", "shared@example.com")
	code := f.code(t, "shared@example.com")
	confirm := func(force bool) error {
		_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("new"), ConfirmationCode: aws.String(code), ForceAliasCreation: force})
		return err
	}
	wantErr(t, confirm(false), "AliasExistsException", "An account with the email already exists.")
	// Nothing changed: the old owner still signs in with the email.
	must(f.signIn(t, "shared@example.com", strongPassword))(t)
	if a := userAttrs(t, e, f.poolID, "new"); a["status"] != "UNCONFIRMED" {
		t.Fatalf("a refused confirmation changed the user: %v", a)
	}
	// With ForceAliasCreation the alias moves, atomically.
	if err := confirm(true); err != nil {
		t.Fatal(err)
	}
	res := must(f.signIn(t, "shared@example.com", strongPassword))(t)
	if claims(t, *res.AccessToken)["username"] != "new" {
		t.Fatal("the email must now sign in the new user")
	}
	if a := userAttrs(t, e, f.poolID, "old"); a["email_verified"] != "false" {
		t.Fatalf("the previous owner keeps a verified email: %v", a)
	}
	must(f.signIn(t, "old", strongPassword))(t)
	// AdminCreateUser with ForceAliasCreation takes it again.
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("third"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	wantErr(t, err, "AliasExistsException", "")
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("third"), MessageAction: types.MessageActionTypeSuppress, ForceAliasCreation: true,
		TemporaryPassword: aws.String("Temp-Pass-123"),
		UserAttributes:    []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}))(t)
	ia := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "shared@example.com", "PASSWORD": "Temp-Pass-123"}}))(t)
	if ia.ChallengeParameters["USER_ID_FOR_SRP"] != "third" {
		t.Fatalf("the email signs in %v", ia.ChallengeParameters)
	}
}

// Twenty concurrent attribute updates of one user lose nothing (DDB-04).
func testConcurrentAttributeUpdates(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		for i := 0; i < 20; i++ {
			in.Schema = append(in.Schema, types.SchemaAttributeType{Name: aws.String(fmt.Sprintf("a%d", i)), AttributeDataType: types.AttributeDataTypeString})
		}
	})
	f.confirmedUser(t, "zed", "zed@example.com")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("zed"),
				UserAttributes: []types.AttributeType{{Name: aws.String(fmt.Sprintf("custom:a%d", i)), Value: aws.String(fmt.Sprint(i))}}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	a := userAttrs(t, e, f.poolID, "zed")
	for i := 0; i < 20; i++ {
		if a[fmt.Sprintf("custom:a%d", i)] != fmt.Sprint(i) {
			t.Fatalf("update %d was lost: %v", i, a)
		}
	}
}
