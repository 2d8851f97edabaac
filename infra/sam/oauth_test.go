package sam

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/cognatehq/cognate/pkg/oauth"
)

// oauthRoutes are the routes the oauth function must have for pkg/oauth's endpoints and hosted
// pages to be reachable on AWS: each path with the methods its handler answers (HEAD aside,
// which browsers do not send to these pages).
var oauthRoutes = []route{
	{"POST", oauth.TokenPath},
	{"GET", oauth.UserInfoPath}, {"POST", oauth.UserInfoPath},
	{"POST", oauth.RevokePath},
	{"GET", oauth.AuthorizePath},
	{"GET", oauth.LoginPath}, {"POST", oauth.LoginPath},
	{"GET", oauth.LogoutPath},
	{"GET", oauth.SignUpPath}, {"POST", oauth.SignUpPath},
	{"GET", oauth.ConfirmPath}, {"POST", oauth.ConfirmPath},
	{"GET", oauth.ForgotPath}, {"POST", oauth.ForgotPath},
	{"GET", oauth.ResetPath}, {"POST", oauth.ResetPath},
	{"GET", oauth.ChallengePath}, {"POST", oauth.ChallengePath},
	{"GET", oauth.StaticPrefix + "{proxy+}"},
	{"GET", oauth.BrandingPrefix + "{proxy+}"},
	{"GET", "/{poolId}/ui/{client}/{file}"}, // a classic customization's logo (GetUICustomization's ImageUrl)
}

// TestTemplateOAuthRoutes: every OAuth endpoint and hosted page reaches the oauth function (the
// function whose main serves app.OAuthHandler), and every route of that function is one of them,
// the well-known documents or POST /.
func TestTemplateOAuthRoutes(t *testing.T) {
	tpl, _ := loadTemplate(t)
	fn := tpl.get("Resources").get("OAuthFunction")
	if fn.Node == nil {
		t.Fatal("no OAuthFunction")
	}
	got := map[route]bool{}
	fn.get("Properties").get("Events").each(func(name string, ev node) {
		if ev.get("Type").str() != "HttpApi" {
			t.Errorf("OAuthFunction event %s is %s, not HttpApi", name, ev.get("Type").str())
			return
		}
		p := ev.get("Properties")
		if p.get("ApiId").Tag != "!Ref" || p.get("ApiId").str() != "HttpApi" {
			t.Errorf("OAuthFunction event %s is not on the HttpApi", name)
		}
		r := route{p.get("Method").str(), p.get("Path").str()}
		if got[r] {
			t.Errorf("OAuthFunction: route %v twice", r)
		}
		got[r] = true
	})
	want := append(slices.Clone(oauthRoutes), route{"GET", "/{poolId}/.well-known/{document}"}, route{"POST", "/"})
	for _, r := range want {
		if !got[r] {
			t.Errorf("OAuthFunction has no route %s %s", r.method, r.path)
		}
		delete(got, r)
	}
	for r := range got {
		t.Errorf("OAuthFunction: unexpected route %s %s", r.method, r.path)
	}
	// Every hosted path the handler serves is covered (a new page needs its route here too).
	for _, p := range []string{oauth.AuthorizePath, oauth.LoginPath, oauth.LogoutPath, oauth.SignUpPath, oauth.ConfirmPath,
		oauth.ForgotPath, oauth.ResetPath, oauth.ChallengePath, oauth.StaticPrefix + "app.css", oauth.BrandingPrefix + "p/c.css", oauth.TokenPath, oauth.UserInfoPath, oauth.RevokePath} {
		if !oauth.IsEndpointPath(p) {
			t.Errorf("%s: not an oauth endpoint path", p)
		}
		covered := slices.ContainsFunc(oauthRoutes, func(r route) bool {
			return r.path == p || (strings.HasSuffix(r.path, "{proxy+}") && strings.HasPrefix(p, strings.TrimSuffix(r.path, "{proxy+}")))
		})
		if !covered {
			t.Errorf("%s has no route", p)
		}
	}
}

// grants lists a function's policy statements as "action on resource if condition" strings.
func grants(fn node) map[string]bool {
	out := map[string]bool{}
	fn.get("Properties").get("Policies").walk(func(n node) {
		a := n.get("Action")
		if a.Node == nil {
			return
		}
		var where string
		if res := n.get("Resource"); res.Node != nil {
			where = res.Tag + " " + res.Value + strings.Join(nodeValues(res), ",")
		} else if nr := n.get("NotResource"); nr.Node != nil {
			where = "not " + nr.Tag + " " + nr.Value
		}
		cond := ""
		if c := n.get("Condition"); c.Node != nil {
			b, _ := yaml.Marshal(c.Node)
			cond = " if " + strings.TrimSpace(string(b))
		}
		for _, act := range append([]string{a.Value}, nodeValues(a)...) {
			if act != "" {
				out[act+" on "+where+cond] = true
			}
		}
	})
	return out
}

// TestTemplateOAuthRole: the oauth function runs the sign-in (auth), sign-up and recovery
// (signup, account) pipelines through the hosted pages and the token endpoint's grants (token),
// so its role is the union of the auth, signup and token roles — exactly, nothing more.
func TestTemplateOAuthRole(t *testing.T) {
	tpl, _ := loadTemplate(t)
	res := tpl.get("Resources")
	union := map[string]bool{}
	for _, id := range []string{"AuthFunction", "SignupFunction", "TokenFunction"} {
		for g := range grants(res.get(id)) {
			union[g] = true
		}
	}
	have := grants(res.get("OAuthFunction"))
	for g := range union {
		if !have[g] {
			t.Errorf("OAuthFunction lacks %s", g)
		}
	}
	for g := range have {
		if !union[g] {
			t.Errorf("OAuthFunction has %s, which none of auth, signup and token has", g)
		}
	}
	// The pieces the endpoints cannot work without, by name, in case the others lose them.
	for _, want := range []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "kms:Sign", "kms:GenerateDataKey", "ses:SendEmail", "lambda:InvokeFunction"} {
		granted := false
		for g := range have {
			granted = granted || strings.HasPrefix(g, want+" ")
		}
		if !granted {
			t.Errorf("OAuthFunction is not granted %s", want)
		}
	}
}

// Managed CloudFront policies (their ids are the same in every account).
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

// TestTemplateDistributionPassesOAuth: whichever cache behaviour a Cognito, OAuth or hosted-page
// path falls into forwards the query string, cookies and every viewer header but Host (the
// Authorization header too: with caching disabled, AllViewerExceptHostHeader forwards it),
// caches nothing, allows GET and POST, and runs the router (which hands the origin the Host the
// client used, from which the functions name the issuer).
func TestTemplateDistributionPassesOAuth(t *testing.T) {
	tpl, _ := loadTemplate(t)
	cfg := tpl.get("Resources").get("Distribution").get("Properties").get("DistributionConfig")
	if cfg.Node == nil {
		t.Fatal("no Distribution")
	}
	behaviourFor := func(p string) (node, string) {
		var behaviours []*yaml.Node
		if cb := cfg.get("CacheBehaviors"); cb.Node != nil {
			behaviours = cb.Content
		}
		for _, b := range behaviours {
			pattern := node{b}.get("PathPattern").str()
			// CloudFront's * matches any characters, "/" included.
			if ok, _ := path.Match(pattern, p); ok || (strings.HasSuffix(pattern, "*") && strings.HasPrefix(p, strings.TrimSuffix(pattern, "*"))) {
				return node{b}, pattern
			}
		}
		return cfg.get("DefaultCacheBehavior"), "default"
	}
	paths := []string{"/", "/us-east-1_Example1/.well-known/jwks.json", "/static/app.css"}
	for _, r := range oauthRoutes {
		paths = append(paths, strings.TrimSuffix(r.path, "{proxy+}"))
	}
	for _, p := range paths {
		b, name := behaviourFor(p)
		if b.get("CachePolicyId").str() != cachingDisabled || b.get("OriginRequestPolicyId").str() != allViewerExceptHostHeader {
			t.Errorf("%s (behaviour %s): cache policy %q, origin request policy %q; want CachingDisabled and AllViewerExceptHostHeader",
				p, name, b.get("CachePolicyId").str(), b.get("OriginRequestPolicyId").str())
		}
		methods := nodeValues(b.get("AllowedMethods"))
		if !slices.Contains(methods, "GET") || !slices.Contains(methods, "POST") {
			t.Errorf("%s (behaviour %s): allowed methods %v", p, name, methods)
		}
		assoc := b.get("FunctionAssociations")
		var fn node
		if len(assoc.Content) == 1 {
			fn = node{assoc.Content[0]}
		}
		if fn.get("EventType").str() != "viewer-request" || !strings.HasPrefix(fn.get("FunctionARN").str(), "RouterFunction.") {
			t.Errorf("%s (behaviour %s): the router is not its viewer-request function", p, name)
		}
		if b.get("TargetOriginId").str() != "api" || b.get("ViewerProtocolPolicy").str() != "https-only" {
			t.Errorf("%s (behaviour %s): origin %q, viewer protocol %q", p, name, b.get("TargetOriginId").str(), b.get("ViewerProtocolPolicy").str())
		}
	}
}

// TestSampleAPI checks infra/sam/sample-api.yaml, the documented example of a user's API behind
// API Gateway's JWT authorizer: the issuer is the pool's (IssuerBase + "/" + pool id, the shape
// Cognate's tokens and discovery document use), the audience is the app client (matched against
// client_id, since Cognate's access tokens carry no aud), the token comes from the Authorization
// header, and the sample route requires the custom scope.
func TestSampleAPI(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "infra", "sam", "sample-api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	tpl := node{doc.Content[0]}
	for _, p := range []string{"IssuerBase", "PoolId", "ClientId", "Scope"} {
		if tpl.get("Parameters").get(p).Node == nil {
			t.Errorf("no parameter %s", p)
		}
	}
	api := tpl.get("Resources").get("Api")
	if api.get("Type").str() != "AWS::Serverless::HttpApi" {
		t.Fatalf("Api is %q", api.get("Type").str())
	}
	auth := api.get("Properties").get("Auth")
	name := auth.get("DefaultAuthorizer").str()
	az := auth.get("Authorizers").get(name)
	if name == "" || az.Node == nil {
		t.Fatalf("no default authorizer")
	}
	jwtc := az.get("JwtConfiguration")
	if iss := jwtc.get("issuer"); iss.Tag != "!Sub" || iss.str() != "${IssuerBase}/${PoolId}" {
		t.Errorf("issuer %s %q, want !Sub ${IssuerBase}/${PoolId}", iss.Tag, iss.str())
	}
	if aud := jwtc.get("audience"); len(aud.Content) != 1 || aud.Content[0].Tag != "!Ref" || aud.Content[0].Value != "ClientId" {
		t.Errorf("audience must be [!Ref ClientId]")
	}
	if az.get("IdentitySource").str() != "$request.header.Authorization" {
		t.Errorf("identity source %q", az.get("IdentitySource").str())
	}
	routes := 0
	tpl.get("Resources").each(func(id string, r node) {
		r.get("Properties").get("Events").each(func(ev string, e node) {
			if e.get("Type").str() != "HttpApi" {
				return
			}
			routes++
			a := e.get("Properties").get("Auth")
			scopes := a.get("AuthorizationScopes")
			if a.get("Authorizer").str() != name || len(scopes.Content) != 1 || scopes.Content[0].Tag != "!Ref" || scopes.Content[0].Value != "Scope" {
				t.Errorf("%s %s: the route must use the %s authorizer and require [!Ref Scope]", id, ev, name)
			}
		})
		if r.get("Properties").get("Policies").Node != nil {
			t.Errorf("%s: the sample needs no policies", id)
		}
	})
	if routes == 0 {
		t.Error("no route")
	}
}
