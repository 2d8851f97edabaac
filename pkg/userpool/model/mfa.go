package model

import (
	"encoding/json"
	"slices"
)

// The MFA factors, by the names Cognito gives them in UserMFASettingList, PreferredMfaSetting,
// MFAS_CAN_CHOOSE and the challenges.
const (
	MFASMS   = "SMS_MFA"
	MFATOTP  = "SOFTWARE_TOKEN_MFA"
	MFAEmail = "EMAIL_OTP"
)

// MFARecord is a user's MFA settings (SetUserMFAPreference and the software token), stored in
// the user's record.
type MFARecord struct {
	// Enabled are the factors the user signs in with, in the order they were enabled.
	Enabled []string `json:"e,omitempty"`
	// Preferred is the one factor asked for when several are enabled ("" = none).
	Preferred string `json:"p,omitempty"`
	// TOTP is the verified software token; PendingTOTP one associated but not verified yet
	// (AssociateSoftwareToken then VerifySoftwareToken: TOTP-02).
	TOTP        *TOTPRecord `json:"t,omitempty"`
	PendingTOTP *TOTPRecord `json:"tp,omitempty"`
	// PasskeyMFA: the user turned passkey MFA on (WebAuthnMfaSettings): their passkey sign-ins
	// must verify the user, and one that does stands for MFA.
	PasskeyMFA bool `json:"w,omitempty"`
	// RecoveryCodes are the keyed hashes of the user's unused recovery codes (ours, opt-in per
	// pool: pkg/userpool/mfa/recovery.go).
	RecoveryCodes [][]byte `json:"rc,omitempty"`
}

// TOTPRecord is a software token: its secret, sealed under the pool and the user's sub (never
// in clear, never shown again after AssociateSoftwareToken), and the newest step a code was
// accepted for, so each code signs in once (TOTP-01).
type TOTPRecord struct {
	Seed     []byte `json:"s"`
	LastStep int64  `json:"l,omitempty"`
	Name     string `json:"n,omitempty"` // FriendlyDeviceName
}

// MFAEnabled tells whether the user signs in with factor.
func (u *UserRecord) MFAEnabled(factor string) bool {
	return u.MFA != nil && slices.Contains(u.MFA.Enabled, factor)
}

// SetMFA enables or disables factor and makes it preferred or not, as SetUserMFAPreference
// does: disabling a factor drops its preference; preferring one drops another's.
func (u *UserRecord) SetMFA(factor string, enabled, preferred bool) {
	if u.MFA == nil {
		u.MFA = &MFARecord{}
	}
	m := u.MFA
	i := slices.Index(m.Enabled, factor)
	switch {
	case enabled && i < 0:
		m.Enabled = append(m.Enabled, factor)
	case !enabled && i >= 0:
		m.Enabled = slices.Delete(m.Enabled, i, i+1)
	}
	switch {
	case enabled && preferred:
		m.Preferred = factor
	case m.Preferred == factor:
		m.Preferred = ""
	}
}

// clone copies the MFA record deeply.
func (m *MFARecord) clone() *MFARecord {
	if m == nil {
		return nil
	}
	c := *m
	c.Enabled = slices.Clone(m.Enabled)
	c.RecoveryCodes = slices.Clone(m.RecoveryCodes)
	for i := range c.RecoveryCodes {
		c.RecoveryCodes[i] = slices.Clone(c.RecoveryCodes[i])
	}
	for _, t := range []**TOTPRecord{&c.TOTP, &c.PendingTOTP} {
		if *t != nil {
			cp := **t
			cp.Seed = slices.Clone(cp.Seed)
			*t = &cp
		}
	}
	return &c
}

// The shapes of SetUserPoolMfaConfig and GetUserPoolMfaConfig.
type SmsMfaConfigType struct {
	SmsAuthenticationMessage string          `json:",omitempty" cognito:"min=6,max=140"`
	SmsConfiguration         json.RawMessage `json:",omitempty"`
}

type SoftwareTokenMfaConfigType struct {
	Enabled bool
}

type EmailMfaConfigType struct {
	Message string `json:",omitempty" cognito:"min=6,max=20000"`
	Subject string `json:",omitempty" cognito:"min=1,max=140"`
}

type WebAuthnConfigurationType struct {
	RelyingPartyId      string `json:",omitempty" cognito:"min=1,max=127"`
	UserVerification    string `json:",omitempty" cognito:"enum=required|preferred"`
	FactorConfiguration string `json:",omitempty" cognito:"enum=SINGLE_FACTOR|MULTI_FACTOR_WITH_USER_VERIFICATION"`
}

// PoolMFA is what SetUserPoolMfaConfig sets besides the fields DescribeUserPool shows
// (MfaConfiguration, SmsAuthenticationMessage, SmsConfiguration). It is stored with the pool and
// never part of DescribeUserPool's answer (Wire strips it).
type PoolMFA struct {
	SMS      bool                       `json:"sms,omitempty"`
	TOTP     bool                       `json:"totp,omitempty"`
	Email    *EmailMfaConfigType        `json:"email,omitempty"`
	WebAuthn *WebAuthnConfigurationType `json:"webauthn,omitempty"`
}

// MFAFactor tells whether the pool offers factor as a second factor.
//
// A pool that SetUserPoolMfaConfig never configured offers SMS when CreateUserPool or
// UpdateUserPool turned MFA on with an SmsConfiguration, as Cognito's older pools do.
func (p *Pool) MFAFactor(factor string) bool {
	if p.MfaConfiguration == "" || p.MfaConfiguration == "OFF" {
		return false
	}
	m := p.MFASettings
	if m == nil {
		return factor == MFASMS && len(p.SmsConfiguration) > 0
	}
	switch factor {
	case MFASMS:
		return m.SMS
	case MFATOTP:
		return m.TOTP
	case MFAEmail:
		return m.Email != nil
	}
	return false
}

// PasskeyMFAOn tells whether the user turned passkey MFA on.
func (u *UserRecord) PasskeyMFAOn() bool { return u.MFA != nil && u.MFA.PasskeyMFA }
