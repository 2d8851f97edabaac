package pools

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// CreateUserPoolClient creates an app client, with a generated secret when asked.
func (s *Pools) CreateUserPoolClient(ctx context.Context, in *api.CreateUserPoolClientInput) (*api.CreateUserPoolClientOutput, error) {
	return s.CreateUserPoolClientWithID(ctx, "", in)
}

// CreateUserPoolClientWithID is CreateUserPoolClient with a chosen client id (for seed files);
// "" draws a random one.
func (s *Pools) CreateUserPoolClientWithID(ctx context.Context, id string, in *api.CreateUserPoolClientInput) (*api.CreateUserPoolClientOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.ClientName == "" {
		return nil, cognito.InvalidParameter("1 validation error detected: Value null at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	if id == "" {
		if id, err = s.RandomString(ports.LowerAlnum, 26); err != nil {
			return nil, msg.Internal(err)
		}
	}
	now := s.Now()
	c := &model.Client{ID: id, PoolID: p.Id, UserPoolClientType: model.UserPoolClientType{UserPoolId: p.Id, ClientId: id,
		CreationDate: model.WireTime(now), LastModifiedDate: model.WireTime(now)}}
	if err := model.ApplyClientSettings(&c.UserPoolClientType, &in.ClientSettings, p, "creating"); err != nil {
		return nil, err
	}
	if err := model.ValidateOAuthSettings(&in.ClientSettings, s.oauthCheck(ctx, p.Id, in.ClientSecret != "" || in.GenerateSecret)); err != nil {
		return nil, err
	}
	switch {
	case in.ClientSecret != "":
		c.Secret = in.ClientSecret
	case in.GenerateSecret:
		if c.Secret, err = s.RandomString(ports.LowerAlnum, 51); err != nil {
			return nil, msg.Internal(err)
		}
	}
	data, err := s.dir.EncodeClient(ctx, c)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.Repo.CreateClient(ctx, &store.Client{ID: id, PoolID: p.Id, Data: data}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.PoolNotFound(in.UserPoolId)
		}
		if errors.Is(err, store.ErrExists) {
			return nil, cognito.InvalidParameter("User pool client %s already exists.", id)
		}
		return nil, msg.Internal(err)
	}
	return &api.CreateUserPoolClientOutput{UserPoolClient: c.Wire()}, nil
}

// DescribeUserPoolClient returns an app client, secret included.
func (s *Pools) DescribeUserPoolClient(ctx context.Context, in *api.DescribeUserPoolClientInput) (*api.DescribeUserPoolClientOutput, error) {
	c, _, err := s.dir.PoolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return &api.DescribeUserPoolClientOutput{UserPoolClient: c.Wire()}, nil
}

// UpdateUserPoolClient replaces the client's settings; omitted ones return to their defaults.
func (s *Pools) UpdateUserPoolClient(ctx context.Context, in *api.UpdateUserPoolClientInput) (*api.UpdateUserPoolClientOutput, error) {
	defer s.dir.DropClient(in.ClientId)
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	var out *model.UserPoolClientType
	_, err = s.Repo.UpdateClient(ctx, in.ClientId, func(sc *store.Client) error {
		if sc.PoolID != p.Id {
			return msg.ClientNotFound(in.ClientId)
		}
		c, err := s.dir.DecodeClient(ctx, sc)
		if err != nil {
			return err
		}
		settings := in.ClientSettings
		if settings.ClientName == "" {
			settings.ClientName = c.ClientName
		}
		if err := model.ApplyClientSettings(&c.UserPoolClientType, &settings, p, "updating"); err != nil {
			return err
		}
		if err := model.ValidateOAuthSettings(&settings, s.oauthCheck(ctx, p.Id, c.Secret != "")); err != nil {
			return err
		}
		c.LastModifiedDate = model.WireTime(s.Now())
		if sc.Data, err = s.dir.EncodeClient(ctx, c); err != nil {
			return err
		}
		out = c.Wire()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.ClientNotFound(in.ClientId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.UpdateUserPoolClientOutput{UserPoolClient: out}, nil
}

// DeleteUserPoolClient deletes an app client.
func (s *Pools) DeleteUserPoolClient(ctx context.Context, in *api.DeleteUserPoolClientInput) (*api.DeleteUserPoolClientOutput, error) {
	defer s.dir.DropClient(in.ClientId)
	if _, _, err := s.dir.PoolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	if err := s.Repo.DeleteClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.ClientNotFound(in.ClientId)
		}
		return nil, msg.Internal(err)
	}
	return &api.DeleteUserPoolClientOutput{}, nil
}

// ListUserPoolClients pages through a pool's app clients.
func (s *Pools) ListUserPoolClients(ctx context.Context, in *api.ListUserPoolClientsInput) (*api.ListUserPoolClientsOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	scope := "clients/" + in.UserPoolId
	cursor, err := s.OpenPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	limit := int(in.MaxResults)
	if limit == 0 {
		limit = 60
	}
	clients, next, err := s.Repo.ListClients(ctx, in.UserPoolId, cursor, limit)
	if err != nil {
		return nil, ports.PageErr(err)
	}
	out := &api.ListUserPoolClientsOutput{UserPoolClients: []model.UserPoolClientDescription{}, NextToken: s.PageToken(next, scope)}
	for _, sc := range clients {
		var rec model.ClientRecord
		if err := json.Unmarshal(sc.Data, &rec); err != nil {
			return nil, msg.Internal(err)
		}
		out.UserPoolClients = append(out.UserPoolClients, model.UserPoolClientDescription{ClientId: sc.ID, UserPoolId: sc.PoolID, ClientName: rec.Client.ClientName})
	}
	return out, nil
}
