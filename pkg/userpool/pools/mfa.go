package pools

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// SetUserPoolMfaConfig sets the pool's MFA: MfaConfiguration and the factors it offers. Like
// Cognito it replaces the whole configuration: a factor's configuration left out is turned off.
// MFA ON or OPTIONAL needs at least one factor.
func (s *Pools) SetUserPoolMfaConfig(ctx context.Context, in *api.SetUserPoolMfaConfigInput) (*api.SetUserPoolMfaConfigOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	set := &model.PoolMFA{SMS: in.SmsMfaConfiguration != nil, Email: in.EmailMfaConfiguration, WebAuthn: in.WebAuthnConfiguration,
		TOTP: in.SoftwareTokenMfaConfiguration != nil && in.SoftwareTokenMfaConfiguration.Enabled}
	mode := in.MfaConfiguration
	if (mode == "ON" || mode == "OPTIONAL") && !set.SMS && !set.TOTP && set.Email == nil {
		return nil, cognito.InvalidParameter("Invalid MFA configuration given, can't turn on MFA without any MFA type enabled.")
	}
	var out *api.UserPoolMfaConfig
	_, err := s.Repo.UpdatePool(ctx, in.UserPoolId, func(sp *store.Pool) error {
		p, err := model.DecodePool(sp)
		if err != nil {
			return err
		}
		if set.Email != nil && p.UserPoolTier == "LITE" {
			return msg.FeatureUnavailableInTier("Email MFA")
		}
		if mode != "" {
			p.MfaConfiguration = mode
		}
		if in.SmsMfaConfiguration != nil {
			if m := in.SmsMfaConfiguration.SmsAuthenticationMessage; m != "" {
				p.SmsAuthenticationMessage = m
			}
			if len(in.SmsMfaConfiguration.SmsConfiguration) > 0 {
				p.SmsConfiguration = in.SmsMfaConfiguration.SmsConfiguration
			}
		}
		p.MFASettings = set
		p.LastModifiedDate = model.WireTime(s.Now())
		sp.Data = model.MustJSON(p.UserPoolType)
		out = mfaConfig(p)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if ce := cognito.As(err); ce != nil {
		return nil, ce
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return out, nil
}

// GetUserPoolMfaConfig returns the pool's MFA configuration.
func (s *Pools) GetUserPoolMfaConfig(ctx context.Context, in *api.GetUserPoolMfaConfigInput) (*api.GetUserPoolMfaConfigOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return mfaConfig(p), nil
}

// mfaConfig is the pool's MFA configuration as Cognito shows it.
func mfaConfig(p *model.Pool) *api.UserPoolMfaConfig {
	out := &api.UserPoolMfaConfig{MfaConfiguration: p.MfaConfiguration, SoftwareTokenMfaConfiguration: &model.SoftwareTokenMfaConfigType{}}
	if out.MfaConfiguration == "" {
		out.MfaConfiguration = "OFF"
	}
	if m := p.MFASettings; m != nil {
		out.SoftwareTokenMfaConfiguration.Enabled = m.TOTP
		if m.SMS {
			out.SmsMfaConfiguration = &model.SmsMfaConfigType{SmsAuthenticationMessage: p.SmsAuthenticationMessage, SmsConfiguration: p.SmsConfiguration}
		}
		out.EmailMfaConfiguration = m.Email
		out.WebAuthnConfiguration = m.WebAuthn
	}
	return out
}
