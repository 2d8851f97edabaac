package awsapp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/gate"
	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/lambdahttp/eventstest"
	"github.com/cognatehq/cognate/pkg/signer"
)

// TestInvokeLocal is `make invoke-local FN=<LogicalId> EVENT=events/<dir>/<case>.json`: `sam local
// invoke` without Docker. It builds the function template.yaml names FN for this machine, starts
// the emulators its role says it talks to (DynamoDB Local, local-kms, the SES emulator: started
// for the call, stopped after it), runs it under the AWS Lambda Runtime Interface Emulator with
// the environment the template gives it, makes the state the event assumes as TestEvents does
// (a pool, an app client, the user and tokens of its case, by the events themselves), fills the
// event's placeholders, invokes the function and writes what it answered — its response, or
// its {"errorMessage", "errorType"} — to COGNATE_INVOKE_OUT.
//
// Without COGNATE_INVOKE_EVENT (in `make test`) it runs four such invocations and checks their
// answers. That every event gets the answer events/README.md promises is TestEvents', through
// the same binaries under the same emulator.
func TestInvokeLocal(t *testing.T) {
	root, err := gate.RepoRoot("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if eventPath := os.Getenv("COGNATE_INVOKE_EVENT"); eventPath != "" {
		answer := invokeLocal(t, root, os.Getenv("COGNATE_INVOKE_FN"), eventPath)
		if out := os.Getenv("COGNATE_INVOKE_OUT"); out != "" {
			if err := os.WriteFile(out, answer, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("answer:\n%s", answer)
		return
	}
	// In `make test`: the invocation a user tries first, a sample hook's refusal, one whose
	// legacy table must be made first, and an event whose case needs no state beyond the pool.
	for _, tc := range []struct {
		fn, event string
		want      func(answer []byte) bool
	}{
		{"SignupFunction", "events/signup/SignUp.json", func(a []byte) bool {
			var resp events.APIGatewayV2HTTPResponse
			return json.Unmarshal(a, &resp) == nil && resp.StatusCode == http.StatusOK && strings.Contains(resp.Body, `"UserSub"`)
		}},
		{"PreSignUpAllowlistFunction", "events/hooks/pre-signup-allowlist/denied-domain.json", func(a []byte) bool {
			return bytes.Contains(a, []byte(`"errorMessage": "Email domain not allowed."`))
		}},
		{"UserMigrationLegacyFunction", "events/hooks/user-migration/authentication.json", func(a []byte) bool {
			return bytes.Contains(a, []byte(`"finalUserStatus": "CONFIRMED"`))
		}},
		{"OAuthFunction", "events/oauth/jwks.json", func(a []byte) bool {
			var resp events.APIGatewayV2HTTPResponse
			return json.Unmarshal(a, &resp) == nil && resp.StatusCode == http.StatusOK && strings.Contains(resp.Body, `"keys"`)
		}},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			if a := invokeLocal(t, root, tc.fn, tc.event); !tc.want(a) {
				t.Errorf("%s with %s answered:\n%s", tc.fn, tc.event, a)
			}
		})
	}
}

// invokeLocal is one `make invoke-local`: the answer, indented.
func invokeLocal(t *testing.T, root, fnID, eventPath string) []byte {
	t.Helper()
	if !filepath.IsAbs(eventPath) {
		eventPath = filepath.Join(root, eventPath)
	}
	raw, err := os.ReadFile(eventPath)
	if err != nil {
		t.Fatalf("EVENT: %v", err)
	}
	fn := templateFunction(t, root, fnID)

	b := backends{snsEndpoint: closedPort(t)}
	if fn.needs["dynamodb"] {
		b.ddbEndpoint = ddblocal.Endpoint(t)
	}
	if fn.needs["kms"] {
		b.kms = localkms.Start(t)
		key, err := b.kms.Client.CreateKey(t.Context(), &envelopeKeyInput)
		if err != nil {
			t.Fatalf("creating the envelope key in local-kms: %v", err)
		}
		b.keyARN = aws.ToString(key.KeyMetadata.Arn)
	} else {
		b.kms = &localkms.Emulator{Endpoint: closedPort(t)}
	}
	if fn.needs["ses"] {
		b.sesEndpoint = seslocal.Start(t)
	}

	var answer []byte
	if fn.cognate { // an API function, the authorizer or the key rotation: Cognate's table and key
		h := newHarness(t, b, string(signer.ModeKMSEnvelope))
		h.pool = h.createPool(t)
		h.appID = h.createClient(t, h.pool)
		folder := relFolder(t, root, eventPath)
		var values map[string]string
		if gc, ok := goodCases[path.Join(folder, filepath.Base(eventPath))]; ok && gc.setup != nil && eventstest.Expected(folder, filepath.Base(eventPath)).Good() {
			values = gc.setup(t, h)
		}
		if folder == "authorizer" {
			values = h.signedIn(t).values()
		}
		v := h.values(values)
		var ev any
		if _, http := h.fns[fn.dir]; http {
			req, err := eventstest.Request(raw, eventstest.FillWith(v), eventstest.SigV4{Credentials: adminKey})
			if err != nil {
				t.Fatal(err)
			}
			ev = req
		} else {
			ev = json.RawMessage(mustFill(t, raw, v))
		}
		env := h.env
		if fn.dir == "authorizer" {
			env = with(h.env, "COGNATE_ISSUER_BASE", "https://"+edgeHost, "COGNATE_AUTHORIZER_POOL_IDS", h.pool, "COGNATE_AUTHORIZER_CLIENT_IDS", h.appID)
		}
		answer = b.start(t, fn.dir, with(env, fn.literalEnv...)).raw(t, ev)
	} else {
		env := with(nil, fn.literalEnv...)
		for _, hook := range sampleHooks { // a sample hook's tables, made as TestEvents makes them
			if hook.dir == fn.dir {
				state, _ := hook.start(t, b)
				env = with(state, fn.literalEnv...)
			}
		}
		answer = b.start(t, fn.dir, env).raw(t, json.RawMessage(raw))
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, answer, "", "  ") != nil {
		pretty.Write(answer)
	}
	pretty.WriteByte('\n')
	return pretty.Bytes()
}

// raw invokes the function with in and returns its payload as it came: a response or a
// function's error.
func (d *deployed) raw(t *testing.T, in any) []byte {
	t.Helper()
	var out json.RawMessage
	err := d.invoke(t.Context(), in, &out)
	if fe, ok := err.(*functionError); ok {
		b, _ := json.Marshal(map[string]string{"errorMessage": fe.Message, "errorType": fe.Type})
		return b
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustFill(t *testing.T, raw []byte, v map[string]string) []byte {
	t.Helper()
	if !eventstest.Placeholder.Match(raw) {
		return raw
	}
	filled, err := eventstest.Fill(raw, v)
	if err != nil {
		t.Fatal(err)
	}
	return filled
}

func relFolder(t *testing.T, root, eventPath string) string {
	t.Helper()
	rel, err := filepath.Rel(filepath.Join(root, "events"), filepath.Dir(eventPath))
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("EVENT %s is not under events/", eventPath)
	}
	return filepath.ToSlash(rel)
}

// templateFunction is what template.yaml and the Makefile say of a function: its package
// directory under functions/, the literal environment variables the template sets for it, the
// AWS services its role may call, and whether it runs on Cognate's table and key.
type templateFn struct {
	dir        string
	literalEnv []string // NAME, value, NAME, value …
	needs      map[string]bool
	cognate    bool
}

var makefileFunction = regexp.MustCompile(`(\w+)=([\w/-]+)`)

func templateFunction(t *testing.T, root, id string) templateFn {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	fn := templateFn{needs: map[string]bool{}}
	table := mk[bytes.Index(mk, []byte("FUNCTIONS :=")):]
	table = table[:bytes.Index(table, []byte("\nLAMBDA_FLAGS"))]
	for _, m := range makefileFunction.FindAllSubmatch(table, -1) {
		if string(m[1]) == id {
			fn.dir = string(m[2])
		}
	}
	if fn.dir == "" {
		t.Fatalf("FN=%s: no such function in the Makefile's FUNCTIONS (template.yaml logical ids)", id)
	}
	tplRaw, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(tplRaw, &doc); err != nil {
		t.Fatal(err)
	}
	res := child(child(doc.Content[0], "Resources"), id)
	if res == nil {
		t.Fatalf("FN=%s: no such resource in template.yaml", id)
	}
	props := child(res, "Properties")
	if vars := child(child(props, "Environment"), "Variables"); vars != nil {
		for i := 0; i+1 < len(vars.Content); i += 2 {
			if v := vars.Content[i+1]; v.Kind == yaml.ScalarNode && (v.Tag == "" || strings.HasPrefix(v.Tag, "!!")) { // not !Ref, !Sub …
				fn.literalEnv = append(fn.literalEnv, vars.Content[i].Value, v.Value)
			}
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.ScalarNode {
			v := strings.ToLower(n.Value)
			for _, svc := range []string{"dynamodb", "kms", "ses"} {
				if strings.HasPrefix(v, svc+":") || strings.HasPrefix(v, svc) && strings.HasSuffix(v, "policy") {
					fn.needs[svc] = true
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(child(props, "Policies"))
	main, err := os.ReadFile(filepath.Join(root, "functions", fn.dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	fn.cognate = bytes.Contains(main, []byte("awsapp.Load("))
	if fn.cognate {
		fn.needs["dynamodb"], fn.needs["kms"], fn.needs["ses"] = true, true, true
	}
	return fn
}

// child is the value of key in a YAML mapping, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
