package api

import "github.com/cognatehq/cognate/pkg/userpool/model"

type ForgotPasswordInput struct {
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                       `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                       `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserContextData   *model.UserContextDataType   `json:",omitempty"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	ClientMetadata    map[string]string            `json:",omitempty"`
}

type ForgotPasswordOutput struct {
	CodeDeliveryDetails *model.CodeDeliveryDetailsType `json:",omitempty"`
}

type ConfirmForgotPasswordInput struct {
	ClientId          string                       `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                       `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                       `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	ConfirmationCode  string                       `cognito:"required,min=1,max=2048,pattern=code"`
	Password          string                       `cognito:"required,max=256,pattern=password,sensitive"`
	AnalyticsMetadata *model.AnalyticsMetadataType `json:",omitempty"`
	UserContextData   *model.UserContextDataType   `json:",omitempty"`
	ClientMetadata    map[string]string            `json:",omitempty"`
}

type ConfirmForgotPasswordOutput struct{}
