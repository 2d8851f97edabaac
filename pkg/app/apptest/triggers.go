package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
)

func runTriggerTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("LambdaConfig", func(t *testing.T) { testLambdaConfig(t, Start(t, newTable)) })
	t.Run("PreSignUp", func(t *testing.T) { testPreSignUp(t, newTable) })
	t.Run("PostConfirmation", func(t *testing.T) { testPostConfirmation(t, newTable) })
	t.Run("Authentication", func(t *testing.T) { testAuthenticationTriggers(t, newTable) })
	t.Run("PreTokenGeneration", func(t *testing.T) { testPreTokenGeneration(t, newTable) })
	t.Run("CustomMessage", func(t *testing.T) { testCustomMessage(t, newTable) })
	t.Run("BrandedMailSample", func(t *testing.T) { testBrandedMailSample(t, newTable) })
	t.Run("CustomAuth", func(t *testing.T) { testCustomAuth(t, newTable) })
	t.Run("UserMigration", func(t *testing.T) { testUserMigration(t, newTable) })
	t.Run("EventShapes", func(t *testing.T) { testTriggerEventShapes(t, newTable) })
}

// Invokers sends each function to the invoker that reaches it (one emulator per function).
type Invokers map[string]trigger.Invoker

// Invoke implements trigger.Invoker.
func (m Invokers) Invoke(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
	iv, ok := m[fn.ARN]
	if !ok {
		return nil, &trigger.InvocationError{Reason: trigger.ReasonNotFound}
	}
	return iv.Invoke(ctx, fn, mode, event)
}

// Hook is the tests' trigger function (infra/lambda/testhook) under the real Runtime Interface
// Emulator, invoked through the real aws-sdk-go-v2 Lambda client: it records every event and
// answers as Script says.
type Hook struct {
	dir string
	iv  *lambdainvoke.Invoker
}

// StartHook runs the test hook for the functions named by arns and returns the invoker that
// reaches it.
func StartHook(t *testing.T, arns ...string) (*Hook, trigger.Invoker) {
	t.Helper()
	dir := t.TempDir()
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/infra/lambda/testhook",
		lambdarie.Options{Env: []string{"TESTHOOK_DIR=" + dir}, Timeout: 10 * time.Second})
	iv := lambdainvoke.New(nil)
	for _, arn := range arns {
		iv.Route(arn, fn.Client)
	}
	h := &Hook{dir: dir, iv: iv}
	// Before the emulator stops (cleanups run last first): let a held function go, and wait
	// for the asynchronous calls still running.
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, holdFile), nil, 0o600); iv.Wait() })
	return h, iv
}

// holdFile is the file a held hook waits for.
const holdFile = "release"

// Hold makes the hook hold each call it gets from now on until Release, then answer as script
// says (infra/lambda/testhook's holdUntil): a function still running.
func (h *Hook) Hold(t *testing.T, script string) {
	t.Helper()
	if err := os.Remove(filepath.Join(h.dir, holdFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(script), &s); err != nil {
		t.Fatal(err)
	}
	s["holdUntil"] = holdFile
	b, _ := json.Marshal(s)
	h.Script(t, string(b))
}

// Release lets held calls answer, and waits for every asynchronous call made so far to finish.
func (h *Hook) Release(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, holdFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.Settle()
}

// Settle waits for the asynchronous calls made so far (custom senders) to finish.
func (h *Hook) Settle() { h.iv.Wait() }

// Finished is how many calls the hook has answered.
func (h *Hook) Finished(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, "finished"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return len(b)
}

// Script tells the hook how to answer from now on (see infra/lambda/testhook).
func (h *Hook) Script(t *testing.T, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "script.json"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Events are the events the hook received, oldest first.
func (h *Hook) Events(t *testing.T) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, "events.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) > 0 {
			out = append(out, json.RawMessage(line))
		}
	}
	return out
}

// Last decodes the newest event into v.
func (h *Hook) Last(t *testing.T, v any) {
	t.Helper()
	evs := h.Events(t)
	if len(evs) == 0 {
		t.Fatal("the hook received no event")
	}
	if err := json.Unmarshal(evs[len(evs)-1], v); err != nil {
		t.Fatal(err)
	}
}

// PreSignUp (§7.3, §7.4): the function sees the sign-up as it will be stored and decides. A
// refusal is UserLambdaValidationException with the function's message and writes nothing; its
// autoConfirmUser and autoVerifyEmail confirm the user and verify the address without a code.
func testPreSignUp(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, preSignUpARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN)}
	})
	signUp := func(name, email string) (*cip.SignUpOutput, error) {
		return e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String(name),
			Password: aws.String(strongPassword), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
			ValidationData: []types.AttributeType{{Name: aws.String("invite"), Value: aws.String("abc")}},
			ClientMetadata: map[string]string{"source": "test"}})
	}

	t.Run("a refusal is the function's message, and nothing is written", func(t *testing.T) {
		hook.Script(t, `{"error": "Sign-up is closed for example.org"}`)
		_, err := signUp("rae", "rae@example.org")
		wantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error Sign-up is closed for example.org.")
		_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("rae")})
		wantErr(t, err, "UserNotFoundException", "User does not exist.")
		if _, ok := e.Outbox.Latest("rae@example.org"); ok {
			t.Fatal("a refused sign-up sent a code")
		}
		var ev events.CognitoEventUserPoolsPreSignup
		hook.Last(t, &ev)
		if ev.TriggerSource != "PreSignUp_SignUp" || ev.UserName != "rae" || ev.UserPoolID != f.poolID ||
			ev.CallerContext.ClientID != f.client || ev.Version != "1" || ev.Region != "us-east-1" ||
			ev.Request.UserAttributes["email"] != "rae@example.org" || ev.Request.ValidationData["invite"] != "abc" ||
			ev.Request.ClientMetadata["source"] != "test" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("autoConfirmUser and autoVerifyEmail need no code", func(t *testing.T) {
		hook.Script(t, `{"response": {"autoConfirmUser": true, "autoVerifyEmail": true}}`)
		out := must(signUp("sam", "sam@example.com"))(t)
		if !out.UserConfirmed || out.CodeDeliveryDetails != nil {
			t.Fatalf("SignUp answered %+v", out)
		}
		if _, ok := e.Outbox.Latest("sam@example.com"); ok {
			t.Fatal("an auto-confirmed sign-up sent a code")
		}
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("sam")}))(t)
		if u.UserStatus != types.UserStatusTypeConfirmed || attrValue(u.UserAttributes, "email_verified") != "true" {
			t.Fatalf("user %s, attributes %+v", u.UserStatus, u.UserAttributes)
		}
		if _, err := f.signIn(t, "sam", strongPassword); err != nil {
			t.Fatal(err)
		}
	})

	// Cognito: "If an alias with that email address already exists, the alias will be moved to
	// the new user and the previous user's email address will be marked as unverified."
	t.Run("autoVerifyEmail takes an address another user signs in with", func(t *testing.T) {
		g := newPool(t, e, func(in *cip.CreateUserPoolInput) {
			in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN)}
			in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
		})
		hook.Script(t, `{}`)
		g.confirmedUser(t, "first", "shared@example.com")
		hook.Script(t, `{"response": {"autoConfirmUser": true, "autoVerifyEmail": true}}`)
		out := must(e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(g.client), Username: aws.String("second"), Password: aws.String(strongPassword),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("shared@example.com")}}}))(t)
		if !out.UserConfirmed {
			t.Fatalf("SignUp answered %+v", out)
		}
		res := must(g.signIn(t, "shared@example.com", strongPassword))(t)
		if c := claims(t, aws.ToString(res.IdToken)); c["cognito:username"] != "second" {
			t.Fatalf("the address signed in %v", c["cognito:username"])
		}
		first := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(g.poolID), Username: aws.String("first")}))(t)
		if attrValue(first.UserAttributes, "email_verified") != "false" {
			t.Fatalf("the previous owner's address is still verified: %+v", first.UserAttributes)
		}
	})

	t.Run("an answer of the wrong shape is InvalidLambdaResponseException", func(t *testing.T) {
		hook.Script(t, `{"response": {"autoConfirmUser": "yes"}}`)
		_, err := signUp("ty", "ty@example.com")
		wantErr(t, err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
		_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ty")})
		wantErr(t, err, "UserNotFoundException", "")
	})

	t.Run("AdminCreateUser may be refused, and its answer is not read", func(t *testing.T) {
		adminCreate := func(name string) error {
			_, err := e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String(name),
				MessageAction: types.MessageActionTypeSuppress, ClientMetadata: map[string]string{"by": "admin"}})
			return err
		}
		hook.Script(t, `{"error": "no accounts by hand"}`)
		wantErr(t, adminCreate("vic"), "UserLambdaValidationException", "PreSignUp failed with error no accounts by hand.")
		_, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("vic")})
		wantErr(t, err, "UserNotFoundException", "")
		hook.Script(t, `{"response": {"autoConfirmUser": true}}`)
		if err := adminCreate("vic"); err != nil {
			t.Fatal(err)
		}
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("vic")}))(t)
		if u.UserStatus != types.UserStatusTypeForceChangePassword {
			t.Fatalf("status %s: the answer to PreSignUp_AdminCreateUser was read", u.UserStatus)
		}
		var ev events.CognitoEventUserPoolsPreSignup
		hook.Last(t, &ev)
		if ev.TriggerSource != "PreSignUp_AdminCreateUser" || ev.CallerContext.ClientID != "CLIENT_ID_NOT_APPLICABLE" || ev.Request.ClientMetadata["by"] != "admin" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("the function's silence is an ordinary sign-up", func(t *testing.T) {
		hook.Script(t, `{}`)
		out := must(signUp("uma", "uma@example.com"))(t)
		if out.UserConfirmed || out.CodeDeliveryDetails == nil {
			t.Fatalf("SignUp answered %+v", out)
		}
	})
}

// attrValue is the value of attribute name in list ("" when absent).
func attrValue(list []types.AttributeType, name string) string {
	for _, a := range list {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

const (
	migrateARN       = "arn:aws:lambda:us-east-1:123456789012:function:user-migration"
	defineARN        = "arn:aws:lambda:us-east-1:123456789012:function:define-auth-challenge"
	createARN        = "arn:aws:lambda:us-east-1:123456789012:function:create-auth-challenge"
	verifyARN        = "arn:aws:lambda:us-east-1:123456789012:function:verify-auth-challenge"
	customMessageARN = "arn:aws:lambda:us-east-1:123456789012:function:custom-message"
	preAuthARN       = "arn:aws:lambda:us-east-1:123456789012:function:pre-authentication"
	postAuthARN      = "arn:aws:lambda:us-east-1:123456789012:function:post-authentication"
	postConfirmARN   = "arn:aws:lambda:us-east-1:123456789012:function:post-confirmation"
	preSignUpARN     = "arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"
	preTokenARN      = "arn:aws:lambda:us-east-1:123456789012:function:pre-token"
	kmsKeyARN        = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// A pool's LambdaConfig is kept whole, returned by DescribeUserPool, replaced by UpdateUserPool,
// and validated as Cognito validates it.
func testLambdaConfig(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN), PreTokenGeneration: aws.String(preTokenARN)}
	})
	lc := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
	if lc == nil || aws.ToString(lc.PreSignUp) != preSignUpARN || aws.ToString(lc.PreTokenGeneration) != preTokenARN {
		t.Fatalf("LambdaConfig %+v", lc)
	}
	if c := lc.PreTokenGenerationConfig; c == nil || c.LambdaVersion != types.PreTokenGenerationLambdaVersionTypeV10 || aws.ToString(c.LambdaArn) != preTokenARN {
		t.Fatalf("the bare PreTokenGeneration is reported as its V1_0 configuration, got %+v", c)
	}

	must(e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(f.poolID), LambdaConfig: &types.LambdaConfigType{
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)},
		CustomEmailSender:        &types.CustomEmailLambdaVersionConfigType{LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10, LambdaArn: aws.String(preSignUpARN)},
		KMSKeyID:                 aws.String(kmsKeyARN),
	}}))(t)
	lc = must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
	if lc == nil || lc.PreSignUp != nil || aws.ToString(lc.PreTokenGeneration) != preTokenARN ||
		lc.PreTokenGenerationConfig.LambdaVersion != types.PreTokenGenerationLambdaVersionTypeV20 ||
		lc.CustomEmailSender == nil || aws.ToString(lc.KMSKeyID) != kmsKeyARN {
		t.Fatalf("after UpdateUserPool, LambdaConfig %+v", lc)
	}
	list := must(e.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))(t)
	for _, p := range list.UserPools {
		if aws.ToString(p.Id) == f.poolID && (p.LambdaConfig == nil || p.LambdaConfig.CustomEmailSender == nil) {
			t.Fatalf("ListUserPools LambdaConfig %+v", p.LambdaConfig)
		}
	}

	for _, c := range []struct {
		name string
		lc   *types.LambdaConfigType
		msg  string
	}{
		{"not an ARN", &types.LambdaConfigType{PreSignUp: aws.String("pre-sign-up-function")},
			"1 validation error detected: Value 'pre-sign-up-function' at 'lambdaConfig.preSignUp' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"},
		{"an unknown LambdaVersion", &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: "V9_0", LambdaArn: aws.String(preTokenARN)}}, ""},
		{"two pre-token functions", &types.LambdaConfigType{PreTokenGeneration: aws.String(preSignUpARN),
			PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)}}, ""},
		{"a custom sender without KMSKeyID", &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10, LambdaArn: aws.String(preSignUpARN)}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(f.poolID), LambdaConfig: c.lc})
			wantErr(t, err, "InvalidParameterException", c.msg)
			lc := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool.LambdaConfig
			if lc == nil || lc.CustomEmailSender == nil {
				t.Fatalf("a refused update changed LambdaConfig: %+v", lc)
			}
		})
	}
}

// PostConfirmation (§7.2, §7.3): fired after ConfirmSignUp, AdminConfirmSignUp and
// ConfirmForgotPassword with the user as confirmed; its failure is the call's error, but the
// confirmation stands.
func testPostConfirmation(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, postConfirmARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PostConfirmation: aws.String(postConfirmARN)}
	})
	admin := func(name string) *cip.AdminGetUserOutput {
		return must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String(name)}))(t)
	}

	t.Run("ConfirmSignUp sends the confirmed user", func(t *testing.T) {
		hook.Script(t, `{}`)
		out := f.signUp(t, "ana", "ana@example.com")
		must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("ana"),
			ConfirmationCode: aws.String(f.code(t, "ana@example.com")), ClientMetadata: map[string]string{"step": "confirm"}}))(t)
		var ev events.CognitoEventUserPoolsPostConfirmation
		hook.Last(t, &ev)
		a := ev.Request.UserAttributes
		if ev.TriggerSource != "PostConfirmation_ConfirmSignUp" || ev.UserName != "ana" || ev.CallerContext.ClientID != f.client ||
			a["sub"] != aws.ToString(out.UserSub) || a["email"] != "ana@example.com" || a["email_verified"] != "true" ||
			a["cognito:user_status"] != "CONFIRMED" || ev.Request.ClientMetadata["step"] != "confirm" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("a failure is the call's error, and the user stays confirmed", func(t *testing.T) {
		hook.Script(t, `{"error": "welcome mail failed"}`)
		f.signUp(t, "ben", "ben@example.com")
		_, err := e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("ben"),
			ConfirmationCode: aws.String(f.code(t, "ben@example.com"))})
		wantErr(t, err, "UserLambdaValidationException", "PostConfirmation failed with error welcome mail failed.")
		if u := admin("ben"); u.UserStatus != types.UserStatusTypeConfirmed {
			t.Fatalf("status %s", u.UserStatus)
		}
		hook.Script(t, `{}`)
		if _, err := f.signIn(t, "ben", strongPassword); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("AdminConfirmSignUp fires it with no app client", func(t *testing.T) {
		hook.Script(t, `{}`)
		f.signUp(t, "cy", "cy@example.com")
		must(e.Client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(f.poolID), Username: aws.String("cy")}))(t)
		var ev events.CognitoEventUserPoolsPostConfirmation
		hook.Last(t, &ev)
		if ev.TriggerSource != "PostConfirmation_ConfirmSignUp" || ev.UserName != "cy" || ev.CallerContext.ClientID != "CLIENT_ID_NOT_APPLICABLE" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("ConfirmForgotPassword fires its own source", func(t *testing.T) {
		hook.Script(t, `{}`)
		must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("ana")}))(t)
		must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("ana"),
			ConfirmationCode: aws.String(f.code(t, "ana@example.com")), Password: aws.String("Another-Horse-7")}))(t)
		var ev events.CognitoEventUserPoolsPostConfirmation
		hook.Last(t, &ev)
		if ev.TriggerSource != "PostConfirmation_ConfirmForgotPassword" || ev.UserName != "ana" || ev.CallerContext.ClientID != f.client {
			t.Fatalf("the function got %+v", ev)
		}
	})
}

// PreAuthentication and PostAuthentication (§7.3): the first may refuse a sign-in before the
// password is judged, and its refusal is not a failed password; the second sees the
// authenticated user before any token is made, and its failure issues none.
func testAuthenticationTriggers(t *testing.T, newTable storetest.NewTable) {
	pre, preInv := StartHook(t, preAuthARN)
	post, postInv := StartHook(t, postAuthARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = Invokers{preAuthARN: preInv, postAuthARN: postInv} })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreAuthentication: aws.String(preAuthARN), PostAuthentication: aws.String(postAuthARN)}
	})
	pre.Script(t, `{}`)
	post.Script(t, `{}`)
	f.confirmedUser(t, "dee", "dee@example.com")
	signIn := func() (*cip.InitiateAuthOutput, error) {
		return e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "dee", "PASSWORD": strongPassword}, ClientMetadata: map[string]string{"app": "web"}})
	}

	t.Run("both see the sign-in", func(t *testing.T) {
		pre.Script(t, `{}`)
		post.Script(t, `{}`)
		out := must(signIn())(t)
		if out.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
		var pe events.CognitoEventUserPoolsPreAuthentication
		pre.Last(t, &pe)
		if pe.TriggerSource != "PreAuthentication_Authentication" || pe.UserName != "dee" || pe.CallerContext.ClientID != f.client ||
			pe.Request.UserAttributes["email"] != "dee@example.com" || pe.Request.ValidationData["app"] != "web" || pe.Request.UserNotFound {
			t.Fatalf("PreAuthentication got %+v", pe)
		}
		var po events.CognitoEventUserPoolsPostAuthentication
		post.Last(t, &po)
		// InitiateAuth's ClientMetadata is PreAuthentication's validationData and reaches no
		// PostAuthentication, as Cognito documents it.
		if po.TriggerSource != "PostAuthentication_Authentication" || po.UserName != "dee" || len(po.Request.ClientMetadata) != 0 ||
			po.Request.UserAttributes["cognito:user_status"] != "CONFIRMED" || po.Request.NewDeviceUsed {
			t.Fatalf("PostAuthentication got %+v", po)
		}
	})

	t.Run("a PreAuthentication refusal is no failed password", func(t *testing.T) {
		pre.Script(t, `{"error": "outside office hours"}`)
		posted := len(post.Events(t))
		for range 7 { // more than the five failures that would lock the user
			_, err := signIn()
			wantErr(t, err, "UserLambdaValidationException", "PreAuthentication failed with error outside office hours.")
		}
		if n := len(post.Events(t)); n != posted {
			t.Fatalf("PostAuthentication ran after a refusal")
		}
		// Had the refusals counted, four wrong passwords now would lock the user (AUTH-01).
		pre.Script(t, `{}`)
		for range 4 {
			_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": "dee", "PASSWORD": "Wrong-Horse-1"}})
			wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		}
		if out := must(signIn())(t); out.AuthenticationResult == nil {
			t.Fatal("no tokens after the refusals")
		}
	})

	t.Run("with existence hidden, an unknown name is sent as userNotFound", func(t *testing.T) {
		pre.Script(t, `{}`)
		c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("hidden"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH"}, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}))(t)
		_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: c.UserPoolClient.ClientId, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "nobody", "PASSWORD": strongPassword}})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		var pe events.CognitoEventUserPoolsPreAuthentication
		pre.Last(t, &pe)
		if !pe.Request.UserNotFound || pe.UserName != "nobody" || pe.CallerContext.ClientID != aws.ToString(c.UserPoolClient.ClientId) {
			t.Fatalf("PreAuthentication got %+v", pe)
		}
	})

	t.Run("a PostAuthentication failure issues no tokens", func(t *testing.T) {
		post.Script(t, `{"error": "audit log unavailable"}`)
		_, err := signIn()
		wantErr(t, err, "UserLambdaValidationException", "PostAuthentication failed with error audit log unavailable.")
		post.Script(t, `{}`)
	})
}

// PreTokenGeneration (§7.3): V1_0 changes the ID token's claims and the groups, V2_0 the access
// token's claims and scopes too; suppress beats add, the claims a token sets itself stay, a
// refresh fires TokenGeneration_RefreshTokens, and a failure issues no token.
func testPreTokenGeneration(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, preTokenARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreTokenGeneration: aws.String(preTokenARN)}
	})
	hook.Script(t, `{}`)
	first := f.confirmedUser(t, "eve", "eve@example.com")
	must(e.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(f.poolID), GroupName: aws.String("staff")}))(t)
	must(e.Client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(f.poolID), Username: aws.String("eve"), GroupName: aws.String("staff")}))(t)
	sub := claims(t, aws.ToString(first.IdToken))["sub"]

	t.Run("V1_0 changes the ID token and the groups", func(t *testing.T) {
		hook.Script(t, `{"response": {"claimsOverrideDetails": {
			"claimsToAddOrOverride": {"tenant": "acme", "email": "hidden@example.com", "sub": "someone-else"},
			"claimsToSuppress": ["email"],
			"groupOverrideDetails": {"groupsToOverride": ["admins"]}}}}`)
		res, err := f.signIn(t, "eve", strongPassword)
		if err != nil {
			t.Fatal(err)
		}
		id, access := claims(t, aws.ToString(res.IdToken)), claims(t, aws.ToString(res.AccessToken))
		if id["tenant"] != "acme" || id["email"] != nil || id["sub"] != sub {
			t.Fatalf("ID token %v", id)
		}
		if g, _ := json.Marshal(id["cognito:groups"]); string(g) != `["admins"]` {
			t.Fatalf("ID token groups %s", g)
		}
		if g, _ := json.Marshal(access["cognito:groups"]); string(g) != `["admins"]` || access["tenant"] != nil {
			t.Fatalf("access token %v", access)
		}
		must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
		var ev events.CognitoEventUserPoolsPreTokenGen
		hook.Last(t, &ev)
		if ev.TriggerSource != "TokenGeneration_Authentication" || ev.Version != "1" || ev.UserName != "eve" ||
			ev.Request.UserAttributes["email"] != "eve@example.com" || strings.Join(ev.Request.GroupConfiguration.GroupsToOverride, ",") != "staff" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("V2_0 changes the access token and its scopes", func(t *testing.T) {
		must(e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(f.poolID), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
			LambdaConfig: &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
				LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(preTokenARN)}}}))(t)
		hook.Script(t, `{"response": {"claimsAndScopeOverrideDetails": {
			"idTokenGeneration": {"claimsToAddOrOverride": {"plan": {"tier": "gold"}}},
			"accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme", "token_use": "id"}, "scopesToAdd": ["orders/read"]}}}}`)
		res, err := f.signIn(t, "eve", strongPassword)
		if err != nil {
			t.Fatal(err)
		}
		id, access := claims(t, aws.ToString(res.IdToken)), claims(t, aws.ToString(res.AccessToken))
		if plan, _ := json.Marshal(id["plan"]); string(plan) != `{"tier":"gold"}` {
			t.Fatalf("ID token %v", id)
		}
		if access["tenant"] != "acme" || access["token_use"] != "access" || access["scope"] != "aws.cognito.signin.user.admin orders/read" {
			t.Fatalf("access token %v", access)
		}
		must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
		var ev events.CognitoEventUserPoolsPreTokenGenV2_0
		hook.Last(t, &ev)
		if ev.TriggerSource != "TokenGeneration_Authentication" || ev.Version != "2" || strings.Join(ev.Request.Scopes, " ") != "aws.cognito.signin.user.admin" {
			t.Fatalf("the function got %+v", ev)
		}

		hook.Script(t, `{}`)
		must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(res.RefreshToken)}}))(t)
		hook.Last(t, &ev)
		if ev.TriggerSource != "TokenGeneration_RefreshTokens" {
			t.Fatalf("a refresh sent %s", ev.TriggerSource)
		}
	})

	t.Run("a failure issues no token", func(t *testing.T) {
		hook.Script(t, `{"error": "claims service down"}`)
		_, err := f.signIn(t, "eve", strongPassword)
		wantErr(t, err, "UserLambdaValidationException", "PreTokenGeneration failed with error claims service down.")
		hook.Script(t, `{}`)
	})
}

// CustomMessage (§7.3): the function may replace a message's subject and text, keeping the
// code's placeholder, which Cognate fills in; an answer without it, or a failing function,
// fails the call and nothing is sent.
func testCustomMessage(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, customMessageARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(customMessageARN)}
	})

	t.Run("a branded sign-up mail", func(t *testing.T) {
		hook.Script(t, `{"response": {"emailSubject": "Welcome to Acme", "emailMessage": "<html><body><p>Your Acme code is <b>{####}</b></p></body></html>"}}`)
		f.signUp(t, "fay", "fay@example.com")
		m, ok := e.Outbox.Latest("fay@example.com")
		if !ok || m.Subject != "Welcome to Acme" || !strings.Contains(m.Body, "Your Acme code is <b>"+m.Code+"</b>") || len(m.Code) != 6 {
			t.Fatalf("message %+v", m)
		}
		var ev events.CognitoEventUserPoolsCustomMessage
		hook.Last(t, &ev)
		if ev.TriggerSource != "CustomMessage_SignUp" || ev.Request.CodeParameter != "{####}" || ev.UserName != "fay" ||
			ev.Request.UserAttributes["email"] != "fay@example.com" || ev.CallerContext.ClientID != f.client {
			t.Fatalf("the function got %+v", ev)
		}
		must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("fay"), ConfirmationCode: aws.String(m.Code)}))(t)
	})

	// MFA and sign-in codes go through CustomMessage_Authentication (issue 13 #3).
	t.Run("an MFA code's message", func(t *testing.T) {
		hook.Script(t, `{}`)
		f.confirmedUser(t, "mia", "mia@example.com")
		must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
			EmailMfaConfiguration: &types.EmailMfaConfigType{Subject: aws.String("Code"), Message: aws.String("Code {####}")}}))(t)
		must(e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(f.poolID), Username: aws.String("mia"),
			EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)
		hook.Script(t, `{"response": {"emailSubject": "Your Acme sign-in", "emailMessage": "Acme sign-in code: {####}"}}`)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "mia", "PASSWORD": strongPassword}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		m, ok := e.Outbox.Latest("mia@example.com")
		if !ok || m.Subject != "Your Acme sign-in" || m.Body != "Acme sign-in code: "+m.Code {
			t.Fatalf("message %+v", m)
		}
		var ev events.CognitoEventUserPoolsCustomMessage
		hook.Last(t, &ev)
		if ev.TriggerSource != "CustomMessage_Authentication" || ev.UserName != "mia" || ev.CallerContext.ClientID != f.client {
			t.Fatalf("the function got %+v", ev)
		}
		must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOff}))(t)
	})

	t.Run("an invitation names the username's placeholder too", func(t *testing.T) {
		hook.Script(t, `{"response": {"emailMessage": "Hello {username}, your first password is {####}"}}`)
		must(e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("gus"),
			UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("gus@example.com")}},
			DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}}))(t)
		m, ok := e.Outbox.Latest("gus@example.com")
		if !ok || m.Body != "Hello gus, your first password is "+m.Code {
			t.Fatalf("message %+v", m)
		}
		var ev events.CognitoEventUserPoolsCustomMessage
		hook.Last(t, &ev)
		if ev.TriggerSource != "CustomMessage_AdminCreateUser" || ev.Request.UsernameParameter != "{username}" {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("a text without the code is InvalidLambdaResponseException, and nothing is sent", func(t *testing.T) {
		hook.Script(t, `{"response": {"emailMessage": "Welcome aboard"}}`)
		_, err := e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("fay")})
		wantErr(t, err, "InvalidLambdaResponseException", "")
		if m, ok := e.Outbox.Latest("fay@example.com"); ok && m.Kind == "ForgotPassword" {
			t.Fatalf("sent %+v", m)
		}
	})

	t.Run("a failing function fails the call", func(t *testing.T) {
		hook.Script(t, `{"error": "template store down"}`)
		_, err := e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("fay")})
		wantErr(t, err, "UserLambdaValidationException", "CustomMessage failed with error template store down.")
		hook.Script(t, `{}`)
		must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("fay")}))(t)
		if m, ok := e.Outbox.Latest("fay@example.com"); !ok || m.Kind != "ForgotPassword" || !strings.Contains(m.Body, m.Code) {
			t.Fatalf("with the function silent, the pool's template: %+v", m)
		}
	})
}

// CUSTOM_AUTH (§3.6): Define decides each round from the history, Create makes the challenge
// (public parameters to the client, private ones kept), Verify judges the answer; the Session
// carries the step, bound and single use.
func testCustomAuth(t *testing.T, newTable storetest.NewTable) {
	define, defineInv := StartHook(t, defineARN)
	create, createInv := StartHook(t, createARN)
	verify, verifyInv := StartHook(t, verifyARN)
	pre, preInv := StartHook(t, preAuthARN)
	e := StartWith(t, newTable, func(o *local.Options) {
		o.Triggers = Invokers{defineARN: defineInv, createARN: createInv, verifyARN: verifyInv, preAuthARN: preInv}
	})
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{DefineAuthChallenge: aws.String(defineARN),
			CreateAuthChallenge: aws.String(createARN), VerifyAuthChallengeResponse: aws.String(verifyARN),
			PreAuthentication: aws.String(preAuthARN)}
	})
	pre.Script(t, `{}`)
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("otp"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	client := aws.ToString(c.UserPoolClient.ClientId)
	define.Script(t, `{}`)
	f.confirmedUser(t, "hal", "hal@example.com")
	start := func() *cip.InitiateAuthOutput {
		define.Script(t, `{"response": {"challengeName": "CUSTOM_CHALLENGE"}}`)
		create.Script(t, `{"response": {"publicChallengeParameters": {"sentTo": "h***@example.com"}, "privateChallengeParameters": {"code": "424242"}, "challengeMetadata": "CODE-1"}}`)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "hal"}, ClientMetadata: map[string]string{"channel": "email"}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeCustomChallenge || out.ChallengeParameters["sentTo"] != "h***@example.com" ||
			out.ChallengeParameters["USERNAME"] != "hal" || out.ChallengeParameters["code"] != "" || aws.ToString(out.Session) == "" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		return out
	}
	answer := func(session, code string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: aws.String(session),
			ChallengeResponses: map[string]string{"USERNAME": "hal", "ANSWER": code}})
	}

	t.Run("a right answer signs in", func(t *testing.T) {
		out := start()
		var d events.CognitoEventUserPoolsDefineAuthChallenge
		define.Last(t, &d)
		// InitiateAuth's ClientMetadata goes to PreAuthentication (as validationData) and not to
		// Define or Create, as Cognito documents it; RespondToAuthChallenge's goes to all three.
		if d.TriggerSource != "DefineAuthChallenge_Authentication" || len(d.Request.Session) != 0 || len(d.Request.ClientMetadata) != 0 ||
			d.Request.UserAttributes["email"] != "hal@example.com" || d.Request.UserNotFound {
			t.Fatalf("Define got %+v", d)
		}
		var c events.CognitoEventUserPoolsCreateAuthChallenge
		create.Last(t, &c)
		if len(c.Request.ClientMetadata) != 0 || c.Request.ChallengeName != "CUSTOM_CHALLENGE" {
			t.Fatalf("Create got %+v", c.Request)
		}
		var p events.CognitoEventUserPoolsPreAuthentication
		pre.Last(t, &p)
		if p.UserName != "hal" || p.Request.ValidationData["channel"] != "email" || p.Request.UserAttributes["email"] != "hal@example.com" {
			t.Fatalf("PreAuthentication got %+v", p)
		}
		preRounds := len(pre.Events(t))
		verify.Script(t, `{"response": {"answerCorrect": true}}`)
		define.Script(t, `{"response": {"issueTokens": true}}`)
		res := must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
			ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": "hal", "ANSWER": "424242"}, ClientMetadata: map[string]string{"round": "2"}}))(t)
		if res.AuthenticationResult == nil || res.AuthenticationResult.RefreshToken == nil {
			t.Fatalf("RespondToAuthChallenge answered %+v", res)
		}
		if len(pre.Events(t)) != preRounds {
			t.Fatal("PreAuthentication ran again for the answer")
		}
		var v events.CognitoEventUserPoolsVerifyAuthChallenge
		verify.Last(t, &v)
		if v.Request.PrivateChallengeParameters["code"] != "424242" || v.Request.ChallengeAnswer != "424242" || v.TriggerSource != "VerifyAuthChallengeResponse_Authentication" ||
			v.Request.ClientMetadata["round"] != "2" || v.Request.UserNotFound {
			t.Fatalf("Verify got %+v", v)
		}
		define.Last(t, &d)
		if len(d.Request.Session) != 1 || d.Request.Session[0].ChallengeName != "CUSTOM_CHALLENGE" || !d.Request.Session[0].ChallengeResult ||
			d.Request.Session[0].ChallengeMetadata != "CODE-1" || d.Request.ClientMetadata["round"] != "2" {
			t.Fatalf("Define's second round got %+v", d.Request)
		}
		_, err := answer(aws.ToString(out.Session), "424242")
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})

	t.Run("failAuthentication refuses", func(t *testing.T) {
		out := start()
		verify.Script(t, `{"response": {"answerCorrect": false}}`)
		define.Script(t, `{"response": {"failAuthentication": true}}`)
		_, err := answer(aws.ToString(out.Session), "000000")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		define.Script(t, `{"response": {"issueTokens": true}}`)
		_, err = answer(aws.ToString(out.Session), "424242")
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	})

	t.Run("a wrong answer can be followed by another challenge", func(t *testing.T) {
		out := start()
		verify.Script(t, `{"response": {"answerCorrect": false}}`)
		res := must(answer(aws.ToString(out.Session), "000000"))(t) // Define still says CUSTOM_CHALLENGE
		if res.ChallengeName != types.ChallengeNameTypeCustomChallenge || aws.ToString(res.Session) == "" || aws.ToString(res.Session) == aws.ToString(out.Session) {
			t.Fatalf("second round %+v", res)
		}
		verify.Script(t, `{"response": {"answerCorrect": true}}`)
		define.Script(t, `{"response": {"issueTokens": true}}`)
		if r := must(answer(aws.ToString(res.Session), "424242"))(t); r.AuthenticationResult == nil {
			t.Fatal("no tokens in the second round")
		}
	})

	t.Run("starting with SRP: the password, then a custom challenge", func(t *testing.T) {
		a := &srpAttempt{f: f, client: newSRPClient(t)}
		preRounds := len(pre.Events(t))
		define.Script(t, `{"response": {"challengeName": "PASSWORD_VERIFIER"}}`)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "hal", "SRP_A": a.client.SRPA(), "CHALLENGE_NAME": "SRP_A"}}))(t)
		var d events.CognitoEventUserPoolsDefineAuthChallenge
		define.Last(t, &d)
		if len(d.Request.Session) != 1 || d.Request.Session[0].ChallengeName != "SRP_A" || !d.Request.Session[0].ChallengeResult {
			t.Fatalf("Define's first round got %+v", d.Request.Session)
		}
		if out.ChallengeName != types.ChallengeNameTypePasswordVerifier || out.Session == nil {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		a.name, a.params, a.sess = string(out.ChallengeName), out.ChallengeParameters, out.Session
		define.Script(t, `{"response": {"challengeName": "CUSTOM_CHALLENGE"}}`)
		create.Script(t, `{"response": {"publicChallengeParameters": {"sentTo": "h***@example.com"}, "privateChallengeParameters": {"code": "424242"}}}`)
		res := must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
			ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: a.sess, ChallengeResponses: a.answer(t, strongPassword, a.now())}))(t)
		define.Last(t, &d)
		if len(d.Request.Session) != 2 || d.Request.Session[1].ChallengeName != "PASSWORD_VERIFIER" || !d.Request.Session[1].ChallengeResult {
			t.Fatalf("Define's second round got %+v", d.Request.Session)
		}
		if res.ChallengeName != types.ChallengeNameTypeCustomChallenge || res.ChallengeParameters["sentTo"] != "h***@example.com" {
			t.Fatalf("after the password: %+v", res)
		}
		verify.Script(t, `{"response": {"answerCorrect": true}}`)
		define.Script(t, `{"response": {"issueTokens": true}}`)
		if r := must(answer(aws.ToString(res.Session), "424242"))(t); r.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
		define.Last(t, &d)
		if len(d.Request.Session) != 3 {
			t.Fatalf("Define's last round got %d rounds", len(d.Request.Session))
		}
		if n := len(pre.Events(t)) - preRounds; n != 1 {
			t.Fatalf("PreAuthentication ran %d times in one custom sign-in", n)
		}

		// A wrong password never reaches Define again.
		b := &srpAttempt{f: f, client: newSRPClient(t)}
		define.Script(t, `{"response": {"challengeName": "PASSWORD_VERIFIER"}}`)
		out = must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "hal", "SRP_A": b.client.SRPA(), "CHALLENGE_NAME": "SRP_A"}}))(t)
		b.name, b.params, b.sess = string(out.ChallengeName), out.ChallengeParameters, out.Session
		rounds := len(define.Events(t))
		_, err := e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client),
			ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: b.sess, ChallengeResponses: b.answer(t, "Wrong-Horse-1", b.now())})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		if len(define.Events(t)) != rounds {
			t.Fatal("Define ran after a wrong password")
		}
	})

	t.Run("a PreAuthentication refusal comes before any challenge", func(t *testing.T) {
		rounds := len(define.Events(t))
		pre.Script(t, `{"error": "not from this network"}`)
		defer pre.Script(t, `{}`)
		_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "hal"}})
		wantErr(t, err, "UserLambdaValidationException", "PreAuthentication failed with error not from this network.")
		if len(define.Events(t)) != rounds {
			t.Fatal("Define ran after PreAuthentication refused")
		}
	})

	// With existence errors hidden, a name that matches nobody goes through the triggers with
	// userNotFound, so a function can pose a challenge as it would to a real user; the sign-in
	// can only end as a wrong answer does. With LEGACY the name is refused at once.
	t.Run("an unknown name", func(t *testing.T) {
		hidden := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("otp-hidden"),
			ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled}))(t)
		hiddenID := hidden.UserPoolClient.ClientId
		define.Script(t, `{"response": {"challengeName": "CUSTOM_CHALLENGE"}}`)
		create.Script(t, `{"response": {"publicChallengeParameters": {"sentTo": "n***@example.com"}, "privateChallengeParameters": {"code": "135790"}}}`)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hiddenID, AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "nobody"}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeCustomChallenge || out.ChallengeParameters["sentTo"] != "n***@example.com" ||
			out.ChallengeParameters["USERNAME"] != "nobody" || aws.ToString(out.Session) == "" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		var p events.CognitoEventUserPoolsPreAuthentication
		pre.Last(t, &p)
		var d events.CognitoEventUserPoolsDefineAuthChallenge
		define.Last(t, &d)
		var c events.CognitoEventUserPoolsCreateAuthChallenge
		create.Last(t, &c)
		if !p.Request.UserNotFound || p.UserName != "nobody" || !d.Request.UserNotFound || d.UserName != "nobody" || len(d.Request.UserAttributes) != 0 ||
			!c.Request.UserNotFound || len(c.Request.UserAttributes) != 0 {
			t.Fatalf("the triggers were not told userNotFound: %+v / %+v / %+v", p.Request, d.Request, c.Request)
		}

		verify.Script(t, `{"response": {"answerCorrect": true}}`)
		define.Script(t, `{"response": {"issueTokens": true}}`)
		respond := func(session *string) error {
			_, err := e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: hiddenID,
				ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: session,
				ChallengeResponses: map[string]string{"USERNAME": "nobody", "ANSWER": "135790"}})
			return err
		}
		wantErr(t, respond(out.Session), "NotAuthorizedException", "Incorrect username or password.")
		var v events.CognitoEventUserPoolsVerifyAuthChallenge
		verify.Last(t, &v)
		define.Last(t, &d)
		if !v.Request.UserNotFound || v.Request.PrivateChallengeParameters["code"] != "135790" || !d.Request.UserNotFound || len(d.Request.Session) != 1 {
			t.Fatalf("the answer's triggers: %+v / %+v", v.Request, d.Request)
		}
		wantErr(t, respond(out.Session), "NotAuthorizedException", "Invalid session for the user, session is expired.")

		define.Script(t, `{"response": {"failAuthentication": true}}`)
		_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: hiddenID, AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "nobody"}})
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

		rounds := len(define.Events(t))
		_, err = e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "nobody"}})
		wantErr(t, err, "UserNotFoundException", "User does not exist.")
		if len(define.Events(t)) != rounds {
			t.Fatal("with LEGACY, Define ran for an unknown name")
		}
	})

	t.Run("a failing Define is the sign-in's error", func(t *testing.T) {
		define.Script(t, `{"error": "no challenge today"}`)
		_, err := e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: map[string]string{"USERNAME": "hal"}})
		wantErr(t, err, "UserLambdaValidationException", "DefineAuthChallenge failed with error no challenge today.")
	})
}

// UserMigration at sign-in (§7.3): a password sign-in for an unknown name asks the function,
// which returns the user; the user is created with a verifier made from that password, so the
// next sign-in (SRP too) needs no function; the default status is RESET_REQUIRED.
func testUserMigration(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, migrateARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{UserMigration: aws.String(migrateARN)}
	})
	const legacyPassword = "Legacy-Secret-7"

	t.Run("a confirmed user moves in and signs in", func(t *testing.T) {
		hook.Script(t, `{"response": {"userAttributes": {"email": "olga@example.com", "email_verified": "true"}, "finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}}`)
		res, err := f.signIn(t, "olga", legacyPassword)
		if err != nil || res == nil {
			t.Fatalf("sign-in: %v", err)
		}
		var ev events.CognitoEventUserPoolsMigrateUser
		hook.Last(t, &ev)
		if ev.TriggerSource != "UserMigration_Authentication" || ev.UserName != "olga" || ev.CognitoEventUserPoolsMigrateUserRequest.Password != legacyPassword {
			t.Fatalf("the function got %+v", ev)
		}
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("olga")}))(t)
		if u.UserStatus != types.UserStatusTypeConfirmed || attrValue(u.UserAttributes, "email") != "olga@example.com" || attrValue(u.UserAttributes, "email_verified") != "true" {
			t.Fatalf("migrated user %s %+v", u.UserStatus, u.UserAttributes)
		}
		// From now on the pool knows the password: no function, and SRP works.
		hook.Script(t, `{"error": "the legacy directory must not be asked again"}`)
		calls := len(hook.Events(t))
		if _, err := f.signIn(t, "olga", legacyPassword); err != nil {
			t.Fatal(err)
		}
		if _, err := f.srpSignIn(t, "olga", legacyPassword); err != nil {
			t.Fatalf("SRP sign-in of the migrated user: %v", err)
		}
		_, err = f.signIn(t, "olga", "Wrong-Secret-1")
		wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
		if n := len(hook.Events(t)); n != calls {
			t.Fatalf("the function was called %d more times", n-calls)
		}
	})

	t.Run("the default status asks for a password reset", func(t *testing.T) {
		hook.Script(t, `{"response": {"userAttributes": {"email": "piet@example.com"}}}`)
		_, err := f.signIn(t, "piet", legacyPassword)
		wantErr(t, err, "PasswordResetRequiredException", "Password reset required for the user")
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("piet")}))(t)
		if u.UserStatus != types.UserStatusTypeResetRequired {
			t.Fatalf("status %s", u.UserStatus)
		}
	})

	t.Run("ForgotPassword moves the user in and the reset sets the password", func(t *testing.T) {
		hook.Script(t, `{"response": {"userAttributes": {"email": "rita@example.com", "email_verified": "true"}}}`)
		out := must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("rita"),
			ClientMetadata: map[string]string{"via": "reset"}}))(t)
		if out.CodeDeliveryDetails == nil || aws.ToString(out.CodeDeliveryDetails.AttributeName) != "email" {
			t.Fatalf("ForgotPassword answered %+v", out)
		}
		var ev events.CognitoEventUserPoolsMigrateUser
		hook.Last(t, &ev)
		// ForgotPassword's ClientMetadata is the function's clientMetadata (InitiateAuth's is
		// its validationData), as Cognito documents the two.
		req := ev.CognitoEventUserPoolsMigrateUserRequest
		if ev.TriggerSource != "UserMigration_ForgotPassword" || ev.UserName != "rita" || req.Password != "" ||
			req.ClientMetadata["via"] != "reset" || len(req.ValidationData) != 0 {
			t.Fatalf("the function got %+v", ev)
		}
		must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("rita"),
			ConfirmationCode: aws.String(f.code(t, "rita@example.com")), Password: aws.String(strongPassword)}))(t)
		hook.Script(t, `{"error": "the legacy directory must not be asked again"}`)
		if _, err := f.signIn(t, "rita", strongPassword); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("enableSMSMFA turns SMS MFA on for the migrated user", func(t *testing.T) {
		hook.Script(t, `{"response": {"userAttributes": {"email": "sid@example.com", "phone_number": "+12065550123"}, "finalUserStatus": "CONFIRMED", "enableSMSMFA": true}}`)
		must(f.signIn(t, "sid", legacyPassword))(t)
		u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("sid")}))(t)
		if !slices.Equal(u.UserMFASettingList, []string{"SMS_MFA"}) {
			t.Fatalf("the migrated user's MFA: %v", u.UserMFASettingList)
		}
	})

	t.Run("sign-in's ClientMetadata is validationData", func(t *testing.T) {
		hook.Script(t, `{"response": {"userAttributes": {"email": "vera@example.com"}, "finalUserStatus": "CONFIRMED"}}`)
		must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "vera", "PASSWORD": legacyPassword}, ClientMetadata: map[string]string{"via": "sign-in"}}))(t)
		var ev events.CognitoEventUserPoolsMigrateUser
		hook.Last(t, &ev)
		if req := ev.CognitoEventUserPoolsMigrateUserRequest; req.ValidationData["via"] != "sign-in" || len(req.ClientMetadata) != 0 {
			t.Fatalf("the function got %+v", req)
		}
	})

	t.Run("an answer Cognito would refuse", func(t *testing.T) {
		for _, answer := range []string{
			`{"response": {"userAttributes": {"email": "xena@example.com"}, "finalUserStatus": "CONFIRMED", "messageAction": "SEND"}}`,
			`{"response": {"userAttributes": {"email": "xena@example.com"}, "finalUserStatus": "CONFIRMED", "desiredDeliveryMediums": ["FAX"]}}`,
			`{"response": {"userAttributes": {"email": "xena@example.com"}, "finalUserStatus": "ARCHIVED"}}`,
		} {
			hook.Script(t, answer)
			_, err := f.signIn(t, "xena", legacyPassword)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidLambdaResponseException" {
				t.Fatalf("%s: got %v, want InvalidLambdaResponseException", answer, err)
			}
		}
		_, err := e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("xena")})
		wantErr(t, err, "UserNotFoundException", "User does not exist.")
	})

	// forceAliasCreation (§7.3): an address another user signs in with is refused, or, when the
	// function says so, moves to the migrated user as AdminCreateUser's ForceAliasCreation moves it.
	t.Run("forceAliasCreation", func(t *testing.T) {
		g := newPool(t, e, func(in *cip.CreateUserPoolInput) {
			in.LambdaConfig = &types.LambdaConfigType{UserMigration: aws.String(migrateARN)}
			in.AliasAttributes = []types.AliasAttributeType{types.AliasAttributeTypeEmail}
		})
		g.confirmedUser(t, "owner", "shared@example.com")
		hook.Script(t, `{"response": {"userAttributes": {"email": "shared@example.com", "email_verified": "true"}, "finalUserStatus": "CONFIRMED"}}`)
		_, err := g.signIn(t, "mover", legacyPassword)
		wantErr(t, err, "AliasExistsException", "An account with the email already exists.")
		_, err = e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(g.poolID), Username: aws.String("mover")})
		wantErr(t, err, "UserNotFoundException", "User does not exist.")

		hook.Script(t, `{"response": {"userAttributes": {"email": "shared@example.com", "email_verified": "true"}, "finalUserStatus": "CONFIRMED", "forceAliasCreation": true}}`)
		must(g.signIn(t, "mover", legacyPassword))(t)
		hook.Script(t, `{"error": "the legacy directory must not be asked again"}`)
		res := must(g.signIn(t, "shared@example.com", legacyPassword))(t) // the address now signs the migrated user in
		if c := claims(t, aws.ToString(res.IdToken)); c["cognito:username"] != "mover" {
			t.Fatalf("the address signed in %v", c["cognito:username"])
		}
		owner := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(g.poolID), Username: aws.String("owner")}))(t)
		for _, a := range owner.UserAttributes {
			if aws.ToString(a.Name) == "email_verified" && aws.ToString(a.Value) != "false" {
				t.Fatalf("the previous owner's address is still verified")
			}
		}
	})

	t.Run("a name the legacy directory does not know either", func(t *testing.T) {
		hook.Script(t, `{"response": {}}`)
		_, err := f.signIn(t, "quinn", legacyPassword)
		wantErr(t, err, "UserNotFoundException", "Exception migrating user in app client "+f.client)
		hook.Script(t, `{"error": "legacy directory down"}`)
		_, err = f.signIn(t, "quinn", legacyPassword)
		wantErr(t, err, "UserLambdaValidationException", "UserMigration failed with error legacy directory down.")
	})
}

// The sample CustomMessage hook (functions/hooks/custom-message), its real binary under the
// emulator: a pool configured with it sends branded HTML mail whose code signs the user up.
func testBrandedMailSample(t *testing.T, newTable storetest.NewTable) {
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/functions/hooks/custom-message",
		lambdarie.Options{Env: []string{"BRAND_NAME=Acme & Co"}, Timeout: 10 * time.Second})
	inv := lambdainvoke.New(nil)
	inv.Route(customMessageARN, fn.Client)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(customMessageARN)}
	})
	f.signUp(t, "ivy", "ivy@example.com")
	m, ok := e.Outbox.Latest("ivy@example.com")
	if !ok || m.Subject != "Welcome to Acme & Co: confirm your address" || !strings.Contains(m.Body, "<!DOCTYPE html>") ||
		!strings.Contains(m.Body, "Acme &amp; Co") || !strings.Contains(m.Body, m.Code) {
		t.Fatalf("message %+v", m)
	}
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("ivy"), ConfirmationCode: aws.String(m.Code)}))(t)
}

// goldenEnv, when "1", rewrites the golden trigger events instead of comparing with them
// (UPDATE_TRIGGER_GOLDEN=1 go test ./pkg/app -run TestAPIOnEmbeddedStore/EventShapes).
const goldenEnv = "UPDATE_TRIGGER_GOLDEN"

var (
	anyUUIDRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	poolIDRe  = regexp.MustCompile(`us-east-1_[0-9A-Za-z]+`)
)

// Every trigger source Cognate fires sends the event Cognito sends: one golden event per source
// (testdata/trigger-events), with the ids that change from run to run replaced, and each event
// decoding into its aws-lambda-go type with no field left over.
func testTriggerEventShapes(t *testing.T, newTable storetest.NewTable) {
	arns := []string{preSignUpARN, postConfirmARN, preAuthARN, postAuthARN, preTokenARN, customMessageARN, defineARN, createARN, verifyARN, migrateARN}
	hook, inv := StartHook(t, arns...)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{PreSignUp: aws.String(preSignUpARN), PostConfirmation: aws.String(postConfirmARN),
			PreAuthentication: aws.String(preAuthARN), PostAuthentication: aws.String(postAuthARN), PreTokenGeneration: aws.String(preTokenARN),
			CustomMessage: aws.String(customMessageARN), DefineAuthChallenge: aws.String(defineARN), CreateAuthChallenge: aws.String(createARN),
			VerifyAuthChallengeResponse: aws.String(verifyARN), UserMigration: aws.String(migrateARN)}
	})
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("custom"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}))(t)
	customClient := aws.ToString(c.UserPoolClient.ClientId)

	hook.Script(t, `{}`)
	meta := map[string]string{"app": "golden"}
	must(e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("sam"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("sam@example.com")}}, ClientMetadata: meta}))(t)
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("sam"),
		ConfirmationCode: aws.String(f.code(t, "sam@example.com")), ClientMetadata: meta}))(t)
	auth := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "sam", "PASSWORD": strongPassword}, ClientMetadata: meta}))(t)
	must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(auth.AuthenticationResult.RefreshToken)}, ClientMetadata: meta}))(t)
	must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("sam"), ClientMetadata: meta}))(t)
	must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("sam"),
		ConfirmationCode: aws.String(f.code(t, "sam@example.com")), Password: aws.String("Another-Horse-7"), ClientMetadata: meta}))(t)
	must(e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ada"),
		UserAttributes:         []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ada@example.com")}},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}, ClientMetadata: meta}))(t)

	hook.Script(t, `{"response": {"challengeName": "CUSTOM_CHALLENGE", "publicChallengeParameters": {"hint": "h"}, "privateChallengeParameters": {"code": "1"}}}`)
	ch := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(customClient), AuthFlow: types.AuthFlowTypeCustomAuth,
		AuthParameters: map[string]string{"USERNAME": "sam"}, ClientMetadata: meta}))(t)
	hook.Script(t, `{"response": {"answerCorrect": true, "issueTokens": true}}`)
	must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(customClient), ChallengeName: types.ChallengeNameTypeCustomChallenge,
		Session: ch.Session, ChallengeResponses: map[string]string{"USERNAME": "sam", "ANSWER": "1"}, ClientMetadata: meta}))(t)

	hook.Script(t, `{"response": {"userAttributes": {"email": "mig@example.com"}, "finalUserStatus": "CONFIRMED"}}`)
	must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "mig", "PASSWORD": strongPassword}, ClientMetadata: meta}))(t)

	seen := map[string]bool{}
	for _, raw := range hook.Events(t) {
		var head struct {
			TriggerSource string `json:"triggerSource"`
			Version       string `json:"version"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		if seen[head.TriggerSource] {
			continue
		}
		seen[head.TriggerSource] = true
		norm := strings.ReplaceAll(string(raw), f.client, "<client>")
		norm = strings.ReplaceAll(norm, customClient, "<client>")
		checkGolden(t, head.TriggerSource, head.Version, []byte(norm))
	}
	for _, src := range []string{"PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "CustomMessage_SignUp", "CustomMessage_ForgotPassword",
		"CustomMessage_AdminCreateUser", "PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword",
		"PreAuthentication_Authentication", "PostAuthentication_Authentication", "TokenGeneration_Authentication",
		"TokenGeneration_RefreshTokens", "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
		"VerifyAuthChallengeResponse_Authentication", "UserMigration_Authentication"} {
		if !seen[src] {
			t.Errorf("no %s event was sent", src)
		}
	}
}

// checkGolden compares one event of src (its header's version) with its golden event, after
// replacing the ids that change from run to run (the caller replaces its client ids and any
// other varying value first), and checks that it decodes into its event type with no field
// left over. Under UPDATE_TRIGGER_GOLDEN=1 it writes the golden event instead.
func checkGolden(t *testing.T, src, version string, raw []byte) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "testdata", "trigger-events")
	spec, ok := trigger.Lookup(trigger.Source(src))
	if !ok {
		t.Errorf("unknown triggerSource %q", src)
		return
	}
	v, _ := spec.Version("V" + version + "_0")
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(reflect.New(v.Event).Interface()); err != nil {
		t.Errorf("%s does not decode into %v: %v", src, v.Event, err)
	}
	norm := anyUUIDRe.ReplaceAllString(poolIDRe.ReplaceAllString(string(raw), "<pool>"), "<uuid>")
	var m any
	if err := json.Unmarshal([]byte(norm), &m); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join(dir, src+".json")
	if os.Getenv(goldenEnv) == "1" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: no golden event (%s=1 writes it): %v", src, goldenEnv, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s event changed:\n%s\nwant:\n%s", src, got, want)
	}
}
