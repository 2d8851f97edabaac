package sam

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/signer"
)

const root = "../.."

// node is a YAML node with lookups that ignore CloudFormation's !Ref-style tags.
type node struct{ *yaml.Node }

func (n node) get(key string) node {
	if n.Node == nil || n.Kind != yaml.MappingNode {
		return node{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return node{n.Content[i+1]}
		}
	}
	return node{}
}

func (n node) str() string {
	if n.Node == nil {
		return ""
	}
	return n.Value
}

func (n node) each(fn func(key string, v node)) {
	if n.Node == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, node{n.Content[i+1]})
	}
}

// walk visits every node under n.
func (n node) walk(fn func(node)) {
	if n.Node == nil {
		return
	}
	fn(n)
	for _, c := range n.Content {
		node{c}.walk(fn)
	}
}

func loadTemplate(t *testing.T) (node, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return node{doc.Content[0]}, b
}

// makefileFunctions reads the Makefile's FUNCTIONS table: logical id -> functions/ package.
func makefileFunctions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)FUNCTIONS := (.*?)\nLAMBDA_FLAGS`).FindSubmatch(b)
	if m == nil {
		t.Fatal("Makefile has no FUNCTIONS table")
	}
	out := map[string]string{}
	for _, f := range strings.Fields(strings.ReplaceAll(string(m[1]), "\\", " ")) {
		id, pkg, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("bad FUNCTIONS entry %q", f)
		}
		out[id] = pkg
	}
	return out
}

type route struct{ method, path string }

func TestTemplate(t *testing.T) {
	tpl, raw := loadTemplate(t)
	resources := tpl.get("Resources")
	fns := makefileFunctions(t)
	mains := map[string]string{} // logical id -> main.go source
	routes := map[route]string{} // route -> logical id

	t.Run("every function is built by the Makefile from its folder", func(t *testing.T) {
		resources.each(func(id string, r node) {
			if r.get("Type").str() != "AWS::Serverless::Function" {
				return
			}
			if r.get("Metadata").get("BuildMethod").str() != "makefile" {
				t.Errorf("%s: Metadata.BuildMethod must be makefile", id)
			}
			pkg, ok := fns[id]
			if !ok {
				t.Errorf("%s: no build-%s entry in the Makefile's FUNCTIONS", id, id)
				return
			}
			src, err := os.ReadFile(filepath.Join(root, "functions", pkg, "main.go"))
			if err != nil {
				t.Errorf("%s: %v", id, err)
				return
			}
			mains[id] = string(src)
			r.get("Properties").get("Events").each(func(_ string, ev node) {
				if ev.get("Type").str() == "HttpApi" {
					p := ev.get("Properties")
					routes[route{p.get("Method").str(), p.get("Path").str()}] = id
				}
			})
		})
		for id := range fns {
			if resources.get(id).Node == nil {
				t.Errorf("Makefile builds %s, which template.yaml does not declare", id)
			}
		}
		globals := tpl.get("Globals").get("Function")
		if globals.get("Runtime").str() != "provided.al2023" || globals.get("Handler").str() != "bootstrap" ||
			len(globals.get("Architectures").Content) != 1 || globals.get("Architectures").Content[0].Value != "arm64" {
			t.Error("functions must be provided.al2023, arm64, handler bootstrap")
		}
	})

	t.Run("every operation reaches the function that owns it", func(t *testing.T) {
		familyOf := func(id string) cognito.Family {
			m := regexp.MustCompile(`cognito\.Family(\w+)`).FindStringSubmatch(mains[id])
			if m == nil {
				return ""
			}
			return cognito.Family(strings.ToLower(m[1]))
		}
		for _, op := range cognito.Operations() {
			path := edge.Routes()[op.Name]
			id, ok := routes[route{"POST", path}]
			if !ok {
				t.Errorf("%s: the edge sends it to POST %s, which no function serves", op.Name, path)
				continue
			}
			if got := familyOf(id); got != op.Family {
				t.Errorf("%s (family %s): POST %s is served by %s, which serves family %q", op.Name, op.Family, path, id, got)
			}
		}
		if id := routes[route{"POST", edge.DefaultPath}]; !strings.Contains(mains[id], "OAuthHandler") {
			t.Errorf("POST / (unknown operations) must be served by the oauth handler, not %q", id)
		}
		if id := routes[route{"GET", "/{poolId}/.well-known/{document}"}]; !strings.Contains(mains[id], "OAuthHandler") {
			t.Errorf("the well-known documents must be served by the oauth handler, not %q", id)
		}
	})

	// `sam local invoke <Function> -e events/<folder>/<case>.json` needs at least one event per
	// function; pkg/awsapp TestEvents runs every folder there through its function's handler.
	t.Run("every function has sample events", func(t *testing.T) {
		resources.each(func(id string, r node) {
			if r.get("Type").str() != "AWS::Serverless::Function" || fns[id] == "" {
				return
			}
			events, _ := filepath.Glob(filepath.Join(root, "events", filepath.FromSlash(fns[id]), "*.json"))
			if len(events) == 0 {
				t.Errorf("%s: no sample event in events/%s/ (events/README.md)", id, fns[id])
			}
		})
	})

	t.Run("no role grants a wildcard action", func(t *testing.T) {
		resources.each(func(id string, r node) {
			if r.get("Type").str() != "AWS::Serverless::Function" {
				return
			}
			r.get("Properties").get("Policies").walk(func(n node) {
				a := n.get("Action")
				if a.Node == nil {
					return
				}
				actions := []string{a.Value}
				for _, c := range a.Content {
					actions = append(actions, c.Value)
				}
				for _, act := range actions {
					if act == "*" || strings.HasSuffix(act, ":*") || strings.Contains(act, "*") {
						t.Errorf("%s grants %q", id, act)
					}
				}
			})
		})
	})

	// The sign-in function counts a password attempt, and the functions that confirm codes a code
	// attempt, with one conditional UpdateItem (store.Table.CountAttempt). Without the right they
	// would still work — a refused call takes the compare-and-swap path — but with requests more
	// per attempt and a warning logged each time, so the template must grant it; no other
	// function needs it.
	// The oauth function's hosted pages do both: the login form counts password attempts, the
	// confirm and reset forms code attempts.
	counters := map[string]bool{"AuthFunction": true, "SignupFunction": true, "AccountFunction": true, "OAuthFunction": true}
	t.Run("only the functions that count attempts may UpdateItem", func(t *testing.T) {
		resources.each(func(id string, r node) {
			if r.get("Type").str() != "AWS::Serverless::Function" {
				return
			}
			out, _ := yaml.Marshal(r.get("Properties").get("Policies").Node)
			if has := strings.Contains(string(out), "dynamodb:UpdateItem"); has != counters[id] {
				t.Errorf("%s: dynamodb:UpdateItem granted = %v", id, has)
			}
		})
	})

	// keyManagers may create and delete KMS keys: the admin function (CreateUserPool,
	// DeleteUserPool) and the scheduled key rotation (functions/rotate-keys).
	keyManagers := map[string]bool{"AdminFunction": true, "RotateKeysFunction": true}
	t.Run("only the admin and key-rotation functions may create keys, and only tagged ones", func(t *testing.T) {
		resources.each(func(id string, r node) {
			if r.get("Type").str() != "AWS::Serverless::Function" {
				return
			}
			policies := r.get("Properties").get("Policies")
			if !keyManagers[id] {
				out, _ := yaml.Marshal(policies.Node)
				if strings.Contains(string(out), "kms:CreateKey") || strings.Contains(string(out), "kms:ScheduleKeyDeletion") {
					t.Errorf("%s may create or delete KMS keys", id)
				}
				return
			}
			policies.walk(func(n node) {
				a := n.get("Action")
				if a.Node == nil {
					return
				}
				cond := n.get("Condition").get("StringEquals")
				for _, act := range append([]string{a.Value}, nodeValues(a)...) {
					switch {
					case (act == "kms:CreateKey" || act == "kms:TagResource") && cond.get("aws:RequestTag/cognate:app").str() == "":
						t.Errorf("%s: %s without the aws:RequestTag/cognate:app condition", id, act)
					case act == "kms:ScheduleKeyDeletion" && cond.get("aws:ResourceTag/cognate:app").str() == "":
						t.Errorf("%s: %s without the aws:ResourceTag/cognate:app condition", id, act)
					}
				}
			})
		})
	})

	t.Run("key rotation runs daily and serves no route", func(t *testing.T) {
		fn := resources.get("RotateKeysFunction")
		scheduled := false
		fn.get("Properties").get("Events").each(func(name string, ev node) {
			if ev.get("Type").str() == "Schedule" && ev.get("Properties").get("Schedule").str() == "rate(1 day)" {
				scheduled = true
			} else {
				t.Errorf("RotateKeysFunction: unexpected event %s", name)
			}
		})
		if !scheduled {
			t.Error("RotateKeysFunction has no daily Schedule event")
		}
	})

	t.Run("the table is durable", func(t *testing.T) {
		p := resources.get("Table").get("Properties")
		if p.get("BillingMode").str() != "PAY_PER_REQUEST" || p.get("DeletionProtectionEnabled").str() != "true" ||
			p.get("PointInTimeRecoverySpecification").get("PointInTimeRecoveryEnabled").str() != "true" ||
			p.get("TimeToLiveSpecification").get("AttributeName").str() != "exp" || p.get("SSESpecification").get("SSEEnabled").str() != "true" {
			t.Errorf("table settings: %+v", p.Node)
		}
		if resources.get("Table").get("DeletionPolicy").str() != "Retain" {
			t.Error("the table must be retained when the stack goes")
		}
	})

	t.Run("the inlined router is the generated one", func(t *testing.T) {
		want, err := os.ReadFile(filepath.Join(root, "infra/edge/router.js"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := InlineCode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
			t.Fatal("template.yaml's RouterFunction differs from infra/edge/router.js: run `make generate`")
		}
		if len(want) > edge.MaxFunctionSize {
			t.Fatalf("router is %d bytes, over CloudFront's %d", len(want), edge.MaxFunctionSize)
		}
	})
}

// nodeValues are the scalar values of a sequence node.
func nodeValues(n node) []string {
	var out []string
	for _, c := range n.Content {
		out = append(out, c.Value)
	}
	return out
}

func TestInjectRoundTrip(t *testing.T) {
	tpl := []byte("a:\n      FunctionCode: |\n        old\n\n        code\n  Next:\n")
	out, err := Inject(tpl, "new();\n\nmore();\n")
	if err != nil {
		t.Fatal(err)
	}
	code, err := InlineCode(out)
	if err != nil || code != "new();\n\nmore();\n" || !strings.HasSuffix(string(out), "\n  Next:\n") {
		t.Fatalf("%q %q %v", out, code, err)
	}
}

// The template offers exactly the signer modes a Lambda function can run (signer.ParseMode
// accepts them; local, which keeps keys under a master key file, is for `cognate serve` only),
// and its default is one of them.
func TestTemplateSignerModes(t *testing.T) {
	tpl, _ := loadTemplate(t)
	param := tpl.get("Parameters").get("SignerMode")
	var offered []string
	for _, v := range param.get("AllowedValues").Content {
		offered = append(offered, v.Value)
	}
	want := []string{string(signer.ModeKMS), string(signer.ModeKMSEnvelope)}
	slices.Sort(offered)
	slices.Sort(want)
	if !slices.Equal(offered, want) {
		t.Errorf("SignerMode AllowedValues %v, want the Lambda modes of signer.Mode %v", offered, want)
	}
	for _, v := range offered {
		if _, err := signer.ParseMode(v); err != nil {
			t.Errorf("SignerMode offers %q: %v", v, err)
		}
	}
	if def := param.get("Default").str(); !slices.Contains(offered, def) {
		t.Errorf("SignerMode Default %q is not one of its AllowedValues %v", def, offered)
	}
}

// The functions that fire triggers may invoke the pools' trigger functions, and only those named
// with the TriggerFunctionPrefix parameter, in the deployment's account and region; with no
// prefix, nothing.
func TestTemplateTriggerInvocation(t *testing.T) {
	tpl, _ := loadTemplate(t)
	// OAuthFunction: the hosted pages sign up and sign in (pre sign-up, pre-authentication,
	// pre-token ... triggers) and its token endpoint issues tokens (pre-token generation).
	firing := map[string]bool{"SignupFunction": true, "AuthFunction": true, "TokenFunction": true, "AccountFunction": true, "AdminFunction": true, "OAuthFunction": true}
	const want = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${TriggerFunctionPrefix}*"
	tpl.get("Resources").each(func(id string, r node) {
		if r.get("Type").str() != "AWS::Serverless::Function" {
			return
		}
		var grants []string
		r.get("Properties").get("Policies").walk(func(n node) {
			a := n.get("Action")
			if a.Node == nil {
				return
			}
			for _, act := range append([]string{a.Value}, nodeValues(a)...) {
				if strings.HasPrefix(act, "lambda:") {
					grants = append(grants, act+" on "+n.get("Resource").str())
				}
			}
		})
		switch {
		case firing[id] && (len(grants) != 1 || grants[0] != "lambda:InvokeFunction on "+want):
			t.Errorf("%s: Lambda grants %q, want lambda:InvokeFunction on %s", id, grants, want)
		case !firing[id] && len(grants) > 0:
			t.Errorf("%s fires no trigger but is granted %q", id, grants)
		}
	})
	if tpl.get("Conditions").get("HasTriggerPrefix").Node == nil {
		t.Error("no HasTriggerPrefix condition: an empty prefix must grant nothing")
	}
}

// Every function that starts through awsapp (which checks its table and envelope key at cold
// start, so wrong settings fail the start with a message naming them) may make those two checks:
// dynamodb:DescribeTable on the table and kms:DescribeKey on the envelope key.
func TestTemplateColdStartChecks(t *testing.T) {
	tpl, _ := loadTemplate(t)
	fns := makefileFunctions(t)
	checked := 0
	tpl.get("Resources").each(func(id string, r node) {
		pkg, ok := fns[id]
		if !ok {
			return
		}
		main, err := os.ReadFile(filepath.Join(root, "functions", pkg, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(main), "awsapp.Load(") {
			return
		}
		checked++
		grants := map[string]bool{}
		r.get("Properties").get("Policies").walk(func(n node) {
			a := n.get("Action")
			if a.Node == nil {
				return
			}
			res := n.get("Resource")
			if res.Node == nil {
				return // a NotResource grant (SMS): not one of the two checks
			}
			for _, act := range append([]string{a.Value}, nodeValues(a)...) {
				grants[act+" on "+res.Tag+" "+res.Value] = true
			}
		})
		for _, want := range []string{"dynamodb:DescribeTable on !GetAtt Table.Arn", "kms:DescribeKey on !GetAtt EnvelopeKey.Arn"} {
			if !grants[want] {
				t.Errorf("%s starts through awsapp but is not granted %s (grants: %v)", id, want, grants)
			}
		}
	})
	if checked == 0 {
		t.Fatal("no function starts through awsapp.Load: the test reads the wrong files")
	}
}

// events/env.json is `sam local invoke --env-vars`: SAM passes a variable to a function only if
// the template declares it (in Globals or on the function), and silently drops the rest; its
// envelope key is the one infra/kms/env-seed.yaml seeds local-kms with.
func TestEnvVarsFile(t *testing.T) {
	tpl, _ := loadTemplate(t)
	b, err := os.ReadFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	declared := func(n node) map[string]bool {
		out := map[string]bool{}
		n.get("Environment").get("Variables").each(func(k string, _ node) { out[k] = true })
		return out
	}
	global := declared(tpl.get("Globals").get("Function"))
	functions := map[string]map[string]bool{}
	tpl.get("Resources").each(func(id string, r node) {
		if r.get("Type").str() == "AWS::Serverless::Function" {
			functions[id] = declared(r.get("Properties"))
		}
	})
	for scope, vars := range file {
		targets := functions
		if scope != "Parameters" {
			if _, ok := functions[scope]; !ok {
				t.Errorf("events/env.json: %s is not a function of template.yaml", scope)
				continue
			}
			targets = map[string]map[string]bool{scope: functions[scope]}
		}
		for name := range vars {
			for id, own := range targets {
				if !global[name] && !own[name] {
					t.Errorf("events/env.json sets %s for %s, which template.yaml does not declare: SAM would drop it", name, id)
				}
			}
		}
	}
	arn := file["Parameters"]["COGNATE_ENVELOPE_KEY_ARN"]
	seed, err := os.ReadFile(filepath.Join(root, "infra", "kms", "env-seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.LastIndex(arn, "/"); i < 0 || !strings.Contains(string(seed), "KeyId: "+arn[i+1:]) {
		t.Errorf("COGNATE_ENVELOPE_KEY_ARN %q is not the key infra/kms/env-seed.yaml seeds", arn)
	}
}

// The functions that send codes (those granted ses:SendEmail) may encrypt the custom senders'
// codes under the keys the deployment names, and only those, only for pools of its region;
// without keys named they may not encrypt at all.
func TestTemplateCustomSenderKeys(t *testing.T) {
	tpl, _ := loadTemplate(t)
	if tpl.get("Conditions").get("HasSenderKeys").Node == nil {
		t.Error("no HasSenderKeys condition: no keys named must grant nothing")
	}
	fns := makefileFunctions(t)
	tpl.get("Resources").each(func(id string, r node) {
		if r.get("Type").str() != "AWS::Serverless::Function" {
			return
		}
		out, _ := yaml.Marshal(r.get("Properties").get("Policies").Node)
		// Cognate's own functions that send codes; the sample hooks (functions/hooks) that mail
		// are the user's functions, not Cognate's senders.
		sends := strings.Contains(string(out), "ses:SendEmail") && !strings.HasPrefix(fns[id], "hooks/")
		var grants []string
		r.get("Properties").get("Policies").walk(func(n node) {
			a := n.get("Action")
			if a.Node == nil {
				return
			}
			for _, act := range append([]string{a.Value}, nodeValues(a)...) {
				if act == "kms:Encrypt" {
					res := n.get("Resource")
					cond, _ := yaml.Marshal(n.get("Condition").Node)
					grants = append(grants, res.Tag+" "+res.str()+" "+strings.TrimSpace(string(cond)))
				}
			}
		})
		const want = `!Ref CustomSenderKeyArns {StringLike: {"kms:EncryptionContext:userpool-id": !Sub "${AWS::Region}_*"}}`
		switch {
		case sends && (len(grants) != 1 || grants[0] != want):
			t.Errorf("%s sends codes; kms:Encrypt grants %q, want %q", id, grants, want)
		case !sends && len(grants) > 0:
			t.Errorf("%s sends no code but is granted %q", id, grants)
		}
	})
}

// The sample hooks (functions/hooks/*) are what users copy to Amazon Cognito: each declares every
// variable it reads (a missing one stops it at start), and may reach only what its template
// resource names — a table by name, an SES identity — never a "*" resource.
func TestTemplateSampleHooks(t *testing.T) {
	tpl, _ := loadTemplate(t)
	resources := tpl.get("Resources")
	readsRe := regexp.MustCompile(`(?:Required|Address)\("([A-Z0-9_]+)"|os\.Getenv\("([A-Z0-9_]+)"\)`)
	// A main reads its configuration with <pkg>.<Something>FromEnv(os.Getenv).
	fromEnvRe := regexp.MustCompile(`\b([a-z0-9]+)\.(\w*FromEnv)\(`)
	hooks := 0
	for id, pkg := range makefileFunctions(t) {
		if !strings.HasPrefix(pkg, "hooks/") {
			continue
		}
		hooks++
		main, err := os.ReadFile(filepath.Join(root, "functions", pkg, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		// The variables: os.Getenv in the main, and the hookkit.Env reads of the FromEnv it calls.
		src := string(main)
		for _, m := range fromEnvRe.FindAllStringSubmatch(string(main), -1) {
			files, _ := filepath.Glob(filepath.Join(root, "pkg", "hooks", m[1], "*.go"))
			found := false
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				text := string(b)
				i := strings.Index(text, "\nfunc "+m[2]+"(")
				if i < 0 {
					continue
				}
				found = true
				body := text[i:]
				if end := strings.Index(body, "\n}\n"); end >= 0 {
					body = body[:end]
				}
				src += body
			}
			if !found {
				t.Errorf("%s: no func %s in pkg/hooks/%s", id, m[2], m[1])
			}
		}
		reads := map[string]bool{}
		for _, m := range readsRe.FindAllStringSubmatch(src, -1) {
			reads[m[1]+m[2]] = true
		}
		if strings.Contains(src, ".CallTimeout()") {
			reads["CALL_TIMEOUT"] = true
		}
		props := resources.get(id).get("Properties")
		declared := props.get("Environment").get("Variables")
		for name := range reads {
			if declared.get(name).Node == nil {
				t.Errorf("%s reads %s, which its template resource does not declare", id, name)
			}
		}
		props.get("Policies").walk(func(n node) {
			if r := n.get("Resource"); r.Node != nil && (r.Value == "*" || slices.Contains(nodeValues(r), "*")) {
				t.Errorf("%s: a policy on every resource", id)
			}
		})
		if to := props.get("Timeout").str(); to != "" && to != "5" && (len(to) != 1 || to > "5") {
			t.Errorf("%s: Timeout %s; Cognito waits 5 s for a trigger", id, to)
		}
	}
	if hooks < 8 {
		t.Errorf("the Makefile builds %d sample hooks, want the 8 of docs/triggers.md", hooks)
	}
}

// SMS (sign-up codes, MFA and passwordless codes) may go to phone numbers only: every
// sns:Publish grant excludes all topics and platform endpoints (NotResource), never "*"; and the
// auth function, which sends MFA and sign-in codes, may send them.
func TestTemplateSMSGrants(t *testing.T) {
	tpl, _ := loadTemplate(t)
	const topics = "arn:${AWS::Partition}:sns:*:*:*"
	var auth []string
	tpl.get("Resources").each(func(id string, r node) {
		r.get("Properties").get("Policies").walk(func(n node) {
			a := n.get("Action")
			if a.Node == nil {
				return
			}
			for _, act := range append([]string{a.Value}, nodeValues(a)...) {
				if id == "AuthFunction" {
					auth = append(auth, act)
				}
				if act != "sns:Publish" {
					continue
				}
				if nr := n.get("NotResource"); nr.str() != topics || n.get("Resource").Node != nil {
					t.Errorf("%s: sns:Publish on %q / NotResource %q, want NotResource %s only", id, n.get("Resource").str(), nr.str(), topics)
				}
			}
		})
	})
	for _, want := range []string{"ses:SendEmail", "sns:Publish"} {
		if !slices.Contains(auth, want) {
			t.Errorf("AuthFunction sends MFA and sign-in codes but is not granted %s", want)
		}
	}
}
