package embedded

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	random := make([]byte, 4096)
	rand.NewChaCha8([32]byte{7}).Read(random)
	record := []byte(`{"s":"6f1c0a52-3d4e-4b8f-9a61-0c2d5e7f8a9b","a":[{"Kind":"email","Value":"alice@example.com"}],` +
		`"d":{"u":"6f1c0a52-3d4e-4b8f-9a61-0c2d5e7f8a9b","st":"CONFIRMED","en":true,"at":{"email":"alice@example.com","email_verified":"true"}}}`)
	exp := time.Date(2035, 6, 1, 12, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		name     string
		it       store.Item
		deflated bool
	}{
		{"empty", store.Item{Version: 1}, false},
		{"nil data, version 0", store.Item{}, false},
		{"negative version", store.Item{Version: -5, Data: []byte("x")}, false},
		{"max version", store.Item{Version: math.MaxInt64, Data: []byte("x")}, false},
		{"expiry with nanoseconds", store.Item{Version: 2, ExpiresAt: exp, Data: []byte("code")}, false},
		{"expiry before 1970", store.Item{Version: 2, ExpiresAt: time.Date(1960, 1, 1, 0, 0, 0, 1, time.UTC)}, false},
		{"attempts", store.Item{Version: 3, Attempts: store.Attempts{Failures: 2, Total: 7, Last: 1e12, Until: -1}, Data: []byte("u")}, false},
		{"a record deflates", store.Item{Version: 4, ExpiresAt: exp, Data: record}, true},
		{"repetitive data deflates", store.Item{Version: 1, Data: bytes.Repeat([]byte("abc"), 1000)}, true},
		{"random data stays raw", store.Item{Version: 1, Data: random}, false},
		{"short data stays raw", store.Item{Version: 1, Data: []byte(strings.Repeat("a", minDeflate-1))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c codec
			v := c.encode([]byte("P#"), tc.it, false)
			e, err := parse(v)
			if err != nil {
				t.Fatal(err)
			}
			if e.deflated != tc.deflated {
				t.Errorf("deflated = %v; want %v (%d bytes for %d of data)", e.deflated, tc.deflated, len(v), len(tc.it.Data))
			}
			got, err := c.item([]byte("P#"), e, "P", "S")
			if err != nil {
				t.Fatal(err)
			}
			want := tc.it
			want.PK, want.SK = "P", "S"
			if got.Version != want.Version || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Attempts != want.Attempts || !bytes.Equal(got.Data, want.Data) {
				t.Fatalf("round trip: %+v; want %+v", got, want)
			}
		})
	}
}

// TestEnvelopeSize pins what the envelope costs: two bytes for a plain item, and a user record
// deflated to well under its size.
func TestEnvelopeSize(t *testing.T) {
	var c codec
	if n := len(c.encode([]byte("U#"), store.Item{Version: 1}, false)); n != 2 {
		t.Errorf("envelope of a plain item: %d bytes; want 2", n)
	}
	user := []byte(`{"s":"00002c87-17a2-46b8-a83c-5063ebe2cf5d","a":[{"Kind":"email","Value":"u0033829@bench.example"}],` +
		`"i":[{"a":"username","v":"00002c87-17a2-46b8-a83c-5063ebe2cf5d"},{"a":"email","v":"u0033829@bench.example"},` +
		`{"a":"cognito:user_status","v":"confirmed"},{"a":"status","v":"enabled"},{"a":"sub","v":"00002c87-17a2-46b8-a83c-5063ebe2cf5d"}],` +
		`"d":{"u":"00002c87-17a2-46b8-a83c-5063ebe2cf5d","st":"CONFIRMED","en":true,"at":{"email":"u0033829@bench.example","email_verified":"false"},` +
		`"c":"2026-11-22T21:52:09.12863315Z","m":"2026-11-22T21:52:09.12881693Z","pw":{"s":"dp1DC1Ic23v89CRVRlQcZQ==","v":"","t":"2026-11-22T21:52:09.128632844Z"}}}`)
	if n := len(c.encode([]byte("U#"), store.Item{Version: 2, Data: user}, false)); n > len(user)/2 {
		t.Errorf("user record of %d bytes stored in %d; want at most half", len(user), n)
	}
}

func TestEnvelopeCorrupt(t *testing.T) {
	var c codec
	good := c.encode([]byte("P#"), store.Item{Version: 300, ExpiresAt: time.Unix(2e9, 5), Attempts: store.Attempts{Failures: 1}, Data: []byte("d")}, false)
	for name, v := range map[string][]byte{
		"empty":              {},
		"unknown flag":       {0x80, 2},
		"truncated version":  {0, 0x80},
		"truncated expiry":   good[:3],
		"nanoseconds >= 1e9": binary.AppendUvarint([]byte{flagExpires, 2, 10}, 1e9), // version 1, second 5
		"truncated attempts": {flagAttempts, 2, 2},
	} {
		if _, err := parse(v); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v; want errCorrupt", name, err)
		}
	}
	for name, v := range map[string][]byte{
		"bad deflate stream":    {flagDeflate, 2, 0xff, 0xff, 0xff},
		"no learned dictionary": {flagDeflate | flagLearned, 2, 0x01, 0x00},
	} {
		e, err := parse(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.item([]byte("P#"), e, "P", "S"); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: %v; want errCorrupt", name, err)
		}
	}
	if _, err := parse([]byte{flagLearned, 2}); !errors.Is(err, errCorrupt) {
		t.Errorf("learned without deflate: %v; want errCorrupt", err)
	}
}
