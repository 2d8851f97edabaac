package embedded

import (
	"bytes"
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
	p := locate(pk, sk)
	var written entry
	err := t.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := bucketsOf(tx)
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
		// Only the envelope changes: the stored Data is kept as it is, so the write lock is not
		// held while a record is inflated and deflated again.
		e.version++
		e.attempts = e.attempts.Counted(r.Now)
		e.data = bytes.Clone(e.data) // bbolt's memory is valid only within the transaction
		written = e
		return b.put(p, rewrap(e, e.version, e.attempts), !e.expires.IsZero())
	})
	if err != nil {
		return store.Item{}, err
	}
	return t.codec.item(p.head, written, pk, sk)
}
