package store

import (
	"context"
	"errors"
)

// Groups live in their pool's group partition; memberships are index items in the group's
// partition (for ListUsersInGroup) written in the same transaction as the user's own list.
//
//	P#<pool>#G        <group>     group record
//	G#<pool>#<group>  <userkey>   membership (ListUsersInGroup)
func groupsPK(pool string) string                  { return "P#" + pool + "#G" }
func membersPK(pool, group string) string          { return "G#" + pool + "#" + group }
func groupKey(pool, group string) (string, string) { return groupsPK(pool), group }

// Group is a group's stored record; Data belongs to the service.
type Group struct {
	PoolID  string
	Name    string
	Version int64
	Data    []byte
}

// CreateGroup writes a new group; ErrExists when the name is taken, ErrNotFound when the pool is gone.
func (r *Repo) CreateGroup(ctx context.Context, g *Group) error {
	g.Version = 1
	pk, sk := groupKey(g.PoolID, g.Name)
	err := r.T.Write(ctx,
		Op{Kind: OpCheck, Item: Item{PK: poolPK(g.PoolID), SK: "P"}, Cond: Cond{Kind: CondExists}},
		Op{Kind: OpPut, Item: Item{PK: pk, SK: sk, Version: 1, Data: g.Data}, Cond: Cond{Kind: CondNotExists}},
	)
	var tx *TxError
	if errors.As(err, &tx) {
		if tx.FailedAt(0) {
			return ErrNotFound
		}
		return ErrExists
	}
	return err
}

// GetGroup reads a group or ErrNotFound.
func (r *Repo) GetGroup(ctx context.Context, pool, name string) (*Group, error) {
	pk, sk := groupKey(pool, name)
	it, err := r.T.Get(ctx, pk, sk)
	if err != nil {
		return nil, err
	}
	return &Group{PoolID: pool, Name: name, Version: it.Version, Data: it.Data}, nil
}

// UpdateGroup applies fn under compare-and-swap.
func (r *Repo) UpdateGroup(ctx context.Context, pool, name string, fn func(g *Group) error) (*Group, error) {
	for i := 0; i < maxCASRetries; i++ {
		if err := casBackoff(ctx, i); err != nil {
			return nil, err
		}
		g, err := r.GetGroup(ctx, pool, name)
		if err != nil {
			return nil, err
		}
		old := g.Version
		if err := fn(g); err != nil {
			return nil, err
		}
		g.Version = old + 1
		pk, sk := groupKey(pool, name)
		err = r.T.Write(ctx, Op{Kind: OpPut, Item: Item{PK: pk, SK: sk, Version: g.Version, Data: g.Data}, Cond: Cond{Kind: CondVersion, Version: old}})
		if err == nil {
			return g, nil
		}
		if !errors.Is(err, ErrConditionFailed) {
			return nil, err
		}
	}
	return nil, ErrConflict
}

// DeleteGroup removes the group record. Memberships are removed by the caller (each member's
// own list changes with them).
func (r *Repo) DeleteGroup(ctx context.Context, pool, name string) error {
	pk, sk := groupKey(pool, name)
	err := r.T.Write(ctx, Op{Kind: OpDelete, Item: Item{PK: pk, SK: sk}, Cond: Cond{Kind: CondExists}})
	if errors.Is(err, ErrConditionFailed) {
		return ErrNotFound
	}
	return err
}

// ListGroups pages through a pool's groups in name order.
func (r *Repo) ListGroups(ctx context.Context, pool, cursor string, limit int) ([]*Group, string, error) {
	items, next, err := r.T.Query(ctx, groupsPK(pool), "", cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]*Group, 0, len(items))
	for _, it := range items {
		out = append(out, &Group{PoolID: pool, Name: it.SK, Version: it.Version, Data: it.Data})
	}
	return out, next, nil
}

// GroupCheckOp is a transaction op asserting that a group exists.
func GroupCheckOp(pool, name string) Op {
	pk, sk := groupKey(pool, name)
	return Op{Kind: OpCheck, Item: Item{PK: pk, SK: sk}, Cond: Cond{Kind: CondExists}}
}

// MembershipOp adds (put) or removes (delete) the membership index item of a user in a group.
func MembershipOp(pool, group, userKey string, add bool) Op {
	if add {
		return Op{Kind: OpPut, Item: Item{PK: membersPK(pool, group), SK: userKey, Version: 1}}
	}
	return Op{Kind: OpDelete, Item: Item{PK: membersPK(pool, group), SK: userKey}}
}

// ListMembers pages through the user keys of a group's members.
func (r *Repo) ListMembers(ctx context.Context, pool, group, cursor string, limit int) ([]string, string, error) {
	items, next, err := r.T.Query(ctx, membersPK(pool, group), "", cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.SK)
	}
	return out, next, nil
}
