package srp

import (
	"errors"
	"testing"
	"time"
)

func TestFormatTimestamp(t *testing.T) {
	plus2 := time.FixedZone("UTC+2", 2*60*60)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2024, 3, 5, 9, 4, 3, 0, time.UTC), "Tue Mar 5 09:04:03 UTC 2024"},
		{time.Date(2024, 12, 25, 23, 59, 59, 999999999, time.UTC), "Wed Dec 25 23:59:59 UTC 2024"}, // fractions dropped
		{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), "Sun Jan 1 00:00:00 UTC 2023"},
		{time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC), "Tue Feb 29 12:00:00 UTC 2000"},
		{time.Date(2024, 3, 6, 1, 4, 3, 0, plus2), "Tue Mar 5 23:04:03 UTC 2024"}, // converted to UTC
		{time.Date(2024, 9, 10, 7, 0, 0, 0, time.UTC), "Tue Sep 10 07:00:00 UTC 2024"},
	} {
		if got := FormatTimestamp(tc.in); got != tc.want {
			t.Errorf("FormatTimestamp(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	mar5 := time.Date(2024, 3, 5, 9, 4, 3, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"Tue Mar 5 09:04:03 UTC 2024", mar5},
		{"Tue Mar 05 09:04:03 UTC 2024", mar5}, // zero-padded day, as other libraries send it
		{"Wed Dec 25 23:59:59 UTC 2024", time.Date(2024, 12, 25, 23, 59, 59, 0, time.UTC)},
		{"Tue Feb 29 00:00:00 UTC 2000", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := ParseTimestamp(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"",
		"Tue Mar  5 09:04:03 UTC 2024",    // space-padded day
		"Tue Mar 005 09:04:03 UTC 2024",   // three-digit day
		"Wed Mar 5 09:04:03 UTC 2024",     // wrong weekday (time.Parse alone ignores it)
		"tue mar 5 09:04:03 UTC 2024",     // lower case (time.Parse alone accepts it)
		"Tuesday Mar 5 09:04:03 UTC 2024", // long names
		"Tue March 5 09:04:03 UTC 2024",
		"Tue Mar 5 9:04:03 UTC 2024",      // one-digit hour
		"Tue Mar 5 09:4:03 UTC 2024",      // one-digit minute
		"Tue Mar 5 09:04:03.5 UTC 2024",   // fraction (time.Parse alone accepts it)
		"Tue Mar 5 09:04:03 GMT 2024",     // other zone
		"Tue Mar 5 09:04:03 +0000 2024",   //
		"Tue Mar 5 09:04:03 UTC 24",       // two-digit year
		"Tue Mar 5 09:04:03 UTC 2024 ",    // trailing space
		" Tue Mar 5 09:04:03 UTC 2024",    // leading space
		"Tue Mar 5 24:00:00 UTC 2024",     // hour 24
		"Fri Feb 30 09:04:03 UTC 2024",    // no such date
		"Tue Mar 5 09:04:60 UTC 2024",     // leap second
		"2024-03-05T09:04:03Z",            // RFC 3339
		"Tue, 05 Mar 2024 09:04:03 GMT",   // RFC 1123
		"Tue Mar 5 09:04:03 UTC 2024\x00", //
	} {
		if got, err := ParseTimestamp(in); !errors.Is(err, ErrBadTimestamp) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want ErrBadTimestamp", in, got, err)
		}
	}
}
