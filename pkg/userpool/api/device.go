package api

import "github.com/cognatehq/cognate/pkg/userpool/model"

// Wire shapes of the device operations (Cognito JSON 1.1 names).

type ConfirmDeviceInput struct {
	AccessToken                string                                `cognito:"required,pattern=token,sensitive"`
	DeviceKey                  string                                `cognito:"required,min=1,max=55,pattern=deviceKey"`
	DeviceSecretVerifierConfig *model.DeviceSecretVerifierConfigType `json:",omitempty"`
	DeviceName                 string                                `json:",omitempty" cognito:"min=1,max=1024"`
}

type ConfirmDeviceOutput struct {
	UserConfirmationNecessary bool
}

type GetDeviceInput struct {
	DeviceKey   string `cognito:"required,min=1,max=55,pattern=deviceKey"`
	AccessToken string `json:",omitempty" cognito:"pattern=token,sensitive"`
}

type GetDeviceOutput struct {
	Device *model.DeviceType `json:",omitempty"`
}

type ListDevicesInput struct {
	AccessToken     string `cognito:"required,pattern=token,sensitive"`
	Limit           *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
	PaginationToken string `json:",omitempty" cognito:"min=1,pattern=paginationKey"`
}

type ListDevicesOutput struct {
	Devices         []model.DeviceType
	PaginationToken string `json:",omitempty"`
}

type ForgetDeviceInput struct {
	AccessToken string `json:",omitempty" cognito:"pattern=token,sensitive"`
	DeviceKey   string `cognito:"required,min=1,max=55,pattern=deviceKey"`
}

type ForgetDeviceOutput struct{}

type UpdateDeviceStatusInput struct {
	AccessToken            string `cognito:"required,pattern=token,sensitive"`
	DeviceKey              string `cognito:"required,min=1,max=55,pattern=deviceKey"`
	DeviceRememberedStatus string `json:",omitempty" cognito:"enum=remembered|not_remembered"`
}

type UpdateDeviceStatusOutput struct{}

type AdminGetDeviceInput struct {
	DeviceKey  string `cognito:"required,min=1,max=55,pattern=deviceKey"`
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
}

type AdminGetDeviceOutput struct {
	Device *model.DeviceType `json:",omitempty"`
}

type AdminListDevicesInput struct {
	UserPoolId      string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username        string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	Limit           *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
	PaginationToken string `json:",omitempty" cognito:"min=1,pattern=paginationKey"`
}

type AdminListDevicesOutput struct {
	Devices         []model.DeviceType
	PaginationToken string `json:",omitempty"`
}

type AdminForgetDeviceInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	DeviceKey  string `cognito:"required,min=1,max=55,pattern=deviceKey"`
}

type AdminForgetDeviceOutput struct{}

type AdminUpdateDeviceStatusInput struct {
	UserPoolId             string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username               string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	DeviceKey              string `cognito:"required,min=1,max=55,pattern=deviceKey"`
	DeviceRememberedStatus string `json:",omitempty" cognito:"enum=remembered|not_remembered"`
}

type AdminUpdateDeviceStatusOutput struct{}
