package token

import (
	"crypto/rsa"
	"strings"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/signer"
)

// verifiedCache remembers the tokens whose signature Verify has checked and whose claims it has
// parsed, keyed by the exact token string. An access-token operation presents the same token
// many times within its hour; the RS256 check and the claim parsing are most of what Verify
// costs, and their outcome cannot change for the same bytes under the same key.
//
// What a hit skips is only that: the bytes were checked once. Everything that can change is
// checked again on every call, exactly as on a miss: the key must still be one of the pool's
// published keys (same kid, use and modulus, so a retired or deleted key stops its tokens at once),
// and iss, token_use, client, iat, nbf and exp are judged against the caller's Expect and the
// clock of this call. Anything a hit cannot confirm falls through to the full check, which then
// gives the same answer and reason as if there were no cache.
//
// The cache is bounded by an estimate of the bytes it holds (maxVerifiedBytes), not by time:
// many distinct valid tokens (each one needs a real sign-in) evict each other at random and
// cost a full verification again, never memory. An entry leaves at its token's exp plus the
// largest leeway, when it could only ever answer "expired".
type verifiedCache struct {
	mu        sync.Mutex
	maxBytes  int
	bytes     int
	m         map[string]*verifiedToken
	nextSweep time.Time
}

// verifiedToken is a token whose signature verified under key, and its parsed claims.
type verifiedToken struct {
	poolID string
	kid    string
	use    signer.KeyUse
	key    *rsa.PublicKey
	claims *Claims
	drop   time.Time // exp + MaxLeeway: past it the token can only be expired
	cost   int
}

const (
	// maxVerifiedBytes bounds the cache: ~2,500 typical access tokens (about 1 KB each, plus
	// their parsed claims).
	maxVerifiedBytes = 4 << 20
	// verifiedOverhead estimates an entry's memory beyond the token string: the parsed claims
	// (whose strings copy about half the token), the entry and the map slot.
	verifiedOverhead = 768
	// verifiedSweepEvery rate-limits the scan for expired entries when the cache is full, so a
	// full cache of live tokens does not cost a scan per insert.
	verifiedSweepEvery = time.Minute
)

func newVerifiedCache(maxBytes int) *verifiedCache {
	return &verifiedCache{maxBytes: maxBytes, m: make(map[string]*verifiedToken)}
}

// get returns the entry for raw, or nil.
func (c *verifiedCache) get(raw string) *verifiedToken {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	e := c.m[raw]
	c.mu.Unlock()
	return e
}

// remove drops raw's entry if it is still e.
func (c *verifiedCache) remove(raw string, e *verifiedToken) {
	c.mu.Lock()
	if c.m[raw] == e {
		delete(c.m, raw)
		c.bytes -= e.cost
	}
	c.mu.Unlock()
}

// put adds a verified token, evicting as needed to stay within maxBytes.
func (c *verifiedCache) put(raw string, e *verifiedToken, now time.Time) {
	if c == nil {
		return
	}
	e.cost = len(raw) + verifiedOverhead
	if e.cost > c.maxBytes {
		return
	}
	// A copy: raw may be a slice of a larger request the cache must not keep alive.
	raw = strings.Clone(raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[raw]; ok {
		c.bytes -= old.cost
		delete(c.m, raw)
	}
	if c.bytes+e.cost > c.maxBytes && !now.Before(c.nextSweep) {
		c.nextSweep = now.Add(verifiedSweepEvery)
		for k, v := range c.m {
			if !now.Before(v.drop) {
				delete(c.m, k)
				c.bytes -= v.cost
			}
		}
	}
	// Still full of live tokens: evict at random (map iteration starts at a random entry).
	for k, v := range c.m {
		if c.bytes+e.cost <= c.maxBytes {
			break
		}
		delete(c.m, k)
		c.bytes -= v.cost
	}
	c.m[raw] = e
	c.bytes += e.cost
}

// KnownIssuer returns the iss of raw when Verify has accepted exactly this token before and
// still holds it, without parsing it again; ok is false for any other token. It lets a caller
// pick the pool (and so the Expect) to verify against; it is not itself a verification.
func (i *Issuer) KnownIssuer(raw string) (iss string, ok bool) {
	if e := i.verified.get(raw); e != nil {
		return e.claims.Issuer, true
	}
	return "", false
}

// stillPublished reports whether e's key is still among the pool's published keys, for the
// same use.
func (e *verifiedToken) stillPublished(keys []signer.PublicKey) bool {
	for _, k := range keys {
		if k.Kid == e.kid {
			return k.Use == e.use && k.Key != nil && (k.Key == e.key || k.Key.Equal(e.key))
		}
	}
	return false
}
