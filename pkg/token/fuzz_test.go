package token

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

const corpusDir = "testdata/fuzz/FuzzVerify"

// FuzzVerify feeds arbitrary strings to Verify under several expectations. Verify must never
// panic, must answer only ErrInvalid or ErrExpired, and may accept (or call expired) only a
// string that Issue produced. The committed seed corpus is the mutation corpus (see
// TestFuzzCorpusUpToDate), so fuzzing starts from genuine tokens and near-misses of them.
func FuzzVerify(f *testing.F) {
	e := newTestEnv(f, "corpus")
	mutations(f, e) // issues the genuine tokens the corpus was built from, in the same order
	e.clk.Set(vnow)
	expects := []Expect{
		expectAccess(),
		expectID(),
		{Issuer: issuerA, PoolID: poolA, TokenUse: UseAccess, ClientID: clientID, Leeway: time.Minute},
		{Issuer: issuerA, PoolID: poolA, TokenUse: UseID, ClientID: clientID, Leeway: time.Minute},
		{Issuer: issuerB, PoolID: poolB, TokenUse: UseAccess},
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		for _, want := range expects {
			c, err := e.iss.Verify(ctx, raw, want)
			switch {
			case err == nil:
				if c == nil || !e.issued[raw] {
					t.Fatalf("accepted a token we did not issue: %q", raw)
				}
			case errors.Is(err, ErrExpired):
				if c != nil || !e.issued[raw] {
					t.Fatalf("called a token we did not issue expired: %q", raw)
				}
			case errors.Is(err, ErrInvalid):
				if c != nil {
					t.Fatal("claims returned with an error")
				}
			default:
				t.Fatalf("unexpected error class: %v", err)
			}
		}
	})
}

func corpusFile(raw string) []byte {
	return []byte("go test fuzz v1\nstring(" + strconv.Quote(raw) + ")\n")
}

// TestFuzzCorpusUpToDate keeps testdata/fuzz/FuzzVerify equal to the mutation corpus, so its
// "genuine" seeds really are genuine. Regenerate with -update after changing the token format.
func TestFuzzCorpusUpToDate(t *testing.T) {
	cases := mutations(t, newTestEnv(t, "corpus"))
	want := map[string][]byte{} // one file per distinct input, named after its first case
	seen := map[string]bool{}
	for _, m := range cases {
		if !seen[m.raw] {
			seen[m.raw] = true
			want[m.name] = corpusFile(m.raw)
		}
	}
	if *update {
		if err := os.RemoveAll(corpusDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(corpusDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	var have []string
	for _, de := range entries {
		name := de.Name()
		have = append(have, name)
		if _, ok := want[name]; !ok {
			// Files the fuzzer added (crashers) are kept on purpose; they are not ours to check.
			continue
		}
		got, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want[name]) {
			t.Errorf("seed %s is stale (run with -update)", name)
		}
	}
	sort.Strings(have)
	for name := range want {
		if i := sort.SearchStrings(have, name); i == len(have) || have[i] != name {
			t.Errorf("seed %s missing (run with -update)", name)
		}
	}
}
