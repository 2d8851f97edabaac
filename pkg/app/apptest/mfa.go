package apptest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// MFA with a software token (issue 13; cognito-protocol.md §2.7, §3.5; TOTP-01, TOTP-02,
// AUTH-04, CODE-04, MFA-01). Codes are computed by pquerna/otp, as an authenticator app
// computes them from SecretCode, at the service's (fake) time.
func runMFATests(t *testing.T, newTable storetest.NewTable) {
	t.Run("MFAPoolConfig", func(t *testing.T) { testMFAPoolConfig(t, Start(t, newTable)) })
	t.Run("SoftwareToken", func(t *testing.T) { testSoftwareToken(t, Start(t, newTable)) })
	t.Run("MFASetup", func(t *testing.T) { testMFASetup(t, Start(t, newTable)) })
	t.Run("MFASetupEmail", func(t *testing.T) { testMFASetupEmail(t, Start(t, newTable)) })
	t.Run("RecoveryCodes", func(t *testing.T) { testRecoveryCodes(t, Start(t, newTable)) })
	t.Run("CodeMFA", func(t *testing.T) { testCodeMFA(t, Start(t, newTable)) })
	t.Run("RememberedDeviceSkipsMFA", func(t *testing.T) { testRememberedDeviceSkipsMFA(t, Start(t, newTable)) })
	t.Run("Passwordless", func(t *testing.T) { testPasswordless(t, Start(t, newTable)) })
}

// totpCode is the code an authenticator app shows for secret at the service's time, offset
// by steps.
func totpCode(t *testing.T, e *Env, secret string, steps int) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, e.Clock.Now().Add(time.Duration(steps)*30*time.Second),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func mfaPool(t *testing.T, e *Env, mode types.UserPoolMfaType) fixture {
	t.Helper()
	f := newPool(t, e, nil)
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: mode,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))(t)
	return f
}

func testMFAPoolConfig(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	got := must(e.Client.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID)}))(t)
	if got.MfaConfiguration != types.UserPoolMfaTypeOff || got.SoftwareTokenMfaConfiguration == nil || got.SoftwareTokenMfaConfiguration.Enabled {
		t.Fatalf("a new pool's MFA: %+v", got)
	}
	_, err := e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOn})
	wantErr(t, err, "InvalidParameterException", "Invalid MFA configuration given, can't turn on MFA without any MFA type enabled.")

	set := must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Subject: aws.String("Your sign-in code"), Message: aws.String("Code: {####}")}}))(t)
	got = must(e.Client.GetUserPoolMfaConfig(ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID)}))(t)
	for _, c := range []*cip.GetUserPoolMfaConfigOutput{got, {MfaConfiguration: set.MfaConfiguration, SoftwareTokenMfaConfiguration: set.SoftwareTokenMfaConfiguration, EmailMfaConfiguration: set.EmailMfaConfiguration}} {
		if c.MfaConfiguration != types.UserPoolMfaTypeOptional || !c.SoftwareTokenMfaConfiguration.Enabled || c.EmailMfaConfiguration == nil ||
			aws.ToString(c.EmailMfaConfiguration.Subject) != "Your sign-in code" || c.SmsMfaConfiguration != nil {
			t.Fatalf("the MFA configuration: %+v", c)
		}
	}
	d := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t)
	if d.UserPool.MfaConfiguration != types.UserPoolMfaTypeOptional {
		t.Fatalf("DescribeUserPool's MfaConfiguration %q", d.UserPool.MfaConfiguration)
	}
}

func testSoftwareToken(t *testing.T, e *Env) {
	f := mfaPool(t, e, types.UserPoolMfaTypeOptional)
	tokens := f.confirmedUser(t, "tia", "tia@example.com")
	access := tokens.AccessToken

	// Enrolment: nothing to enable before a token is verified; a wrong code verifies nothing.
	_, err := e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}})
	wantErr(t, err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the user.")
	_, err = e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("123456")})
	wantErr(t, err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the user.")
	assoc := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access}))(t)
	secret := aws.ToString(assoc.SecretCode)
	if len(secret) != 52 {
		t.Fatalf("SecretCode %q: want 52 base32 characters (256 bits)", secret)
	}
	_, err = e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, e, secret, 2))})
	wantErr(t, err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	v := must(e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, e, secret, 0)),
		FriendlyDeviceName: aws.String("phone")}))(t)
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		t.Fatalf("VerifySoftwareToken: %+v", v)
	}
	// Verified, not yet enabled: sign-in asks nothing.
	if res := must(f.signIn(t, "tia", strongPassword))(t); res == nil {
		t.Fatal("a verified but not enabled token was asked for")
	}
	must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)
	u := must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: access}))(t)
	au := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("tia")}))(t)
	for _, got := range [][2]any{{u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting)}, {au.UserMFASettingList, aws.ToString(au.PreferredMfaSetting)}} {
		if l := got[0].([]string); len(l) != 1 || l[0] != "SOFTWARE_TOKEN_MFA" || got[1] != "SOFTWARE_TOKEN_MFA" {
			t.Fatalf("MFA settings %v", got)
		}
	}

	start := func(t *testing.T) *cip.InitiateAuthOutput {
		t.Helper()
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "tia", "PASSWORD": strongPassword}}))(t)
		if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || out.AuthenticationResult != nil || aws.ToString(out.Session) == "" {
			t.Fatalf("InitiateAuth answered %+v", out)
		}
		return out
	}
	answer := func(session *string, code string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client),
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: session,
			ChallengeResponses: map[string]string{"USERNAME": "tia", "SOFTWARE_TOKEN_MFA_CODE": code}})
	}

	t.Run("a code from the app signs in, once", func(t *testing.T) {
		e.Clock.Advance(30 * time.Second) // past the step the enrolment used
		out := start(t)
		code := totpCode(t, e, secret, 0)
		res := must(answer(out.Session, code))(t)
		if res.AuthenticationResult == nil || res.AuthenticationResult.AccessToken == nil {
			t.Fatalf("RespondToAuthChallenge answered %+v", res)
		}
		_, err := answer(out.Session, code)
		wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
		// The same code in another sign-in, in the same 30 seconds: refused (TOTP-01).
		_, err = answer(start(t).Session, code)
		wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	})

	t.Run("the step before and after are accepted, two steps off are not", func(t *testing.T) {
		for _, tc := range []struct {
			steps int
			ok    bool
		}{{-2, false}, {2, false}, {-1, true}, {1, true}} {
			e.Clock.Advance(2 * time.Minute) // a fresh window for each
			_, err := answer(start(t).Session, totpCode(t, e, secret, tc.steps))
			if tc.ok && err != nil || !tc.ok && err == nil {
				t.Fatalf("a code %d steps off: %v", tc.steps, err)
			}
		}
	})

	t.Run("SRP sign-in asks for the code too", func(t *testing.T) {
		e.Clock.Advance(2 * time.Minute)
		a := &srpAttempt{f: f, client: newSRPClient(t)}
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "tia", "SRP_A": a.client.SRPA()}}))(t)
		a.name, a.params, a.sess = string(out.ChallengeName), out.ChallengeParameters, out.Session
		res := must(a.respond(f.client, a.answer(t, strongPassword, a.now())))(t)
		if res.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || res.AuthenticationResult != nil {
			t.Fatalf("after the password: %+v", res)
		}
		if r := must(answer(res.Session, totpCode(t, e, secret, 0)))(t); r.AuthenticationResult == nil {
			t.Fatal("no tokens")
		}
	})

	t.Run("a password reset keeps MFA", func(t *testing.T) {
		e.Clock.Advance(2 * time.Minute)
		must(e.Client.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("tia")}))(t)
		must(e.Client.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(f.client), Username: aws.String("tia"),
			ConfirmationCode: aws.String(f.code(t, "tia@example.com")), Password: aws.String(strongPassword)}))(t)
		start(t) // still SOFTWARE_TOKEN_MFA (MFA-01)
	})

	t.Run("wrong codes count toward lockout; the sixth try fails with the right code", func(t *testing.T) {
		e.Clock.Advance(2 * time.Minute)
		out := start(t)
		for i := range 5 {
			_, err := answer(out.Session, "000000")
			if err == nil {
				t.Fatalf("wrong code %d accepted", i+1)
			}
		}
		_, err := answer(out.Session, totpCode(t, e, secret, 0))
		wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
		_, err = f.signIn(t, "tia", strongPassword)
		wantErr(t, err, "NotAuthorizedException", "Password attempts exceeded")
	})
}

// MFA ON with nothing set up: MFA_SETUP, the software token set up with the Session.
func testMFASetup(t *testing.T, e *Env) {
	f := mfaPool(t, e, types.UserPoolMfaTypeOn)
	f.signUp(t, "sol", "sol@example.com")
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("sol"),
		ConfirmationCode: aws.String(f.code(t, "sol@example.com"))}))(t)
	out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "sol", "PASSWORD": strongPassword}}))(t)
	var canSetup []string
	if out.ChallengeName != types.ChallengeNameTypeMfaSetup || json.Unmarshal([]byte(out.ChallengeParameters["MFAS_CAN_SETUP"]), &canSetup) != nil ||
		len(canSetup) != 1 || canSetup[0] != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("InitiateAuth answered %+v", out)
	}
	assoc := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session}))(t)
	if aws.ToString(assoc.Session) == "" || aws.ToString(assoc.Session) == aws.ToString(out.Session) {
		t.Fatalf("AssociateSoftwareToken answered %+v", assoc)
	}
	_, err := e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	// Respond before the token is verified: refused.
	_, err = e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeMfaSetup,
		Session: assoc.Session, ChallengeResponses: map[string]string{"USERNAME": "sol"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	secret := aws.ToString(assoc.SecretCode)
	v := must(e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String(totpCode(t, e, secret, 0))}))(t)
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess || aws.ToString(v.Session) == "" {
		t.Fatalf("VerifySoftwareToken answered %+v", v)
	}
	res := must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: types.ChallengeNameTypeMfaSetup,
		Session: v.Session, ChallengeResponses: map[string]string{"USERNAME": "sol"}}))(t)
	if res.AuthenticationResult == nil {
		t.Fatalf("MFA_SETUP answered %+v", res)
	}
	// From now on the token is asked for.
	e.Clock.Advance(time.Minute)
	again := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "sol", "PASSWORD": strongPassword}}))(t)
	if again.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("the next sign-in: %+v", again)
	}
}

// SMS and email codes as second factors (§3.5): the code goes to the user's phone or address
// (the outbox here), the challenge names the masked destination, a code signs in once.
func testCodeMFA(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Sign-in code {####}")},
		EmailMfaConfiguration:         &types.EmailMfaConfigType{Subject: aws.String("Your sign-in code"), Message: aws.String("Your code is {####}.")}}))(t)
	const phone = "+12065550100"
	res := f.confirmedUser(t, "mo", "mo@example.com")
	must(e.Client.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(f.poolID), Username: aws.String("mo"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String(phone)}}}))(t)
	setPref := func(sms, email *types.SMSMfaSettingsType, mail *types.EmailMfaSettingsType) {
		t.Helper()
		must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: res.AccessToken, SMSMfaSettings: sms, EmailMfaSettings: mail}))(t)
	}
	start := func(t *testing.T, want types.ChallengeNameType) *cip.InitiateAuthOutput {
		t.Helper()
		e.Clock.Advance(time.Minute)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "mo", "PASSWORD": strongPassword}}))(t)
		if out.ChallengeName != want || out.AuthenticationResult != nil {
			t.Fatalf("InitiateAuth answered %+v, want %s", out, want)
		}
		return out
	}
	respond := func(challenge types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		resp["USERNAME"] = "mo"
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: challenge,
			Session: session, ChallengeResponses: resp})
	}
	latest := func(t *testing.T, to string) string {
		t.Helper()
		m, ok := e.Outbox.Latest(to)
		if !ok || m.Kind != "Authentication" || m.Code == "" {
			t.Fatalf("no authentication code to %s: %+v", to, m)
		}
		return m.Code
	}

	t.Run("SMS_MFA", func(t *testing.T) {
		setPref(&types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true}, nil, nil)
		out := start(t, types.ChallengeNameTypeSmsMfa)
		if out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" || out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] == phone ||
			out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] == "" {
			t.Fatalf("challenge parameters %v", out.ChallengeParameters)
		}
		m, _ := e.Outbox.Latest(phone)
		if m.Body != "Sign-in code "+m.Code {
			t.Fatalf("the SMS: %q", m.Body)
		}
		_, err := respond(types.ChallengeNameTypeSmsMfa, out.Session, map[string]string{"SMS_MFA_CODE": "000000"})
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
		code := latest(t, phone)
		if r := must(respond(types.ChallengeNameTypeSmsMfa, out.Session, map[string]string{"SMS_MFA_CODE": code}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
		// The code is spent: another sign-in's challenge does not take it.
		again := start(t, types.ChallengeNameTypeSmsMfa)
		if latest(t, phone) == code {
			t.Skip("the new code happens to equal the old one (one in a million)")
		}
		_, err = respond(types.ChallengeNameTypeSmsMfa, again.Session, map[string]string{"SMS_MFA_CODE": code})
		wantErr(t, err, "CodeMismatchException", "Invalid code or auth state for the user.")
	})

	t.Run("EMAIL_OTP", func(t *testing.T) {
		setPref(&types.SMSMfaSettingsType{Enabled: false}, nil, &types.EmailMfaSettingsType{Enabled: true, PreferredMfa: true})
		out := start(t, types.ChallengeNameTypeEmailOtp)
		if out.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" {
			t.Fatalf("challenge parameters %v", out.ChallengeParameters)
		}
		m, _ := e.Outbox.Latest("mo@example.com")
		if m.Subject != "Your sign-in code" || m.Body != "Your code is "+m.Code+"." {
			t.Fatalf("the mail: %q %q", m.Subject, m.Body)
		}
		// EMAIL_MFA_CODE, as Cognito's documentation spells it, is taken too.
		if r := must(respond(types.ChallengeNameTypeEmailOtp, out.Session, map[string]string{"EMAIL_MFA_CODE": latest(t, "mo@example.com")}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
	})

	t.Run("SELECT_MFA_TYPE among several, none preferred", func(t *testing.T) {
		setPref(&types.SMSMfaSettingsType{Enabled: true}, nil, &types.EmailMfaSettingsType{Enabled: true})
		out := start(t, types.ChallengeNameTypeSelectMfaType)
		var choices []string
		if err := json.Unmarshal([]byte(out.ChallengeParameters["MFAS_CAN_CHOOSE"]), &choices); err != nil || len(choices) != 2 {
			t.Fatalf("MFAS_CAN_CHOOSE %q", out.ChallengeParameters["MFAS_CAN_CHOOSE"])
		}
		_, err := respond(types.ChallengeNameTypeSelectMfaType, out.Session, map[string]string{"ANSWER": "SOFTWARE_TOKEN_MFA"})
		wantErr(t, err, "InvalidParameterException", `Invalid challenge answer "SOFTWARE_TOKEN_MFA": not one of MFAS_CAN_CHOOSE.`)
		sel := must(respond(types.ChallengeNameTypeSelectMfaType, out.Session, map[string]string{"ANSWER": "SMS_MFA"}))(t)
		if sel.ChallengeName != types.ChallengeNameTypeSmsMfa {
			t.Fatalf("after choosing SMS: %+v", sel)
		}
		if r := must(respond(types.ChallengeNameTypeSmsMfa, sel.Session, map[string]string{"SMS_MFA_CODE": latest(t, phone)}))(t); r.AuthenticationResult == nil {
			t.Fatalf("answered %+v", r)
		}
	})

	t.Run("the legacy SetUserSettings turns SMS MFA on and off", func(t *testing.T) {
		setPref(&types.SMSMfaSettingsType{Enabled: false}, nil, &types.EmailMfaSettingsType{Enabled: false})
		must(e.Client.SetUserSettings(ctx, &cip.SetUserSettingsInput{AccessToken: res.AccessToken,
			MFAOptions: []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeSms, AttributeName: aws.String("phone_number")}}}))(t)
		u := must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))(t)
		if !slices.Equal(u.UserMFASettingList, []string{"SMS_MFA"}) {
			t.Fatalf("after SetUserSettings: %v", u.UserMFASettingList)
		}
		out := start(t, types.ChallengeNameTypeSmsMfa)
		must(respond(types.ChallengeNameTypeSmsMfa, out.Session, map[string]string{"SMS_MFA_CODE": latest(t, phone)}))(t)
		must(e.Client.SetUserSettings(ctx, &cip.SetUserSettingsInput{AccessToken: res.AccessToken, MFAOptions: []types.MFAOptionType{}}))(t)
		e.Clock.Advance(time.Minute)
		if r, err := f.signIn(t, "mo", strongPassword); err != nil || r == nil {
			t.Fatalf("with SMS MFA off again: %v, tokens %v", err, r != nil)
		}
	})

	t.Run("MFA ON asks for SMS when the user has a phone and nothing set up", func(t *testing.T) {
		setPref(&types.SMSMfaSettingsType{Enabled: false}, nil, &types.EmailMfaSettingsType{Enabled: false})
		must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
			SmsMfaConfiguration: &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Sign-in code {####}")}}))(t)
		start(t, types.ChallengeNameTypeSmsMfa)
	})
}

// A remembered device skips MFA and is proven by device SRP; a device known but not remembered
// is asked for the code first, then proven (§3.5, §3.8).
func testRememberedDeviceSkipsMFA(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.DeviceConfiguration = &types.DeviceConfigurationType{DeviceOnlyRememberedOnUserPrompt: true}
	})
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))(t)
	first := f.confirmedUser(t, "rae", "rae@example.com")
	assoc := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: first.AccessToken}))(t)
	secret := aws.ToString(assoc.SecretCode)
	must(e.Client.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: first.AccessToken, UserCode: aws.String(totpCode(t, e, secret, 0))}))(t)
	must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: first.AccessToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)

	signIn := func(t *testing.T, device string) *cip.InitiateAuthOutput {
		t.Helper()
		e.Clock.Advance(time.Minute) // a fresh TOTP step each time
		params := map[string]string{"USERNAME": "rae", "PASSWORD": strongPassword}
		if device != "" {
			params["DEVICE_KEY"] = device
		}
		return must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params}))(t)
	}
	totpAnswer := func(t *testing.T, session *string, device string) *cip.RespondToAuthChallengeOutput {
		t.Helper()
		resp := map[string]string{"USERNAME": "rae", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, e, secret, 0)}
		if device != "" {
			resp["DEVICE_KEY"] = device
		}
		return must(e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client),
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: session, ChallengeResponses: resp}))(t)
	}

	out := signIn(t, "")
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("a new device: %+v", out)
	}
	res := totpAnswer(t, out.Session, "").AuthenticationResult
	dev, _ := confirmDevice(t, e, res)

	// Known, not remembered: the code first, then the device's proof.
	out = signIn(t, dev.key)
	if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("a device not remembered: %+v", out)
	}
	ch := totpAnswer(t, out.Session, dev.key)
	if ch.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("after the code, a known device: %+v", ch)
	}
	must(dev.signIn(t, e, f.client, "rae", ch.Session, dev.password))(t)

	// Remembered: no code; device SRP proves it (a wrong device password fails).
	must(e.Client.UpdateDeviceStatus(ctx, &cip.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: aws.String(dev.key),
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))(t)
	out = signIn(t, dev.key)
	if out.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("a remembered device: %+v", out)
	}
	_, err := dev.signIn(t, e, f.client, "rae", out.Session, "not-the-device-password")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	out = signIn(t, dev.key)
	if r := must(dev.signIn(t, e, f.client, "rae", out.Session, dev.password))(t); r.AuthenticationResult == nil {
		t.Fatalf("the remembered device's sign-in: %+v", r)
	}
}

// MFA ON with email offered: MFA_SETUP by email — the address given gets a code, whose answer
// makes it the user's verified email and MFA factor.
func testMFASetupEmail(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOn,
		EmailMfaConfiguration: &types.EmailMfaConfigType{Subject: aws.String("Sign-in code"), Message: aws.String("Code {####}")}}))(t)
	f.signUp(t, "eve", "eve@example.com")
	must(e.Client.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(f.client), Username: aws.String("eve"),
		ConfirmationCode: aws.String(f.code(t, "eve@example.com"))}))(t)
	start := func() *cip.InitiateAuthOutput {
		e.Clock.Advance(time.Minute)
		return must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "eve", "PASSWORD": strongPassword}}))(t)
	}
	out := start()
	if out.ChallengeName != types.ChallengeNameTypeMfaSetup || out.ChallengeParameters["MFAS_CAN_SETUP"] != `["EMAIL_OTP"]` {
		t.Fatalf("InitiateAuth answered %+v", out)
	}
	respond := func(name types.ChallengeNameType, session *string, resp map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		resp["USERNAME"] = "eve"
		return e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client), ChallengeName: name, Session: session, ChallengeResponses: resp})
	}
	_, err := respond(types.ChallengeNameTypeMfaSetup, out.Session, map[string]string{"EMAIL": "not-an-address"})
	wantErr(t, err, "InvalidParameterException", "Invalid email address format.")
	ch := must(respond(types.ChallengeNameTypeMfaSetup, out.Session, map[string]string{"EMAIL": "eve.mfa@example.com"}))(t)
	if ch.ChallengeName != types.ChallengeNameTypeEmailOtp || ch.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" {
		t.Fatalf("after giving the address: %+v", ch)
	}
	m, ok := e.Outbox.Latest("eve.mfa@example.com")
	if !ok || m.Code == "" {
		t.Fatal("no code to the address given")
	}
	if r := must(respond(types.ChallengeNameTypeEmailOtp, ch.Session, map[string]string{"EMAIL_OTP_CODE": m.Code}))(t); r.AuthenticationResult == nil {
		t.Fatalf("answered %+v", r)
	}
	u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("eve")}))(t)
	if attrValue(u.UserAttributes, "email") != "eve.mfa@example.com" || attrValue(u.UserAttributes, "email_verified") != "true" ||
		aws.ToString(u.PreferredMfaSetting) != "EMAIL_OTP" {
		t.Fatalf("after set-up: %+v %v", u.UserAttributes, aws.ToString(u.PreferredMfaSetting))
	}
	if again := start(); again.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("the next sign-in: %+v", again)
	}
}

// Recovery codes (ours, opt-in by the pool tag cognate:recovery-codes=enabled): ten codes at
// verification, each signing in once in place of the app's code; none in a pool without the tag.
func testRecoveryCodes(t *testing.T, e *Env) {
	f := newPool(t, e, func(in *cip.CreateUserPoolInput) {
		in.UserPoolTags = map[string]string{"cognate:recovery-codes": "enabled"}
	})
	must(e.Client.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(f.poolID), MfaConfiguration: types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))(t)
	res := f.confirmedUser(t, "rex", "rex@example.com")
	assoc := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: res.AccessToken}))(t)
	// The SDK drops members it does not know: read the answer as JSON.
	raw := rawCall(t, e, "VerifySoftwareToken", map[string]any{"AccessToken": aws.ToString(res.AccessToken),
		"UserCode": totpCode(t, e, aws.ToString(assoc.SecretCode), 0)})
	var verified struct {
		Status        string
		RecoveryCodes []string
	}
	if err := json.Unmarshal(raw, &verified); err != nil || verified.Status != "SUCCESS" || len(verified.RecoveryCodes) != 10 {
		t.Fatalf("VerifySoftwareToken answered %s", raw)
	}
	must(e.Client.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: res.AccessToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))(t)
	answer := func(code string) error {
		e.Clock.Advance(time.Minute)
		out := must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "rex", "PASSWORD": strongPassword}}))(t)
		_, err := e.Client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(f.client),
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: out.Session,
			ChallengeResponses: map[string]string{"USERNAME": "rex", "SOFTWARE_TOKEN_MFA_CODE": code}})
		return err
	}
	code := verified.RecoveryCodes[3]
	if err := answer(code); err != nil {
		t.Fatalf("a recovery code: %v", err)
	}
	wantErr(t, answer(code), "CodeMismatchException", "Invalid code received for user")
	wantErr(t, answer("aaaaa-aaaaa"), "CodeMismatchException", "Invalid code received for user")
	if err := answer(verified.RecoveryCodes[4]); err != nil {
		t.Fatalf("another recovery code: %v", err)
	}

	// Without the tag: no codes, and a code-shaped answer is a wrong code.
	g := mfaPool(t, e, types.UserPoolMfaTypeOptional)
	r2 := g.confirmedUser(t, "ria", "ria@example.com")
	a2 := must(e.Client.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: r2.AccessToken}))(t)
	raw = rawCall(t, e, "VerifySoftwareToken", map[string]any{"AccessToken": aws.ToString(r2.AccessToken),
		"UserCode": totpCode(t, e, aws.ToString(a2.SecretCode), 0)})
	if strings.Contains(string(raw), "RecoveryCodes") {
		t.Fatalf("recovery codes in a pool without the tag: %s", raw)
	}
}

// rawCall sends an unsigned Cognito request and returns its 200 body, as JSON.
func rawCall(t *testing.T, e *Env, target string, body map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	a := post(t, e, target, b, nil)
	if a.status != 200 {
		t.Fatalf("%s: %d %s", target, a.status, a.body)
	}
	return a.body
}
