package embedded

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

func TestPartKey(t *testing.T) {
	for _, tc := range []struct {
		tail string
		tag  byte
		size int
	}{
		{"00002c87-17a2-46b8-a83c-5063ebe2cf5d", tailUUID, 17},
		{"00002C87-17A2-46B8-A83C-5063EBE2CF5D", tailRaw, 38}, // upper case: as it is
		{"00002c87-17a2-46b8-a83c-5063ebe2cf5", tailRaw, 37},
		{"00002c87+17a2-46b8-a83c-5063ebe2cf5d", tailRaw, 38},
		{"00002c8717a246b8a83c5063ebe2cf5d", tailHex, 18},
		{"0000c3220f18ac45e3554708f357b6447e9f6e71860707b9eb7ff595d7c6faa8", tailHex, 34},
		{"abc", tailRaw, 5}, // odd length
		{"ab", tailHex, 3},
		{"a", tailRaw, 3},
		{"", tailRaw, 2},
		{"email", tailRaw, 7},
		{"alice@example.com", tailRaw, 19},
	} {
		k := partKey(tc.tail)
		if k[0] != tc.tag || len(k) != tc.size {
			t.Errorf("partKey(%q) = %x: tag %d, %d bytes; want tag %d, %d bytes", tc.tail, k, k[0], len(k), tc.tag, tc.size)
		}
	}
}

// TestTailForms: partitions whose tails look alike but take different forms stay apart, and
// read back, queried in SK order.
func TestTailForms(t *testing.T) {
	tb := newTemp(t, clock.NewFake(storetest.Epoch))
	defer tb.Close()
	ctx := t.Context()
	pks := []string{
		"U#p#00002c87-17a2-46b8-a83c-5063ebe2cf5d",
		"U#p#00002C87-17A2-46B8-A83C-5063EBE2CF5D",
		"U#p#00002c8717a246b8a83c5063ebe2cf5d",
		"U#p#00002c8717a246b8a83c5063ebe2cf5d00",
		"U#p#ab",
		"U#p#AB",
		"U#p#",
		"U#p#a",
	}
	for i, pk := range pks {
		if err := tb.Write(ctx, put(pk, "U", int64(i), time.Time{}, pk), put(pk, "CODE#x", 1, storetest.Epoch.Add(time.Hour), "c"+pk)); err != nil {
			t.Fatal(err)
		}
	}
	for i, pk := range pks {
		it, err := tb.Get(ctx, pk, "U")
		if err != nil || it.Version != int64(i) || string(it.Data) != pk {
			t.Fatalf("Get(%q) = %+v, %v", pk, it, err)
		}
		items, next, err := tb.Query(ctx, pk, "", "", 1)
		if err != nil || len(items) != 1 || items[0].SK != "CODE#x" || next == "" {
			t.Fatalf("Query(%q) page 1 = %v, %q, %v", pk, items, next, err)
		}
		if items, next, err = tb.Query(ctx, pk, "", next, 1); err != nil || len(items) != 1 || items[0].SK != "U" || next != "" {
			t.Fatalf("Query(%q) page 2 = %v, %q, %v", pk, items, next, err)
		}
	}
}

// TestConcurrentDeflate: writers share one compressor; what each wrote is what it reads.
func TestConcurrentDeflate(t *testing.T) {
	tb := newTemp(t, nil)
	defer tb.Close()
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				pk := fmt.Sprintf("U#p#g%du%d", g, i)
				data := string(bytes.Repeat([]byte(pk+`{"email":"someone@example.org"}`), 8))
				if err := tb.Write(ctx, put(pk, "U", 1, time.Time{}, data)); err != nil {
					t.Error(err)
					return
				}
				it, err := tb.Get(ctx, pk, "U")
				if err != nil || string(it.Data) != data {
					t.Errorf("%s: read %q, %v", pk, it.Data, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestFill: a head's bucket appended to in order packs its pages; one written in random order
// fills them about two thirds, whatever the size of its items. (Appends of large items cannot
// pack 4 KB pages: bbolt leaves at least three items of a node it splits to the right part.)
func TestFill(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, size  int
		shuffled bool
		min, max float64
	}{
		{"appended small", 3000, 40, false, 0.85, 1},
		{"random small", 3000, 40, true, 0.6, 0.85},
		{"random large", 1000, 700, true, 0.6, 0.85},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTemp(t, nil)
			defer tb.Close()
			order := rand.New(rand.NewPCG(1, 2)).Perm(tc.n)
			if !tc.shuffled {
				slices.Sort(order)
			}
			data := make([]byte, tc.size)
			for _, i := range order {
				rand.NewChaCha8([32]byte{byte(i), byte(i >> 8)}).Read(data) // incompressible
				if err := tb.Write(t.Context(), put(fmt.Sprintf("X#k#%06d", i), "X", 1, time.Time{}, string(data))); err != nil {
					t.Fatal(err)
				}
			}
			var st bolt.BucketStats
			if err := tb.db.View(func(tx *bolt.Tx) error {
				st = tx.Bucket(bucketItems).Bucket([]byte("X#k#")).Stats()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if fill := float64(st.LeafInuse) / float64(st.LeafAlloc); fill < tc.min || fill > tc.max {
				t.Errorf("leaf pages %.0f%% full (%d pages); want %.0f%% to %.0f%%", 100*fill, st.LeafPageN, 100*tc.min, 100*tc.max)
			}
		})
	}
}
