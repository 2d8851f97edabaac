package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"

	"github.com/cognatehq/cognate/pkg/signer"
)

// jwk is one key of the JWKS. Field order is Cognito's (alphabetical).
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// JWKS renders {issuer}/.well-known/jwks.json for keys:
// {"keys":[{"alg":"RS256","e":"AQAB","kid":"…","kty":"RSA","n":"…","use":"sig"},…]}
// with n and e as unpadded base64url of their big-endian bytes (RFC 7518 §6.3.1).
func JWKS(keys []signer.PublicKey) ([]byte, error) {
	doc := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		if k.Key == nil || k.Key.N == nil || k.Key.E <= 0 || !signer.ValidKid(k.Kid) {
			return nil, fmt.Errorf("token: unusable public key %q", k.Kid)
		}
		doc.Keys = append(doc.Keys, jwk{
			Alg: "RS256",
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.Key.E)).Bytes()),
			Kid: k.Kid,
			Kty: "RSA",
			N:   base64.RawURLEncoding.EncodeToString(k.Key.N.Bytes()),
			Use: "sig",
		})
	}
	return json.Marshal(doc)
}

// OpenIDConfiguration renders {issuer}/.well-known/openid-configuration (protocol §8). The OAuth
// endpoints live at the issuer's origin under /oauth2/ (and /logout), as the local server and the
// edge router mount them; the JWKS sits under the issuer itself, as Cognito's does. The issuer
// must be https (http only for loopback hosts), without query, fragment, user info or trailing
// slash, since relying parties compare it byte for byte with iss (OA-11).
func OpenIDConfiguration(issuer string) ([]byte, error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil, fmt.Errorf("token: issuer: %w", err)
	}
	if err := checkIssuerURL(u, issuer); err != nil {
		return nil, err
	}
	origin := u.Scheme + "://" + u.Host
	doc := struct {
		AuthorizationEndpoint             string   `json:"authorization_endpoint"`
		CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
		EndSessionEndpoint                string   `json:"end_session_endpoint"`
		IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
		Issuer                            string   `json:"issuer"`
		JWKSURI                           string   `json:"jwks_uri"`
		ResponseTypesSupported            []string `json:"response_types_supported"`
		RevocationEndpoint                string   `json:"revocation_endpoint"`
		ScopesSupported                   []string `json:"scopes_supported"`
		SubjectTypesSupported             []string `json:"subject_types_supported"`
		TokenEndpoint                     string   `json:"token_endpoint"`
		TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
		UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	}{
		AuthorizationEndpoint: origin + "/oauth2/authorize",
		// Not in Cognito's document, but true (S256 only) and required by OA-11 / RFC 8414.
		CodeChallengeMethodsSupported:     []string{"S256"},
		EndSessionEndpoint:                origin + "/logout",
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		Issuer:                            issuer,
		JWKSURI:                           issuer + "/.well-known/jwks.json",
		ResponseTypesSupported:            []string{"code", "token"},
		RevocationEndpoint:                origin + "/oauth2/revoke",
		ScopesSupported:                   []string{"openid", "email", "phone", "profile"},
		SubjectTypesSupported:             []string{"public"},
		TokenEndpoint:                     origin + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		UserinfoEndpoint:                  origin + "/oauth2/userInfo",
	}
	return json.Marshal(doc)
}

func checkIssuerURL(u *url.URL, raw string) error {
	bad := func(why string) error { return fmt.Errorf("token: issuer %q: %s", raw, why) }
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("scheme must be https")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return bad("http is allowed only for loopback hosts")
	case u.Host == "" || u.User != nil:
		return bad("needs a host and no user info")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return bad("no query or fragment")
	case u.Path == "" || u.Path == "/" || strings.HasSuffix(u.Path, "/"):
		return bad("must end in /{poolId}, without a trailing slash")
	case u.String() != raw || strings.Contains(raw, "%"):
		return bad("not in canonical form (no percent-encoding)")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
