package embedded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// encodeV1 is format 1's envelope, as the previous release wrote it.
func encodeV1(it store.Item) []byte {
	v := make([]byte, 22)
	v[0] = 1
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

// TestOpenFormat1 opens a file written in format 1: it is rewritten in place, every live item
// keeps its version, expiry, attempts and data, expired ones are dropped, and the cursor key
// (so every cursor handed out before) survives.
func TestOpenFormat1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cognate.db")
	clk := clock.NewFake(storetest.Epoch)
	exp := storetest.Epoch.Add(time.Hour + time.Nanosecond)
	record := bytes.Repeat([]byte(`{"s":"sub","a":[{"Kind":"email","Value":"a@example.com"}]}`), 4)
	items := []store.Item{
		{PK: "U#pool#alice", SK: "U", Version: 7, Data: record, Attempts: store.Attempts{Failures: 1, Total: 2, Last: 3}},
		{PK: "U#pool#alice", SK: "CODE#signup", Version: 1, ExpiresAt: exp, Data: []byte("code")},
		{PK: "U#pool#bob", SK: "U", Version: 1, Data: []byte("bob")},
		{PK: "I#pool#email", SK: "a@example.com\x00alice", Version: 1},
		{PK: "POOLS", SK: "pool", Version: 1},
		{PK: "X#session#abc", SK: "X", Version: 1, ExpiresAt: storetest.Epoch.Add(-time.Second), Data: []byte("gone")},
	}
	cursorKey := bytes.Repeat([]byte{9}, 32)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketItems)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := b.Put(append(partition(it.PK), it.SK...), encodeV1(it)); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(metaFormat, []byte{1}); err != nil {
			return err
		}
		return meta.Put(metaCursorKey, cursorKey)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	tb, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	for _, want := range items[:5] {
		got, err := tb.Get(t.Context(), want.PK, want.SK)
		if err != nil {
			t.Fatalf("%s/%s after the rewrite: %v", want.PK, want.SK, err)
		}
		if got.Version != want.Version || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Attempts != want.Attempts || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("%s/%s after the rewrite: %+v; want %+v", want.PK, want.SK, got, want)
		}
	}
	if rawPresent(t, tb, "X#session#abc", "X") {
		t.Error("the rewrite kept an expired item")
	}
	got, _, err := tb.Query(t.Context(), "U#pool#alice", "", "", 10)
	if err != nil || len(got) != 2 || got[0].SK != "CODE#signup" || got[1].SK != "U" {
		t.Fatalf("Query after the rewrite: %v, %v", got, err)
	}
	if err := tb.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if f := meta.Get(metaFormat); !bytes.Equal(f, []byte{formatVersion}) {
			return fmt.Errorf("format %x; want %d", f, formatVersion)
		}
		if k := meta.Get(metaCursorKey); !bytes.Equal(k, cursorKey) {
			return errors.New("cursor key changed")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Errorf("leftover %s.compact: %v", path, err)
	}
}

// TestOpenCompactsMostlyFree: a file more than half free pages is compacted when opened, and
// keeps every item.
func TestOpenCompactsMostlyFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cognate.db")
	tb, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// Filled and emptied in two bbolt transactions: through Write (100 ops, an fsync each)
	// this would take 160 of them.
	data := make([]byte, 4000) // a page an item
	rnd := rand.NewChaCha8([32]byte{3})
	const n = 2 * compactMinPages
	sk := func(i int) string { return fmt.Sprintf("%06d", i) }
	if err := tb.db.Update(func(tx *bolt.Tx) error {
		b := bucketsOf(tx)
		for i := range n {
			rnd.Read(data)
			v := append([]byte{0, 2}, data...) // version 1, raw: encode would try deflate in vain
			if err := b.put(locate("P", sk(i)), v, false); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := tb.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			if i%10 != 0 {
				if err := bucketsOf(tx).delete(locate("P", sk(i))); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tb.Close()
	before := fileSize(t, path)

	tb, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if after := fileSize(t, path); after > before/4 {
		t.Errorf("file of %d bytes, mostly free, is %d after Open; want it compacted", before, after)
	}
	for i := range n {
		_, err := tb.Get(ctx, "P", sk(i))
		if i%10 == 0 && err != nil || i%10 != 0 && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("item %d after compaction: %v", i, err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
