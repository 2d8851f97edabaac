package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cognatehq/cognate/pkg/store"
)

// DocumentedKeys wraps tb so that every key written through it must fit the key map
// (store.LayoutOf, which docs/architecture.md shows): a key that fits no layout fails t when
// the test ends. Writes still reach tb whatever their keys, so the test runs as it would.
func DocumentedKeys(t testing.TB, tb store.Table) store.Table {
	d := &documentedKeys{Table: tb}
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, k := range d.stray {
			t.Errorf("a key outside the key map (pkg/store/keys.go) was written: %s", k)
		}
	})
	return d
}

type documentedKeys struct {
	store.Table
	mu    sync.Mutex
	stray []string
}

func (d *documentedKeys) Write(ctx context.Context, ops ...store.Op) error {
	for _, op := range ops {
		if _, ok := store.LayoutOf(op.Item.PK, op.Item.SK); !ok {
			d.mu.Lock()
			d.stray = append(d.stray, fmt.Sprintf("%q / %q", op.Item.PK, op.Item.SK))
			d.mu.Unlock()
		}
	}
	return d.Table.Write(ctx, ops...)
}
