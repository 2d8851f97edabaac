package esdk_test

import (
	"bytes"
	"testing"

	"github.com/cognatehq/cognate/pkg/esdk"
)

// Parse reads untrusted bytes (a function's event, a test's input): it must never panic, and
// what it accepts it describes consistently. The seed corpus (testdata/fuzz/FuzzParse) holds
// messages Encrypt made against local-kms: one frame, several frames, an empty plaintext.
func FuzzParse(f *testing.F) {
	f.Add([]byte{0x01, 0x80, 0x03, 0x78})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := esdk.Parse(b)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(b, m.Header) || !bytes.HasPrefix(b, m.Signed) || len(m.Signed) <= len(m.Header) {
			t.Fatalf("header %d and signed %d bytes of %d", len(m.Header), len(m.Signed), len(b))
		}
		if len(m.Frames) == 0 || !m.Frames[len(m.Frames)-1].Final || len(m.DataKeys) == 0 {
			t.Fatalf("accepted %d frames, %d data keys", len(m.Frames), len(m.DataKeys))
		}
		for i, fr := range m.Frames {
			if fr.Sequence != uint32(i+1) || len(fr.IV) != 12 || len(fr.Tag) != 16 || len(fr.Ciphertext) > int(m.FrameLength) {
				t.Fatalf("frame %d: %+v", i, fr)
			}
		}
	})
}
