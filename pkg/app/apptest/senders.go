package apptest

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/esdk"
	"github.com/cognatehq/cognate/pkg/store/storetest"
	"github.com/cognatehq/cognate/pkg/trigger"
)

const (
	customEmailARN = "arn:aws:lambda:us-east-1:123456789012:function:custom-email-sender"
	customSMSARN   = "arn:aws:lambda:us-east-1:123456789012:function:custom-sms-sender"
)

func runSenderTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("CustomSenders", func(t *testing.T) { testCustomSenders(t, newTable) })
	t.Run("CustomSendersWithoutKMS", func(t *testing.T) { testCustomSendersWithoutKMS(t, newTable) })
}

// senderPool makes a pool whose email and SMS go to the custom senders under keyARN, with a
// CustomMessage function too (which must not run for those channels).
func senderPool(t *testing.T, e *Env, keyARN string) fixture {
	t.Helper()
	return newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.LambdaConfig = &types.LambdaConfigType{
			CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaVersion: types.CustomEmailSenderLambdaVersionTypeV10, LambdaArn: aws.String(customEmailARN)},
			CustomSMSSender:   &types.CustomSMSLambdaVersionConfigType{LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10, LambdaArn: aws.String(customSMSARN)},
			CustomMessage:     aws.String(customMessageARN),
			KMSKeyID:          aws.String(keyARN),
		}
	})
}

// CustomEmailSender and CustomSMSSender (§7.1, §7.3): on a channel with a custom sender Cognito
// sends nothing itself and runs no CustomMessage; it invokes the function asynchronously with
// the code (or temporary password) as an AWS Encryption SDK message under the pool's KMS key,
// which the function decrypts and delivers. A KMS failure fails the call: nothing is sent.
func testCustomSenders(t *testing.T, newTable storetest.NewTable) {
	kmsEmu := localkms.Start(t)
	created, err := kmsEmu.Client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(created.KeyMetadata.Arn)
	faulty := localkms.NewFaulty(kmsEmu.Client)
	keys, err := esdk.New(faulty, esdk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hook, inv := StartHook(t, customEmailARN, customSMSARN, customMessageARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers, o.SenderKeys = inv, keys })
	f := senderPool(t, e, keyARN)

	// sent is the newest event, after the asynchronous calls have finished, and its code
	// decrypted as a sender function decrypts it (KMS Decrypt of the data key, the header,
	// frames and signature checked). The event, its code aside, is its source's golden event.
	sent := func(t *testing.T) (trigger.CustomSenderEvent, string) {
		t.Helper()
		hook.Settle()
		var ev trigger.CustomSenderEvent
		hook.Last(t, &ev)
		evs := hook.Events(t)
		norm := strings.ReplaceAll(string(evs[len(evs)-1]), ev.Request.Code, "<code>")
		checkGolden(t, ev.TriggerSource, ev.Version, []byte(strings.ReplaceAll(norm, f.client, "<client>")))
		raw, err := base64.StdEncoding.DecodeString(ev.Request.Code)
		if err != nil {
			t.Fatalf("code %q: %v", ev.Request.Code, err)
		}
		pt, ec, err := esdk.Decrypt(ctx, kmsEmu.Client, keyARN, raw)
		if err != nil {
			t.Fatal(err)
		}
		if ec["userpool-id"] != f.poolID {
			t.Fatalf("encryption context %v", ec)
		}
		return ev, string(pt)
	}

	t.Run("a sign-up code goes to the function, encrypted, and the call does not wait for it", func(t *testing.T) {
		hook.Hold(t, `{}`)
		before := hook.Finished(t)
		out := must(e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("ada"),
			Password: aws.String(strongPassword), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ada@example.com")}},
			ClientMetadata: map[string]string{"app": "web"}}))(t)
		if d := out.CodeDeliveryDetails; d == nil || d.DeliveryMedium != types.DeliveryMediumTypeEmail || aws.ToString(d.Destination) != "a***@e***" {
			t.Fatalf("CodeDeliveryDetails %+v", out.CodeDeliveryDetails)
		}
		if n := hook.Finished(t) - before; n != 0 {
			t.Fatalf("SignUp answered after the sender finished (%d calls): the invocation is not asynchronous", n)
		}
		hook.Release(t)
		if _, ok := e.Outbox.Latest("ada@example.com"); ok {
			t.Fatal("Cognate mailed the code itself")
		}
		ev, code := sent(t)
		if ev.TriggerSource != "CustomEmailSender_SignUp" || ev.Version != "1" || ev.UserName != "ada" || ev.UserPoolID != f.poolID ||
			ev.CallerContext.ClientID != f.client || ev.Request.Type != "customEmailSenderRequestV1" ||
			ev.Request.UserAttributes["email"] != "ada@example.com" || ev.Request.UserAttributes["cognito:user_status"] != "UNCONFIRMED" ||
			ev.Request.UserAttributes["sub"] == "" || ev.Request.ClientMetadata["app"] != "web" {
			t.Fatalf("the function got %+v", ev)
		}
		if !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
			t.Fatalf("decrypted code %q", code)
		}
		must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("ada"), ConfirmationCode: aws.String(code)}))(t)
		for _, raw := range hook.Events(t) {
			var head struct{ TriggerSource string }
			if err := json.Unmarshal(raw, &head); err != nil || head.TriggerSource == "CustomMessage_SignUp" {
				t.Fatalf("CustomMessage ran for a channel with a custom sender: %s", raw)
			}
		}
	})

	t.Run("a password reset code", func(t *testing.T) {
		hook.Script(t, `{}`)
		must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("ada"),
			ClientMetadata: map[string]string{"flow": "reset"}}))(t)
		ev, code := sent(t)
		if ev.TriggerSource != "CustomEmailSender_ForgotPassword" || ev.Request.ClientMetadata["flow"] != "reset" {
			t.Fatalf("the function got %+v", ev)
		}
		must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("ada"),
			ConfirmationCode: aws.String(code), Password: aws.String("Another-Horse-7")}))(t)
		must(f.signIn(t, "ada", "Another-Horse-7"))(t)
	})

	// MFA codes go to the custom sender too (issue 13 #3): CustomEmailSender_Authentication.
	t.Run("an MFA code", func(t *testing.T) {
		hook.Script(t, `{}`)
		must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
			EmailMfaConfiguration: &types.EmailMfaConfigType{Subject: aws.String("Code"), Message: aws.String("Code {####}")}}))(t)
		defer func() {
			must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOff}))(t)
		}()
		must(e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ada"),
			EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": "Another-Horse-7"}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeEmailOtp {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		ev, code := sent(t)
		if ev.TriggerSource != "CustomEmailSender_Authentication" || ev.Request.Type != "customEmailSenderRequestV1" {
			t.Fatalf("the function got %+v", ev)
		}
		if r := must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeEmailOtp,
			Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "ada", "EMAIL_OTP_CODE": code}}))(t); r.AuthenticationResult == nil {
			t.Fatalf("the decrypted code did not sign in: %+v", r)
		}
		must(e.Client.AdminSetUserMFAPreference(ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(f.poolID), Username: aws.String("ada"),
			EmailMfaSettings: &types.EmailMfaSettingsType{Enabled: false}}))(t)
	})

	t.Run("an invitation's temporary password, HTML-escaped, to the SMS sender", func(t *testing.T) {
		must(e.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bo"),
			TemporaryPassword: aws.String("Temp&Pass<1>"), DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeSms},
			UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}}}))(t)
		ev, temp := sent(t)
		if ev.TriggerSource != "CustomSMSSender_AdminCreateUser" || ev.Request.Type != "customSMSSenderRequestV1" ||
			ev.CallerContext.ClientID != "CLIENT_ID_NOT_APPLICABLE" || ev.Request.UserAttributes["phone_number"] != "+15555550100" {
			t.Fatalf("the function got %+v", ev)
		}
		if temp != "Temp&amp;Pass&lt;1&gt;" {
			t.Fatalf("decrypted temporary password %q", temp)
		}
		if _, ok := e.Outbox.Latest("+15555550100"); ok {
			t.Fatal("Cognate texted the password itself")
		}
	})

	t.Run("a KMS failure fails the call and sends nothing", func(t *testing.T) {
		hook.Settle()
		events := len(hook.Events(t))
		faulty.Fail(localkms.Faults()["KMSInvalidStateException"], "Encrypt")
		defer faulty.Fail(nil, "Encrypt")
		_, err := e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("ada")})
		wantErr(t, err, "UnexpectedLambdaException", "CustomEmailSender invocation failed due to error KMSInvalidStateException.")
		hook.Settle()
		if n := len(hook.Events(t)); n != events {
			t.Fatalf("the function was called %d times", n-events)
		}
		if _, ok := e.Outbox.Latest("ada@example.com"); ok {
			t.Fatal("a message went out")
		}
	})
}

// Without a key service (no KMS client wired) a pool with a custom sender cannot send its
// codes: the call fails closed, as a trigger Cognate cannot reach does.
func testCustomSendersWithoutKMS(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, customEmailARN, customSMSARN, customMessageARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	f := senderPool(t, e, kmsKeyARN)
	_, err := e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("cy"),
		Password: aws.String(strongPassword), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("cy@example.com")}}})
	wantErr(t, err, "UnexpectedLambdaException", "CustomEmailSender invocation failed due to error NotFoundException.")
	hook.Settle()
	if n := len(hook.Events(t)); n != 0 {
		t.Fatalf("%d functions were called", n)
	}
	if _, ok := e.Outbox.Latest("cy@example.com"); ok {
		t.Fatal("a message went out")
	}
}
