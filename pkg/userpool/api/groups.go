package api

import "github.com/cognatehq/cognate/pkg/userpool/model"

type CreateGroupInput struct {
	GroupName   string `cognito:"required,min=1,max=128,pattern=groupName"`
	UserPoolId  string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Description string `json:",omitempty" cognito:"max=2048"`
	RoleArn     string `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	Precedence  *int32 `json:",omitempty" cognito:"minval=0"`
}

type CreateGroupOutput struct {
	Group *model.GroupType `json:",omitempty"`
}

type GetGroupInput struct {
	GroupName  string `cognito:"required,min=1,max=128,pattern=groupName"`
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type GetGroupOutput struct {
	Group *model.GroupType `json:",omitempty"`
}

type UpdateGroupInput struct {
	GroupName   string  `cognito:"required,min=1,max=128,pattern=groupName"`
	UserPoolId  string  `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Description *string `json:",omitempty" cognito:"max=2048"`
	RoleArn     *string `json:",omitempty" cognito:"min=20,max=2048,pattern=arn"`
	Precedence  *int32  `json:",omitempty" cognito:"minval=0"`
}

type UpdateGroupOutput struct {
	Group *model.GroupType `json:",omitempty"`
}

type DeleteGroupInput struct {
	GroupName  string `cognito:"required,min=1,max=128,pattern=groupName"`
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
}

type DeleteGroupOutput struct{}

type ListGroupsInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Limit      *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
	NextToken  string `json:",omitempty"`
}

type ListGroupsOutput struct {
	Groups    []model.GroupType
	NextToken string `json:",omitempty"`
}

type AdminAddUserToGroupInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	GroupName  string `cognito:"required,min=1,max=128,pattern=groupName"`
}

type AdminAddUserToGroupOutput struct{}

type AdminRemoveUserFromGroupInput = AdminAddUserToGroupInput

type AdminRemoveUserFromGroupOutput struct{}

type AdminListGroupsForUserInput struct {
	Username   string `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	Limit      *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
	NextToken  string `json:",omitempty"`
}

type AdminListGroupsForUserOutput struct {
	Groups    []model.GroupType
	NextToken string `json:",omitempty"`
}

type ListUsersInGroupInput struct {
	UserPoolId string `cognito:"required,min=1,max=55,pattern=userPoolId"`
	GroupName  string `cognito:"required,min=1,max=128,pattern=groupName"`
	Limit      *int32 `json:",omitempty" cognito:"minval=0,maxval=60"`
	NextToken  string `json:",omitempty"`
}

type ListUsersInGroupOutput struct {
	Users     []model.UserType
	NextToken string `json:",omitempty"`
}
