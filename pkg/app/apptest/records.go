package apptest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runRecordTests covers what outlives a request — refresh tokens, Sessions, devices, codes, rate
// counters, group memberships — across a user's deletion: a new user who takes the same name
// (here in another case, in a case-insensitive pool) inherits none of it, and the records of the
// deleted user answer as Cognito answers for a token, Session, device or code that does not
// exist. It also covers the atomic count of code attempts.
func runRecordTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("RecordsRefreshTokenOutlivesUser", func(t *testing.T) { testRefreshOutlivesUser(t, Start(t, newTable)) })
	t.Run("RecordsSessionOutlivesUser", func(t *testing.T) { testSessionOutlivesUser(t, Start(t, newTable)) })
	t.Run("RecordsDeviceOutlivesUser", func(t *testing.T) { testDeviceOutlivesUser(startSweepFailing(t, newTable)) })
	t.Run("RecordsCodeOutlivesUser", func(t *testing.T) { testCodeOutlivesUser(startSweepFailing(t, newTable)) })
	t.Run("RecordsGroupOutlivesUser", func(t *testing.T) { testGroupOutlivesUser(t, Start(t, newTable)) })
	t.Run("RecordsCodeAttemptRace", func(t *testing.T) { testCodeAttemptRace(t, Start(t, newTable)) })
}

// sweepFailing makes DeleteUser's sweep of the user's child items (codes, devices, rate
// counters) fail while on is set. The sweep runs after the transaction that deletes the user and
// is best effort: its failures are ignored, and a write that does not check the user (a device
// confirmed, a code sent) can land after it. What it leaves must not serve the next user.
func sweepFailing(tb store.Table, on *atomic.Bool) store.Table {
	f := storetest.NewFaulty(tb)
	f.FailWrites(errors.New("apptest: sweep failure injected"), func(ops []store.Op) bool {
		return on.Load() && len(ops) == 1 && ops[0].Kind == store.OpDelete && ops[0].Cond.Kind == store.CondNone
	})
	return f
}

// sweptEnv is an Env whose deletions leave the user's child items behind while failSweep is set.
type sweptEnv struct {
	*Env
	failSweep *atomic.Bool
}

func startSweepFailing(t *testing.T, newTable storetest.NewTable) (*testing.T, sweptEnv) {
	on := &atomic.Bool{}
	e := Start(t, func(t *testing.T, clk clock.Clock) store.Table { return sweepFailing(newTable(t, clk), on) })
	return t, sweptEnv{Env: e, failSweep: on}
}

// caseInsensitivePool is newPool with case-insensitive usernames, so that MALLORY is mallory.
func caseInsensitivePool(t *testing.T, e *Env, mod func(*cip.CreateUserPoolInput)) fixture {
	return newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
		if mod != nil {
			mod(in)
		}
	})
}

func testRefreshOutlivesUser(t *testing.T, e *Env) {
	c := e.Client
	f := caseInsensitivePool(t, e, nil)
	old := f.confirmedUser(t, "mallory", "mallory@example.com")
	must(c.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: old.AccessToken}))(t)
	victim := f.confirmedUser(t, "MALLORY", "victim@example.com")

	_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *old.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(f.client), RefreshToken: old.RefreshToken})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	// Revoking the dead token is the success RFC 7009 gives an unknown token, and touches
	// nothing of the new user's.
	must(c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(f.client), Token: old.RefreshToken}))(t)
	r := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *victim.RefreshToken}}))(t)
	if claims(t, *r.AuthenticationResult.IdToken)["email"] != "victim@example.com" {
		t.Fatalf("the new user's own refresh: %v", claims(t, *r.AuthenticationResult.IdToken))
	}
}

func testSessionOutlivesUser(t *testing.T, e *Env) {
	c := e.Client
	f := caseInsensitivePool(t, e, nil)
	pool := aws.String(f.poolID)
	ua := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("choice"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"}}))(t)
	client := ua.UserPoolClient.ClientId
	const invalid = "Invalid session for the user, session is expired."

	// The Session ConfirmSignUp returns (USER_AUTH without a factor).
	must(c.SignUp(ctx, &cip.SignUpInput{ClientId: client, Username: aws.String("mallory"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("mallory@example.com")}}}))(t)
	cs := must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: client, Username: aws.String("mallory"),
		ConfirmationCode: aws.String(f.code(t, "mallory@example.com"))}))(t)
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("mallory")}))(t)
	f.confirmedUser(t, "MALLORY", "victim@example.com")
	for _, name := range []string{"MALLORY", "mallory"} {
		_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserAuth,
			AuthParameters: map[string]string{"USERNAME": name}, Session: cs.Session})
		wantErr(t, err, "NotAuthorizedException", invalid)
	}

	// The Session of NEW_PASSWORD_REQUIRED.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("nina"), TemporaryPassword: aws.String("Temp-Pass-123"),
		MessageAction: types.MessageActionTypeSuppress}))(t)
	np := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "nina", "PASSWORD": "Temp-Pass-123"}}))(t)
	if np.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
		t.Fatalf("want NEW_PASSWORD_REQUIRED: %+v", np)
	}
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("nina")}))(t)
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("NINA"), TemporaryPassword: aws.String("Other-Temp-456"),
		MessageAction: types.MessageActionTypeSuppress}))(t)
	for _, name := range []string{"NINA", "nina"} {
		_, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
			Session: np.Session, ChallengeResponses: map[string]string{"USERNAME": name, "NEW_PASSWORD": "Stolen-Pass-123"}})
		wantErr(t, err, "NotAuthorizedException", invalid)
	}
	_, err := f.signIn(t, "NINA", "Stolen-Pass-123")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// The Session of SELECT_CHALLENGE, answered with the new user's password.
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("sel"), MessageAction: types.MessageActionTypeSuppress}))(t)
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("sel"), Password: aws.String(strongPassword), Permanent: true}))(t)
	sel := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: map[string]string{"USERNAME": "sel"}}))(t)
	if sel.ChallengeName != types.ChallengeNameTypeSelectChallenge {
		t.Fatalf("want SELECT_CHALLENGE: %+v", sel)
	}
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("sel")}))(t)
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("SEL"), MessageAction: types.MessageActionTypeSuppress}))(t)
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("SEL"), Password: aws.String(strongPassword), Permanent: true}))(t)
	_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: client, ChallengeName: types.ChallengeNameTypeSelectChallenge,
		Session: sel.Session, ChallengeResponses: map[string]string{"USERNAME": "SEL", "ANSWER": "PASSWORD", "PASSWORD": strongPassword}})
	wantErr(t, err, "NotAuthorizedException", invalid)

	// The PASSWORD_VERIFIER step of SRP, answered for the new user with the same password: the
	// attempt is refused unjudged, so it does not count toward the new user's lockout either.
	f.confirmedUser(t, "pat", "pat@example.com")
	a := must(f.srpStart(t, f.client, "pat"))(t)
	must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("pat")}))(t)
	f.confirmedUser(t, "PAT", "victim@example.com")
	_, err = a.respond(f.client, a.answer(t, strongPassword, a.now()))
	wantErr(t, err, "NotAuthorizedException", invalid)
	for range 5 {
		_, err = f.signIn(t, "PAT", "Wrong-Password-1")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	}
	_, err = f.signIn(t, "PAT", "Wrong-Password-1")
	wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
}

func testDeviceOutlivesUser(t *testing.T, e sweptEnv) {
	c := e.Client
	f := caseInsensitivePool(t, e.Env, func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: false}
	})
	pool := aws.String(f.poolID)
	old := f.confirmedUser(t, "mallory", "mallory@example.com")
	dev, _ := confirmDevice(t, e.Env, old)
	e.failSweep.Store(true)
	must(c.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: old.AccessToken}))(t)
	e.failSweep.Store(false)
	victim := f.confirmedUser(t, "MALLORY", "victim@example.com")
	mine, _ := confirmDevice(t, e.Env, victim)

	const gone = "Device does not exist."
	ld := must(c.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: victim.AccessToken}))(t)
	al := must(c.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: pool, Username: aws.String("MALLORY")}))(t)
	for what, list := range map[string][]types.DeviceType{"ListDevices": ld.Devices, "AdminListDevices": al.Devices} {
		if len(list) != 1 || *list[0].DeviceKey != mine.key {
			t.Fatalf("%s of the new user: %d devices, want only its own", what, len(list))
		}
	}
	_, err := c.GetDevice(ctx, &cip.GetDeviceInput{AccessToken: victim.AccessToken, DeviceKey: aws.String(dev.key)})
	wantErr(t, err, "ResourceNotFoundException", gone)
	_, err = c.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: pool, Username: aws.String("MALLORY"), DeviceKey: aws.String(dev.key)})
	wantErr(t, err, "ResourceNotFoundException", gone)
	_, err = c.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: victim.AccessToken, DeviceKey: aws.String(dev.key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered})
	wantErr(t, err, "ResourceNotFoundException", gone)
	_, err = c.AdminForgetDevice(ctx, &cip.AdminForgetDeviceInput{UserPoolId: pool, Username: aws.String("MALLORY"), DeviceKey: aws.String(dev.key)})
	wantErr(t, err, "ResourceNotFoundException", gone)
	// Signing in with the old device (its secret is the deleted user's) is refused as an
	// unknown device, before any device challenge.
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "MALLORY", "PASSWORD": strongPassword, "DEVICE_KEY": dev.key}})
	wantErr(t, err, "ResourceNotFoundException", gone)
	// The new user's own device works.
	pa := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "MALLORY", "PASSWORD": strongPassword, "DEVICE_KEY": mine.key}}))(t)
	must(mine.signIn(t, e.Env, f.client, "MALLORY", pa.Session, mine.password))(t)
}

func testCodeOutlivesUser(t *testing.T, e sweptEnv) {
	c := e.Client
	f := caseInsensitivePool(t, e.Env, nil)
	pool := aws.String(f.poolID)
	deleteKeepingChildren := func(name string) {
		t.Helper()
		e.failSweep.Store(true)
		defer e.failSweep.Store(false)
		must(c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String(name)}))(t)
	}
	const expired = "Invalid code provided, please request a code again."

	// A sign-up code of the deleted user does not confirm the new one (who, signing up without
	// an address, was sent no code of its own).
	f.signUp(t, "mallory", "mallory@example.com")
	code := f.code(t, "mallory@example.com")
	deleteKeepingChildren("mallory")
	must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("MALLORY"), Password: aws.String(strongPassword)}))(t)
	_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("MALLORY"), ConfirmationCode: aws.String(code)})
	wantErr(t, err, "ExpiredCodeException", expired)
	if u := must(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("MALLORY")}))(t); u.UserStatus != types.UserStatusTypeUnconfirmed {
		t.Fatalf("the new user is %s", u.UserStatus)
	}

	// A password-reset code of the deleted user does not reset the new one's password, and the
	// deleted user's hourly count of resets is not the new user's.
	f.confirmedUser(t, "oscar", "oscar@example.com")
	for range 5 {
		must(c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("oscar")}))(t)
	}
	reset, _ := e.Outbox.Latest("oscar@example.com")
	deleteKeepingChildren("oscar")
	f.confirmedUser(t, "OSCAR", "victim@example.com")
	_, err = c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("OSCAR"),
		ConfirmationCode: aws.String(reset.Code), Password: aws.String("Stolen-Pass-123")})
	wantErr(t, err, "ExpiredCodeException", expired)
	must(f.signIn(t, "OSCAR", strongPassword))(t)
	must(c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("OSCAR")}))(t)
}

func testGroupOutlivesUser(t *testing.T, e *Env) {
	c := e.Client
	f := caseInsensitivePool(t, e, nil)
	pool := aws.String(f.poolID)
	must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("admins")}))(t)
	old := f.confirmedUser(t, "mallory", "mallory@example.com")
	must(c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("mallory"), GroupName: aws.String("admins")}))(t)
	must(c.DeleteUser(ctx, &cip.DeleteUserInput{AccessToken: old.AccessToken}))(t)
	victim := f.confirmedUser(t, "MALLORY", "victim@example.com")

	members := must(c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: pool, GroupName: aws.String("admins")}))(t)
	if len(members.Users) != 0 {
		t.Fatalf("the new user is listed in the deleted user's group: %s", *members.Users[0].Username)
	}
	groups := must(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("MALLORY")}))(t)
	if len(groups.Groups) != 0 || claims(t, *victim.AccessToken)["cognito:groups"] != nil {
		t.Fatalf("the new user inherited groups: %d, claim %v", len(groups.Groups), claims(t, *victim.AccessToken)["cognito:groups"])
	}
	// Joining the group later lists it once.
	must(c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("MALLORY"), GroupName: aws.String("admins")}))(t)
	members = must(c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: pool, GroupName: aws.String("admins")}))(t)
	if len(members.Users) != 1 || *members.Users[0].Username != "MALLORY" {
		t.Fatalf("ListUsersInGroup after joining: %+v", members.Users)
	}
}

// testCodeAttemptRace sends a burst of wrong codes at once: at most five are judged (answered
// CodeMismatchException), however they interleave; the code is then void, so the right code
// answers as an exhausted one.
func testCodeAttemptRace(t *testing.T, e *Env) {
	c := e.Client
	f := newPool(t, e, nil)
	f.signUp(t, "rae", "rae@example.com")
	code := f.code(t, "rae@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	confirm := func(code string) error {
		_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("rae"), ConfirmationCode: aws.String(code)})
		return err
	}
	outcome := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		if err == nil {
			return "success"
		}
		return err.Error()
	}
	const burst = 12 // under ConfirmSignUp's hourly cap of 15
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := outcome(confirm(wrong))
			mu.Lock()
			seen[o]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	judged := seen["CodeMismatchException"]
	// Besides a verdict, a wrong code may hear that the code is spent, or that the hourly counter
	// was too contended to count it; nothing else.
	if judged > 5 || judged+seen["ExpiredCodeException"]+seen["TooManyRequestsException"] != burst {
		t.Fatalf("%d concurrent wrong codes: %v; at most 5 may be judged", burst, seen)
	}
	// Exhaust what the burst left (a contended counter may have refused some), in a new hourly
	// window: each remaining try is judged, and then none.
	e.Clock.Advance(time.Hour + time.Second)
	for ; judged < 5; judged++ {
		wantErr(t, confirm(wrong), "CodeMismatchException", "")
	}
	wantErr(t, confirm(wrong), "ExpiredCodeException", "Invalid code provided, please request a code again.")
	wantErr(t, confirm(code), "ExpiredCodeException", "Invalid code provided, please request a code again.")
}
