package webhook

import (
	"fmt"
	"testing"
)

// The Invoker's cached signers sign exactly as Sign does, each pool with its own key, past the
// cache's bound too.
func TestSignersMatchSign(t *testing.T) {
	secret := []byte("0123456789abcdef-webhook-secret")
	iv, err := New(secret, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"userPoolId":"us-east-1_Pool"}`)
	for round := range 2 {
		for i := range maxSigners + 10 {
			pool := fmt.Sprintf("us-east-1_Pool%d", i)
			ts := int64(1_800_000_000 + i)
			if got, want := iv.signer(pool).sign(ts, body), Sign(secret, pool, ts, body); got != want {
				t.Fatalf("round %d, %s: %s, want %s", round, pool, got, want)
			}
		}
	}
	if n := len(iv.signers); n > maxSigners {
		t.Fatalf("%d signers cached, bound %d", n, maxSigners)
	}
	if Sign(secret, "us-east-1_A", 1, body) == Sign(secret, "us-east-1_B", 1, body) {
		t.Fatal("two pools sign alike")
	}
}

func BenchmarkSign(b *testing.B) {
	secret := []byte("0123456789abcdef-webhook-secret")
	body := make([]byte, 1500) // about a PreTokenGeneration event
	b.Run("derived per call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Sign(secret, "us-east-1_Pool", 1_800_000_000, body)
		}
	})
	b.Run("cached signer", func(b *testing.B) {
		iv, err := New(secret, nil, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = iv.signer("us-east-1_Pool").sign(1_800_000_000, body)
		}
	})
}
