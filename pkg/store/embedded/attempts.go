package embedded

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/store"
)

// CountAttempt judges and counts an attempt in one write transaction: bbolt's single writer makes
// the read, the rule and the write atomic (AUTH-03).
func (t *Table) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	if err := checkKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	var it store.Item
	err := t.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := bucketsOf(tx)
		p := locate(pk, sk)
		v := b.get(p)
		if v == nil {
			return store.ErrConditionFailed
		}
		e, err := parse(v)
		if err != nil {
			return err
		}
		if !e.live(t.clk.Now()) || !r.Allows(e.attempts) {
			return store.ErrConditionFailed
		}
		if it, err = t.codec.item(p.head, e, pk, sk); err != nil {
			return err
		}
		it.Version++
		it.Attempts = it.Attempts.Counted(r.Now)
		return b.put(p, t.codec.encode(p.head, it, false), !it.ExpiresAt.IsZero()) // no learning inside a transaction
	})
	if err != nil {
		return store.Item{}, err
	}
	return it, nil
}
