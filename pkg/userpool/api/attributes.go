package api

import "github.com/cognatehq/cognate/pkg/userpool/model"

type UpdateUserAttributesInput struct {
	UserAttributes []model.AttributeType `cognito:"required"`
	AccessToken    string                `cognito:"required,pattern=token,sensitive"`
	ClientMetadata map[string]string     `json:",omitempty"`
}

type UpdateUserAttributesOutput struct {
	CodeDeliveryDetailsList []model.CodeDeliveryDetailsType `json:",omitempty"`
}

type AdminUpdateUserAttributesInput struct {
	UserPoolId     string                `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username       string                `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserAttributes []model.AttributeType `cognito:"required"`
	ClientMetadata map[string]string     `json:",omitempty"`
}

type AdminUpdateUserAttributesOutput struct{}

type DeleteUserAttributesInput struct {
	UserAttributeNames []string `cognito:"required,member.min=1,member.max=32"`
	AccessToken        string   `cognito:"required,pattern=token,sensitive"`
}

type DeleteUserAttributesOutput struct{}

type AdminDeleteUserAttributesInput struct {
	UserPoolId         string   `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username           string   `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserAttributeNames []string `cognito:"required,member.min=1,member.max=32"`
}

type AdminDeleteUserAttributesOutput struct{}

type GetUserAttributeVerificationCodeInput struct {
	AccessToken    string            `cognito:"required,pattern=token,sensitive"`
	AttributeName  string            `cognito:"required,min=1,max=32,pattern=attrName"`
	ClientMetadata map[string]string `json:",omitempty"`
}

type GetUserAttributeVerificationCodeOutput struct {
	CodeDeliveryDetails *model.CodeDeliveryDetailsType `json:",omitempty"`
}

type VerifyUserAttributeInput struct {
	AccessToken   string `cognito:"required,pattern=token,sensitive"`
	AttributeName string `cognito:"required,min=1,max=32,pattern=attrName"`
	Code          string `cognito:"required,min=1,max=2048,pattern=code"`
}

type VerifyUserAttributeOutput struct{}

type SetUserSettingsInput struct {
	AccessToken string                `cognito:"required,pattern=token,sensitive"`
	MFAOptions  []model.MFAOptionType `cognito:"required"`
}

type SetUserSettingsOutput struct{}

type AdminSetUserSettingsInput struct {
	UserPoolId string                `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string                `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	MFAOptions []model.MFAOptionType `cognito:"required"`
}

type AdminSetUserSettingsOutput struct{}
