package embedded

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// record is a user-like record: the same shape and constants for everyone, and a secret that
// only this user's record holds.
func record(user string) string {
	return fmt.Sprintf(`{"s":"%[1]s-sub","a":[{"Kind":"email","Value":"%[1]s@example.org"}],"d":{"u":"%[1]s",`+
		`"st":"CONFIRMED","en":true,"at":{"email":"%[1]s@example.org","locale":"en-GB","zoneinfo":"Europe/London"},`+
		`"pw":{"s":"c2FsdC1vZi0lW3Nd","v":"AQA9ARMIqXgJZmh0npxSio+ZKHC8rguJV6P0yxEnAs3UsOLTiS+IAveX7jjZIF750sI4r5enGiztSU3zE1BkZ%[1]s-secret-verifier"}}}`, user)
}

// storedValue is the raw envelope of an item.
func storedValue(t *testing.T, tb *Table, pk, sk string) []byte {
	t.Helper()
	var v []byte
	if err := tb.db.View(func(tx *bolt.Tx) error {
		v = bytes.Clone(bucketsOf(tx).get(locate(pk, sk)))
		return nil
	}); err != nil || v == nil {
		t.Fatalf("%s/%s not stored: %v", pk, sk, err)
	}
	return v
}

// TestLearnedDictionary: a head learns a dictionary from two records of different partitions,
// holding only what they share; later records are stored smaller with it, read back, and still
// read after a reopen and after compaction.
func TestLearnedDictionary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cognate.db")
	clk := clock.NewFake(storetest.Epoch)
	tb, err := Open(path, clk)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	write := func(user string, version int64) {
		t.Helper()
		if err := tb.Write(ctx, put("U#pool#"+user, "U", version, time.Time{}, record(user))); err != nil {
			t.Fatal(err)
		}
	}
	head := []byte("U#pool#")
	write("alice", 1)
	write("alice", 2) // another version of the same record: not a pair
	if tb.codec.dict(head) != nil {
		t.Fatal("learned a dictionary from one record")
	}
	write("bob", 1)
	dict := tb.codec.dict(head)
	if dict == nil {
		t.Fatal("no dictionary after records of two users")
	}
	learned := dict[len(vocabulary):]
	for _, secret := range []string{"alice", "bob"} {
		if bytes.Contains(learned, []byte(secret)) {
			t.Errorf("the dictionary holds %q, which only one record has: %q", secret, learned)
		}
	}
	if !bytes.Contains(learned, []byte("Europe/London")) {
		t.Errorf("the dictionary misses what the records share: %q", learned)
	}

	write("carol", 1)
	v := storedValue(t, tb, "U#pool#carol", "U")
	var plain codec
	withVocabulary := plain.encode(head, store.Item{Version: 1, Data: []byte(record("carol"))}, false)
	if v[0]&flagLearned == 0 || len(v) >= len(withVocabulary)*3/4 {
		t.Errorf("carol stored in %d bytes (flags %b); with the vocabulary alone %d", len(v), v[0], len(withVocabulary))
	}
	check := func(tb *Table, when string) {
		t.Helper()
		for _, u := range []string{"alice", "bob", "carol"} {
			it, err := tb.Get(ctx, "U#pool#"+u, "U")
			if err != nil || string(it.Data) != record(u) {
				t.Fatalf("%s: %s = %q, %v", when, u, it.Data, err)
			}
		}
	}
	check(tb, "written")
	tb.Close()

	if tb, err = Open(path, clk); err != nil {
		t.Fatal(err)
	}
	check(tb, "reopened")
	tb.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := compact(db, path, formatVersion, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if tb, err = Open(path, clk); err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	check(tb, "compacted")
	if v := storedValue(t, tb, "U#pool#carol", "U"); v[0]&flagLearned == 0 {
		t.Error("compaction dropped the learned dictionary")
	}
}

// TestLearnNothingShared: records with nothing in common teach nothing.
func TestLearnNothingShared(t *testing.T) {
	tb := newTemp(t, nil)
	defer tb.Close()
	for i, data := range []string{string(bytes.Repeat([]byte("a"), 300)), string(bytes.Repeat([]byte("b"), 300))} {
		if err := tb.Write(t.Context(), put(fmt.Sprintf("X#k#%d", i), "X", 1, time.Time{}, data)); err != nil {
			t.Fatal(err)
		}
	}
	if d := tb.codec.dict([]byte("X#k#")); d != nil {
		t.Fatalf("learned %q from records with nothing in common", d[len(vocabulary):])
	}
}
