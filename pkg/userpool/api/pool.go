package api

import (
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// Wire shapes of pools and app clients, named and tagged as Cognito's JSON 1.1 protocol has
// them. `cognito:"..."` tags are the protocol constraints the edge validates before a call.

type CreateUserPoolInput struct {
	PoolName              string                           `cognito:"required,min=1,max=128,pattern=poolName"`
	AliasAttributes       []string                         `json:",omitempty"`
	UsernameAttributes    []string                         `json:",omitempty"`
	Schema                []model.SchemaAttributeType      `json:",omitempty" cognito:"min=1,max=50"`
	UsernameConfiguration *model.UsernameConfigurationType `json:",omitempty"`
	model.PoolSettings
}

type CreateUserPoolOutput struct {
	UserPool *model.UserPoolType `json:",omitempty"`
}

type DescribeUserPoolInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type DescribeUserPoolOutput struct {
	UserPool *model.UserPoolType `json:",omitempty"`
}

type UpdateUserPoolInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	model.PoolSettings
}

type UpdateUserPoolOutput struct{}

type DeleteUserPoolInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type DeleteUserPoolOutput struct{}

type ListUserPoolsInput struct {
	MaxResults *int32 `cognito:"required,minval=1,maxval=60"`
	NextToken  string `json:",omitempty" cognito:"min=1,max=131072"`
}

type ListUserPoolsOutput struct {
	UserPools []model.UserPoolDescriptionType
	NextToken string `json:",omitempty"`
}

type AddCustomAttributesInput struct {
	UserPoolId       string                      `cognito:"required,min=1,max=55,pattern=userPoolId"`
	CustomAttributes []model.SchemaAttributeType `cognito:"required,min=1,max=25"`
}

type AddCustomAttributesOutput struct{}

// ---- app clients ----

type CreateUserPoolClientInput struct {
	UserPoolId     string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	GenerateSecret bool   `json:",omitempty"`
	ClientSecret   string `json:",omitempty" cognito:"min=24,max=64,pattern=clientSecret,sensitive"`
	model.ClientSettings
}

type CreateUserPoolClientOutput struct {
	UserPoolClient *model.UserPoolClientType `json:",omitempty"`
}

type DescribeUserPoolClientInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId   string `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
}

type DescribeUserPoolClientOutput struct {
	UserPoolClient *model.UserPoolClientType `json:",omitempty"`
}

type UpdateUserPoolClientInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId   string `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	model.ClientSettings
}

type UpdateUserPoolClientOutput struct {
	UserPoolClient *model.UserPoolClientType `json:",omitempty"`
}

type DeleteUserPoolClientInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	ClientId   string `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
}

type DeleteUserPoolClientOutput struct{}

type ListUserPoolClientsInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	MaxResults int32  `json:",omitempty" cognito:"minval=1,maxval=60"`
	NextToken  string `json:",omitempty" cognito:"min=1,max=131072"`
}

type ListUserPoolClientsOutput struct {
	UserPoolClients []model.UserPoolClientDescription
	NextToken       string `json:",omitempty"`
}
