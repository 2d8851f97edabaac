package api

import "github.com/cognatehq/cognate/pkg/userpool/model"

// ---- software token ----

type AssociateSoftwareTokenInput struct {
	AccessToken string `json:",omitempty" cognito:"pattern=token,sensitive"`
	Session     string `json:",omitempty" cognito:"min=20,max=2048,sensitive"`
}

type AssociateSoftwareTokenOutput struct {
	SecretCode string `json:",omitempty"`
	Session    string `json:",omitempty"`
}

type VerifySoftwareTokenInput struct {
	AccessToken        string `json:",omitempty" cognito:"pattern=token,sensitive"`
	Session            string `json:",omitempty" cognito:"min=20,max=2048,sensitive"`
	UserCode           string `cognito:"required,min=6,max=6,sensitive"`
	FriendlyDeviceName string `json:",omitempty" cognito:"max=131072"`
}

type VerifySoftwareTokenOutput struct {
	Status  string `json:",omitempty"`
	Session string `json:",omitempty"`
	// RecoveryCodes is ours, not Cognito's: the new recovery codes, in pools tagged
	// cognate:recovery-codes=enabled (docs/mfa.md). SDKs ignore the member.
	RecoveryCodes []string `json:",omitempty"`
}

// ---- preferences ----

type MfaSettingsType struct {
	Enabled      bool
	PreferredMfa bool
}

type SetUserMFAPreferenceInput struct {
	AccessToken              string           `cognito:"required,pattern=token,sensitive"`
	SMSMfaSettings           *MfaSettingsType `json:",omitempty"`
	SoftwareTokenMfaSettings *MfaSettingsType `json:",omitempty"`
	EmailMfaSettings         *MfaSettingsType `json:",omitempty"`
	WebAuthnMfaSettings      *MfaSettingsType `json:",omitempty"`
}

type SetUserMFAPreferenceOutput struct{}

type AdminSetUserMFAPreferenceInput struct {
	UserPoolId               string           `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username                 string           `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	SMSMfaSettings           *MfaSettingsType `json:",omitempty"`
	SoftwareTokenMfaSettings *MfaSettingsType `json:",omitempty"`
	EmailMfaSettings         *MfaSettingsType `json:",omitempty"`
	WebAuthnMfaSettings      *MfaSettingsType `json:",omitempty"`
}

type AdminSetUserMFAPreferenceOutput struct{}

// ---- the pool ----

type SetUserPoolMfaConfigInput struct {
	UserPoolId                    string                            `cognito:"required,min=1,max=55,pattern=userPoolId"`
	SmsMfaConfiguration           *model.SmsMfaConfigType           `json:",omitempty"`
	SoftwareTokenMfaConfiguration *model.SoftwareTokenMfaConfigType `json:",omitempty"`
	EmailMfaConfiguration         *model.EmailMfaConfigType         `json:",omitempty"`
	MfaConfiguration              string                            `json:",omitempty" cognito:"enum=OFF|ON|OPTIONAL"`
	WebAuthnConfiguration         *model.WebAuthnConfigurationType  `json:",omitempty"`
}

type SetUserPoolMfaConfigOutput = UserPoolMfaConfig

type GetUserPoolMfaConfigInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type GetUserPoolMfaConfigOutput = UserPoolMfaConfig

// UserPoolMfaConfig is what SetUserPoolMfaConfig and GetUserPoolMfaConfig answer.
type UserPoolMfaConfig struct {
	SmsMfaConfiguration           *model.SmsMfaConfigType           `json:",omitempty"`
	SoftwareTokenMfaConfiguration *model.SoftwareTokenMfaConfigType `json:",omitempty"`
	EmailMfaConfiguration         *model.EmailMfaConfigType         `json:",omitempty"`
	MfaConfiguration              string                            `json:",omitempty"`
	WebAuthnConfiguration         *model.WebAuthnConfigurationType  `json:",omitempty"`
}

type GetUserAuthFactorsInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
}

type GetUserAuthFactorsOutput struct {
	Username                  string
	PreferredMfaSetting       string   `json:",omitempty"`
	UserMFASettingList        []string `json:",omitempty"`
	ConfiguredUserAuthFactors []string `json:",omitempty"`
}
