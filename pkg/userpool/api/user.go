package api

import (
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// Wire shapes of user, sign-up and sign-in operations (Cognito JSON 1.1 names).

// ---- sign-up ----

type SignUpInput struct {
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                       `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                       `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	Password          *string                      `json:",omitempty" cognito:"max=256,pattern=password,sensitive"`
	UserAttributes    []model.AttributeType        `json:",omitempty"`
	ValidationData    []model.AttributeType        `json:",omitempty"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData   *model.UserContextDataType   `json:",omitempty"`
	ClientMetadata    map[string]string            `json:",omitempty"`
}

type SignUpOutput struct {
	UserConfirmed       bool
	CodeDeliveryDetails *model.CodeDeliveryDetailsType `json:",omitempty"`
	UserSub             string
	Session             string `json:",omitempty"`
}

type ConfirmSignUpInput struct {
	ClientId           string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash         string                       `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username           string                       `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	ConfirmationCode   string                       `cognito:"required,min=1,max=2048,pattern=code"`
	ForceAliasCreation bool                         `json:",omitempty"`
	AnalyticsMetadata  *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData    *model.UserContextDataType   `json:",omitempty"`
	ClientMetadata     map[string]string            `json:",omitempty"`
	Session            string                       `json:",omitempty" cognito:"min=20,max=2048"`
}

type ConfirmSignUpOutput struct {
	Session string `json:",omitempty"`
}

type ResendConfirmationCodeInput struct {
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                       `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                       `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData   *model.UserContextDataType   `json:",omitempty"`
	ClientMetadata    map[string]string            `json:",omitempty"`
}

type ResendConfirmationCodeOutput struct {
	CodeDeliveryDetails *model.CodeDeliveryDetailsType `json:",omitempty"`
}

type AdminConfirmSignUpInput struct {
	UserPoolId     string            `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username       string            `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	ClientMetadata map[string]string `json:",omitempty"`
}

type AdminConfirmSignUpOutput struct{}

// ---- sign-in ----

type InitiateAuthInput struct {
	AuthFlow          string                       `cognito:"required,enum=USER_SRP_AUTH|REFRESH_TOKEN_AUTH|REFRESH_TOKEN|CUSTOM_AUTH|ADMIN_NO_SRP_AUTH|USER_PASSWORD_AUTH|ADMIN_USER_PASSWORD_AUTH|USER_AUTH"`
	AuthParameters    map[string]string            `json:",omitempty" cognito:"sensitive"`
	ClientMetadata    map[string]string            `json:",omitempty"`
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData   *model.UserContextDataType   `json:",omitempty"`
	Session           string                       `json:",omitempty" cognito:"min=20,max=2048"`
}

type AuthOutput struct {
	ChallengeName        string                          `json:",omitempty"`
	Session              string                          `json:",omitempty"`
	ChallengeParameters  map[string]string               `json:",omitempty"`
	AuthenticationResult *model.AuthenticationResultType `json:",omitempty"`
	AvailableChallenges  []string                        `json:",omitempty"`
}

type InitiateAuthOutput = AuthOutput

type AdminInitiateAuthInput struct {
	UserPoolId        string                       `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	AuthFlow          string                       `cognito:"required,enum=USER_SRP_AUTH|REFRESH_TOKEN_AUTH|REFRESH_TOKEN|CUSTOM_AUTH|ADMIN_NO_SRP_AUTH|USER_PASSWORD_AUTH|ADMIN_USER_PASSWORD_AUTH|USER_AUTH"`
	AuthParameters    map[string]string            `json:",omitempty" cognito:"sensitive"`
	ClientMetadata    map[string]string            `json:",omitempty"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	ContextData       *model.ContextDataType       `json:",omitempty"`
	Session           string                       `json:",omitempty" cognito:"min=20,max=2048"`
}

type AdminInitiateAuthOutput = AuthOutput

type RespondToAuthChallengeInput struct {
	ClientId           string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	ChallengeName      string                       `cognito:"required"`
	Session            string                       `json:",omitempty" cognito:"min=20,max=2048"`
	ChallengeResponses map[string]string            `json:",omitempty" cognito:"sensitive"`
	AnalyticsMetadata  *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData    *model.UserContextDataType   `json:",omitempty"`
	ClientMetadata     map[string]string            `json:",omitempty"`
}

type RespondToAuthChallengeOutput = AuthOutput

type AdminRespondToAuthChallengeInput struct {
	UserPoolId         string                       `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId           string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	ChallengeName      string                       `cognito:"required"`
	ChallengeResponses map[string]string            `json:",omitempty" cognito:"sensitive"`
	Session            string                       `json:",omitempty" cognito:"min=20,max=2048"`
	AnalyticsMetadata  *model.AnalyticsMetadataType `json:",omitempty"`
	ContextData        *model.ContextDataType       `json:",omitempty"`
	ClientMetadata     map[string]string            `json:",omitempty"`
}

type AdminRespondToAuthChallengeOutput = AuthOutput

type GetTokensFromRefreshTokenInput struct {
	RefreshToken   string            `cognito:"required,pattern=token,sensitive"`
	ClientId       string            `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	ClientSecret   string            `json:",omitempty" cognito:"min=1,max=64,sensitive"`
	DeviceKey      string            `json:",omitempty" cognito:"min=1,max=55"`
	ClientMetadata map[string]string `json:",omitempty"`
}

type GetTokensFromRefreshTokenOutput struct {
	AuthenticationResult *model.AuthenticationResultType `json:",omitempty"`
}

type RevokeTokenInput struct {
	Token        string `cognito:"required,pattern=token,sensitive"`
	ClientId     string `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	ClientSecret string `json:",omitempty" cognito:"min=1,max=64,sensitive"`
}

type RevokeTokenOutput struct{}

// ---- access-token operations ----

type GetUserInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
}

type GetUserOutput struct {
	Username            string
	UserAttributes      []model.AttributeType
	MFAOptions          []model.MFAOptionType `json:",omitempty"`
	PreferredMfaSetting string                `json:",omitempty"`
	UserMFASettingList  []string              `json:",omitempty"`
}

type ChangePasswordInput struct {
	PreviousPassword *string `json:",omitempty" cognito:"max=256,pattern=password,sensitive"`
	ProposedPassword string  `cognito:"required,max=256,pattern=password,sensitive"`
	AccessToken      string  `cognito:"required,pattern=token,sensitive"`
}

type ChangePasswordOutput struct{}

type GlobalSignOutInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
}

type GlobalSignOutOutput struct{}

type DeleteUserInput struct {
	AccessToken string `cognito:"required,pattern=token,sensitive"`
}

type DeleteUserOutput struct{}

// ---- admin users ----

type AdminGetUserInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
}

type AdminGetUserOutput struct {
	Username             string
	UserAttributes       []model.AttributeType `json:",omitempty"`
	UserCreateDate       *cognito.Time         `json:",omitempty"`
	UserLastModifiedDate *cognito.Time         `json:",omitempty"`
	Enabled              bool
	UserStatus           string
	MFAOptions           []model.MFAOptionType `json:",omitempty"`
	PreferredMfaSetting  string                `json:",omitempty"`
	UserMFASettingList   []string              `json:",omitempty"`
}

type AdminCreateUserInput struct {
	UserPoolId             string                `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username               string                `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserAttributes         []model.AttributeType `json:",omitempty"`
	ValidationData         []model.AttributeType `json:",omitempty"`
	TemporaryPassword      *string               `json:",omitempty" cognito:"max=256,pattern=password,sensitive"`
	ForceAliasCreation     bool                  `json:",omitempty"`
	MessageAction          string                `json:",omitempty" cognito:"enum=RESEND|SUPPRESS"`
	DesiredDeliveryMediums []string              `json:",omitempty"`
	ClientMetadata         map[string]string     `json:",omitempty"`
}

type AdminCreateUserOutput struct {
	User *model.UserType `json:",omitempty"`
}

type AdminDeleteUserInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
}

type AdminDeleteUserOutput struct{}

type AdminSetUserPasswordInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	Password   string `cognito:"required,max=256,pattern=password,sensitive"`
	Permanent  bool   `json:",omitempty"`
}

type AdminSetUserPasswordOutput struct{}

type AdminUserGlobalSignOutInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
}

type AdminUserGlobalSignOutOutput struct{}

type ListUsersInput struct {
	UserPoolId      string   `cognito:"required,min=1,max=55,pattern=userPoolId"`
	AttributesToGet []string `json:",omitempty"`
	Limit           *int32   `json:",omitempty" cognito:"minval=0,maxval=60"`
	PaginationToken string   `json:",omitempty" cognito:"min=1,max=131072"`
	Filter          string   `json:",omitempty" cognito:"max=256"`
}

type ListUsersOutput struct {
	Users           []model.UserType
	PaginationToken string `json:",omitempty"`
}
