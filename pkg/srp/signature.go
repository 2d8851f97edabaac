package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// timestampLayout is Java's "EEE MMM d HH:mm:ss 'UTC' yyyy", which amazon-cognito-identity-js
// and Cognito's other clients write: English names, the day unpadded, UTC.
const (
	timestampLayout = "Mon Jan 2 15:04:05 UTC 2006"
	maxTimestampLen = 48 // the longest readable TIMESTAMP, with long names, has 40 bytes
)

// ErrBadTimestamp: TIMESTAMP is not in Cognito's format.
var ErrBadTimestamp = errors.New("srp: invalid TIMESTAMP")

// Signature is the raw PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256 keyed with the session key over
// poolName || userID || secretBlock || timestamp, where secretBlock is the base64-decoded
// SECRET_BLOCK and timestamp the TIMESTAMP string itself. For device SRP, poolName is the
// DeviceGroupKey and userID the DeviceKey. The wire form is its standard base64.
func Signature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// VerifySignature checks a PASSWORD_CLAIM_SIGNATURE (standard base64, padding optional) in
// constant time over timestamp, which for a server is FormatTimestamp of the parsed TIMESTAMP
// (see ParseTimestamp): the string a correct client signed.
func VerifySignature(key []byte, poolName, userID string, secretBlock []byte, timestamp, signature string) bool {
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		if got, err = base64.RawStdEncoding.DecodeString(signature); err != nil {
			return false
		}
	}
	return hmac.Equal(got, Signature(key, poolName, userID, secretBlock, timestamp))
}

// FormatTimestamp writes t as the JavaScript client's TIMESTAMP: UTC, English names, day not
// zero-padded, e.g. "Tue Mar 5 09:04:03 UTC 2024". Years outside 0–9999 do not round-trip.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// ParseTimestamp reads a TIMESTAMP as Cognito does; errors wrap ErrBadTimestamp, which Cognito
// answers with InvalidParameterException. A server then checks the signature over
// FormatTimestamp of the result, Cognito's own rendering, never over the string received.
//
// That model is the one that fits every report from real user pools. Cognito answers
// NotAuthorizedException ("Incorrect username or password."), not InvalidParameterException, to
// a correctly signed TIMESTAMP with a zero-padded day (qwigo/warrant#12, 2017; measured again in
// ministackorg/ministack#1758) or a wrong weekday (ministack#1758): both are read, then fail
// the signature, which a check over the received string would not do for the padded day. It
// answers InvalidParameterException to an hour of 24 (Chrome's hourCycle bug,
// aws-samples/amazon-cognito-passwordless-auth#145) and to a numeric zone
// (amazon-cognito-identity-js#683), so fields are range-checked rather than rolled over as
// Java's lenient SimpleDateFormat would (whose strict mode, in turn, refuses a wrong weekday).
// And it accepts alexrudd/cognito-srp's 12-hour clock, twelve hours off every afternoon: there
// is no clock window (the single-use SECRET_BLOCK is what stops replay).
//
// Read here: "<weekday> <month> <day> <hour>:<minute>:<second> <zone> <year>", single spaces;
// English day and month names, short or long, in any case, the weekday not checked against the
// date; day, hour, minute and second of one or two digits, in range (a date that exists, hours
// 0–23, no leap second); a zone of the few names Java-era parsers know (UT, UTC, GMT and the US
// zones); a four-digit year. Where a report leaves a detail open (the zone names, long names,
// one-digit fields), the reading is generous: whatever is read but is not the canonical
// rendering fails the signature anyway, so only the error's type depends on it.
func ParseTimestamp(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%w: %s", ErrBadTimestamp, why)
	}
	if len(s) > maxTimestampLen {
		return bad("too long")
	}
	f := strings.Split(s, " ")
	if len(f) != 6 {
		return bad(fmt.Sprintf("%q has not six fields", s))
	}
	if _, ok := nameIndex(weekdayNames, f[0]); !ok {
		return bad(fmt.Sprintf("no weekday in %q", s))
	}
	month, ok := nameIndex(monthNames, f[1])
	if !ok {
		return bad(fmt.Sprintf("no month in %q", s))
	}
	offset, ok := zoneOffsets[asciiUpper(f[4])]
	if !ok {
		return bad(fmt.Sprintf("no known zone in %q", s))
	}
	year, ok := digits(f[5], 4, 4)
	if !ok {
		return bad(fmt.Sprintf("no four-digit year in %q", s))
	}
	day, ok := digits(f[2], 1, 2)
	if !ok || day < 1 || day > time.Date(year, time.Month(month+2), 0, 0, 0, 0, 0, time.UTC).Day() {
		return bad(fmt.Sprintf("no day of the month in %q", s))
	}
	hms := strings.Split(f[3], ":")
	if len(hms) != 3 {
		return bad(fmt.Sprintf("no time of day in %q", s))
	}
	var clock [3]int
	for i, limit := range []int{23, 59, 59} {
		if clock[i], ok = digits(hms[i], 1, 2); !ok || clock[i] > limit {
			return bad(fmt.Sprintf("no time of day in %q", s))
		}
	}
	t := time.Date(year, time.Month(month+1), day, clock[0], clock[1], clock[2], 0, time.UTC)
	return t.Add(-time.Duration(offset) * time.Hour), nil
}

var (
	weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
		"November", "December"}
	// zoneOffsets holds the zone names Joda-Time parses by default, in hours from UTC.
	zoneOffsets = map[string]int{"UT": 0, "UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
		"PST": -8, "PDT": -7}
)

// nameIndex finds an English name, long or its three-letter short form, in any ASCII case.
func nameIndex(names []string, s string) (int, bool) {
	s = asciiUpper(s)
	for i, n := range names {
		if n = strings.ToUpper(n); s == n || s == n[:3] {
			return i, true
		}
	}
	return 0, false
}

// asciiUpper upper-cases ASCII letters; anything with other bytes becomes "", which names
// nothing (Unicode case folding would let "ſun" read as "Sun").
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 0x80:
			return ""
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// digits reads an unsigned decimal of min to max ASCII digits.
func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
