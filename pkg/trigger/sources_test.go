package trigger_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/trigger"
)

// protocol72 is cognito-protocol.md §7.2, transcribed: every triggerSource Cognito sends, by the
// LambdaConfig key that configures it.
var protocol72 = map[string][]string{
	"PreSignUp":                   {"PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"},
	"PostConfirmation":            {"PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"},
	"PreAuthentication":           {"PreAuthentication_Authentication"},
	"PostAuthentication":          {"PostAuthentication_Authentication"},
	"DefineAuthChallenge":         {"DefineAuthChallenge_Authentication"},
	"CreateAuthChallenge":         {"CreateAuthChallenge_Authentication"},
	"VerifyAuthChallengeResponse": {"VerifyAuthChallengeResponse_Authentication"},
	"PreTokenGeneration": {"TokenGeneration_HostedAuth", "TokenGeneration_Authentication",
		"TokenGeneration_NewPasswordChallenge", "TokenGeneration_AuthenticateDevice",
		"TokenGeneration_RefreshTokens", "TokenGeneration_ClientCredentials"},
	"UserMigration": {"UserMigration_Authentication", "UserMigration_ForgotPassword"},
	"CustomMessage": {"CustomMessage_SignUp", "CustomMessage_AdminCreateUser", "CustomMessage_ResendCode",
		"CustomMessage_ForgotPassword", "CustomMessage_UpdateUserAttribute", "CustomMessage_VerifyUserAttribute",
		"CustomMessage_Authentication"},
	"CustomEmailSender": senders("CustomEmailSender_"),
	"CustomSMSSender":   senders("CustomSMSSender_"),
	"InboundFederation": {"InboundFederation_ExternalProvider"},
}

func senders(prefix string) []string {
	var s []string
	for _, op := range []string{"SignUp", "ResendCode", "ForgotPassword", "UpdateUserAttribute",
		"VerifyUserAttribute", "AdminCreateUser", "AccountTakeOverNotification", "Authentication"} {
		s = append(s, prefix+op)
	}
	return s
}

// The catalogue is §7.2: every source once, under its trigger, and nothing else.
func TestCatalogueMatchesProtocol(t *testing.T) {
	want := map[string]string{}
	for trig, sources := range protocol72 {
		for _, s := range sources {
			want[s] = trig
		}
	}
	got := map[string]string{}
	for _, spec := range trigger.Catalogue() {
		if _, dup := got[string(spec.Source)]; dup {
			t.Errorf("%s listed twice", spec.Source)
		}
		got[string(spec.Source)] = string(spec.Trigger)
		if len(spec.Versions) == 0 {
			t.Errorf("%s has no version", spec.Source)
		}
		if s, ok := trigger.Lookup(spec.Source); !ok || s.Trigger != spec.Trigger {
			t.Errorf("Lookup(%s) = %v, %v", spec.Source, s, ok)
		}
	}
	for s, trig := range want {
		if got[s] != trig {
			t.Errorf("%s: trigger %q, §7.2 says %q", s, got[s], trig)
		}
	}
	for s := range got {
		if _, ok := want[s]; !ok {
			t.Errorf("%s is not in §7.2", s)
		}
	}
	if _, ok := trigger.Lookup("PreSignUp_Nope"); ok {
		t.Error("Lookup found an unknown source")
	}
}

// Every trigger is a member of the SDK's LambdaConfigType, and every member but the key and the
// versioned PreTokenGeneration is a trigger.
func TestTriggersAreLambdaConfigKeys(t *testing.T) {
	triggers := map[string]bool{}
	for _, spec := range trigger.Catalogue() {
		triggers[string(spec.Trigger)] = true
	}
	lc := reflect.TypeFor[types.LambdaConfigType]()
	members := map[string]bool{}
	for i := range lc.NumField() {
		if f := lc.Field(i); f.IsExported() {
			members[f.Name] = true
		}
	}
	for trig := range triggers {
		if !members[trig] {
			t.Errorf("%s is not a LambdaConfig member", trig)
		}
	}
	for m := range members {
		if !triggers[m] && m != "KMSKeyID" && m != "PreTokenGenerationConfig" {
			t.Errorf("LambdaConfig member %s has no trigger", m)
		}
	}
}

// Sources name their trigger (TokenGeneration_ is PreTokenGeneration's); the custom senders are
// asynchronous, everything else waits.
func TestSourceNamesAndInvocation(t *testing.T) {
	for _, spec := range trigger.Catalogue() {
		prefix, _, _ := strings.Cut(string(spec.Source), "_")
		if prefix != string(spec.Trigger) && !(prefix == "TokenGeneration" && spec.Trigger == trigger.PreTokenGeneration) {
			t.Errorf("%s under %s", spec.Source, spec.Trigger)
		}
		async := spec.Trigger == trigger.CustomEmailSender || spec.Trigger == trigger.CustomSMSSender
		if got := spec.Trigger.Invocation() == trigger.Event; got != async {
			t.Errorf("%s: asynchronous %v, want %v", spec.Trigger, got, async)
		}
	}
}

// PreTokenGeneration sends V1_0 for a bare ARN and V2_0/V3_0 when configured; client credentials
// only V3_0. Every other trigger sends V1_0 only.
func TestVersions(t *testing.T) {
	cases := []struct {
		src           trigger.Source
		lambdaVersion string
		ok            bool
		header        string
		event         string
	}{
		{trigger.TokenGenerationAuthentication, "", true, "1", "CognitoEventUserPoolsPreTokenGen"},
		{trigger.TokenGenerationAuthentication, "V1_0", true, "1", "CognitoEventUserPoolsPreTokenGen"},
		{trigger.TokenGenerationAuthentication, "V2_0", true, "2", "CognitoEventUserPoolsPreTokenGenV2_0"},
		{trigger.TokenGenerationRefreshTokens, "V3_0", true, "3", "CognitoEventUserPoolsPreTokenGenV2_0"},
		{trigger.TokenGenerationClientCredentials, "V3_0", true, "3", "CognitoEventUserPoolsPreTokenGenV2_0"},
		{trigger.TokenGenerationClientCredentials, "", false, "", ""}, // a bare ARN is V1_0
		{trigger.TokenGenerationClientCredentials, "V2_0", false, "", ""},
		{trigger.TokenGenerationClientCredentials, "V1_0", false, "", ""},
		{trigger.PreSignUpSignUp, "", true, "1", "CognitoEventUserPoolsPreSignup"},
		{trigger.PreSignUpSignUp, "V2_0", false, "", ""},
		{trigger.CustomEmailSenderSignUp, "V1_0", true, "1", "CustomSenderEvent"},
		{trigger.InboundFederationExternalProvider, "", true, "1", "CognitoEventUserPoolsInboundFederation"},
	}
	for _, c := range cases {
		spec, _ := trigger.Lookup(c.src)
		v, ok := spec.Version(c.lambdaVersion)
		if ok != c.ok || (ok && (v.Header() != c.header || v.Event.Name() != c.event)) {
			t.Errorf("%s %q: %v %q %v, want %v %q %s", c.src, c.lambdaVersion, ok, v.Header(), v.Event, c.ok, c.header, c.event)
		}
	}
}
