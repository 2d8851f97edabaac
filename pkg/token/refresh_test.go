package token

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"regexp"
	"testing"
	"testing/iotest"
)

func TestNewRefreshToken(t *testing.T) {
	alphabet := regexp.MustCompile(`^[A-Za-z0-9_=.-]+$`)
	seen := map[string]bool{}
	for range 1000 {
		tok, hash := NewRefreshToken(nil)
		if len(tok) != 44 || tok[0] != 'R' || !alphabet.MatchString(tok) {
			t.Fatalf("token %q: want R and 43 characters of base64url (256 bits)", tok)
		}
		if seen[tok] {
			t.Fatal("repeated token")
		}
		seen[tok] = true
		sum := sha256.Sum256([]byte(tok))
		if !bytes.Equal(hash, sum[:]) || !bytes.Equal(HashRefreshToken(tok), hash) {
			t.Fatal("hash is not SHA-256 of the token")
		}
		if bytes.Contains(hash, []byte(tok)) {
			t.Fatal("hash contains the token")
		}
	}
	// The injected reader is the only source of randomness.
	a, _ := NewRefreshToken(seededReader("x"))
	b, _ := NewRefreshToken(seededReader("x"))
	if a != b {
		t.Fatal("token does not come from the given reader")
	}
}

func TestNewRefreshTokenNeverFromAShortRead(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a failing random source produced a token")
		}
	}()
	NewRefreshToken(iotest.ErrReader(errors.New("entropy exhausted")))
}
