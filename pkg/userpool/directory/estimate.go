package directory

import (
	"context"
	"sync"
	"time"
)

// EstimatedNumberOfUsers is counted from the pool's user index when DescribeUserPool asks
// (store.Repo.CountUsers: one read per estimatePage users) and kept for estimateTTL; this
// process's own sign-ups and deletions move the kept number at once, so a single server stays
// exact, while the users other processes (other Lambda instances) add show within the TTL, as
// Cognito's own estimate lags. Counting stops at estimateMax users: a larger pool reports that
// many. No sign-up or sign-in reads or writes anything for the estimate.
const (
	estimateTTL  = time.Minute
	estimatePage = 1000
	estimateMax  = 100_000
)

type userEstimates struct {
	mu sync.Mutex
	m  map[string]cacheEntry[int64]
}

// Estimate returns the pool's estimated number of users, counting when the kept one is stale.
func (d *Directory) Estimate(ctx context.Context, pool string) (int64, error) {
	e := &d.estimates
	now := d.Now()
	e.mu.Lock()
	c, ok := e.m[pool]
	e.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.v, nil
	}
	n, _, err := d.Repo.CountUsers(ctx, pool, estimatePage, estimateMax)
	if err != nil {
		return 0, err
	}
	n = min(n, estimateMax)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil || len(e.m) >= maxCached {
		e.m = map[string]cacheEntry[int64]{}
	}
	e.m[pool] = cacheEntry[int64]{v: n, expires: now.Add(estimateTTL)}
	return n, nil
}

// CountUser moves a kept estimate by delta after this process created (+1) or deleted (-1) a
// user; a pool not counted yet is left to be counted when asked.
func (d *Directory) CountUser(pool string, delta int64) {
	e := &d.estimates
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.m[pool]; ok {
		c.v = min(max(c.v+delta, 0), estimateMax)
		e.m[pool] = c
	}
}

// ForgetEstimate drops a pool's kept estimate (the pool was deleted; its id may come back).
func (d *Directory) ForgetEstimate(pool string) {
	d.estimates.mu.Lock()
	delete(d.estimates.m, pool)
	d.estimates.mu.Unlock()
}
