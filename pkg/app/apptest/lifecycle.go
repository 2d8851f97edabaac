package apptest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// runLifecycleTests covers the account lifecycle: groups, recovery, attributes, admin status
// changes and protections.
func runLifecycleTests(t *testing.T, newTable storetest.NewTable) {
	t.Run("Groups", func(t *testing.T) { testGroups(t, Start(t, newTable)) })
}

func testGroups(t *testing.T, e *Env) {
	f := newPool(t, e, nil)
	c := e.Client
	pool := aws.String(f.poolID)
	g := must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("admins"), Precedence: aws.Int32(1),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/admins"), Description: aws.String("the admins")}))(t)
	if *g.Group.GroupName != "admins" || *g.Group.Precedence != 1 || g.Group.CreationDate == nil {
		t.Fatalf("CreateGroup: %+v", g.Group)
	}
	_, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("admins")})
	wantErr(t, err, "GroupExistsException", "A group with the name admins already exists.")
	must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("readers"), Precedence: aws.Int32(5),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/readers")}))(t)
	must(c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	_, err = c.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: pool, GroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	up := must(c.UpdateGroup(ctx, &cip.UpdateGroupInput{UserPoolId: pool, GroupName: aws.String("beta"), Description: aws.String("early access")}))(t)
	if *up.Group.Description != "early access" {
		t.Fatalf("UpdateGroup: %+v", up.Group)
	}
	lg := must(c.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool, Limit: aws.Int32(2)}))(t)
	lg2 := must(c.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: pool, Limit: aws.Int32(2), NextToken: lg.NextToken}))(t)
	if len(lg.Groups)+len(lg2.Groups) != 3 || lg2.NextToken != nil {
		t.Fatalf("ListGroups pages: %d + %d", len(lg.Groups), len(lg2.Groups))
	}

	f.confirmedUser(t, "gus", "gus@example.com")
	for _, name := range []string{"readers", "admins", "beta", "admins"} { // adding twice is fine
		must(c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String(name)}))(t)
	}
	_, err = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	_, err = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("nobody"), GroupName: aws.String("beta")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	fg := must(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("gus")}))(t)
	if len(fg.Groups) != 3 || *fg.Groups[0].GroupName != "admins" || *fg.Groups[1].GroupName != "readers" || *fg.Groups[2].GroupName != "beta" {
		t.Fatalf("AdminListGroupsForUser order: %+v", fg.Groups)
	}

	// Tokens carry the groups by precedence, the roles, and the preferred role.
	res := must(f.signIn(t, "gus", strongPassword))(t)
	ac, id := claims(t, *res.AccessToken), claims(t, *res.IdToken)
	for _, m := range []map[string]any{ac, id} {
		gs, _ := m["cognito:groups"].([]any)
		if len(gs) != 3 || gs[0] != "admins" || gs[1] != "readers" || gs[2] != "beta" {
			t.Fatalf("cognito:groups = %v", m["cognito:groups"])
		}
	}
	if id["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/admins" {
		t.Fatalf("preferred role: %v", id["cognito:preferred_role"])
	}
	if roles, _ := id["cognito:roles"].([]any); len(roles) != 2 {
		t.Fatalf("cognito:roles = %v", id["cognito:roles"])
	}
	if _, ok := ac["cognito:roles"]; ok {
		t.Fatal("access tokens carry no roles")
	}

	ug := must(c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	if len(ug.Users) != 1 || *ug.Users[0].Username != "gus" {
		t.Fatalf("ListUsersInGroup: %+v", ug.Users)
	}
	must(c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: pool, Username: aws.String("gus"), GroupName: aws.String("readers")}))(t)
	must(c.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: pool, GroupName: aws.String("beta")}))(t)
	_, err = c.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: pool, GroupName: aws.String("beta")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	fg = must(c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: pool, Username: aws.String("gus")}))(t)
	if len(fg.Groups) != 1 || *fg.Groups[0].GroupName != "admins" {
		t.Fatalf("after remove and delete: %+v", fg.Groups)
	}
	res = must(f.signIn(t, "gus", strongPassword))(t)
	if gs, _ := claims(t, *res.AccessToken)["cognito:groups"].([]any); len(gs) != 1 {
		t.Fatalf("groups after changes: %v", gs)
	}
}
