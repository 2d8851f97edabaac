package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// refreshTokenBytes of randomness: 256 bits, twice the 128 that RFC 6749 §10.10 / JWT-08 ask for.
const refreshTokenBytes = 32

// NewRefreshToken returns a new opaque refresh token and the SHA-256 hash to store in its place
// (JWT-08: the table never holds a usable token). The token is "R" and 43 characters of base64url,
// within the [A-Za-z0-9-_=.] alphabet clients accept for Cognito's refresh tokens. r nil means
// crypto/rand.Reader.
//
// A token must never be issued from a failed or short read, and this signature has no error
// to report one, so a failing reader panics, as crypto/rand.Read itself crashes the program on
// such a failure since Go 1.24. crypto/rand.Reader does not fail.
func NewRefreshToken(r io.Reader) (token string, hash []byte) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, refreshTokenBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		panic(fmt.Sprintf("token: random source failed while making a refresh token: %v", err))
	}
	// A fixed first letter: a token starting with '-' would be read as an option by command-line
	// clients (`aws cognito-idp get-tokens-from-refresh-token --refresh-token -xyz`).
	token = "R" + base64.RawURLEncoding.EncodeToString(b)
	return token, HashRefreshToken(token)
}

// HashRefreshToken is the SHA-256 of the token's text: the lookup key and the only stored form.
// A fast hash suffices because the token has 256 bits of entropy, nothing to brute-force.
func HashRefreshToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
