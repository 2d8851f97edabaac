// Package account owns one user's account after sign-up: GetUser, ChangePassword,
// GlobalSignOut and DeleteUser; the attributes (UpdateUserAttributes, DeleteUserAttributes,
// attribute verification, and their Admin forms, attributes.go); the legacy MFA settings
// (SetUserSettings, AdminSetUserSettings); the software token and MFA preferences
// (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference and its Admin form,
// mfa.go, over the mfa room); passkeys (Start/CompleteWebAuthnRegistration,
// ListWebAuthnCredentials, DeleteWebAuthnCredential, passkeys.go, over the passkeys room); and
// remembered devices (ConfirmDevice and the
// Get/List/Forget/UpdateStatus operations, by the user and by an administrator, devices.go).
package account

import (
	"context"

	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/devices"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/limits"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// Accounts carries out what is done to one user's account, by the user (with an access token)
// or by an administrator.
type Accounts struct {
	*ports.Ports
	dir       *directory.Directory
	codes     *codes.Codes
	limits    *limits.Limits
	devices   *devices.Devices
	lineages  *lineage.Lineages
	passwords *passwords.Passwords
	mfa       *mfa.MFA
	passkeys  *passkeys.Passkeys
}

// Rooms are the rooms the account operations use.
type Rooms struct {
	Directory *directory.Directory
	Codes     *codes.Codes
	Limits    *limits.Limits
	Devices   *devices.Devices
	Lineages  *lineage.Lineages
	Passwords *passwords.Passwords
	MFA       *mfa.MFA
	Passkeys  *passkeys.Passkeys
}

// New builds the account room.
func New(p *ports.Ports, r Rooms) *Accounts {
	return &Accounts{Ports: p, dir: r.Directory, codes: r.Codes, limits: r.Limits, devices: r.Devices,
		lineages: r.Lineages, passwords: r.Passwords, mfa: r.MFA, passkeys: r.Passkeys}
}

// GetUser returns the caller's own profile.
func (s *Accounts) GetUser(ctx context.Context, in *api.GetUserInput) (*api.GetUserOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	readable := model.ClientReadable(nil)
	if c, _, err := s.dir.Client(ctx, a.Claims.ClientID); err == nil {
		readable = model.ClientReadable(c)
	}
	out := &api.GetUserOutput{Username: a.User.Username, UserAttributes: model.AttributeList(a.User, readable), MFAOptions: a.User.MFAOptions}
	out.UserMFASettingList, out.PreferredMfaSetting = mfa.Settings(a.User)
	return out, nil
}

// ChangePassword changes the caller's password; existing tokens stay valid, as in Cognito.
func (s *Accounts) ChangePassword(ctx context.Context, in *api.ChangePasswordInput) (*api.ChangePasswordOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p, u := a.Pool, a.User
	if u.Password != nil {
		if in.PreviousPassword == nil {
			return nil, cognito.InvalidParameter("1 validation error detected: Value null at 'previousPassword' failed to satisfy constraint: Member must not be null")
		}
		if err := s.limits.CountHourly(ctx, p, u, "ChangePassword"); err != nil {
			return nil, err
		}
		// A wrong previous password counts toward lockout like a failed sign-in (AUTH-04).
		if u, err = s.limits.ReserveAttempt(ctx, p, u); err != nil {
			return nil, err
		}
		ok, err := s.passwords.Check(ctx, p, u, *in.PreviousPassword)
		if err != nil {
			return nil, msg.Internal(err)
		}
		if !ok {
			return nil, msg.Incorrect()
		}
	}
	if err := model.CheckPasswordPolicy(p, in.ProposedPassword); err != nil {
		return nil, err
	}
	pw, err := s.passwords.New(ctx, p, u.Username, u.Sub(), in.ProposedPassword, false)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if _, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil
		return nil, nil
	}); err != nil {
		return nil, err
	}
	return &api.ChangePasswordOutput{}, nil
}

// GlobalSignOut revokes every token of the caller.
func (s *Accounts) GlobalSignOut(ctx context.Context, in *api.GlobalSignOutInput) (*api.GlobalSignOutOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.lineages.SignOutEverywhere(ctx, a.Pool, a.User); err != nil {
		return nil, err
	}
	return &api.GlobalSignOutOutput{}, nil
}

// DeleteUser deletes the caller.
func (s *Accounts) DeleteUser(ctx context.Context, in *api.DeleteUserInput) (*api.DeleteUserOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.dir.DeleteUser(ctx, a.Pool, a.User); err != nil {
		return nil, err
	}
	return &api.DeleteUserOutput{}, nil
}
