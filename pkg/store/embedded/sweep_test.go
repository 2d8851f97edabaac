package embedded

import (
	"fmt"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// waitSweep waits for a sweep that a write started.
func waitSweep(tb *Table) { tb.sweeper.wg.Wait() }

// TestSweeperPacedByWrites: a write starts a sweep once sweepEvery of clock time has passed
// since the last one started, and that sweep deletes what had expired by then.
func TestSweeperPacedByWrites(t *testing.T) {
	clk := clock.NewFake(storetest.Epoch)
	tb := newTemp(t, clk)
	defer tb.Close()
	ctx := t.Context()
	exp := storetest.Epoch.Add(10 * time.Second)
	steps := []struct {
		advance     time.Duration
		wantPresent bool // the expired session, physically
	}{
		{0, true},                               // first write: sweeps at once, nothing has expired
		{30 * time.Second, true},                // expired, but the next sweep is not due
		{sweepEvery - 30*time.Second - 1, true}, // one nanosecond short
		{1, false},                              // due: swept
		{time.Hour, false},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		ops := []store.Op{put("P", fmt.Sprintf("w%d", i), 1, time.Time{}, "")}
		if i == 0 {
			ops = append(ops, put("X#session#1", "X", 1, exp, "session"))
		}
		if err := tb.Write(ctx, ops...); err != nil {
			t.Fatal(err)
		}
		waitSweep(tb)
		if got := rawPresent(t, tb, "X#session#1", "X"); got != s.wantPresent {
			t.Fatalf("step %d (clock %v): expired session stored = %v; want %v", i, clk.Now().Sub(storetest.Epoch), got, s.wantPresent)
		}
	}
	for i := range steps {
		if !rawPresent(t, tb, "P", fmt.Sprintf("w%d", i)) {
			t.Fatalf("the sweeper deleted the live item w%d", i)
		}
	}
}

// TestSweepMany: a sweep deletes in batches, across heads, and leaves live and rewritten items.
func TestSweepMany(t *testing.T) {
	clk := clock.NewFake(storetest.Epoch)
	tb := newTemp(t, clk)
	defer tb.Close()
	ctx := t.Context()
	soon, later := storetest.Epoch.Add(time.Minute), storetest.Epoch.Add(time.Hour)
	const n = 2*sweepBatch + 50
	var ops []store.Op
	flush := func() {
		if len(ops) == 0 {
			return
		}
		if err := tb.Write(ctx, ops...); err != nil {
			t.Fatal(err)
		}
		ops = ops[:0]
	}
	for i := range n {
		exp := soon
		if i%10 == 0 {
			exp = later
		}
		ops = append(ops, put(fmt.Sprintf("X#session#%05d", i), "X", 1, exp, "s"), put("U#pool#u", fmt.Sprintf("CODE#%05d", i), 1, exp, "c"))
		if len(ops) == maxOps {
			flush()
		}
	}
	flush()
	// Rewritten with a later expiry, or without one: not expired, must stay.
	ops = append(ops, put("X#session#00001", "X", 2, later, "s2"), put("U#pool#u", "CODE#00001", 2, time.Time{}, "c2"))
	flush()
	waitSweep(tb)

	clk.Set(soon)
	got, err := tb.Sweep(ctx)
	live := n / 10
	if want := 2*(n-live) - 2; err != nil || got != want {
		t.Fatalf("Sweep = %d, %v; want %d", got, err, want)
	}
	items, next, err := tb.Query(ctx, "U#pool#u", "CODE#", "", maxOps)
	for next != "" && err == nil {
		var more []store.Item
		more, next, err = tb.Query(ctx, "U#pool#u", "CODE#", next, maxOps)
		items = append(items, more...)
	}
	if err != nil || len(items) != live+1 {
		t.Fatalf("codes left: %d, %v; want %d", len(items), err, live+1)
	}
	for _, k := range [][2]string{{"X#session#00001", "X"}, {"X#session#00000", "X"}, {"U#pool#u", "CODE#00001"}} {
		if !rawPresent(t, tb, k[0], k[1]) {
			t.Errorf("%s/%s swept; it is live", k[0], k[1])
		}
	}
	if rawPresent(t, tb, "X#session#00002", "X") {
		t.Error("X#session#00002 expired and was not swept")
	}
	if got, err := tb.Sweep(ctx); err != nil || got != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", got, err)
	}
}
