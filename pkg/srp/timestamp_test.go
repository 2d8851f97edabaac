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

// TestParseTimestamp: what Cognito reads as a TIMESTAMP (anything else is
// InvalidParameterException), and which of those readings are canonical — the rendering the
// signature is checked over. A parseable but non-canonical TIMESTAMP (zero-padded day, wrong
// weekday, lower case) fails the signature, as on Cognito; see ParseTimestamp for the evidence.
func TestParseTimestamp(t *testing.T) {
	mar5 := time.Date(2024, 3, 5, 9, 4, 3, 0, time.UTC)
	for _, tc := range []struct {
		in        string
		want      time.Time
		canonical bool
	}{
		{"Tue Mar 5 09:04:03 UTC 2024", mar5, true},
		{"Wed Dec 25 23:59:59 UTC 2024", time.Date(2024, 12, 25, 23, 59, 59, 0, time.UTC), true},
		{"Tue Feb 29 00:00:00 UTC 2000", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), true},
		// alexrudd/cognito-srp writes the hour on a 12-hour clock: at 15:04 it sends 03:04, a
		// well-formed TIMESTAMP twelve hours off, which Cognito accepts.
		{"Tue Mar 5 03:04:03 UTC 2024", time.Date(2024, 3, 5, 3, 4, 3, 0, time.UTC), true},
		{"Tue Mar 05 09:04:03 UTC 2024", mar5, false}, // zero-padded day: NotAuthorized on Cognito
		{"Wed Mar 5 09:04:03 UTC 2024", mar5, false},  // wrong weekday: read, not checked; NotAuthorized
		{"Sun Mar 5 09:04:03 UTC 2024", mar5, false},
		{"tue mar 5 09:04:03 utc 2024", mar5, false}, // names in any case
		{"TUE MAR 5 09:04:03 UTC 2024", mar5, false},
		{"Tuesday March 5 09:04:03 UTC 2024", mar5, false}, // long names
		{"Tue Mar 5 9:4:3 UTC 2024", mar5, false},          // one-digit fields
		{"Tue Mar 5 09:04:03 GMT 2024", mar5, false},       // other zone names
		{"Tue Mar 5 09:04:03 UT 2024", mar5, false},
		{"Tue Mar 5 01:04:03 PST 2024", mar5, false},
		{"Tue Mar 5 05:04:03 EDT 2024", mar5, false},
	} {
		got, err := ParseTimestamp(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		if canonical := FormatTimestamp(got) == tc.in; canonical != tc.canonical {
			t.Errorf("ParseTimestamp(%q) renders as %q: canonical %v, want %v", tc.in, FormatTimestamp(got), canonical, tc.canonical)
		}
	}
	for _, in := range []string{
		"",
		"Tue Mar  5 09:04:03 UTC 2024",  // space-padded day
		"Tue Mar 005 09:04:03 UTC 2024", // three-digit day
		"Tue Mar 0 09:04:03 UTC 2024",   // day 0
		"Tue Mar 5 24:03:00 UTC 2024",   // hour 24 (Chrome's hourCycle bug): InvalidParameter on Cognito
		"Tue Mar 5 09:60:03 UTC 2024",   // minute 60
		"Tue Mar 5 09:04:60 UTC 2024",   // leap second
		"Fri Feb 30 09:04:03 UTC 2024",  // no such date
		"Thu Feb 29 09:04:03 UTC 2023",  // not a leap year
		"Tue Mar 5 009:04:03 UTC 2024",  // three-digit hour
		"Tue Mar 5 09:04 UTC 2024",      // no seconds
		"Tue Mar 5 09:04:03.5 UTC 2024", // fraction
		"Tue Mar 5 09:04:03 +0000 2024", // numeric zones
		"Tue Mar 5 09:04:03 GMT+05:30 2024",
		"Mon Feb 12 15:26:37 +05:30 2018", // InvalidParameter on Cognito (amazon-cognito-identity-js#683)
		"Tue Mar 5 09:04:03 IST 2024",     // a zone name outside the well-known few
		"Tue Mar 5 09:04:03 UTC 24",       // two-digit year
		"Tue Mar 5 09:04:03 UTC 02024",
		"Tue Mar 5 09:04:03 UTC 2024 ",    // trailing space
		" Tue Mar 5 09:04:03 UTC 2024",    // leading space
		"Tue Mar 5 09:04:03 UTC",          // fields missing
		"Tue Mar 5 09:04:03 UTC 2024 UTC", // fields over
		"Tu Mar 5 09:04:03 UTC 2024",      // no such names
		"Tue Mr 5 09:04:03 UTC 2024",
		"Tue 3 5 09:04:03 UTC 2024",
		"Tue Mar ５ 09:04:03 UTC 2024",   // fullwidth digit
		"2024-03-05T09:04:03Z",          // RFC 3339
		"Tue, 05 Mar 2024 09:04:03 GMT", // RFC 1123
		"Tue Mar 5 09:04:03 UTC 2024\x00",
		"Tue\tMar 5 09:04:03 UTC 2024",
	} {
		if got, err := ParseTimestamp(in); !errors.Is(err, ErrBadTimestamp) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; want ErrBadTimestamp", in, got, err)
		}
	}
}
