package embedded

import (
	"bytes"
	"context"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	// sweepEvery is how much clock time passes between two sweeps started by writes.
	sweepEvery = time.Minute
	// sweepBatch bounds the deletions of one write transaction of a sweep, so that a sweep of
	// many items never holds bbolt's write lock for long.
	sweepBatch = 1000
)

// sweeper deletes expired items in the background, as DynamoDB's TTL does. Writes pace it: a
// successful Write starts a sweep when the last one started sweepEvery ago by the table's clock
// (no timer, so a fake clock drives it in tests), and a table nobody writes to gains nothing
// to sweep.
type sweeper struct {
	t       *Table
	mu      sync.Mutex
	next    time.Time // no sweep starts before this
	running bool
	closed  bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

func (s *sweeper) init(t *Table) {
	s.t = t
	s.ctx, s.cancel = context.WithCancel(context.Background())
}

// due starts a background sweep if one is due and none is running.
func (s *sweeper) due() {
	now := s.t.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.running || now.Before(s.next) {
		return
	}
	s.running, s.next = true, now.Add(sweepEvery)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_, _ = s.t.sweep(s.ctx, now) // a failed sweep is retried by the next one
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
}

// stop cancels a running sweep and waits for it.
func (s *sweeper) stop() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// Sweep deletes every item whose ExpiresAt has passed, as DynamoDB TTL does in the background,
// and returns how many it removed. Correctness never depends on it; it only reclaims space.
// Writes start it by themselves (see sweeper); it is exported for tests and tools.
func (t *Table) Sweep(ctx context.Context) (int, error) {
	return t.sweep(ctx, t.clk.Now())
}

// sweep deletes the items expired at now, reading only the expiring bucket, sweepBatch at a
// time: a read transaction finds them, a write transaction deletes those still expired.
func (t *Table) sweep(ctx context.Context, now time.Time) (int, error) {
	var heads [][]byte
	if err := t.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExpiring).ForEachBucket(func(k []byte) error {
			heads = append(heads, bytes.Clone(k))
			return nil
		})
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, head := range heads {
		var from []byte
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			var dead [][]byte
			if err := t.db.View(func(tx *bolt.Tx) error {
				dead, from, more = nil, bytes.Clone(from), false
				b := tx.Bucket(bucketExpiring).Bucket(head)
				if b == nil {
					return nil
				}
				c := b.Cursor()
				k, v := c.First()
				if from != nil {
					if k, v = c.Seek(from); bytes.Equal(k, from) {
						k, v = c.Next()
					}
				}
				for ; k != nil; k, v = c.Next() {
					if len(dead) == sweepBatch {
						more = true
						break
					}
					e, err := parse(v)
					if err != nil {
						return err
					}
					if !e.live(now) {
						dead = append(dead, bytes.Clone(k))
						from = dead[len(dead)-1]
					}
				}
				return nil
			}); err != nil {
				return n, err
			}
			if len(dead) == 0 {
				break
			}
			deleted := 0
			if err := t.db.Update(func(tx *bolt.Tx) error {
				deleted = 0
				b := tx.Bucket(bucketExpiring).Bucket(head)
				if b == nil {
					return nil
				}
				for _, k := range dead {
					v := b.Get(k)
					if v == nil {
						continue
					}
					e, err := parse(v)
					if err != nil {
						return err
					}
					if e.live(now) { // rewritten since it was read
						continue
					}
					if err := b.Delete(k); err != nil {
						return err
					}
					deleted++
				}
				return nil
			}); err != nil {
				return n, err
			}
			n += deleted
		}
	}
	return n, nil
}
