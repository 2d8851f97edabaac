package store

import (
	"context"
	"errors"
	"time"
)

// The items the service keeps itself — a user's codes, devices and hourly counters
// (ChildKey), Sessions, spent-Session markers, refresh tokens and secrets (RecordKey) — are read
// and written through these methods, at keys made by the builders of keys.go. Their Data
// belongs to the service; which ops commit together is the service's decision too.

// item is it at k.
func (k Key) item(it Item) Item {
	it.PK, it.SK = k.pk, k.sk
	return it
}

func (r *Repo) get(ctx context.Context, k Key) (Item, error) { return r.t.Get(ctx, k.pk, k.sk) }

func (r *Repo) query(ctx context.Context, k Key, cursor string, limit int) ([]Item, string, error) {
	return r.t.Query(ctx, k.pk, k.sk, cursor, limit)
}

func (r *Repo) countAttempt(ctx context.Context, k Key, rule AttemptRule) (Item, error) {
	return r.t.CountAttempt(ctx, k.pk, k.sk, rule)
}

// Get reads the live item at k, or ErrNotFound.
func (r *Repo) Get(ctx context.Context, k Key) (Item, error) { return r.get(ctx, k) }

// Query pages through the live items of k's partition whose SK starts with k's SK (a builder's
// key with the last field "", e.g. ChildKey(pool, user, ChildDevice, "") for every device).
func (r *Repo) Query(ctx context.Context, k Key, cursor string, limit int) ([]Item, string, error) {
	return r.query(ctx, k, cursor, limit)
}

// CountAttempt counts a failed attempt on the item at k as Table.CountAttempt does.
func (r *Repo) CountAttempt(ctx context.Context, k Key, rule AttemptRule) (Item, error) {
	return r.countAttempt(ctx, k, rule)
}

// Commit applies ops in one transaction, as Table.Write does.
func (r *Repo) Commit(ctx context.Context, ops ...Op) error { return r.t.Write(ctx, ops...) }

// Create writes a record at k that must not exist yet: ErrExists when it does.
func (r *Repo) Create(ctx context.Context, k Key, data []byte, expires time.Time) error {
	err := r.t.Write(ctx, PutOp(k, Item{Version: 1, ExpiresAt: expires, Data: data}, Cond{Kind: CondNotExists}))
	if errors.Is(err, ErrConditionFailed) {
		return ErrExists
	}
	return err
}

// PutOp writes it at k (it's own PK and SK are ignored) under c.
func PutOp(k Key, it Item, c Cond) Op { return Op{Kind: OpPut, Item: k.item(it), Cond: c} }

// DeleteOp deletes the item at k under c.
func DeleteOp(k Key, c Cond) Op { return Op{Kind: OpDelete, Item: k.item(Item{}), Cond: c} }

// CheckOf is the op that checks op's condition on op's item and writes nothing: whether op
// would still succeed.
func CheckOf(op Op) Op {
	return Op{Kind: OpCheck, Item: Item{PK: op.Item.PK, SK: op.Item.SK}, Cond: op.Cond}
}

// DeleteItemOp deletes an item as it was read (a Query's result), at the key the table gave it:
// sweeping a partition needs no builder, whatever the items in it are.
func DeleteItemOp(it Item, c Cond) Op {
	return Op{Kind: OpDelete, Item: Item{PK: it.PK, SK: it.SK}, Cond: c}
}
