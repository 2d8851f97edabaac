package awsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/crypto/bcrypt"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
	"github.com/cognatehq/cognate/pkg/hooks/migration"
	"github.com/cognatehq/cognate/pkg/lambdahttp/eventstest"
)

// sampleHooks run events/hooks/<name> for the sample hooks that reach AWS, one entry per folder:
// start runs the hook's real binary under the emulator (deployed: the environment the template
// declares, its AWS SDK pointed at DynamoDB Local and the SES emulator) on the state
// events/README.md says the folder's events assume, and returns what checks each event.
// Every event file must have an expectation there.
var sampleHooks = []struct {
	dir   string
	start func(t *testing.T, b backends) (env map[string]string, check func(t *testing.T, d *deployed, name string, raw []byte))
}{
	{"hooks/pre-token-claims", startPreTokenClaims},
	{"hooks/post-confirmation-welcome", startWelcome},
	{"hooks/user-migration", startUserMigration},
	{"hooks/email-otp-define", startEmailOTPDefine},
	{"hooks/email-otp-create", startEmailOTPCreate},
	{"hooks/email-otp-verify", startEmailOTPVerify},
}

// The users the hook events name (events/README.md).
const (
	aliceSub       = "6f1c2a9e-0d3b-4b8e-9a51-0c2f4e7d8b10"
	aliceEmail     = "alice@example.com"
	legacyPassword = "Legacy-Passw0rd!"
	postedCode     = "482913" // the code the email-otp events' earlier round posed
)

// runSampleHooks runs every folder of sampleHooks.
func (h *harness) runSampleHooks(t *testing.T) {
	for _, hook := range sampleHooks {
		t.Run(hook.dir, func(t *testing.T) {
			env, check := hook.start(t, h.b)
			d := h.b.start(t, hook.dir, env)
			names, err := eventstest.Files(hook.dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(names) == 0 {
				t.Fatalf("events/%s holds no event", hook.dir)
			}
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					raw, err := eventstest.Read(hook.dir, name)
					if err != nil {
						t.Fatal(err)
					}
					check(t, d, name, raw)
				})
			}
		})
	}
}

// hookEnv is the function's environment: vars as template.yaml declares them, and a CALL_TIMEOUT
// for emulators on a loaded machine.
func hookEnv(vars ...string) map[string]string {
	env := map[string]string{"CALL_TIMEOUT": hooktest.CallTimeout.String()}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	return env
}

// binary is a hook's real binary under the emulator as a typed handler.
func binary[E any](d *deployed) func(ctx context.Context, ev E) (E, error) {
	return func(ctx context.Context, ev E) (out E, err error) {
		err = d.invoke(ctx, ev, &out)
		return out, err
	}
}

// functionFailed tells whether err is the function's own error with want's message.
func functionFailed(err, want error) bool {
	var fe *functionError
	return errors.As(err, &fe) && fe.Message == want.Error()
}

func decodeEvent(t *testing.T, raw []byte, v any) {
	t.Helper()
	if eventstest.Placeholder.Match(raw) {
		t.Fatal("hook events carry no placeholders")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

func noExpectation(t *testing.T, name string) {
	t.Helper()
	t.Fatalf("%s: no expectation for this event in pkg/awsapp sampleHooks; add one", name)
}

// startPreTokenClaims: the claims table holds alice's entitlements; bob has none.
func startPreTokenClaims(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	db := ddblocal.NewClient(b.ddbEndpoint)
	table := hooktest.Table(t, db, "sub")
	hooktest.Put(t, db, table, map[string]any{"sub": aliceSub, "tenant_id": "acme", "plan": "pro", "scopes": []string{"orders/read"}})
	env := hookEnv("CLAIMS_TABLE", table)
	alice := map[string]any{"tenant_id": "acme", "plan": "pro"}
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsPreTokenGenV2_0](d)
		var ev events.CognitoEventUserPoolsPreTokenGenV2_0
		decodeEvent(t, raw, &ev)
		out, err := fn(t.Context(), ev)
		if err != nil {
			t.Fatal(err)
		}
		o := out.Response.ClaimsAndScopeOverrideDetails
		switch name {
		case "authentication.json", "refresh-tokens.json":
			if !reflect.DeepEqual(o.IDTokenGeneration.ClaimsToAddOrOverride, alice) || !reflect.DeepEqual(o.AccessTokenGeneration.ClaimsToAddOrOverride, alice) ||
				!reflect.DeepEqual(o.AccessTokenGeneration.ScopesToAdd, []string{"orders/read"}) {
				t.Errorf("answer %+v", o)
			}
		case "no-entitlements.json":
			if !reflect.DeepEqual(out, ev) {
				t.Errorf("a user without entitlements: the event changed: %+v", o)
			}
		default:
			noExpectation(t, name)
		}
	}
}

// mailsTo counts what the SES emulator holds for to (every signer mode's run sends to it).
func mailsTo(t *testing.T, b backends, to string) int {
	return len(seslocal.Messages(t, b.sesEndpoint, to))
}

// startWelcome: nothing to set up; the SES emulator receives the mail.
func startWelcome(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	env := hookEnv("FROM_ADDRESS", fromAddress, "APP_NAME", "Acme")
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsPostConfirmation](d)
		var ev events.CognitoEventUserPoolsPostConfirmation
		decodeEvent(t, raw, &ev)
		to := ev.Request.UserAttributes["email"]
		before := mailsTo(t, b, to)
		out, err := fn(t.Context(), ev)
		if err != nil || !reflect.DeepEqual(out, ev) {
			t.Fatalf("err %v; the event must come back unchanged", err)
		}
		sent := mailsTo(t, b, to) - before
		switch name {
		case "confirm-sign-up.json":
			msgs := seslocal.Messages(t, b.sesEndpoint, to)
			if m := msgs[len(msgs)-1]; sent != 1 || m.Subject != "Welcome to Acme" || !strings.HasPrefix(m.Text(), "Hello Alice,") {
				t.Errorf("%d mails; newest %+v", sent, m)
			}
		case "confirm-forgot-password.json", "admin-confirmed-unverified.json":
			if sent != 0 {
				t.Errorf("%d mails sent", sent)
			}
		default:
			noExpectation(t, name)
		}
	}
}

// startUserMigration: the legacy table holds olga with a bcrypt hash of legacyPassword.
func startUserMigration(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	db := ddblocal.NewClient(b.ddbEndpoint)
	table := hooktest.Table(t, db, "username")
	hash, err := bcrypt.GenerateFromPassword([]byte(legacyPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hooktest.Put(t, db, table, map[string]any{"username": "olga", "email": "olga@example.com", "password_hash": string(hash)})
	env := hookEnv("LEGACY_USERS_TABLE", table)
	olga := map[string]string{"email": "olga@example.com", "email_verified": "true"}
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsMigrateUser](d)
		var ev events.CognitoEventUserPoolsMigrateUser
		decodeEvent(t, raw, &ev)
		out, err := fn(t.Context(), ev)
		r := out.CognitoEventUserPoolsMigrateUserResponse
		switch name {
		case "authentication.json", "authentication-mixed-case.json":
			if err != nil || !reflect.DeepEqual(r.UserAttributes, olga) || r.FinalUserStatus != "CONFIRMED" || r.MessageAction != "SUPPRESS" {
				t.Errorf("err %v, answer %+v", err, r)
			}
		case "forgot-password.json":
			if err != nil || !reflect.DeepEqual(r.UserAttributes, olga) || r.FinalUserStatus != "" || r.MessageAction != "SUPPRESS" {
				t.Errorf("err %v, answer %+v", err, r)
			}
		case "authentication-wrong-password.json":
			if !functionFailed(err, migration.ErrBadPassword) {
				t.Errorf("err %v, want %v", err, migration.ErrBadPassword)
			}
		case "authentication-unknown-user.json":
			if !functionFailed(err, migration.ErrUserNotFound) {
				t.Errorf("err %v, want %v", err, migration.ErrUserNotFound)
			}
		default:
			noExpectation(t, name)
		}
	}
}

func startEmailOTPDefine(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	env := hookEnv()
	want := map[string]events.CognitoEventUserPoolsDefineAuthChallengeResponse{
		"first-round.json":                  {ChallengeName: "CUSTOM_CHALLENGE"},
		"wrong-answer.json":                 {ChallengeName: "CUSTOM_CHALLENGE"},
		"right-answer.json":                 {IssueTokens: true},
		"right-answer-after-two-wrong.json": {IssueTokens: true},
		"three-wrong-answers.json":          {FailAuthentication: true},
		"user-not-found.json":               {FailAuthentication: true},
	}
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsDefineAuthChallenge](d)
		var ev events.CognitoEventUserPoolsDefineAuthChallenge
		decodeEvent(t, raw, &ev)
		w, ok := want[name]
		if !ok {
			noExpectation(t, name)
		}
		out, err := fn(t.Context(), ev)
		if err != nil || out.Response != w {
			t.Errorf("err %v, answer %+v, want %+v", err, out.Response, w)
		}
	}
}

// startEmailOTPCreate: the code goes to alice through the SES emulator.
func startEmailOTPCreate(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	env := hookEnv("FROM_ADDRESS", fromAddress, "APP_NAME", "Acme")
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsCreateAuthChallenge](d)
		var ev events.CognitoEventUserPoolsCreateAuthChallenge
		decodeEvent(t, raw, &ev)
		before := mailsTo(t, b, aliceEmail)
		out, err := fn(t.Context(), ev)
		if err != nil {
			t.Fatal(err)
		}
		r := out.Response
		code := r.PrivateChallengeParameters["code"]
		if r.PublicChallengeParameters["email"] != "a***@example.com" || len(r.PublicChallengeParameters) != 1 || r.ChallengeMetadata != "CODE-"+code {
			t.Errorf("answer %+v", r)
		}
		sent := mailsTo(t, b, aliceEmail) - before
		switch name {
		case "first-round.json":
			if mailed, _ := hooktest.Code(t, b.sesEndpoint, aliceEmail); sent != 1 || mailed != code {
				t.Errorf("%d mails; mailed %q, posed %q", sent, mailed, code)
			}
		case "retry-round.json":
			if sent != 0 || code != postedCode {
				t.Errorf("%d mails; posed %q, want the earlier round's %s again", sent, code, postedCode)
			}
		default:
			noExpectation(t, name)
		}
	}
}

func startEmailOTPVerify(t *testing.T, b backends) (map[string]string, func(t *testing.T, d *deployed, name string, raw []byte)) {
	env := hookEnv()
	want := map[string]bool{"right-code.json": true, "wrong-code.json": false}
	return env, func(t *testing.T, d *deployed, name string, raw []byte) {
		fn := binary[events.CognitoEventUserPoolsVerifyAuthChallenge](d)
		var ev events.CognitoEventUserPoolsVerifyAuthChallenge
		decodeEvent(t, raw, &ev)
		w, ok := want[name]
		if !ok {
			noExpectation(t, name)
		}
		out, err := fn(t.Context(), ev)
		if err != nil || out.Response.AnswerCorrect != w {
			t.Errorf("err %v, answerCorrect %v, want %v", err, out.Response.AnswerCorrect, w)
		}
	}
}
