package api

import (
	"encoding/json"

	"github.com/cognatehq/cognate/pkg/userpool/model"
)

type SetUICustomizationInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId   string `json:",omitempty" cognito:"min=1,max=128,pattern=clientId,sensitive"`
	CSS        *string
	ImageFile  []byte `json:",omitempty"`
}

type SetUICustomizationOutput struct {
	UICustomization *model.UICustomizationType
}

type GetUICustomizationInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId   string `json:",omitempty" cognito:"min=1,max=128,pattern=clientId,sensitive"`
}

type GetUICustomizationOutput struct {
	UICustomization *model.UICustomizationType
}

type CreateManagedLoginBrandingInput struct {
	UserPoolId               string            `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId                 string            `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	UseCognitoProvidedValues bool              `json:",omitempty"`
	Settings                 json.RawMessage   `json:",omitempty"`
	Assets                   []model.AssetType `json:",omitempty" cognito:"max=40"`
}

type CreateManagedLoginBrandingOutput struct {
	ManagedLoginBranding *model.ManagedLoginBrandingType
}

type DescribeManagedLoginBrandingInput struct {
	UserPoolId             string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ManagedLoginBrandingId string `cognito:"required,pattern=brandingId"`
	ReturnMergedResources  bool   `json:",omitempty"`
}

type DescribeManagedLoginBrandingOutput struct {
	ManagedLoginBranding *model.ManagedLoginBrandingType
}

type DescribeManagedLoginBrandingByClientInput struct {
	UserPoolId            string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId              string `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	ReturnMergedResources bool   `json:",omitempty"`
}

type DescribeManagedLoginBrandingByClientOutput struct {
	ManagedLoginBranding *model.ManagedLoginBrandingType
}

type UpdateManagedLoginBrandingInput struct {
	UserPoolId               string            `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ManagedLoginBrandingId   string            `cognito:"required,pattern=brandingId"`
	UseCognitoProvidedValues bool              `json:",omitempty"`
	Settings                 json.RawMessage   `json:",omitempty"`
	Assets                   []model.AssetType `json:",omitempty" cognito:"max=40"`
}

type UpdateManagedLoginBrandingOutput struct {
	ManagedLoginBranding *model.ManagedLoginBrandingType
}

type DeleteManagedLoginBrandingInput struct {
	UserPoolId             string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ManagedLoginBrandingId string `cognito:"required,pattern=brandingId"`
}

type DeleteManagedLoginBrandingOutput struct{}
