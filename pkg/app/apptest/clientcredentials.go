package apptest

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/authorizer"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// The token endpoint's client_credentials grant (issue 14 item 2, part; docs/oauth.md
// "client_credentials"), through golang.org/x/oauth2/clientcredentials against the running
// server, and PreTokenGeneration V3_0 for it.
func runClientCredentialsTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("ClientCredentials", func(t *testing.T) { testClientCredentials(t, Start(t, newTable)) })
	t.Run("ClientCredentialsErrors", func(t *testing.T) { testClientCredentialsErrors(t, Start(t, newTable)) })
	t.Run("ClientCredentialsPreToken", func(t *testing.T) { testClientCredentialsPreToken(t, newTable) })
	t.Run("ClientCredentialsAuthorizer", func(t *testing.T) { testClientCredentialsAuthorizer(t, Start(t, newTable)) })
}

// m2m is a pool with a resource server and a confidential client allowed client_credentials.
type m2m struct {
	fixture
	id, secret string
}

const (
	ccResource = "https://api.example.com"
	ccRead     = ccResource + "/read"
	ccWrite    = ccResource + "/write"
)

func newM2M(t *testing.T, e *Env, mod func(*cip.CreateUserPoolInput)) m2m {
	t.Helper()
	f := newPool(t, e, mod)
	must(e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(f.poolID), Identifier: aws.String(ccResource),
		Name: aws.String("api"), Scopes: []types.ResourceServerScopeType{
			{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")},
			{ScopeName: aws.String("write"), ScopeDescription: aws.String("write")},
			{ScopeName: aws.String("admin"), ScopeDescription: aws.String("admin")}}}))(t)
	c := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(f.poolID), ClientName: aws.String("m2m"),
		GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"},
		AllowedOAuthScopes: []string{ccRead, ccWrite}, AccessTokenValidity: aws.Int32(30),
		TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}}))(t).UserPoolClient
	return m2m{fixture: f, id: aws.ToString(c.ClientId), secret: aws.ToString(c.ClientSecret)}
}

func (m m2m) config(scopes ...string) *clientcredentials.Config {
	return &clientcredentials.Config{ClientID: m.id, ClientSecret: m.secret, TokenURL: m.env.URL + "/oauth2/token",
		Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
}

// verifyWithJWKS checks raw's RS256 signature with the pool's published keys and returns its claims.
func verifyWithJWKS(t *testing.T, e *Env, poolID, raw string) (jwt.MapClaims, map[string]any) {
	t.Helper()
	resp, err := http.Get(e.URL + "/" + poolID + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var header map[string]any
	tok, err := jwt.Parse(raw, func(tk *jwt.Token) (any, error) {
		header = tk.Header
		for _, k := range set.Keys {
			if k.Kid == tk.Header["kid"] {
				n, err1 := base64.RawURLEncoding.DecodeString(k.N)
				x, err2 := base64.RawURLEncoding.DecodeString(k.E)
				if err := errors.Join(err1, err2); err != nil {
					return nil, err
				}
				return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(x).Int64())}, nil
			}
		}
		return nil, errors.New("kid not in the JWKS")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(e.Clock.Now))
	if err != nil {
		t.Fatalf("the token does not verify with the pool's JWKS: %v", err)
	}
	return tok.Claims.(jwt.MapClaims), header
}

func testClientCredentials(t *testing.T, e *Env) {
	m := newM2M(t, e, nil)
	for _, tc := range []struct {
		name   string
		style  oauth2.AuthStyle
		scopes []string
		want   string
	}{
		{"basic, every scope of the client by default", oauth2.AuthStyleInHeader, nil, ccRead + " " + ccWrite},
		{"post, one scope", oauth2.AuthStyleInParams, []string{ccWrite}, ccWrite},
		{"basic, both scopes asked for", oauth2.AuthStyleInHeader, []string{ccWrite, ccRead}, ccWrite + " " + ccRead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := m.config(tc.scopes...)
			cfg.AuthStyle = tc.style
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || tok.RefreshToken != "" || tok.Extra("id_token") != nil {
				t.Fatalf("token %+v", tok)
			}
			if ei, _ := tok.Extra("expires_in").(float64); ei != 1800 {
				t.Fatalf("expires_in %v, want the client's 30 minutes", tok.Extra("expires_in"))
			}
			c, header := verifyWithJWKS(t, e, m.poolID, tok.AccessToken)
			if len(header) != 2 || header["alg"] != "RS256" {
				t.Fatalf("header %v", header)
			}
			now := float64(e.Clock.Now().Unix())
			if c["sub"] != m.id || c["client_id"] != m.id || c["token_use"] != "access" || c["scope"] != tc.want ||
				c["iss"] != e.URL+"/"+m.poolID || c["version"] != float64(2) || c["jti"] == nil ||
				c["iat"] != now || c["auth_time"] != now || c["exp"] != now+1800 {
				t.Fatalf("claims %v", c)
			}
			for _, absent := range []string{"username", "cognito:groups", "origin_jti", "event_id", "aud", "device_key"} {
				if _, ok := c[absent]; ok {
					t.Fatalf("a client_credentials token carries %s: %v", absent, c)
				}
			}
			if len(c) != 10 {
				t.Fatalf("claims %v: want exactly Cognito's ten", c)
			}
		})
	}

	// The raw answer: Cognito's members and the no-store headers.
	resp := ccPost(t, e, url.Values{"grant_type": {"client_credentials"}, "client_id": {m.id}, "client_secret": {m.secret}}, "")
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, body %v, %v", resp.StatusCode, body, err)
	}
	if len(body) != 3 || body["token_type"] != "Bearer" || body["expires_in"] != float64(1800) || body["access_token"] == nil ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("answer %v, headers %v", body, resp.Header)
	}
}

func ccPost(t *testing.T, e *Env, form url.Values, basic string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func testClientCredentialsErrors(t *testing.T, e *Env) {
	m := newM2M(t, e, nil)
	// A public client of the same pool, and a confidential one without client_credentials.
	noFlow := must(e.Client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(m.poolID), ClientName: aws.String("web"),
		GenerateSecret: true}))(t).UserPoolClient
	b64 := func(id, secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	}
	good := url.Values{"grant_type": {"client_credentials"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name    string
		form    url.Values
		basic   string
		status  int
		code    string
		wwwAuth bool
	}{
		{"wrong secret over basic", good, b64(m.id, m.secret+"x"), 401, "invalid_client", true},
		{"wrong secret in the body", with("client_id", m.id, "client_secret", "nope"), "", 400, "invalid_client", false},
		{"no secret", with("client_id", m.id), "", 400, "invalid_client", false},
		{"unknown client", good, b64("1example23456789012345678", "secret"), 401, "invalid_client", true},
		{"no client at all", good, "", 400, "invalid_client", false},
		{"no client_credentials flow", good, b64(aws.ToString(noFlow.ClientId), aws.ToString(noFlow.ClientSecret)), 400, "unauthorized_client", false},
		{"a scope the client is not allowed", with("scope", ccResource+"/admin"), b64(m.id, m.secret), 400, "invalid_scope", false},
		{"a standard scope", with("scope", "openid"), b64(m.id, m.secret), 400, "invalid_scope", false},
		{"basic and body both", with("client_id", m.id, "client_secret", m.secret), b64(m.id, m.secret), 400, "invalid_request", false},
		{"authorization_code for a client without the code flow", with("grant_type", "authorization_code", "code", "x"), b64(m.id, m.secret), 400, "unauthorized_client", false},
		{"unknown refresh token", with("grant_type", "refresh_token", "refresh_token", "x"), b64(m.id, m.secret), 400, "invalid_grant", false},
		{"password", with("grant_type", "password"), b64(m.id, m.secret), 400, "unsupported_grant_type", false},
		{"no grant_type", url.Values{}, b64(m.id, m.secret), 400, "invalid_request", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := ccPost(t, e, tc.form, tc.basic)
			var body struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || body.Error != tc.code || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("status %d error %q, want %d %q", resp.StatusCode, body.Error, tc.status, tc.code)
			}
			if got := resp.Header.Get("WWW-Authenticate") != ""; got != tc.wwwAuth {
				t.Fatalf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("through x/oauth2", func(t *testing.T) {
		cfg := m.config(ccResource + "/admin")
		_, err := cfg.Token(ctx)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("GET is 405", func(t *testing.T) {
		resp, err := http.Get(e.URL + "/oauth2/token?grant_type=client_credentials&client_id=" + m.id + "&client_secret=" + m.secret)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Fatalf("status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
	t.Run("not a form", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/oauth2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(m.id, m.secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// PreTokenGeneration V3_0 fires TokenGeneration_ClientCredentials and may add claims and scopes
// (the claims the token sets itself stay); V2_0 and V1_0 functions are not called for it.
func testClientCredentialsPreToken(t *testing.T, newTable storetest.NewTable) {
	hook, inv := StartHook(t, preTokenARN)
	e := StartWith(t, newTable, func(o *local.Options) { o.Triggers = inv })
	setVersion := func(m m2m, v types.PreTokenGenerationLambdaVersionType) {
		must(e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(m.poolID), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
			LambdaConfig: &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
				LambdaVersion: v, LambdaArn: aws.String(preTokenARN)}}}))(t)
		e.Clock.Advance(10 * time.Second) // past the config cache
	}
	m := newM2M(t, e, nil)

	t.Run("V3_0 adds a claim and a scope", func(t *testing.T) {
		setVersion(m, types.PreTokenGenerationLambdaVersionTypeV30)
		hook.Script(t, `{"response": {"claimsAndScopeOverrideDetails": {
			"idTokenGeneration": {"claimsToAddOrOverride": {"ignored": "no ID token"}},
			"accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme", "sub": "someone-else", "client_id": "x"},
				"scopesToAdd": ["extra/scope"], "scopesToSuppress": ["`+ccWrite+`"]}}}}`)
		before := len(hook.Events(t))
		tok, err := m.config().Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := verifyWithJWKS(t, e, m.poolID, tok.AccessToken)
		if c["tenant"] != "acme" || c["sub"] != m.id || c["client_id"] != m.id || c["scope"] != ccRead+" extra/scope" || c["ignored"] != nil {
			t.Fatalf("claims %v", c)
		}
		if n := len(hook.Events(t)); n != before+1 {
			t.Fatalf("%d calls, want 1", n-before)
		}
		var ev events.CognitoEventUserPoolsPreTokenGenV2_0
		hook.Last(t, &ev)
		if ev.TriggerSource != "TokenGeneration_ClientCredentials" || ev.Version != "3" || ev.UserPoolID != m.poolID ||
			ev.CallerContext.ClientID != m.id || strings.Join(ev.Request.Scopes, " ") != ccRead+" "+ccWrite {
			t.Fatalf("the function got %+v", ev)
		}
	})

	t.Run("a failure issues no token", func(t *testing.T) {
		hook.Script(t, `{"error": "claims service down"}`)
		if _, err := m.config().Token(ctx); err == nil {
			t.Fatal("a token despite the failing function")
		}
		hook.Script(t, `{}`)
	})

	for _, v := range []types.PreTokenGenerationLambdaVersionType{types.PreTokenGenerationLambdaVersionTypeV20, types.PreTokenGenerationLambdaVersionTypeV10} {
		t.Run(string(v)+" is not called", func(t *testing.T) {
			setVersion(m, v)
			hook.Script(t, `{"error": "must not be called"}`)
			before := len(hook.Events(t))
			tok, err := m.config(ccWrite).Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := verifyWithJWKS(t, e, m.poolID, tok.AccessToken); c["scope"] != ccWrite {
				t.Fatalf("claims %v", c)
			}
			if n := len(hook.Events(t)); n != before {
				t.Fatalf("the function was called %d times", n-before)
			}
			hook.Script(t, `{}`)
		})
	}
}

// A resource server's check of a client_credentials token: Cognate's API Gateway authorizer
// (pkg/authorizer over Service.VerifyAccessToken) admits it when it carries the scope the API
// requires, and refuses it otherwise, or once its client is deleted.
func testClientCredentialsAuthorizer(t *testing.T, e *Env) {
	m := newM2M(t, e, nil)
	tok, err := m.config(ccRead).Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		policy authorizer.Policy
		admit  bool
	}{
		{"scope held", authorizer.Policy{PoolIDs: []string{m.poolID}, RequiredScopes: []string{ccRead}}, true},
		{"client named", authorizer.Policy{PoolIDs: []string{m.poolID}, ClientIDs: []string{m.id}, RequiredScopes: []string{ccRead}}, true},
		{"scope not held", authorizer.Policy{PoolIDs: []string{m.poolID}, RequiredScopes: []string{ccWrite}}, false},
		{"another pool", authorizer.Policy{PoolIDs: []string{"us-east-1_Other0000"}, RequiredScopes: []string{ccRead}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := authorizer.Handler(e.App.Service.VerifyAccessToken, tc.policy)
			out, err := h(ctx, events.APIGatewayV2CustomAuthorizerV2Request{Headers: map[string]string{"authorization": "Bearer " + tok.AccessToken}})
			if err != nil || out.IsAuthorized != tc.admit {
				t.Fatalf("authorized %v (%v), want %v", out.IsAuthorized, err, tc.admit)
			}
			if tc.admit && (out.Context["client_id"] != m.id || out.Context["scope"] != ccRead) {
				t.Errorf("context %v", out.Context)
			}
		})
	}
	// The client deleted: its tokens stop being admitted.
	must(e.Client.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(m.poolID), ClientId: aws.String(m.id)}))(t)
	e.Clock.Advance(10 * time.Second) // past the configuration cache
	h := authorizer.Handler(e.App.Service.VerifyAccessToken, authorizer.Policy{PoolIDs: []string{m.poolID}, RequiredScopes: []string{ccRead}})
	if out, _ := h(ctx, events.APIGatewayV2CustomAuthorizerV2Request{Headers: map[string]string{"authorization": "Bearer " + tok.AccessToken}}); out.IsAuthorized {
		t.Error("a deleted client's token is still admitted")
	}
}
