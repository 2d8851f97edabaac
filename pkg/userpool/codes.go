package userpool

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// ---- small encoding helpers ----

func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }

func itoa(n int) string { return strconv.Itoa(n) }

// atoiStrict parses a non-negative decimal integer.
func atoiStrict(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a non-negative integer: %q", s)
	}
	return n, nil
}
