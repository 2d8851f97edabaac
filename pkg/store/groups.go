package store

import (
	"context"
	"errors"
)

// Groups live in their pool's group partition (GroupKey); memberships are index items in the
// group's partition (MemberKey, for ListUsersInGroup) written in the same transaction as the
// user's own list.

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
	err := r.t.Write(ctx,
		Op{Kind: OpCheck, Item: PoolKey(g.PoolID).item(Item{}), Cond: Cond{Kind: CondExists}},
		Op{Kind: OpPut, Item: GroupKey(g.PoolID, g.Name).item(Item{Version: 1, Data: g.Data}), Cond: Cond{Kind: CondNotExists}},
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
	it, err := r.get(ctx, GroupKey(pool, name))
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
		err = r.t.Write(ctx, Op{Kind: OpPut, Item: GroupKey(pool, name).item(Item{Version: g.Version, Data: g.Data}), Cond: Cond{Kind: CondVersion, Version: old}})
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
	err := r.t.Write(ctx, Op{Kind: OpDelete, Item: GroupKey(pool, name).item(Item{}), Cond: Cond{Kind: CondExists}})
	if errors.Is(err, ErrConditionFailed) {
		return ErrNotFound
	}
	return err
}

// ListGroups pages through a pool's groups in name order.
func (r *Repo) ListGroups(ctx context.Context, pool, cursor string, limit int) ([]*Group, string, error) {
	items, next, err := r.query(ctx, GroupKey(pool, ""), cursor, limit)
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
	return Op{Kind: OpCheck, Item: GroupKey(pool, name).item(Item{}), Cond: Cond{Kind: CondExists}}
}

// MembershipOp adds (put) or removes (delete) the membership index item of a user in a group.
func MembershipOp(pool, group, userKey string, add bool) Op {
	if add {
		return Op{Kind: OpPut, Item: MemberKey(pool, group, userKey).item(Item{Version: 1})}
	}
	return Op{Kind: OpDelete, Item: MemberKey(pool, group, userKey).item(Item{})}
}

// ListMembers pages through the user keys of a group's members.
func (r *Repo) ListMembers(ctx context.Context, pool, group, cursor string, limit int) ([]string, string, error) {
	items, next, err := r.query(ctx, MemberKey(pool, group, ""), cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.SK)
	}
	return out, next, nil
}
