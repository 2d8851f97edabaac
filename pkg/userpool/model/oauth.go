package model

import (
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// CustomDomainConfigType is a custom domain's TLS certificate (an ACM ARN; Cognate stores it and
// serves nothing with it).
type CustomDomainConfigType struct {
	CertificateArn string `cognito:"required,min=20,max=2048,pattern=arn"`
}

// DomainDescriptionType is a user-pool domain as DescribeUserPoolDomain returns it; it is also
// the domain's record at rest (store.DomainKey). Every field is omitted when empty: an unknown
// domain is answered with an empty description, as Cognito answers it.
type DomainDescriptionType struct {
	UserPoolId             string                  `json:",omitempty"`
	AWSAccountId           string                  `json:",omitempty"`
	Domain                 string                  `json:",omitempty"`
	S3Bucket               string                  `json:",omitempty"`
	CloudFrontDistribution string                  `json:",omitempty"`
	Version                string                  `json:",omitempty"`
	Status                 string                  `json:",omitempty"`
	CustomDomainConfig     *CustomDomainConfigType `json:",omitempty"`
	ManagedLoginVersion    *int32                  `json:",omitempty"`
}

// ResourceServerScopeType is one custom scope of a resource server.
type ResourceServerScopeType struct {
	ScopeName        string `cognito:"required,min=1,max=256,pattern=scopeName"`
	ScopeDescription string `cognito:"required,min=1,max=256"`
}

// ResourceServerType is a resource server as Describe/Create/UpdateResourceServer return it, and
// its record at rest (store.ResourceServerKey).
type ResourceServerType struct {
	UserPoolId string                    `json:",omitempty"`
	Identifier string                    `json:",omitempty"`
	Name       string                    `json:",omitempty"`
	Scopes     []ResourceServerScopeType `json:",omitempty"`
}

// Scope tells whether the resource server declares a scope name.
func (rs *ResourceServerType) Scope(name string) bool {
	return slices.ContainsFunc(rs.Scopes, func(s ResourceServerScopeType) bool { return s.ScopeName == name })
}

// MaxResourceServers is Cognito's quota of resource servers per pool.
const MaxResourceServers = 25

// StandardScopes are the scopes every pool has (cognito-protocol.md §8).
var StandardScopes = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}

var oauthFlows = []string{"code", "implicit", "client_credentials"}

// SplitScope splits a custom scope "<resource server identifier>/<scope name>" at its last '/'
// (an identifier may hold '/', as URLs do; a scope name never does); ok is false for a scope
// without one.
func SplitScope(scope string) (identifier, name string, ok bool) {
	i := strings.LastIndexByte(scope, '/')
	if i <= 0 || i == len(scope)-1 {
		return "", "", false
	}
	return scope[:i], scope[i+1:], true
}

// OAuthCheck is what ValidateOAuthSettings needs to know beyond the settings: whether the client
// has a secret, the pool's identity providers, and whether a custom scope exists.
type OAuthCheck struct {
	PoolID      string
	HasSecret   bool
	ScopeExists func(identifier, name string) (bool, error)
}

// ValidateOAuthSettings checks a client's OAuth settings as Cognito checks them on
// Create/UpdateUserPoolClient (docs/oauth.md, "Client OAuth settings").
func ValidateOAuthSettings(in *ClientSettings, chk OAuthCheck) error {
	for _, f := range in.AllowedOAuthFlows {
		if !slices.Contains(oauthFlows, f) {
			return cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]", strings.Join(in.AllowedOAuthFlows, ", "))
		}
	}
	clientCredentials := slices.Contains(in.AllowedOAuthFlows, "client_credentials")
	userFlows := slices.Contains(in.AllowedOAuthFlows, "code") || slices.Contains(in.AllowedOAuthFlows, "implicit")
	if clientCredentials && userFlows {
		return cognito.InvalidOAuthFlow("client_credentials flow can not be selected along with code flow or implicit flow.")
	}
	if clientCredentials && !chk.HasSecret {
		return cognito.InvalidOAuthFlow("client_credentials flow can not be selected if client does not have a client secret.")
	}
	for _, p := range in.SupportedIdentityProviders {
		if p != "COGNITO" { // the only provider until federation lands
			return cognito.InvalidParameter("The provider %s does not exist for User Pool %s", p, chk.PoolID)
		}
	}
	for _, s := range in.AllowedOAuthScopes {
		if slices.Contains(StandardScopes, s) {
			if clientCredentials {
				return cognito.InvalidOAuthFlow("%s is not supported with client_credentials flow", s)
			}
			continue
		}
		id, name, ok := SplitScope(s)
		found := false
		if ok {
			var err error
			if found, err = chk.ScopeExists(id, name); err != nil {
				return err
			}
		}
		if !found {
			return cognito.ScopeDoesNotExist("Invalid scope requested: %s", s)
		}
	}
	if err := validateRedirects("callback", in.CallbackURLs); err != nil {
		return err
	}
	if err := validateRedirects("logout", in.LogoutURLs); err != nil {
		return err
	}
	if in.DefaultRedirectURI != "" {
		if err := validateRedirect(in.DefaultRedirectURI); err != nil {
			return err
		}
		if !slices.Contains(in.CallbackURLs, in.DefaultRedirectURI) {
			return cognito.InvalidParameter("DefaultRedirectURI %s must be one of the CallbackURLs.", in.DefaultRedirectURI)
		}
	}
	if in.AllowedOAuthFlowsUserPoolClient {
		if len(in.AllowedOAuthFlows) == 0 || len(in.AllowedOAuthScopes) == 0 {
			return cognito.InvalidParameter("AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.")
		}
		if userFlows && len(in.CallbackURLs) == 0 {
			return cognito.InvalidOAuthFlow("CallbackUrls can not be empty when code flow or implicit flow is selected")
		}
	}
	return nil
}

func validateRedirects(kind string, urls []string) error {
	seen := map[string]bool{}
	for _, u := range urls {
		if err := validateRedirect(u); err != nil {
			return err
		}
		if seen[u] {
			return cognito.InvalidParameter("Duplicate %s URL %s.", kind, u)
		}
		seen[u] = true
	}
	return nil
}

// validateRedirect checks one callback or logout URL: absolute, no fragment, no user
// information, https, or http to a loopback host (localhost, 127.0.0.1, [::1]).
func validateRedirect(raw string) error {
	if len(raw) > 1024 {
		return msg.InvalidRedirectURL(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" || strings.ContainsAny(raw, "\\ \t\r\n") {
		return msg.InvalidRedirectURL(raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return cognito.InvalidParameter("%s must not contain a fragment.", raw)
	}
	if u.User != nil {
		return cognito.InvalidParameter("%s must not contain user information.", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return cognito.InvalidParameter("%s cannot use the HTTP protocol.", raw)
		}
	default:
		// Custom schemes (myapp://callback) are allowed for native apps, as on Cognito.
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
