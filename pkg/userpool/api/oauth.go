package api

import (
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// Cognito's patterns for resource servers and their scopes.
func init() {
	cognito.RegisterPattern("resourceServerIdentifier", `[\x21\x23-\x5B\x5D-\x7E]+`)
	cognito.RegisterPattern("resourceServerName", `[\w\s+=,.@-]+`)
	cognito.RegisterPattern("scopeName", `[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+`)
}

// ---- domains ----

type CreateUserPoolDomainInput struct {
	Domain              string                        `cognito:"required,min=1,max=253"`
	UserPoolId          string                        `cognito:"required,min=1,max=55,pattern=userPoolId"`
	CustomDomainConfig  *model.CustomDomainConfigType `json:",omitempty"`
	ManagedLoginVersion *int32                        `json:",omitempty"`
}

type CreateUserPoolDomainOutput struct {
	CloudFrontDomain    string `json:",omitempty"`
	ManagedLoginVersion *int32 `json:",omitempty"`
}

type DescribeUserPoolDomainInput struct {
	Domain string `cognito:"required,min=1,max=253"`
}

type DescribeUserPoolDomainOutput struct {
	// DomainDescription is never nil: an unknown domain gets an empty one.
	DomainDescription *model.DomainDescriptionType
}

type UpdateUserPoolDomainInput struct {
	Domain              string                        `cognito:"required,min=1,max=253"`
	UserPoolId          string                        `cognito:"required,min=1,max=55,pattern=userPoolId"`
	CustomDomainConfig  *model.CustomDomainConfigType `json:",omitempty"`
	ManagedLoginVersion *int32                        `json:",omitempty"`
}

type UpdateUserPoolDomainOutput struct {
	CloudFrontDomain    string `json:",omitempty"`
	ManagedLoginVersion *int32 `json:",omitempty"`
}

type DeleteUserPoolDomainInput struct {
	Domain     string `cognito:"required,min=1,max=253"`
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type DeleteUserPoolDomainOutput struct{}

// ---- resource servers ----

type CreateResourceServerInput struct {
	UserPoolId string                          `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Identifier string                          `cognito:"required,min=1,max=256,pattern=resourceServerIdentifier"`
	Name       string                          `cognito:"required,min=1,max=256,pattern=resourceServerName"`
	Scopes     []model.ResourceServerScopeType `json:",omitempty" cognito:"max=100"`
}

type CreateResourceServerOutput struct {
	ResourceServer *model.ResourceServerType
}

type DescribeResourceServerInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Identifier string `cognito:"required,min=1,max=256,pattern=resourceServerIdentifier"`
}

type DescribeResourceServerOutput struct {
	ResourceServer *model.ResourceServerType
}

type UpdateResourceServerInput struct {
	UserPoolId string                          `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Identifier string                          `cognito:"required,min=1,max=256,pattern=resourceServerIdentifier"`
	Name       string                          `cognito:"required,min=1,max=256,pattern=resourceServerName"`
	Scopes     []model.ResourceServerScopeType `json:",omitempty" cognito:"max=100"`
}

type UpdateResourceServerOutput struct {
	ResourceServer *model.ResourceServerType
}

type DeleteResourceServerInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Identifier string `cognito:"required,min=1,max=256,pattern=resourceServerIdentifier"`
}

type DeleteResourceServerOutput struct{}

type ListResourceServersInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	MaxResults *int32 `json:",omitempty" cognito:"minval=1,maxval=50"`
	NextToken  string `json:",omitempty" cognito:"min=1,pattern=paginationKey"`
}

type ListResourceServersOutput struct {
	ResourceServers []model.ResourceServerType
	NextToken       string `json:",omitempty"`
}
