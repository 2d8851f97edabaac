// Package pools owns the pool and app-client operations: CreateUserPool, DescribeUserPool,
// UpdateUserPool, DeleteUserPool, ListUserPools, AddCustomAttributes and the
// UserPoolClient ones. What a pool's and a client's settings mean is the model's
// (model.Pool, model.Client, the schema); reading them, cached, is the directory's.
package pools

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// Pools creates, describes, changes and lists user pools and their app clients.
type Pools struct {
	*ports.Ports
	dir       *directory.Directory
	signer    signer.Signer // a pool's signing keys are made with it
	region    string
	accountID string
}

// New builds the pools room; region and accountID name new pools and their ARNs.
func New(p *ports.Ports, dir *directory.Directory, sig signer.Signer, region, accountID string) *Pools {
	return &Pools{Ports: p, dir: dir, signer: sig, region: region, accountID: accountID}
}

// ---- schema ----

// ---- pool operations ----

// CreateUserPool creates a pool with Cognito's defaults and its signing keys.
func (s *Pools) CreateUserPool(ctx context.Context, in *api.CreateUserPoolInput) (*api.CreateUserPoolOutput, error) {
	return s.CreateUserPoolWithID(ctx, "", in)
}

// CreateUserPoolWithID is CreateUserPool with a chosen id (seed files and the local server's
// ready pool use it so a setup can be reproduced); "" draws a random id as Cognito does.
func (s *Pools) CreateUserPoolWithID(ctx context.Context, id string, in *api.CreateUserPoolInput) (*api.CreateUserPoolOutput, error) {
	if id != "" && !model.PoolIDRe.MatchString(id) {
		return nil, cognito.InvalidParameter("Invalid user pool id %s.", id)
	}
	if err := model.ValidatePoolSettings(&in.PoolSettings); err != nil {
		return nil, err
	}
	for _, a := range in.UsernameAttributes {
		if !slices.Contains(model.Verifiable, a) {
			return nil, cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'usernameAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email]]", a)
		}
	}
	for _, a := range in.AliasAttributes {
		if !slices.Contains([]string{"email", "phone_number", "preferred_username"}, a) {
			return nil, cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'aliasAttributes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [phone_number, email, preferred_username]]", a)
		}
	}
	if len(in.UsernameAttributes) > 0 && len(in.AliasAttributes) > 0 {
		return nil, cognito.InvalidParameter("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	schema, err := model.MergeSchema(in.Schema, model.StandardSchema(), true)
	if err != nil {
		return nil, err
	}
	if id == "" {
		suffix, err := s.RandomString(ports.Alnum, 9)
		if err != nil {
			return nil, msg.Internal(err)
		}
		id = s.region + "_" + suffix
	}
	now := s.Now()
	p := model.UserPoolType{
		Id: id, Name: in.PoolName, Arn: fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", s.region, s.accountID, id),
		CreationDate: model.WireTime(now), LastModifiedDate: model.WireTime(now), SchemaAttributes: schema,
		AliasAttributes: in.AliasAttributes, UsernameAttributes: in.UsernameAttributes, UsernameConfiguration: in.UsernameConfiguration,
	}
	model.ApplySettings(&p, &in.PoolSettings)
	// Keys first: a pool that exists can always sign.
	if err := s.signer.EnsurePoolKeys(ctx, id); err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.Repo.CreatePool(ctx, &store.Pool{ID: id, Data: model.MustJSON(p)}); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, cognito.InvalidParameter("User pool %s already exists.", id)
		}
		return nil, msg.Internal(err)
	}
	return &api.CreateUserPoolOutput{UserPool: &p}, nil
}

// DescribeUserPool returns the pool.
func (s *Pools) DescribeUserPool(ctx context.Context, in *api.DescribeUserPoolInput) (*api.DescribeUserPoolOutput, error) {
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	out := p.UserPoolType
	out.MFASettings = nil // GetUserPoolMfaConfig's, not DescribeUserPool's
	if out.EstimatedNumberOfUsers, err = s.dir.Estimate(ctx, p.Id); err != nil {
		return nil, msg.Internal(err)
	}
	return &api.DescribeUserPoolOutput{UserPool: &out}, nil
}

// UpdateUserPool replaces the pool's mutable settings (omitted ones return to their defaults).
func (s *Pools) UpdateUserPool(ctx context.Context, in *api.UpdateUserPoolInput) (*api.UpdateUserPoolOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	if err := model.ValidatePoolSettings(&in.PoolSettings); err != nil {
		return nil, err
	}
	_, err := s.Repo.UpdatePool(ctx, in.UserPoolId, func(sp *store.Pool) error {
		p, err := model.DecodePool(sp)
		if err != nil {
			return err
		}
		model.ApplySettings(&p.UserPoolType, &in.PoolSettings)
		p.LastModifiedDate = model.WireTime(s.Now())
		sp.Data = model.MustJSON(p.UserPoolType)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.UpdateUserPoolOutput{}, nil
}

// DeleteUserPool deletes a pool unless deletion protection is on.
func (s *Pools) DeleteUserPool(ctx context.Context, in *api.DeleteUserPoolInput) (*api.DeleteUserPoolOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	p, err := s.dir.Pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if p.DeletionProtection == "ACTIVE" {
		return nil, cognito.InvalidParameter("The user pool %s has deletion protection activated.", in.UserPoolId)
	}
	// A pool's domains hold their names until deleted: read fresh, not from the cache, so a
	// domain created a moment ago on another instance is seen.
	if sp, err := s.Repo.GetPool(ctx, in.UserPoolId); err == nil {
		if fresh, err := model.DecodePool(sp); err == nil && (fresh.Domain != "" || fresh.CustomDomain != "") {
			return nil, cognito.InvalidParameter("User pool cannot be deleted. It has a domain configured that should be deleted first.")
		}
	}
	if err := s.Repo.DeletePool(ctx, in.UserPoolId); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.PoolNotFound(in.UserPoolId)
		}
		return nil, msg.Internal(err)
	}
	s.dir.ForgetEstimate(in.UserPoolId)
	if err := s.signer.DeletePoolKeys(ctx, in.UserPoolId); err != nil {
		s.Log.WarnContext(ctx, "deleting pool keys failed", "pool", in.UserPoolId, "err", err)
	}
	return &api.DeleteUserPoolOutput{}, nil
}

// ListUserPools pages through pools.
func (s *Pools) ListUserPools(ctx context.Context, in *api.ListUserPoolsInput) (*api.ListUserPoolsOutput, error) {
	cursor, err := s.OpenPageToken(in.NextToken, "pools")
	if err != nil {
		return nil, err
	}
	pools, next, err := s.Repo.ListPools(ctx, cursor, int(*in.MaxResults))
	if err != nil {
		return nil, ports.PageErr(err)
	}
	out := &api.ListUserPoolsOutput{UserPools: []model.UserPoolDescriptionType{}, NextToken: s.PageToken(next, "pools")}
	for _, sp := range pools {
		p, err := model.DecodePool(sp)
		if err != nil {
			return nil, msg.Internal(err)
		}
		out.UserPools = append(out.UserPools, model.UserPoolDescriptionType{Id: p.Id, Name: p.Name, LambdaConfig: p.LambdaConfig,
			Status: p.Status, LastModifiedDate: p.LastModifiedDate, CreationDate: p.CreationDate})
	}
	return out, nil
}

// AddCustomAttributes appends custom attributes to a pool's schema.
func (s *Pools) AddCustomAttributes(ctx context.Context, in *api.AddCustomAttributesInput) (*api.AddCustomAttributesOutput, error) {
	defer s.dir.DropPool(in.UserPoolId)
	_, err := s.Repo.UpdatePool(ctx, in.UserPoolId, func(sp *store.Pool) error {
		p, err := model.DecodePool(sp)
		if err != nil {
			return err
		}
		schema, err := model.MergeSchema(in.CustomAttributes, p.SchemaAttributes, false)
		if err != nil {
			return err
		}
		p.SchemaAttributes = schema
		p.LastModifiedDate = model.WireTime(s.Now())
		sp.Data = model.MustJSON(p.UserPoolType)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.AddCustomAttributesOutput{}, nil
}

// ---- pagination tokens ----
