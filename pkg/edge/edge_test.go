package edge_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/infra/nodetest"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/oauth"
)

const infraDir = "../../infra/edge"

// TestCommittedFilesAreGenerated keeps infra/edge from drifting from pkg/cognito's table: the
// deployed function is whatever is committed, so it must be exactly what the generator writes.
func TestCommittedFilesAreGenerated(t *testing.T) {
	router, err := edge.Generate()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := edge.RoutesJSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"router.js": router, "routes.json": routes} {
		got, err := os.ReadFile(filepath.Join(infraDir, name))
		if err != nil {
			t.Fatalf("%v: run go generate ./pkg/edge", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("infra/edge/%s differs from the generator's output: run go generate ./pkg/edge", name)
		}
	}
}

func TestGenerateIsDeterministicAndSmall(t *testing.T) {
	a, err := edge.Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := edge.Generate()
	if !bytes.Equal(a, b) {
		t.Error("two runs differ")
	}
	if len(a) >= edge.MaxFunctionSize {
		t.Errorf("router.js is %d bytes; CloudFront Functions allow %d", len(a), edge.MaxFunctionSize)
	}
	for _, op := range cognito.Operations() {
		if !bytes.Contains(a, []byte("\n  "+op.Name+": ")) {
			t.Errorf("router.js lacks %s", op.Name)
		}
	}
}

// TestRoutesFollowTheTable checks routes.json against pkg/cognito directly, so the node test, which
// trusts routes.json, checks router.js against the real table.
func TestRoutesFollowTheTable(t *testing.T) {
	raw, err := edge.RoutesJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TargetPrefix string            `json:"targetPrefix"`
		DefaultPath  string            `json:"defaultPath"`
		Internal     string            `json:"internalPrefix"`
		Headers      map[string]string `json:"headers"`
		Families     map[string]string `json:"families"`
		Operations   map[string]string `json:"operations"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ops := cognito.Operations()
	if len(doc.Operations) != len(ops) || len(ops) != 126 {
		t.Errorf("%d routes for %d operations (want 126)", len(doc.Operations), len(ops))
	}
	for _, op := range ops {
		if got, want := doc.Operations[op.Name], "/_cognate/"+string(op.Family); got != want {
			t.Errorf("%s routes to %q, want %q", op.Name, got, want)
		}
	}
	want := map[cognito.Family]string{
		cognito.FamilySignup: "/_cognate/signup", cognito.FamilyAuth: "/_cognate/auth", cognito.FamilyToken: "/_cognate/token",
		cognito.FamilyAccount: "/_cognate/account", cognito.FamilyAdmin: "/_cognate/admin",
	}
	for f, p := range want {
		if edge.FamilyPath(f) != p || doc.Families[string(f)] != p {
			t.Errorf("family %s: FamilyPath %q, routes.json %q, want %q", f, edge.FamilyPath(f), doc.Families[string(f)], p)
		}
	}
	if len(doc.Families) != len(cognito.Families()) {
		t.Errorf("families %v", doc.Families)
	}
	if doc.TargetPrefix != cognito.TargetPrefix || doc.DefaultPath != "/" || doc.Internal != edge.InternalPrefix {
		t.Errorf("prefix %q, default path %q, internal prefix %q", doc.TargetPrefix, doc.DefaultPath, doc.Internal)
	}
	for key, h := range map[string]string{"originalHost": edge.HeaderOriginalHost, "originalPath": edge.HeaderOriginalPath, "originalIp": edge.HeaderOriginalIP} {
		if doc.Headers[key] != strings.ToLower(h) || !strings.HasPrefix(h, edge.HeaderPrefix) {
			t.Errorf("header %s: %q vs %q", key, doc.Headers[key], h)
		}
	}
}

// TestFamilyPathsAreReserved: the family paths live under edge.InternalPrefix, which no path the
// oauth function serves shares (Cognito's hosted sign-up page is /signup, so the signup family
// cannot be there), and the default path is not in it.
func TestFamilyPathsAreReserved(t *testing.T) {
	seen := map[string]cognito.Family{}
	for _, f := range cognito.Families() {
		p := edge.FamilyPath(f)
		rest, ok := strings.CutPrefix(p, edge.InternalPrefix)
		if !ok || rest == "" || strings.Contains(rest, "/") {
			t.Errorf("family %s: path %q is not one segment under %q", f, p, edge.InternalPrefix)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("families %s and %s share %q", f, other, p)
		}
		seen[p] = f
		if oauth.IsEndpointPath(p) || strings.Contains(p, "/.well-known/") {
			t.Errorf("family %s: %q is also an OAuth or well-known path", f, p)
		}
	}
	for _, p := range []string{oauth.TokenPath, oauth.UserInfoPath, oauth.RevokePath, oauth.AuthorizePath, oauth.LoginPath,
		oauth.LogoutPath, oauth.SignUpPath, oauth.ConfirmPath, oauth.ForgotPath, oauth.ResetPath, oauth.ChallengePath,
		oauth.StaticPrefix + "x.css", oauth.BrandingPrefix + "p/c.css", edge.DefaultPath} {
		if strings.HasPrefix(p, edge.InternalPrefix) || strings.HasPrefix(p+"/", edge.InternalPrefix) {
			t.Errorf("%q is under the reserved prefix %q", p, edge.InternalPrefix)
		}
	}
}

// TestRouterUnderNode runs infra/edge/router.test.mjs: every operation, unknown and missing
// targets, other methods, pass-through paths and header stripping, against the generated function.
// Every test the file declares must run and pass (infra/nodetest); `make test` sets
// COGNATE_REQUIRE_CLIENTS=1, so there a missing node fails instead of skipping.
func TestRouterUnderNode(t *testing.T) {
	nodetest.Run(t, "../..", nil, "infra/edge/router.test.mjs")
}
