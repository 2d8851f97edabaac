package directory

import (
	"bytes"
	"sync"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
)

// userCache memoizes decodeUser for the access-token operations (authenticate), which read the
// same few users over and over: an unchanged record is not unmarshalled again. It caches no
// state, only a decoding. The store read happens on every call as before (it is also the
// revocation check), and a hit requires the bytes just read to equal the bytes the entry was
// decoded from, so any write — a sign-out, a disable, a revoked lineage, another process's
// change — misses at once. The attempt counters live beside the bytes and are taken from the
// read every time.
//
// Callers get a copy (clone) they may change freely; the cached record is never handed out.

const (
	// maxDecodedUserBytes bounds the cache by an estimate of what it holds (a record's bytes
	// plus its decoded form); past it entries are evicted at random.
	maxDecodedUserBytes = 4 << 20
	// maxDecodedUserRecord: larger records (thousands of lineages) are decoded every time.
	maxDecodedUserRecord = 64 << 10
)

type userCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	m        map[userCacheKey]*decodedUser
}

type userCacheKey struct{ pool, key string }

type decodedUser struct {
	data []byte // the record as stored, which rec was decoded from
	rec  *model.UserRecord
	cost int
}

func newUserCache(maxBytes int) *userCache {
	return &userCache{maxBytes: maxBytes, m: make(map[userCacheKey]*decodedUser)}
}

// decode is decodeUser(su), from the cache when su.Data is what was decoded last time for this
// user.
func (c *userCache) decode(su *store.User) (*model.User, error) {
	k := userCacheKey{su.PoolID, su.Key}
	c.mu.Lock()
	e := c.m[k]
	c.mu.Unlock()
	if e != nil && bytes.Equal(e.data, su.Data) {
		r := e.rec.Clone()
		r.Lock = model.LockFromAttempts(su.Attempts)
		return &model.User{UserRecord: r, Stored: su}, nil
	}
	u, err := model.DecodeUser(su)
	if err != nil || len(su.Data) > maxDecodedUserRecord {
		return u, err
	}
	e = &decodedUser{data: bytes.Clone(su.Data), rec: u.UserRecord.Clone(), cost: 2*len(su.Data) + 512}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		c.bytes -= old.cost
		delete(c.m, k)
	}
	for ek, ev := range c.m { // map iteration starts at a random entry
		if c.bytes+e.cost <= c.maxBytes {
			break
		}
		delete(c.m, ek)
		c.bytes -= ev.cost
	}
	c.m[k] = e
	c.bytes += e.cost
	return u, nil
}
