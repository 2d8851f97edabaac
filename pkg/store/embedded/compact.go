package embedded

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	// A file of at least compactMinPages pages of which more than half are free is compacted when
	// opened: bbolt reuses free pages but never gives them back, so a file that once held many
	// expired sessions or deleted users would otherwise stay at its largest size.
	compactMinPages = 4096
	// compactFill is how full compact packs each page: not quite full, so that the first insert
	// into a page does not split it.
	compactFill = 0.9
	// compactBatch bounds one write transaction of compact, in bytes of keys and values.
	compactBatch = 8 << 20
)

// mostlyFree reports whether db is worth compacting for its free pages.
func mostlyFree(db *bolt.DB) bool {
	var pages int64
	if err := db.View(func(tx *bolt.Tx) error {
		pages = tx.Size() / int64(db.Info().PageSize)
		return nil
	}); err != nil {
		return false
	}
	return pages >= compactMinPages && 2*int64(db.Stats().FreePageN) > pages
}

// compact rewrites the file at path, open as db in the given format, into a fresh file in the
// current format, dropping items expired at now, and renames it over path. It closes db. Keys
// are copied in order, so every page is filled to compactFill. A crash part-way leaves the
// original file in place (and a stray path+".compact", removed by the next attempt).
func compact(db *bolt.DB, path string, format byte, now time.Time) (err error) {
	tmp := path + ".compact"
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(tmp) // if it stays, the next attempt removes it
			err = fmt.Errorf("compacting: %w", err)
		}
	}()
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return err
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return err
	}
	err = db.View(func(src *bolt.Tx) error { return copyFile(src, dst, format, now) })
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // opened only to sync
	return d.Sync()
}

// copyFile copies meta and every live item of src into dst.
func copyFile(src *bolt.Tx, dst *bolt.DB, format byte, now time.Time) error {
	w := &copier{db: dst}
	var c codec // the dictionaries are copied with meta, so both files share them
	c.loadDicts(src)
	if meta := src.Bucket(bucketMeta); meta != nil {
		if err := meta.ForEach(func(k, v []byte) error {
			if bytes.Equal(k, metaFormat) {
				return nil
			}
			return w.add(bucketMeta, nil, k, v)
		}); err != nil {
			return err
		}
	}
	if err := w.add(bucketMeta, nil, metaFormat, []byte{formatVersion}); err != nil {
		return err
	}
	// copy re-encodes the value v of the item at p, unless it has expired.
	copy := func(p place, v []byte, read func([]byte) (entry, error)) error {
		e, err := read(v)
		if err != nil {
			return err
		}
		if !e.live(now) {
			return nil
		}
		it, err := c.item(p.head, e, "", "")
		if err != nil {
			return err
		}
		top := bucketItems
		if !it.ExpiresAt.IsZero() {
			top = bucketExpiring
		}
		return w.add(top, p.head, p.key, c.encode(p.head, it, false))
	}
	if format == 1 {
		// One bucket keyed uvarint(len(pk)) ‖ pk ‖ sk. In that order, each head's keys come in
		// their order too (same head, tails ordered by length then bytes), so puts still append.
		if b := src.Bucket(bucketItems); b != nil {
			if err := b.ForEach(func(k, v []byte) error {
				l, n := binary.Uvarint(k)
				if n <= 0 || uint64(len(k)-n) < l {
					return errCorrupt
				}
				return copy(locate(string(k[n:n+int(l)]), string(k[n+int(l):])), v, parseV1)
			}); err != nil {
				return err
			}
		}
		return w.flush()
	}
	for _, top := range [][]byte{bucketItems, bucketExpiring} {
		b := src.Bucket(top)
		if b == nil {
			continue
		}
		if err := b.ForEachBucket(func(head []byte) error {
			return b.Bucket(head).ForEach(func(k, v []byte) error {
				return copy(place{head: head, key: k}, v, parse)
			})
		}); err != nil {
			return err
		}
	}
	return w.flush()
}

// copier batches puts into write transactions of about compactBatch bytes. Each bucket's keys
// arrive in order, so every put appends.
type copier struct {
	db   *bolt.DB
	puts []copied
	size int
}

// copied is one put: into top's nested bucket head, or into top itself when head is nil.
type copied struct{ top, head, k, v []byte }

func (c *copier) add(top, head, k, v []byte) error {
	c.puts = append(c.puts, copied{top, bytes.Clone(head), bytes.Clone(k), bytes.Clone(v)})
	if c.size += len(k) + len(v); c.size >= compactBatch {
		return c.flush()
	}
	return nil
}

func (c *copier) flush() error {
	err := c.db.Update(func(tx *bolt.Tx) error {
		for _, p := range c.puts {
			b, err := tx.CreateBucketIfNotExists(p.top)
			if err != nil {
				return err
			}
			if p.head != nil {
				if b, err = b.CreateBucketIfNotExists(p.head); err != nil {
					return err
				}
			}
			b.FillPercent = compactFill
			if err := b.Put(p.k, p.v); err != nil {
				return err
			}
		}
		return nil
	})
	c.puts, c.size = c.puts[:0], 0
	return err
}
