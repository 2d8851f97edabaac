package signin

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool/lineage"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
)

// GetTokensFromRefreshToken refreshes with the raw client secret (Amplify v6's refresh).
func (s *SignIn) GetTokensFromRefreshToken(ctx context.Context, in *api.GetTokensFromRefreshTokenInput) (*api.GetTokensFromRefreshTokenOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := model.CheckClientSecret(c, in.ClientSecret); err != nil {
		return nil, err
	}
	res, err := s.lineages.Refresh(ctx, p, c, in.RefreshToken, in.DeviceKey, in.ClientMetadata, func(string) error { return nil })
	if err != nil {
		return nil, err
	}
	return &api.GetTokensFromRefreshTokenOutput{AuthenticationResult: res}, nil
}

// RevokeToken revokes a refresh token and every token of its lineage.
func (s *SignIn) RevokeToken(ctx context.Context, in *api.RevokeTokenInput) (*api.RevokeTokenOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := model.CheckClientSecret(c, in.ClientSecret); err != nil {
		return nil, err
	}
	if c.EnableTokenRevocation != nil && !*c.EnableTokenRevocation {
		return nil, cognito.UnsupportedOperation("Token revocation is not enabled for this client.")
	}
	if strings.Count(in.Token, ".") == 2 {
		return nil, cognito.UnsupportedTokenType("The token type is not supported. Only refresh tokens can be revoked.")
	}
	it, err := s.Repo.Get(ctx, store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(in.Token))))
	if errors.Is(err, store.ErrNotFound) {
		return &api.RevokeTokenOutput{}, nil // RFC 7009: unknown tokens revoke "successfully"
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec lineage.Record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.ClientID != c.ID {
		return nil, cognito.Unauthorized("The refresh token was not issued to this client.")
	}
	su, err := s.Repo.GetUser(ctx, p.Id, rec.UserKey)
	if errors.Is(err, store.ErrNotFound) {
		return &api.RevokeTokenOutput{}, nil
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if !rec.OwnedBy(u) {
		// Its user was deleted: the token is dead already, and the user now of that name is
		// someone else, whose record it must not touch.
		return &api.RevokeTokenOutput{}, nil
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		lineage.RevokeOne(cur, rec.OriginJTI, rec.Expires)
		return []store.Op{store.DeleteOp(store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(in.Token))), store.Cond{})}, nil
	})
	if err != nil {
		return nil, err
	}
	return &api.RevokeTokenOutput{}, nil
}
