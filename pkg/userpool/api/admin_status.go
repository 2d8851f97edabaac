package api

type AdminDisableUserInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
}

type AdminDisableUserOutput struct{}

type AdminEnableUserInput = AdminDisableUserInput

type AdminEnableUserOutput struct{}

type AdminResetUserPasswordInput struct {
	UserPoolId     string            `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username       string            `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	ClientMetadata map[string]string `json:",omitempty"`
}

type AdminResetUserPasswordOutput struct{}
