// Package totp computes and checks RFC 6238 time-based one-time passwords as Cognito's
// authenticator-app MFA (SOFTWARE_TOKEN_MFA) uses them: HMAC-SHA1 over the 30-second step
// number, six decimal digits, the secret shown to the user as unpadded base32. Which steps a
// check may match and that each step is accepted only once per user are the caller's rules
// (pkg/userpool/mfa keeps the last step it accepted); this package says which step a code is
// for.
package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Cognito's parameters (cognito-protocol.md §2.7; checklist TOTP-01).
const (
	Digits = 6
	Period = 30 * time.Second
	// SecretBytes is the secret's length: 256 bits from a CSPRNG (TOTP-02 asks for 160 at
	// least). Cognito's SecretCode is 52 base32 characters, which is 32 bytes.
	SecretBytes = 32
)

// Encoding is how a secret is shown (SecretCode, otpauth:// URIs): RFC 4648 base32, no padding.
var Encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret reads a fresh secret from r (crypto/rand.Reader in production).
func NewSecret(r io.Reader) ([]byte, error) {
	b := make([]byte, SecretBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("totp: reading a secret: %w", err)
	}
	return b, nil
}

// Step is the RFC 6238 counter of t: whole periods since the Unix epoch.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code is the six-digit code for secret at step (RFC 4226 dynamic truncation).
func Code(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, v%1_000_000)
}

// Match finds the step within skew steps of now (now's first, then the earlier, then the later)
// whose code is code, comparing every candidate in constant time. ok is false for a code that is
// not six digits or matches no step of the window.
func Match(secret []byte, code string, now time.Time, skew int) (step int64, ok bool) {
	if !wellFormed(code) {
		return 0, false
	}
	cur := Step(now)
	found := int64(0)
	for _, d := range window(skew) {
		s := cur + int64(d)
		if subtle.ConstantTimeCompare([]byte(Code(secret, s)), []byte(code)) == 1 && !ok {
			found, ok = s, true
		}
	}
	return found, ok
}

// window orders the offsets of a check: 0, -1, +1, -2, +2 …
func window(skew int) []int {
	out := []int{0}
	for i := 1; i <= skew; i++ {
		out = append(out, -i, i)
	}
	return out
}

func wellFormed(code string) bool {
	if len(code) != Digits {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
