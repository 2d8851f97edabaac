package trigger_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

var hdr = trigger.Header{Region: "us-east-1", UserPoolID: "us-east-1_AbC123xyz", UserName: "jane", ClientID: "client1"}

// Every source's event, in every version it is sent in, carries the common header under
// Cognito's names and comes back from JSON as it went.
func TestEventsRoundTrip(t *testing.T) {
	for _, spec := range trigger.Catalogue() {
		for _, v := range spec.Versions {
			t.Run(string(spec.Source)+"/"+v.LambdaVersion, func(t *testing.T) {
				ev, err := trigger.NewEvent(spec.Source, v.LambdaVersion, hdr)
				if err != nil {
					t.Fatal(err)
				}
				if reflect.TypeOf(ev) != reflect.PointerTo(v.Event) {
					t.Fatalf("NewEvent made %T, the catalogue says %v", ev, v.Event)
				}
				b, err := json.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				var wire map[string]any
				if err := json.Unmarshal(b, &wire); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{
					"version": v.Header(), "triggerSource": string(spec.Source), "region": "us-east-1",
					"userPoolId": "us-east-1_AbC123xyz", "userName": "jane",
					"callerContext": map[string]any{"awsSdkVersion": trigger.UnknownSDK, "clientId": "client1"},
				}
				for k, w := range want {
					if !reflect.DeepEqual(wire[k], w) {
						t.Errorf("%s = %#v, want %#v", k, wire[k], w)
					}
				}
				for _, k := range []string{"request", "response"} {
					if _, ok := wire[k].(map[string]any); !ok {
						t.Errorf("%s is %#v, want an object", k, wire[k])
					}
				}
				if len(wire) != len(want)+2 {
					t.Errorf("members %v", wire)
				}
				back := reflect.New(v.Event).Interface()
				if err := json.Unmarshal(b, back); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(back, ev) {
					t.Errorf("round trip\n got %+v\nwant %+v", back, ev)
				}
			})
		}
	}
}

// The §7.1 envelope, as a PreSignUp function receives it.
func TestGoldenPreSignUpEvent(t *testing.T) {
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", hdr)
	if err != nil {
		t.Fatal(err)
	}
	ps := ev.(*events.CognitoEventUserPoolsPreSignup)
	ps.Request.UserAttributes = map[string]string{"email": "jane@example.com"}
	ps.Request.ClientMetadata = map[string]string{"k": "v"}
	b, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "presignup_event.json")
	if *update {
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, bytes.TrimSuffix(want, []byte("\n"))) {
		t.Errorf("\n got %s\nwant %s", b, want)
	}
}

func TestNewEventRefuses(t *testing.T) {
	if _, err := trigger.NewEvent("PreSignUp_Nope", "", hdr); err == nil {
		t.Error("made an event for an unknown source")
	}
	if _, err := trigger.NewEvent(trigger.TokenGenerationClientCredentials, "V1_0", hdr); err == nil {
		t.Error("made a V1_0 client-credentials event")
	}
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", trigger.Header{SDKVersion: "aws-sdk-js-3.0"})
	if err != nil || ev.(*events.CognitoEventUserPoolsPreSignup).CallerContext.AWSSDKVersion != "aws-sdk-js-3.0" {
		t.Errorf("SDK version not kept: %v", err)
	}
}

func TestDecodeResponse(t *testing.T) {
	isInvalid := func(err error) bool {
		return errors.Is(err, cognito.ErrInvalidLambdaResponse) && cognito.As(err).Message == "Unrecognizable lambda output"
	}
	cases := []struct {
		name    string
		output  string
		invalid bool
		want    events.CognitoEventUserPoolsPreSignupResponse
	}{
		{"the whole event back", `{"version":"1","triggerSource":"PreSignUp_SignUp","userName":"mallory","request":{"userAttributes":{"email":"x"}},"response":{"autoConfirmUser":true,"autoVerifyEmail":true}}`,
			false, events.CognitoEventUserPoolsPreSignupResponse{AutoConfirmUser: true, AutoVerifyEmail: true}},
		{"response only", `{"response":{"autoVerifyPhone":true}}`, false, events.CognitoEventUserPoolsPreSignupResponse{AutoVerifyPhone: true}},
		{"no response", `{"version":"1"}`, false, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"null response", `{"response":null}`, false, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"extra members", `{"response":{"autoConfirmUser":true,"surprise":1}}`, false, events.CognitoEventUserPoolsPreSignupResponse{AutoConfirmUser: true}},
		{"null", `null`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"empty", ``, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"an array", `[]`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"a string", `"ok"`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"truncated", `{"response":{`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"wrong type", `{"response":{"autoConfirmUser":"yes"}}`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
		{"response not an object", `{"response":true}`, true, events.CognitoEventUserPoolsPreSignupResponse{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", hdr)
			if err != nil {
				t.Fatal(err)
			}
			ps := ev.(*events.CognitoEventUserPoolsPreSignup)
			ps.Request.UserAttributes = map[string]string{"email": "jane@example.com"}
			// A response left from before is replaced, never merged.
			ps.Response.AutoConfirmUser = true
			before := *ps
			err = trigger.DecodeResponse(ps, json.RawMessage(c.output))
			if c.invalid {
				if !isInvalid(err) {
					t.Fatalf("err %v, want InvalidLambdaResponse", err)
				}
				if !reflect.DeepEqual(*ps, before) {
					t.Error("a refused output changed the event")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ps.Response != c.want {
				t.Errorf("response %+v, want %+v", ps.Response, c.want)
			}
			if !reflect.DeepEqual(ps.CognitoEventUserPoolsHeader, before.CognitoEventUserPoolsHeader) ||
				!reflect.DeepEqual(ps.Request, before.Request) {
				t.Errorf("header or request changed: %+v", ps)
			}
		})
	}
}

// UserMigration's response is an embedded struct tagged "response"; it decodes the same way.
func TestDecodeResponseEmbedded(t *testing.T) {
	ev, err := trigger.NewEvent(trigger.UserMigrationAuthentication, "", hdr)
	if err != nil {
		t.Fatal(err)
	}
	mu := ev.(*events.CognitoEventUserPoolsMigrateUser)
	mu.Password = "secret"
	out := `{"request":{"password":"changed"},"response":{"userAttributes":{"email":"jane@example.com"},"finalUserStatus":"CONFIRMED"}}`
	if err := trigger.DecodeResponse(mu, json.RawMessage(out)); err != nil {
		t.Fatal(err)
	}
	if mu.FinalUserStatus != "CONFIRMED" || mu.UserAttributes["email"] != "jane@example.com" || mu.Password != "secret" {
		t.Errorf("got %+v", mu)
	}
}

// DecodeResponse into something that is not an event is the caller's bug: a 500, not the function's fault.
func TestDecodeResponseMisuse(t *testing.T) {
	for _, target := range []any{nil, events.CognitoEventUserPoolsPreSignup{}, new(int), new(struct{ A int })} {
		if err := trigger.DecodeResponse(target, json.RawMessage(`{}`)); !errors.Is(err, cognito.ErrInternal) {
			t.Errorf("%T: %v, want InternalError", target, err)
		}
	}
}
