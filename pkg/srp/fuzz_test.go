package srp

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; `go test` runs them as ordinary cases.

func FuzzParseA(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		A, err := ParseA(s)
		if err != nil {
			if !errors.Is(err, ErrBadA) {
				t.Fatalf("ParseA(%q) error %v does not wrap ErrBadA", s, err)
			}
			return
		}
		if len(s) > maxPublicHex || A.Sign() <= 0 || isZeroModN(A) {
			t.Fatalf("ParseA(%q) accepted %v", s, A)
		}
		// Lenient about case and padding, exact about the value.
		if want := strings.TrimLeft(strings.ToLower(s), "0"); HexInt(A) != want {
			t.Fatalf("ParseA(%q) = %s", s, HexInt(A))
		}
		if again, err := ParseA(HexInt(A)); err != nil || again.Cmp(A) != 0 {
			t.Fatalf("ParseA(HexInt(A)) = %v, %v", again, err)
		}
	})
}

func FuzzParseSalt(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		salt, err := ParseSalt(s)
		if err != nil {
			if !errors.Is(err, ErrBadSalt) {
				t.Fatalf("ParseSalt(%q) error %v does not wrap ErrBadSalt", s, err)
			}
			return
		}
		if s == "" || len(s) > maxSaltHex {
			t.Fatalf("ParseSalt(%q) accepted", s)
		}
		want := strings.ToLower(s)
		if len(want)%2 == 1 {
			want = "0" + want
		}
		if got := hex.EncodeToString(salt); got != want {
			t.Fatalf("ParseSalt(%q) = %s", s, got)
		}
	})
}

// FuzzParseTimestamp takes a string to parse and a Unix time to format: whatever parses is a
// whole second in UTC whose canonical rendering reads back as itself, and every time with a
// four-digit year reads back from its rendering, zero-padded day or not.
func FuzzParseTimestamp(f *testing.F) {
	minT := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxT := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		if got, err := ParseTimestamp(s); err != nil {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("ParseTimestamp(%q) error %v does not wrap ErrBadTimestamp", s, err)
			}
		} else if got.Location() != time.UTC || got.Nanosecond() != 0 {
			t.Fatalf("ParseTimestamp(%q) = %v", s, got)
		} else if back, err := ParseTimestamp(FormatTimestamp(got)); (err != nil || !back.Equal(got)) && got.Year() >= 0 && got.Year() <= 9999 {
			t.Fatalf("ParseTimestamp(%q) = %v, whose rendering reads back as %v, %v", s, got, back, err)
		}

		// Round trip, for every time whose year has four digits.
		span := uint64(maxT - minT + 1)
		tm := time.Unix(minT+int64(uint64(unix)%span), 0).UTC()
		for _, s := range []string{FormatTimestamp(tm), tm.Format("Mon Jan 02 15:04:05 UTC 2006")} {
			if back, err := ParseTimestamp(s); err != nil || !back.Equal(tm) {
				t.Fatalf("ParseTimestamp(%q) = %v, %v; want %v", s, back, err, tm)
			}
		}
	})
}
