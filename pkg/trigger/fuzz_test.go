package trigger_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
)

// Whatever a function answers, reading it never panics, either succeeds or is
// InvalidLambdaResponseException, and never changes the header or request that were sent.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(`{"response":{"autoConfirmUser":true}}`, 0)
	f.Add(`{"response":{"claimsOverrideDetails":{"claimsToAddOrOverride":{"a":"b"},"claimsToSuppress":["email"]}}}`, 1)
	f.Add(`{"response":{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"n":1,"o":{"x":[1]}}}}}}`, 2)
	f.Add(`{"response":{"userAttributes":{"email":"a@b"},"finalUserStatus":"CONFIRMED","desiredDeliveryMediums":["EMAIL"]}}`, 3)
	f.Add(`{"response":{"challengeName":"CUSTOM_CHALLENGE","issueTokens":false}}`, 4)
	f.Add(`null`, 0)
	f.Add(`{"response":"x"}`, 5)
	sources := []trigger.Source{
		trigger.PreSignUpSignUp, trigger.TokenGenerationAuthentication, trigger.TokenGenerationRefreshTokens,
		trigger.UserMigrationAuthentication, trigger.DefineAuthChallengeAuthentication, trigger.CustomMessageSignUp,
		trigger.InboundFederationExternalProvider, trigger.VerifyAuthChallengeResponseAuthentication,
	}
	f.Fuzz(func(t *testing.T, output string, which int) {
		src := sources[uint(which)%uint(len(sources))]
		version := ""
		if src == trigger.TokenGenerationRefreshTokens {
			version = "V2_0"
		}
		ev, err := trigger.NewEvent(src, version, hdr)
		if err != nil {
			t.Fatal(err)
		}
		sent, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		err = trigger.DecodeResponse(ev, json.RawMessage(output))
		if err != nil && !errors.Is(err, cognito.ErrInvalidLambdaResponse) {
			t.Fatalf("err %v", err)
		}
		var before, after map[string]json.RawMessage
		got, merr := json.Marshal(ev)
		if merr != nil {
			t.Fatalf("the decoded event does not encode: %v", merr)
		}
		if json.Unmarshal(sent, &before) != nil || json.Unmarshal(got, &after) != nil {
			t.Fatal("events do not decode")
		}
		delete(before, "response")
		delete(after, "response")
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("header or request changed:\n%s\n%s", sent, got)
		}
	})
}
