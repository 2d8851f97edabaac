package userpool

import (
	"context"

	"github.com/cognatehq/cognate/pkg/userpool/lineage"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// AdminDisableUser disables a user and ends every session at once.
func (s *Service) AdminDisableUser(ctx context.Context, in *api.AdminDisableUserInput) (*api.AdminDisableUserOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Enabled = false
		lineage.RevokeAll(cur, s.Now())
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &api.AdminDisableUserOutput{}, nil
}

// AdminEnableUser enables a user again; tokens revoked by the disable stay revoked.
func (s *Service) AdminEnableUser(ctx context.Context, in *api.AdminEnableUserInput) (*api.AdminEnableUserOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if _, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Enabled = true
		return nil, nil
	}); err != nil {
		return nil, err
	}
	return &api.AdminEnableUserOutput{}, nil
}

// AdminResetUserPassword puts a user in RESET_REQUIRED (sign-in then answers
// PasswordResetRequiredException) and sends a reset code to a verified channel when there is one.
func (s *Service) AdminResetUserPassword(ctx context.Context, in *api.AdminResetUserPasswordInput) (*api.AdminResetUserPasswordOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	d, hasChannel, err := recoveryTarget(p, u)
	if err != nil {
		hasChannel = false // admin resets work without a channel: the admin tells the user
	}
	var code string
	var ops []store.Op
	if hasChannel {
		if code, err = s.codes.SixDigits(); err != nil {
			return nil, msg.Internal(err)
		}
		ops = append(ops, s.codes.Op(p, u, codes.PurposeForgot, d.Attr, d.Value, code, codes.ForgotTTL))
	}
	u, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Status = model.StatusResetRequired
		return ops, nil
	})
	if err != nil {
		return nil, err
	}
	if hasChannel {
		if err := s.codes.Send(ctx, p, mail.ForgotPassword, d, u.Username, code); err != nil {
			return nil, err
		}
	}
	return &api.AdminResetUserPasswordOutput{}, nil
}
