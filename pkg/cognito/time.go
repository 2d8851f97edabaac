package cognito

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
)

// Time is a timestamp as Cognito puts it on the wire: epoch seconds as a JSON number with
// millisecond precision (1715100742.022). The SDKs parse these members as numbers and reject
// strings, so a time.Time (RFC 3339 string) must never reach a response.
//
// Use it in response structs in one of two ways; both leave the member out when unset:
//
//	UserCreateDate *cognito.Time `json:"UserCreateDate,omitempty"` // set with cognito.NewTime(t): nil for a zero t
//	UserCreateDate cognito.Time  `json:"UserCreateDate,omitzero"`  // omitzero calls the promoted IsZero
type Time struct{ time.Time }

// NewTime wraps t for a pointer member; the zero time gives nil, so omitempty drops it.
func NewTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t}
}

// MarshalJSON writes whole epoch seconds and up to three decimals, trailing zeros trimmed,
// computed from integer milliseconds so no float rounding can creep in.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	var b []byte
	if ms < 0 { // a decimal is sign and magnitude: -1500 ms is -1.5
		b, ms = append(b, '-'), -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	if frac != 0 {
		f := []byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		b = append(b, bytes.TrimRight(f, "0")...)
	}
	return b, nil
}

// UnmarshalJSON reads epoch seconds (a JSON number); null leaves t unchanged. Anything else is a
// type error that Decode reports as a SerializationException naming the member.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	// The decoder has already checked the syntax, so only non-numbers and out-of-range numbers
	// fail here; the bound keeps the millisecond conversion inside int64.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.Abs(f) > maxEpochSeconds {
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[Time]()}
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	return nil
}

// maxEpochSeconds is far beyond any real timestamp (year ~31 million) and far inside int64 ms.
const maxEpochSeconds = 1e15

// jsonValueKind names the JSON kind of a raw value for error messages.
func jsonValueKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "empty"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}
