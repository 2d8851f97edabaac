// Package admin owns the administrator's operations on users that are not one account's
// self-service: AdminCreateUser (with the invitation and its temporary password),
// AdminGetUser, AdminDeleteUser, AdminSetUserPassword, AdminUserGlobalSignOut, ListUsers (with
// its filters), AdminDisableUser and AdminEnableUser (status.go).
package admin

import (
	"context"
	"errors"
	"slices"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/directory"

	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Users carries out the administrator's operations on users.
type Users struct {
	*ports.Ports
	dir       *directory.Directory
	codes     *codes.Codes
	lineages  *lineage.Lineages
	passwords *passwords.Passwords
	triggers  *triggers.Triggers
}

// New builds the admin room.
func New(p *ports.Ports, dir *directory.Directory, c *codes.Codes, ls *lineage.Lineages, pw *passwords.Passwords, tr *triggers.Triggers) *Users {
	return &Users{Ports: p, dir: dir, codes: c, lineages: ls, passwords: pw, triggers: tr}
}

// AdminGetUser returns a user by username, alias or sub.
func (s *Users) AdminGetUser(ctx context.Context, in *api.AdminGetUserInput) (*api.AdminGetUserOutput, error) {
	_, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	out := &api.AdminGetUserOutput{Username: u.Username, UserAttributes: model.AttributeList(u, nil), UserCreateDate: model.WireTime(u.Created),
		UserLastModifiedDate: model.WireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status, MFAOptions: u.MFAOptions}
	out.UserMFASettingList, out.PreferredMfaSetting = mfa.Settings(u)
	return out, nil
}

// AdminCreateUser creates a user with a temporary password (FORCE_CHANGE_PASSWORD) and sends
// the invitation, or re-sends it (MessageAction RESEND).
func (s *Users) AdminCreateUser(ctx context.Context, in *api.AdminCreateUserInput) (*api.AdminCreateUserOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	attrs, err := model.CheckAttributes(p, in.UserAttributes, true, nil)
	if err != nil {
		return nil, err
	}
	for _, m := range in.DesiredDeliveryMediums {
		if m != "SMS" && m != "EMAIL" {
			return nil, cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]", m)
		}
	}
	temp := ""
	if in.TemporaryPassword != nil && *in.TemporaryPassword != "" {
		temp = *in.TemporaryPassword
		if err := model.CheckPasswordPolicy(p, temp); err != nil {
			return nil, err
		}
	} else if temp, err = s.passwords.Temporary(p); err != nil {
		return nil, msg.Internal(err)
	}
	if in.MessageAction == "RESEND" {
		return s.resendInvitation(ctx, p, in, temp)
	}
	sub, err := s.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	username, err := model.UsernameFor(p, in.Username, sub, attrs)
	if err != nil {
		return nil, err
	}
	// Cognito reads nothing of the answer for an administrator's user: it may only refuse.
	if _, err := s.triggers.PreSignUp(ctx, p, trigger.PreSignUpAdminCreateUser, "", username, attrs, in.ValidationData, in.ClientMetadata); err != nil {
		return nil, err
	}
	pw, err := s.passwords.New(ctx, p, username, sub, temp, true)
	if err != nil {
		return nil, msg.Internal(err)
	}
	now := s.Now()
	rec := &model.UserRecord{Username: username, Status: model.StatusForceChangePassword, Enabled: true, Attrs: attrs, Created: now, Modified: now, Password: pw}
	u := &model.User{UserRecord: rec, Stored: &store.User{PoolID: p.Id, Key: model.UserKey(p, username), Sub: sub, Aliases: model.AliasesOf(p, rec)}}
	u.Stored.Index = model.IndexOf(p, u)
	u.Encode()
	u, err = s.dir.CreateUser(ctx, p, u, in.ForceAliasCreation)
	if err != nil {
		if errors.Is(err, store.ErrUsernameExists) {
			return nil, cognito.UsernameExists("User account already exists")
		}
		return nil, directory.CreateErr(err, p)
	}
	s.dir.CountUser(p.Id, +1)
	if in.MessageAction != "SUPPRESS" {
		if err := s.invite(ctx, p, u, in.DesiredDeliveryMediums, temp, in.ClientMetadata); err != nil {
			if derr := s.Repo.DeleteUser(ctx, p.Id, u.Stored.Key); derr != nil {
				s.Log.ErrorContext(ctx, "undoing AdminCreateUser after failed delivery", "pool", p.Id, "err", derr)
			} else {
				s.dir.CountUser(p.Id, -1)
			}
			return nil, err
		}
	}
	ut := model.UserTypeOf(u, model.AttributeList(u, nil))
	return &api.AdminCreateUserOutput{User: &ut}, nil
}

// invite sends the temporary password over each desired medium the user has an address for.
func (s *Users) invite(ctx context.Context, p *model.Pool, u *model.User, mediums []string, temp string, clientMetadata map[string]string) error {
	if len(mediums) == 0 {
		mediums = []string{"SMS"}
	}
	for _, m := range mediums {
		attr := "email"
		if m == "SMS" {
			attr = "phone_number"
		}
		d := codes.DeliveryTo(attr, u.Attrs[attr])
		if d.Value == "" {
			continue
		}
		if err := s.codes.Send(ctx, p, mail.AdminCreateUser, d, codes.Recipient{User: u, ClientMetadata: clientMetadata}, temp); err != nil {
			return err
		}
	}
	return nil
}

func (s *Users) resendInvitation(ctx context.Context, p *model.Pool, in *api.AdminCreateUserInput, temp string) (*api.AdminCreateUserOutput, error) {
	u, err := s.dir.MustFindUser(ctx, p, in.Username, false)
	if err != nil {
		return nil, err
	}
	if u.Status != model.StatusForceChangePassword {
		return nil, cognito.UnsupportedUserState("Resend not possible. %s status is not FORCE_CHANGE_PASSWORD", u.Username)
	}
	pw, err := s.passwords.New(ctx, p, u.Username, u.Sub(), temp, true)
	if err != nil {
		return nil, msg.Internal(err)
	}
	// RESEND restarts the temporary password's validity clock.
	u, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil // a new password ends any lockout
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.invite(ctx, p, u, in.DesiredDeliveryMediums, temp, in.ClientMetadata); err != nil {
		return nil, err
	}
	ut := model.UserTypeOf(u, model.AttributeList(u, nil))
	return &api.AdminCreateUserOutput{User: &ut}, nil
}

// AdminDeleteUser deletes a user; its tokens stop working at once.
func (s *Users) AdminDeleteUser(ctx context.Context, in *api.AdminDeleteUserInput) (*api.AdminDeleteUserOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.dir.DeleteUser(ctx, p, u); err != nil {
		return nil, err
	}
	return &api.AdminDeleteUserOutput{}, nil
}

// AdminSetUserPassword sets a permanent (CONFIRMED) or temporary (FORCE_CHANGE_PASSWORD) password.
func (s *Users) AdminSetUserPassword(ctx context.Context, in *api.AdminSetUserPasswordInput) (*api.AdminSetUserPasswordOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := model.CheckPasswordPolicy(p, in.Password); err != nil {
		return nil, err
	}
	pw, err := s.passwords.New(ctx, p, u.Username, u.Sub(), in.Password, !in.Permanent)
	if err != nil {
		return nil, msg.Internal(err)
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil // a new password ends any lockout
		if in.Permanent {
			cur.Status = model.StatusConfirmed
		} else {
			cur.Status = model.StatusForceChangePassword
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &api.AdminSetUserPasswordOutput{}, nil
}

// AdminUserGlobalSignOut revokes every token of a user.
func (s *Users) AdminUserGlobalSignOut(ctx context.Context, in *api.AdminUserGlobalSignOutInput) (*api.AdminUserGlobalSignOutOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.lineages.SignOutEverywhere(ctx, p, u); err != nil {
		return nil, err
	}
	return &api.AdminUserGlobalSignOutOutput{}, nil
}

// ---- ListUsers ----

// ListUsers pages through a pool's users, optionally filtered. Pages may be short while a
// token is still returned, as in Cognito.
func (s *Users) ListUsers(ctx context.Context, in *api.ListUsersInput) (*api.ListUsersOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	filter, err := directory.ParseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	limit := 60
	if in.Limit != nil && *in.Limit > 0 {
		limit = int(*in.Limit)
	}
	scope := "users/" + p.Id + "/" + in.Filter
	cursor, err := s.OpenPageToken(in.PaginationToken, scope)
	if err != nil {
		return nil, err
	}
	out := &api.ListUsersOutput{Users: []model.UserType{}}
	readable := func(n string) bool { return len(in.AttributesToGet) == 0 || slices.Contains(in.AttributesToGet, n) }
	add := func(u *model.User) {
		out.Users = append(out.Users, model.UserTypeOf(u, model.AttributeList(u, readable)))
	}
	if filter != nil {
		if !p.Searchable(filter.Attr()) {
			return nil, cognito.InvalidParameter("Invalid search attribute: %s", filter.Attr())
		}
		if cursor, err = s.dir.SearchUsers(ctx, p, filter, cursor, limit, add); err != nil {
			return nil, ports.PageErr(err)
		}
		out.PaginationToken = s.PageToken(cursor, scope)
		return out, nil
	}
	for len(out.Users) < limit {
		users, next, err := s.Repo.ListUsers(ctx, p.Id, cursor, limit-len(out.Users))
		if err != nil {
			return nil, ports.PageErr(err)
		}
		for _, su := range users {
			u, err := model.DecodeUser(su)
			if err != nil {
				return nil, msg.Internal(err)
			}
			add(u)
		}
		cursor = next
		if next == "" {
			break
		}
	}
	out.PaginationToken = s.PageToken(cursor, scope)
	return out, nil
}
