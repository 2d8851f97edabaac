package envelope

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func testMasterKey(t testing.TB, fill byte) *LocalMasterKey {
	t.Helper()
	mk, err := NewLocalMasterKey(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return mk
}

// countingKey wraps a MasterKey, counts its calls, and can be told to fail.
type countingKey struct {
	MasterKey
	gens, decrypts atomic.Int64
	failGen        error
	failDecrypt    error
}

func (c *countingKey) GenerateDataKey(ctx context.Context) ([]byte, []byte, error) {
	c.gens.Add(1)
	if c.failGen != nil {
		return nil, nil, c.failGen
	}
	return c.MasterKey.GenerateDataKey(ctx)
}

func (c *countingKey) Decrypt(ctx context.Context, wrapped []byte) ([]byte, error) {
	c.decrypts.Add(1)
	if c.failDecrypt != nil {
		return nil, c.failDecrypt
	}
	return c.MasterKey.Decrypt(ctx, wrapped)
}

func TestSealOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := NewSealer(testMasterKey(t, 1), nil)
	for _, pt := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("verifier"), 1000)} {
		blob, err := s.Seal(ctx, pt, []byte("pool|sub|srp"))
		if err != nil {
			t.Fatal(err)
		}
		// Only a long plaintext can be searched for: a 1-byte one appears in random bytes by chance.
		if len(pt) >= 16 && bytes.Contains(blob, pt) {
			t.Fatal("plaintext visible in blob")
		}
		got, err := s.Open(ctx, blob, []byte("pool|sub|srp"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("round trip: got %q want %q", got, pt)
		}
	}
}

func TestOpenWrongAADFails(t *testing.T) {
	ctx := context.Background()
	s := NewSealer(testMasterKey(t, 1), nil)
	blob, err := s.Seal(ctx, []byte("g^x"), []byte("us-east-1_A\x00sub-1\x00srp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, aad := range []string{"", "us-east-1_A\x00sub-2\x00srp", "us-east-1_B\x00sub-1\x00srp", "us-east-1_A\x00sub-1\x00totp", "us-east-1_A\x00sub-1\x00srp\x00"} {
		if _, err := s.Open(ctx, blob, []byte(aad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("aad %q: err = %v, want ErrInvalid", aad, err)
		}
	}
}

func TestOpenRejectsEveryAlteredByte(t *testing.T) {
	ctx := context.Background()
	s := NewSealer(testMasterKey(t, 1), nil)
	aad := []byte("ctx")
	blob, err := s.Seal(ctx, []byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range blob {
		bad := bytes.Clone(blob)
		bad[i] ^= 0x01
		if _, err := s.Open(ctx, bad, aad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	for n := 0; n < len(blob); n++ {
		if _, err := s.Open(ctx, blob[:n], aad); err == nil {
			t.Fatalf("truncation to %d bytes went unnoticed", n)
		}
	}
	if _, err := s.Open(ctx, append(bytes.Clone(blob), 0), aad); err == nil {
		t.Fatal("appended byte went unnoticed")
	}
}

func TestDataKeyGeneratedOnceAndCached(t *testing.T) {
	ctx := context.Background()
	ck := &countingKey{MasterKey: testMasterKey(t, 1)}
	s := NewSealer(ck, nil)
	var blobs [][]byte
	for i := range 50 {
		b, err := s.Seal(ctx, []byte{byte(i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	for _, b := range blobs {
		if _, err := s.Open(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	if g, d := ck.gens.Load(), ck.decrypts.Load(); g != 1 || d != 0 {
		t.Fatalf("same sealer: %d GenerateDataKey, %d Decrypt; want 1, 0", g, d)
	}

	// A second process (new Sealer, same master key) unwraps the data key once for all blobs.
	ck2 := &countingKey{MasterKey: testMasterKey(t, 1)}
	s2 := NewSealer(ck2, nil)
	for _, b := range blobs {
		if _, err := s2.Open(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	if g, d := ck2.gens.Load(), ck2.decrypts.Load(); g != 0 || d != 1 {
		t.Fatalf("reader: %d GenerateDataKey, %d Decrypt; want 0, 1", g, d)
	}
}

func TestDataKeyRetiredAfterMaxSeals(t *testing.T) {
	ctx := context.Background()
	ck := &countingKey{MasterKey: testMasterKey(t, 1)}
	s := NewSealer(ck, nil)
	s.maxSeals = 3
	var blobs [][]byte
	for range 7 {
		b, err := s.Seal(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	if g := ck.gens.Load(); g != 3 {
		t.Fatalf("GenerateDataKey calls = %d, want 3 (7 seals, 3 per key)", g)
	}
	for _, b := range blobs {
		if _, err := s.Open(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	mk := testMasterKey(t, 1)
	var blobs [][]byte
	for range 10 { // ten processes, ten data keys
		b, err := NewSealer(mk, nil).Seal(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	ck := &countingKey{MasterKey: mk}
	s := NewSealer(ck, nil)
	s.cacheSize = 4
	for _, b := range blobs {
		if _, err := s.Open(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.lru.Len(); n != 4 || len(s.byKey) != 4 {
		t.Fatalf("cache holds %d/%d keys, want 4", n, len(s.byKey))
	}
	// The most recent four are cached; the first was evicted and needs the master key again.
	before := ck.decrypts.Load()
	if _, err := s.Open(ctx, blobs[9], nil); err != nil {
		t.Fatal(err)
	}
	if ck.decrypts.Load() != before {
		t.Fatal("recent key was not cached")
	}
	if _, err := s.Open(ctx, blobs[0], nil); err != nil {
		t.Fatal(err)
	}
	if ck.decrypts.Load() != before+1 {
		t.Fatal("evicted key did not go back to the master key")
	}
}

func TestMasterKeyErrorsFailClosed(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("KMS ThrottlingException")
	blob, err := NewSealer(testMasterKey(t, 1), nil).Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}

	ck := &countingKey{MasterKey: testMasterKey(t, 1), failGen: boom, failDecrypt: boom}
	s := NewSealer(ck, nil)
	if b, err := s.Seal(ctx, []byte("x"), nil); !errors.Is(err, boom) || b != nil {
		t.Fatalf("Seal with failing GenerateDataKey = %v, %v; want the master-key error", b, err)
	}
	if pt, err := s.Open(ctx, blob, nil); !errors.Is(err, boom) || pt != nil {
		t.Fatalf("Open with failing Decrypt = %v, %v; want the master-key error", pt, err)
	}
	// Failures are not cached: once the master key recovers, the same Sealer works.
	ck.failGen, ck.failDecrypt = nil, nil
	if _, err := s.Open(ctx, blob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seal(ctx, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
}

// A master key that returns a malformed data key is an error, not a weaker key.
type badLenKey struct{ MasterKey }

func (badLenKey) GenerateDataKey(context.Context) ([]byte, []byte, error) {
	return make([]byte, 16), []byte("wrapped"), nil
}

func TestMalformedDataKeyRejected(t *testing.T) {
	if _, err := NewSealer(badLenKey{testMasterKey(t, 1)}, nil).Seal(context.Background(), []byte("x"), nil); err == nil {
		t.Fatal("16-byte data key accepted")
	}
}

func TestOtherMasterKeyCannotOpen(t *testing.T) {
	ctx := context.Background()
	blob, err := NewSealer(testMasterKey(t, 1), nil).Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSealer(testMasterKey(t, 2), nil).Open(ctx, blob, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewSealer(testMasterKey(t, 1), nil).Seal(ctx, []byte("x"), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNilMasterKey(t *testing.T) {
	s := NewSealer(nil, nil)
	if _, err := s.Seal(context.Background(), []byte("x"), nil); err == nil {
		t.Fatal("Seal without a master key succeeded")
	}
	if _, err := s.Open(context.Background(), []byte{1, 0, 1, 0}, nil); err == nil {
		t.Fatal("Open without a master key succeeded")
	}
}

func TestConcurrentSealOpen(t *testing.T) {
	ctx := context.Background()
	ck := &countingKey{MasterKey: testMasterKey(t, 1)}
	s := NewSealer(ck, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				pt := fmt.Appendf(nil, "%d/%d", g, i)
				aad := fmt.Appendf(nil, "aad %d", g)
				b, err := s.Seal(ctx, pt, aad)
				if err != nil {
					errs <- err
					return
				}
				got, err := s.Open(ctx, b, aad)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("open: %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if g := ck.gens.Load(); g != 1 {
		t.Fatalf("concurrent first seals generated %d data keys, want 1", g)
	}
}

func TestNewLocalMasterKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewLocalMasterKey(make([]byte, n)); err == nil {
			t.Errorf("%d-byte key accepted", n)
		}
	}
	a, b := testMasterKey(t, 1), testMasterKey(t, 2)
	if a.ID() == b.ID() || a.ID() != testMasterKey(t, 1).ID() {
		t.Fatalf("IDs must be stable per key and differ between keys: %s %s", a.ID(), b.ID())
	}
}

func TestLocalMasterKeyRejectsForeignWrappedKeys(t *testing.T) {
	ctx := context.Background()
	_, wrapped, err := testMasterKey(t, 1).GenerateDataKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range [][]byte{nil, wrapped[:10], append(bytes.Clone(wrapped), 0), func() []byte { w := bytes.Clone(wrapped); w[0] = 9; return w }()} {
		if _, err := testMasterKey(t, 1).Decrypt(ctx, w); !errors.Is(err, ErrInvalid) {
			t.Errorf("malformed wrapped key: err = %v", err)
		}
	}
	if _, err := testMasterKey(t, 2).Decrypt(ctx, wrapped); !errors.Is(err, ErrInvalid) {
		t.Errorf("other master key: err = %v", err)
	}
}

func TestLoadOrCreateLocalMasterKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys", "master.key")
	mk1, err := LoadOrCreateLocalMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	blob, err := NewSealer(mk1, nil).Seal(ctx, []byte("kept"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mk2, err := LoadOrCreateLocalMasterKey(path) // a restart
	if err != nil {
		t.Fatal(err)
	}
	if mk1.ID() != mk2.ID() {
		t.Fatal("reloading gave another key")
	}
	if pt, err := NewSealer(mk2, nil).Open(ctx, blob, nil); err != nil || string(pt) != "kept" {
		t.Fatalf("open after reload: %q, %v", pt, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".masterkey-*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestLoadOrCreateLocalMasterKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			mk, err := LoadOrCreateLocalMasterKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = mk.ID()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("processes starting together got different keys: %v", ids)
		}
	}
}

func TestLoadLocalMasterKeyRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"
	for name, p := range map[string]string{
		"world-readable": write("loose", good, 0o644),
		"group-readable": write("group", good, 0o640),
		"short":          write("short", "AQEB\n", 0o600),
		"not base64":     write("junk", "not a key at all\n", 0o600),
		"directory":      dir,
	} {
		if _, err := LoadOrCreateLocalMasterKey(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadOrCreateLocalMasterKey(write("ok", good, 0o600)); err != nil {
		t.Fatalf("good file refused: %v", err)
	}
}

func BenchmarkSeal(b *testing.B) {
	ctx := context.Background()
	s := NewSealer(testMasterKey(b, 1), nil)
	pt := bytes.Repeat([]byte{7}, 384) // an SRP verifier
	for b.Loop() {
		if _, err := s.Seal(ctx, pt, []byte("pool\x00sub\x00srp")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	s := NewSealer(testMasterKey(b, 1), nil)
	blob, err := s.Seal(ctx, bytes.Repeat([]byte{7}, 384), []byte("aad"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Open(ctx, blob, []byte("aad")); err != nil {
			b.Fatal(err)
		}
	}
}
