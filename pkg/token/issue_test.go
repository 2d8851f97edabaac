package token

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/signer"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkGolden compares the token's payload, exactly as encoded (claim order included), with
// testdata/golden/<name>.json.
func checkGolden(t *testing.T, name, tok string) {
	t.Helper()
	_, payload, _ := segments(t, tok)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s payload differs from golden file:\n got: %s\nwant: %s", name, pretty.Bytes(), want)
	}
}

func TestGoldenClaims(t *testing.T) {
	e := newTestEnv(t, "golden")

	// API sign-in: ID token with attributes and groups, access token with the default scope.
	toks := e.issueAt(t, t0, baseInput())
	checkGolden(t, "id_token", toks.IDToken)
	checkGolden(t, "access_token", toks.AccessToken)

	// Device sign-in of a user in no group, with a 5-minute access token and a 1-day ID token.
	in := baseInput()
	in.Groups = nil
	in.DeviceKey = "us-east-1_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	in.AccessTTL, in.IDTTL = MinTTL, MaxTTL
	in.IDClaims = map[string]any{"email": "alice@example.com", "email_verified": true}
	toks = e.issueAt(t, t0.Add(time.Hour), in)
	checkGolden(t, "access_token_device", toks.AccessToken)
	checkGolden(t, "id_token_device", toks.IDToken)

	// Hosted UI (OAuth code flow): requested scopes, version 2, nonce and at_hash; a refresh of
	// an earlier sign-in keeps auth_time and origin_jti.
	in = baseInput()
	in.Scope = "openid email profile"
	in.AccessVersion = 2
	in.Nonce = "n-0S6_WzA2Mj"
	in.AtHash = true
	in.AuthTime = t0.Add(-3 * time.Hour)
	in.OriginJTI = "3f2b7c1a-9d8e-4f6a-8b5c-2e1d0c9b8a7f"
	toks = e.issueAt(t, t0.Add(2*time.Hour), in)
	checkGolden(t, "access_token_oauth", toks.AccessToken)
	checkGolden(t, "id_token_oauth", toks.IDToken)
}

func TestHeaderExactBytes(t *testing.T) {
	e := newTestEnv(t, "header")
	toks := e.issueAt(t, t0, baseInput())
	for use, tok := range map[signer.KeyUse]string{signer.UseID: toks.IDToken, signer.UseAccess: toks.AccessToken} {
		h, _, _ := segments(t, tok)
		want := `{"kid":"` + e.sig.keys[poolA][use].kid + `","alg":"RS256"}`
		if string(h) != want {
			t.Errorf("%s header = %s, want exactly %s", use, h, want)
		}
	}
}

func TestIssuedClaims(t *testing.T) {
	e := newTestEnv(t, "claims")
	toks := e.issueAt(t, t0, baseInput())
	a, id := payloadMap(t, toks.AccessToken), payloadMap(t, toks.IDToken)

	wantKeys := func(name string, m map[string]any, keys ...string) {
		t.Helper()
		if got := strings.Join(sortedKeys(m), " "); got != strings.Join(sortedKeys(set(keys...)), " ") {
			t.Errorf("%s claims: %s", name, got)
		}
	}
	wantKeys("access", a, "sub", "iss", "client_id", "token_use", "scope", "auth_time", "iat", "exp",
		"jti", "origin_jti", "event_id", "username", "cognito:groups")
	wantKeys("id", id, "sub", "iss", "aud", "token_use", "auth_time", "iat", "exp", "jti", "origin_jti",
		"event_id", "cognito:username", "cognito:groups", "email", "email_verified", "phone_number",
		"phone_number_verified", "updated_at", "custom:tier", "address")

	if a["token_use"] != "access" || id["token_use"] != "id" || a["scope"] != DefaultScope {
		t.Error("token_use/scope")
	}
	if a["jti"] == id["jti"] {
		t.Error("ID and access tokens share a jti")
	}
	if a["event_id"] != id["event_id"] || a["origin_jti"] != id["origin_jti"] {
		t.Error("event_id and origin_jti must be shared by the pair")
	}
	for _, m := range []map[string]any{a, id} {
		for _, k := range []string{"jti", "event_id", "origin_jti"} {
			if s, _ := m[k].(string); !uuidV4.MatchString(s) {
				t.Errorf("%s = %v, want a UUID v4", k, m[k])
			}
		}
	}
	// Types as Cognito sends them: booleans, a number, an object, an array.
	if id["email_verified"] != true || id["phone_number_verified"] != false {
		t.Error("*_verified must be JSON booleans")
	}
	if n, ok := id["updated_at"].(json.Number); !ok || n.String() != "1767225600" {
		t.Errorf("updated_at = %#v, want a number", id["updated_at"])
	}
	if _, ok := id["address"].(map[string]any); !ok {
		t.Error("address must be an object")
	}
	if g, ok := a["cognito:groups"].([]any); !ok || len(g) != 2 || g[0] != "admins" {
		t.Errorf("groups = %#v, want the given order", a["cognito:groups"])
	}
	if toks.ExpiresIn != 3600 {
		t.Errorf("ExpiresIn = %d", toks.ExpiresIn)
	}
	if toks.AccessClaims.ExpiresAt.Sub(toks.AccessClaims.IssuedAt) != time.Hour {
		t.Error("default lifetime is not an hour")
	}
}

func TestIssueOmitsEmptyConditionalClaims(t *testing.T) {
	e := newTestEnv(t, "omit")
	in := baseInput()
	in.Groups, in.IDClaims = []string{}, nil
	toks := e.issueAt(t, t0, in)
	a, id := payloadMap(t, toks.AccessToken), payloadMap(t, toks.IDToken)
	for _, k := range []string{"cognito:groups", "device_key", "version", "aud"} {
		if _, ok := a[k]; ok {
			t.Errorf("access token has %s", k)
		}
	}
	for _, k := range []string{"cognito:groups", "nonce", "at_hash", "client_id", "scope", "username"} {
		if _, ok := id[k]; ok {
			t.Errorf("ID token has %s", k)
		}
	}
}

func TestAtHash(t *testing.T) {
	e := newTestEnv(t, "athash")
	in := baseInput()
	in.AtHash = true
	toks := e.issueAt(t, t0, in)
	sum := sha256.Sum256([]byte(toks.AccessToken))
	if got := payloadMap(t, toks.IDToken)["at_hash"]; got != b64(sum[:16]) {
		t.Fatalf("at_hash = %v", got)
	}
}

func TestRefreshKeepsLineage(t *testing.T) {
	e := newTestEnv(t, "lineage")
	first := e.issueAt(t, t0, baseInput())
	in := baseInput()
	in.OriginJTI = first.AccessClaims.OriginJTI
	in.AuthTime = first.AccessClaims.AuthTime
	in.SkipIDToken = true
	again := e.issueAt(t, t0.Add(50*time.Minute), in)
	if again.IDToken != "" || again.IDClaims != nil {
		t.Fatal("SkipIDToken issued an ID token")
	}
	c := again.AccessClaims
	if c.OriginJTI != first.AccessClaims.OriginJTI || !c.AuthTime.Equal(t0) {
		t.Fatal("refresh lost origin_jti or auth_time")
	}
	if c.JTI == first.AccessClaims.JTI || c.EventID == first.AccessClaims.EventID {
		t.Fatal("refresh reused jti or event_id")
	}
}

func TestIssueRejectsBadInput(t *testing.T) {
	e := newTestEnv(t, "bad")
	for name, mutate := range map[string]func(*IssueInput){
		"no pool":            func(in *IssueInput) { in.PoolID = "" },
		"issuer of another":  func(in *IssueInput) { in.Issuer = issuerB },
		"issuer not a URL":   func(in *IssueInput) { in.Issuer = "us-east-1_TestPoolA" },
		"no client":          func(in *IssueInput) { in.ClientID = "" },
		"no sub":             func(in *IssueInput) { in.Subject = "" },
		"no username":        func(in *IssueInput) { in.Username = "" },
		"no auth_time":       func(in *IssueInput) { in.AuthTime = time.Time{} },
		"ttl too short":      func(in *IssueInput) { in.AccessTTL = time.Minute },
		"ttl too long":       func(in *IssueInput) { in.IDTTL = 25 * time.Hour },
		"ttl fraction":       func(in *IssueInput) { in.AccessTTL = 10*time.Minute + time.Millisecond },
		"attribute sub":      func(in *IssueInput) { in.IDClaims["sub"] = "someone-else" },
		"attribute username": func(in *IssueInput) { in.IDClaims["cognito:username"] = "root" },
		"attribute groups":   func(in *IssueInput) { in.IDClaims["cognito:groups"] = []string{"admins"} },
		"attribute exp":      func(in *IssueInput) { in.IDClaims["exp"] = 1 << 40 },
		"attribute nbf":      func(in *IssueInput) { in.IDClaims["nbf"] = 0 },
		"attribute iss":      func(in *IssueInput) { in.IDClaims["iss"] = "https://evil" },
		"attribute aud":      func(in *IssueInput) { in.IDClaims["aud"] = "other-client" },
		"unencodable":        func(in *IssueInput) { in.IDClaims["custom:x"] = func() {} },
	} {
		in := baseInput()
		mutate(&in)
		if toks, err := e.iss.Issue(context.Background(), in); err == nil || toks.AccessToken != "" {
			t.Errorf("%s: issued (%v)", name, err)
		}
	}
}

func TestIssueFailsClosedOnSignerErrors(t *testing.T) {
	e := newTestEnv(t, "fail")
	throttled := errors.New("ThrottlingException")
	e.sig.failSign = throttled
	toks, err := e.iss.Issue(context.Background(), baseInput())
	if !errors.Is(err, throttled) || toks != (Tokens{}) {
		t.Fatalf("Issue = %+v, %v; want no tokens and the signer's error", toks, err)
	}
	e.sig.failSign = nil
	in := baseInput()
	in.PoolID, in.Issuer = "us-east-1_NoKeys", base+"/us-east-1_NoKeys"
	if _, err := e.iss.Issue(context.Background(), in); !errors.Is(err, signer.ErrNoKey) {
		t.Fatalf("pool without keys: %v", err)
	}
}

// rotatingSigner reports a different kid from Sign than ActiveKid promised, the first n times.
type rotatingSigner struct {
	*testSigner
	n int
}

func (r *rotatingSigner) Sign(ctx context.Context, pool string, use signer.KeyUse, in []byte) (string, []byte, error) {
	kid, sig, err := r.testSigner.Sign(ctx, pool, use, in)
	if r.n > 0 {
		r.n--
		kid = "rotated-kid"
	}
	return kid, sig, err
}

func TestIssueRebuildsWhenKeyRotatesMidway(t *testing.T) {
	e := newTestEnv(t, "rotate")
	rs := &rotatingSigner{testSigner: e.sig, n: 1}
	iss := NewIssuer(rs, e.clk, nil)
	toks, err := iss.Issue(context.Background(), baseInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Verify(context.Background(), toks.AccessToken, Expect{Issuer: issuerA, PoolID: poolA, TokenUse: UseAccess}); err != nil {
		t.Fatal(err)
	}
	rs.n = 100 // a signer that never agrees with itself
	if _, err := iss.Issue(context.Background(), baseInput()); err == nil {
		t.Fatal("issued a token whose header names a key that did not sign it")
	}
}

func TestConcurrentIssue(t *testing.T) {
	e := newTestEnv(t, "concurrent")
	var (
		mu   sync.Mutex
		jtis = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				toks, err := e.iss.Issue(context.Background(), baseInput())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				jtis[toks.AccessClaims.JTI], jtis[toks.IDClaims.JTI] = true, true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(jtis) != 80 {
		t.Fatalf("%d distinct jtis for 80 tokens", len(jtis))
	}
}

// A client_credentials token (protocol §6.3): sub is the client, version 2, access token only,
// and none of the user's claims; user fields in the input are refused.
func TestIssueClientCredentials(t *testing.T) {
	e := newTestEnv(t, "m2m")
	cc := IssueInput{Issuer: issuerA, PoolID: poolA, ClientID: clientID, Subject: clientID, Scope: "https://api/read",
		AuthTime: t0, AccessVersion: 2, ClientCredentials: true, AccessClaims: map[string]any{"tenant": "acme"}}
	toks := e.issueAt(t, t0, cc)
	if toks.IDToken != "" || toks.IDClaims != nil {
		t.Fatal("a client_credentials grant issued an ID token")
	}
	got := sortedKeys(payloadMap(t, toks.AccessToken))
	want := []string{"auth_time", "client_id", "exp", "iat", "iss", "jti", "scope", "sub", "tenant", "token_use", "version"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("claims %v, want %v", got, want)
	}
	noScope := cc
	noScope.Scope = ""
	if sc := e.issueAt(t, t0, noScope).AccessClaims.Scope; sc != "" {
		t.Fatalf("a client_credentials token without scopes got scope %q", sc)
	}
	for name, mutate := range map[string]func(*IssueInput){
		"username":       func(in *IssueInput) { in.Username = "alice" },
		"groups":         func(in *IssueInput) { in.Groups = []string{"admins"} },
		"sub not client": func(in *IssueInput) { in.Subject = subject },
		"origin_jti":     func(in *IssueInput) { in.OriginJTI = "x" },
		"id claims":      func(in *IssueInput) { in.IDClaims = map[string]any{"email": "a@b.c"} },
	} {
		in := cc
		mutate(&in)
		if _, err := e.iss.Issue(context.Background(), in); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
}
