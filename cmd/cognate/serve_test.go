package main

import (
	"context"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/clock"
)

// A malformed --admin-keys entry may be all secret (a forgotten colon): the error that ends up
// on the terminal or in a CI log names its position, never its text.
func TestAdminKeysErrorHidesSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"
	for _, keys := range []string{secret, "AKID1:s1," + secret, "AKID1/" + secret, ":" + secret, secret + ":"} {
		_, err := openLocal(context.Background(), &serveConfig{addr: "127.0.0.1:0", memory: true, adminKeys: keys}, clock.System{}, nil)
		if err == nil {
			t.Fatalf("%q: accepted", keys)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: the error shows the secret: %v", keys, err)
		}
		if !strings.Contains(err.Error(), "--admin-keys") {
			t.Errorf("%q: err %v, want an --admin-keys problem", keys, err)
		}
	}
}
