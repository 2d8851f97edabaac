package account

import (
	"context"

	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// AssociateSoftwareToken gives the caller a new software-token secret (SecretCode, shown this
// once), pending until VerifySoftwareToken checks a code from it. The sign-in Session variant
// (MFA_SETUP) is the sign-in pipeline's.
func (s *Accounts) AssociateSoftwareToken(ctx context.Context, in *api.AssociateSoftwareTokenInput) (*api.AssociateSoftwareTokenOutput, error) {
	if in.AccessToken == "" {
		return nil, msg.MissingAccessTokenOrSession()
	}
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	secret, keep, err := s.mfa.Associate(ctx, a.Pool, a.User)
	if err != nil {
		return nil, err
	}
	if err := s.mfa.Apply(ctx, a.Pool, a.User, keep); err != nil {
		return nil, err
	}
	return &api.AssociateSoftwareTokenOutput{SecretCode: secret}, nil
}

// VerifySoftwareToken checks a code from the caller's pending software token and makes it
// theirs. Signing in with it is SetUserMFAPreference's to enable, as on Cognito.
func (s *Accounts) VerifySoftwareToken(ctx context.Context, in *api.VerifySoftwareTokenInput) (*api.VerifySoftwareTokenOutput, error) {
	if in.AccessToken == "" {
		return nil, msg.MissingAccessTokenOrSession()
	}
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	activate, err := s.mfa.Verify(ctx, a.Pool, a.User, in.UserCode, in.FriendlyDeviceName)
	if err != nil {
		return nil, err
	}
	out := &api.VerifySoftwareTokenOutput{Status: "SUCCESS"}
	change := activate
	if mfa.RecoveryCodes(a.Pool) {
		codes, keep, err := s.mfa.NewRecoveryCodes(a.Pool, a.User)
		if err != nil {
			return nil, err
		}
		out.RecoveryCodes = codes
		change = func(cur *model.User) error {
			if err := activate(cur); err != nil {
				return err
			}
			keep(cur)
			return nil
		}
	}
	if err := s.mfa.Apply(ctx, a.Pool, a.User, change); err != nil {
		return nil, err
	}
	return out, nil
}

// SetUserMFAPreference sets which factors the caller signs in with, and which one is preferred.
func (s *Accounts) SetUserMFAPreference(ctx context.Context, in *api.SetUserMFAPreferenceInput) (*api.SetUserMFAPreferenceOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.setPreference(ctx, a.Pool, a.User, in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings); err != nil {
		return nil, err
	}
	return &api.SetUserMFAPreferenceOutput{}, nil
}

// AdminSetUserMFAPreference sets a user's factors as an administrator.
func (s *Accounts) AdminSetUserMFAPreference(ctx context.Context, in *api.AdminSetUserMFAPreferenceInput) (*api.AdminSetUserMFAPreferenceOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.setPreference(ctx, p, u, in.SMSMfaSettings, in.SoftwareTokenMfaSettings, in.EmailMfaSettings, in.WebAuthnMfaSettings); err != nil {
		return nil, err
	}
	return &api.AdminSetUserMFAPreferenceOutput{}, nil
}

func (s *Accounts) setPreference(ctx context.Context, p *model.Pool, u *model.User, sms, totp, email, webAuthn *api.MfaSettingsType) error {
	prefs := mfa.Preferences{}
	if webAuthn != nil {
		prefs[model.FactorWebAuthn] = &mfa.Setting{Enabled: webAuthn.Enabled}
	}
	for factor, set := range map[string]*api.MfaSettingsType{model.MFASMS: sms, model.MFATOTP: totp, model.MFAEmail: email} {
		if set != nil {
			prefs[factor] = &mfa.Setting{Enabled: set.Enabled, Preferred: set.PreferredMfa}
		}
	}
	return s.mfa.SetPreference(ctx, p, u, prefs)
}
