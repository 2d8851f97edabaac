package apptest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runExistenceTests checks PreventUserExistenceErrors (docs/security.md): with ENABLED, every
// public operation answers a confirmed, an unconfirmed, a disabled, a FORCE_CHANGE_PASSWORD and
// an unknown user alike when the caller does not hold the user's secret; with LEGACY, Cognito's
// revealing answers stay.
func runExistenceTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("HiddenExistenceEmail", func(t *testing.T) { testHiddenExistence(t, Start(t, newTable), "email") })
	t.Run("HiddenExistencePhone", func(t *testing.T) { testHiddenExistence(t, Start(t, newTable), "phone_number") })
	t.Run("HiddenLockout", func(t *testing.T) { testHiddenLockout(t, Start(t, newTable)) })
	t.Run("HiddenUserIDForSRP", func(t *testing.T) { testHiddenUserIDForSRP(t, Start(t, newTable)) })
	t.Run("LegacyExistence", func(t *testing.T) { testLegacyExistence(t, Start(t, newTable)) })
}

// existencePool is a pool with one user of each kind and a client that hides existence.
type existencePool struct {
	fixture
	hidden string
	attr   string            // where codes go: email or phone_number
	dest   map[string]string // user -> address
}

// The kinds of user every answer is compared across; the last one does not exist.
var existenceUsers = []string{"carl", "una", "dora", "fran", "nobody"}

func newExistencePool(t *testing.T, e *Env, attr string) existencePool {
	t.Helper()
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.AutoVerifiedAttributes = []types.VerifiedAttributeType{types.VerifiedAttributeType(attr)}
	})
	c := e.Client
	h := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	ep := existencePool{fixture: f, hidden: *h.UserPoolClient.ClientId, attr: attr, dest: map[string]string{}}
	for i, u := range existenceUsers {
		if attr == "email" {
			ep.dest[u] = u + "@example.com"
		} else {
			ep.dest[u] = fmt.Sprintf("+1555555010%d", i)
		}
	}
	signUp := func(u string) {
		must(c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String(u), Password: aws.String(strongPassword),
			UserAttributes: []types.AttributeType{{Name: aws.String(attr), Value: aws.String(ep.dest[u])}}}))(t)
	}
	confirm := func(u string) {
		must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String(u), ConfirmationCode: aws.String(f.code(t, ep.dest[u]))}))(t)
	}
	signUp("carl")
	confirm("carl")
	signUp("una")
	signUp("dora")
	confirm("dora")
	must(c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("dora")}))(t)
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("fran"),
		TemporaryPassword: aws.String(strongPassword), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String(attr), Value: aws.String(ep.dest["fran"])}, {Name: aws.String(attr + "_verified"), Value: aws.String("true")}}}))(t)
	return ep
}

// answerOf renders what a caller learns from an answer: the error's type and message, or what
// the success carries (parts).
func answerOf(err error, parts ...string) string {
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode() + ": " + ae.ErrorMessage()
		}
		return "transport: " + err.Error()
	}
	return "ok " + strings.Join(parts, " ")
}

// deliveryShape is what CodeDeliveryDetails tell apart: medium, attribute, and the destination
// with every shown character replaced (a real address and a simulated one differ in letters,
// never in shape).
func deliveryShape(d *types.CodeDeliveryDetailsType) string {
	if d == nil {
		return "no CodeDeliveryDetails"
	}
	dest := []rune(aws.ToString(d.Destination))
	for i, r := range dest {
		if r != '*' && r != '@' && r != '+' {
			dest[i] = 'x'
		}
	}
	return fmt.Sprintf("%s/%s/%s", d.DeliveryMedium, aws.ToString(d.AttributeName), string(dest))
}

// sameAnswers runs probe once per user and fails unless every user got the same answer.
func sameAnswers(t *testing.T, step string, probe func(user string) string) {
	t.Helper()
	got := map[string]string{}
	for _, u := range existenceUsers {
		got[u] = probe(u)
	}
	for _, u := range existenceUsers[1:] {
		if got[u] != got[existenceUsers[0]] {
			var lines []string
			for _, v := range existenceUsers {
				lines = append(lines, fmt.Sprintf("  %-7s %s", v, got[v]))
			}
			t.Errorf("%s: the answers tell users apart:\n%s", step, strings.Join(lines, "\n"))
			return
		}
	}
}

// srpShape is what a PASSWORD_VERIFIER challenge tells about its user, besides values that are
// random for everyone.
func srpShape(typed string, out *cip.InitiateAuthOutput, err error) string {
	if err != nil {
		return answerOf(err)
	}
	p := out.ChallengeParameters
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	id := "USER_ID_FOR_SRP is " + userIDShape(typed, p["USER_ID_FOR_SRP"])
	return answerOf(nil, string(out.ChallengeName), strings.Join(keys, ","), id, fmt.Sprint("USERNAME=USER_ID_FOR_SRP:", p["USERNAME"] == p["USER_ID_FOR_SRP"]),
		fmt.Sprint("salt:", saltRe.MatchString(p["SALT"])), fmt.Sprint("B:", len(p["SRP_B"]) >= 700), fmt.Sprint("session:", len(aws.ToString(out.Session))))
}

// userIDShape relates a USER_ID_FOR_SRP to the name typed.
func userIDShape(typed, id string) string {
	switch {
	case id == typed:
		return "the name typed"
	case id == strings.ToLower(typed):
		return "the name typed, lower-cased"
	case uuidRe.MatchString(id):
		return "a UUID"
	}
	return "another name"
}

func testHiddenExistence(t *testing.T, e *Env, attr string) {
	ep := newExistencePool(t, e, attr)
	c := e.Client
	hid := aws.String(ep.hidden)
	wrongPassword := "Wrong-Password-1"

	// Password sign-in with a wrong password, past the lockout: the lock itself must not single
	// out real users.
	for i := 1; i <= 7; i++ {
		sameAnswers(t, fmt.Sprintf("USER_PASSWORD_AUTH, wrong password #%d", i), func(u string) string {
			_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": u, "PASSWORD": wrongPassword}})
			return answerOf(err)
		})
	}
	// USER_SRP_AUTH: the challenge, then a proof made with a wrong password.
	sameAnswers(t, "USER_SRP_AUTH step 1", func(u string) string {
		cl := newSRPClient(t)
		out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": u, "SRP_A": cl.SRPA()}})
		return srpShape(u, out, err)
	})
	sameAnswers(t, "PASSWORD_VERIFIER, wrong password", func(u string) string {
		a, err := ep.srpStart(t, ep.hidden, u)
		if err != nil {
			return answerOf(err)
		}
		_, err = a.respond(ep.hidden, a.answer(t, wrongPassword, a.now()))
		return answerOf(err)
	})
	// USER_AUTH: the choice offered, and a wrong password given with it or after it.
	sameAnswers(t, "USER_AUTH without a preference", func(u string) string {
		out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: map[string]string{"USERNAME": u}})
		if err != nil {
			return answerOf(err)
		}
		return answerOf(nil, string(out.ChallengeName), fmt.Sprint(out.AvailableChallenges), fmt.Sprint(len(aws.ToString(out.Session))))
	})
	sameAnswers(t, "USER_AUTH PREFERRED_CHALLENGE PASSWORD, wrong password", func(u string) string {
		_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserAuth,
			AuthParameters: map[string]string{"USERNAME": u, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": wrongPassword}})
		return answerOf(err)
	})
	sameAnswers(t, "USER_AUTH SELECT_CHALLENGE ANSWER PASSWORD, wrong password", func(u string) string {
		out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: map[string]string{"USERNAME": u}})
		if err != nil {
			return answerOf(err)
		}
		_, err = c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: hid, ChallengeName: types.ChallengeNameTypeSelectChallenge, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": u, "ANSWER": "PASSWORD", "PASSWORD": wrongPassword}})
		return answerOf(err)
	})

	// SignUp checks the password policy before the name: a weak password says nothing about it.
	sameAnswers(t, "SignUp with a weak password", func(u string) string {
		_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: hid, Username: aws.String(u), Password: aws.String("weak"),
			UserAttributes: []types.AttributeType{{Name: aws.String(attr), Value: aws.String(ep.dest[u])}}})
		return answerOf(err)
	})
	// ConfirmSignUp with a wrong code, past the code's five tries and the hourly cap of 15.
	for i := 1; i <= 16; i++ {
		sameAnswers(t, fmt.Sprintf("ConfirmSignUp, wrong code #%d", i), func(u string) string {
			_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: hid, Username: aws.String(u), ConfirmationCode: aws.String(wrongCode(t, ep, u))})
			return answerOf(err)
		})
	}
	// A failing delivery is no oracle either (ENUM-05): only a real user has an address to fail.
	e.FailMail.Store(true)
	sameAnswers(t, "ResendConfirmationCode, delivery failing", func(u string) string {
		out, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: hid, Username: aws.String(u)})
		if err != nil {
			return answerOf(err)
		}
		return answerOf(nil, deliveryShape(out.CodeDeliveryDetails))
	})
	sameAnswers(t, "ForgotPassword, delivery failing", func(u string) string {
		out, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: hid, Username: aws.String(u)})
		if err != nil {
			return answerOf(err)
		}
		return answerOf(nil, deliveryShape(out.CodeDeliveryDetails))
	})
	e.FailMail.Store(false)
	// ResendConfirmationCode and ForgotPassword, past the hourly cap of 5: a code "was sent" to
	// an address shaped like the user's.
	for i := 1; i <= 6; i++ {
		sameAnswers(t, fmt.Sprintf("ResendConfirmationCode #%d", i), func(u string) string {
			out, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: hid, Username: aws.String(u)})
			if err != nil {
				return answerOf(err)
			}
			return answerOf(nil, deliveryShape(out.CodeDeliveryDetails))
		})
	}
	var simulated []string
	for i := 1; i <= 6; i++ {
		sameAnswers(t, fmt.Sprintf("ForgotPassword #%d", i), func(u string) string {
			out, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: hid, Username: aws.String(u)})
			if err != nil {
				return answerOf(err)
			}
			if u == "nobody" {
				simulated = append(simulated, aws.ToString(out.CodeDeliveryDetails.Destination))
			}
			return answerOf(nil, deliveryShape(out.CodeDeliveryDetails))
		})
	}
	for _, d := range simulated {
		if d != simulated[0] {
			t.Errorf("an unknown user's simulated destination changes between calls: %v", simulated)
			break
		}
	}
	// ConfirmForgotPassword: a weak password, then wrong codes past the code's five tries and
	// the hourly cap of 20.
	sameAnswers(t, "ConfirmForgotPassword with a weak password", func(u string) string {
		_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: hid, Username: aws.String(u),
			ConfirmationCode: aws.String(wrongCode(t, ep, u)), Password: aws.String("weak")})
		return answerOf(err)
	})
	for i := 1; i <= 21; i++ {
		sameAnswers(t, fmt.Sprintf("ConfirmForgotPassword, wrong code #%d", i), func(u string) string {
			_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: hid, Username: aws.String(u),
				ConfirmationCode: aws.String(wrongCode(t, ep, u)), Password: aws.String("Another-Pass-1")})
			return answerOf(err)
		})
	}

	// Whoever proves the password learns the account's state, as on Cognito: the status answers
	// come after the password, never instead of it.
	e.Clock.Advance(16 * time.Minute)
	for u, want := range map[string]string{
		"una":  "UserNotConfirmedException: User is not confirmed.",
		"dora": "NotAuthorizedException: User is disabled.",
		"fran": "ok NEW_PASSWORD_REQUIRED",
		"carl": "ok tokens",
	} {
		out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hid, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": u, "PASSWORD": strongPassword}})
		got := answerOf(err)
		if err == nil && out.AuthenticationResult != nil {
			got = "ok tokens"
		} else if err == nil {
			got = answerOf(nil, string(out.ChallengeName))
		}
		if got != want {
			t.Errorf("%s with the right password: %s, want %s", u, got, want)
		}
	}
}

// testHiddenLockout: with existence hidden, a lock answers like a wrong password but still
// holds; a wrong password on an unconfirmed or disabled user is judged, so it counts toward
// lockout like any other, and the right one clears the count.
func testHiddenLockout(t *testing.T, e *Env) {
	ep := newExistencePool(t, e, "email")
	signIn := func(u, pw string) string {
		out, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(ep.hidden), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": u, "PASSWORD": pw}})
		if err == nil && out.AuthenticationResult != nil {
			return "ok tokens"
		}
		return answerOf(err)
	}
	const incorrect = "NotAuthorizedException: Incorrect username or password."
	for u, right := range map[string]string{
		"carl": "ok tokens",
		"una":  "UserNotConfirmedException: User is not confirmed.",
		"dora": "NotAuthorizedException: User is disabled.",
	} {
		for i := 1; i <= 5; i++ {
			if got := signIn(u, "Wrong-Password-1"); got != incorrect {
				t.Fatalf("%s, wrong password #%d: %s", u, i, got)
			}
		}
		// Locked for a second: the right password is refused as a wrong one would be.
		if got := signIn(u, strongPassword); got != incorrect {
			t.Fatalf("%s, right password while locked: %s, want %s", u, got, incorrect)
		}
		e.Clock.Advance(2 * time.Second)
		if got := signIn(u, strongPassword); got != right {
			t.Fatalf("%s, right password after the lock: %s, want %s", u, got, right)
		}
		// The right password cleared the count: four more wrong ones do not lock.
		for i := 1; i <= 4; i++ {
			if got := signIn(u, "Wrong-Password-1"); got != incorrect {
				t.Fatalf("%s, wrong password #%d after the right one: %s", u, i, got)
			}
		}
		if got := signIn(u, strongPassword); got != right {
			t.Fatalf("%s, right password after four wrong ones: %s, want %s", u, got, right)
		}
	}
}

// wrongCode is a code that is not the user's latest one.
func wrongCode(t *testing.T, ep existencePool, u string) string {
	t.Helper()
	if m, ok := ep.env.Outbox.Latest(ep.dest[u]); ok && m.Code == "000000" {
		return "111111"
	}
	return "000000"
}

// testHiddenUserIDForSRP: USER_ID_FOR_SRP relates to the name typed the same way for a real user
// and an unknown one, whatever the spelling or the alias typed.
func testHiddenUserIDForSRP(t *testing.T, e *Env) {
	c := e.Client
	for _, tc := range []struct {
		name        string
		pool        func(*cip.CreateUserPoolInput)
		user, email string
		real, ghost string // typed
	}{
		{"case-insensitive pool, another case", func(in *cip.CreateUserPoolInput) {
			in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
		}, "Alice", "alice@example.com", "aLICE", "gHOST"},
		// Not here: in an alias pool whose usernames are not UUIDs a known alias answers the
		// username behind it and an unknown one a UUID — a documented difference
		// (docs/security.md, USER_SRP_AUTH), as Cognito discloses the username too.
		{"case-insensitive pool, email alias, username typed", func(in *cip.CreateUserPoolInput) {
			in.AliasAttributes = []types.AliasAttributeType{"email"}
			in.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
		}, "Carl", "carl@example.com", "CARL", "GHOST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPool(t, e, tc.pool)
			f.confirmedUser(t, tc.user, tc.email)
			h := must(c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
				PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}}))(t)
			start := func(typed string) string {
				out, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: h.UserPoolClient.ClientId, AuthFlow: types.AuthFlowTypeUserSrpAuth,
					AuthParameters: map[string]string{"USERNAME": typed, "SRP_A": newSRPClient(t).SRPA()}})
				return srpShape(typed, out, err)
			}
			if r, g := start(tc.real), start(tc.ghost); r != g {
				t.Errorf("USER_SRP_AUTH tells the real user from the unknown one:\n  real  %s\n  ghost %s", r, g)
			}
		})
	}
}

// testLegacyExistence: a LEGACY client keeps Cognito's revealing answers.
func testLegacyExistence(t *testing.T, e *Env) {
	ep := newExistencePool(t, e, "email")
	c := e.Client
	cl := aws.String(ep.client)
	signIn := func(u string) string {
		_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cl, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": u, "PASSWORD": "Wrong-Password-1"}})
		return answerOf(err)
	}
	confirmSignUp := func(u string) string {
		_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: cl, Username: aws.String(u), ConfirmationCode: aws.String(wrongCode(t, ep, u))})
		return answerOf(err)
	}
	resend := func(u string) string {
		_, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: cl, Username: aws.String(u)})
		return answerOf(err)
	}
	forgot := func(u string) string {
		_, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: cl, Username: aws.String(u)})
		return answerOf(err)
	}
	confirmForgot := func(u string) string {
		_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: cl, Username: aws.String(u),
			ConfirmationCode: aws.String(wrongCode(t, ep, u)), Password: aws.String("Another-Pass-1")})
		return answerOf(err)
	}
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"wrong password, unconfirmed", signIn("una"), "UserNotConfirmedException: User is not confirmed."},
		{"wrong password, disabled", signIn("dora"), "NotAuthorizedException: User is disabled."},
		{"wrong password, unknown", signIn("nobody"), "UserNotFoundException: User does not exist."},
		{"ConfirmSignUp, confirmed", confirmSignUp("carl"), "NotAuthorizedException: User cannot be confirmed. Current status is CONFIRMED"},
		{"ConfirmSignUp, unconfirmed", confirmSignUp("una"), "CodeMismatchException: Invalid verification code provided, please try again."},
		{"ConfirmSignUp, unknown", confirmSignUp("nobody"), "UserNotFoundException: Username/client id combination not found."},
		{"ResendConfirmationCode, confirmed", resend("carl"), "InvalidParameterException: User is already confirmed."},
		{"ResendConfirmationCode, unknown", resend("nobody"), "UserNotFoundException: Username/client id combination not found."},
		{"ForgotPassword, FORCE_CHANGE_PASSWORD", forgot("fran"), "NotAuthorizedException: User password cannot be reset in the current state."},
		{"ForgotPassword, disabled", forgot("dora"), "NotAuthorizedException: User is disabled."},
		{"ForgotPassword, unknown", forgot("nobody"), "UserNotFoundException: Username/client id combination not found."},
		{"ConfirmForgotPassword, disabled", confirmForgot("dora"), "NotAuthorizedException: User is disabled."},
		{"ConfirmForgotPassword, unconfirmed", confirmForgot("una"), "UserNotConfirmedException: User is not confirmed."},
		{"ConfirmForgotPassword, unknown", confirmForgot("nobody"), "UserNotFoundException: Username/client id combination not found."},
	} {
		if tc.got != tc.want {
			t.Errorf("LEGACY %s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
}
