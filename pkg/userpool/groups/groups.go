// Package groups owns the group operations: CreateGroup, GetGroup, UpdateGroup, DeleteGroup,
// ListGroups, AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser and
// ListUsersInGroup. A user's membership is named on the user's record and indexed beside it,
// written in one transaction; the groups in tokens are the lineage's (cognito:groups).
package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/directory"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// Groups carries out the group operations.
type Groups struct {
	*ports.Ports
	dir *directory.Directory
}

// New builds the groups room.
func New(p *ports.Ports, dir *directory.Directory) *Groups { return &Groups{Ports: p, dir: dir} }

// ---- wire shapes ----

// ---- service ----

const maxGroupsPerUser = 100

func limitOr60(l *int32) int {
	if l == nil || *l <= 0 || *l > 60 {
		return 60
	}
	return int(*l)
}

// CreateGroup creates a group.
func (s *Groups) CreateGroup(ctx context.Context, in *api.CreateGroupInput) (*api.CreateGroupOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	now := model.WireTime(s.Now())
	g := &model.GroupType{GroupName: in.GroupName, UserPoolId: in.UserPoolId, Description: in.Description, RoleArn: in.RoleArn,
		Precedence: in.Precedence, CreationDate: now, LastModifiedDate: now}
	err := s.Repo.CreateGroup(ctx, &store.Group{PoolID: in.UserPoolId, Name: in.GroupName, Data: model.MustJSON(g)})
	switch {
	case errors.Is(err, store.ErrExists):
		return nil, cognito.GroupExists("A group with the name %s already exists.", in.GroupName)
	case errors.Is(err, store.ErrNotFound):
		return nil, msg.PoolNotFound(in.UserPoolId)
	case err != nil:
		return nil, msg.Internal(err)
	}
	return &api.CreateGroupOutput{Group: g}, nil
}

// GetGroup returns a group.
func (s *Groups) GetGroup(ctx context.Context, in *api.GetGroupInput) (*api.GetGroupOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	g, err := s.dir.Group(ctx, in.UserPoolId, in.GroupName)
	if err != nil {
		return nil, err
	}
	return &api.GetGroupOutput{Group: g}, nil
}

// UpdateGroup changes the fields given.
func (s *Groups) UpdateGroup(ctx context.Context, in *api.UpdateGroupInput) (*api.UpdateGroupOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	var out *model.GroupType
	_, err := s.Repo.UpdateGroup(ctx, in.UserPoolId, in.GroupName, func(sg *store.Group) error {
		g, err := directory.DecodeGroup(sg)
		if err != nil {
			return err
		}
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.RoleArn != nil {
			g.RoleArn = *in.RoleArn
		}
		if in.Precedence != nil {
			g.Precedence = in.Precedence
		}
		g.LastModifiedDate = model.WireTime(s.Now())
		sg.Data = model.MustJSON(g)
		out = g
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.GroupNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.UpdateGroupOutput{Group: out}, nil
}

// DeleteGroup removes a group and takes every member out of it.
func (s *Groups) DeleteGroup(ctx context.Context, in *api.DeleteGroupInput) (*api.DeleteGroupOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if _, err := s.dir.Group(ctx, p.Id, in.GroupName); err != nil {
		return nil, err
	}
	// Members first: while the group exists a retry of a half-finished delete can resume.
	cursor := ""
	for {
		keys, next, err := s.Repo.ListMembers(ctx, p.Id, in.GroupName, cursor, 100)
		if err != nil {
			return nil, msg.Internal(err)
		}
		for _, k := range keys {
			if err := s.setMembership(ctx, p, k, in.GroupName, false); err != nil && !errors.Is(err, cognito.ErrUserNotFound) {
				return nil, err
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if err := s.Repo.DeleteGroup(ctx, p.Id, in.GroupName); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.GroupNotFound()
		}
		return nil, msg.Internal(err)
	}
	return &api.DeleteGroupOutput{}, nil
}

// ListGroups pages through a pool's groups.
func (s *Groups) ListGroups(ctx context.Context, in *api.ListGroupsInput) (*api.ListGroupsOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	scope := "groups/" + in.UserPoolId
	cursor, err := s.OpenPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	groups, next, err := s.Repo.ListGroups(ctx, in.UserPoolId, cursor, limitOr60(in.Limit))
	if err != nil {
		return nil, ports.PageErr(err)
	}
	out := &api.ListGroupsOutput{Groups: []model.GroupType{}, NextToken: s.PageToken(next, scope)}
	for _, sg := range groups {
		g, err := directory.DecodeGroup(sg)
		if err != nil {
			return nil, msg.Internal(err)
		}
		out.Groups = append(out.Groups, *g)
	}
	return out, nil
}

// setMembership adds or removes one user's membership: the user's list and the index item move
// together, and an add checks in the same transaction that the group still exists.
func (s *Groups) setMembership(ctx context.Context, p *model.Pool, userKey, group string, add bool) error {
	su, err := s.Repo.GetUser(ctx, p.Id, userKey)
	if errors.Is(err, store.ErrNotFound) {
		return msg.UserNotFound()
	}
	if err != nil {
		return msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return msg.Internal(err)
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		has := slices.Contains(cur.Groups, group)
		if add {
			if has {
				return nil, nil // adding twice is not an error
			}
			if len(cur.Groups) >= maxGroupsPerUser {
				return nil, cognito.LimitExceeded("A user can be a member of at most %d groups.", maxGroupsPerUser)
			}
			cur.Groups = append(cur.Groups, group)
			return []store.Op{store.GroupCheckOp(p.Id, group), store.MembershipOp(p.Id, group, userKey, true)}, nil
		}
		cur.Groups = slices.DeleteFunc(cur.Groups, func(g string) bool { return g == group })
		return []store.Op{store.MembershipOp(p.Id, group, userKey, false)}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return msg.GroupNotFound()
	}
	return err
}

// AdminAddUserToGroup puts a user in a group (idempotent).
func (s *Groups) AdminAddUserToGroup(ctx context.Context, in *api.AdminAddUserToGroupInput) (*api.AdminAddUserToGroupOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if _, err := s.dir.Group(ctx, p.Id, in.GroupName); err != nil {
		return nil, err
	}
	if err := s.setMembership(ctx, p, u.Stored.Key, in.GroupName, true); err != nil {
		return nil, err
	}
	return &api.AdminAddUserToGroupOutput{}, nil
}

// AdminRemoveUserFromGroup takes a user out of a group.
func (s *Groups) AdminRemoveUserFromGroup(ctx context.Context, in *api.AdminRemoveUserFromGroupInput) (*api.AdminRemoveUserFromGroupOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if _, err := s.dir.Group(ctx, p.Id, in.GroupName); err != nil {
		return nil, err
	}
	if err := s.setMembership(ctx, p, u.Stored.Key, in.GroupName, false); err != nil {
		return nil, err
	}
	return &api.AdminRemoveUserFromGroupOutput{}, nil
}

// AdminListGroupsForUser lists a user's groups.
func (s *Groups) AdminListGroupsForUser(ctx context.Context, in *api.AdminListGroupsForUserInput) (*api.AdminListGroupsForUserOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	groups, err := s.dir.UserGroups(ctx, p, u)
	if err != nil {
		return nil, err
	}
	// The list is bounded (100 per user), so a token is an index into it, sealed like any other.
	scope := "user-groups/" + p.Id + "/" + u.Stored.Key
	start := 0
	if c, err := s.OpenPageToken(in.NextToken, scope); err != nil {
		return nil, err
	} else if c != "" {
		if start, err = atoiStrict(c); err != nil || start > len(groups) {
			return nil, msg.InvalidPageToken()
		}
	}
	end := min(start+limitOr60(in.Limit), len(groups))
	out := &api.AdminListGroupsForUserOutput{Groups: groups[start:end]}
	if end < len(groups) {
		out.NextToken = s.PageToken(itoa(end), scope)
	}
	return out, nil
}

// ListUsersInGroup pages through a group's members.
func (s *Groups) ListUsersInGroup(ctx context.Context, in *api.ListUsersInGroupInput) (*api.ListUsersInGroupOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if _, err := s.dir.Group(ctx, p.Id, in.GroupName); err != nil {
		return nil, err
	}
	scope := "group-users/" + p.Id + "/" + in.GroupName
	cursor, err := s.OpenPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	keys, next, err := s.Repo.ListMembers(ctx, p.Id, in.GroupName, cursor, limitOr60(in.Limit))
	if err != nil {
		return nil, ports.PageErr(err)
	}
	out := &api.ListUsersInGroupOutput{Users: []model.UserType{}, NextToken: s.PageToken(next, scope)}
	for _, k := range keys {
		su, err := s.Repo.GetUser(ctx, p.Id, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		u, err := model.DecodeUser(su)
		if err != nil {
			return nil, msg.Internal(err)
		}
		// The user's own list decides: a membership item may outlive its user (DeleteUser does
		// not remove them), and a user created since under the same name is not a member.
		if !slices.Contains(u.Groups, in.GroupName) {
			continue
		}
		out.Users = append(out.Users, model.UserTypeOf(u, model.AttributeList(u, nil)))
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// atoiStrict parses a non-negative decimal integer.
func atoiStrict(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a non-negative integer: %q", s)
	}
	return n, nil
}
