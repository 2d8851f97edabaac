// Package app wires Cognate together: it builds the service from its ports and exposes the
// http.Handler of each family (signup, auth, token, account, admin, oauth), so the Lambda
// functions and the local server serve exactly the same code.
package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/oauth"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Deps are the ports the deployment provides.
type Deps struct {
	Table  store.Table
	Signer signer.Signer
	Sealer *envelope.Sealer
	Mail   mail.Sender
	Admin  cognito.AdminAuthenticator
	Clock  clock.Clock
	Rand   io.Reader
	Logger *slog.Logger
	// AdminOrigins are the browser origins allowed to call admin (SigV4) operations
	// (cognito.ServerOptions.AdminOrigins); none by default.
	AdminOrigins []string
	// Triggers invokes pools' Lambda triggers; nil: a pool that configures one fails the
	// operation with UnexpectedLambdaException.
	Triggers trigger.Invoker
	// SenderKeys encrypts the codes pools' custom sender functions receive (pkg/esdk over a
	// KMS client); nil: a pool with a custom sender fails each message it would send it.
	SenderKeys ports.SenderKeys
}

// App is a wired Cognate.
type App struct {
	Service      *userpool.Service
	signer       signer.Signer
	admin        cognito.AdminAuthenticator
	adminOrigins []string
	log          *slog.Logger
}

// New builds the service and its handlers.
func New(ctx context.Context, cfg userpool.Config, d Deps) (*App, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	svc, err := userpool.New(ctx, cfg, userpool.Deps{Table: d.Table, Signer: d.Signer, Sealer: d.Sealer,
		Mail: d.Mail, Clock: d.Clock, Rand: d.Rand, Logger: d.Logger, Triggers: d.Triggers, SenderKeys: d.SenderKeys})
	if err != nil {
		return nil, err
	}
	return &App{Service: svc, signer: d.Signer, admin: d.Admin, adminOrigins: d.AdminOrigins, log: d.Logger}, nil
}

// Endpoints binds every implemented operation to the service.
func (a *App) Endpoints() map[string]cognito.Endpoint {
	s := a.Service
	return map[string]cognito.Endpoint{
		// pools and clients
		"CreateUserPool":         cognito.Bind(s.CreateUserPool),
		"DescribeUserPool":       cognito.Bind(s.DescribeUserPool),
		"UpdateUserPool":         cognito.Bind(s.UpdateUserPool),
		"DeleteUserPool":         cognito.Bind(s.DeleteUserPool),
		"ListUserPools":          cognito.Bind(s.ListUserPools),
		"AddCustomAttributes":    cognito.Bind(s.AddCustomAttributes),
		"CreateUserPoolClient":   cognito.Bind(s.CreateUserPoolClient),
		"DescribeUserPoolClient": cognito.Bind(s.DescribeUserPoolClient),
		"UpdateUserPoolClient":   cognito.Bind(s.UpdateUserPoolClient),
		"DeleteUserPoolClient":   cognito.Bind(s.DeleteUserPoolClient),
		"ListUserPoolClients":    cognito.Bind(s.ListUserPoolClients),
		// domains and resource servers
		"CreateUserPoolDomain":   cognito.Bind(s.CreateUserPoolDomain),
		"DescribeUserPoolDomain": cognito.Bind(s.DescribeUserPoolDomain),
		"UpdateUserPoolDomain":   cognito.Bind(s.UpdateUserPoolDomain),
		"DeleteUserPoolDomain":   cognito.Bind(s.DeleteUserPoolDomain),
		"CreateResourceServer":   cognito.Bind(s.CreateResourceServer),
		"DescribeResourceServer": cognito.Bind(s.DescribeResourceServer),
		"UpdateResourceServer":   cognito.Bind(s.UpdateResourceServer),
		"DeleteResourceServer":   cognito.Bind(s.DeleteResourceServer),
		"ListResourceServers":    cognito.Bind(s.ListResourceServers),
		// sign-up
		"SignUp":                 cognito.Bind(s.SignUp),
		"ConfirmSignUp":          cognito.Bind(s.ConfirmSignUp),
		"ResendConfirmationCode": cognito.Bind(s.ResendConfirmationCode),
		"AdminConfirmSignUp":     cognito.Bind(s.AdminConfirmSignUp),
		// sign-in and tokens
		"InitiateAuth":                cognito.Bind(s.InitiateAuth),
		"AdminInitiateAuth":           cognito.Bind(s.AdminInitiateAuth),
		"RespondToAuthChallenge":      cognito.Bind(s.RespondToAuthChallenge),
		"AdminRespondToAuthChallenge": cognito.Bind(s.AdminRespondToAuthChallenge),
		"GetTokensFromRefreshToken":   cognito.Bind(s.GetTokensFromRefreshToken),
		"RevokeToken":                 cognito.Bind(s.RevokeToken),
		// devices
		"ConfirmDevice":           cognito.Bind(s.ConfirmDevice),
		"GetDevice":               cognito.Bind(s.GetDevice),
		"ListDevices":             cognito.Bind(s.ListDevices),
		"ForgetDevice":            cognito.Bind(s.ForgetDevice),
		"UpdateDeviceStatus":      cognito.Bind(s.UpdateDeviceStatus),
		"AdminGetDevice":          cognito.Bind(s.AdminGetDevice),
		"AdminListDevices":        cognito.Bind(s.AdminListDevices),
		"AdminForgetDevice":       cognito.Bind(s.AdminForgetDevice),
		"AdminUpdateDeviceStatus": cognito.Bind(s.AdminUpdateDeviceStatus),
		// the user's own account
		"GetUser":        cognito.Bind(s.GetUser),
		"ChangePassword": cognito.Bind(s.ChangePassword),
		"GlobalSignOut":  cognito.Bind(s.GlobalSignOut),
		"DeleteUser":     cognito.Bind(s.DeleteUser),
		// admin users
		"AdminGetUser":           cognito.Bind(s.AdminGetUser),
		"AdminCreateUser":        cognito.Bind(s.AdminCreateUser),
		"AdminDeleteUser":        cognito.Bind(s.AdminDeleteUser),
		"AdminSetUserPassword":   cognito.Bind(s.AdminSetUserPassword),
		"AdminUserGlobalSignOut": cognito.Bind(s.AdminUserGlobalSignOut),
		"ListUsers":              cognito.Bind(s.ListUsers),
		// groups
		"CreateGroup":              cognito.Bind(s.CreateGroup),
		"GetGroup":                 cognito.Bind(s.GetGroup),
		"UpdateGroup":              cognito.Bind(s.UpdateGroup),
		"DeleteGroup":              cognito.Bind(s.DeleteGroup),
		"ListGroups":               cognito.Bind(s.ListGroups),
		"AdminAddUserToGroup":      cognito.Bind(s.AdminAddUserToGroup),
		"AdminRemoveUserFromGroup": cognito.Bind(s.AdminRemoveUserFromGroup),
		"AdminListGroupsForUser":   cognito.Bind(s.AdminListGroupsForUser),
		"ListUsersInGroup":         cognito.Bind(s.ListUsersInGroup),
		// recovery, attributes, account status
		"ForgotPassword":                   cognito.Bind(s.ForgotPassword),
		"ConfirmForgotPassword":            cognito.Bind(s.ConfirmForgotPassword),
		"UpdateUserAttributes":             cognito.Bind(s.UpdateUserAttributes),
		"DeleteUserAttributes":             cognito.Bind(s.DeleteUserAttributes),
		"GetUserAttributeVerificationCode": cognito.Bind(s.GetUserAttributeVerificationCode),
		"VerifyUserAttribute":              cognito.Bind(s.VerifyUserAttribute),
		"SetUserSettings":                  cognito.Bind(s.SetUserSettings),
		"AdminSetUserSettings":             cognito.Bind(s.AdminSetUserSettings),
		"AssociateSoftwareToken":           cognito.Bind(s.AssociateSoftwareToken),
		"VerifySoftwareToken":              cognito.Bind(s.VerifySoftwareToken),
		"SetUserMFAPreference":             cognito.Bind(s.SetUserMFAPreference),
		"AdminSetUserMFAPreference":        cognito.Bind(s.AdminSetUserMFAPreference),
		"StartWebAuthnRegistration":        cognito.Bind(s.StartWebAuthnRegistration),
		"CompleteWebAuthnRegistration":     cognito.Bind(s.CompleteWebAuthnRegistration),
		"ListWebAuthnCredentials":          cognito.Bind(s.ListWebAuthnCredentials),
		"DeleteWebAuthnCredential":         cognito.Bind(s.DeleteWebAuthnCredential),
		"SetUserPoolMfaConfig":             cognito.Bind(s.SetUserPoolMfaConfig),
		"GetUserPoolMfaConfig":             cognito.Bind(s.GetUserPoolMfaConfig),
		"GetUserAuthFactors":               cognito.Bind(s.GetUserAuthFactors),
		"AdminUpdateUserAttributes":        cognito.Bind(s.AdminUpdateUserAttributes),
		"AdminDeleteUserAttributes":        cognito.Bind(s.AdminDeleteUserAttributes),
		"AdminDisableUser":                 cognito.Bind(s.AdminDisableUser),
		"AdminEnableUser":                  cognito.Bind(s.AdminEnableUser),
		"AdminResetUserPassword":           cognito.Bind(s.AdminResetUserPassword),
		// the look of the hosted pages
		"SetUICustomization":                   cognito.Bind(s.SetUICustomization),
		"GetUICustomization":                   cognito.Bind(s.GetUICustomization),
		"CreateManagedLoginBranding":           cognito.Bind(s.CreateManagedLoginBranding),
		"DescribeManagedLoginBranding":         cognito.Bind(s.DescribeManagedLoginBranding),
		"DescribeManagedLoginBrandingByClient": cognito.Bind(s.DescribeManagedLoginBrandingByClient),
		"UpdateManagedLoginBranding":           cognito.Bind(s.UpdateManagedLoginBranding),
		"DeleteManagedLoginBranding":           cognito.Bind(s.DeleteManagedLoginBranding),
	}
}

// CognitoHandler serves the Cognito JSON 1.1 API for the given families (none = all).
func (a *App) CognitoHandler(families ...cognito.Family) http.Handler {
	return cognito.NewServer(cognito.ServerOptions{Endpoints: a.Endpoints(), Families: families, Admin: a.admin,
		AdminOrigins: a.adminOrigins, Logger: a.log})
}

// FamilyHandler is one family's function behind the edge router: only the family's operations,
// answered on the family's path (edge.FamilyPath).
func (a *App) FamilyHandler(f cognito.Family) http.Handler {
	return cognito.NewServer(cognito.ServerOptions{Endpoints: a.Endpoints(), Families: []cognito.Family{f},
		Paths: []string{edge.FamilyPath(f)}, Admin: a.admin, AdminOrigins: a.adminOrigins, Logger: a.log, ClientIP: edgeClientIP})
}

// edgeClientIP is the viewer's address the edge router hands on; behind CloudFront the
// connection's own address is CloudFront's. Family handlers serve only behind the edge, whose
// requests awsapp admits by the origin secret, so the header cannot come from a client.
func edgeClientIP(r *http.Request) string {
	if ip := r.Header.Get(edge.HeaderOriginalIP); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// OAuthHandler is the oauth function: the per-pool well-known documents, the OAuth endpoints and
// hosted pages (OAuthEndpoints: every oauth.IsEndpointPath), and `POST /`, where the edge leaves
// requests whose X-Amz-Target names no operation (UnknownOperationException).
func (a *App) OAuthHandler() http.Handler {
	wk := a.WellKnownHandler()
	ep := a.OAuthEndpoints()
	api := cognito.NewServer(cognito.ServerOptions{Endpoints: a.Endpoints(), Families: []cognito.Family{cognito.FamilyOAuth},
		Admin: a.admin, AdminOrigins: a.adminOrigins, Logger: a.log})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if oauth.IsEndpointPath(r.URL.Path) {
			ep.ServeHTTP(w, r)
			return
		}
		if strings.Contains(r.URL.Path, "/.well-known/") {
			wk.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// OAuthEndpoints are the OAuth 2.0 / OIDC endpoints and the hosted pages (pkg/oauth): the
// token, userInfo and revocation endpoints, /oauth2/authorize, /login, /logout and the pages
// between them. A request's client id names the client and so the pool, so one set serves
// every pool.
func (a *App) OAuthEndpoints() http.Handler { return oauth.Endpoints(a.Service, a.log) }

// WellKnownHandler serves `/{poolId}/.well-known/jwks.json` and
// `/{poolId}/.well-known/openid-configuration`.
func (a *App) WellKnownHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		poolID, doc, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/.well-known/")
		if !ok || strings.Contains(poolID, "/") || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		if _, err := a.Service.DescribeUserPool(r.Context(), &api.DescribeUserPoolInput{UserPoolId: poolID}); err != nil {
			http.NotFound(w, r)
			return
		}
		var body []byte
		var err error
		switch doc {
		case "jwks.json":
			var keys []signer.PublicKey
			if keys, err = a.signer.PublicKeys(r.Context(), poolID); err == nil {
				body, err = token.JWKS(keys)
			}
		case "openid-configuration":
			body, err = token.OpenIDConfiguration(a.Service.Issuer(poolID))
		default:
			http.NotFound(w, r)
			return
		}
		if err != nil {
			// Logged once, here, with the pool; the answer is the generic 500 every failure gets.
			a.log.ErrorContext(r.Context(), "well-known document failed", "pool", poolID, "err", err)
			cognito.Render(r.Context(), w, nil, nil, cognito.Internal(err))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(body)
	})
}

// LocalHandler is everything `cognate serve` answers on one listener: the Cognito API on `/`,
// the per-pool well-known documents, the OAuth endpoints and hosted pages (locally the server's
// base URL stands for every pool's domain), and any extra routes (the outbox, the ready client's
// callback).
func (a *App) LocalHandler(extra map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range extra {
		mux.Handle(pattern, h)
	}
	wk := a.WellKnownHandler()
	api := a.CognitoHandler()
	ep := a.OAuthEndpoints()
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if oauth.IsEndpointPath(r.URL.Path) {
			ep.ServeHTTP(w, r)
			return
		}
		if strings.Contains(r.URL.Path, "/.well-known/") {
			wk.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every answer, the extra routes' and the mux's own 404s and 405s included.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}
