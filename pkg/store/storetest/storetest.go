// Package storetest is the conformance suite for the store.Table port. Every backend runs it
// (embedded on a temporary bbolt file, dynamo against DynamoDB Local), so the repository above
// the port can rely on one behaviour: conditions, atomicity, expiry, Query order and cursors,
// cancellation, and the concurrency guarantees of DDB-01 and DDB-04.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

// NewTable returns a fresh, empty table that reads time from clk. The suite closes it at the
// end of the subtest; cleanups the factory registers with t.Cleanup run after that.
type NewTable func(t *testing.T, clk clock.Clock) store.Table

// Epoch is where each subtest's fake clock starts. It lies in the future so that a real TTL
// (DynamoDB's) never deletes an item the suite expects to still be stored but expired.
var Epoch = time.Date(2035, 6, 1, 12, 0, 0, 0, time.UTC)

type suiteTest struct {
	name string
	run  func(t *testing.T, tb store.Table, clk *clock.Fake)
}

// RunTableTests runs the whole suite, RunConcurrencyTests included, each subtest on a fresh table.
func RunTableTests(t *testing.T, newTable NewTable) {
	run(t, newTable, []suiteTest{
		{"GetMissing", testGetMissing},
		{"PutGet", testPutGet},
		{"ReturnedDataIsACopy", testReturnedDataIsACopy},
		{"Delete", testDelete},
		{"CondNotExists", testCondNotExists},
		{"CondExists", testCondExists},
		{"CondVersion", testCondVersion},
		{"AllOrNothing", testAllOrNothing},
		{"Check", testCheck},
		{"Misuse", testMisuse},
		{"Expiry", testExpiry},
		{"ExpiryChanges", testExpiryChanges},
		{"QueryOrder", testQueryOrder},
		{"QueryPrefix", testQueryPrefix},
		{"QueryPagination", testQueryPagination},
		{"QueryCursorAfterWrites", testQueryCursorAfterWrites},
		{"QueryShortPages", testQueryShortPages},
		{"QueryInvalidCursor", testQueryInvalidCursor},
		{"ContextCancelled", testContextCancelled},
		{"LargeData", testLargeData},
		{"BinaryData", testBinaryData},
		{"KeyCharacters", testKeyCharacters},
		{"CountAttempt", testCountAttempt},
	})
	t.Run("Concurrency", func(t *testing.T) { RunConcurrencyTests(t, newTable) })
}

// RunConcurrencyTests checks that conditions hold under contention: one winner among concurrent
// creators of a key (DDB-01), no lost update among compare-and-swap writers (DDB-04).
func RunConcurrencyTests(t *testing.T, newTable NewTable) {
	run(t, newTable, []suiteTest{
		{"UniqueCreate", testUniqueCreate},
		{"CompareAndSwapCounter", testCompareAndSwapCounter},
		{"ConcurrentAttempts", testConcurrentAttempts},
	})
}

func run(t *testing.T, newTable NewTable, tests []suiteTest) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(Epoch)
			tb := newTable(t, clk)
			t.Cleanup(func() {
				if err := tb.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, tb, clk)
		})
	}
}

// --- helpers ---

var (
	notExists = store.Cond{Kind: store.CondNotExists}
	exists    = store.Cond{Kind: store.CondExists}
)

func version(v int64) store.Cond { return store.Cond{Kind: store.CondVersion, Version: v} }

func item(pk, sk string, v int64, data string) store.Item {
	return store.Item{PK: pk, SK: sk, Version: v, Data: []byte(data)}
}

func put(it store.Item, c store.Cond) store.Op { return store.Op{Kind: store.OpPut, Item: it, Cond: c} }

func del(pk, sk string, c store.Cond) store.Op {
	return store.Op{Kind: store.OpDelete, Item: store.Item{PK: pk, SK: sk}, Cond: c}
}

func check(pk, sk string, c store.Cond) store.Op {
	return store.Op{Kind: store.OpCheck, Item: store.Item{PK: pk, SK: sk}, Cond: c}
}

func mustWrite(t *testing.T, tb store.Table, ops ...store.Op) {
	t.Helper()
	if err := tb.Write(t.Context(), ops...); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func mustGet(t *testing.T, tb store.Table, pk, sk string) store.Item {
	t.Helper()
	it, err := tb.Get(t.Context(), pk, sk)
	if err != nil {
		t.Fatalf("Get(%q, %q): %v", pk, sk, err)
	}
	return it
}

func wantAbsent(t *testing.T, tb store.Table, pk, sk string) {
	t.Helper()
	if it, err := tb.Get(t.Context(), pk, sk); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(%q, %q) = %+v, %v; want ErrNotFound", pk, sk, it, err)
	}
}

func wantItem(t *testing.T, got, want store.Item) {
	t.Helper()
	if got.PK != want.PK || got.SK != want.SK || got.Version != want.Version ||
		!got.ExpiresAt.Equal(want.ExpiresAt) || !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("item = %s; want %s", show(got), show(want))
	}
}

func show(it store.Item) string {
	d := it.Data
	if len(d) > 32 {
		d = d[:32]
	}
	return fmt.Sprintf("{%q %q v%d exp=%v data(%d)=%q}", it.PK, it.SK, it.Version, it.ExpiresAt, len(it.Data), d)
}

// wantTxError checks that err is a cancelled transaction with exactly these failed ops.
func wantTxError(t *testing.T, err error, failed ...bool) {
	t.Helper()
	var txe *store.TxError
	if !errors.Is(err, store.ErrConditionFailed) || !errors.As(err, &txe) {
		t.Fatalf("Write error = %v; want *store.TxError", err)
	}
	if !slices.Equal(txe.Failed, failed) {
		t.Fatalf("TxError.Failed = %v; want %v", txe.Failed, failed)
	}
	for i, f := range failed {
		if txe.FailedAt(i) != f {
			t.Fatalf("FailedAt(%d) = %v; want %v", i, !f, f)
		}
	}
}

// wantMisuse checks that err reports misuse, not a failed condition.
func wantMisuse(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil || errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("%s: Write error = %v; want a misuse error", what, err)
	}
}

// queryAll follows cursors until next is "", checking that no page exceeds limit.
func queryAll(t *testing.T, tb store.Table, pk, prefix string, limit int) []store.Item {
	t.Helper()
	var all []store.Item
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("Query(%q, %q, limit %d): no end after 1000 pages", pk, prefix, limit)
		}
		items, next, err := tb.Query(t.Context(), pk, prefix, cursor, limit)
		if err != nil {
			t.Fatalf("Query(%q, %q, limit %d): %v", pk, prefix, limit, err)
		}
		if limit > 0 && len(items) > limit {
			t.Fatalf("Query(%q, %q, limit %d): page of %d items", pk, prefix, limit, len(items))
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

func sks(items []store.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.SK
	}
	return out
}

func wantSKs(t *testing.T, items []store.Item, want ...string) {
	t.Helper()
	if got := sks(items); !slices.Equal(got, want) {
		t.Fatalf("SKs = %q; want %q", got, want)
	}
}

// --- basic reads and writes ---

func testGetMissing(t *testing.T, tb store.Table, _ *clock.Fake) {
	wantAbsent(t, tb, "P", "S")
}

func testPutGet(t *testing.T, tb store.Table, _ *clock.Fake) {
	it := store.Item{PK: "P", SK: "S", Version: 3, ExpiresAt: Epoch.Add(time.Hour + 123*time.Millisecond), Data: []byte("hello")}
	mustWrite(t, tb, put(it, store.Cond{}))
	wantItem(t, mustGet(t, tb, "P", "S"), it)

	// A put replaces the whole item: the expiry goes too.
	it2 := item("P", "S", 4, "bye")
	mustWrite(t, tb, put(it2, store.Cond{}))
	wantItem(t, mustGet(t, tb, "P", "S"), it2)
	wantAbsent(t, tb, "P", "T")
	wantAbsent(t, tb, "Q", "S")
}

func testReturnedDataIsACopy(t *testing.T, tb store.Table, _ *clock.Fake) {
	original := "original" + strings.Repeat(".", 8<<10) // big enough to sit in its own page
	data := []byte(original)
	mustWrite(t, tb, put(store.Item{PK: "P", SK: "S", Data: data}, store.Cond{}))
	data[0] = 'X' // the caller's buffer is not the stored one
	got := mustGet(t, tb, "P", "S")
	got.Data[0] = 'Y' // nor is the returned one
	items, _, err := tb.Query(t.Context(), "P", "", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	items[0].Data[1] = 'Z'
	wantItem(t, mustGet(t, tb, "P", "S"), item("P", "S", 0, original))
}

func testDelete(t *testing.T, tb store.Table, _ *clock.Fake) {
	mustWrite(t, tb, put(item("P", "S", 1, "x"), store.Cond{}), put(item("P", "T", 1, "y"), store.Cond{}))
	mustWrite(t, tb, del("P", "S", store.Cond{}))
	wantAbsent(t, tb, "P", "S")
	mustGet(t, tb, "P", "T")
	mustWrite(t, tb, del("P", "S", store.Cond{})) // absent: no error
	mustWrite(t, tb, del("nobody", "S", store.Cond{}))
}

// --- conditions ---

func testCondNotExists(t *testing.T, tb store.Table, _ *clock.Fake) {
	first := item("P", "S", 1, "first")
	mustWrite(t, tb, put(first, notExists))
	wantItem(t, mustGet(t, tb, "P", "S"), first)

	wantTxError(t, tb.Write(t.Context(), put(item("P", "S", 1, "second"), notExists)), true)
	wantItem(t, mustGet(t, tb, "P", "S"), first)

	// Deleting with must-not-exist only succeeds on an absent item.
	wantTxError(t, tb.Write(t.Context(), del("P", "S", notExists)), true)
	mustWrite(t, tb, del("P", "absent", notExists))
	wantItem(t, mustGet(t, tb, "P", "S"), first)
}

func testCondExists(t *testing.T, tb store.Table, _ *clock.Fake) {
	wantTxError(t, tb.Write(t.Context(), put(item("P", "S", 1, "x"), exists)), true)
	wantAbsent(t, tb, "P", "S") // a failed conditional put creates nothing
	wantTxError(t, tb.Write(t.Context(), del("P", "S", exists)), true)

	mustWrite(t, tb, put(item("P", "S", 1, "x"), store.Cond{}))
	mustWrite(t, tb, put(item("P", "S", 2, "y"), exists))
	wantItem(t, mustGet(t, tb, "P", "S"), item("P", "S", 2, "y"))
	mustWrite(t, tb, del("P", "S", exists))
	wantAbsent(t, tb, "P", "S")
}

func testCondVersion(t *testing.T, tb store.Table, _ *clock.Fake) {
	wantTxError(t, tb.Write(t.Context(), put(item("P", "S", 1, "x"), version(0))), true)
	wantAbsent(t, tb, "P", "S") // version 0 does not mean "absent"

	mustWrite(t, tb, put(item("P", "S", 1, "v1"), notExists))
	wantTxError(t, tb.Write(t.Context(), put(item("P", "S", 3, "v3"), version(2))), true)
	wantItem(t, mustGet(t, tb, "P", "S"), item("P", "S", 1, "v1"))

	mustWrite(t, tb, put(item("P", "S", 2, "v2"), version(1)))
	wantItem(t, mustGet(t, tb, "P", "S"), item("P", "S", 2, "v2"))
	wantTxError(t, tb.Write(t.Context(), put(item("P", "S", 3, "again"), version(1))), true) // stale

	wantTxError(t, tb.Write(t.Context(), del("P", "S", version(1))), true)
	mustGet(t, tb, "P", "S")
	mustWrite(t, tb, del("P", "S", version(2)))
	wantAbsent(t, tb, "P", "S")

	// Negative and large versions are compared exactly.
	mustWrite(t, tb, put(item("P", "N", -7, "n"), store.Cond{}), put(item("P", "M", 1<<62, "m"), store.Cond{}))
	mustWrite(t, tb, put(item("P", "N", -6, "n"), version(-7)), put(item("P", "M", 1<<62+1, "m"), version(1<<62)))
}

func testAllOrNothing(t *testing.T, tb store.Table, _ *clock.Fake) {
	a, b := item("P", "A", 1, "a"), item("P", "B", 1, "b")
	mustWrite(t, tb, put(a, store.Cond{}), put(b, store.Cond{}))

	err := tb.Write(t.Context(),
		put(item("P", "C", 1, "c"), notExists),   // holds
		put(item("P", "A", 2, "a2"), version(9)), // fails
		del("P", "B", store.Cond{}),              // unconditional
		put(item("P", "D", 1, "d"), exists),      // fails: D is absent
	)
	wantTxError(t, err, false, true, false, true)
	wantAbsent(t, tb, "P", "C")
	wantItem(t, mustGet(t, tb, "P", "A"), a)
	wantItem(t, mustGet(t, tb, "P", "B"), b)
	wantAbsent(t, tb, "P", "D")

	// A single failure among many also cancels everything.
	err = tb.Write(t.Context(),
		put(item("P", "C", 1, "c"), notExists),
		del("P", "B", version(1)),
		put(item("Q", "X", 1, "x"), store.Cond{}),
		put(item("P", "A", 2, "a2"), notExists), // fails
	)
	wantTxError(t, err, false, false, false, true)
	wantAbsent(t, tb, "P", "C")
	wantAbsent(t, tb, "Q", "X")
	wantItem(t, mustGet(t, tb, "P", "B"), b)

	// When every condition holds, every op is applied.
	mustWrite(t, tb,
		put(item("P", "C", 1, "c"), notExists),
		put(item("P", "A", 2, "a2"), version(1)),
		del("P", "B", version(1)),
		put(item("Q", "X", 1, "x"), store.Cond{}),
	)
	wantItem(t, mustGet(t, tb, "P", "C"), item("P", "C", 1, "c"))
	wantItem(t, mustGet(t, tb, "P", "A"), item("P", "A", 2, "a2"))
	wantAbsent(t, tb, "P", "B")
	wantItem(t, mustGet(t, tb, "Q", "X"), item("Q", "X", 1, "x"))
}

func testCheck(t *testing.T, tb store.Table, _ *clock.Fake) {
	a := item("P", "A", 1, "a")
	mustWrite(t, tb, put(a, store.Cond{}))

	mustWrite(t, tb, check("P", "A", version(1)), put(item("P", "B", 1, "b"), notExists))
	wantItem(t, mustGet(t, tb, "P", "A"), a) // a check writes nothing
	mustGet(t, tb, "P", "B")

	wantTxError(t, tb.Write(t.Context(), check("P", "A", version(2)), put(item("P", "C", 1, "c"), notExists)), true, false)
	wantAbsent(t, tb, "P", "C")

	wantTxError(t, tb.Write(t.Context(), put(item("P", "C", 1, "c"), store.Cond{}), check("P", "Z", exists)), false, true)
	wantAbsent(t, tb, "P", "C")

	mustWrite(t, tb, check("P", "Z", notExists))
	wantAbsent(t, tb, "P", "Z") // nor does a check on an absent item
	mustWrite(t, tb, check("P", "A", exists))
	wantTxError(t, tb.Write(t.Context(), check("P", "A", notExists)), true)
	wantItem(t, mustGet(t, tb, "P", "A"), a)
}

func testMisuse(t *testing.T, tb store.Table, _ *clock.Fake) {
	ctx := t.Context()
	wantMisuse(t, tb.Write(ctx), "no ops")

	many := make([]store.Op, 101)
	for i := range many {
		many[i] = put(item("P", fmt.Sprintf("S%03d", i), 1, ""), store.Cond{})
	}
	wantMisuse(t, tb.Write(ctx, many...), "101 ops")
	wantAbsent(t, tb, "P", "S000")

	wantMisuse(t, tb.Write(ctx, put(item("P", "S", 1, "a"), store.Cond{}), put(item("P", "S", 2, "b"), store.Cond{})), "put twice")
	wantMisuse(t, tb.Write(ctx, put(item("P", "S", 1, "a"), notExists), del("P", "S", store.Cond{})), "put and delete")
	wantMisuse(t, tb.Write(ctx, check("P", "S", notExists), put(item("P", "S", 1, "a"), store.Cond{})), "check and put")
	wantAbsent(t, tb, "P", "S")

	wantMisuse(t, tb.Write(ctx, put(item("", "S", 1, "a"), store.Cond{})), "empty PK")
	wantMisuse(t, tb.Write(ctx, put(item("P", "", 1, "a"), store.Cond{})), "empty SK")
	wantMisuse(t, tb.Write(ctx, put(item("P", "S", 1, "a"), store.Cond{}), del("", "", store.Cond{})), "empty key in a later op")
	wantMisuse(t, tb.Write(ctx, check("P", "S", store.Cond{})), "check without condition")
	wantAbsent(t, tb, "P", "S")

	// The limit itself is fine.
	mustWrite(t, tb, many[:100]...)
	if got := queryAll(t, tb, "P", "S", 0); len(got) != 100 {
		t.Fatalf("after a 100-op write, Query finds %d items; want 100", len(got))
	}
}

// --- expiry (DDB-07) ---

func testExpiry(t *testing.T, tb store.Table, clk *clock.Fake) {
	exp := Epoch.Add(time.Minute)
	e := store.Item{PK: "P", SK: "E", Version: 1, ExpiresAt: exp, Data: []byte("code")}
	mustWrite(t, tb, put(e, notExists), put(item("P", "L", 1, "live"), notExists))
	mustWrite(t, tb, put(store.Item{PK: "P", SK: "Old", Version: 1, ExpiresAt: Epoch.Add(-time.Second)}, store.Cond{}))

	wantAbsent(t, tb, "P", "Old") // already expired when written
	clk.Set(exp.Add(-time.Nanosecond))
	wantItem(t, mustGet(t, tb, "P", "E"), e)
	wantSKs(t, queryAll(t, tb, "P", "", 10), "E", "L")

	clk.Set(exp) // ExpiresAt <= now: gone, though no one has deleted it
	wantAbsent(t, tb, "P", "E")
	wantSKs(t, queryAll(t, tb, "P", "", 10), "L")
	wantSKs(t, queryAll(t, tb, "P", "E", 10))
	wantTxError(t, tb.Write(t.Context(), check("P", "E", exists)), true)
	wantTxError(t, tb.Write(t.Context(), check("P", "E", version(1))), true)
	wantTxError(t, tb.Write(t.Context(), put(item("P", "E", 2, "x"), version(1))), true)
	wantTxError(t, tb.Write(t.Context(), del("P", "E", exists)), true)
	wantTxError(t, tb.Write(t.Context(), check("P", "Old", exists)), true)
	mustWrite(t, tb, check("P", "E", notExists), check("P", "Old", notExists))

	// An expired item is absent for must-not-exist: it can be created again.
	fresh := item("P", "E", 1, "new code")
	mustWrite(t, tb, put(fresh, notExists))
	wantItem(t, mustGet(t, tb, "P", "E"), fresh)
	clk.Advance(24 * time.Hour)
	wantItem(t, mustGet(t, tb, "P", "E"), fresh) // no expiry: lives forever
}

// testExpiryChanges: a Put replaces the expiry with the rest of the item (gained, moved, lost),
// a delete finds an item whatever its expiry, and a partition mixing items with and without one
// reads in SK order, page by page. (The embedded store keeps the two kinds apart.)
func testExpiryChanges(t *testing.T, tb store.Table, clk *clock.Fake) {
	soon, later := Epoch.Add(time.Minute), Epoch.Add(time.Hour)
	expiring := func(it store.Item, exp time.Time) store.Item {
		it.ExpiresAt = exp
		return it
	}
	mustWrite(t, tb,
		put(expiring(item("P", "a", 1, "a1"), soon), notExists),
		put(item("P", "b", 1, "b1"), notExists),
		put(expiring(item("P", "c", 1, "c1"), soon), notExists),
		put(item("P", "d", 1, "d1"), notExists),
		put(expiring(item("P", "e", 1, "e1"), later), notExists),
	)
	for _, limit := range []int{1, 2, 0} {
		wantSKs(t, queryAll(t, tb, "P", "", limit), "a", "b", "c", "d", "e")
	}

	a2 := item("P", "a", 2, "a2")                  // loses its expiry
	b2 := expiring(item("P", "b", 2, "b2"), soon)  // gains one
	c2 := expiring(item("P", "c", 2, "c2"), later) // keeps one, later
	mustWrite(t, tb, put(a2, version(1)), put(b2, version(1)), put(c2, version(1)))
	clk.Set(soon)
	wantItem(t, mustGet(t, tb, "P", "a"), a2)
	wantAbsent(t, tb, "P", "b")
	wantItem(t, mustGet(t, tb, "P", "c"), c2)
	for _, limit := range []int{1, 3} {
		wantSKs(t, queryAll(t, tb, "P", "", limit), "a", "c", "d", "e")
	}

	mustWrite(t, tb, del("P", "a", exists), del("P", "c", version(2)), del("P", "e", exists))
	wantSKs(t, queryAll(t, tb, "P", "", 1), "d")
	b3 := item("P", "b", 1, "b3") // expired, so absent: it can be created again, without expiry
	mustWrite(t, tb, put(b3, notExists))
	clk.Advance(24 * time.Hour)
	wantItem(t, mustGet(t, tb, "P", "b"), b3)
	wantSKs(t, queryAll(t, tb, "P", "", 1), "b", "d")
}

// --- Query ---

func testQueryOrder(t *testing.T, tb store.Table, _ *clock.Fake) {
	want := []string{"A", "Z", "a", "a#1", "a#10", "a#2", "b", "z", "~", "é", "日本", "🙂"} // UTF-8 byte order
	shuffled := slices.Clone(want)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, sk := range shuffled {
		mustWrite(t, tb, put(item("P", sk, 1, sk), notExists))
	}
	items, next, err := tb.Query(t.Context(), "P", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Errorf("Query of a partition that fits in one page: next = %q; want \"\"", next)
	}
	wantSKs(t, items, want...)
	for _, it := range items {
		wantItem(t, it, item("P", it.SK, 1, it.SK))
	}
}

func testQueryPrefix(t *testing.T, tb store.Table, _ *clock.Fake) {
	for _, k := range [][2]string{
		{"P", "USER#a"}, {"P", "USER#b"}, {"P", "USERX"}, {"P", "ALIAS#x"}, {"P", "USER"},
		{"P2", "USER#c"}, {"PP", "USER#d"}, {"p", "USER#e"},
	} {
		mustWrite(t, tb, put(item(k[0], k[1], 1, ""), store.Cond{}))
	}
	wantSKs(t, queryAll(t, tb, "P", "USER#", 10), "USER#a", "USER#b")
	wantSKs(t, queryAll(t, tb, "P", "USER", 10), "USER", "USER#a", "USER#b", "USERX")
	wantSKs(t, queryAll(t, tb, "P", "", 10), "ALIAS#x", "USER", "USER#a", "USER#b", "USERX")
	wantSKs(t, queryAll(t, tb, "P", "USER#a", 10), "USER#a")
	wantSKs(t, queryAll(t, tb, "P", "USER#a#", 10))
	wantSKs(t, queryAll(t, tb, "P", "B", 10))
	wantSKs(t, queryAll(t, tb, "P2", "", 10), "USER#c")
	wantSKs(t, queryAll(t, tb, "nobody", "", 10))

	items, next, err := tb.Query(t.Context(), "P", "nothing", "", 10)
	if err != nil || len(items) != 0 || next != "" {
		t.Fatalf("Query with no match = %v, %q, %v; want empty, \"\", nil", sks(items), next, err)
	}
}

func testQueryPagination(t *testing.T, tb store.Table, _ *clock.Fake) {
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("item#%03d", i))
	}
	for i := 0; i < len(want); i += 10 {
		var ops []store.Op
		for _, sk := range want[i:min(i+10, len(want))] {
			ops = append(ops, put(item("P", sk, 1, sk), notExists))
		}
		mustWrite(t, tb, ops...)
	}
	mustWrite(t, tb, put(item("P", "other", 1, ""), notExists), put(item("P2", "item#999", 1, ""), notExists))

	for _, limit := range []int{1, 2, 7, 10, 24, 25, 26, 100, 0, -1} {
		wantSKs(t, queryAll(t, tb, "P", "item#", limit), want...)
	}

	// The first page is full and says there is more.
	items, next, err := tb.Query(t.Context(), "P", "item#", "", 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 7 || next == "" {
		t.Fatalf("first page: %d items, next %q; want 7 and a cursor", len(items), next)
	}
	wantSKs(t, items, want[:7]...)
	items, _, err = tb.Query(t.Context(), "P", "item#", next, 7)
	if err != nil {
		t.Fatal(err)
	}
	wantSKs(t, items, want[7:14]...)
	// A cursor can be used again.
	again, _, err := tb.Query(t.Context(), "P", "item#", next, 7)
	if err != nil {
		t.Fatal(err)
	}
	wantSKs(t, again, want[7:14]...)
}

func testQueryCursorAfterWrites(t *testing.T, tb store.Table, _ *clock.Fake) {
	for _, sk := range []string{"b", "d", "f", "h"} {
		mustWrite(t, tb, put(item("P", sk, 1, ""), notExists))
	}
	items, next, err := tb.Query(t.Context(), "P", "", "", 2)
	if err != nil || next == "" {
		t.Fatalf("first page: %v, %q, %v", sks(items), next, err)
	}
	wantSKs(t, items, "b", "d")
	// The cursor is a position: later pages see writes made after it was issued, and the
	// item it points after may be gone.
	mustWrite(t, tb, put(item("P", "a", 1, ""), notExists), put(item("P", "e", 1, ""), notExists), del("P", "d", store.Cond{}), del("P", "f", store.Cond{}))
	var rest []store.Item
	for cursor := next; cursor != ""; {
		items, cursor, err = tb.Query(t.Context(), "P", "", cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, items...)
	}
	wantSKs(t, rest, "e", "h")
}

func testQueryShortPages(t *testing.T, tb store.Table, clk *clock.Fake) {
	var live []string
	for i := range 20 {
		it := item("P", fmt.Sprintf("s%02d", i), 1, "")
		if i%2 == 1 || i >= 15 {
			it.ExpiresAt = Epoch.Add(time.Minute)
		} else {
			live = append(live, it.SK)
		}
		mustWrite(t, tb, put(it, notExists))
	}
	clk.Advance(time.Minute)
	for _, limit := range []int{1, 3, 5, 20, 0} {
		wantSKs(t, queryAll(t, tb, "P", "s", limit), live...)
	}
	wantSKs(t, queryAll(t, tb, "P", "s1", 2), "s10", "s12", "s14")
	wantSKs(t, queryAll(t, tb, "P", "s17", 2))
}

func testQueryInvalidCursor(t *testing.T, tb store.Table, _ *clock.Fake) {
	for _, k := range [][2]string{{"P", "a1"}, {"P", "a2"}, {"P", "a3"}, {"P", "b1"}, {"Q", "a1"}, {"Q", "a2"}} {
		mustWrite(t, tb, put(item(k[0], k[1], 1, ""), store.Cond{}))
	}
	_, good, err := tb.Query(t.Context(), "P", "a", "", 1)
	if err != nil || good == "" {
		t.Fatalf("Query: next %q, %v", good, err)
	}
	wantInvalid := func(pk, prefix, cursor, what string) {
		t.Helper()
		if items, _, err := tb.Query(t.Context(), pk, prefix, cursor, 10); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("%s: Query(%q, %q, %q) = %v, %v; want ErrInvalidCursor", what, pk, prefix, cursor, sks(items), err)
		}
	}
	swap := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	wantInvalid("P", "a", "garbage", "garbage")
	wantInvalid("P", "a", "%%%", "not base64")
	wantInvalid("P", "a", swap(good, 0), "first character changed")
	wantInvalid("P", "a", swap(good, len(good)/2), "middle character changed")
	wantInvalid("P", "a", swap(good, len(good)-1), "last character changed")
	wantInvalid("P", "a", good[:len(good)-1], "truncated")
	wantInvalid("P", "a", good[:len(good)/2], "halved")
	wantInvalid("P", "a", good+"A", "extended")
	wantInvalid("P", "a", "A"+good, "prefixed")
	wantInvalid("Q", "a", good, "other partition")
	wantInvalid("P", "b", good, "other prefix")
	wantInvalid("P", "", good, "shorter prefix")
	wantInvalid("P", "a1", good, "longer prefix")

	items, _, err := tb.Query(t.Context(), "P", "a", good, 10)
	if err != nil {
		t.Fatalf("the genuine cursor no longer works: %v", err)
	}
	wantSKs(t, items, "a2", "a3")
}

// --- robustness ---

func testContextCancelled(t *testing.T, tb store.Table, _ *clock.Fake) {
	mustWrite(t, tb, put(item("P", "S", 1, "x"), store.Cond{}))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := tb.Get(ctx, "P", "S"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context: %v; want context.Canceled", err)
	}
	if _, _, err := tb.Query(ctx, "P", "", "", 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Query with a cancelled context: %v; want context.Canceled", err)
	}
	if err := tb.Write(ctx, put(item("P", "T", 1, "y"), store.Cond{}), del("P", "S", store.Cond{})); !errors.Is(err, context.Canceled) {
		t.Errorf("Write with a cancelled context: %v; want context.Canceled", err)
	}
	dctx, dcancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer dcancel()
	if err := tb.Write(dctx, put(item("P", "U", 1, "y"), store.Cond{})); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write past its deadline: %v; want context.DeadlineExceeded", err)
	}
	wantAbsent(t, tb, "P", "T")
	wantAbsent(t, tb, "P", "U")
	mustGet(t, tb, "P", "S")
}

func testLargeData(t *testing.T, tb store.Table, _ *clock.Fake) {
	data := make([]byte, 350<<10)
	rand.NewChaCha8([32]byte{1}).Read(data)
	big := store.Item{PK: "P", SK: "big", Version: 1, ExpiresAt: Epoch.Add(time.Hour), Data: data}
	mustWrite(t, tb, put(big, notExists), put(item("P", "small", 1, "s"), notExists))
	wantItem(t, mustGet(t, tb, "P", "big"), big)
	items := queryAll(t, tb, "P", "", 0)
	wantSKs(t, items, "big", "small")
	wantItem(t, items[0], big)
}

func testBinaryData(t *testing.T, tb store.Table, _ *clock.Fake) {
	all := make([]byte, 0, 512)
	for i := range 512 {
		all = append(all, byte(i), byte(255-i))
	}
	cases := map[string][]byte{"all": all, "nul": {0}, "nuls": {0, 0, 0}, "ff": {0xff}, "empty": {}, "nil": nil, "invalid utf8": {0xc3, 0x28, 0xed, 0xa0, 0x80}}
	for sk, data := range cases {
		mustWrite(t, tb, put(store.Item{PK: "P", SK: sk, Version: 1, Data: data}, store.Cond{}))
	}
	for sk, data := range cases {
		wantItem(t, mustGet(t, tb, "P", sk), store.Item{PK: "P", SK: sk, Version: 1, Data: data})
	}
	for _, it := range queryAll(t, tb, "P", "", 3) {
		wantItem(t, it, store.Item{PK: "P", SK: it.SK, Version: 1, Data: cases[it.SK]})
	}
}

func testKeyCharacters(t *testing.T, tb store.Table, _ *clock.Fake) {
	keys := [][2]string{
		{"POOL#eu-west-1_abc#USER#42", "ALIAS#EMAIL#alice@example.com"},
		{"POOL#eu-west-1_abc#USER#42", "ALIAS#PHONE#+447700900123"},
		{"POOL#eu-west-1_abc#USER#4", "ALIAS#EMAIL#bob@example.com"}, // its PK is a prefix of the one above
		{"#", "#"},
		{"##", "# #"},
		{"ユーザー#ａｌｉｃｅ", "名前#Ünïcödé"},
		{"🙂#😀", "👩‍👩‍👧#🇫🇷"},
		{"a b:c/d|e\\f\"g'h", "tab\tnew\nline\rend"},
		{"a\x00b", "c\x00d"},
	}
	for i, k := range keys {
		mustWrite(t, tb, put(item(k[0], k[1], int64(i), k[0]+"|"+k[1]), notExists))
	}
	for i, k := range keys {
		wantItem(t, mustGet(t, tb, k[0], k[1]), item(k[0], k[1], int64(i), k[0]+"|"+k[1]))
	}
	wantSKs(t, queryAll(t, tb, "POOL#eu-west-1_abc#USER#42", "ALIAS#", 1), "ALIAS#EMAIL#alice@example.com", "ALIAS#PHONE#+447700900123")
	wantSKs(t, queryAll(t, tb, "POOL#eu-west-1_abc#USER#4", "", 1), "ALIAS#EMAIL#bob@example.com")
	wantSKs(t, queryAll(t, tb, "#", "", 10), "#")
	wantSKs(t, queryAll(t, tb, "ユーザー#ａｌｉｃｅ", "名前#", 10), "名前#Ünïcödé")
	wantSKs(t, queryAll(t, tb, "🙂#😀", "👩", 10), "👩‍👩‍👧#🇫🇷")
	wantSKs(t, queryAll(t, tb, "a\x00b", "c\x00", 10), "c\x00d")
	wantAbsent(t, tb, "a", "b\x00c\x00d")
}

// --- concurrency ---

// testUniqueCreate: 100 concurrent must-not-exist creations of one username → exactly one wins,
// with its whole transaction, and every loser sees a failed condition, never another error
// (DDB-01). The race is run on several usernames in turn, to give interleavings more chances.
func testUniqueCreate(t *testing.T, tb store.Table, _ *clock.Fake) {
	const writers, names = 100, 5
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		winners [names][]int
	)
	for w := range writers {
		wg.Go(func() {
			<-start
			for n := range names {
				err := tb.Write(t.Context(),
					put(item("POOL", "USERNAME#"+strconv.Itoa(n), 1, strconv.Itoa(w)), notExists),
					put(item(fmt.Sprintf("USER#%d#%d", n, w), "PROFILE", 1, ""), notExists),
				)
				switch {
				case err == nil:
					mu.Lock()
					winners[n] = append(winners[n], w)
					mu.Unlock()
				case !errors.Is(err, store.ErrConditionFailed):
					t.Errorf("writer %d, name %d: %v; want nil or ErrConditionFailed", w, n, err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for n, ws := range winners {
		if len(ws) != 1 {
			t.Fatalf("name %d: %d writers succeeded (%v); want exactly 1", n, len(ws), ws)
		}
		if got := mustGet(t, tb, "POOL", "USERNAME#"+strconv.Itoa(n)); string(got.Data) != strconv.Itoa(ws[0]) {
			t.Fatalf("USERNAME#%d belongs to %q; the winner was %d", n, got.Data, ws[0])
		}
		for w := range writers {
			_, err := tb.Get(t.Context(), fmt.Sprintf("USER#%d#%d", n, w), "PROFILE")
			if (err == nil) != (w == ws[0]) {
				t.Fatalf("USER#%d#%d: %v; only the winner's transaction may have been applied", n, w, err)
			}
		}
	}
}

// testCompareAndSwapCounter: 20 writers each add 1 ten times by Get then a version-conditioned
// Put, retrying when the condition fails → no update is lost (DDB-04).
func testCompareAndSwapCounter(t *testing.T, tb store.Table, _ *clock.Fake) {
	const writers, increments = 20, 10
	mustWrite(t, tb, put(item("C", "counter", 1, "0"), notExists))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for range increments {
				for attempt := 0; ; attempt++ {
					if attempt == 10000 {
						t.Errorf("writer %d: no progress after %d attempts", w, attempt)
						return
					}
					cur, err := tb.Get(t.Context(), "C", "counter")
					if err != nil {
						t.Errorf("writer %d: Get: %v", w, err)
						return
					}
					n, err := strconv.Atoi(string(cur.Data))
					if err != nil {
						t.Errorf("writer %d: counter %q: %v", w, cur.Data, err)
						return
					}
					err = tb.Write(t.Context(), put(item("C", "counter", cur.Version+1, strconv.Itoa(n+1)), version(cur.Version)))
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConditionFailed) {
						t.Errorf("writer %d: Write: %v", w, err)
						return
					}
				}
			}
		})
	}
	close(start)
	wg.Wait()
	const total = writers * increments
	wantItem(t, mustGet(t, tb, "C", "counter"), item("C", "counter", total+1, strconv.Itoa(total)))
}
