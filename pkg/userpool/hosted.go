package userpool

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
)

// The hosted pages' calls of the user API. The pages act for an authorization's client: they
// hold no client secret and ask none of the user, so SECRET_HASH is made here from the client's
// own; each input is checked as the API's edge checks it (cognito.Validate), and the answers
// are the API's, errors included, for the page to show.

// secretHash is the SECRET_HASH of username for the authorization's client ("" without a secret).
func (a *Authorization) secretHash(username string) string {
	if a == nil {
		return ""
	}
	c := a.a.Client
	if c.Secret == "" {
		return ""
	}
	return model.SecretHash(c.Secret, username, c.ID)
}

func validated[T any](in *T) (*T, error) {
	if err := cognito.Validate(in); err != nil {
		return nil, err
	}
	return in, nil
}

// SignUpForm is what the sign-up page asks for: what the username is (username, email,
// phone_number, or email_or_phone_number when the pool signs in with either), the pool's
// required attributes beside it, and the addresses the pool verifies by code (Optional: asked,
// not required, as the confirmation code needs somewhere to go).
type SignUpForm struct {
	UsernameIs string
	Required   []string
	Optional   []string
}

// HostedSignUpForm describes the pool's sign-up form.
func (s *Service) HostedSignUpForm(a *Authorization) SignUpForm {
	p := a.a.Pool
	f := SignUpForm{UsernameIs: "username"}
	email, phone := slices.Contains(p.UsernameAttributes, "email"), slices.Contains(p.UsernameAttributes, "phone_number")
	switch {
	case email && phone:
		f.UsernameIs = "email_or_phone_number"
	case email:
		f.UsernameIs = "email"
	case phone:
		f.UsernameIs = "phone_number"
	}
	for _, at := range p.SchemaAttributes {
		if at.Required != nil && *at.Required && at.Name != nil && *at.Name != "sub" && *at.Name != f.UsernameIs {
			f.Required = append(f.Required, *at.Name)
		}
	}
	for _, n := range p.AutoVerifiedAttributes {
		if n != f.UsernameIs && !slices.Contains(f.Required, n) && !(f.UsernameIs == "email_or_phone_number") {
			f.Optional = append(f.Optional, n)
		}
	}
	return f
}

// HostedSignUp signs a user up for the authorization's client (SignUp): whether the user is
// confirmed already (a PreSignUp trigger's autoConfirmUser) and where the code went.
func (s *Service) HostedSignUp(ctx context.Context, a *Authorization, username, password string, attrs map[string]string) (confirmed bool, destination string, err error) {
	in := &api.SignUpInput{ClientId: a.a.Client.ID, SecretHash: a.secretHash(username), Username: username, Password: &password}
	for _, n := range sortedKeys(attrs) {
		in.UserAttributes = append(in.UserAttributes, model.AttributeType{Name: n, Value: ptr(attrs[n])})
	}
	if _, err := validated(in); err != nil {
		return false, "", err
	}
	out, err := s.SignUp(ctx, in)
	if err != nil {
		return false, "", err
	}
	return out.UserConfirmed, destinationOf(out.CodeDeliveryDetails), nil
}

func destinationOf(d *model.CodeDeliveryDetailsType) string {
	if d == nil {
		return ""
	}
	return d.Destination
}

// HostedConfirmSignUp confirms a sign-up with its code (ConfirmSignUp).
func (s *Service) HostedConfirmSignUp(ctx context.Context, a *Authorization, username, code string) error {
	in, err := validated(&api.ConfirmSignUpInput{ClientId: a.a.Client.ID, SecretHash: a.secretHash(username), Username: username, ConfirmationCode: code})
	if err != nil {
		return err
	}
	_, err = s.ConfirmSignUp(ctx, in)
	return err
}

// HostedResendCode sends the sign-up code again (ResendConfirmationCode).
func (s *Service) HostedResendCode(ctx context.Context, a *Authorization, username string) (string, error) {
	in, err := validated(&api.ResendConfirmationCodeInput{ClientId: a.a.Client.ID, SecretHash: a.secretHash(username), Username: username})
	if err != nil {
		return "", err
	}
	out, err := s.ResendConfirmationCode(ctx, in)
	if err != nil {
		return "", err
	}
	return destinationOf(out.CodeDeliveryDetails), nil
}

// HostedForgotPassword sends a password-reset code (ForgotPassword).
func (s *Service) HostedForgotPassword(ctx context.Context, a *Authorization, username string) (string, error) {
	in, err := validated(&api.ForgotPasswordInput{ClientId: a.a.Client.ID, SecretHash: a.secretHash(username), Username: username})
	if err != nil {
		return "", err
	}
	out, err := s.ForgotPassword(ctx, in)
	if err != nil {
		return "", err
	}
	return destinationOf(out.CodeDeliveryDetails), nil
}

// HostedConfirmForgotPassword sets a new password with the reset code (ConfirmForgotPassword).
func (s *Service) HostedConfirmForgotPassword(ctx context.Context, a *Authorization, username, code, password string) error {
	in, err := validated(&api.ConfirmForgotPasswordInput{ClientId: a.a.Client.ID, SecretHash: a.secretHash(username), Username: username,
		ConfirmationCode: code, Password: password})
	if err != nil {
		return err
	}
	_, err = s.ConfirmForgotPassword(ctx, in)
	return err
}

// HostedAssociateSoftwareToken starts a TOTP set-up inside an MFA_SETUP challenge: the secret
// to show and the Session that continues it.
func (s *Service) HostedAssociateSoftwareToken(ctx context.Context, session string) (secret, next string, err error) {
	in, err := validated(&api.AssociateSoftwareTokenInput{Session: session})
	if err != nil {
		return "", "", err
	}
	out, err := s.AssociateSoftwareToken(ctx, in)
	if err != nil {
		return "", "", err
	}
	return out.SecretCode, out.Session, nil
}

// HostedVerifySoftwareToken proves the TOTP set-up with a code; the Session answers MFA_SETUP.
func (s *Service) HostedVerifySoftwareToken(ctx context.Context, session, code string) (string, error) {
	in, err := validated(&api.VerifySoftwareTokenInput{Session: session, UserCode: code})
	if err != nil {
		return "", err
	}
	out, err := s.VerifySoftwareToken(ctx, in)
	if err != nil {
		return "", err
	}
	return out.Session, nil
}

func ptr(s string) *string { return &s }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Look is a client's branding as the hosted pages show it (branding.Look): the classic
// customization's CSS, the logo as a data: URI, the managed-login style's colours by role.
type Look struct {
	CSS     string
	LogoURI string
	Colors  map[string]string
	Version string
}

// logoTypes are the media types of the logo extensions the branding operations accept.
var logoTypes = map[string]string{"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "svg": "image/svg+xml",
	"webp": "image/webp", "ico": "image/x-icon"}

// HostedLook reads the look of a client's hosted pages.
func (s *Service) HostedLook(ctx context.Context, poolID, clientID string) (*Look, error) {
	l, err := s.branding.LookFor(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	out := &Look{CSS: l.CSS, Colors: l.Colors, Version: l.Version}
	if mt, ok := logoTypes[strings.ToLower(l.LogoExt)]; ok && len(l.Logo) > 0 {
		out.LogoURI = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(l.Logo)
	}
	return out, nil
}

// ClientID names the authorization's client.
func (a *Authorization) ClientID() string { return a.a.Client.ID }

// UILogo is a classic customization's logo, served at its ImageUrl: the bytes and their media
// type; ok false when there is none.
func (s *Service) UILogo(ctx context.Context, poolID, clientID, ext string) (logo []byte, mediaType string, ok bool, err error) {
	b, stored, ok, err := s.branding.UILogo(ctx, poolID, clientID)
	if err != nil || !ok || !strings.EqualFold(stored, ext) {
		return nil, "", false, err
	}
	return b, logoTypes[strings.ToLower(stored)], true, nil
}

// SignInMethods are the ways to sign in the hosted pages offer an authorization: a password
// (the pool allows PASSWORD), a one-time code by email or SMS (EMAIL_OTP, SMS_OTP) and a passkey
// (WEB_AUTHN). The passwordless and passkey ways are USER_AUTH's first factors, so, as with
// Cognito's managed login, they need a client that allows choice-based sign-in (ALLOW_USER_AUTH)
// and a pool that allows the factor outside the LITE tier; one-time codes are no way in where MFA
// is required, and passkeys need a relying party id (passkeys.Offered).
type SignInMethods struct {
	Password, EmailOTP, SMSOTP, WebAuthn bool
}

// HostedSignInMethods says which ways to sign in the pages offer for the authorization.
func (s *Service) HostedSignInMethods(a *Authorization) SignInMethods {
	p, c := a.a.Pool, a.a.Client
	allowed := p.AllowedFactors()
	m := SignInMethods{Password: slices.Contains(allowed, "PASSWORD")}
	if p.UserPoolTier == "LITE" || !c.FlowEnabled("ALLOW_USER_AUTH") {
		return m
	}
	codes := p.MfaConfiguration != "ON"
	m.EmailOTP = codes && slices.Contains(allowed, model.MFAEmail)
	m.SMSOTP = codes && slices.Contains(allowed, "SMS_OTP")
	m.WebAuthn = passkeys.Offered(p)
	return m
}

// PasskeyOfferWindow is how long after a hosted sign-in its session may add a passkey at the
// offer page (and complete the authorization from there): the registration challenge's own
// lifetime. Adding a passkey is adding a way in, so it is for a sign-in just made, not for any
// session the browser still holds.
const PasskeyOfferWindow = passkeys.RegistrationTTL

// ErrNoFreshSignIn is a passkey registration at the hosted pages without a hosted session made
// within PasskeyOfferWindow: the pages send the browser back to sign in.
var ErrNoFreshSignIn = errors.New("userpool: no hosted sign-in within the passkey offer window")

// freshSignIn is the user of the hosted session behind cookie, signed in within the window.
func (s *Service) freshSignIn(ctx context.Context, a *Authorization, cookie string) (*model.User, error) {
	sess, err := s.grants.Session(ctx, a.a.Pool, cookie)
	if err != nil {
		return nil, err
	}
	if sess == nil || s.Now().Sub(sess.AuthTime) > PasskeyOfferWindow || sess.AuthTime.After(s.Now().Add(time.Minute)) {
		return nil, ErrNoFreshSignIn
	}
	return sess.User, nil
}

// HostedStartPasskeyRegistration is StartWebAuthnRegistration for the user of a hosted sign-in
// just made in this browser (its session cookie), for the authorization's client: the creation
// options (PublicKeyCredentialCreationOptionsJSON) for the offer page. No token leaves the
// server: the HttpOnly session cookie stands for the access token.
func (s *Service) HostedStartPasskeyRegistration(ctx context.Context, a *Authorization, cookie string) (string, error) {
	u, err := s.freshSignIn(ctx, a, cookie)
	if err != nil {
		return "", err
	}
	doc, keep, err := s.passkeys.BeginRegistration(a.a.Pool, u, a.a.Client.ID)
	if err != nil {
		return "", err
	}
	if _, err := s.dir.UpdateUser(ctx, a.a.Pool, u, func(cur *model.User) ([]store.Op, error) { return nil, keep(cur) }); err != nil {
		return "", err
	}
	return string(doc), nil
}

// HostedCompletePasskeyRegistration is CompleteWebAuthnRegistration for the same user and client:
// the RegistrationResponseJSON the offer page's script posted. Its refusals are the API's.
func (s *Service) HostedCompletePasskeyRegistration(ctx context.Context, a *Authorization, cookie, credential string) error {
	u, err := s.freshSignIn(ctx, a, cookie)
	if err != nil {
		return err
	}
	add, err := s.passkeys.CompleteRegistration(a.a.Pool, u, a.a.Client.ID, []byte(credential))
	if err != nil {
		return err
	}
	_, err = s.dir.UpdateUser(ctx, a.a.Pool, u, func(cur *model.User) ([]store.Op, error) { return nil, add(cur) })
	return err
}
