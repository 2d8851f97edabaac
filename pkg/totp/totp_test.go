package totp_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	own "github.com/cognatehq/cognate/pkg/totp"
)

// RFC 6238 appendix B, SHA-1 column, truncated to six digits (the RFC's vectors are eight).
func TestRFC6238Vectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		if got := own.Code(secret, own.Step(time.Unix(tc.unix, 0))); got != tc.want {
			t.Errorf("T=%d: %s, want %s", tc.unix, got, tc.want)
		}
	}
}

// The codes an authenticator app computes (pquerna/otp, as Google Authenticator computes them
// from the base32 SecretCode) are the codes this package accepts.
func TestAgreesWithAnAuthenticatorLibrary(t *testing.T) {
	secret, err := own.NewSecret(bytes.NewReader(bytes.Repeat([]byte{7, 1, 9}, 20)))
	if err != nil {
		t.Fatal(err)
	}
	enc := own.Encoding.EncodeToString(secret)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for i := range 50 {
		at := now.Add(time.Duration(i) * 37 * time.Second)
		code, err := totp.GenerateCodeCustom(enc, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		if got := own.Code(secret, own.Step(at)); got != code {
			t.Fatalf("at %v: %s, the library says %s", at, got, code)
		}
	}
}

func TestMatchWindow(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := own.Step(now)
	for _, tc := range []struct {
		name string
		code string
		want int64
		ok   bool
	}{
		{"this step", own.Code(secret, cur), cur, true},
		{"the step before", own.Code(secret, cur-1), cur - 1, true},
		{"the step after", own.Code(secret, cur+1), cur + 1, true},
		{"two steps before", own.Code(secret, cur-2), 0, false},
		{"two steps after", own.Code(secret, cur+2), 0, false},
		{"five digits", own.Code(secret, cur)[:5], 0, false},
		{"letters", "12a456", 0, false},
		{"seven digits", own.Code(secret, cur) + "0", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := own.Match(secret, tc.code, now, 1)
			if ok != tc.ok || step != tc.want {
				t.Errorf("Match = %d, %v; want %d, %v", step, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("287082")
	f.Add("")
	f.Add("１２３４５６")
	f.Fuzz(func(t *testing.T, code string) {
		secret := []byte("12345678901234567890")
		now := time.Unix(59, 0)
		step, ok := own.Match(secret, code, now, 1)
		if ok && own.Code(secret, step) != code {
			t.Fatalf("matched %q at step %d, whose code is %s", code, step, own.Code(secret, step))
		}
	})
}
