package awsapp_test

// TestEvents is issue 3's "every sample event through its function", and issue 12's "through
// the real function binary under the emulator": each file under events/ goes to the function's
// own binary (functions/<dir>, built for this machine) running under the AWS Lambda Runtime
// Interface Emulator (infra/lambda/lambdarie), invoked with the real Lambda client, as
// `make invoke-local` runs it. Each function gets the environment template.yaml gives it, its
// AWS SDK pointed at emulators by AWS_ENDPOINT_URL_<SERVICE> (what events/env.json sets for
// `sam local invoke`): DynamoDB Local (infra/dynamodb/ddblocal), local-kms (infra/kms/localkms:
// the envelope key, and the per-pool signing keys in kms mode) and aws-ses-v2-local
// (infra/ses/seslocal). SNS points at a closed port: no event sends an SMS. Every function cold
// starts as deployed (awsapp.Load: settings, then the table and key checked).
//
// The state each good event assumes (events/README.md) is made through the same handlers, by the
// events themselves: a pool and an app client from CreateUserPool and CreateUserPoolClient, users
// from SignUp (the code read back from the SES emulator) and ConfirmSignUp, or AdminCreateUser,
// tokens from InitiateAuth. Every good event gets state of its own, so the destructive ones
// (DeleteUser, RevokeToken, DeleteUserPool …) disturb nothing, and each is followed by a look at
// what it changed. The HTTP functions must never end in a function error: bad input is a
// Cognito error in the response.
//
// The sample hooks that reach AWS (hooks_events_test.go, sampleHooks) run the same way, each
// under the emulator with its tables in DynamoDB Local and its mail to the SES emulator.

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/awsapp"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/hooks/allowlist"
	"github.com/cognatehq/cognate/pkg/lambdahttp/eventstest"
	"github.com/cognatehq/cognate/pkg/signer"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

const (
	originSecret = "events-origin-secret-0123456789"
	edgeHost     = "d111111abcdef8.cloudfront.net" // x-cognate-original-host in every event
	fromAddress  = "Cognate Events <no-reply@events.example>"
	password     = "Events-Passw0rd1" // the pool of CreateUserPool.json: 8+, upper, lower, digit
	newPassword  = "Events-Passw0rd2"
)

var adminKey = aws.Credentials{AccessKeyID: "AKIDEVENTS", SecretAccessKey: "events-admin-secret"}

// httpFolders are the HTTP API functions, in the order their events run.
var httpFolders = []string{"admin", "signup", "auth", "token", "account", "oauth"}

type httpHandler = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// backends are the emulators both signer modes share.
type backends struct {
	ddbEndpoint string
	kms         *localkms.Emulator
	keyARN      string // the symmetric key: COGNATE_ENVELOPE_KEY_ARN
	sesEndpoint string
	snsEndpoint string // nothing listens there
}

func TestEvents(t *testing.T) {
	start := time.Now()
	b := backends{ddbEndpoint: ddblocal.Endpoint(t), kms: localkms.Start(t), sesEndpoint: seslocal.Start(t), snsEndpoint: closedPort(t)}
	key, err := b.kms.Client.CreateKey(t.Context(), &envelopeKeyInput)
	if err != nil {
		t.Fatalf("creating the envelope key in local-kms: %v", err)
	}
	b.keyARN = aws.ToString(key.KeyMetadata.Arn)
	t.Logf("emulators ready in %v", time.Since(start).Round(time.Millisecond))
	for _, mode := range []string{string(signer.ModeKMSEnvelope), string(signer.ModeKMS)} {
		t.Run(mode, func(t *testing.T) {
			began := time.Now()
			newHarness(t, b, mode).run(t)
			t.Logf("%s: every event in %v", mode, time.Since(began).Round(time.Millisecond))
		})
	}
}

var envelopeKeyInput = kms.CreateKeyInput{
	KeySpec:     kmstypes.KeySpecSymmetricDefault,
	KeyUsage:    kmstypes.KeyUsageTypeEncryptDecrypt,
	Description: aws.String("COGNATE_ENVELOPE_KEY_ARN for pkg/awsapp TestEvents"),
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// ---- the functions ----

type harness struct {
	b     backends
	mode  string
	env   map[string]string
	fns   map[string]httpHandler // the HTTP API functions, by events/ folder
	pool  string                 // from CreateUserPool.json
	appID string                 // from CreateUserPoolClient.json
	seq   int
	jwks  map[string]*rsa.PublicKey // the pool's published keys, by kid
}

// env is a function's environment as template.yaml sets it, COGNATE_TABLE naming a fresh table,
// except COGNATE_CALL_TIMEOUT: its 3 s default bounds a call to DynamoDB or KMS, and here would
// fail a call an emulator sharing a loaded 2-core machine with -race tests answers late. The
// bound itself is tested with stalled APIs (pkg/store/dynamo TestDeadline, pkg/envelope
// TestKMSMasterKeyDeadline, pkg/signer TestKMSSignerDeadline, pkg/mail/ses TestTimeout).
func (b backends) env(mode, table string) map[string]string {
	return map[string]string{
		"AWS_REGION":               "us-east-1",
		"COGNATE_ACCOUNT_ID":       "123456789012",
		"COGNATE_TABLE":            table,
		"COGNATE_ORIGIN_VERIFY":    originSecret,
		"COGNATE_SIGNER_MODE":      mode,
		"COGNATE_ENVELOPE_KEY_ARN": b.keyARN,
		"COGNATE_FROM_ADDRESS":     fromAddress,
		"COGNATE_ADMIN_KEYS":       adminKey.AccessKeyID + ":" + adminKey.SecretAccessKey,
		"COGNATE_CALL_TIMEOUT":     "30s",
	}
}

func newHarness(t *testing.T, b backends, mode string) *harness {
	ddb := ddblocal.NewClient(b.ddbEndpoint)
	h := &harness{b: b, mode: mode, env: b.env(mode, ddblocal.CreateTable(t, ddb)), jwks: map[string]*rsa.PublicKey{}}
	// Each function is a process of its own with its own cold start (signing keys, secrets and
	// caches loaded from the table and KMS), started as functions/<family>/main.go and
	// functions/oauth/main.go start it.
	h.fns = map[string]httpHandler{}
	for _, folder := range httpFolders {
		h.fns[folder] = b.start(t, folder, h.env).http()
	}
	return h
}

// ---- invoking ----

// values fills every placeholder: the harness's pool and client, the origin secret, harmless
// values for the rest (error cases need no state), then over.
func (h *harness) values(over map[string]string) map[string]string {
	v := map[string]string{
		"POOL_ID": h.pool, "CLIENT_ID": h.appID, "ORIGIN_VERIFY": originSecret,
		"USERNAME": "nobody", "EMAIL": "nobody@events.example", "PASSWORD": password, "NEW_PASSWORD": newPassword,
		"CONFIRMATION_CODE": "000000", "SESSION": "no-session", "ACCESS_TOKEN": "no.access.token",
		"ID_TOKEN": "no.id.token", "REFRESH_TOKEN": "no-refresh-token",
	}
	for k, x := range over {
		v[k] = x
	}
	return v
}

// request reads folder/name and fills and signs it.
func (h *harness) request(t *testing.T, folder, name string, over map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := eventstest.Read(folder, name)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := eventstest.Request(raw, eventstest.FillWith(h.values(over)), eventstest.SigV4{Credentials: adminKey})
	if err != nil {
		t.Fatalf("%s/%s: %v", folder, name, err)
	}
	return ev
}

// send runs ev through the folder's function. The Lambda handler never returns an error.
func (h *harness) send(t *testing.T, folder string, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := h.fns[folder](t.Context(), ev)
	if err != nil {
		t.Fatalf("the %s function returned a Lambda error (it must answer in the response): %v", folder, err)
	}
	return resp
}

func (h *harness) invoke(t *testing.T, folder, name string, over map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	return h.send(t, folder, h.request(t, folder, name, over))
}

// ok invokes a good event and returns its decoded answer; anything but 200 fails t.
func (h *harness) ok(t *testing.T, folder, name string, over map[string]string) obj {
	t.Helper()
	resp := h.invoke(t, folder, name, over)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s/%s: %d %s", folder, name, resp.StatusCode, resp.Body)
	}
	return decode(t, resp)
}

// fails invokes an event that must now fail with errType.
func (h *harness) fails(t *testing.T, folder, name string, over map[string]string, status int, errType string) {
	t.Helper()
	resp := h.invoke(t, folder, name, over)
	wantCognitoError(t, resp, status, errType)
}

func header(resp events.APIGatewayV2HTTPResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// wantCognitoError checks a Cognito-shaped error: the status, x-amzn-ErrorType, the JSON 1.1
// content type and a body {"__type": …, "message": …}.
func wantCognitoError(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int, errType string) {
	t.Helper()
	if resp.StatusCode != status || header(resp, "X-Amzn-Errortype") != errType {
		t.Fatalf("got %d %q %s; want %d %s", resp.StatusCode, header(resp, "X-Amzn-Errortype"), resp.Body, status, errType)
	}
	if ct := header(resp, "Content-Type"); ct != cognito.ContentType {
		t.Errorf("content-type %q, want %s", ct, cognito.ContentType)
	}
	var body struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Type != errType || body.Message == "" {
		t.Errorf("error body %s: want {\"__type\":%q,\"message\":…} (%v)", resp.Body, errType, err)
	}
}

// ---- JSON answers ----

type obj = map[string]any

func decode(t *testing.T, resp events.APIGatewayV2HTTPResponse) obj {
	t.Helper()
	if resp.IsBase64Encoded {
		t.Fatalf("base64 answer: %s", resp.Body)
	}
	var m obj
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, resp.Body)
	}
	return m
}

// get walks m along keys (object members; numbers index arrays).
func get(m any, keys ...string) any {
	for _, k := range keys {
		switch x := m.(type) {
		case obj:
			m = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= len(x) {
				return nil
			}
			m = x[i]
		default:
			return nil
		}
	}
	return m
}

func str(m any, keys ...string) string {
	s, _ := get(m, keys...).(string)
	return s
}

func list(m any, keys ...string) []any {
	l, _ := get(m, keys...).([]any)
	return l
}

func wantStr(t *testing.T, m any, want string, keys ...string) {
	t.Helper()
	if got := str(m, keys...); got != want {
		t.Errorf("%s = %q, want %q", strings.Join(keys, "."), got, want)
	}
}

func wantSet(t *testing.T, m any, keys ...string) string {
	t.Helper()
	s := str(m, keys...)
	if s == "" {
		t.Errorf("%s is missing", strings.Join(keys, "."))
	}
	return s
}

func wantEmpty(t *testing.T, m obj) {
	t.Helper()
	if len(m) != 0 {
		t.Errorf("answer %v, want {}", m)
	}
}

// wantConfirmed checks ConfirmSignUp's answer: {} or, as Cognito now answers, a Session for
// signing in without the password (USER_AUTH).
func wantConfirmed(t *testing.T, out obj) {
	t.Helper()
	for k := range out {
		if k != "Session" || str(out, "Session") == "" {
			t.Errorf("ConfirmSignUp answer %v, want {} or {\"Session\": …}", out)
		}
	}
}

// attr is the value of the named attribute in a Cognito Name/Value list.
func attr(l []any, name string) (string, bool) {
	for _, a := range l {
		if str(a, "Name") == name {
			return str(a, "Value"), true
		}
	}
	return "", false
}

// ---- state, made by events ----

type user struct {
	name, email                  string
	sub                          string
	access, id, refresh, session string
}

func (u *user) values() map[string]string {
	v := map[string]string{"USERNAME": u.name, "EMAIL": u.email}
	for k, x := range map[string]string{"ACCESS_TOKEN": u.access, "ID_TOKEN": u.id, "REFRESH_TOKEN": u.refresh, "SESSION": u.session} {
		if x != "" {
			v[k] = x
		}
	}
	return v
}

func with(v map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, x := range v {
		out[k] = x
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// newUser names a user no other case uses; the address is unique across signer modes too, as
// both send to one SES emulator.
func (h *harness) newUser() *user {
	h.seq++
	name := fmt.Sprintf("user-%02d", h.seq)
	return &user{name: name, email: fmt.Sprintf("%s.%s@events.example", name, h.mode)}
}

// createPool runs admin/CreateUserPool.json and returns the new pool's id.
func (h *harness) createPool(t *testing.T) string {
	t.Helper()
	out := h.ok(t, "admin", "CreateUserPool.json", nil)
	id := str(out, "UserPool", "Id")
	if !regexp.MustCompile(`^us-east-1_[0-9A-Za-z]+$`).MatchString(id) {
		t.Fatalf("CreateUserPool: pool id %q", id)
	}
	return id
}

// m2mResource is the resource server admin/CreateResourceServer.json makes.
const m2mResource = "https://api.example.com"

// m2mPool makes a pool with the resource server of admin/CreateResourceServer.json, for a
// client_credentials client.
func (h *harness) m2mPool(t *testing.T) string {
	t.Helper()
	pool := h.createPool(t)
	h.ok(t, "admin", "CreateResourceServer.json", map[string]string{"POOL_ID": pool})
	return pool
}

// createClient runs admin/CreateUserPoolClient.json on pool and returns the client id.
func (h *harness) createClient(t *testing.T, pool string) string {
	t.Helper()
	out := h.ok(t, "admin", "CreateUserPoolClient.json", map[string]string{"POOL_ID": pool})
	id := str(out, "UserPoolClient", "ClientId")
	if id == "" {
		t.Fatalf("CreateUserPoolClient: %v", out)
	}
	return id
}

// signUp runs signup/SignUp.json for a new user.
func (h *harness) signUp(t *testing.T) *user {
	t.Helper()
	u := h.newUser()
	out := h.ok(t, "signup", "SignUp.json", u.values())
	u.sub = str(out, "UserSub")
	return u
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// code is the code of the n-th verification mail u received (from 1), read from the SES emulator.
func (h *harness) code(t *testing.T, u *user, n int) string {
	t.Helper()
	msgs := seslocal.Messages(t, h.b.sesEndpoint, u.email)
	if len(msgs) != n {
		t.Fatalf("the SES emulator holds %d messages for %s, want %d", len(msgs), u.email, n)
	}
	m := msgs[n-1]
	if m.From != fromAddress || m.Subject != "Your verification code" || !strings.HasPrefix(m.Text(), "Your verification code is ") {
		t.Fatalf("verification mail from %q subject %q text %q", m.From, m.Subject, m.Text())
	}
	code := sixDigits.FindString(m.Text())
	if code == "" {
		t.Fatalf("no code in %q", m.Text())
	}
	return code
}

// confirmed is a user signed up and confirmed with its mailed code, password `password`.
func (h *harness) confirmed(t *testing.T) *user {
	t.Helper()
	u := h.signUp(t)
	wantConfirmed(t, h.ok(t, "signup", "ConfirmSignUp.json", with(u.values(), "CONFIRMATION_CODE", h.code(t, u, 1))))
	return u
}

// signIn runs auth/InitiateAuth.json with pw and keeps the tokens.
func (h *harness) signIn(t *testing.T, u *user, pw string) {
	t.Helper()
	out := h.ok(t, "auth", "InitiateAuth.json", with(u.values(), "PASSWORD", pw))
	h.wantTokens(t, out, u, true)
	u.access, u.id, u.refresh = str(out, "AuthenticationResult", "AccessToken"), str(out, "AuthenticationResult", "IdToken"), str(out, "AuthenticationResult", "RefreshToken")
}

func (h *harness) signedIn(t *testing.T) *user {
	t.Helper()
	u := h.confirmed(t)
	h.signIn(t, u, password)
	return u
}

// invited is a user made by admin/AdminCreateUser.json (temporary password `password`, no mail).
func (h *harness) invited(t *testing.T) *user {
	t.Helper()
	u := h.newUser()
	out := h.ok(t, "admin", "AdminCreateUser.json", u.values())
	wantStr(t, out, "FORCE_CHANGE_PASSWORD", "User", "UserStatus")
	return u
}

// challenged signs an invited user in (folder/name: InitiateAuth or AdminInitiateAuth) and keeps
// the session of its NEW_PASSWORD_REQUIRED challenge.
func (h *harness) challenged(t *testing.T, name string) *user {
	t.Helper()
	u := h.invited(t)
	out := h.ok(t, "auth", name, u.values())
	wantStr(t, out, "NEW_PASSWORD_REQUIRED", "ChallengeName")
	if get(out, "AuthenticationResult") != nil {
		t.Errorf("%s: tokens before the challenge is answered: %v", name, out)
	}
	u.session = wantSet(t, out, "Session")
	return u
}

// status is u's UserStatus, by admin/AdminGetUser.json.
func (h *harness) status(t *testing.T, u *user) string {
	t.Helper()
	return str(h.ok(t, "admin", "AdminGetUser.json", u.values()), "UserStatus")
}

// wantTokens checks an AuthenticationResult: the tokens, their signatures against the pool's
// JWKS as the oauth function serves it, their issuer (the edge's host) and subject.
func (h *harness) wantTokens(t *testing.T, out obj, u *user, withRefresh bool) {
	t.Helper()
	r := get(out, "AuthenticationResult")
	if r == nil {
		t.Fatalf("no AuthenticationResult: %v", out)
	}
	wantStr(t, r, "Bearer", "TokenType")
	if n, _ := get(r, "ExpiresIn").(float64); n != 3600 {
		t.Errorf("ExpiresIn %v, want 3600", get(r, "ExpiresIn"))
	}
	if got := str(r, "RefreshToken") != ""; got != withRefresh {
		t.Errorf("RefreshToken present: %v, want %v", got, withRefresh)
	}
	iss := "https://" + edgeHost + "/" + h.pool
	access := h.verifyJWT(t, wantSet(t, r, "AccessToken"))
	id := h.verifyJWT(t, wantSet(t, r, "IdToken"))
	for use, c := range map[string]obj{"access": access, "id": id} {
		if str(c, "token_use") != use || str(c, "iss") != iss {
			t.Errorf("%s token: token_use %q iss %q, want %s", use, str(c, "token_use"), str(c, "iss"), iss)
		}
		if u.sub != "" && str(c, "sub") != u.sub {
			t.Errorf("%s token: sub %q, want %q", use, str(c, "sub"), u.sub)
		}
	}
	wantStr(t, access, h.appID, "client_id")
	wantStr(t, access, u.name, "username")
	wantStr(t, id, h.appID, "aud")
	wantStr(t, id, u.email, "email")
	if u.sub == "" {
		u.sub = str(access, "sub")
	}
}

// verifyJWT checks an RS256 signature against the pool's JWKS, fetched through the oauth
// function's jwks.json event (again when the kid is new), and returns the claims.
func (h *harness) verifyJWT(t *testing.T, raw string) obj {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	var hdr struct{ Alg, Kid string }
	var claims obj
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			t.Fatalf("JWT part %d does not decode: %q", i, parts[i])
		}
	}
	if hdr.Alg != "RS256" {
		t.Fatalf("alg %q", hdr.Alg)
	}
	key := h.jwks[hdr.Kid]
	if key == nil {
		h.fetchJWKS(t, h.pool)
		if key = h.jwks[hdr.Kid]; key == nil {
			t.Fatalf("kid %q is not in the pool's JWKS", hdr.Kid)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("the token's signature does not verify with the published key %s: %v", hdr.Kid, err)
	}
	return claims
}

// fetchJWKS runs oauth/jwks.json for pool, checks the document and remembers its keys.
func (h *harness) fetchJWKS(t *testing.T, pool string) obj {
	t.Helper()
	resp := h.invoke(t, "oauth", "jwks.json", map[string]string{"POOL_ID": pool})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(header(resp, "Content-Type"), "application/json") {
		t.Fatalf("jwks.json: %d %q %s", resp.StatusCode, header(resp, "Content-Type"), resp.Body)
	}
	doc := decode(t, resp)
	keys := list(doc, "keys")
	if len(keys) == 0 {
		t.Fatalf("jwks.json: no keys: %s", resp.Body)
	}
	for _, k := range keys {
		if str(k, "kty") != "RSA" || str(k, "alg") != "RS256" || str(k, "use") != "sig" || str(k, "kid") == "" {
			t.Fatalf("jwks.json: key %v", k)
		}
		n, err1 := base64.RawURLEncoding.DecodeString(str(k, "n"))
		e, err2 := base64.RawURLEncoding.DecodeString(str(k, "e"))
		if err1 != nil || err2 != nil || len(n) < 256 {
			t.Fatalf("jwks.json: key %v", k)
		}
		h.jwks[str(k, "kid")] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return doc
}

// ---- the cases ----

// A goodCase makes the state a good event assumes (returning its placeholder values) and checks
// the answer and what the event changed.
type goodCase struct {
	setup func(t *testing.T, h *harness) map[string]string
	check func(t *testing.T, h *harness, out obj, v map[string]string)
}

func userOf(v map[string]string) *user {
	return &user{name: v["USERNAME"], email: v["EMAIL"], access: v["ACCESS_TOKEN"], id: v["ID_TOKEN"], refresh: v["REFRESH_TOKEN"]}
}

var goodCases = map[string]goodCase{
	// signup
	"signup/SignUp.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.newUser().values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			u := userOf(v)
			if get(out, "UserConfirmed") != false || str(out, "UserSub") == "" {
				t.Errorf("SignUp answer %v", out)
			}
			wantStr(t, out, "EMAIL", "CodeDeliveryDetails", "DeliveryMedium")
			wantStr(t, out, "email", "CodeDeliveryDetails", "AttributeName")
			if d := str(out, "CodeDeliveryDetails", "Destination"); d == "" || strings.Contains(d, u.name) {
				t.Errorf("Destination %q: want the masked address", d)
			}
			// The mail is in the SES emulator, and its code confirms the user.
			code := h.code(t, u, 1)
			wantConfirmed(t, h.ok(t, "signup", "ConfirmSignUp.json", with(v, "CONFIRMATION_CODE", code)))
			if s := h.status(t, u); s != "CONFIRMED" {
				t.Errorf("UserStatus %s after confirming with the mailed code", s)
			}
		},
	},
	"signup/ConfirmSignUp.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			u := h.signUp(t)
			return with(u.values(), "CONFIRMATION_CODE", h.code(t, u, 1))
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantConfirmed(t, out)
			if s := h.status(t, userOf(v)); s != "CONFIRMED" {
				t.Errorf("UserStatus %s", s)
			}
		},
	},
	"signup/ResendConfirmationCode.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signUp(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, "EMAIL", "CodeDeliveryDetails", "DeliveryMedium")
			code := h.code(t, userOf(v), 2) // a second mail, whose code confirms
			wantConfirmed(t, h.ok(t, "signup", "ConfirmSignUp.json", with(v, "CONFIRMATION_CODE", code)))
		},
	},

	// auth
	"auth/InitiateAuth.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			h.wantTokens(t, out, userOf(v), true)
		},
	},
	"auth/AdminInitiateAuth.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			h.wantTokens(t, out, userOf(v), true)
		},
	},
	"auth/InitiateAuth.refresh-token-auth.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			h.wantTokens(t, out, userOf(v), false)
			if str(out, "AuthenticationResult", "AccessToken") == v["ACCESS_TOKEN"] {
				t.Error("the refresh returned the old access token")
			}
		},
	},
	"auth/RespondToAuthChallenge.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			return h.challenged(t, "InitiateAuth.json").values()
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			u := userOf(v)
			h.wantTokens(t, out, u, true)
			if s := h.status(t, u); s != "CONFIRMED" {
				t.Errorf("UserStatus %s after the new password", s)
			}
			h.signIn(t, u, newPassword)
		},
	},
	"auth/AdminRespondToAuthChallenge.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			return h.challenged(t, "AdminInitiateAuth.json").values()
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			u := userOf(v)
			h.wantTokens(t, out, u, true)
			h.signIn(t, u, newPassword)
		},
	},

	// token
	"token/GetTokensFromRefreshToken.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			r := get(out, "AuthenticationResult")
			if str(r, "AccessToken") == "" || str(r, "IdToken") == "" {
				t.Fatalf("GetTokensFromRefreshToken answer %v", out)
			}
			h.verifyJWT(t, str(r, "AccessToken"))
		},
	},
	"token/RevokeToken.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "auth", "InitiateAuth.refresh-token-auth.json", v, http.StatusBadRequest, "NotAuthorizedException")
		},
	},

	// account
	"account/GetUser.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, v["USERNAME"], "Username")
			if e, _ := attr(list(out, "UserAttributes"), "email"); e != v["EMAIL"] {
				t.Errorf("email attribute %q, want %q", e, v["EMAIL"])
			}
			if s, _ := attr(list(out, "UserAttributes"), "sub"); s == "" {
				t.Error("no sub attribute")
			}
		},
	},
	"account/GlobalSignOut.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "account", "GetUser.json", v, http.StatusBadRequest, "NotAuthorizedException")
			h.fails(t, "auth", "InitiateAuth.refresh-token-auth.json", v, http.StatusBadRequest, "NotAuthorizedException")
		},
	},
	"account/DeleteUser.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "admin", "AdminGetUser.json", v, http.StatusBadRequest, "UserNotFoundException")
		},
	},
	"account/ChangePassword.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "auth", "InitiateAuth.json", v, http.StatusBadRequest, "NotAuthorizedException") // the old password
			h.signIn(t, userOf(v), newPassword)
		},
	},

	// admin: pools and clients
	"admin/CreateUserPool.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			id := str(out, "UserPool", "Id")
			wantStr(t, out, "cognate-events", "UserPool", "Name")
			wantStr(t, out, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+id, "UserPool", "Arn")
			if id == "" || id == h.pool {
				t.Errorf("pool id %q", id)
			}
		},
	},
	"admin/ListUserPools.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			if !slices.ContainsFunc(list(out, "UserPools"), func(p any) bool { return str(p, "Id") == h.pool }) {
				t.Errorf("ListUserPools %v lacks %s", out, h.pool)
			}
		},
	},
	"admin/DescribeUserPool.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, h.pool, "UserPool", "Id")
			if n, _ := get(out, "UserPool", "Policies", "PasswordPolicy", "MinimumLength").(float64); n != 8 {
				t.Errorf("MinimumLength %v, want 8", n)
			}
		},
	},
	"admin/UpdateUserPool.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return map[string]string{"POOL_ID": h.createPool(t)} },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			wantStr(t, h.ok(t, "admin", "DescribeUserPool.json", v), "events", "UserPool", "UserPoolTags", "purpose")
		},
	},
	"admin/DeleteUserPool.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return map[string]string{"POOL_ID": h.createPool(t)} },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "admin", "DescribeUserPool.json", v, http.StatusBadRequest, "ResourceNotFoundException")
			if resp := h.invoke(t, "oauth", "jwks.json", v); resp.StatusCode != http.StatusNotFound {
				t.Errorf("jwks.json of a deleted pool: %d", resp.StatusCode)
			}
		},
	},
	"admin/AddCustomAttributes.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return map[string]string{"POOL_ID": h.createPool(t)} },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			schema := list(h.ok(t, "admin", "DescribeUserPool.json", v), "UserPool", "SchemaAttributes")
			if !slices.ContainsFunc(schema, func(a any) bool { return str(a, "Name") == "custom:tenant" }) {
				t.Errorf("custom:tenant not in the schema %v", schema)
			}
		},
	},
	"admin/ListUserPoolClients.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			if !slices.ContainsFunc(list(out, "UserPoolClients"), func(c any) bool { return str(c, "ClientId") == h.appID }) {
				t.Errorf("ListUserPoolClients %v lacks %s", out, h.appID)
			}
		},
	},
	"admin/CreateUserPoolClient.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			c := get(out, "UserPoolClient")
			wantStr(t, c, h.pool, "UserPoolId")
			wantStr(t, c, "cognate-events", "ClientName")
			if str(c, "ClientId") == "" || str(c, "ClientId") == h.appID || str(c, "ClientSecret") != "" {
				t.Errorf("UserPoolClient %v", c)
			}
		},
	},
	"admin/CreateResourceServer.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return map[string]string{"POOL_ID": h.createPool(t)} },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, v["POOL_ID"], "ResourceServer", "UserPoolId")
			wantStr(t, out, m2mResource, "ResourceServer", "Identifier")
			wantStr(t, out, "read", "ResourceServer", "Scopes", "0", "ScopeName")
		},
	},
	"admin/CreateUserPoolClient.client-credentials.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return map[string]string{"POOL_ID": h.m2mPool(t)} },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			c := get(out, "UserPoolClient")
			wantStr(t, c, v["POOL_ID"], "UserPoolId")
			wantStr(t, c, "client_credentials", "AllowedOAuthFlows", "0")
			wantStr(t, c, m2mResource+"/read", "AllowedOAuthScopes", "0")
			if str(c, "ClientId") == "" || str(c, "ClientSecret") == "" || get(c, "AllowedOAuthFlowsUserPoolClient") != true {
				t.Errorf("UserPoolClient %v", c)
			}
		},
	},
	"admin/DescribeUserPoolClient.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, h.appID, "UserPoolClient", "ClientId")
			wantStr(t, out, "cognate-events", "UserPoolClient", "ClientName")
		},
	},
	"admin/UpdateUserPoolClient.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			return map[string]string{"CLIENT_ID": h.createClient(t, h.pool)}
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, "cognate-events-updated", "UserPoolClient", "ClientName")
			wantStr(t, h.ok(t, "admin", "DescribeUserPoolClient.json", v), "cognate-events-updated", "UserPoolClient", "ClientName")
		},
	},
	"admin/DeleteUserPoolClient.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			return map[string]string{"CLIENT_ID": h.createClient(t, h.pool)}
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "admin", "DescribeUserPoolClient.json", v, http.StatusBadRequest, "ResourceNotFoundException")
		},
	},

	// admin: users
	"admin/AdminCreateUser.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.newUser().values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, v["USERNAME"], "User", "Username")
			wantStr(t, out, "FORCE_CHANGE_PASSWORD", "User", "UserStatus")
			if e, _ := attr(list(out, "User", "Attributes"), "email"); e != v["EMAIL"] {
				t.Errorf("email %q", e)
			}
			if msgs := seslocal.Messages(t, h.b.sesEndpoint, v["EMAIL"]); len(msgs) != 0 {
				t.Errorf("MessageAction SUPPRESS, yet %d invitations were sent", len(msgs))
			}
		},
	},
	"admin/AdminConfirmSignUp.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signUp(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			if s := h.status(t, userOf(v)); s != "CONFIRMED" {
				t.Errorf("UserStatus %s", s)
			}
		},
	},
	"admin/AdminGetUser.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, v["USERNAME"], "Username")
			wantStr(t, out, "CONFIRMED", "UserStatus")
			if get(out, "Enabled") != true {
				t.Errorf("Enabled %v", get(out, "Enabled"))
			}
			if e, _ := attr(list(out, "UserAttributes"), "email"); e != v["EMAIL"] {
				t.Errorf("email %q", e)
			}
		},
	},
	"admin/AdminDeleteUser.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "admin", "AdminGetUser.json", v, http.StatusBadRequest, "UserNotFoundException")
		},
	},
	"admin/AdminSetUserPassword.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.signIn(t, userOf(v), newPassword)
		},
	},
	"admin/AdminUserGlobalSignOut.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.signedIn(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantEmpty(t, out)
			h.fails(t, "auth", "InitiateAuth.refresh-token-auth.json", v, http.StatusBadRequest, "NotAuthorizedException")
		},
	},
	"admin/ListUsers.json": {
		setup: func(t *testing.T, h *harness) map[string]string { return h.confirmed(t).values() },
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			users := list(out, "Users")
			if len(users) != 1 || str(users[0], "Username") != v["USERNAME"] {
				t.Errorf("ListUsers filtered on %s: %v", v["USERNAME"], users)
			}
		},
	},

	// oauth
	"oauth/jwks.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			// The keys are the ones tokens are signed with.
			doc := h.fetchJWKS(t, h.pool)
			if !reflect.DeepEqual(doc, out) {
				t.Errorf("two JWKS answers differ: %v and %v", doc, out)
			}
			h.signedIn(t)
		},
	},
	// The token endpoint, reached on its own route (template.yaml: OAuthFunction, POST
	// /oauth2/token): a machine-to-machine client of a pool of its own gets an access token
	// signed with a key of that pool's JWKS, which carries what API Gateway's JWT authorizer
	// checks (docs/deploy.md): iss, client_id (no aud) and the scope.
	"oauth/token.client-credentials.json": {
		setup: func(t *testing.T, h *harness) map[string]string {
			pool := h.m2mPool(t)
			c := get(h.ok(t, "admin", "CreateUserPoolClient.client-credentials.json", map[string]string{"POOL_ID": pool}), "UserPoolClient")
			id, secret := str(c, "ClientId"), str(c, "ClientSecret")
			h.fetchJWKS(t, pool)
			return map[string]string{"CLIENT_BASIC": base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)), "POOL_ID": pool, "CLIENT_ID": id}
		},
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			wantStr(t, out, "Bearer", "token_type")
			if exp, _ := get(out, "expires_in").(float64); exp <= 0 || len(out) != 3 {
				t.Errorf("answer %v", out)
			}
			claims := h.verifyJWT(t, wantSet(t, out, "access_token"))
			wantStr(t, claims, "https://"+edgeHost+"/"+v["POOL_ID"], "iss")
			wantStr(t, claims, v["CLIENT_ID"], "client_id")
			wantStr(t, claims, v["CLIENT_ID"], "sub")
			wantStr(t, claims, "access", "token_use")
			wantStr(t, claims, m2mResource+"/read", "scope")
			if _, ok := claims["aud"]; ok {
				t.Errorf("an access token with aud: %v", claims)
			}
		},
	},
	"oauth/openid-configuration.json": {
		check: func(t *testing.T, h *harness, out obj, v map[string]string) {
			iss := "https://" + edgeHost + "/" + h.pool
			wantStr(t, out, iss, "issuer")
			wantStr(t, out, iss+"/.well-known/jwks.json", "jwks_uri")
		},
	},
}

// ---- the run ----

func (h *harness) run(t *testing.T) {
	// The state every good event shares: a pool and a client, made by their own events.
	t.Run("setup", func(t *testing.T) {
		h.pool = h.createPool(t)
		h.appID = h.createClient(t, h.pool)
	})
	if t.Failed() {
		return
	}

	dir, err := eventstest.Dir()
	if err != nil {
		t.Fatal(err)
	}
	// Every folder of events is run below (infra/sam TestTemplate: every function has one).
	known := append(slices.Clone(httpFolders), "authorizer", "hooks/pre-signup-allowlist", "hooks/custom-message", "rotate-keys")
	for _, hook := range sampleHooks {
		known = append(known, hook.dir)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || p == filepath.Join(dir, eventstest.EnvVars) {
			return err
		}
		rel, err := filepath.Rel(dir, filepath.Dir(p))
		if err == nil && !slices.Contains(known, filepath.ToSlash(rel)) {
			t.Errorf("events/%s: a function this test does not know; add it", filepath.ToSlash(rel))
			return filepath.SkipDir
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, folder := range httpFolders {
		names, err := eventstest.Files(folder)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			file := path.Join(folder, name)
			seen[file] = true
			t.Run(file, func(t *testing.T) { h.runEvent(t, folder, name) })
		}
	}
	for file := range goodCases {
		if !seen[file] {
			t.Errorf("goodCases has %s, which is not in events/", file)
		}
	}
	t.Run("origin-verify", h.runOriginVerify)
	t.Run("authorizer", h.runAuthorizer)
	t.Run("hooks/pre-signup-allowlist", h.runHook)
	t.Run("hooks/custom-message", h.runCustomMessageHook)
	h.runSampleHooks(t)
	t.Run("rotate-keys", h.runRotateKeys)
}

func (h *harness) runEvent(t *testing.T, folder, name string) {
	want := eventstest.Expected(folder, name)
	file := path.Join(folder, name)
	gc, known := goodCases[file]
	var values map[string]string
	if want.Good() && gc.setup != nil {
		values = gc.setup(t, h)
	}
	v := h.values(values)
	resp := h.invoke(t, folder, name, v)

	switch {
	case want.ErrorType != "":
		// Malformed, misrouted or unsigned: a Cognito error, never a Lambda error.
		wantCognitoError(t, resp, want.Status, want.ErrorType)
	case !want.Good():
		if resp.StatusCode != want.Status {
			t.Fatalf("got %d %s; events/README.md promises %d", resp.StatusCode, resp.Body, want.Status)
		}
	case name == "options-preflight.json":
		if resp.StatusCode != http.StatusOK || header(resp, "Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(header(resp, "Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(header(resp, "Access-Control-Allow-Headers"), "x-amz-target") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Headers)
		}
	default:
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s %s; events/README.md promises 200", resp.StatusCode, header(resp, "X-Amzn-Errortype"), resp.Body)
		}
		if folder != "oauth" && header(resp, "Content-Type") != cognito.ContentType {
			t.Errorf("content-type %q", header(resp, "Content-Type"))
		}
		if !known {
			t.Fatalf("no goodCases entry for %s: say what state it assumes and what its answer holds", file)
		}
		gc.check(t, h, decode(t, resp), v)
	}
}

// runOriginVerify: a request that did not come through the distribution (no or a wrong origin
// secret, or no original host to take the issuer from) is refused by every function, in
// Cognito's shape.
func (h *harness) runOriginVerify(t *testing.T) {
	edits := map[string]func(map[string]string){
		"missing secret": func(hd map[string]string) { delete(hd, "x-cognate-origin-verify") },
		"wrong secret":   func(hd map[string]string) { hd["x-cognate-origin-verify"] = "events-origin-secret-0123456780" },
		"empty secret":   func(hd map[string]string) { hd["x-cognate-origin-verify"] = "" },
		"no edge host":   func(hd map[string]string) { delete(hd, "x-cognate-original-host") },
		"bad edge host":  func(hd map[string]string) { hd["x-cognate-original-host"] = "evil.example/path" },
	}
	probes := map[string]string{ // one event per function
		"signup": "SignUp.json", "auth": "InitiateAuth.json", "token": "GetTokensFromRefreshToken.json",
		"account": "GetUser.json", "admin": "ListUserPools.json", "oauth": "jwks.json",
	}
	for _, folder := range httpFolders {
		for what, edit := range edits {
			t.Run(folder+"/"+what, func(t *testing.T) {
				ev := h.request(t, folder, probes[folder], h.newUser().values())
				edit(ev.Headers)
				wantCognitoError(t, h.send(t, folder, ev), http.StatusForbidden, "ForbiddenException")
			})
		}
	}
	// Nothing was written on the way: the probe's user does not exist.
	u := h.newUser()
	ev := h.request(t, "signup", "SignUp.json", u.values())
	delete(ev.Headers, "x-cognate-origin-verify")
	wantCognitoError(t, h.send(t, "signup", ev), http.StatusForbidden, "ForbiddenException")
	h.fails(t, "admin", "AdminGetUser.json", u.values(), http.StatusBadRequest, "UserNotFoundException")
	if msgs := seslocal.Messages(t, h.b.sesEndpoint, u.email); len(msgs) != 0 {
		t.Errorf("a refused SignUp sent %d mails", len(msgs))
	}
}

// runAuthorizer runs events/authorizer through authorizer.Handler as functions/authorizer/main.go
// starts it: a runtime of its own (a cold start of another function on the same table) with
// COGNATE_ISSUER_BASE set, since API Gateway calls it directly, and the policy from its environment.
func (h *harness) runAuthorizer(t *testing.T) {
	env := with(h.env, "COGNATE_ISSUER_BASE", "https://"+edgeHost,
		"COGNATE_AUTHORIZER_POOL_IDS", h.pool, "COGNATE_AUTHORIZER_CLIENT_IDS", h.appID)
	d := h.b.start(t, "authorizer", env)
	fn := func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (resp events.APIGatewayV2CustomAuthorizerSimpleResponse, err error) {
		err = d.invoke(ctx, ev, &resp)
		return resp, err
	}

	u := h.signedIn(t)
	names, err := eventstest.Files("authorizer")
	if err != nil {
		t.Fatal(err)
	}
	authorize := func(t *testing.T, name string, v map[string]string) events.APIGatewayV2CustomAuthorizerSimpleResponse {
		t.Helper()
		raw, err := eventstest.Read("authorizer", name)
		if err != nil {
			t.Fatal(err)
		}
		filled, err := eventstest.Fill(raw, h.values(v))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(filled, &ev); err != nil {
			t.Fatal(err)
		}
		resp, err := fn(t.Context(), ev)
		if err != nil {
			t.Fatalf("the authorizer returned a Lambda error (API Gateway would answer 500): %v", err)
		}
		return resp
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			resp := authorize(t, name, u.values())
			switch name {
			case "access-token.json":
				want := map[string]any{"sub": u.sub, "username": u.name, "client_id": h.appID,
					"scope": "aws.cognito.signin.user.admin", "groups": "", "pool_id": h.pool}
				if !resp.IsAuthorized || !reflect.DeepEqual(resp.Context, want) {
					t.Errorf("access token: authorized %v context %v; want true %v", resp.IsAuthorized, resp.Context, want)
				}
			case "id-token.json", "malformed-token.json":
				if resp.IsAuthorized || resp.Context != nil {
					t.Errorf("%s admitted: %+v", name, resp)
				}
			default:
				t.Fatalf("events/authorizer/%s: add its expectation", name)
			}
		})
	}
	t.Run("revoked access token", func(t *testing.T) {
		wantEmpty(t, h.ok(t, "account", "GlobalSignOut.json", u.values()))
		if resp := authorize(t, "access-token.json", u.values()); resp.IsAuthorized {
			t.Errorf("a signed-out access token was admitted: %+v", resp)
		}
	})
}

// runRotateKeys runs events/rotate-keys through Runtime.RotateKeysHandler as
// functions/rotate-keys/main.go starts it: a runtime of its own, the settings from the
// environment template.yaml gives the function, the event decoded as the Lambda runtime decodes
// it. Every pool's keys are minutes old, so a run visits them all, rotates and fails none, and
// the published keys stay as they were.
func (h *harness) runRotateKeys(t *testing.T) {
	d := h.b.start(t, "rotate-keys", with(h.env, "COGNATE_ROTATE_AFTER_DAYS", "90"))
	fn := func(ctx context.Context, ev events.EventBridgeEvent) (rep awsapp.RotateReport, err error) {
		err = d.invoke(ctx, ev, &rep)
		return rep, err
	}
	names, err := eventstest.Files("rotate-keys")
	if err != nil {
		t.Fatal(err)
	}
	before := h.fetchJWKS(t, h.pool)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			raw, err := eventstest.Read("rotate-keys", name)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.EventBridgeEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			rep, err := fn(t.Context(), ev)
			t.Logf("report: %+v", rep)
			if err != nil {
				t.Fatalf("the rotation failed: %v (%+v)", err, rep)
			}
			if rep.Pools < 1 || len(rep.Rotated) != 0 || rep.Pending != 0 || rep.Failed != 0 {
				t.Errorf("report %+v: want every pool visited (at least %s), none rotated or failed", rep, h.pool)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("the report does not marshal as the Lambda result: %v", err)
			}
			if after := h.fetchJWKS(t, h.pool); !reflect.DeepEqual(before, after) {
				t.Errorf("a run with nothing due changed the JWKS: %v, then %v", before, after)
			}
		})
	}
}

// runHook runs events/hooks/pre-signup-allowlist through allowlist.Handler as
// functions/hooks/pre-signup-allowlist/main.go starts it, with ALLOWED_EMAIL_DOMAINS=example.com.
func (h *harness) runHook(t *testing.T) {
	d := h.b.start(t, "hooks/pre-signup-allowlist", map[string]string{"ALLOWED_EMAIL_DOMAINS": "example.com"})
	fn := func(ctx context.Context, ev events.CognitoEventUserPoolsPreSignup) (out events.CognitoEventUserPoolsPreSignup, err error) {
		err = d.invoke(ctx, ev, &out)
		return out, err
	}
	names, err := eventstest.Files("hooks/pre-signup-allowlist")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			raw, err := eventstest.Read("hooks/pre-signup-allowlist", name)
			if err != nil {
				t.Fatal(err)
			}
			if eventstest.Placeholder.Match(raw) {
				t.Fatal("hook events carry no placeholders")
			}
			var ev events.CognitoEventUserPoolsPreSignup
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			out, err := fn(t.Context(), ev)
			switch {
			case strings.HasPrefix(name, "allowed-"):
				if err != nil || !reflect.DeepEqual(out, ev) {
					t.Errorf("allowed sign-up: %v, event changed: %v", err, !reflect.DeepEqual(out, ev))
				}
			case strings.HasPrefix(name, "denied-"):
				var fe *functionError
				if !errors.As(err, &fe) || fe.Message != allowlist.ErrNotAllowed.Error() {
					t.Errorf("denied sign-up: err %v, want the function's error %q", err, allowlist.ErrNotAllowed)
				}
			default:
				t.Fatalf("events/hooks/pre-signup-allowlist/%s: name it allowed-* or denied-*", name)
			}
		})
	}
}

// runCustomMessageHook runs events/hooks/custom-message through brandedmail.Handler as
// functions/hooks/custom-message/main.go starts it: every answer keeps the placeholders the user
// pool fills in, within Cognito's limits.
func (h *harness) runCustomMessageHook(t *testing.T) {
	d := h.b.start(t, "hooks/custom-message", map[string]string{"BRAND_NAME": "Acme"})
	fn := func(ctx context.Context, ev events.CognitoEventUserPoolsCustomMessage) (out events.CognitoEventUserPoolsCustomMessage, err error) {
		err = d.invoke(ctx, ev, &out)
		return out, err
	}
	names, err := eventstest.Files("hooks/custom-message")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			raw, err := eventstest.Read("hooks/custom-message", name)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.CognitoEventUserPoolsCustomMessage
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			out, err := fn(t.Context(), ev)
			if err != nil {
				t.Fatal(err)
			}
			r := out.Response
			if !strings.Contains(r.EmailMessage, ev.Request.CodeParameter) || !strings.Contains(r.SMSMessage, ev.Request.CodeParameter) ||
				r.EmailSubject == "" || !strings.Contains(r.EmailSubject, "Acme") {
				t.Errorf("answer %+v", r)
			}
			if ev.Request.UsernameParameter != "" && !strings.Contains(r.EmailMessage, ev.Request.UsernameParameter) {
				t.Errorf("an invitation without the username: %q", r.EmailMessage)
			}
			if len(r.EmailMessage) > 20000 || len(r.EmailSubject) > 140 || len(r.SMSMessage) > 140 {
				t.Errorf("over Cognito's limits: %d, %d, %d", len(r.EmailMessage), len(r.EmailSubject), len(r.SMSMessage))
			}
		})
	}
}
