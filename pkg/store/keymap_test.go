package store

import (
	"os"
	"strings"
	"testing"
)

const (
	keyMapDoc   = "../../docs/architecture.md"
	keyMapBegin = "<!-- key map: generated from pkg/store/keys.go by `go test ./pkg/store -run TestKeyMapDoc -update`; do not edit -->\n"
	keyMapEnd   = "<!-- end of key map -->\n"
)

// renderKeyMap is the key map as docs/architecture.md shows it: one row per layout, the
// builders' own output over placeholder arguments.
func renderKeyMap() string {
	cell := func(s string) string { return "`" + strings.ReplaceAll(s, "\x00", `\0`) + "`" }
	var b strings.Builder
	b.WriteString("| PK | SK | item |\n|---|---|---|\n")
	for _, l := range Layouts() {
		b.WriteString("| " + cell(l.Key.PK()) + " | " + cell(l.Key.SK()) + " | " + l.Item + " |\n")
	}
	return b.String()
}

// TestKeyMapDoc: the key map in docs/architecture.md is the one the builders make, so the
// documented map cannot drift from the keys written (which storetest.DocumentedKeys holds to
// the same layouts in the API suite).
func TestKeyMapDoc(t *testing.T) {
	raw, err := os.ReadFile(keyMapDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, keyMapBegin), strings.Index(doc, keyMapEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no key map between %q and %q", keyMapDoc, keyMapBegin, keyMapEnd)
	}
	want := renderKeyMap()
	if got := doc[i+len(keyMapBegin) : j]; got != want {
		if *updateGolden {
			if err := os.WriteFile(keyMapDoc, []byte(doc[:i+len(keyMapBegin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("the key map in %s is not the builders' (rerun with -update):\n got:\n%s\nwant:\n%s", keyMapDoc, got, want)
	}
}
