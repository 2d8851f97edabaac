package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cognatehq/cognate/pkg/store"
)

// Faulty wraps a real Table for the tests of code above the port: it counts the requests that
// reach it and fails them on demand, the way a backend fails in production — before the request
// is applied, or after a write committed with its response lost on the way back. Every package's
// tests share it instead of keeping a hand-written table of their own: the behaviour under the
// faults stays the real backend's.
//
// Faults are switched on and off while the test runs (safe for concurrent use); the zero state
// passes everything through.
type Faulty struct {
	store.Table

	// Requests that reached the wrapper, failed ones included.
	Gets, Queries, Writes, Counts atomic.Int64

	mu         sync.Mutex
	failQuery  error
	failWrite  error
	writeMatch func([]store.Op) bool
	loseWrite  error
	beforeNext func()
}

// NewFaulty wraps tb.
func NewFaulty(tb store.Table) *Faulty { return &Faulty{Table: tb} }

// FailQueries makes every Query return err without reaching the table; nil stops it.
func (f *Faulty) FailQueries(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failQuery = err
}

// FailWrites makes every Write whose ops match accepts (nil: every Write) return err without
// reaching the table; a nil err stops it.
func (f *Faulty) FailWrites(err error, match func(ops []store.Op) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failWrite, f.writeMatch = err, match
}

// LoseWrites lets every Write reach the table and, when it succeeded, returns err anyway: the
// write committed but its response was lost (a timeout or a reset connection), so the caller
// cannot tell. nil stops it.
func (f *Faulty) LoseWrites(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loseWrite = err
}

// BeforeNextWrite runs hook once, before the next Write reaches the table, with no lock held:
// the hook may use the table itself, e.g. to have another process win a race.
func (f *Faulty) BeforeNextWrite(hook func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.beforeNext = hook
}

func (f *Faulty) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	f.Gets.Add(1)
	return f.Table.Get(ctx, pk, sk)
}

func (f *Faulty) Query(ctx context.Context, pk, skPrefix, cursor string, limit int) ([]store.Item, string, error) {
	f.Queries.Add(1)
	f.mu.Lock()
	err := f.failQuery
	f.mu.Unlock()
	if err != nil {
		return nil, "", err
	}
	return f.Table.Query(ctx, pk, skPrefix, cursor, limit)
}

func (f *Faulty) Write(ctx context.Context, ops ...store.Op) error {
	f.Writes.Add(1)
	f.mu.Lock()
	hook := f.beforeNext
	f.beforeNext = nil
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	fail, match, lose := f.failWrite, f.writeMatch, f.loseWrite
	f.mu.Unlock()
	if fail != nil && (match == nil || match(ops)) {
		return fail
	}
	err := f.Table.Write(ctx, ops...)
	if err == nil && lose != nil {
		return lose
	}
	return err
}

func (f *Faulty) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	f.Counts.Add(1)
	return f.Table.CountAttempt(ctx, pk, sk, r)
}

// Items returns every live item of pk, in SK order, paging through tb.
func Items(t testing.TB, tb store.Table, pk string) []store.Item {
	t.Helper()
	var all []store.Item
	cursor := ""
	for {
		items, next, err := tb.Query(context.Background(), pk, "", cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

// Set puts it as given, with no condition: a test tampering with what is stored.
func Set(t testing.TB, tb store.Table, it store.Item) {
	t.Helper()
	if err := tb.Write(context.Background(), store.Op{Kind: store.OpPut, Item: it}); err != nil {
		t.Fatal(err)
	}
}
