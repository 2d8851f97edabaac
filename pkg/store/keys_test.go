package store

import (
	"strings"
	"testing"
)

// TestKeysPinned freezes the bytes of every key builder: they are the stored format of the
// embedded files and DynamoDB tables already written, so a change here orphans their items.
// Never edit a want to make a change pass.
func TestKeysPinned(t *testing.T) {
	const pool, sub = "eu-west-1_AbC123xyz", "0b6c2a1e-7f3d-4c55-9a1b-2f8e4d6c7a90"
	const hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, tc := range []struct {
		name string
		got  Key
		pk   string
		sk   string
	}{
		{"pool", PoolKey(pool), "P#eu-west-1_AbC123xyz", "P"},
		{"pool index", PoolIndexKey(pool), "POOLS", "eu-west-1_AbC123xyz"},
		{"client", ClientKey("3n4b5urk1ft4fl3mg5e62d9ado"), "C#3n4b5urk1ft4fl3mg5e62d9ado", "C"},
		{"client index", ClientIndexKey(pool, "3n4b5urk1ft4fl3mg5e62d9ado"), "P#eu-west-1_AbC123xyz#C", "3n4b5urk1ft4fl3mg5e62d9ado"},
		{"user", UserKey(pool, "alice"), "U#eu-west-1_AbC123xyz#alice", "U"},
		{"user with # in its name", UserKey(pool, "a#b#é"), "U#eu-west-1_AbC123xyz#a#b#é", "U"},
		{"sub", SubKey(pool, sub), "S#eu-west-1_AbC123xyz#" + sub, "S"},
		{"alias", AliasKey(pool, "email", "a#b@example.com"), "A#eu-west-1_AbC123xyz#email#a#b@example.com", "A"},
		{"alias phone", AliasKey(pool, "phone_number", "+447700900123"), "A#eu-west-1_AbC123xyz#phone_number#+447700900123", "A"},
		{"user index", UserIndexKey(pool, "alice"), "P#eu-west-1_AbC123xyz#U", "alice"},
		{"search index", SearchKey(pool, "email", "alice@example.com", "alice"), "I#eu-west-1_AbC123xyz#email", "alice@example.com\x00alice"},
		{"group", GroupKey(pool, "admins"), "P#eu-west-1_AbC123xyz#G", "admins"},
		{"group member", MemberKey(pool, "admins", "alice"), "G#eu-west-1_AbC123xyz#admins", "alice"},
		{"domain", DomainKey("auth-example"), "D#auth-example", "D"},
		{"custom domain", DomainKey("auth.example.com"), "D#auth.example.com", "D"},
		{"resource server", ResourceServerKey(pool, "https://api.example.com"), "P#eu-west-1_AbC123xyz#R", "https://api.example.com"},
		{"ui customization", UICustomizationKey(pool, "ALL"), "P#eu-west-1_AbC123xyz#UI", "ALL"},
		{"branding", BrandingKey(pool, "6f1c1a52-3b7e-4a8f-9d0e-2c4b5a6d7e8f"), "P#eu-west-1_AbC123xyz#MLB", "6f1c1a52-3b7e-4a8f-9d0e-2c4b5a6d7e8f"},
		{"branding claim", BrandingClientKey(pool, "abc"), "P#eu-west-1_AbC123xyz#MLBC", "abc"},
		{"branding asset chunk", BrandingAssetKey(pool, "b-1", hash, 2), "MLB#eu-west-1_AbC123xyz#b-1", hash + "#002"},
		{"branding asset chunks", BrandingAssetPrefix(pool, "b-1", hash), "MLB#eu-west-1_AbC123xyz#b-1", hash + "#"},
		{"code", ChildKey(pool, "alice", ChildCode, "signup"), "U#eu-west-1_AbC123xyz#alice", "CODE#signup"},
		{"verify code", ChildKey(pool, "alice", ChildCode, "verify:email"), "U#eu-west-1_AbC123xyz#alice", "CODE#verify:email"},
		{"device", ChildKey(pool, "alice", ChildDevice, "eu-west-1_"+sub), "U#eu-west-1_AbC123xyz#alice", "DEV#eu-west-1_" + sub},
		{"devices", ChildKey(pool, "alice", ChildDevice, ""), "U#eu-west-1_AbC123xyz#alice", "DEV#"},
		{"hourly counter", ChildKey(pool, "alice", ChildRate, "ForgotPassword"), "U#eu-west-1_AbC123xyz#alice", "RATE#ForgotPassword"},
		{"session", RecordKey(RecordSession, hash), "X#session#" + hash, "X"},
		{"used session", RecordKey(RecordUsedSession, hash), "X#used-session#" + hash, "X"},
		{"used secret block", RecordKey(RecordUsedSession, "sb-"+hash), "X#used-session#sb-" + hash, "X"},
		{"refresh token", RecordKey(RecordRefreshToken, hash), "X#rt#" + hash, "X"},
		{"secret", RecordKey(RecordSecret, "mac"), "X#secret#mac", "X"},
		{"signing key", SigningKeyKey(pool, "id", 1), "KEYS#eu-west-1_AbC123xyz", "id#00000001"},
		{"signing key, later generation", SigningKeyKey(pool, "access", 123456789), "KEYS#eu-west-1_AbC123xyz", "access#123456789"},
		{"signing keys", SigningKeysKey(pool), "KEYS#eu-west-1_AbC123xyz", ""},
	} {
		if tc.got.PK() != tc.pk || tc.got.SK() != tc.sk {
			t.Errorf("%s: got %q / %q, want %q / %q", tc.name, tc.got.PK(), tc.got.SK(), tc.pk, tc.sk)
		}
	}
}

func TestKindNames(t *testing.T) {
	for k, want := range map[RecordKind]string{RecordSession: "session", RecordUsedSession: "used-session", RecordRefreshToken: "rt", RecordSecret: "secret", RecordAuthCode: "code", RecordHostedSession: "hosted"} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", k, k, want)
		}
	}
	for k, want := range map[ChildKind]string{ChildCode: "CODE", ChildDevice: "DEV", ChildRate: "RATE"} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", k, k, want)
		}
	}
	if len(recordKinds) != 6 || len(childKinds) != 3 {
		t.Errorf("a kind was added: pin its name above")
	}
	for _, f := range []func(){func() { RecordKey(0, "x") }, func() { ChildKey("p", "u", 9, "x") }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("an unknown kind built a key")
				}
			}()
			f()
		}()
	}
}

// TestLayoutOf: every layout documents its own keys, and a key outside the map is caught.
func TestLayoutOf(t *testing.T) {
	const pool, hash = "us-east-1_Pool1", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	for _, tc := range []struct {
		k    Key
		item string // a word of the layout it must fit
	}{
		{PoolKey(pool), "pool ("},
		{PoolIndexKey(pool), "ListUserPools"},
		{ClientKey("abc"), "app client"},
		{ClientIndexKey(pool, "abc"), "client index"},
		{UserKey(pool, "a#b"), "user;"},
		{SubKey(pool, "s-1"), "sub uniqueness"},
		{AliasKey(pool, "email", "a#b@x"), "alias uniqueness"},
		{UserIndexKey(pool, "U"), "user index"},
		{SearchKey(pool, "email", "v", "u"), "search index"},
		{GroupKey(pool, "g#1"), "group"},
		{MemberKey(pool, "g#1", "u"), "group membership"},
		{UICustomizationKey(pool, "ALL"), "hosted-UI customization"},
		{BrandingKey(pool, "0a-1b"), "branding style"},
		{BrandingClientKey(pool, "abc"), "one branding style"},
		{BrandingAssetKey(pool, "0a-1b", hash, 0), "chunk"},
		{ChildKey(pool, "u", ChildCode, "signup"), "one-time code"},
		{ChildKey(pool, "u", ChildDevice, "d"), "device"},
		{ChildKey(pool, "u", ChildRate, "op"), "hourly counter"},
		{RecordKey(RecordSession, hash), "challenge Session"},
		{RecordKey(RecordUsedSession, "sb-"+hash), "spent sealed Session"},
		{RecordKey(RecordRefreshToken, hash), "refresh token"},
		{RecordKey(RecordSecret, "mac"), "server secrets"},
		{SigningKeyKey(pool, "id", 3), "signing key"},
	} {
		l, ok := LayoutOf(tc.k.PK(), tc.k.SK())
		if !ok || !strings.Contains(l.Item, tc.item) {
			t.Errorf("%q / %q: layout %q %v, want one about %q", tc.k.PK(), tc.k.SK(), l.Item, ok, tc.item)
		}
	}
	for _, k := range [][2]string{
		{"P#" + pool, "Q"},
		{"P#" + pool + "#Z", "x"},
		{"X#session#short", "X"},
		{"X#nonsense#" + hash, "X"},
		{"U#" + pool + "#u", "SECRET#x"},
		{"KEYS#" + pool, "id#1"},
		{"POOLS", ""},
	} {
		if l, ok := LayoutOf(k[0], k[1]); ok {
			t.Errorf("%q / %q fits %q", k[0], k[1], l.Item)
		}
	}
}
