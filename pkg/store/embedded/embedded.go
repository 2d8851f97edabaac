// Package embedded implements the store.Table port on bbolt, a pure-Go single-file B+tree. It is
// the store behind `cognate serve` (Open) and behind `--memory` mode and tests (OpenTemp).
//
// It owns the file's layout, which is shaped by size: at 100,000 users every byte per item is
// 100 KB of file, and a server that reads random users soon has every page of it resident.
//
//   - A PK is split at its second '#' into a head ("U#<pool>#", "I#<pool>#", "X#session#") and
//     a tail. Each head has a nested bucket, in which an item's key is partKey(tail) ‖ sk: the
//     head, shared by every item of its kind, is stored once instead of in each key (about 20
//     bytes an item); partKey is the tail, length-prefixed or, for a UUID or hex digest, packed
//     to half its size; either way each partition is contiguous and in SK byte order, as
//     DynamoDB orders string sort keys. Heads are few: a kind and a pool id per head.
//   - Those nested buckets live under "items" for items without an expiry and under "expiring"
//     for those with one (sessions, codes, refresh records, counters); an item is in exactly one.
//     Get looks in both and Query merges the two in key order. The split is for the sweeper:
//     bbolt has no TTL, so expired items are deleted by reading the expiring items only, never
//     the users.
//   - Values are a compact envelope with Data deflated when that pays (envelope.go).
//
// Bucket "meta" holds the format version and the AES-256 key that seals Query cursors, so
// cursors survive a restart but are useless against another file. A Write is one bbolt
// read-write transaction: all conditions are evaluated against the state before it, and either
// every op is applied or none is. Items past their ExpiresAt read as absent everywhere; the
// sweeper (sweep.go) deletes them. A file in format 1 (one bucket keyed uvarint(len(pk)) ‖ pk ‖
// sk, a fixed 22-byte envelope) is rewritten when opened (compact.go).
//
// It enforces DynamoDB's limits (100 ops, one per key, keys of 1–2048/1–1024 bytes of UTF-8,
// roughly 400 KB per item) so that what works here also works on the dynamo backend.
package embedded

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

const (
	formatVersion = 2

	maxOps       = 100
	maxPKBytes   = 2048
	maxSKBytes   = 1024
	maxItemBytes = 400 << 10 // DynamoDB's item limit,
	itemOverhead = 100       // less what the dynamo backend adds besides PK, SK and Data.

	defaultLimit = 100
	maxPageBytes = 1 << 20 // like DynamoDB, a Query page stops after about 1 MB of data
)

var (
	bucketItems    = []byte("items")
	bucketExpiring = []byte("expiring")
	bucketMeta     = []byte("meta")
	metaFormat     = []byte("format")
	metaCursorKey  = []byte("cursor-key")
	cursorDomain   = []byte("cognate/embedded/cursor/v1\x00")

	errCorrupt = errors.New("embedded: corrupt item")
)

// Table is a store.Table backed by one bbolt file. It is safe for concurrent use.
type Table struct {
	db   *bolt.DB
	clk  clock.Clock
	aead cipher.AEAD // seals Query cursors
	temp string      // the file Close removes (OpenTemp)

	codec   codec
	sweeper sweeper
}

var _ store.Table = (*Table)(nil)

// Open opens the table at path, creating the file (mode 0600) if needed. A nil clk means the
// system clock. It fails after a second if another process holds the file. A file of an older
// format, or one that is mostly free pages, is first rewritten (compacted) in place.
func Open(path string, clk clock.Clock) (*Table, error) {
	return open(path, clk, false)
}

// OpenTemp opens a table on a fresh temporary file that Close removes. Writes skip fsync:
// nothing in it is meant to outlive the process.
func OpenTemp(clk clock.Clock) (*Table, error) {
	f, err := os.CreateTemp("", "cognate-*.db")
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	path := f.Name()
	_ = f.Close() // empty: bolt opens it again by name
	t, err := open(path, clk, true)
	if err != nil {
		_ = os.Remove(path) // the open error is the one to report
		return nil, err
	}
	t.temp = path
	return t, nil
}

// openBolt opens the bbolt file at path. If the file was replaced while this process waited for
// its lock — another process compacted it, renaming a new file over the old one — the old one
// is let go and the new one opened, so that nobody writes on in an unlinked file.
func openBolt(path string, temp bool) (*bolt.DB, error) {
	for attempt := 1; ; attempt++ {
		before, _ := os.Stat(path) // nil for a new file
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: temp, NoFreelistSync: temp})
		if err != nil {
			return nil, err
		}
		after, err := os.Stat(path)
		if err != nil || before == nil || os.SameFile(before, after) || attempt == 3 {
			return db, nil
		}
		_ = db.Close() // nothing was written through it
	}
}

func open(path string, clk clock.Clock, temp bool) (*Table, error) {
	if clk == nil {
		clk = clock.System{}
	}
	db, err := openBolt(path, temp)
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	format, err := fileFormat(db)
	if err == nil && !temp && (format != formatVersion && format != 0 || mostlyFree(db)) {
		if err = compact(db, path, format, clk.Now()); err == nil {
			db, err = openBolt(path, temp)
		} else {
			db = nil // compact closed it
		}
	}
	var key []byte
	if err == nil {
		key, err = initMeta(db)
	}
	if err != nil {
		if db != nil {
			_ = db.Close() // the open error is the one to report
		}
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		_ = db.Close() // the open error is the one to report
		return nil, fmt.Errorf("embedded: open %s: cursor key: %w", path, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		_ = db.Close() // the open error is the one to report
		return nil, err
	}
	t := &Table{db: db, clk: clk, aead: aead}
	if err := db.View(func(tx *bolt.Tx) error { t.codec.loadDicts(tx); return nil }); err != nil {
		_ = db.Close() // the open error is the one to report
		return nil, err
	}
	t.codec.persist = t.putDict
	t.sweeper.init(t)
	return t, nil
}

// putDict stores head's learned dictionary, in a transaction of its own.
func (t *Table) putDict(head, learned []byte) error {
	return t.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(append(bytes.Clone(metaDict), head...), learned)
	})
}

// fileFormat is the format recorded in the file, 0 for a new file.
func fileFormat(db *bolt.DB) (byte, error) {
	var format byte
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		switch f := meta.Get(metaFormat); {
		case f == nil:
		case len(f) != 1 || f[0] == 0 || f[0] > formatVersion:
			return fmt.Errorf("unsupported format %x", f)
		default:
			format = f[0]
		}
		return nil
	})
	return format, err
}

// initMeta creates the buckets of a new file and returns the cursor key.
func initMeta(db *bolt.DB) ([]byte, error) {
	var key []byte
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketItems, bucketExpiring} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if meta.Get(metaFormat) == nil {
			if err := meta.Put(metaFormat, []byte{formatVersion}); err != nil {
				return err
			}
		}
		if key = bytes.Clone(meta.Get(metaCursorKey)); key == nil {
			key = make([]byte, 32)
			rand.Read(key)
			return meta.Put(metaCursorKey, key)
		}
		return nil
	})
	return key, err
}

// Close stops the sweeper and closes the file (and removes it, for OpenTemp). Calling it again
// is harmless.
func (t *Table) Close() error {
	t.sweeper.stop()
	err := t.db.Close()
	if t.temp != "" {
		if rerr := os.Remove(t.temp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	return err
}

// Get returns the live item at pk/sk, or store.ErrNotFound.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if err := ctx.Err(); err != nil {
		return store.Item{}, err
	}
	if err := checkKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	var it store.Item
	err := t.db.View(func(tx *bolt.Tx) error {
		p := locate(pk, sk)
		v := bucketsOf(tx).get(p)
		if v == nil {
			return store.ErrNotFound
		}
		e, err := parse(v)
		if err != nil {
			return err
		}
		if !e.live(t.clk.Now()) {
			return store.ErrNotFound
		}
		it, err = t.codec.item(p.head, e, pk, sk)
		return err
	})
	return it, err
}

// Query returns up to limit live items of pk whose SK starts with skPrefix, in SK byte order.
// Like DynamoDB, limit counts the items examined, expired ones included, so a page may be short.
func (t *Table) Query(ctx context.Context, pk, skPrefix, cursor string, limit int) ([]store.Item, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if err := checkString("pk", pk, maxPKBytes); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	head, tail := splitPK(pk)
	part := partKey(tail)
	prefix := append(part[:len(part):len(part)], skPrefix...)
	start, after := prefix, []byte(nil)
	if cursor != "" {
		sk, err := t.openCursor(pk, skPrefix, cursor)
		if err != nil {
			return nil, "", err
		}
		after = append(part[:len(part):len(part)], sk...)
		start = after
	}
	var items []store.Item
	var next string
	err := t.db.View(func(tx *bolt.Tx) error {
		now := t.clk.Now()
		c := bucketsOf(tx).cursor(head)
		k, v := c.seek(start)
		if after != nil && bytes.Equal(k, after) {
			k, v = c.next()
		}
		var lastSK string
		for n, size := 0, 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.next() {
			if n == limit || size >= maxPageBytes { // and another item follows
				next = t.sealCursor(pk, skPrefix, lastSK)
				break
			}
			e, err := parse(v)
			if err != nil {
				return err
			}
			n++
			lastSK = string(k[len(part):])
			if e.live(now) {
				it, err := t.codec.item(head, e, pk, lastSK)
				if err != nil {
					return err
				}
				items = append(items, it)
				size += len(it.Data)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return items, next, nil
}

// Write applies ops atomically: it returns *store.TxError, having changed nothing, when any
// condition fails, and a plain error for misuse (no ops, more than 100, a key used twice, an
// invalid key, an oversized item, an OpCheck without a condition).
func (t *Table) Write(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	places, err := validate(ops)
	if err != nil {
		return err
	}
	// Encoding (which may compress) happens before taking bbolt's single write lock.
	vals := make([][]byte, len(ops))
	for i, op := range ops {
		if op.Kind == store.OpPut {
			vals[i] = t.codec.encode(places[i].head, op.Item, true)
		}
	}
	err = t.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil { // cancelled while waiting for the write lock
			return err
		}
		b := bucketsOf(tx)
		now := t.clk.Now()
		var failed []bool
		for i, op := range ops {
			ok, err := holds(op.Cond, b.get(places[i]), now)
			if err != nil {
				return err
			}
			if !ok {
				if failed == nil {
					failed = make([]bool, len(ops))
				}
				failed[i] = true
			}
		}
		if failed != nil {
			return &store.TxError{Failed: failed}
		}
		for i, op := range ops {
			switch op.Kind {
			case store.OpPut:
				err = b.put(places[i], vals[i], !op.Item.ExpiresAt.IsZero())
			case store.OpDelete:
				err = b.delete(places[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.sweeper.due()
	}
	return err
}

// place is where an item is stored: the nested bucket of its head, and its key in there.
type place struct{ head, key []byte }

func locate(pk, sk string) place {
	head, tail := splitPK(pk)
	return place{head: head, key: append(partKey(tail), sk...)}
}

// splitPK splits pk after its second '#' (or its only one) into the name of its head's bucket
// and the tail. A PK without '#' has the head "\x00", which no head with a '#' can equal.
func splitPK(pk string) (head []byte, tail string) {
	i := strings.IndexByte(pk, '#')
	if i < 0 {
		return []byte{0}, pk
	}
	if j := strings.IndexByte(pk[i+1:], '#'); j >= 0 {
		i += 1 + j
	}
	return []byte(pk[:i+1]), pk[i+1:]
}

// partKey is the key prefix shared by all the items of a partition, in its head's bucket: a tag
// and the tail. Most tails are identifiers Cognate generates — user keys and subs are UUIDs,
// sessions and refresh tokens are named by hex digests — and are stored as the bytes they
// spell, in half the space; any other tail is stored as it is, length-prefixed. Which form a
// tail takes depends on the tail alone, so each partition has exactly one key prefix.
func partKey(tail string) []byte {
	switch {
	case isUUID(tail):
		k := append(make([]byte, 0, 1+16), tailUUID)
		for _, part := range [...]string{tail[0:8], tail[9:13], tail[14:18], tail[19:23], tail[24:36]} {
			k, _ = hex.AppendDecode(k, []byte(part))
		}
		return k
	case len(tail) >= 2 && len(tail)%2 == 0 && isLowerHex(tail):
		k := binary.AppendUvarint([]byte{tailHex}, uint64(len(tail)/2))
		k, _ = hex.AppendDecode(k, []byte(tail))
		return k
	}
	k := binary.AppendUvarint([]byte{tailRaw}, uint64(len(tail)))
	return append(k, tail...)
}

// Tags of partKey's forms.
const (
	tailRaw  = 0 // uvarint(len) ‖ tail
	tailUUID = 1 // the 16 bytes of a UUID in canonical lower-case form
	tailHex  = 2 // uvarint(len/2) ‖ the bytes of lower-case hex of even length
)

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isLowerHexDigit(s[i]) {
				return false
			}
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLowerHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isLowerHexDigit(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// buckets are the two top-level buckets; exactly one of them holds any given item.
type buckets struct {
	items, expiring *bolt.Bucket
	// splitAt is the FillPercent of each head's bucket that this transaction put an item in
	// other than at its end; a bucket only appended to is absent.
	splitAt map[*bolt.Bucket]float64
}

// leafElementSize is what bbolt adds to each key and value in a leaf page. maxFillPercent caps
// the split mark of a bucket written anywhere; appendFillPercent is that of one appended to.
const (
	leafElementSize   = 16
	maxFillPercent    = 0.9
	appendFillPercent = 0.95
)

func bucketsOf(tx *bolt.Tx) buckets {
	return buckets{items: tx.Bucket(bucketItems), expiring: tx.Bucket(bucketExpiring)}
}

func (b buckets) get(p place) []byte {
	for _, top := range [...]*bolt.Bucket{b.items, b.expiring} {
		if h := top.Bucket(p.head); h != nil {
			if v := h.Get(p.key); v != nil {
				return v
			}
		}
	}
	return nil
}

// put stores v at p under the top-level bucket its expiry calls for, removing it from the other.
func (b *buckets) put(p place, v []byte, expires bool) error {
	dst, other := b.items, b.expiring
	if expires {
		dst, other = other, dst
	}
	if h := other.Bucket(p.head); h != nil {
		if err := h.Delete(p.key); err != nil {
			return err
		}
	}
	h, err := dst.CreateBucketIfNotExists(p.head)
	if err != nil {
		return err
	}
	// bbolt splits a full node at commit so that the left part fills FillPercent of a page and
	// the rest goes right. When a transaction only appends to a head's bucket (keys in order:
	// time-ordered ids, users created in order), later puts land right, so the left part is
	// best left nearly full. Otherwise puts land anywhere and the middle is best; with the
	// default 50% and items a sixth of a page (a user record) the left part would keep two
	// items (37%) and the right four, so the mark is raised by the size of the items written.
	if last, _ := h.Cursor().Last(); last != nil && bytes.Compare(p.key, last) <= 0 {
		size := float64(len(p.key) + len(v) + leafElementSize)
		if b.splitAt == nil {
			b.splitAt = map[*bolt.Bucket]float64{}
		}
		pageSize := float64(h.Tx().DB().Info().PageSize)
		b.splitAt[h] = max(b.splitAt[h], min(0.5+size/pageSize, maxFillPercent))
	}
	h.FillPercent = appendFillPercent
	if f, ok := b.splitAt[h]; ok {
		h.FillPercent = f
	}
	return h.Put(p.key, v)
}

func (b buckets) delete(p place) error {
	for _, top := range [...]*bolt.Bucket{b.items, b.expiring} {
		if h := top.Bucket(p.head); h != nil {
			if err := h.Delete(p.key); err != nil {
				return err
			}
		}
	}
	return nil
}

// cursor walks a head's items in both top-level buckets as one, in key order.
func (b buckets) cursor(head []byte) *mergedCursor {
	c := &mergedCursor{}
	if h := b.items.Bucket(head); h != nil {
		c.a = h.Cursor()
	}
	if h := b.expiring.Bucket(head); h != nil {
		c.b = h.Cursor()
	}
	return c
}

// mergedCursor merges two cursors (either may be nil: empty) over disjoint keys.
type mergedCursor struct {
	a, b           *bolt.Cursor
	ka, va, kb, vb []byte
	fromA          bool
}

func (c *mergedCursor) seek(k []byte) ([]byte, []byte) {
	if c.a != nil {
		c.ka, c.va = c.a.Seek(k)
	}
	if c.b != nil {
		c.kb, c.vb = c.b.Seek(k)
	}
	return c.current()
}

func (c *mergedCursor) next() ([]byte, []byte) {
	if c.fromA {
		c.ka, c.va = c.a.Next()
	} else if c.kb != nil {
		c.kb, c.vb = c.b.Next()
	}
	return c.current()
}

func (c *mergedCursor) current() ([]byte, []byte) {
	c.fromA = c.ka != nil && (c.kb == nil || bytes.Compare(c.ka, c.kb) < 0)
	if c.fromA {
		return c.ka, c.va
	}
	return c.kb, c.vb
}

// holds evaluates c against the stored value v (nil when there is none).
func holds(c store.Cond, v []byte, now time.Time) (bool, error) {
	var e entry
	present := false
	if v != nil {
		var err error
		if e, err = parse(v); err != nil {
			return false, err
		}
		present = e.live(now)
	}
	switch c.Kind {
	case store.CondNotExists:
		return !present, nil
	case store.CondExists:
		return present, nil
	case store.CondVersion:
		return present && e.version == c.Version, nil
	}
	return true, nil
}

// validate checks ops and returns where each one's item is stored.
func validate(ops []store.Op) ([]place, error) {
	if len(ops) == 0 || len(ops) > maxOps {
		return nil, fmt.Errorf("embedded: a write takes 1 to %d ops, got %d", maxOps, len(ops))
	}
	places := make([]place, len(ops))
	seen := make(map[string]int, len(ops))
	for i, op := range ops {
		it := op.Item
		if err := checkKey(it.PK, it.SK); err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
		if op.Cond.Kind < store.CondNone || op.Cond.Kind > store.CondVersion {
			return nil, fmt.Errorf("embedded: op %d: unknown condition %d", i, op.Cond.Kind)
		}
		switch op.Kind {
		case store.OpPut:
			if n := len(it.PK) + len(it.SK) + len(it.Data) + itemOverhead; n > maxItemBytes {
				return nil, fmt.Errorf("embedded: op %d: item of about %d bytes exceeds %d", i, n, maxItemBytes)
			}
		case store.OpDelete:
		case store.OpCheck:
			if op.Cond.Kind == store.CondNone {
				return nil, fmt.Errorf("embedded: op %d: OpCheck without a condition", i)
			}
		default:
			return nil, fmt.Errorf("embedded: op %d: unknown kind %d", i, op.Kind)
		}
		key := string(partition(it.PK)) + it.SK
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("embedded: ops %d and %d both touch %q/%q", j, i, it.PK, it.SK)
		}
		seen[key] = i
		places[i] = locate(it.PK, it.SK)
	}
	return places, nil
}

func checkKey(pk, sk string) error {
	if err := checkString("pk", pk, maxPKBytes); err != nil {
		return err
	}
	return checkString("sk", sk, maxSKBytes)
}

func checkString(name, s string, max int) error {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return fmt.Errorf("embedded: %s must be 1 to %d bytes of UTF-8", name, max)
	}
	return nil
}

// partition is pk, length-prefixed: the cursor's associated data, and format 1's key prefix.
func partition(pk string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(pk))), pk...)
}

// A cursor is base64url(nonce ‖ AES-GCM(lastSK)) with pk and skPrefix as associated data: it
// cannot be forged or moved to another partition, prefix or file, and does not reveal the SK.
func (t *Table) sealCursor(pk, skPrefix, lastSK string) string {
	nonce := make([]byte, t.aead.NonceSize(), t.aead.NonceSize()+len(lastSK)+t.aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(t.aead.Seal(nonce, nonce, []byte(lastSK), cursorAD(pk, skPrefix)))
}

func (t *Table) openCursor(pk, skPrefix, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	n := t.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", store.ErrInvalidCursor
	}
	sk, err := t.aead.Open(nil, raw[:n], raw[n:], cursorAD(pk, skPrefix))
	if err != nil {
		return "", store.ErrInvalidCursor
	}
	return string(sk), nil
}

func cursorAD(pk, skPrefix string) []byte {
	return append(append(bytes.Clone(cursorDomain), partition(pk)...), skPrefix...)
}
