package model

import (
	"encoding/json"

	"github.com/cognatehq/cognate/pkg/cognito"
)

type PasswordPolicyType struct {
	MinimumLength                 *int32 `json:",omitempty" cognito:"minval=6,maxval=99"`
	RequireUppercase              bool
	RequireLowercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	PasswordHistorySize           *int32 `json:",omitempty" cognito:"minval=0,maxval=24"`
	TemporaryPasswordValidityDays int32  `cognito:"minval=0,maxval=365"`
}

type SignInPolicyType struct {
	AllowedFirstAuthFactors []string `json:",omitempty"`
}

type UserPoolPolicyType struct {
	PasswordPolicy *PasswordPolicyType `json:",omitempty"`
	SignInPolicy   *SignInPolicyType   `json:",omitempty"`
}

type NumberAttributeConstraintsType struct {
	MinValue *string `json:",omitempty"`
	MaxValue *string `json:",omitempty"`
}

type StringAttributeConstraintsType struct {
	MinLength *string `json:",omitempty"`
	MaxLength *string `json:",omitempty"`
}

type SchemaAttributeType struct {
	Name                       *string                         `json:",omitempty" cognito:"min=1,max=20,pattern=attrName"`
	AttributeDataType          *string                         `json:",omitempty" cognito:"enum=String|Number|DateTime|Boolean"`
	DeveloperOnlyAttribute     *bool                           `json:",omitempty"`
	Mutable                    *bool                           `json:",omitempty"`
	Required                   *bool                           `json:",omitempty"`
	NumberAttributeConstraints *NumberAttributeConstraintsType `json:",omitempty"`
	StringAttributeConstraints *StringAttributeConstraintsType `json:",omitempty"`
}

type VerificationMessageTemplateType struct {
	SmsMessage         string `json:",omitempty" cognito:"min=6,max=140"`
	EmailMessage       string `json:",omitempty" cognito:"min=6,max=20000"`
	EmailSubject       string `json:",omitempty" cognito:"min=1,max=140"`
	EmailMessageByLink string `json:",omitempty"`
	EmailSubjectByLink string `json:",omitempty"`
	DefaultEmailOption string `json:",omitempty" cognito:"enum=CONFIRM_WITH_LINK|CONFIRM_WITH_CODE"`
}

type MessageTemplateType struct {
	SMSMessage   string `json:",omitempty" cognito:"min=6,max=140"`
	EmailMessage string `json:",omitempty" cognito:"min=6,max=20000"`
	EmailSubject string `json:",omitempty" cognito:"min=1,max=140"`
}

type AdminCreateUserConfigType struct {
	AllowAdminCreateUserOnly  bool
	UnusedAccountValidityDays int32                `cognito:"minval=0,maxval=365"`
	InviteMessageTemplate     *MessageTemplateType `json:",omitempty"`
}

type UsernameConfigurationType struct {
	CaseSensitive *bool `cognito:"required"`
}

type DeviceConfigurationType struct {
	ChallengeRequiredOnNewDevice     bool
	DeviceOnlyRememberedOnUserPrompt bool
}

type UserAttributeUpdateSettingsType struct {
	AttributesRequireVerificationBeforeUpdate []string `json:",omitempty"`
}

type RecoveryOptionType struct {
	Priority *int32 `cognito:"required,minval=1,maxval=2"`
	Name     string `cognito:"required,enum=verified_email|verified_phone_number|admin_only"`
}

type AccountRecoverySettingType struct {
	RecoveryMechanisms []RecoveryOptionType `json:",omitempty" cognito:"min=1,max=2"`
}

// UserPoolType is the pool as DescribeUserPool returns it. Settings Cognate does not act on yet
// are kept verbatim (json.RawMessage) so they round-trip.
type UserPoolType struct {
	Id                          string                           `json:",omitempty"`
	Name                        string                           `json:",omitempty"`
	Arn                         string                           `json:",omitempty"`
	Policies                    *UserPoolPolicyType              `json:",omitempty"`
	DeletionProtection          string                           `json:",omitempty"`
	LambdaConfig                *LambdaConfigType                `json:",omitempty"`
	Status                      string                           `json:",omitempty"`
	LastModifiedDate            *cognito.Time                    `json:",omitempty"`
	CreationDate                *cognito.Time                    `json:",omitempty"`
	SchemaAttributes            []SchemaAttributeType            `json:",omitempty"`
	AutoVerifiedAttributes      []string                         `json:",omitempty"`
	AliasAttributes             []string                         `json:",omitempty"`
	UsernameAttributes          []string                         `json:",omitempty"`
	SmsVerificationMessage      string                           `json:",omitempty"`
	EmailVerificationMessage    string                           `json:",omitempty"`
	EmailVerificationSubject    string                           `json:",omitempty"`
	VerificationMessageTemplate *VerificationMessageTemplateType `json:",omitempty"`
	SmsAuthenticationMessage    string                           `json:",omitempty"`
	UserAttributeUpdateSettings *UserAttributeUpdateSettingsType `json:",omitempty"`
	MfaConfiguration            string                           `json:",omitempty"`
	DeviceConfiguration         *DeviceConfigurationType         `json:",omitempty"`
	EstimatedNumberOfUsers      int64
	EmailConfiguration          json.RawMessage             `json:",omitempty"`
	SmsConfiguration            json.RawMessage             `json:",omitempty"`
	UserPoolTags                map[string]string           `json:",omitempty"`
	Domain                      string                      `json:",omitempty"`
	CustomDomain                string                      `json:",omitempty"`
	AdminCreateUserConfig       *AdminCreateUserConfigType  `json:",omitempty"`
	UserPoolAddOns              json.RawMessage             `json:",omitempty"`
	UsernameConfiguration       *UsernameConfigurationType  `json:",omitempty"`
	AccountRecoverySetting      *AccountRecoverySettingType `json:",omitempty"`
	UserPoolTier                string                      `json:",omitempty"`
	// MFASettings is stored with the pool and stripped from every answer (Pool.Wire):
	// GetUserPoolMfaConfig shows it.
	MFASettings *PoolMFA `json:"CognateMFA,omitempty"`
}

// PoolSettings is the part of CreateUserPool and UpdateUserPool that both share.
type PoolSettings struct {
	Policies                    *UserPoolPolicyType              `json:",omitempty"`
	DeletionProtection          string                           `json:",omitempty" cognito:"enum=ACTIVE|INACTIVE"`
	LambdaConfig                *LambdaConfigType                `json:",omitempty"`
	AutoVerifiedAttributes      []string                         `json:",omitempty"`
	SmsVerificationMessage      string                           `json:",omitempty" cognito:"min=6,max=140"`
	EmailVerificationMessage    string                           `json:",omitempty" cognito:"min=6,max=20000"`
	EmailVerificationSubject    string                           `json:",omitempty" cognito:"min=1,max=140"`
	VerificationMessageTemplate *VerificationMessageTemplateType `json:",omitempty"`
	SmsAuthenticationMessage    string                           `json:",omitempty" cognito:"min=6,max=140"`
	UserAttributeUpdateSettings *UserAttributeUpdateSettingsType `json:",omitempty"`
	MfaConfiguration            string                           `json:",omitempty" cognito:"enum=OFF|ON|OPTIONAL"`
	DeviceConfiguration         *DeviceConfigurationType         `json:",omitempty"`
	EmailConfiguration          json.RawMessage                  `json:",omitempty"`
	SmsConfiguration            json.RawMessage                  `json:",omitempty"`
	UserPoolTags                map[string]string                `json:",omitempty"`
	AdminCreateUserConfig       *AdminCreateUserConfigType       `json:",omitempty"`
	UserPoolAddOns              json.RawMessage                  `json:",omitempty"`
	AccountRecoverySetting      *AccountRecoverySettingType      `json:",omitempty"`
	UserPoolTier                string                           `json:",omitempty" cognito:"enum=LITE|ESSENTIALS|PLUS"`
}

type UserPoolDescriptionType struct {
	Id               string
	Name             string
	LambdaConfig     *LambdaConfigType `json:",omitempty"`
	Status           string            `json:",omitempty"`
	LastModifiedDate *cognito.Time     `json:",omitempty"`
	CreationDate     *cognito.Time     `json:",omitempty"`
}

type TokenValidityUnitsType struct {
	AccessToken  string `json:",omitempty" cognito:"enum=seconds|minutes|hours|days"`
	IdToken      string `json:",omitempty" cognito:"enum=seconds|minutes|hours|days"`
	RefreshToken string `json:",omitempty" cognito:"enum=seconds|minutes|hours|days"`
}

type RefreshTokenRotationType struct {
	Feature                 string `cognito:"required,enum=ENABLED|DISABLED"`
	RetryGracePeriodSeconds *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
}

// ClientSettings is what CreateUserPoolClient and UpdateUserPoolClient share.
type ClientSettings struct {
	ClientName                               string                    `json:",omitempty" cognito:"min=1,max=128,pattern=clientName"`
	RefreshTokenValidity                     int32                     `json:",omitempty" cognito:"minval=0,maxval=315360000"`
	AccessTokenValidity                      *int32                    `json:",omitempty" cognito:"minval=1,maxval=86400"`
	IdTokenValidity                          *int32                    `json:",omitempty" cognito:"minval=1,maxval=86400"`
	TokenValidityUnits                       *TokenValidityUnitsType   `json:",omitempty"`
	ReadAttributes                           []string                  `json:",omitempty"`
	WriteAttributes                          []string                  `json:",omitempty"`
	ExplicitAuthFlows                        []string                  `json:",omitempty"`
	SupportedIdentityProviders               []string                  `json:",omitempty"`
	CallbackURLs                             []string                  `json:",omitempty" cognito:"max=100"`
	LogoutURLs                               []string                  `json:",omitempty" cognito:"max=100"`
	DefaultRedirectURI                       string                    `json:",omitempty"`
	AllowedOAuthFlows                        []string                  `json:",omitempty" cognito:"max=3"`
	AllowedOAuthScopes                       []string                  `json:",omitempty" cognito:"max=50"`
	AllowedOAuthFlowsUserPoolClient          bool                      `json:",omitempty"`
	AnalyticsConfiguration                   json.RawMessage           `json:",omitempty"`
	PreventUserExistenceErrors               string                    `json:",omitempty" cognito:"enum=LEGACY|ENABLED"`
	EnableTokenRevocation                    *bool                     `json:",omitempty"`
	EnablePropagateAdditionalUserContextData *bool                     `json:",omitempty"`
	AuthSessionValidity                      *int32                    `json:",omitempty" cognito:"minval=3,maxval=15"`
	RefreshTokenRotation                     *RefreshTokenRotationType `json:",omitempty"`
}

// UserPoolClientType is the app client as DescribeUserPoolClient returns it.
type UserPoolClientType struct {
	UserPoolId                               string                    `json:",omitempty"`
	ClientName                               string                    `json:",omitempty"`
	ClientId                                 string                    `json:",omitempty"`
	ClientSecret                             string                    `json:",omitempty"`
	LastModifiedDate                         *cognito.Time             `json:",omitempty"`
	CreationDate                             *cognito.Time             `json:",omitempty"`
	RefreshTokenValidity                     int32                     `json:",omitempty"`
	AccessTokenValidity                      int32                     `json:",omitempty"`
	IdTokenValidity                          int32                     `json:",omitempty"`
	TokenValidityUnits                       *TokenValidityUnitsType   `json:",omitempty"`
	ReadAttributes                           []string                  `json:",omitempty"`
	WriteAttributes                          []string                  `json:",omitempty"`
	ExplicitAuthFlows                        []string                  `json:",omitempty"`
	SupportedIdentityProviders               []string                  `json:",omitempty"`
	CallbackURLs                             []string                  `json:",omitempty"`
	LogoutURLs                               []string                  `json:",omitempty"`
	DefaultRedirectURI                       string                    `json:",omitempty"`
	AllowedOAuthFlows                        []string                  `json:",omitempty"`
	AllowedOAuthScopes                       []string                  `json:",omitempty"`
	AllowedOAuthFlowsUserPoolClient          bool                      `json:",omitempty"`
	AnalyticsConfiguration                   json.RawMessage           `json:",omitempty"`
	PreventUserExistenceErrors               string                    `json:",omitempty"`
	EnableTokenRevocation                    *bool                     `json:",omitempty"`
	EnablePropagateAdditionalUserContextData *bool                     `json:",omitempty"`
	AuthSessionValidity                      int32                     `json:",omitempty"`
	RefreshTokenRotation                     *RefreshTokenRotationType `json:",omitempty"`
}

type UserPoolClientDescription struct {
	ClientId   string
	UserPoolId string
	ClientName string
}

type GroupType struct {
	GroupName        string        `json:",omitempty"`
	UserPoolId       string        `json:",omitempty"`
	Description      string        `json:",omitempty"`
	RoleArn          string        `json:",omitempty"`
	Precedence       *int32        `json:",omitempty"`
	LastModifiedDate *cognito.Time `json:",omitempty"`
	CreationDate     *cognito.Time `json:",omitempty"`
}

// LambdaConfigType is a pool's trigger functions (cognito-protocol.md §7): each a Lambda ARN.
// PreTokenGeneration is the V1_0 spelling of PreTokenGenerationConfig; the custom senders need
// KMSKeyID, the key their codes are encrypted under.
type LambdaConfigType struct {
	PreSignUp                   string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	CustomMessage               string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	PostConfirmation            string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	PreAuthentication           string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	PostAuthentication          string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	DefineAuthChallenge         string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	CreateAuthChallenge         string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	VerifyAuthChallengeResponse string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	PreTokenGeneration          string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	UserMigration               string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	PreTokenGenerationConfig    *PreTokenGenerationVersionConfigType `json:",omitempty"`
	CustomSMSSender             *CustomSenderLambdaConfigType        `json:",omitempty"`
	CustomEmailSender           *CustomSenderLambdaConfigType        `json:",omitempty"`
	KMSKeyID                    string                               `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	InboundFederation           *InboundFederationLambdaType         `json:",omitempty"`
}

// PreTokenGenerationVersionConfigType names the pre-token-generation function and the event
// version it is sent (V2_0 and V3_0 may change the access token too).
type PreTokenGenerationVersionConfigType struct {
	LambdaVersion string `cognito:"required,enum=V1_0|V2_0|V3_0"`
	LambdaArn     string `cognito:"required,min=20,max=2048,pattern=arn"`
}

// CustomSenderLambdaConfigType is a custom email or SMS sender (its events are V1_0 only).
type CustomSenderLambdaConfigType struct {
	LambdaVersion string `cognito:"required,enum=V1_0"`
	LambdaArn     string `cognito:"required,min=20,max=2048,pattern=arn"`
}

// InboundFederationLambdaType is the inbound-federation function (its event is sent once
// federation lands).
type InboundFederationLambdaType struct {
	LambdaVersion string `cognito:"required,enum=V1_0"`
	LambdaArn     string `cognito:"required,min=20,max=2048,pattern=arn"`
}
