package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// updateGolden (-update) rewrites what this package's tests compare against: testdata/*.golden.json
// and the key map in docs/architecture.md.
var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden.json and the key map in docs/architecture.md")

// The repository's part of a stored user (userEnvelope) is frozen as the service's record is
// (pkg/userpool TestUserRecordGolden): the embedded store deflates items against their field
// names, and every user already written must still decode. A change here is a change of storage
// format; regenerate with -update only with a migration.
func TestUserEnvelopeGolden(t *testing.T) {
	u := &User{
		PoolID: "us-east-1_Golden", Key: "alice", Version: 7,
		Sub:     "5b0c6f3e-8d1a-4c2b-9e7f-0a1b2c3d4e5f",
		Aliases: []Alias{{Kind: "email", Value: "alice@example.com"}},
		Index:   []IndexEntry{{Attr: "email", Value: "alice@example.com"}},
		Data:    json.RawMessage(`{"u":"Alice"}`),
	}
	raw, err := encodeUser(u)
	if err != nil {
		t.Fatal(err)
	}
	if raw[0] != userEnvelopeV2 {
		t.Fatalf("format byte %#x, want %#x", raw[0], userEnvelopeV2)
	}
	n, w := binary.Uvarint(raw[1:])
	meta, data := raw[1+w:1+w+int(n)], raw[1+w+int(n):]
	if !bytes.Equal(data, u.Data) {
		t.Errorf("service record after the envelope: %q, want %q", data, u.Data)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, meta, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", "user_envelope.golden.json")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("stored user envelope changed (%s):\ngot:\n%s\nwant:\n%s", path, got.Bytes(), want)
	}

	// What is stored reads back whole.
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatal(err)
	}
	stored := binary.AppendUvarint([]byte{userEnvelopeV2}, uint64(compact.Len()))
	stored = append(append(stored, compact.Bytes()...), u.Data...)
	back, err := decodeUser(u.PoolID, u.Key, Item{Version: u.Version, Data: stored})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, u) {
		t.Errorf("golden envelope decodes to\n%+v\nwant\n%+v", back, u)
	}
}
