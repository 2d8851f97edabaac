package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// TIMESTAMP layouts: Java's "EEE MMM d HH:mm:ss 'UTC' yyyy", which amazon-cognito-identity-js
// writes with the day unpadded; other libraries zero-pad it.
const (
	timestampLayout       = "Mon Jan 2 15:04:05 UTC 2006"
	timestampLayoutPadded = "Mon Jan 02 15:04:05 UTC 2006"
	maxTimestampLen       = 32 // the longest valid TIMESTAMP has 28 bytes
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
// constant time. timestamp must be the exact TIMESTAMP string received — the client signed those
// bytes, so re-formatting a parsed time would reject valid zero-padded days. Checking the time
// itself (format, skew) is the caller's job, with ParseTimestamp.
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

// ParseTimestamp reads a TIMESTAMP, accepting the day with or without a leading zero and nothing
// else: the weekday must match the date, hours, minutes and seconds have two digits, there are no
// fractions and the zone is the literal "UTC". Errors wrap ErrBadTimestamp.
func ParseTimestamp(s string) (time.Time, error) {
	if len(s) > maxTimestampLen {
		return time.Time{}, fmt.Errorf("%w: too long", ErrBadTimestamp)
	}
	t, err := time.Parse(timestampLayout, s) // its day field takes "5" and "05"
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrBadTimestamp, s)
	}
	// time.Parse ignores the weekday and tolerates one-digit hours and fractional seconds;
	// re-formatting is the simplest exact check.
	if s != t.Format(timestampLayout) && s != t.Format(timestampLayoutPadded) {
		return time.Time{}, fmt.Errorf("%w: %q is not canonical", ErrBadTimestamp, s)
	}
	return t, nil
}
