package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
)

// The value envelope (format 2): a flags byte, Version as a varint, then — when flagged — the
// expiry as varint Unix seconds and uvarint nanoseconds, the four Attempts counters as varints,
// and finally Data, raw or deflated (deflate.go). A typical item (version 1, no expiry) spends
// two bytes on its envelope where format 1 spent 22; with a million items that is 20 MB of file.
const (
	flagExpires  = 1 << 0
	flagAttempts = 1 << 1
	flagDeflate  = 1 << 2 // Data is raw DEFLATE with a preset dictionary:
	flagLearned  = 1 << 3 // its head's learned one, not only the vocabulary
	knownFlags   = flagExpires | flagAttempts | flagDeflate | flagLearned
)

// encode builds the envelope of it, an item of head. learn lets the codec learn a dictionary
// from the data, which takes a write transaction of its own: never inside one.
func (c *codec) encode(head []byte, it store.Item, learn bool) []byte {
	v := make([]byte, 1, 1+6*binary.MaxVarintLen64+len(it.Data))
	v = binary.AppendVarint(v, it.Version)
	if !it.ExpiresAt.IsZero() {
		v[0] |= flagExpires
		v = binary.AppendVarint(v, it.ExpiresAt.Unix())
		v = binary.AppendUvarint(v, uint64(it.ExpiresAt.Nanosecond()))
	}
	if a := it.Attempts; a != (store.Attempts{}) {
		v[0] |= flagAttempts
		for _, n := range [...]int64{a.Failures, a.Total, a.Last, a.Until} {
			v = binary.AppendVarint(v, n)
		}
	}
	return c.deflate(head, it.PK, v, it.Data, learn)
}

// rewrap is e's envelope with a new Version and Attempts around the same Data, still deflated
// as it was: CountAttempt changes the counters without inflating and deflating the record
// while it holds the write lock.
func rewrap(e entry, version int64, a store.Attempts) []byte {
	v := make([]byte, 1, 1+6*binary.MaxVarintLen64+len(e.data))
	v = binary.AppendVarint(v, version)
	if !e.expires.IsZero() {
		v[0] |= flagExpires
		v = binary.AppendVarint(v, e.expires.Unix())
		v = binary.AppendUvarint(v, uint64(e.expires.Nanosecond()))
	}
	if a != (store.Attempts{}) {
		v[0] |= flagAttempts
		for _, n := range [...]int64{a.Failures, a.Total, a.Last, a.Until} {
			v = binary.AppendVarint(v, n)
		}
	}
	if e.deflated {
		v[0] |= flagDeflate
	}
	if e.learned {
		v[0] |= flagLearned
	}
	return append(v, e.data...)
}

// entry is a decoded envelope; data aliases bbolt's memory and is valid only within the tx.
type entry struct {
	version  int64
	expires  time.Time
	attempts store.Attempts
	deflated bool // with the vocabulary,
	learned  bool // or with its head's learned dictionary
	data     []byte
}

func parse(v []byte) (entry, error) {
	if len(v) == 0 || v[0]&^knownFlags != 0 || v[0]&flagLearned != 0 && v[0]&flagDeflate == 0 {
		return entry{}, errCorrupt
	}
	flags, rest := v[0], v[1:]
	var bad bool
	varint := func() int64 {
		n, w := binary.Varint(rest)
		if w <= 0 {
			bad = true
			return 0
		}
		rest = rest[w:]
		return n
	}
	e := entry{version: varint(), deflated: flags&flagDeflate != 0, learned: flags&flagLearned != 0}
	if flags&flagExpires != 0 {
		sec := varint()
		nsec, w := binary.Uvarint(rest)
		if w <= 0 || nsec >= 1e9 {
			return entry{}, errCorrupt
		}
		rest = rest[w:]
		e.expires = time.Unix(sec, int64(nsec)).UTC()
	}
	if flags&flagAttempts != 0 {
		e.attempts = store.Attempts{Failures: varint(), Total: varint(), Last: varint(), Until: varint()}
	}
	if bad {
		return entry{}, errCorrupt
	}
	e.data = rest
	return e, nil
}

// live: no expiry, or an expiry still in the future.
func (e entry) live(now time.Time) bool { return e.expires.IsZero() || e.expires.After(now) }

// item is the stored item of e, an item of head, with its own copy of Data.
func (c *codec) item(head []byte, e entry, pk, sk string) (store.Item, error) {
	it := store.Item{PK: pk, SK: sk, Version: e.version, ExpiresAt: e.expires, Attempts: e.attempts}
	if !e.deflated {
		it.Data = bytes.Clone(e.data)
		return it, nil
	}
	dict := vocabulary
	if e.learned {
		if dict = c.dict(head); dict == nil {
			return store.Item{}, fmt.Errorf("%w: no dictionary for %q", errCorrupt, head)
		}
	}
	var err error
	if it.Data, err = inflate(e.data, dict); err != nil {
		return store.Item{}, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return it, nil
}

// ---- format 1 ----

// parseV1 reads format 1's envelope: format byte 1, flags (bit 0: has expiry, bit 1: has
// attempts), Version, expiry as Unix seconds and nanoseconds, the four Attempts counters when
// flagged, then Data; all integers big-endian. Only compact reads it, to rewrite the file.
func parseV1(v []byte) (entry, error) {
	const headerLen, attemptsLen = 1 + 1 + 8 + 8 + 4, 4 * 8
	if len(v) < headerLen || v[0] != 1 {
		return entry{}, errCorrupt
	}
	e := entry{version: int64(binary.BigEndian.Uint64(v[2:])), data: v[headerLen:]}
	if v[1]&1 != 0 {
		e.expires = time.Unix(int64(binary.BigEndian.Uint64(v[10:])), int64(binary.BigEndian.Uint32(v[18:]))).UTC()
	}
	if v[1]&2 != 0 {
		if len(e.data) < attemptsLen {
			return entry{}, errCorrupt
		}
		a := e.data[:attemptsLen]
		n := func(i int) int64 { return int64(binary.BigEndian.Uint64(a[8*i:])) }
		e.attempts = store.Attempts{Failures: n(0), Total: n(1), Last: n(2), Until: n(3)}
		e.data = e.data[attemptsLen:]
	}
	return e, nil
}
