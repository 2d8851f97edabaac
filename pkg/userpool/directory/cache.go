package directory

import (
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// configCache keeps decoded pools and app clients for a short while: every request reads them
// and they rarely change, so without it a sign-in would spend two of its DynamoDB reads on
// settings. A write through this service drops the entry at once; other processes (other Lambda
// instances) see a pool or client change within the TTL (Config.ConfigCacheTTL). Misses are not
// cached, so a new pool or client is usable everywhere immediately.
type configCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	pools   map[string]cacheEntry[*model.Pool]
	clients map[string]cacheEntry[*model.Client]
}

type cacheEntry[T any] struct {
	v       T
	expires time.Time
}

// maxCached bounds each map; past it the cache starts over (pools and clients are few).
const maxCached = 4096

func newConfigCache(ttl time.Duration) *configCache {
	return &configCache{ttl: ttl, pools: map[string]cacheEntry[*model.Pool]{}, clients: map[string]cacheEntry[*model.Client]{}}
}

func cacheGet[T any](c *configCache, m map[string]cacheEntry[T], k string, now time.Time) (T, bool) {
	var zero T
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok || !now.Before(e.expires) {
		return zero, false
	}
	return e.v, true
}

func cachePut[T any](c *configCache, m *map[string]cacheEntry[T], k string, v T, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(*m) >= maxCached {
		*m = map[string]cacheEntry[T]{}
	}
	(*m)[k] = cacheEntry[T]{v: v, expires: now.Add(c.ttl)}
}

func (c *configCache) dropPool(id string) {
	c.mu.Lock()
	delete(c.pools, id)
	c.mu.Unlock()
}

func (c *configCache) dropClient(id string) {
	c.mu.Lock()
	delete(c.clients, id)
	c.mu.Unlock()
}
