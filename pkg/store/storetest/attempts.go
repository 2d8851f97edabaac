package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

func attemptRule(now time.Time) store.AttemptRule {
	return store.AttemptRule{Now: now, QuietSince: now.Add(-15 * time.Minute), MaxFailures: 4, MaxTotal: 100}
}

// testCountAttempt: an attempt is counted, the version bumped and the item returned in one
// call; a Put replaces the counters; and every clause of the rule refuses on its own.
func testCountAttempt(t *testing.T, tb store.Table, clk *clock.Fake) {
	ctx := context.Background()
	now := clk.Now()
	if _, err := tb.CountAttempt(ctx, "u", "U", attemptRule(now)); !errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("missing item: got %v, want ErrConditionFailed", err)
	}
	mustWrite(t, tb, put(item("u", "U", 1, "user"), notExists))
	for i := int64(1); i <= 4; i++ {
		it, err := tb.CountAttempt(ctx, "u", "U", attemptRule(now))
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		want := store.Attempts{Failures: i, Total: i, Last: now.UnixMilli()}
		if it.Version != 1+i || string(it.Data) != "user" || it.Attempts != want {
			t.Fatalf("attempt %d returned %s %+v, want version %d, data user, %+v", i, show(it), it.Attempts, 1+i, want)
		}
		if got := mustGet(t, tb, "u", "U"); got.Version != it.Version || got.Attempts != want {
			t.Fatalf("attempt %d: Get sees %s %+v", i, show(got), got.Attempts)
		}
	}
	if _, err := tb.CountAttempt(ctx, "u", "U", attemptRule(now)); !errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("fifth attempt past MaxFailures: got %v", err)
	}
	if got := mustGet(t, tb, "u", "U"); got.Version != 5 || got.Attempts.Failures != 4 {
		t.Fatalf("a refused attempt changed the item: %s %+v", show(got), got.Attempts)
	}

	// A Put replaces the counters (here: a lock the caller computed), and CAS sees the bumps.
	locked := store.Attempts{Failures: 5, Total: 5, Last: now.UnixMilli(), Until: now.Add(time.Second).UnixMilli()}
	it := item("u", "U", 6, "user2")
	it.Attempts = locked
	mustWrite(t, tb, put(it, version(5)))
	if got := mustGet(t, tb, "u", "U"); got.Attempts != locked || string(got.Data) != "user2" {
		t.Fatalf("Put did not store the counters: %s %+v", show(got), got.Attempts)
	}
	cases := []struct {
		name string
		a    store.Attempts
		rule store.AttemptRule
		ok   bool
	}{
		{"locked", locked, attemptRule(now), false},
		{"lock just over", store.Attempts{Failures: 1, Total: 1, Last: now.UnixMilli(), Until: now.UnixMilli()}, attemptRule(now), true},
		{"stale failures", store.Attempts{Failures: 2, Total: 2, Last: now.Add(-16 * time.Minute).UnixMilli()}, attemptRule(now), false},
		{"recent failures", store.Attempts{Failures: 3, Total: 3, Last: now.Add(-14 * time.Minute).UnixMilli()}, attemptRule(now), true},
		{"total ceiling", store.Attempts{Total: 100}, attemptRule(now), false},
		{"below total ceiling", store.Attempts{Total: 99}, attemptRule(now), true},
		{"clean", store.Attempts{}, attemptRule(now), true},
	}
	for i, c := range cases {
		pk := "c" + string(rune('a'+i))
		it := item(pk, "U", 1, c.name)
		it.Attempts = c.a
		mustWrite(t, tb, put(it, notExists))
		got, err := tb.CountAttempt(ctx, pk, "U", c.rule)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, store.ErrConditionFailed)) {
			t.Fatalf("%s: got %v, allowed %v", c.name, err, c.ok)
		}
		if c.ok && got.Attempts != c.a.Counted(c.rule.Now) {
			t.Fatalf("%s: counted %+v, want %+v", c.name, got.Attempts, c.a.Counted(c.rule.Now))
		}
		if c.rule.Allows(c.a) != c.ok {
			t.Fatalf("%s: AttemptRule.Allows disagrees with the backend", c.name)
		}
	}

	// An expired item is absent for CountAttempt too.
	exp := item("e", "U", 1, "gone")
	exp.ExpiresAt = now.Add(time.Minute)
	mustWrite(t, tb, put(exp, notExists))
	clk.Advance(time.Minute)
	if _, err := tb.CountAttempt(ctx, "e", "U", attemptRule(clk.Now())); !errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("expired item: got %v", err)
	}
}

// testConcurrentAttempts: of 40 concurrent attempts on a clean record, exactly MaxFailures are
// counted (AUTH-03), and no count is lost.
func testConcurrentAttempts(t *testing.T, tb store.Table, clk *clock.Fake) {
	ctx := context.Background()
	mustWrite(t, tb, put(item("u", "U", 1, "user"), notExists))
	var wg sync.WaitGroup
	var mu sync.Mutex
	counted, refused := 0, 0
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := tb.CountAttempt(ctx, "u", "U", attemptRule(clk.Now()))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				counted++
			case errors.Is(err, store.ErrConditionFailed):
				refused++
			default:
				t.Errorf("CountAttempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if counted != 4 || refused != 36 {
		t.Fatalf("counted %d, refused %d; want 4 and 36", counted, refused)
	}
	if got := mustGet(t, tb, "u", "U"); got.Attempts.Failures != 4 || got.Version != 5 {
		t.Fatalf("after the race: %s %+v", show(got), got.Attempts)
	}
}
