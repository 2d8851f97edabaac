package userpool

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/grants"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/signin"
)

// GrantError is a refusal of an OAuth 2.0 request in RFC 6749's terms (Code: invalid_client,
// invalid_grant, unauthorized_client, invalid_scope, ...), which pkg/oauth renders for its
// endpoint. The user pool decides; the endpoint only speaks the protocol.
type GrantError = grants.Error

// OAuthClient is what the OAuth endpoints see of an app client before any rule applies: where
// they may send a browser.
type OAuthClient struct {
	PoolID       string
	ClientID     string
	CallbackURLs []string
	LogoutURLs   []string
}

// OAuthClient finds a client for the authorization and logout endpoints; nil when there is no
// such client (the endpoints then show an error page and send the browser nowhere).
func (s *Service) OAuthClient(ctx context.Context, clientID string) (*OAuthClient, error) {
	if clientID == "" || len(clientID) > 128 {
		return nil, nil
	}
	c, p, err := s.dir.Client(ctx, clientID)
	if errors.Is(err, cognito.ErrResourceNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &OAuthClient{PoolID: p.Id, ClientID: c.ID, CallbackURLs: slices.Clone(c.CallbackURLs), LogoutURLs: slices.Clone(c.LogoutURLs)}, nil
}

// AuthorizeRequest is an authorization request as pkg/oauth read it, its redirect_uri matched.
type AuthorizeRequest = grants.Request

// Authorization is an authorization request the pool accepted; pkg/oauth carries it through
// the hosted pages to the grant.
type Authorization struct {
	a *grants.Authorization
	// PoolID and Implicit tell the endpoints which session cookie counts and where the answer
	// goes; Scopes are the granted scopes.
	PoolID   string
	Implicit bool
	Scopes   []string
	// HasSecret: SECRET_HASH is computed for the client (the pages need not know).
	HidesExistence bool
}

// Authorize judges an authorization request by the client's OAuth settings. Its refusals are
// *GrantError, sent to the matched redirect_uri.
func (s *Service) Authorize(ctx context.Context, r AuthorizeRequest) (*Authorization, error) {
	c, p, err := s.dir.Client(ctx, r.ClientID)
	if err != nil {
		return nil, err
	}
	a, err := s.grants.Authorize(c, p, r)
	if err != nil {
		return nil, err
	}
	return &Authorization{a: a, PoolID: p.Id, Implicit: a.Implicit, Scopes: slices.Clone(a.Scopes), HidesExistence: c.HidesExistence()}, nil
}

// Granted is an authorization completed: the code for the redirect (none for the implicit
// grant, whose tokens are in Tokens) and, after a sign-in, the new hosted session's cookie.
type Granted struct {
	Code    string
	Session string
	Tokens  *OAuthTokens
}

// OAuthTokens are what the token endpoint (or the implicit grant) answers.
type OAuthTokens struct {
	AccessToken, IDToken, RefreshToken string
	ExpiresIn                          int
}

// ResumeHostedSession completes an authorization from the hosted session behind cookie when it
// still stands (same pool, user there, enabled, not signed out since, signed in within maxAge
// when maxAge ≥ 0); nil when it does not, and the user must sign in.
func (s *Service) ResumeHostedSession(ctx context.Context, a *Authorization, cookie string, maxAge time.Duration) (*Granted, error) {
	sess, err := s.grants.Session(ctx, a.a.Pool, cookie)
	if err != nil || sess == nil {
		return nil, err
	}
	if maxAge >= 0 && s.Now().Sub(sess.AuthTime) > maxAge {
		return nil, nil
	}
	is, err := s.grants.Reissue(ctx, a.a, sess)
	if err != nil {
		return nil, err
	}
	return s.granted(ctx, a, is, false)
}

// granted is what a completed authorization answers: the code, or the implicit grant's tokens.
func (s *Service) granted(ctx context.Context, a *Authorization, is *grants.Issued, signedIn bool) (*Granted, error) {
	g := &Granted{Code: is.Code}
	if signedIn {
		g.Session = is.Session
	}
	if a.Implicit {
		t, err := s.grants.Implicit(ctx, a.a, is)
		if err != nil {
			return nil, err
		}
		g.Tokens = &OAuthTokens{AccessToken: t.AccessToken, IDToken: t.IDToken, ExpiresIn: t.ExpiresIn}
	}
	return g, nil
}

// EndHostedSession forgets the hosted session behind cookie (logout).
func (s *Service) EndHostedSession(ctx context.Context, cookie string) error {
	return s.grants.EndSession(ctx, cookie)
}

// HostedStepInput is one sign-in step at the hosted pages: a password (Flow USER_PASSWORD_AUTH,
// Params USERNAME and PASSWORD), a choice-based sign-in (Flow USER_AUTH, Params USERNAME and
// PREFERRED_CHALLENGE: EMAIL_OTP, SMS_OTP, WEB_AUTHN) or a challenge's answer (Flow the
// ChallengeName, with its Session and ChallengeResponses).
type HostedStepInput struct {
	Flow    string
	Session string
	Params  map[string]string
}

// HostedStepOutput is the step's outcome: the next challenge (ChallengeName, Session,
// ChallengeParameters), or Granted when the sign-in completed.
//
// PasskeyOffer: the sign-in completed and the pages are to offer the user a passkey before the
// redirect (the pool offers passkeys, the client allows USER_AUTH, the user has none, and a
// passkey would sign them in where MFA is required). Granted
// then holds only the hosted session; the offer page registers for that session's user
// (HostedStartPasskeyRegistration) and the authorization completes from it afterwards
// (ResumeHostedSession within PasskeyOfferWindow), whether a passkey was added or not.
type HostedStepOutput struct {
	ChallengeName       string
	Session             string
	ChallengeParameters map[string]string
	Granted             *Granted
	PasskeyOffer        bool
}

// HostedSignIn runs a hosted sign-in step for an authorization through the API's pipeline
// (lockout, triggers, MFA and all); its refusals are the API's *cognito.Error, for the page to
// show.
func (s *Service) HostedSignIn(ctx context.Context, a *Authorization, in HostedStepInput) (*HostedStepOutput, error) {
	var issued grants.Issued
	complete, err := s.grants.Completion(a.a, &issued)
	if err != nil {
		return nil, err
	}
	code, offers, offered := issued.Code, s.HostedSignInMethods(a).WebAuthn, false
	out, err := s.signin.HostedStep(ctx, signin.Hosted{ClientID: a.a.Client.ID, Flow: in.Flow, Session: in.Session, Params: in.Params,
		Complete: func(u *model.User, at time.Time) ([]store.Op, error) {
			// The offer of a passkey comes before the code: none is made now (the updater may run
			// again, so each run decides afresh).
			offered = offers && len(u.Passkeys()) == 0 && passkeyWayIn(a.a.Pool, u)
			issued.Code = code
			if offered {
				issued.Code = ""
			}
			return complete(u, at)
		}})
	if err != nil {
		return nil, err
	}
	if out.AuthenticationResult == nil {
		return &HostedStepOutput{ChallengeName: out.ChallengeName, Session: out.Session, ChallengeParameters: out.ChallengeParameters}, nil
	}
	if offered {
		return &HostedStepOutput{Granted: &Granted{Session: issued.Session}, PasskeyOffer: true}, nil
	}
	g, err := s.granted(ctx, a, &issued, true)
	if err != nil {
		return nil, err
	}
	return &HostedStepOutput{Granted: g}, nil
}

// passkeyWayIn tells whether a passkey would sign u in at all: where MFA is required, only a
// passkey that stands for MFA is a way in (as USER_AUTH offers WEB_AUTHN), so none is offered
// otherwise.
func passkeyWayIn(p *model.Pool, u *model.User) bool {
	return p.MfaConfiguration != "ON" || passkeys.SatisfiesMFA(p) || u.PasskeyMFAOn()
}

// RedeemCodeInput is the authorization_code grant as the token endpoint read it.
type RedeemCodeInput struct {
	ClientID, ClientSecret      string
	Code, RedirectURI, Verifier string
}

// RedeemCode answers the authorization_code grant.
func (s *Service) RedeemCode(ctx context.Context, in RedeemCodeInput) (*OAuthTokens, error) {
	c, p, err := s.grants.AuthenticateClient(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	if !c.AllowedOAuthFlowsUserPoolClient || !slices.Contains(c.AllowedOAuthFlows, "code") {
		return nil, &GrantError{Code: "unauthorized_client", Description: "The client is not allowed the authorization code grant."}
	}
	t, err := s.grants.Redeem(ctx, c, p, in.Code, in.RedirectURI, in.Verifier)
	if err != nil {
		return nil, err
	}
	return &OAuthTokens{AccessToken: t.AccessToken, IDToken: t.IDToken, RefreshToken: t.RefreshToken, ExpiresIn: t.ExpiresIn}, nil
}

// ClientCredentialsInput is a client_credentials grant as the token endpoint read it: the
// client's authentication and the scope parameter (Scope nil: none was sent).
type ClientCredentialsInput struct {
	ClientID     string
	ClientSecret string
	Scope        *string
}

// ClientCredentials answers the client_credentials grant (grants.ClientCredentials).
func (s *Service) ClientCredentials(ctx context.Context, in ClientCredentialsInput) (*OAuthTokens, error) {
	t, err := s.grants.ClientCredentials(ctx, in.ClientID, in.ClientSecret, in.Scope)
	if err != nil {
		return nil, err
	}
	return &OAuthTokens{AccessToken: t.AccessToken, ExpiresIn: t.ExpiresIn}, nil
}

// OAuthRefreshInput is the refresh_token grant as the token endpoint read it.
type OAuthRefreshInput struct {
	ClientID, ClientSecret, RefreshToken string
}

// OAuthRefresh answers the refresh_token grant: new ID and access tokens of the lineage, with
// exactly the scopes it was granted (OA-09). Like Cognito's, the grant takes no scope
// parameter, so nothing can widen them.
func (s *Service) OAuthRefresh(ctx context.Context, in OAuthRefreshInput) (*OAuthTokens, error) {
	c, p, err := s.grants.AuthenticateClient(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	res, err := s.lineages.Refresh(ctx, p, c, in.RefreshToken, "", nil, func(string) error { return nil })
	var ce *cognito.Error
	switch {
	case errors.Is(err, cognito.ErrNotAuthorized) && errors.As(err, &ce):
		return nil, &GrantError{Code: "invalid_grant", Description: ce.Message}
	case errors.Is(err, cognito.ErrInvalidParameter) && errors.As(err, &ce):
		return nil, &GrantError{Code: "unauthorized_client", Description: ce.Message}
	case err != nil:
		return nil, err
	}
	return &OAuthTokens{AccessToken: res.AccessToken, IDToken: res.IdToken, ExpiresIn: int(res.ExpiresIn)}, nil
}

// OAuthRevoke answers the revocation endpoint (RFC 7009): the refresh token's lineage ends;
// an unknown token is no error.
func (s *Service) OAuthRevoke(ctx context.Context, clientID, clientSecret, tok string) error {
	if _, _, err := s.grants.AuthenticateClient(ctx, clientID, clientSecret); err != nil {
		return err
	}
	_, err := s.signin.RevokeToken(ctx, &api.RevokeTokenInput{ClientId: clientID, ClientSecret: clientSecret, Token: tok})
	var ce *cognito.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cognito.ErrUnsupportedOperation) && errors.As(err, &ce):
		return &GrantError{Code: "invalid_request", Description: ce.Message}
	case errors.Is(err, cognito.ErrUnsupportedTokenType) && errors.As(err, &ce):
		return &GrantError{Code: "unsupported_token_type", Description: ce.Message}
	case errors.Is(err, cognito.ErrUnauthorized) && errors.As(err, &ce):
		return &GrantError{Code: "unauthorized_client", Description: ce.Message}
	}
	return err
}

// userInfoProfile are the attributes the profile scope releases, beside custom attributes.
var userInfoProfile = []string{"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
	"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "address"}

// UserInfo answers /oauth2/userInfo for an access token from the token endpoint: it must carry
// openid (API tokens carry none and are refused). With openid alone every attribute the client
// can read is released; with profile, email or phone, the attributes of those scopes
// (Cognito's userInfo rules); values are strings, as Cognito answers them, with username.
func (s *Service) UserInfo(ctx context.Context, accessToken string) (map[string]string, error) {
	caller, err := s.lineages.AuthenticateFor(ctx, accessToken, "openid")
	switch {
	case err == nil:
	case errors.Is(err, msg.MissingScope()):
		return nil, &GrantError{Code: "invalid_token", Description: "Access token does not contain openid scope"}
	case errors.Is(err, cognito.ErrNotAuthorized), errors.Is(err, cognito.ErrUserNotFound):
		return nil, &GrantError{Code: "invalid_token", Description: "Access token is expired, disabled, or deleted, or the user has globally signed out."}
	default:
		return nil, err
	}
	c, _, err := s.dir.Client(ctx, caller.Claims.ClientID)
	if errors.Is(err, cognito.ErrResourceNotFound) {
		return nil, &GrantError{Code: "invalid_token", Description: "Access token is expired, disabled, or deleted, or the user has globally signed out."}
	}
	if err != nil {
		return nil, err
	}
	readable := model.ClientReadable(c)
	scopes := strings.Fields(caller.Claims.Scope)
	profile, email, phone := slices.Contains(scopes, "profile"), slices.Contains(scopes, "email"), slices.Contains(scopes, "phone")
	all := !profile && !email && !phone
	out := map[string]string{}
	for n, v := range caller.User.Attrs {
		if !readable(n) {
			continue
		}
		release := all ||
			(profile && (slices.Contains(userInfoProfile, n) || strings.HasPrefix(n, "custom:"))) ||
			(email && (n == "email" || n == "email_verified")) ||
			(phone && (n == "phone_number" || n == "phone_number_verified"))
		if release {
			out[n] = v
		}
	}
	out["sub"] = caller.User.Sub()
	out["username"] = caller.User.Username
	return out, nil
}

// IsSessionExpired tells whether err is the sign-in's refusal of a Session that cannot be used
// any more (expired, spent), after which a hosted sign-in starts again.
func IsSessionExpired(err error) bool { return errors.Is(err, msg.InvalidSession()) }
