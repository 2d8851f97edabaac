package signer

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

// memTable is a minimal in-memory store.Table for these tests, until the embedded backend
// (pkg/store/embedded) lands. It honours conditions, expiry and atomic writes; Query cursors are
// the last SK returned.
type memTable struct {
	clk clock.Clock

	mu        sync.Mutex
	items     map[[2]string]store.Item
	writes    int
	failQuery error  // when set, Query returns it
	failWrite error  // when set, Write returns it
	beforeOne func() // when set, runs (once, unlocked) before the next Write
}

func newMemTable(clk clock.Clock) *memTable {
	return &memTable{clk: clk, items: make(map[[2]string]store.Item)}
}

func (m *memTable) live(pk, sk string) (store.Item, bool) {
	it, ok := m.items[[2]string{pk, sk}]
	if !ok || (!it.ExpiresAt.IsZero() && !m.clk.Now().Before(it.ExpiresAt)) {
		return store.Item{}, false
	}
	return it, true
}

func (m *memTable) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(pk, sk)
	if !ok {
		return store.Item{}, store.ErrNotFound
	}
	it.Data = bytes.Clone(it.Data)
	return it, nil
}

func (m *memTable) Query(ctx context.Context, pk, skPrefix, cursor string, limit int) ([]store.Item, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failQuery != nil {
		return nil, "", m.failQuery
	}
	var sks []string
	for k := range m.items {
		if k[0] == pk && strings.HasPrefix(k[1], skPrefix) && k[1] > cursor {
			if _, ok := m.live(k[0], k[1]); ok {
				sks = append(sks, k[1])
			}
		}
	}
	sort.Strings(sks)
	next := ""
	if limit > 0 && len(sks) > limit {
		sks = sks[:limit]
		next = sks[limit-1]
	}
	out := make([]store.Item, len(sks))
	for i, sk := range sks {
		it := m.items[[2]string{pk, sk}]
		it.Data = bytes.Clone(it.Data)
		out[i] = it
	}
	return out, next, nil
}

func (m *memTable) Write(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(ops) == 0 || len(ops) > 100 {
		return errors.New("memtable: 1..100 ops")
	}
	m.mu.Lock()
	hook := m.beforeOne
	m.beforeOne = nil
	m.mu.Unlock()
	if hook != nil {
		hook()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failWrite != nil {
		return m.failWrite
	}
	seen := make(map[[2]string]bool)
	failed := make([]bool, len(ops))
	anyFailed := false
	for i, op := range ops {
		k := [2]string{op.Item.PK, op.Item.SK}
		if seen[k] {
			return errors.New("memtable: two ops on one key")
		}
		seen[k] = true
		cur, exists := m.live(k[0], k[1])
		ok := true
		switch op.Cond.Kind {
		case store.CondNotExists:
			ok = !exists
		case store.CondExists:
			ok = exists
		case store.CondVersion:
			ok = exists && cur.Version == op.Cond.Version
		}
		if !ok {
			failed[i], anyFailed = true, true
		}
	}
	if anyFailed {
		return &store.TxError{Failed: failed}
	}
	for _, op := range ops {
		k := [2]string{op.Item.PK, op.Item.SK}
		switch op.Kind {
		case store.OpPut:
			it := op.Item
			it.Data = bytes.Clone(it.Data)
			m.items[k] = it
		case store.OpDelete:
			delete(m.items, k)
		}
	}
	m.writes++
	return nil
}

func (m *memTable) Close() error { return nil }

// set replaces an item directly, bypassing conditions (for tampering tests).
func (m *memTable) set(it store.Item) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[[2]string{it.PK, it.SK}] = it
}

// all returns every item of pk in SK order.
func (m *memTable) all(pk string) []store.Item {
	items, _, err := m.Query(context.Background(), pk, "", "", 0)
	if err != nil {
		panic(err)
	}
	return items
}

// CountAttempt completes the port; key records have no attempt counters, so the signer never
// calls it.
func (m *memTable) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(pk, sk)
	if !ok || !r.Allows(it.Attempts) {
		return store.Item{}, store.ErrConditionFailed
	}
	it.Version++
	it.Attempts = it.Attempts.Counted(r.Now)
	m.items[[2]string{pk, sk}] = it
	it.Data = bytes.Clone(it.Data)
	return it, nil
}
