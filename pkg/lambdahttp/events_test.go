package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/lambdahttp"
	"github.com/cognatehq/cognate/pkg/lambdahttp/eventstest"
)

// The repository's sample events (events/, see events/README.md) are used by `sam local invoke`
// and by other packages' tests. TestEvents keeps them valid: each decodes strictly into the event
// type its folder implies, follows the naming conventions, uses only documented placeholders, and,
// once substituted, becomes the request it claims to be.

const eventsDir = "../../events"

var (
	placeholder    = eventstest.Placeholder
	cognitoFolders = eventstest.CognitoFolders
)

// errorCases are the file-name suffixes of requests that must fail, and why.
var errorCases = []string{"malformed-json", "other-family", "unsigned"}

func TestEvents(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(eventsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, p := range placeholder.FindAll(readme, -1) {
		documented[string(p)] = true
	}

	var files []string
	err = filepath.WalkDir(eventsDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") && p != filepath.Join(eventsDir, eventstest.EnvVars) {
			rel, _ := filepath.Rel(eventsDir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no events")
	}
	perFolder := map[string][]string{}
	for _, rel := range files {
		folder := path.Dir(rel)
		perFolder[folder] = append(perFolder[folder], path.Base(rel))
		t.Run(rel, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(eventsDir, rel))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range placeholder.FindAll(raw, -1) {
				if !documented[string(p)] {
					t.Errorf("placeholder %s is not documented in events/README.md", p)
				}
			}
			if bytes.Contains(placeholder.ReplaceAll(raw, nil), []byte("{{")) {
				t.Error(`"{{" outside a well-formed placeholder`)
			}
			filled := eventstest.Plausible(raw)
			switch {
			case cognitoFolders[folder] != "":
				checkCognitoEvent(t, cognitoFolders[folder], path.Base(rel), raw, filled)
			case folder == "oauth":
				checkOAuthEvent(t, raw, filled)
			case folder == "authorizer":
				var ev events.APIGatewayV2CustomAuthorizerV2Request
				strict(t, raw, &ev)
				if ev.Version != "2.0" || ev.Type != "REQUEST" || len(ev.IdentitySource) != 1 ||
					ev.IdentitySource[0] != ev.Headers["authorization"] || !strings.HasPrefix(ev.IdentitySource[0], "Bearer ") {
					t.Errorf("not a payload 2.0 REQUEST authorizer event with a bearer identity source: %+v", ev)
				}
			case folder == "hooks/pre-signup-allowlist":
				var ev events.CognitoEventUserPoolsPreSignup
				strict(t, raw, &ev)
				if ev.Version != "1" || ev.TriggerSource != "PreSignUp_SignUp" || ev.Request.UserAttributes["email"] == "" || ev.CallerContext.ClientID == "" {
					t.Errorf("not a PreSignUp_SignUp event with an email: %+v", ev)
				}
			case folder == "hooks/custom-message":
				var ev events.CognitoEventUserPoolsCustomMessage
				strict(t, raw, &ev)
				if ev.Version != "1" || !strings.HasPrefix(ev.TriggerSource, "CustomMessage_") || ev.Request.CodeParameter != "{####}" ||
					ev.CallerContext.ClientID == "" || ev.Request.UserAttributes["email"] == nil {
					t.Errorf("not a CustomMessage event with a code placeholder and an email: %+v", ev)
				}
			case sampleHooks[folder] != nil:
				if placeholder.Match(raw) {
					t.Error("hook events are exactly as Cognito sends them: no placeholders")
				}
				sampleHooks[folder](t, raw)
			case folder == "rotate-keys":
				// What an EventBridge schedule (template.yaml: Type Schedule) delivers.
				var ev events.EventBridgeEvent
				strict(t, raw, &ev)
				if placeholder.Match(raw) || ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" ||
					ev.Version != "0" || ev.ID == "" || ev.Time.IsZero() || len(ev.Resources) != 1 || !strings.HasPrefix(ev.Resources[0], "arn:aws:events:") {
					t.Errorf("not a scheduled event, or one with placeholders: %+v", ev)
				}
			default:
				t.Errorf("events/%s: unknown folder; add its event type to TestEvents", folder)
			}
		})
	}

	for folder := range cognitoFolders {
		names := perFolder[folder]
		for _, want := range []string{"unknown-target.json", "missing-target.json"} {
			if !slices.Contains(names, want) {
				t.Errorf("events/%s lacks %s", folder, want)
			}
		}
		for _, suffix := range []string{".malformed-json.json", ".other-family.json"} {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, suffix) }) {
				t.Errorf("events/%s has no *%s", folder, suffix)
			}
		}
	}
}

// strict decodes raw into v, refusing unknown fields and trailing data.
func strict(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("does not decode as %T: %v", v, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the event")
	}
}

// serveEvent runs the filled event through the adapter and returns the request the handler saw.
func serveEvent(t *testing.T, filled []byte) (*http.Request, []byte) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	strict(t, filled, &ev)
	var seen *http.Request
	var body []byte
	resp, err := lambdahttp.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = r
		body, _ = io.ReadAll(r.Body)
	}))(context.Background(), ev)
	if err != nil || seen == nil {
		t.Fatalf("the adapter refused the event: %d %s (%v)", resp.StatusCode, resp.Body, err)
	}
	return seen, body
}

func checkAPIEvent(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
	t.Helper()
	if ev.Version != "2.0" || ev.RawPath != ev.RequestContext.HTTP.Path || ev.RouteKey != ev.RequestContext.RouteKey ||
		ev.RequestContext.Stage != "$default" || ev.RequestContext.RequestID == "" || ev.RequestContext.HTTP.SourceIP == "" {
		t.Errorf("inconsistent payload 2.0 event: version %q, rawPath %q vs http.path %q, routeKey %q vs %q, stage %q",
			ev.Version, ev.RawPath, ev.RequestContext.HTTP.Path, ev.RouteKey, ev.RequestContext.RouteKey, ev.RequestContext.Stage)
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Errorf("header %q: payload 2.0 header names are lower-case", name)
		}
	}
	if ev.Headers["x-cognate-original-host"] == "" || ev.Headers["x-cognate-original-path"] == "" {
		t.Error("missing the edge's x-cognate-original-host/path headers")
	}
	if _, ok := ev.Headers["content-length"]; ok {
		t.Error("content-length must be left out: substitution changes the body's length")
	}
}

func checkCognitoEvent(t *testing.T, family cognito.Family, name string, raw, filled []byte) {
	var ev events.APIGatewayV2HTTPRequest
	strict(t, raw, &ev)
	checkAPIEvent(t, &ev)
	want := "POST " + edge.FamilyPath(family)
	if ev.RouteKey != want || ev.RequestContext.HTTP.Method != "POST" {
		t.Errorf("route %q, want %q", ev.RouteKey, want)
	}
	if ev.Headers["content-type"] != cognito.ContentType {
		t.Errorf("content-type %q", ev.Headers["content-type"])
	}
	if ev.Headers["x-cognate-original-path"] != "/" {
		t.Errorf("x-cognate-original-path %q, want /", ev.Headers["x-cognate-original-path"])
	}

	r, body := serveEvent(t, filled)
	if r.URL.Path != edge.FamilyPath(family) {
		t.Errorf("the handler saw path %q", r.URL.Path)
	}
	target, hasTarget := ev.Headers["x-amz-target"]
	stem := strings.TrimSuffix(name, ".json")
	switch stem {
	case "missing-target":
		if hasTarget {
			t.Error("missing-target has an x-amz-target")
		}
		return
	case "unknown-target":
		if _, ok := cognito.ParseTarget(target); ok || !hasTarget {
			t.Errorf("unknown-target names %q", target)
		}
		return
	}

	opName, variant, _ := strings.Cut(stem, ".")
	op, ok := cognito.Lookup(opName)
	if !ok || target != op.Target() {
		t.Fatalf("file %s: x-amz-target %q, want %s", name, target, cognito.TargetPrefix+opName)
	}
	if variant == "other-family" {
		if op.Family == family {
			t.Errorf("%s belongs to %s: not another family", op.Name, family)
		}
	} else if op.Family != family {
		t.Errorf("%s belongs to %s, not %s: name the file %s.other-family.json", op.Name, op.Family, family, op.Name)
	}
	signed := op.Auth == cognito.AuthSigV4 && variant != "unsigned"
	if signed && (ev.Headers["authorization"] != "{{SIGV4_AUTHORIZATION}}" || ev.Headers["x-amz-date"] != "{{AMZ_DATE}}") {
		t.Errorf("SigV4 operation without the {{SIGV4_AUTHORIZATION}} and {{AMZ_DATE}} placeholders")
	}
	if !signed && (ev.Headers["authorization"] != "" || ev.Headers["x-amz-date"] != "") {
		t.Errorf("unsigned request with SigV4 headers")
	}
	if variant == "unsigned" && op.Auth != cognito.AuthSigV4 {
		t.Errorf("%s is not a SigV4 operation", op.Name)
	}

	if variant == "malformed-json" {
		if json.Valid(body) {
			t.Error("malformed-json body is valid JSON")
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("body is not JSON after substitution: %s", body)
	}
	if !slices.Contains(errorCases, variant) && ev.IsBase64Encoded {
		t.Error("a good case must carry a plain-text body, so that its placeholders can be substituted")
	}
	// The body must decode as a JSON object whose members Cognito knows; catching a typo like
	// "Usename" here is cheaper than in the harness.
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	if len(members) == 0 {
		t.Error("empty body for a good case")
	}
}

func checkOAuthEvent(t *testing.T, raw, filled []byte) {
	var ev events.APIGatewayV2HTTPRequest
	strict(t, raw, &ev)
	checkAPIEvent(t, &ev)
	r, body := serveEvent(t, filled)
	switch {
	case strings.Contains(ev.RawPath, "/.well-known/"):
		if r.Method != http.MethodGet || len(body) != 0 || ev.Headers["x-cognate-original-path"] != ev.RawPath {
			t.Errorf("well-known event: %s %s, original path %q", r.Method, r.URL.Path, ev.Headers["x-cognate-original-path"])
		}
	case strings.HasPrefix(ev.RawPath, "/oauth2/"):
		// The OAuth endpoints: a form POST (RFC 6749) on the route of its own path, which the edge
		// passed through unchanged.
		if r.Method != http.MethodPost || ev.RouteKey != "POST "+ev.RawPath || ev.Headers["x-cognate-original-path"] != ev.RawPath ||
			ev.Headers["content-type"] != "application/x-www-form-urlencoded" {
			t.Errorf("oauth endpoint event: %s %s, route %q, original path %q, content-type %q", r.Method, ev.RawPath, ev.RouteKey,
				ev.Headers["x-cognate-original-path"], ev.Headers["content-type"])
		}
		if _, err := url.ParseQuery(string(body)); err != nil || len(body) == 0 {
			t.Errorf("body is not a form: %q (%v)", body, err)
		}
	case ev.RawPath == "/":
		if ev.IsBase64Encoded {
			if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Error(err)
			}
		}
	default:
		t.Errorf("unexpected oauth path %q", ev.RawPath)
	}
}

// sampleHooks check the events of the sample hooks that reach AWS (docs/triggers.md, Sample
// hooks): each decodes strictly into the aws-lambda-go type its function takes, with the trigger
// source and the fields the function reads.
var sampleHooks = map[string]func(t *testing.T, raw []byte){
	"hooks/pre-token-claims": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsPreTokenGenV2_0
		strict(t, raw, &ev)
		if ev.Version != "2" || !strings.HasPrefix(ev.TriggerSource, "TokenGeneration_") || ev.Request.UserAttributes["sub"] == "" || len(ev.Request.Scopes) == 0 {
			t.Errorf("not a version 2 TokenGeneration event with a sub and scopes: %+v", ev)
		}
	},
	"hooks/post-confirmation-welcome": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsPostConfirmation
		strict(t, raw, &ev)
		if ev.Version != "1" || !strings.HasPrefix(ev.TriggerSource, "PostConfirmation_") || ev.Request.UserAttributes["email"] == "" {
			t.Errorf("not a PostConfirmation event with an email: %+v", ev)
		}
	},
	"hooks/user-migration": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsMigrateUser
		strict(t, raw, &ev)
		pw := ev.CognitoEventUserPoolsMigrateUserRequest.Password
		if ev.Version != "1" || ev.UserName == "" || !(ev.TriggerSource == "UserMigration_Authentication" && pw != "" || ev.TriggerSource == "UserMigration_ForgotPassword" && pw == "") {
			t.Errorf("not a UserMigration event (a password at sign-in only): %+v", ev)
		}
	},
	"hooks/email-otp-define": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsDefineAuthChallenge
		strict(t, raw, &ev)
		if ev.TriggerSource != "DefineAuthChallenge_Authentication" || ev.Request.Session == nil {
			t.Errorf("not a DefineAuthChallenge event with a session: %+v", ev)
		}
	},
	"hooks/email-otp-create": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsCreateAuthChallenge
		strict(t, raw, &ev)
		if ev.TriggerSource != "CreateAuthChallenge_Authentication" || ev.Request.ChallengeName != "CUSTOM_CHALLENGE" || ev.Request.UserAttributes["email"] == "" {
			t.Errorf("not a CreateAuthChallenge event for CUSTOM_CHALLENGE with an email: %+v", ev)
		}
	},
	"hooks/email-otp-verify": func(t *testing.T, raw []byte) {
		var ev events.CognitoEventUserPoolsVerifyAuthChallenge
		strict(t, raw, &ev)
		if ev.TriggerSource != "VerifyAuthChallengeResponse_Authentication" || ev.Request.PrivateChallengeParameters["code"] == "" || ev.Request.ChallengeAnswer == nil {
			t.Errorf("not a VerifyAuthChallengeResponse event with a code and an answer: %+v", ev)
		}
	},
}
