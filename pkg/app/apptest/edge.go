package apptest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cognatehq/cognate/pkg/sigv4"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runEdgeTests covers the transport edge as clients and attackers meet it over HTTP: what a
// signature binds, what a body may hold, who may call admin operations from a browser, and the
// headers every answer carries.
func runEdgeTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("SigV4BindsOperation", func(t *testing.T) { testSigV4BindsOperation(t, Start(t, newTable)) })
	t.Run("InvalidUTF8", func(t *testing.T) { testInvalidUTF8(t, Start(t, newTable)) })
	t.Run("AdminFromBrowser", func(t *testing.T) { testAdminFromBrowser(t, Start(t, newTable)) })
	t.Run("AnswerHeaders", func(t *testing.T) { testAnswerHeaders(t, Start(t, newTable)) })
}

// rawAnswer is one HTTP answer read whole.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

// errType is the Cognito error shape of the answer, or "" for a 200.
func (a rawAnswer) errType(t *testing.T) string {
	t.Helper()
	if a.status == http.StatusOK {
		return ""
	}
	var e struct {
		Type string `json:"__type"`
	}
	if err := json.Unmarshal(a.body, &e); err != nil || e.Type == "" {
		t.Fatalf("status %d with a body that is no Cognito error: %q", a.status, a.body)
	}
	return e.Type
}

// post sends one Cognito request by hand: target, body and extra headers exactly as given.
func post(t *testing.T, e *Env, target string, body []byte, header http.Header) rawAnswer {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, e.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawAnswer{resp.StatusCode, resp.Header, b}
}

// signHostAndDate signs body for POST / with the suite's admin key over host and x-amz-date
// only, as a client that does not sign X-Amz-Target would: the canonical request is built here,
// by hand, because the SDK signers always sign the target.
func signHostAndDate(t *testing.T, e *Env, body []byte) http.Header {
	t.Helper()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	date, day := now.Format("20060102T150405Z"), now.Format("20060102")
	sum := sha256.Sum256(body)
	canonical := "POST\n/\n\nhost:" + u.Host + "\nx-amz-date:" + date + "\n\nhost;x-amz-date\n" + hex.EncodeToString(sum[:])
	creq := sha256.Sum256([]byte(canonical))
	scope := day + "/us-east-1/cognito-idp/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(creq[:])
	m := hmac.New(sha256.New, sigv4.SigningKey("test-secret", day, "us-east-1", "cognito-idp"))
	m.Write([]byte(toSign))
	h := http.Header{}
	h.Set("X-Amz-Date", date)
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDCOGNATETEST/"+scope+", SignedHeaders=host;x-amz-date, Signature="+hex.EncodeToString(m.Sum(nil)))
	return h
}

// A signature that does not cover X-Amz-Target authorises the body, not the operation: one made
// for AdminGetUser would disable or delete the same user. Cognate refuses signatures that do not
// sign host, x-amz-date and x-amz-target, in the family AWS uses for a missing signed header.
func testSigV4BindsOperation(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	f.confirmedUser(t, "victim", "victim@example.com")
	body := []byte(`{"UserPoolId":"` + f.poolID + `","Username":"victim"}`)
	sig := signHostAndDate(t, e, body)

	for _, op := range []string{"AdminGetUser", "AdminDisableUser", "AdminDeleteUser"} {
		a := post(t, e, op, body, sig)
		if got := a.errType(t); got != "IncompleteSignatureException" || a.status != http.StatusBadRequest ||
			!strings.Contains(string(a.body), "'X-Amz-Target' must be a 'SignedHeader'") {
			t.Errorf("%s signed over host;x-amz-date only: %d %s", op, a.status, a.body)
		}
	}
	u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("victim")}))(t)
	if !u.Enabled {
		t.Error("the replayed signature disabled the user")
	}
}

// Go's encoding/json turns invalid UTF-8 (raw bytes, or an unpaired surrogate escape) into U+FFFD,
// so different byte strings would become the same stored name. Cognito's JSON layer refuses
// them (SerializationException), and so does Cognate, before anything is stored.
func testInvalidUTF8(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	signUp := func(username string) []byte {
		return []byte(`{"ClientId":"` + f.client + `","Username":"` + username + `","Password":"` + strongPassword +
			`","UserAttributes":[{"Name":"email","Value":"utf8@example.com"}]}`)
	}
	for name, username := range map[string]string{
		"raw bytes":           "bad\xff\xfeuser",
		"other raw bytes":     "bad\xfe\xffuser",
		"truncated sequence":  "bad\xe2\x82user",
		"encoded surrogate":   "bad\xed\xa0\x80user",
		"lone high surrogate": `bad\ud800user`,
		"lone low surrogate":  `bad\udc00user`,
		"reversed pair":       `bad\udc00\ud800user`,
	} {
		t.Run(name, func(t *testing.T) {
			a := post(t, e, "SignUp", signUp(username), nil)
			if got := a.errType(t); got != "SerializationException" || a.status != http.StatusBadRequest {
				t.Fatalf("SignUp with username %q: %d %s", username, a.status, a.body)
			}
			// The body's bytes never reach the answer either.
			if strings.Contains(string(a.body), "user\"") || strings.Contains(string(a.body), "\ufffd") {
				t.Errorf("the answer echoes the input: %s", a.body)
			}
		})
	}
	// Nothing was stored: U+FFFD itself is a valid character, and the name it makes is still free.
	users := must(e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID)}))(t)
	if len(users.Users) != 0 {
		t.Fatalf("refused sign-ups stored %d users, first %q", len(users.Users), aws.ToString(users.Users[0].Username))
	}
	a := post(t, e, "SignUp", signUp("bad\ufffd\ufffduser"), nil)
	if a.status != http.StatusOK {
		t.Fatalf("SignUp with a valid U+FFFD username: %d %s", a.status, a.body)
	}
	u := must(e.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(f.poolID), Username: aws.String("bad\uFFFD\uFFFDuser")}))(t)
	if aws.ToString(u.Username) != "bad\uFFFD\uFFFDuser" {
		t.Errorf("stored as %q", aws.ToString(u.Username))
	}
}

// WithOrigin makes an SDK client send Origin on every request, as the SDK does in a browser.
func WithOrigin(origin string) func(*cip.Options) {
	return func(o *cip.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("Origin", origin))
	}
}

// A page on any origin can make the browser send requests to a local server; without admin keys
// any well-formed signature is accepted, so it could list users or set their passwords. Signed
// calls that carry Origin are refused unless the origin is allowed (none is here); the public and
// access-token calls a browser app legitimately makes stay open to every origin.
func testAdminFromBrowser(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	tokens := f.confirmedUser(t, "jane", "jane@example.com")
	page := WithOrigin("https://evil.example")

	_, err := e.Client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(f.poolID)}, page)
	wantErr(t, err, "AccessDeniedException", "Admin operations refuse cross-origin requests from browsers: origin https://evil.example is not allowed to call ListUsers.")
	_, err = e.Client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(f.poolID), Username: aws.String("jane"),
		Password: aws.String("Taken-Over-99"), Permanent: true}, page)
	wantErr(t, err, "AccessDeniedException", "")
	_, err = e.Client.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(f.poolID), ClientId: aws.String(f.client),
		AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "jane", "PASSWORD": strongPassword}}, page)
	wantErr(t, err, "AccessDeniedException", "")
	_, err = e.Client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("from-a-page")}, WithOrigin("null"))
	wantErr(t, err, "AccessDeniedException", "")
	if _, err := f.signIn(t, "jane", "Taken-Over-99"); err == nil {
		t.Fatal("the cross-origin AdminSetUserPassword changed the password")
	}
	pools := must(e.Client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))(t)
	for _, p := range pools.UserPools {
		if aws.ToString(p.Name) == "from-a-page" {
			t.Fatal("the cross-origin CreateUserPool created a pool")
		}
	}

	// Public and access-token operations from the same page work.
	must(e.Client.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(f.client), Username: aws.String("webuser"), Password: aws.String(strongPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("webuser@example.com")}}}, page))(t)
	must(e.Client.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(f.client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "jane", "PASSWORD": strongPassword}}, page))(t)
	must(e.Client.GetUser(ctx, &cip.GetUserInput{AccessToken: tokens.AccessToken}, page))(t)

	// The preflight a browser sends first offers the signing headers to no page.
	r, err := http.NewRequest(http.MethodOptions, e.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-target")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	allowed := resp.Header.Get("Access-Control-Allow-Headers")
	if resp.StatusCode != http.StatusOK || !strings.Contains(allowed, "x-amz-target") || strings.Contains(allowed, "authorization") || strings.Contains(allowed, "x-amz-date") {
		t.Errorf("preflight from a page: %d, Access-Control-Allow-Headers %q", resp.StatusCode, allowed)
	}
}

// Every answer is X-Content-Type-Options: nosniff; every Cognito answer and the outbox, which
// carry tokens and codes, are Cache-Control: no-store.
func testAnswerHeaders(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	tokens := f.confirmedUser(t, "jane", "jane@example.com")
	check := func(what string, h http.Header, noStore bool) {
		t.Helper()
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, got)
		}
		if got := h.Get("Cache-Control"); noStore && got != "no-store" {
			t.Errorf("%s: Cache-Control %q", what, got)
		}
	}
	signIn := []byte(`{"ClientId":"` + f.client + `","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"jane","PASSWORD":"` + strongPassword + `"}}`)
	a := post(t, e, "InitiateAuth", signIn, nil)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "AccessToken") {
		t.Fatalf("InitiateAuth: %d %s", a.status, a.body)
	}
	check("InitiateAuth (tokens)", a.header, true)
	a = post(t, e, "GetUser", []byte(`{"AccessToken":"`+aws.ToString(tokens.AccessToken)+`"}`), nil)
	check("GetUser", a.header, true)
	a = post(t, e, "InitiateAuth", []byte(`{"ClientId":"`+f.client+`"}`), nil)
	if a.status == http.StatusOK {
		t.Fatal("InitiateAuth without a flow succeeded")
	}
	check("an error", a.header, true)
	a = post(t, e, "", nil, nil)
	check("no target", a.header, true)

	for _, path := range []string{"/_local/outbox", "/" + f.poolID + "/.well-known/jwks.json", "/" + f.poolID + "/.well-known/openid-configuration",
		"/nowhere/.well-known/jwks.json"} {
		resp, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		check("GET "+path, resp.Header, path == "/_local/outbox")
	}
	r, _ := http.NewRequest(http.MethodOptions, e.URL+"/", nil)
	r.Header.Set("Origin", "https://app.example")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("preflight", resp.Header, false)
}
