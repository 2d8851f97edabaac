package apptest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// The OAuth configuration (issue 14 item 1; docs/oauth.md "Configuration"): user-pool domains,
// resource servers, and the client's OAuth settings as Create/UpdateUserPoolClient check them.
func runOAuthConfigTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("PrefixDomain", func(t *testing.T) { testPrefixDomain(t, Start(t, newTable)) })
	t.Run("CustomDomain", func(t *testing.T) { testCustomDomain(t, Start(t, newTable)) })
	t.Run("ResourceServers", func(t *testing.T) { testResourceServers(t, Start(t, newTable)) })
	t.Run("ClientOAuthSettings", func(t *testing.T) { testClientOAuthSettings(t, Start(t, newTable)) })
}

func testPrefixDomain(t *testing.T, e *Env) {
	a, b := newPool(t, e, nil), newPool(t, e, nil)
	for _, bad := range []struct{ domain, msg string }{
		{"My-App", "The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$"},
		{"-app", ""}, {"app-", ""}, {"my_app", ""}, {strings.Repeat("a", 64), ""},
		{"myaws-app", "Domain cannot contain reserved word: aws"},
		{"amazonapp", "Domain cannot contain reserved word: amazon"},
		{"app-cognito", "Domain cannot contain reserved word: cognito"},
	} {
		_, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(a.poolID), Domain: aws.String(bad.domain)})
		wantErr(t, err, "InvalidParameterException", bad.msg)
	}
	out := must(e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(a.poolID), Domain: aws.String("my-app")}))(t)
	if aws.ToInt32(out.ManagedLoginVersion) != 1 || out.CloudFrontDomain != nil {
		t.Fatalf("CreateUserPoolDomain: %+v", out)
	}
	d := must(e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("my-app")}))(t).DomainDescription
	if aws.ToString(d.UserPoolId) != a.poolID || aws.ToString(d.Domain) != "my-app" || d.Status != types.DomainStatusTypeActive ||
		aws.ToString(d.AWSAccountId) == "" || aws.ToString(d.S3Bucket) == "" || aws.ToString(d.Version) == "" ||
		aws.ToInt32(d.ManagedLoginVersion) != 1 || d.CustomDomainConfig != nil {
		t.Fatalf("DescribeUserPoolDomain: %+v", d)
	}
	if p := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(a.poolID)}))(t).UserPool; aws.ToString(p.Domain) != "my-app" || p.CustomDomain != nil {
		t.Fatalf("DescribeUserPool: Domain %v CustomDomain %v", p.Domain, p.CustomDomain)
	}
	// UpdateUserPool replaces the pool's settings, not its domains.
	must(e.Client.UpdateUserPool(ctx, &cip.UpdateUserPoolInput{UserPoolId: aws.String(a.poolID), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}}))(t)
	if p := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(a.poolID)}))(t).UserPool; aws.ToString(p.Domain) != "my-app" {
		t.Fatalf("DescribeUserPool after UpdateUserPool: Domain %v", p.Domain)
	}
	_, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(a.poolID), Domain: aws.String("my-other-app")})
	wantErr(t, err, "InvalidParameterException", "User pool already has a domain configured.")
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(b.poolID), Domain: aws.String("my-app")})
	wantErr(t, err, "InvalidParameterException", "Domain already associated with another user pool.")

	unknown := must(e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("nobody-has-this")}))(t)
	if unknown.DomainDescription == nil || unknown.DomainDescription.Domain != nil || unknown.DomainDescription.UserPoolId != nil {
		t.Fatalf("an unknown domain: %+v", unknown.DomainDescription)
	}
	_, err = e.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(a.poolID)})
	wantErr(t, err, "InvalidParameterException", "User pool cannot be deleted. It has a domain configured that should be deleted first.")
	_, err = e.Client.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: aws.String(b.poolID), Domain: aws.String("my-app")})
	wantErr(t, err, "InvalidParameterException", "No such domain or user pool exists.")
	_, err = e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(b.poolID), Domain: aws.String("my-app"), ManagedLoginVersion: aws.Int32(2)})
	wantErr(t, err, "InvalidParameterException", "No such domain or user pool exists.")

	must(e.Client.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: aws.String(a.poolID), Domain: aws.String("my-app")}))(t)
	if d := must(e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("my-app")}))(t).DomainDescription; d.Domain != nil {
		t.Fatalf("a deleted domain: %+v", d)
	}
	if p := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(a.poolID)}))(t).UserPool; p.Domain != nil {
		t.Fatalf("DescribeUserPool after the delete: Domain %v", *p.Domain)
	}
	// The name is free again, for any pool; and a pool without domains can be deleted.
	must(e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(b.poolID), Domain: aws.String("my-app")}))(t)
	must(e.Client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(a.poolID)}))(t)
}

func testCustomDomain(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	const cert = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	_, err := e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("not-an-arn")}})
	wantErr(t, err, "InvalidParameterException", "")
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com")})
	wantErr(t, err, "InvalidParameterException", "") // without CustomDomainConfig it is a prefix, and dots are not allowed
	for _, bad := range []string{"example", "auth..example.com", "Auth.example.com", "auth.example.com."} {
		_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String(bad),
			CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}})
		wantErr(t, err, "InvalidParameterException", "")
	}
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}, ManagedLoginVersion: aws.Int32(3)})
	wantErr(t, err, "InvalidParameterException", "")

	out := must(e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}, ManagedLoginVersion: aws.Int32(2)}))(t)
	if !strings.HasSuffix(aws.ToString(out.CloudFrontDomain), ".cloudfront.net") || aws.ToInt32(out.ManagedLoginVersion) != 2 {
		t.Fatalf("CreateUserPoolDomain: %+v", out)
	}
	// A pool may have a prefix domain beside its custom domain, but one of each.
	must(e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("prefix-too")}))(t)
	_, err = e.Client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("login.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert)}})
	wantErr(t, err, "InvalidParameterException", "User pool already has a domain configured.")

	d := must(e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")}))(t).DomainDescription
	if aws.ToString(d.CloudFrontDistribution) != aws.ToString(out.CloudFrontDomain) || d.CustomDomainConfig == nil ||
		aws.ToString(d.CustomDomainConfig.CertificateArn) != cert || aws.ToInt32(d.ManagedLoginVersion) != 2 || aws.ToString(d.UserPoolId) != f.poolID {
		t.Fatalf("DescribeUserPoolDomain: %+v", d)
	}
	p := must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool
	if aws.ToString(p.CustomDomain) != "auth.example.com" || aws.ToString(p.Domain) != "prefix-too" {
		t.Fatalf("DescribeUserPool: Domain %v CustomDomain %v", p.Domain, p.CustomDomain)
	}

	const cert2 = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-2222-3333-4444-555555555555"
	up := must(e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert2)}, ManagedLoginVersion: aws.Int32(1)}))(t)
	if aws.ToInt32(up.ManagedLoginVersion) != 1 || aws.ToString(up.CloudFrontDomain) != aws.ToString(out.CloudFrontDomain) {
		t.Fatalf("UpdateUserPoolDomain: %+v", up)
	}
	d = must(e.Client.DescribeUserPoolDomain(ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("auth.example.com")}))(t).DomainDescription
	if aws.ToString(d.CustomDomainConfig.CertificateArn) != cert2 || aws.ToInt32(d.ManagedLoginVersion) != 1 {
		t.Fatalf("after UpdateUserPoolDomain: %+v", d)
	}
	_, err = e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("prefix-too"),
		CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String(cert2)}})
	wantErr(t, err, "InvalidParameterException", "")
	up = must(e.Client.UpdateUserPoolDomain(ctx, &cip.UpdateUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("prefix-too"), ManagedLoginVersion: aws.Int32(2)}))(t)
	if aws.ToInt32(up.ManagedLoginVersion) != 2 || up.CloudFrontDomain != nil {
		t.Fatalf("UpdateUserPoolDomain of a prefix domain: %+v", up)
	}

	must(e.Client.DeleteUserPoolDomain(ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: aws.String(f.poolID), Domain: aws.String("auth.example.com")}))(t)
	p = must(e.Client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(f.poolID)}))(t).UserPool
	if p.CustomDomain != nil || aws.ToString(p.Domain) != "prefix-too" {
		t.Fatalf("DescribeUserPool after deleting the custom domain: Domain %v CustomDomain %v", p.Domain, p.CustomDomain)
	}
}

func scopes(names ...string) []types.ResourceServerScopeType {
	var out []types.ResourceServerScopeType
	for _, n := range names {
		out = append(out, types.ResourceServerScopeType{ScopeName: aws.String(n), ScopeDescription: aws.String("the " + n + " scope")})
	}
	return out
}

func testResourceServers(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	pool := aws.String(f.poolID)
	rs := must(e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com"),
		Name: aws.String("Example API"), Scopes: scopes("read", "write")}))(t).ResourceServer
	if aws.ToString(rs.UserPoolId) != f.poolID || aws.ToString(rs.Identifier) != "https://api.example.com" || aws.ToString(rs.Name) != "Example API" || len(rs.Scopes) != 2 {
		t.Fatalf("CreateResourceServer: %+v", rs)
	}
	_, err := e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com"), Name: aws.String("Again")})
	wantErr(t, err, "InvalidParameterException", "https://api.example.com already exists in user pool "+f.poolID+".")
	for _, bad := range []*cip.CreateResourceServerInput{
		{UserPoolId: pool, Identifier: aws.String(`a"b`), Name: aws.String("n")},
		{UserPoolId: pool, Identifier: aws.String("x"), Name: aws.String("bad/name")},
		{UserPoolId: pool, Identifier: aws.String("x"), Name: aws.String("n"), Scopes: scopes("a/b")},
		{UserPoolId: pool, Identifier: aws.String("x"), Name: aws.String("n"), Scopes: scopes("dup", "dup")},
		{UserPoolId: pool, Identifier: aws.String(strings.Repeat("i", 257)), Name: aws.String("n")},
		{UserPoolId: pool, Identifier: aws.String("x"), Name: aws.String("n"), Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("s"), ScopeDescription: aws.String("")}}},
	} {
		_, err := e.Client.CreateResourceServer(ctx, bad)
		wantErr(t, err, "InvalidParameterException", "")
	}
	_, err = e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String("us-east-1_nope12345"), Identifier: aws.String("x"), Name: aws.String("n")})
	wantErr(t, err, "ResourceNotFoundException", "")

	got := must(e.Client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com")}))(t).ResourceServer
	if aws.ToString(got.Name) != "Example API" || len(got.Scopes) != 2 || aws.ToString(got.Scopes[1].ScopeName) != "write" {
		t.Fatalf("DescribeResourceServer: %+v", got)
	}
	_, err = e.Client.DescribeResourceServer(ctx, &cip.DescribeResourceServerInput{UserPoolId: pool, Identifier: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "")

	up := must(e.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com"),
		Name: aws.String("Renamed"), Scopes: scopes("admin")}))(t).ResourceServer
	if aws.ToString(up.Name) != "Renamed" || len(up.Scopes) != 1 || aws.ToString(up.Scopes[0].ScopeName) != "admin" {
		t.Fatalf("UpdateResourceServer: %+v", up)
	}
	_, err = e.Client.UpdateResourceServer(ctx, &cip.UpdateResourceServerInput{UserPoolId: pool, Identifier: aws.String("nope"), Name: aws.String("n")})
	wantErr(t, err, "ResourceNotFoundException", "")

	// 25 per pool; a page holds at most 50 and pages follow identifier order.
	for i := 1; i < 25; i++ {
		must(e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String(fmt.Sprintf("rs-%02d", i)), Name: aws.String("n")}))(t)
	}
	_, err = e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String("one-too-many"), Name: aws.String("n")})
	wantErr(t, err, "LimitExceededException", "")
	_, err = e.Client.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: pool, MaxResults: aws.Int32(51)})
	wantErr(t, err, "InvalidParameterException", "")
	var ids []string
	var next *string
	for pages := 0; ; pages++ {
		page := must(e.Client.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: pool, MaxResults: aws.Int32(10), NextToken: next}))(t)
		for _, r := range page.ResourceServers {
			ids = append(ids, aws.ToString(r.Identifier))
		}
		if next = page.NextToken; next == nil {
			break
		}
		if pages > 5 {
			t.Fatal("ListResourceServers does not end")
		}
	}
	if len(ids) != 25 || ids[0] != "https://api.example.com" || ids[1] != "rs-01" || ids[24] != "rs-24" {
		t.Fatalf("ListResourceServers: %d %v", len(ids), ids)
	}
	must(e.Client.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: pool, Identifier: aws.String("rs-01")}))(t)
	_, err = e.Client.DeleteResourceServer(ctx, &cip.DeleteResourceServerInput{UserPoolId: pool, Identifier: aws.String("rs-01")})
	wantErr(t, err, "ResourceNotFoundException", "")
	must(e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String("rs-25"), Name: aws.String("n")}))(t)
}

func testClientOAuthSettings(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	pool := aws.String(f.poolID)
	must(e.Client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool, Identifier: aws.String("https://api.example.com"),
		Name: aws.String("API"), Scopes: scopes("read")}))(t)
	web := func(in *cip.CreateUserPoolClientInput) {
		in.AllowedOAuthFlowsUserPoolClient = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{"code"}
		in.AllowedOAuthScopes = []string{"openid", "email"}
		in.CallbackURLs = []string{"https://app.example.com/callback"}
		in.SupportedIdentityProviders = []string{"COGNITO"}
	}
	machine := func(in *cip.CreateUserPoolClientInput) {
		in.GenerateSecret = true
		in.AllowedOAuthFlowsUserPoolClient = true
		in.AllowedOAuthFlows = []types.OAuthFlowType{"client_credentials"}
		in.AllowedOAuthScopes = []string{"https://api.example.com/read"}
	}
	for _, tc := range []struct {
		name     string
		base     func(*cip.CreateUserPoolClientInput)
		mod      func(*cip.CreateUserPoolClientInput)
		typ, msg string
	}{
		{name: "code flow", base: web},
		{name: "implicit with every standard scope", base: web, mod: func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows = []types.OAuthFlowType{"implicit", "code"}
			in.AllowedOAuthScopes = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin", "https://api.example.com/read"}
		}},
		{name: "http to localhost", base: web, mod: func(in *cip.CreateUserPoolClientInput) {
			in.CallbackURLs = []string{"http://localhost:3000/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb"}
			in.LogoutURLs = []string{"http://localhost:3000/"}
			in.DefaultRedirectURI = aws.String("http://localhost:3000/cb")
		}},
		{name: "a native app's scheme", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"myapp://callback"} }},
		{name: "client credentials", base: machine},
		{name: "settings stored without OAuth on", mod: func(in *cip.CreateUserPoolClientInput) {
			in.CallbackURLs = []string{"https://app.example.com/cb"}
		}},

		{name: "unknown flow", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlows = []types.OAuthFlowType{"code", "token"} },
			typ: "InvalidParameterException", msg: "1 validation error detected: Value '[code, token]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [implicit, client_credentials, code]]"},
		{name: "client credentials with code", base: machine, mod: func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows = []types.OAuthFlowType{"client_credentials", "code"}
		}, typ: "InvalidOAuthFlowException", msg: "client_credentials flow can not be selected along with code flow or implicit flow."},
		{name: "client credentials without a secret", base: machine, mod: func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = false },
			typ: "InvalidOAuthFlowException", msg: "client_credentials flow can not be selected if client does not have a client secret."},
		{name: "openid with client credentials", base: machine, mod: func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthScopes = []string{"openid", "https://api.example.com/read"}
		}, typ: "InvalidOAuthFlowException", msg: "openid is not supported with client_credentials flow"},
		{name: "unknown scope", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = []string{"openid", "Cognito"} },
			typ: "ScopeDoesNotExistException", msg: "Invalid scope requested: Cognito"},
		{name: "scope the resource server lacks", base: web, mod: func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthScopes = []string{"https://api.example.com/write"}
		}, typ: "ScopeDoesNotExistException", msg: "Invalid scope requested: https://api.example.com/write"},
		{name: "scope of no resource server", base: web, mod: func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthScopes = []string{"https://other.example.com/read"}
		}, typ: "ScopeDoesNotExistException", msg: "Invalid scope requested: https://other.example.com/read"},
		{name: "http elsewhere", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://app.example.com/cb"} },
			typ: "InvalidParameterException", msg: "http://app.example.com/cb cannot use the HTTP protocol."},
		{name: "http to a localhost look-alike", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://localhost.example.com/cb"} },
			typ: "InvalidParameterException", msg: "http://localhost.example.com/cb cannot use the HTTP protocol."},
		{name: "http logout URL", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.LogoutURLs = []string{"http://app.example.com/"} },
			typ: "InvalidParameterException", msg: "http://app.example.com/ cannot use the HTTP protocol."},
		{name: "fragment", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"https://app.example.com/cb#x"} },
			typ: "InvalidParameterException", msg: "https://app.example.com/cb#x must not contain a fragment."},
		{name: "relative URL", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"/cb"} },
			typ: "InvalidParameterException", msg: "/cb is not a valid URL: callback and logout URLs must be absolute."},
		{name: "user information", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"https://ok@evil.example.com/cb"} },
			typ: "InvalidParameterException", msg: "https://ok@evil.example.com/cb must not contain user information."},
		{name: "default redirect not a callback", base: web, mod: func(in *cip.CreateUserPoolClientInput) {
			in.DefaultRedirectURI = aws.String("https://app.example.com/other")
		},
			typ: "InvalidParameterException", msg: "DefaultRedirectURI https://app.example.com/other must be one of the CallbackURLs."},
		{name: "OAuth on without scopes", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = nil },
			typ: "InvalidParameterException", msg: "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows."},
		{name: "OAuth on without flows", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlows = nil },
			typ: "InvalidParameterException", msg: "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows."},
		{name: "code without callback URLs", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = nil },
			typ: "InvalidOAuthFlowException", msg: "CallbackUrls can not be empty when code flow or implicit flow is selected"},
		{name: "unknown identity provider", base: web, mod: func(in *cip.CreateUserPoolClientInput) { in.SupportedIdentityProviders = []string{"COGNITO", "Google"} },
			typ: "InvalidParameterException", msg: "The provider Google does not exist for User Pool " + f.poolID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &cip.CreateUserPoolClientInput{UserPoolId: pool, ClientName: aws.String("oauth")}
			if tc.base != nil {
				tc.base(in)
			}
			if tc.mod != nil {
				tc.mod(in)
			}
			out, err := e.Client.CreateUserPoolClient(ctx, in)
			if tc.typ != "" {
				wantErr(t, err, tc.typ, tc.msg)
				// UpdateUserPoolClient checks the same settings.
				upd := &cip.UpdateUserPoolClientInput{UserPoolId: pool, ClientId: aws.String(f.client), AllowedOAuthFlows: in.AllowedOAuthFlows,
					AllowedOAuthScopes: in.AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient: in.AllowedOAuthFlowsUserPoolClient, CallbackURLs: in.CallbackURLs,
					LogoutURLs: in.LogoutURLs, DefaultRedirectURI: in.DefaultRedirectURI, SupportedIdentityProviders: in.SupportedIdentityProviders}
				_, err = e.Client.UpdateUserPoolClient(ctx, upd)
				if tc.msg == "client_credentials flow can not be selected if client does not have a client secret." || !in.GenerateSecret {
					wantErr(t, err, tc.typ, tc.msg)
				} else if err == nil {
					t.Fatalf("UpdateUserPoolClient accepted what CreateUserPoolClient refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := must(e.Client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: pool, ClientId: out.UserPoolClient.ClientId}))(t).UserPoolClient
			if aws.ToBool(c.AllowedOAuthFlowsUserPoolClient) != in.AllowedOAuthFlowsUserPoolClient || len(c.AllowedOAuthFlows) != len(in.AllowedOAuthFlows) ||
				len(c.AllowedOAuthScopes) != len(in.AllowedOAuthScopes) || len(c.CallbackURLs) != len(in.CallbackURLs) ||
				aws.ToString(c.DefaultRedirectURI) != aws.ToString(in.DefaultRedirectURI) {
				t.Fatalf("stored client: %+v", c)
			}
		})
	}
}
