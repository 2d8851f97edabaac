package passkeys

import (
	"testing"

	"github.com/cognatehq/cognate/pkg/userpool/model"
)

func TestOriginAllowed(t *testing.T) {
	for _, tc := range []struct {
		rp, origin string
		want       bool
	}{
		{"auth.example.com", "https://auth.example.com", true},
		{"auth.example.com", "https://auth.example.com:443", true},
		{"auth.example.com", "https://AUTH.example.com", true},
		{"example.com", "https://app.example.com", true},
		{"auth.example.com", "http://auth.example.com", false},
		{"auth.example.com", "https://auth.example.com.evil.net", false},
		{"auth.example.com", "https://evilauth.example.com", false},
		{"auth.example.com", "https://example.com", false},
		{"auth.example.com", "https://auth.example.com/path", false},
		{"auth.example.com", "android:apk-key-hash:abc", false},
		{"auth.example.com", "", false},
		{"localhost", "http://localhost:5173", true},
		{"localhost", "https://localhost", true},
		{"localhost", "http://127.0.0.1:5173", false},
		{"auth.example.com", "http://localhost:5173", false},
	} {
		if got := OriginAllowed(tc.rp, tc.origin); got != tc.want {
			t.Errorf("OriginAllowed(%q, %q) = %v, want %v", tc.rp, tc.origin, got, tc.want)
		}
	}
}

func TestRelyingPartyID(t *testing.T) {
	pool := func(rp, custom, domain string) *model.Pool {
		p := &model.Pool{}
		p.Id, p.CustomDomain, p.Domain = "eu-west-1_abc", custom, domain
		if rp != "" {
			p.MFASettings = &model.PoolMFA{WebAuthn: &model.WebAuthnConfigurationType{RelyingPartyId: rp}}
		}
		return p
	}
	for _, tc := range []struct {
		p    *model.Pool
		want string
	}{
		{pool("login.example.com", "auth.example.com", "myapp"), "login.example.com"},
		{pool("", "auth.example.com", "myapp"), "auth.example.com"},
		{pool("", "", "myapp"), "myapp.auth.eu-west-1.amazoncognito.com"},
		{pool("", "", ""), ""},
	} {
		if got := RelyingPartyID(tc.p); got != tc.want {
			t.Errorf("RelyingPartyID = %q, want %q", got, tc.want)
		}
	}
}

func TestCounterMovesForward(t *testing.T) {
	for _, tc := range []struct {
		stored, got uint32
		want        bool
	}{{0, 0, true}, {0, 1, true}, {5, 6, true}, {5, 5, false}, {5, 4, false}, {5, 0, false}} {
		if forward(tc.stored, tc.got) != tc.want {
			t.Errorf("forward(%d, %d) != %v", tc.stored, tc.got, tc.want)
		}
	}
}
