package sessions

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Command-line clients pass sessions as option values: one starting with '-' would be read as
// an option (`aws cognito-idp respond-to-auth-challenge --session -x...`).
func TestSessionTokensNeverLookLikeOptions(t *testing.T) {
	s := &Sessions{Ports: &ports.Ports{Rand: rand.Reader}}
	for range 2000 {
		tok, err := s.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(tok, "-") || len(tok) < 40 {
			t.Fatalf("session token %q", tok)
		}
	}
}
