package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

func newTemp(t testing.TB, clk clock.Clock) *Table {
	t.Helper()
	tb, err := OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestConformance(t *testing.T) {
	storetest.RunTableTests(t, func(t *testing.T, clk clock.Clock) store.Table { return newTemp(t, clk) })
}

func put(pk, sk string, v int64, exp time.Time, data string) store.Op {
	return store.Op{Kind: store.OpPut, Item: store.Item{PK: pk, SK: sk, Version: v, ExpiresAt: exp, Data: []byte(data)}}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cognate.db")
	clk := clock.NewFake(storetest.Epoch)
	exp := storetest.Epoch.Add(time.Hour + time.Nanosecond)

	tb, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Write(t.Context(), put("P", "a", 7, exp, "alpha"), put("P", "b", 1, time.Time{}, "beta"), put("P", "c", 1, time.Time{}, "gamma")); err != nil {
		t.Fatal(err)
	}
	_, cursor, err := tb.Query(t.Context(), "P", "", "", 1)
	if err != nil || cursor == "" {
		t.Fatalf("Query: %q, %v", cursor, err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file after Close: %v, %v; want it kept, mode 0600", fi, err)
	}

	tb, err = Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	got, err := tb.Get(t.Context(), "P", "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || !got.ExpiresAt.Equal(exp) || string(got.Data) != "alpha" {
		t.Fatalf("after reopen: %+v", got)
	}
	items, next, err := tb.Query(t.Context(), "P", "", cursor, 10) // cursors survive a restart
	if err != nil || next != "" || len(items) != 2 || items[0].SK != "b" || items[1].SK != "c" {
		t.Fatalf("Query with a cursor from before the restart: %v, %q, %v", items, next, err)
	}
}

func TestOpenTempRemovesFile(t *testing.T) {
	tb := newTemp(t, nil)
	if _, err := os.Stat(tb.temp); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tb.temp); !os.IsNotExist(err) {
		t.Fatalf("temp file after Close: %v; want it gone", err)
	}
	if err := tb.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCursorFromAnotherFile(t *testing.T) {
	a, b := newTemp(t, nil), newTemp(t, nil)
	defer a.Close()
	defer b.Close()
	for _, tb := range []*Table{a, b} {
		if err := tb.Write(t.Context(), put("P", "1", 1, time.Time{}, ""), put("P", "2", 1, time.Time{}, "")); err != nil {
			t.Fatal(err)
		}
	}
	_, cursor, err := a.Query(t.Context(), "P", "", "", 1)
	if err != nil || cursor == "" {
		t.Fatalf("Query: %q, %v", cursor, err)
	}
	if _, _, err := b.Query(t.Context(), "P", "", cursor, 1); !errors.Is(err, store.ErrInvalidCursor) {
		t.Fatalf("cursor of another file: %v; want ErrInvalidCursor", err)
	}
}

func TestCursorHidesSK(t *testing.T) {
	tb := newTemp(t, nil)
	defer tb.Close()
	if err := tb.Write(t.Context(), put("P", "SECRETSK1", 1, time.Time{}, ""), put("P", "SECRETSK2", 1, time.Time{}, "")); err != nil {
		t.Fatal(err)
	}
	_, cursor, err := tb.Query(t.Context(), "P", "", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cursor, "SECRET") {
		t.Fatalf("cursor %q reveals the SK", cursor)
	}
}

// rawPresent reports whether the key is physically stored, expired or not.
func rawPresent(t *testing.T, tb *Table, pk, sk string) bool {
	t.Helper()
	var present bool
	if err := tb.db.View(func(tx *bolt.Tx) error {
		present = bucketsOf(tx).get(locate(pk, sk)) != nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return present
}

func TestExpiredStaysUntilSwept(t *testing.T) {
	clk := clock.NewFake(storetest.Epoch)
	tb := newTemp(t, clk)
	defer tb.Close()
	exp := storetest.Epoch.Add(time.Minute)
	if err := tb.Write(t.Context(), put("P", "code", 1, exp, "123456"), put("P", "user", 1, time.Time{}, "u"), put("P", "later", 1, exp.Add(time.Hour), "")); err != nil {
		t.Fatal(err)
	}
	clk.Set(exp)
	if _, err := tb.Get(t.Context(), "P", "code"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired item: %v; want ErrNotFound", err)
	}
	if !rawPresent(t, tb, "P", "code") {
		t.Fatal("expired item already deleted; the read must not depend on deletion")
	}
	n, err := tb.Sweep(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if rawPresent(t, tb, "P", "code") || !rawPresent(t, tb, "P", "user") || !rawPresent(t, tb, "P", "later") {
		t.Fatal("Sweep removed the wrong items")
	}
}

func TestLimits(t *testing.T) {
	tb := newTemp(t, nil)
	defer tb.Close()
	ctx := t.Context()
	for name, op := range map[string]store.Op{
		"long pk":      put(strings.Repeat("p", maxPKBytes+1), "s", 1, time.Time{}, ""),
		"long sk":      put("p", strings.Repeat("s", maxSKBytes+1), 1, time.Time{}, ""),
		"invalid utf8": put("p", "\xff", 1, time.Time{}, ""),
		"huge item":    put("p", "s", 1, time.Time{}, strings.Repeat("x", maxItemBytes)),
		"unknown kind": {Kind: store.OpKind(9), Item: store.Item{PK: "p", SK: "s"}},
		"unknown cond": {Kind: store.OpPut, Item: store.Item{PK: "p", SK: "s"}, Cond: store.Cond{Kind: store.CondKind(9)}},
	} {
		if err := tb.Write(ctx, op); err == nil || errors.Is(err, store.ErrConditionFailed) {
			t.Errorf("%s: %v; want a misuse error", name, err)
		}
	}
	ok := []store.Op{
		put(strings.Repeat("p", maxPKBytes), strings.Repeat("s", maxSKBytes), 1, time.Time{}, ""),
		put("p", "s", 1, time.Time{}, strings.Repeat("x", maxItemBytes-itemOverhead-2)),
	}
	if err := tb.Write(ctx, ok...); err != nil {
		t.Fatalf("items at the limits: %v", err)
	}
	if _, err := tb.Get(ctx, "", "s"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with an empty pk: %v; want a misuse error", err)
	}
	if _, _, err := tb.Query(ctx, "", "", "", 1); err == nil {
		t.Error("Query with an empty pk: want a misuse error")
	}
}

func BenchmarkGet(b *testing.B) {
	tb := newTemp(b, nil)
	defer tb.Close()
	if err := tb.Write(b.Context(), put("POOL#x#USER#42", "PROFILE", 1, time.Time{}, strings.Repeat("d", 2048))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tb.Get(b.Context(), "POOL#x#USER#42", "PROFILE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, ops := range []int{1, 10} {
		b.Run(fmt.Sprintf("ops=%d", ops), func(b *testing.B) {
			tb := newTemp(b, nil)
			defer tb.Close()
			data := strings.Repeat("d", 1024)
			i := 0
			for b.Loop() {
				batch := make([]store.Op, ops)
				for j := range batch {
					i++
					batch[j] = put("POOL#x", fmt.Sprintf("USER#%09d", i), 1, time.Time{}, data)
					batch[j].Cond = store.Cond{Kind: store.CondNotExists}
				}
				if err := tb.Write(b.Context(), batch...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkQuery(b *testing.B) {
	tb := newTemp(b, nil)
	defer tb.Close()
	var batch []store.Op
	for i := range 100 {
		batch = append(batch, put("POOL#x", fmt.Sprintf("USER#%03d", i), 1, time.Time{}, strings.Repeat("d", 512)))
	}
	if err := tb.Write(b.Context(), batch...); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := tb.Query(b.Context(), "POOL#x", "USER#", "", 25); err != nil {
			b.Fatal(err)
		}
	}
}
