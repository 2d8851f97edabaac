package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Pool is a pool as the service reads it: the stored wire shape plus derived lookups.
type Pool struct {
	UserPoolType
	Version int64
	Schema  map[string]SchemaAttributeType
}

func (p *Pool) Policy() PasswordPolicyType {
	if p.Policies != nil && p.Policies.PasswordPolicy != nil {
		return *p.Policies.PasswordPolicy
	}
	return defaultPasswordPolicy()
}

func (p *Pool) CaseSensitive() bool {
	return p.UsernameConfiguration == nil || p.UsernameConfiguration.CaseSensitive == nil || *p.UsernameConfiguration.CaseSensitive
}

func (p *Pool) UsernameAttr(name string) bool {
	return slices.Contains(p.UsernameAttributes, name)
}

func (p *Pool) AliasAttr(name string) bool { return slices.Contains(p.AliasAttributes, name) }

func (p *Pool) AutoVerified(name string) bool {
	return slices.Contains(p.AutoVerifiedAttributes, name)
}

func (p *Pool) Templates() mail.Templates {
	var t mail.Templates
	if v := p.VerificationMessageTemplate; v != nil {
		t.EmailSubject, t.EmailMessage, t.SMSMessage = v.EmailSubject, v.EmailMessage, v.SmsMessage
	}
	if t.EmailSubject == "" {
		t.EmailSubject = p.EmailVerificationSubject
	}
	if t.EmailMessage == "" {
		t.EmailMessage = p.EmailVerificationMessage
	}
	if t.SMSMessage == "" {
		t.SMSMessage = p.SmsVerificationMessage
	}
	t.SMSAuthenticationMessage = p.SmsAuthenticationMessage
	if m := p.MFASettings; m != nil && m.Email != nil {
		t.EmailAuthenticationSubject, t.EmailAuthenticationMessage = m.Email.Subject, m.Email.Message
	}
	if a := p.AdminCreateUserConfig; a != nil && a.InviteMessageTemplate != nil {
		t.InviteEmailSubject = a.InviteMessageTemplate.EmailSubject
		t.InviteEmailMessage = a.InviteMessageTemplate.EmailMessage
		t.InviteSMSMessage = a.InviteMessageTemplate.SMSMessage
	}
	return t
}

func defaultPasswordPolicy() PasswordPolicyType {
	eight := int32(8)
	return PasswordPolicyType{MinimumLength: &eight, RequireUppercase: true, RequireLowercase: true,
		RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
}

func DecodePool(p *store.Pool) (*Pool, error) {
	ps := &Pool{Version: p.Version}
	if err := json.Unmarshal(p.Data, &ps.UserPoolType); err != nil {
		return nil, fmt.Errorf("userpool: corrupt pool %s: %w", p.ID, err)
	}
	mirrorMessages(&ps.UserPoolType) // pools stored before the mirroring
	ps.Schema = make(map[string]SchemaAttributeType, len(ps.SchemaAttributes))
	for _, a := range ps.SchemaAttributes {
		ps.Schema[*a.Name] = a
	}
	return ps, nil
}

// DeviceTracking tells whether the pool tracks devices at all ("Always" when
// DeviceOnlyRememberedOnUserPrompt is false, "User opt-in" when true).
func (p *Pool) DeviceTracking() bool { return p.DeviceConfiguration != nil }

// AllowedFactors is the pool's AllowedFirstAuthFactors (PASSWORD when unset).
func (p *Pool) AllowedFactors() []string {
	if p.Policies != nil && p.Policies.SignInPolicy != nil && len(p.Policies.SignInPolicy.AllowedFirstAuthFactors) > 0 {
		return p.Policies.SignInPolicy.AllowedFirstAuthFactors
	}
	return []string{"PASSWORD"}
}

// VerifyBeforeUpdate tells whether the pool keeps the old value of attr active until the new one
// is verified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate).
func (p *Pool) VerifyBeforeUpdate(attr string) bool {
	return p.UserAttributeUpdateSettings != nil && slices.Contains(p.UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate, attr)
}

// RecoveryMechanisms is the pool's AccountRecoverySetting by priority. Without a setting Cognito
// prefers a verified phone, then a verified email.
func RecoveryMechanisms(p *Pool) []RecoveryOptionType {
	mechs := []RecoveryOptionType{{Priority: Ptr(int32(1)), Name: "verified_phone_number"}, {Priority: Ptr(int32(2)), Name: "verified_email"}}
	if p.AccountRecoverySetting != nil && len(p.AccountRecoverySetting.RecoveryMechanisms) > 0 {
		mechs = append([]RecoveryOptionType(nil), p.AccountRecoverySetting.RecoveryMechanisms...)
	}
	sort.SliceStable(mechs, func(i, j int) bool { return *mechs[i].Priority < *mechs[j].Priority })
	return mechs
}

// AdminOnlyRecovery: the pool lets only an administrator reset passwords.
func AdminOnlyRecovery(p *Pool) bool { return RecoveryMechanisms(p)[0].Name == "admin_only" }

// RecoveryChannels lists the attributes a reset code may go to, in the pool's order.
func RecoveryChannels(p *Pool) []string {
	var out []string
	for _, m := range RecoveryMechanisms(p) {
		switch m.Name {
		case "verified_email":
			out = append(out, "email")
		case "verified_phone_number":
			out = append(out, "phone_number")
		}
	}
	return out
}
