package token

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"regexp"
	"testing"

	"github.com/cognatehq/cognate/pkg/signer"
)

func TestJWKSShape(t *testing.T) {
	s := loadTestSigner(t)
	keys, err := s.PublicKeys(context.Background(), poolA)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := JWKS(keys)
	if err != nil {
		t.Fatal(err)
	}
	// Exact member order of Cognito's document, unpadded base64url n.
	re := regexp.MustCompile(`^\{"keys":\[\{"alg":"RS256","e":"AQAB","kid":"[A-Za-z0-9_-]+","kty":"RSA","n":"[A-Za-z0-9_-]{342}","use":"sig"\},\{"alg":"RS256","e":"AQAB","kid":"[A-Za-z0-9_-]+","kty":"RSA","n":"[A-Za-z0-9_-]{342}","use":"sig"\}\]\}$`)
	if !re.Match(doc) {
		t.Fatalf("JWKS = %s", doc)
	}
	var parsed struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.Keys[0].Kid != keys[0].Kid || parsed.Keys[1].Kid != keys[1].Kid {
		t.Fatal("kids or order changed")
	}

	empty, err := JWKS(nil)
	if err != nil || string(empty) != `{"keys":[]}` {
		t.Fatalf("empty JWKS = %s, %v", empty, err)
	}
	// Unusual exponents and a leading-zero-free n still encode minimally.
	small := signer.PublicKey{Kid: "k", Key: &rsa.PublicKey{N: big.NewInt(0x0100), E: 3}}
	if doc, _ := JWKS([]signer.PublicKey{small}); string(doc) != `{"keys":[{"alg":"RS256","e":"Aw","kid":"k","kty":"RSA","n":"AQA","use":"sig"}]}` {
		t.Fatalf("JWKS = %s", doc)
	}
	for _, bad := range []signer.PublicKey{{Kid: "k"}, {Kid: "../x", Key: small.Key}, {Kid: "k", Key: &rsa.PublicKey{E: 3}}} {
		if _, err := JWKS([]signer.PublicKey{bad}); err == nil {
			t.Errorf("JWKS accepted %+v", bad)
		}
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	doc, err := OpenIDConfiguration(issuerA)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"authorization_endpoint":"https://cognito-idp.us-east-1.amazonaws.com/oauth2/authorize",` +
		`"code_challenge_methods_supported":["S256"],` +
		`"end_session_endpoint":"https://cognito-idp.us-east-1.amazonaws.com/logout",` +
		`"id_token_signing_alg_values_supported":["RS256"],` +
		`"issuer":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPoolA",` +
		`"jwks_uri":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPoolA/.well-known/jwks.json",` +
		`"response_types_supported":["code","token"],` +
		`"revocation_endpoint":"https://cognito-idp.us-east-1.amazonaws.com/oauth2/revoke",` +
		`"scopes_supported":["openid","email","phone","profile"],` +
		`"subject_types_supported":["public"],` +
		`"token_endpoint":"https://cognito-idp.us-east-1.amazonaws.com/oauth2/token",` +
		`"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"],` +
		`"userinfo_endpoint":"https://cognito-idp.us-east-1.amazonaws.com/oauth2/userInfo"}`
	if string(doc) != want {
		t.Fatalf("got  %s\nwant %s", doc, want)
	}

	local, err := OpenIDConfiguration("http://127.0.0.1:9229/local_abc")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(local, &m); err != nil {
		t.Fatal(err)
	}
	if m["token_endpoint"] != "http://127.0.0.1:9229/oauth2/token" || m["jwks_uri"] != "http://127.0.0.1:9229/local_abc/.well-known/jwks.json" {
		t.Fatalf("local discovery: %s", local)
	}
	for _, ok := range []string{"http://localhost:9229/p", "http://[::1]:9229/p", "https://auth.example.com/base/us-east-1_X"} {
		if _, err := OpenIDConfiguration(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "us-east-1_X", "ftp://h/p", "http://example.com/p", "https://h", "https://h/",
		"https://h/p/", "https://h/p?x=1", "https://h/p#f", "https://u@h/p", "https:///p", "https://h/p%2Fq"} {
		if _, err := OpenIDConfiguration(bad); err == nil {
			t.Errorf("issuer %q accepted", bad)
		}
	}
}
