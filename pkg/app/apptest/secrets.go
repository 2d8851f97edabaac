package apptest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/mail/outbox"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runSecretTests: on a client with a secret, every public operation and every sign-in step
// refuses a missing SECRET_HASH (ClientSecret for GetTokensFromRefreshToken and RevokeToken), a
// wrong one, another user's and another client's, with Cognito's error, and changes nothing;
// the same request with the right one then does what it does. Without these cases, dropping
// any single check in pkg/userpool kept every suite green.
func runSecretTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("ClientSecrets", func(t *testing.T) { testClientSecrets(t, Start(t, newTable)) })
}

// secretPool is a pool with a confidential client allowing every flow, and a second
// confidential client (whose hashes and secret must not work on the first).
type secretPool struct {
	fixture
	secret        string
	other         string // the other client's id
	otherSecret   string
	missingHash   string // Cognito's messages for this client
	missingSecret string
	wrongHash     string
}

func newSecretPool(t *testing.T, e *Env, mod func(*cip.CreateUserPoolInput)) secretPool {
	t.Helper()
	f := newPool(t, e, mod)
	flows := []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
	mk := func(name string) *types.UserPoolClientType {
		return must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String(name),
			GenerateSecret: true, ExplicitAuthFlows: flows}))(t).UserPoolClient
	}
	c, o := mk("confidential"), mk("other-confidential")
	f.client = *c.ClientId
	return secretPool{fixture: f, secret: *c.ClientSecret, other: *o.ClientId, otherSecret: *o.ClientSecret,
		// Any operation without SECRET_HASH (protocol §5; what pkg/userpool sends). Reports of
		// RespondToAuthChallenge without it on Cognito quote missingSecret's text instead
		// (furaiev/amazon-cognito-identity-dart-2#249, an SMS_MFA answer): unconfirmed.
		missingHash: "Client " + f.client + " is configured for secret but secret was not received",
		// GetTokensFromRefreshToken and RevokeToken without ClientSecret (protocol §1.2).
		missingSecret: "Client " + f.client + " is configured with secret but SECRET_HASH was not received",
		wrongHash:     "Unable to verify secret hash for client " + f.client}
}

func (s secretPool) hash(user string) string { return secretHash(s.secret, user, s.client) }

// badValue is a refused SECRET_HASH or ClientSecret ("" = none sent) and the message it gets.
type badValue struct{ what, value, msg string }

// badHashes are the refused SECRET_HASH values for a request whose right hash is over user.
func (s secretPool) badHashes(user string) []badValue {
	return []badValue{
		{"missing", "", s.missingHash},
		{"wrong secret", secretHash("not-the-client-secret", user, s.client), s.wrongHash},
		{"another user's", s.hash("ola"), s.wrongHash},
		{"another client's", secretHash(s.otherSecret, user, s.other), s.wrongHash},
		{"over the client id alone", s.hash(""), s.wrongHash},
	}
}

// badSecrets are the refused ClientSecret values.
func (s secretPool) badSecrets() []badValue {
	return []badValue{
		{"missing", "", s.missingSecret},
		{"wrong", "not-the-client-secret", s.wrongHash},
		{"another client's", s.otherSecret, s.wrongHash},
		{"a SECRET_HASH instead", s.hash("ola"), s.wrongHash},
	}
}

// confirmed makes a CONFIRMED user with a verified email, through admin calls only.
func (s secretPool) confirmed(t *testing.T, name string) {
	t.Helper()
	c := s.env.Client
	must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}))(t)
	must(c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(s.poolID), Username: aws.String(name), Password: aws.String(strongPassword), Permanent: true}))(t)
}

// signedUp signs a user up through the confidential client and returns the sign-up answer and
// the code it was mailed.
func (s secretPool) signedUp(t *testing.T, name string) (*cip.SignUpOutput, string) {
	t.Helper()
	out := must(s.env.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(s.client), Username: aws.String(name), Password: aws.String(strongPassword),
		SecretHash: aws.String(s.hash(name)), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}}))(t)
	return out, s.code(t, name+"@example.com")
}

// passwordAuth is USER_PASSWORD_AUTH with the right SECRET_HASH.
func (s secretPool) passwordAuth(t *testing.T, name, password string, extra map[string]string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	params := map[string]string{"USERNAME": name, "PASSWORD": password, "SECRET_HASH": s.hash(name)}
	for k, v := range extra {
		params[k] = v
	}
	return s.env.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params})
}

func (s secretPool) status(t *testing.T, name string) types.UserStatusType {
	t.Helper()
	return must(s.env.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String(name)}))(t).UserStatus
}

func (s secretPool) mails(name string) int {
	return len(s.env.Outbox.Messages(outbox.Filter{To: name + "@example.com"}))
}

// withHash returns params with SECRET_HASH set to hash, or without it when hash is "".
func withHash(params map[string]string, hash string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = v
	}
	if hash != "" {
		out["SECRET_HASH"] = hash
	}
	return out
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return aws.String(v)
}

// secretCase is one request on the confidential client, with its state made.
type secretCase struct {
	bad  []badValue
	call func(value string) error // the request with this SECRET_HASH or ClientSecret
	// unchanged checks that the refused calls changed nothing (nil: the right call's own
	// success proves it, e.g. a Session or code still usable).
	unchanged func(t *testing.T)
	// rightErr is what the right value gets when the request fails for another reason ("" = 200).
	rightErr string
	right    string // the right value
	// after checks what the accepted call did.
	after func(t *testing.T)
}

func testClientSecrets(t *testing.T, e *Env) {
	c := e.Client
	s := newSecretPool(t, e, nil)
	s.confirmed(t, "ola") // the other user, whose hashes must not work for anyone else
	// A pool remembering every confirmed device, for the device challenges.
	d := newSecretPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: false}
	})
	d.confirmed(t, "ola")

	hashCase := func(s secretPool, user string, call func(string) error) secretCase {
		return secretCase{bad: s.badHashes(user), right: s.hash(user), call: call}
	}
	initiate := func(s secretPool, flow types.AuthFlowType, params map[string]string, session *string) func(string) error {
		return func(h string) error {
			_, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.client), AuthFlow: flow, AuthParameters: withHash(params, h), Session: session})
			return err
		}
	}
	adminInitiate := func(s secretPool, flow types.AuthFlowType, params map[string]string) func(string) error {
		return func(h string) error {
			_, err := c.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(s.poolID), ClientId: aws.String(s.client), AuthFlow: flow, AuthParameters: withHash(params, h)})
			return err
		}
	}
	respond := func(s secretPool, name types.ChallengeNameType, session *string, resp map[string]string) func(string) error {
		return func(h string) error {
			_, err := c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(s.client), ChallengeName: name, Session: session, ChallengeResponses: withHash(resp, h)})
			return err
		}
	}
	adminRespond := func(s secretPool, name types.ChallengeNameType, session *string, resp map[string]string) func(string) error {
		return func(h string) error {
			_, err := c.AdminRespondToAuthChallenge(ctx, &cip.AdminRespondToAuthChallengeInput{UserPoolId: aws.String(s.poolID), ClientId: aws.String(s.client),
				ChallengeName: name, Session: session, ChallengeResponses: withHash(resp, h)})
			return err
		}
	}
	refreshToken := func(t *testing.T, s secretPool, name string) string {
		s.confirmed(t, name)
		return *must(s.passwordAuth(t, name, strongPassword, nil))(t).AuthenticationResult.RefreshToken
	}
	// srpChallenge starts USER_SRP_AUTH with the right hash and returns the PASSWORD_VERIFIER
	// answer, without SECRET_HASH, and its Session.
	srpChallenge := func(t *testing.T, s secretPool, name, password string) (map[string]string, *string) {
		cl := newSRPClient(t)
		out := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": name, "SRP_A": cl.SRPA(), "SECRET_HASH": s.hash(name)}}))(t)
		a := &srpAttempt{f: s.fixture, client: cl, name: string(out.ChallengeName), params: out.ChallengeParameters, sess: out.Session}
		return a.answer(t, password, a.now()), out.Session
	}
	newPasswordChallenge := func(t *testing.T, s secretPool, name string) *string {
		must(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String(name), TemporaryPassword: aws.String("Temp-Pass-123"),
			MessageAction: types.MessageActionTypeSuppress}))(t)
		out := must(s.passwordAuth(t, name, "Temp-Pass-123", nil))(t)
		if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired {
			t.Fatalf("want NEW_PASSWORD_REQUIRED: %+v", out)
		}
		return out.Session
	}
	wantStatus := func(s secretPool, name string, want types.UserStatusType) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			if got := s.status(t, name); got != want {
				t.Fatalf("%s is %s, want %s", name, got, want)
			}
		}
	}
	wantMails := func(s secretPool, name string, want int) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			if got := s.mails(name); got != want {
				t.Fatalf("%d messages to %s, want %d", got, name, want)
			}
		}
	}
	signsIn := func(s secretPool, name, password string, ok bool) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			_, err := s.passwordAuth(t, name, password, nil)
			if ok && err != nil {
				t.Fatalf("%s with %s: %v", name, password, err)
			}
			if !ok {
				wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
			}
		}
	}
	// deviceSRP signs in on the device pool with a remembered device and returns the device and
	// the Session of its DEVICE_SRP_AUTH challenge.
	deviceSRP := func(t *testing.T, name string) (deviceClient, *string) {
		d.confirmed(t, name)
		first := must(d.passwordAuth(t, name, strongPassword, nil))(t).AuthenticationResult
		dev, cd := confirmDevice(t, e, first)
		if cd.UserConfirmationNecessary {
			t.Fatal("the device pool should remember devices without asking")
		}
		out := must(d.passwordAuth(t, name, strongPassword, map[string]string{"DEVICE_KEY": dev.key}))(t)
		if out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
			t.Fatalf("want DEVICE_SRP_AUTH: %+v", out)
		}
		return dev, out.Session
	}

	cases := []struct {
		name    string
		prepare func(t *testing.T) secretCase
	}{
		// ---- the sign-up and recovery operations ----
		{"SignUp", func(t *testing.T) secretCase {
			sc := hashCase(s, "sue", func(h string) error {
				_, err := c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(s.client), Username: aws.String("sue"), Password: aws.String(strongPassword),
					SecretHash: optional(h), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("sue@example.com")}}})
				return err
			})
			sc.unchanged = func(t *testing.T) {
				_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String("sue")})
				wantErr(t, err, "UserNotFoundException", "User does not exist.")
				wantMails(s, "sue", 0)(t)
			}
			sc.after = func(t *testing.T) {
				wantStatus(s, "sue", types.UserStatusTypeUnconfirmed)(t)
				wantMails(s, "sue", 1)(t)
			}
			return sc
		}},
		{"ConfirmSignUp", func(t *testing.T) secretCase {
			_, code := s.signedUp(t, "cara")
			sc := hashCase(s, "cara", func(h string) error {
				_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(s.client), Username: aws.String("cara"), ConfirmationCode: aws.String(code), SecretHash: optional(h)})
				return err
			})
			// The right call confirms with the same code: it was not consumed or counted.
			sc.unchanged = wantStatus(s, "cara", types.UserStatusTypeUnconfirmed)
			sc.after = wantStatus(s, "cara", types.UserStatusTypeConfirmed)
			return sc
		}},
		{"ConfirmSignUp, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", func(h string) error {
				_, err := c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(s.client), Username: aws.String("nobody"), ConfirmationCode: aws.String("123456"), SecretHash: optional(h)})
				return err
			})
			sc.rightErr = "UserNotFoundException"
			return sc
		}},
		{"ResendConfirmationCode", func(t *testing.T) secretCase {
			s.signedUp(t, "rex")
			sc := hashCase(s, "rex", func(h string) error {
				_, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(s.client), Username: aws.String("rex"), SecretHash: optional(h)})
				return err
			})
			sc.unchanged, sc.after = wantMails(s, "rex", 1), wantMails(s, "rex", 2)
			return sc
		}},
		{"ResendConfirmationCode, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", func(h string) error {
				_, err := c.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(s.client), Username: aws.String("nobody"), SecretHash: optional(h)})
				return err
			})
			sc.rightErr = "UserNotFoundException"
			return sc
		}},
		{"ForgotPassword", func(t *testing.T) secretCase {
			s.confirmed(t, "fay")
			sc := hashCase(s, "fay", func(h string) error {
				_, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(s.client), Username: aws.String("fay"), SecretHash: optional(h)})
				return err
			})
			sc.unchanged, sc.after = wantMails(s, "fay", 0), wantMails(s, "fay", 1)
			return sc
		}},
		{"ForgotPassword, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", func(h string) error {
				_, err := c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(s.client), Username: aws.String("nobody"), SecretHash: optional(h)})
				return err
			})
			sc.rightErr = "UserNotFoundException"
			return sc
		}},
		{"ConfirmForgotPassword", func(t *testing.T) secretCase {
			s.confirmed(t, "gil")
			must(c.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(s.client), Username: aws.String("gil"), SecretHash: aws.String(s.hash("gil"))}))(t)
			code := s.code(t, "gil@example.com")
			sc := hashCase(s, "gil", func(h string) error {
				_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(s.client), Username: aws.String("gil"),
					ConfirmationCode: aws.String(code), Password: aws.String("Reset-Pass-42"), SecretHash: optional(h)})
				return err
			})
			// The password is the old one; the right call then uses the same code.
			sc.unchanged = signsIn(s, "gil", strongPassword, true)
			sc.after = func(t *testing.T) {
				signsIn(s, "gil", "Reset-Pass-42", true)(t)
				signsIn(s, "gil", strongPassword, false)(t)
			}
			return sc
		}},
		{"ConfirmForgotPassword, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", func(h string) error {
				_, err := c.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(s.client), Username: aws.String("nobody"),
					ConfirmationCode: aws.String("123456"), Password: aws.String("Reset-Pass-42"), SecretHash: optional(h)})
				return err
			})
			sc.rightErr = "UserNotFoundException"
			return sc
		}},

		// ---- InitiateAuth, every flow ----
		{"InitiateAuth USER_PASSWORD_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "pia")
			return hashCase(s, "pia", initiate(s, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "pia", "PASSWORD": strongPassword}, nil))
		}},
		{"InitiateAuth USER_PASSWORD_AUTH, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", initiate(s, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "nobody", "PASSWORD": strongPassword}, nil))
			sc.rightErr = "UserNotFoundException"
			return sc
		}},
		{"InitiateAuth USER_SRP_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "sri")
			return hashCase(s, "sri", initiate(s, types.AuthFlowTypeUserSrpAuth, map[string]string{"USERNAME": "sri", "SRP_A": newSRPClient(t).SRPA()}, nil))
		}},
		{"InitiateAuth USER_SRP_AUTH, unknown user", func(t *testing.T) secretCase {
			sc := hashCase(s, "nobody", initiate(s, types.AuthFlowTypeUserSrpAuth, map[string]string{"USERNAME": "nobody", "SRP_A": newSRPClient(t).SRPA()}, nil))
			sc.rightErr = "UserNotFoundException"
			return sc
		}},
		{"InitiateAuth REFRESH_TOKEN_AUTH", func(t *testing.T) secretCase {
			rt := refreshToken(t, s, "ria")
			return hashCase(s, "ria", initiate(s, types.AuthFlowTypeRefreshTokenAuth, map[string]string{"REFRESH_TOKEN": rt}, nil))
		}},
		{"InitiateAuth USER_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "uli")
			return hashCase(s, "uli", initiate(s, types.AuthFlowTypeUserAuth, map[string]string{"USERNAME": "uli", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": strongPassword}, nil))
		}},
		{"InitiateAuth USER_AUTH with the ConfirmSignUp Session", func(t *testing.T) secretCase {
			su, code := s.signedUp(t, "ned")
			cs := must(c.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(s.client), Username: aws.String("ned"), ConfirmationCode: aws.String(code),
				Session: su.Session, SecretHash: aws.String(s.hash("ned"))}))(t)
			// The right call signs in with the same Session: the refused ones did not spend it.
			return hashCase(s, "ned", initiate(s, types.AuthFlowTypeUserAuth, map[string]string{"USERNAME": "ned"}, cs.Session))
		}},
		{"AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "ada")
			return hashCase(s, "ada", adminInitiate(s, types.AuthFlowTypeAdminUserPasswordAuth, map[string]string{"USERNAME": "ada", "PASSWORD": strongPassword}))
		}},
		{"AdminInitiateAuth USER_SRP_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "asa")
			return hashCase(s, "asa", adminInitiate(s, types.AuthFlowTypeUserSrpAuth, map[string]string{"USERNAME": "asa", "SRP_A": newSRPClient(t).SRPA()}))
		}},
		{"AdminInitiateAuth REFRESH_TOKEN_AUTH", func(t *testing.T) secretCase {
			rt := refreshToken(t, s, "art")
			return hashCase(s, "art", adminInitiate(s, types.AuthFlowTypeRefreshTokenAuth, map[string]string{"REFRESH_TOKEN": rt}))
		}},
		{"AdminInitiateAuth USER_AUTH", func(t *testing.T) secretCase {
			s.confirmed(t, "aua")
			return hashCase(s, "aua", adminInitiate(s, types.AuthFlowTypeUserAuth, map[string]string{"USERNAME": "aua", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": strongPassword}))
		}},

		// ---- RespondToAuthChallenge, every challenge ----
		{"RespondToAuthChallenge PASSWORD_VERIFIER", func(t *testing.T) secretCase {
			s.confirmed(t, "pev")
			// The right call answers with the same SECRET_BLOCK and signature: not spent.
			resp, session := srpChallenge(t, s, "pev", strongPassword)
			return hashCase(s, "pev", respond(s, types.ChallengeNameTypePasswordVerifier, session, resp))
		}},
		{"AdminRespondToAuthChallenge PASSWORD_VERIFIER", func(t *testing.T) secretCase {
			s.confirmed(t, "apv")
			resp, session := srpChallenge(t, s, "apv", strongPassword)
			return hashCase(s, "apv", adminRespond(s, types.ChallengeNameTypePasswordVerifier, session, resp))
		}},
		{"RespondToAuthChallenge NEW_PASSWORD_REQUIRED", func(t *testing.T) secretCase {
			session := newPasswordChallenge(t, s, "nia")
			sc := hashCase(s, "nia", respond(s, types.ChallengeNameTypeNewPasswordRequired, session, map[string]string{"USERNAME": "nia", "NEW_PASSWORD": "Nias-Own-Pass-1"}))
			sc.unchanged = wantStatus(s, "nia", types.UserStatusTypeForceChangePassword)
			sc.after = func(t *testing.T) {
				wantStatus(s, "nia", types.UserStatusTypeConfirmed)(t)
				signsIn(s, "nia", "Nias-Own-Pass-1", true)(t)
			}
			return sc
		}},
		{"AdminRespondToAuthChallenge NEW_PASSWORD_REQUIRED", func(t *testing.T) secretCase {
			session := newPasswordChallenge(t, s, "ani")
			sc := hashCase(s, "ani", adminRespond(s, types.ChallengeNameTypeNewPasswordRequired, session, map[string]string{"USERNAME": "ani", "NEW_PASSWORD": "Anis-Own-Pass-1"}))
			sc.unchanged = wantStatus(s, "ani", types.UserStatusTypeForceChangePassword)
			sc.after = wantStatus(s, "ani", types.UserStatusTypeConfirmed)
			return sc
		}},
		{"RespondToAuthChallenge SELECT_CHALLENGE", func(t *testing.T) secretCase {
			s.confirmed(t, "sel")
			out := must(c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(s.client), AuthFlow: types.AuthFlowTypeUserAuth,
				AuthParameters: map[string]string{"USERNAME": "sel", "SECRET_HASH": s.hash("sel")}}))(t)
			if out.ChallengeName != types.ChallengeNameTypeSelectChallenge {
				t.Fatalf("want SELECT_CHALLENGE: %+v", out)
			}
			return hashCase(s, "sel", respond(s, types.ChallengeNameTypeSelectChallenge, out.Session, map[string]string{"USERNAME": "sel", "ANSWER": "PASSWORD", "PASSWORD": strongPassword}))
		}},
		{"RespondToAuthChallenge DEVICE_SRP_AUTH", func(t *testing.T) secretCase {
			dev, session := deviceSRP(t, "dan")
			return hashCase(d, "dan", respond(d, types.ChallengeNameTypeDeviceSrpAuth, session, map[string]string{"USERNAME": "dan", "DEVICE_KEY": dev.key, "SRP_A": newSRPClient(t).SRPA()}))
		}},
		{"RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER", func(t *testing.T) secretCase {
			dev, session := deviceSRP(t, "dov")
			dc := newSRPClient(t)
			ch := must(c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(d.client), ChallengeName: types.ChallengeNameTypeDeviceSrpAuth,
				Session: session, ChallengeResponses: map[string]string{"USERNAME": "dov", "DEVICE_KEY": dev.key, "SRP_A": dc.SRPA(), "SECRET_HASH": d.hash("dov")}}))(t)
			p := ch.ChallengeParameters
			ts := srp.FormatTimestamp(e.Clock.Now())
			sig, err := dc.PasswordClaim(dev.group, dev.key, dev.password, srp.Challenge{Salt: p["SALT"], B: p["SRP_B"], SecretBlock: p["SECRET_BLOCK"]}, ts)
			if err != nil {
				t.Fatal(err)
			}
			return hashCase(d, "dov", respond(d, types.ChallengeNameTypeDevicePasswordVerifier, ch.Session, map[string]string{"USERNAME": "dov", "DEVICE_KEY": dev.key,
				"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}))
		}},

		// ---- the raw ClientSecret ----
		{"GetTokensFromRefreshToken", func(t *testing.T) secretCase {
			rt := refreshToken(t, s, "gus")
			return secretCase{bad: s.badSecrets(), right: s.secret, call: func(v string) error {
				_, err := c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(s.client), RefreshToken: aws.String(rt), ClientSecret: optional(v)})
				return err
			}}
		}},
		{"RevokeToken", func(t *testing.T) secretCase {
			rt := refreshToken(t, s, "rev")
			refresh := func() error {
				_, err := c.GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: aws.String(s.client), RefreshToken: aws.String(rt), ClientSecret: aws.String(s.secret)})
				return err
			}
			return secretCase{bad: s.badSecrets(), right: s.secret,
				call: func(v string) error {
					_, err := c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(s.client), Token: aws.String(rt), ClientSecret: optional(v)})
					return err
				},
				unchanged: func(t *testing.T) {
					if err := refresh(); err != nil {
						t.Fatalf("a refused RevokeToken revoked the token: %v", err)
					}
				},
				after: func(t *testing.T) { wantErr(t, refresh(), "NotAuthorizedException", "Invalid Refresh Token") },
			}
		}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := tc.prepare(t)
			for _, b := range sc.bad {
				if err := checkErr(sc.call(b.value), "NotAuthorizedException", b.msg); err != nil {
					t.Errorf("%s: %v", b.what, err)
				}
			}
			if t.Failed() {
				t.FailNow()
			}
			if sc.unchanged != nil {
				sc.unchanged(t)
			}
			err := sc.call(sc.right)
			switch {
			case sc.rightErr == "" && err != nil:
				t.Fatalf("with the right value: %v", err)
			case sc.rightErr != "":
				if err := checkErr(err, sc.rightErr, ""); err != nil {
					t.Fatalf("with the right value: %v", err)
				}
			}
			if sc.after != nil {
				sc.after(t)
			}
		})
	}
}

// checkErr is wantErr as a value: nil when err is the Cognito error typ (with msg, unless "").
func checkErr(err error, typ, msg string) error {
	var ae smithy.APIError
	if err == nil {
		return fmt.Errorf("accepted; want %s %q", typ, msg)
	}
	if !errors.As(err, &ae) || ae.ErrorCode() != typ || (msg != "" && ae.ErrorMessage() != msg) {
		return fmt.Errorf("got %v; want %s %q", err, typ, msg)
	}
	return nil
}
