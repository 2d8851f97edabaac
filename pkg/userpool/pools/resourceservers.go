package pools

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Resource servers live in their pool's resource-server partition (store.ResourceServerKey).
// A create is committed with a write of the pool (UpdatePoolWith), so concurrent creates are
// serialised and the quota of 25 holds under contention.

func uniqueScopes(scopes []model.ResourceServerScopeType) error {
	seen := map[string]bool{}
	for _, sc := range scopes {
		if seen[sc.ScopeName] {
			return cognito.InvalidParameter("Duplicate scope name %s in the resource server.", sc.ScopeName)
		}
		seen[sc.ScopeName] = true
	}
	return nil
}

func (s *Pools) readResourceServer(ctx context.Context, pool, id string) (*model.ResourceServerType, int64, error) {
	it, err := s.Repo.Get(ctx, store.ResourceServerKey(pool, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, msg.ResourceServerNotFound(id)
	}
	if err != nil {
		return nil, 0, msg.Internal(err)
	}
	var rs model.ResourceServerType
	if err := json.Unmarshal(it.Data, &rs); err != nil {
		return nil, 0, msg.Internal(err)
	}
	return &rs, it.Version, nil
}

// CreateResourceServer adds a resource server and its custom scopes to a pool.
func (s *Pools) CreateResourceServer(ctx context.Context, in *api.CreateResourceServerInput) (*api.CreateResourceServerOutput, error) {
	if err := uniqueScopes(in.Scopes); err != nil {
		return nil, err
	}
	rs := model.ResourceServerType{UserPoolId: in.UserPoolId, Identifier: in.Identifier, Name: in.Name, Scopes: in.Scopes}
	_, err := s.Repo.UpdatePoolWith(ctx, in.UserPoolId, func(sp *store.Pool) ([]store.Op, error) {
		n, err := s.countResourceServers(ctx, in.UserPoolId)
		if err != nil {
			return nil, err
		}
		if n >= model.MaxResourceServers {
			return nil, cognito.LimitExceeded("The user pool has reached its limit of %d resource servers.", model.MaxResourceServers)
		}
		return []store.Op{store.PutOp(store.ResourceServerKey(in.UserPoolId, in.Identifier), store.Item{Version: 1, Data: model.MustJSON(rs)}, store.Cond{Kind: store.CondNotExists})}, nil
	})
	var extra *store.ExtraOpError
	switch {
	case errors.As(err, &extra):
		return nil, cognito.InvalidParameter("%s already exists in user pool %s.", in.Identifier, in.UserPoolId)
	case errors.Is(err, store.ErrNotFound):
		return nil, msg.PoolNotFound(in.UserPoolId)
	case cognito.As(err) != nil:
		return nil, err
	case err != nil:
		return nil, msg.Internal(err)
	}
	return &api.CreateResourceServerOutput{ResourceServer: &rs}, nil
}

// countResourceServers counts a pool's resource servers, up to the quota (a backend may answer
// short pages, so it follows the cursor).
func (s *Pools) countResourceServers(ctx context.Context, pool string) (int, error) {
	n, cursor := 0, ""
	for {
		items, next, err := s.Repo.Query(ctx, store.ResourceServerKey(pool, ""), cursor, model.MaxResourceServers+1)
		if err != nil {
			return 0, err
		}
		n += len(items)
		if next == "" || n >= model.MaxResourceServers {
			return n, nil
		}
		cursor = next
	}
}

// DescribeResourceServer returns a resource server.
func (s *Pools) DescribeResourceServer(ctx context.Context, in *api.DescribeResourceServerInput) (*api.DescribeResourceServerOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	rs, _, err := s.readResourceServer(ctx, in.UserPoolId, in.Identifier)
	if err != nil {
		return nil, err
	}
	return &api.DescribeResourceServerOutput{ResourceServer: rs}, nil
}

// UpdateResourceServer replaces a resource server's name and scopes (omitted scopes: none).
func (s *Pools) UpdateResourceServer(ctx context.Context, in *api.UpdateResourceServerInput) (*api.UpdateResourceServerOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if err := uniqueScopes(in.Scopes); err != nil {
		return nil, err
	}
	for i := 0; i < 3; i++ {
		rs, version, err := s.readResourceServer(ctx, in.UserPoolId, in.Identifier)
		if err != nil {
			return nil, err
		}
		rs.Name, rs.Scopes = in.Name, in.Scopes
		err = s.Repo.Commit(ctx, store.PutOp(store.ResourceServerKey(in.UserPoolId, in.Identifier),
			store.Item{Version: version + 1, Data: model.MustJSON(rs)}, store.Cond{Kind: store.CondVersion, Version: version}))
		if errors.Is(err, store.ErrConditionFailed) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		return &api.UpdateResourceServerOutput{ResourceServer: rs}, nil
	}
	return nil, msg.ResourceServerChanged()
}

// DeleteResourceServer removes a resource server.
func (s *Pools) DeleteResourceServer(ctx context.Context, in *api.DeleteResourceServerInput) (*api.DeleteResourceServerOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	err := s.Repo.Commit(ctx, store.DeleteOp(store.ResourceServerKey(in.UserPoolId, in.Identifier), store.Cond{Kind: store.CondExists}))
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.ResourceServerNotFound(in.Identifier)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.DeleteResourceServerOutput{}, nil
}

// ListResourceServers pages through a pool's resource servers in identifier order.
func (s *Pools) ListResourceServers(ctx context.Context, in *api.ListResourceServersInput) (*api.ListResourceServersOutput, error) {
	if _, err := s.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	scope := "resource-servers/" + in.UserPoolId
	cursor, err := s.OpenPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	limit := 50
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	items, next, err := s.Repo.Query(ctx, store.ResourceServerKey(in.UserPoolId, ""), cursor, limit)
	if err != nil {
		return nil, ports.PageErr(err)
	}
	out := &api.ListResourceServersOutput{ResourceServers: []model.ResourceServerType{}, NextToken: s.PageToken(next, scope)}
	for _, it := range items {
		var rs model.ResourceServerType
		if err := json.Unmarshal(it.Data, &rs); err != nil {
			return nil, msg.Internal(err)
		}
		out.ResourceServers = append(out.ResourceServers, rs)
	}
	return out, nil
}

// oauthCheck is what model.ValidateOAuthSettings needs for a client of pool: custom scopes are
// looked up once per resource server.
func (s *Pools) oauthCheck(ctx context.Context, pool string, hasSecret bool) model.OAuthCheck {
	servers := map[string]*model.ResourceServerType{}
	return model.OAuthCheck{PoolID: pool, HasSecret: hasSecret, ScopeExists: func(id, name string) (bool, error) {
		rs, seen := servers[id]
		if !seen {
			var err error
			rs, _, err = s.readResourceServer(ctx, pool, id)
			if err != nil && !errors.Is(err, cognito.ErrResourceNotFound) {
				return false, err
			}
			servers[id] = rs
		}
		return rs != nil && rs.Scope(name), nil
	}}
}
