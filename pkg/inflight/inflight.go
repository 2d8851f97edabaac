// Package inflight bounds the requests a local server works on at once, first come first served,
// and lets a request give its slot back while it waits on something outside the process.
//
// `cognate serve` over the embedded store admits one request per core (app.LimitInFlight): such
// a request is CPU work, and admitting more only makes the scheduler serve them out of order. A
// request that calls a trigger function, though, waits on the network for the function's answer
// (a webhook, a Lambda emulator): holding its slot meanwhile leaves a core idle while other
// requests queue, and at 16 clients on 2 cores every ms of such waiting showed as about 8 ms more
// median latency. Away gives the slot back for the wait; the request then comes back ahead of the
// requests that have not started yet, so that what it has begun finishes first.
package inflight

import (
	"context"
	"sync"
)

// Limiter hands out n slots: to requests coming back from a wait first, then to new requests, each
// in arrival order.
type Limiter struct {
	mu    sync.Mutex
	free  int
	queue []chan struct{} // new requests waiting, oldest first
	back  []chan struct{} // requests back from a wait, oldest first
}

// New returns a Limiter of n slots (n > 0).
func New(n int) *Limiter {
	return &Limiter{free: n}
}

// Acquire waits for a slot for a new request; it fails only when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context) error {
	return l.acquire(ctx, false)
}

func (l *Limiter) acquire(ctx context.Context, back bool) error {
	l.mu.Lock()
	if l.free > 0 {
		l.free--
		l.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	if back {
		l.back = append(l.back, ready)
	} else {
		l.queue = append(l.queue, ready)
	}
	l.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	select {
	case <-ready: // handed a slot just as ctx ended: hand it on
		l.mu.Unlock()
		l.Release()
		return ctx.Err()
	default:
	}
	if back {
		l.back = remove(l.back, ready)
	} else {
		l.queue = remove(l.queue, ready)
	}
	l.mu.Unlock()
	return ctx.Err()
}

// Release gives a slot back: to the oldest request back from a wait, else to the oldest new one.
func (l *Limiter) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case len(l.back) > 0:
		close(l.back[0])
		l.back = l.back[1:]
	case len(l.queue) > 0:
		close(l.queue[0])
		l.queue = l.queue[1:]
	default:
		l.free++
	}
}

func remove(q []chan struct{}, c chan struct{}) []chan struct{} {
	for i, x := range q {
		if x == c {
			return append(q[:i], q[i+1:]...)
		}
	}
	return q
}

// Slot is one request's slot of a Limiter.
type Slot struct {
	l        *Limiter
	mu       sync.Mutex
	held     bool
	finished bool
}

// Held is the slot of a request that has just acquired it.
func (l *Limiter) Held() *Slot {
	return &Slot{l: l, held: true}
}

// Finish gives the slot back for good (the request is answering); later calls do nothing.
func (s *Slot) Finish() {
	s.mu.Lock()
	s.finished = true
	held := s.held
	s.held = false
	s.mu.Unlock()
	if held {
		s.l.Release()
	}
}

type slotKey struct{}

// With is ctx carrying the request's slot, for Away.
func With(ctx context.Context, s *Slot) context.Context {
	return context.WithValue(ctx, slotKey{}, s)
}

// Away gives ctx's slot back while the caller waits on something outside the process (a trigger
// function); the function it returns takes a slot again, ahead of new requests, and must be
// called before the request works again. With no slot in ctx (no limit, a call made outside a
// request, a slot already away or finished) both do nothing.
func Away(ctx context.Context) (back func()) {
	s, _ := ctx.Value(slotKey{}).(*Slot)
	if s == nil {
		return nothing
	}
	s.mu.Lock()
	if !s.held {
		s.mu.Unlock()
		return nothing
	}
	s.held = false
	s.mu.Unlock()
	s.l.Release()
	return func() {
		_ = s.l.acquire(context.Background(), true) // cannot fail: no deadline
		s.mu.Lock()
		if s.finished { // answered meanwhile (a call that outlived its request): not ours to hold
			s.mu.Unlock()
			s.l.Release()
			return
		}
		s.held = true
		s.mu.Unlock()
	}
}

func nothing() {}
