package srp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

const benchTimestamp = "Tue Mar 5 09:04:03 UTC 2024"

// BenchmarkServerStep measures the server's cost per SRP sign-in: B in InitiateAuth ("B"), then
// the session key and signature check in RespondToAuthChallenge ("verify").
func BenchmarkServerStep(b *testing.B) {
	salt, verifier, _ := NewVerifier(rand.Reader, "AbC123xyz", "alice", "Passw0rd!")
	c, _ := NewClient(rand.Reader)
	A, _ := ParseA(c.SRPA())
	block := []byte("secret block")

	b.Run("B", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewServerStep(rand.Reader, verifier); err != nil {
				b.Fatal(err)
			}
		}
	})
	step, _ := NewServerStep(rand.Reader, verifier)
	key, _ := c.SessionKey("AbC123xyz", "alice", "Passw0rd!", salt, step.B)
	sig := base64.StdEncoding.EncodeToString(Signature(key, "AbC123xyz", "alice", block, benchTimestamp))
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			key, err := ServerSessionKey(A, step.B, step.Secret, verifier)
			if err != nil || !VerifySignature(key, "AbC123xyz", "alice", block, benchTimestamp, sig) {
				b.Fatal("rejected", err)
			}
		}
	})
}

// BenchmarkCheckPassword is the password check of USER_PASSWORD_AUTH against the SRP verifier:
// one g^x mod N.
func BenchmarkCheckPassword(b *testing.B) {
	salt, verifier, _ := NewVerifier(rand.Reader, "AbC123xyz", "alice", "Passw0rd!")
	for b.Loop() {
		if !CheckPassword(salt, verifier, "AbC123xyz", "alice", "Passw0rd!") {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkClient is the client's side (a, A and the claim), which a load generator pays.
func BenchmarkClient(b *testing.B) {
	salt, verifier, _ := NewVerifier(rand.Reader, "AbC123xyz", "alice", "Passw0rd!")
	step, _ := NewServerStep(rand.Reader, verifier)
	ch := Challenge{Salt: hex.EncodeToString(salt), B: HexInt(step.B), SecretBlock: "c2VjcmV0"}
	for b.Loop() {
		c, err := NewClient(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.PasswordClaim("AbC123xyz", "alice", "Passw0rd!", ch, benchTimestamp); err != nil {
			b.Fatal(err)
		}
	}
}
