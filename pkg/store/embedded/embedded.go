// Package embedded implements the store.Table port on bbolt, a pure-Go single-file B+tree. It is
// the store behind `cognate serve` (Open) and behind `--memory` mode and tests (OpenTemp).
//
// It owns the file's layout. Bucket "items" maps uvarint(len(pk)) ‖ pk ‖ sk to an envelope
// (format byte, flags, Version, ExpiresAt, Data): the length prefix keeps each partition
// contiguous and in SK byte order, as DynamoDB orders string sort keys. Bucket "meta" holds
// the format version and the AES-256 key that seals Query cursors, so cursors survive a
// restart but are useless against another file. A Write is one bbolt read-write transaction:
// all conditions are evaluated against the state before it, and either every op is applied
// or none is. Items past their ExpiresAt read as absent everywhere; Sweep removes them.
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
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

const (
	formatVersion = 1

	maxOps       = 100
	maxPKBytes   = 2048
	maxSKBytes   = 1024
	maxItemBytes = 400 << 10 // DynamoDB's item limit,
	itemOverhead = 100       // less what the dynamo backend adds besides PK, SK and Data.

	defaultLimit = 100
	maxPageBytes = 1 << 20 // like DynamoDB, a Query page stops after about 1 MB of data
)

var (
	bucketItems   = []byte("items")
	bucketMeta    = []byte("meta")
	metaFormat    = []byte("format")
	metaCursorKey = []byte("cursor-key")
	cursorDomain  = []byte("cognate/embedded/cursor/v1\x00")

	errCorrupt = errors.New("embedded: corrupt item")
)

// Table is a store.Table backed by one bbolt file. It is safe for concurrent use.
type Table struct {
	db   *bolt.DB
	clk  clock.Clock
	aead cipher.AEAD // seals Query cursors
	temp string      // the file Close removes (OpenTemp)
}

var _ store.Table = (*Table)(nil)

// Open opens the table at path, creating the file (mode 0600) if needed. A nil clk means the
// system clock. It fails after a second if another process holds the file.
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
	f.Close()
	t, err := open(path, clk, true)
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	t.temp = path
	return t, nil
}

func open(path string, clk clock.Clock, temp bool) (*Table, error) {
	if clk == nil {
		clk = clock.System{}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: temp, NoFreelistSync: temp})
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	var key []byte
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketItems); err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch f := meta.Get(metaFormat); {
		case f == nil:
			if err := meta.Put(metaFormat, []byte{formatVersion}); err != nil {
				return err
			}
		case !bytes.Equal(f, []byte{formatVersion}):
			return fmt.Errorf("embedded: %s: unsupported format %x", path, f)
		}
		if key = bytes.Clone(meta.Get(metaCursorKey)); key == nil {
			key = make([]byte, 32)
			rand.Read(key)
			return meta.Put(metaCursorKey, key)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: cursor key: %w", path, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Table{db: db, clk: clk, aead: aead}, nil
}

// Close closes the file (and removes it, for OpenTemp). Calling it again is harmless.
func (t *Table) Close() error {
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
		v := tx.Bucket(bucketItems).Get(itemKey(pk, sk))
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
		it = e.item(pk, sk)
		return nil
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
	part := partition(pk)
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
		c := tx.Bucket(bucketItems).Cursor()
		k, v := c.Seek(start)
		if after != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
		var lastSK string
		for n, size := 0, 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
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
				items = append(items, e.item(pk, lastSK))
				size += len(e.data)
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
	keys, err := validate(ops)
	if err != nil {
		return err
	}
	return t.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil { // cancelled while waiting for the write lock
			return err
		}
		b := tx.Bucket(bucketItems)
		now := t.clk.Now()
		var failed []bool
		for i, op := range ops {
			ok, err := holds(op.Cond, b.Get(keys[i]), now)
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
				err = b.Put(keys[i], encode(op.Item))
			case store.OpDelete:
				err = b.Delete(keys[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Sweep deletes every item whose ExpiresAt has passed, as DynamoDB TTL does in the background,
// and returns how many it removed. Correctness never depends on it; it only reclaims space.
func (t *Table) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := t.db.Update(func(tx *bolt.Tx) error {
		now := t.clk.Now()
		b := tx.Bucket(bucketItems)
		var dead [][]byte
		err := b.ForEach(func(k, v []byte) error {
			e, err := parse(v)
			if err == nil && !e.live(now) {
				dead = append(dead, bytes.Clone(k))
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, k := range dead {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	return n, err
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

func validate(ops []store.Op) ([][]byte, error) {
	if len(ops) == 0 || len(ops) > maxOps {
		return nil, fmt.Errorf("embedded: a write takes 1 to %d ops, got %d", maxOps, len(ops))
	}
	keys := make([][]byte, len(ops))
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
		keys[i] = itemKey(it.PK, it.SK)
		if j, dup := seen[string(keys[i])]; dup {
			return nil, fmt.Errorf("embedded: ops %d and %d both touch %q/%q", j, i, it.PK, it.SK)
		}
		seen[string(keys[i])] = i
	}
	return keys, nil
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

// partition is the key prefix shared by all of pk's items.
func partition(pk string) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(pk))), pk...)
}

func itemKey(pk, sk string) []byte { return append(partition(pk), sk...) }

// The value envelope: format, flags (bit 0: has expiry, bit 1: has attempts), Version, expiry
// as Unix seconds and nanoseconds, the four Attempts counters when flagged, then Data. All
// integers big-endian.
const (
	headerLen   = 1 + 1 + 8 + 8 + 4
	attemptsLen = 4 * 8
)

func encode(it store.Item) []byte {
	v := make([]byte, headerLen, headerLen+attemptsLen+len(it.Data))
	v[0] = formatVersion
	binary.BigEndian.PutUint64(v[2:], uint64(it.Version))
	if !it.ExpiresAt.IsZero() {
		v[1] |= 1
		binary.BigEndian.PutUint64(v[10:], uint64(it.ExpiresAt.Unix()))
		binary.BigEndian.PutUint32(v[18:], uint32(it.ExpiresAt.Nanosecond()))
	}
	if a := it.Attempts; a != (store.Attempts{}) {
		v[1] |= 2
		for _, n := range []int64{a.Failures, a.Total, a.Last, a.Until} {
			v = binary.BigEndian.AppendUint64(v, uint64(n))
		}
	}
	return append(v, it.Data...)
}

// entry is a decoded envelope; data aliases bbolt's memory and is valid only within the tx.
type entry struct {
	version  int64
	expires  time.Time
	attempts store.Attempts
	data     []byte
}

func parse(v []byte) (entry, error) {
	if len(v) < headerLen || v[0] != formatVersion {
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

// live: no expiry, or an expiry still in the future.
func (e entry) live(now time.Time) bool { return e.expires.IsZero() || e.expires.After(now) }

func (e entry) item(pk, sk string) store.Item {
	return store.Item{PK: pk, SK: sk, Version: e.version, ExpiresAt: e.expires, Data: bytes.Clone(e.data), Attempts: e.attempts}
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
