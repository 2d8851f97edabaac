package inflight

import (
	"context"
	"sync"
	"testing"
	"time"
)

// waitQueued waits until l has q new and b returning requests waiting.
func waitQueued(t *testing.T, l *Limiter, q, b int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		nq, nb := len(l.queue), len(l.back)
		l.mu.Unlock()
		if nq == q && nb == b {
			return
		}
	}
	t.Fatalf("want %d new and %d returning requests waiting", q, b)
}

// One slot: a request away lets the next new one in; coming back, it goes ahead of the new
// requests still waiting, which then go in arrival order.
func TestAwayAndBack(t *testing.T) {
	l := New(1)
	ctx := context.Background()
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	a := l.Held()
	actx := With(ctx, a)

	var mu sync.Mutex
	var order []string
	enter := func(name string, wg *sync.WaitGroup) {
		defer wg.Done()
		if err := l.Acquire(ctx); err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		l.Release()
	}
	// b takes the slot a gives back, and holds it while c and d queue and a comes back.
	back := Away(actx)
	if err := l.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go enter("c", &wg)
	waitQueued(t, l, 1, 0)
	go enter("d", &wg)
	waitQueued(t, l, 2, 0)
	backed := make(chan struct{})
	go func() {
		back()
		mu.Lock()
		order = append(order, "a")
		mu.Unlock()
		close(backed)
	}()
	waitQueued(t, l, 2, 1)
	l.Release() // b is done
	<-backed
	a.Finish()
	wg.Wait()
	if got := order; len(got) != 3 || got[0] != "a" || got[1] != "c" || got[2] != "d" {
		t.Fatalf("order %v, want a c d", got)
	}
	if l.free != 1 {
		t.Fatalf("%d slots free at the end, want 1", l.free)
	}
}

// Away without a slot, twice, or after the answer does nothing; a request that finishes while
// away gives back the slot it comes back to.
func TestAwayEdges(t *testing.T) {
	Away(context.Background())() // no limiter
	l := New(1)
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := l.Held()
	ctx := With(context.Background(), s)
	back := Away(ctx)
	Away(ctx)() // already away
	s.Finish()  // the answer is written while a call is still out
	back()
	if l.free != 1 || s.held {
		t.Fatalf("free %d, held %v", l.free, s.held)
	}
	Away(ctx)() // finished
	if l.free != 1 {
		t.Fatalf("free %d", l.free)
	}
}

// A new request whose client goes away while it waits leaves the queue, and the slot stays
// countable.
func TestAcquireCancelled(t *testing.T) {
	l := New(1)
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Acquire(ctx) }()
	waitQueued(t, l, 1, 0)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("acquired after its context ended")
	}
	waitQueued(t, l, 0, 0)
	l.Release()
	if l.free != 1 {
		t.Fatalf("free %d", l.free)
	}
	// Many at once, some cancelled: every slot comes back.
	l = New(2)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%5)*time.Microsecond)
			defer cancel()
			if l.Acquire(ctx) == nil {
				s := l.Held()
				back := Away(With(ctx, s))
				back()
				s.Finish()
			}
		}()
	}
	wg.Wait()
	if l.free != 2 || len(l.queue) != 0 || len(l.back) != 0 {
		t.Fatalf("free %d, queued %d, back %d", l.free, len(l.queue), len(l.back))
	}
}
