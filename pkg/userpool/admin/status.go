package admin

import (
	"context"

	"github.com/cognatehq/cognate/pkg/userpool/lineage"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
)

// AdminDisableUser disables a user and ends every session at once.
func (s *Users) AdminDisableUser(ctx context.Context, in *api.AdminDisableUserInput) (*api.AdminDisableUserOutput, error) {
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
func (s *Users) AdminEnableUser(ctx context.Context, in *api.AdminEnableUserInput) (*api.AdminEnableUserOutput, error) {
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
