package store

import (
	"fmt"
	"testing"
)

// TestKeysMatchLegacy checks the builders against the functions that wrote keys before them
// (repo.go, groups.go, userindex.go, and the literals of pkg/userpool and pkg/signer), over
// awkward arguments. It goes when the callers move to the builders; TestKeysPinned stays.
func TestKeysMatchLegacy(t *testing.T) {
	for _, pool := range []string{"p", "eu-west-1_AbC123xyz", ""} {
		for _, v := range []string{"alice", "a#b", "é\x00x", "", "U", "X#"} {
			pairs := []struct {
				name   string
				got    Key
				pk, sk string
			}{
				{"pool", PoolKey(pool), poolPK(pool), "P"},
				{"pools", PoolIndexKey(pool), "POOLS", pool},
				{"client", ClientKey(v), clientPK(v), "C"},
				{"client index", ClientIndexKey(pool, v), poolIndexClientPK(pool), v},
				{"user", UserKey(pool, v), "U#" + pool + "#" + v, "U"},
				{"sub", SubKey(pool, v), subPK(pool, v), "S"},
				{"alias", AliasKey(pool, "email", v), aliasPK(pool, "email", v), "A"},
				{"user index", UserIndexKey(pool, v), poolIndexUsersPK(pool), v},
				{"search", SearchKey(pool, "email", v, "k"), indexPut(pool, "k", IndexEntry{Attr: "email", Value: v}).Item.PK, indexPut(pool, "k", IndexEntry{Attr: "email", Value: v}).Item.SK},
				{"group", GroupKey(pool, v), groupsPK(pool), v},
				{"member", MemberKey(pool, v, "k"), membersPK(pool, v), "k"},
				{"code", ChildKey(pool, v, ChildCode, "signup"), "U#" + pool + "#" + v, "CODE#" + "signup"},
				{"device", ChildKey(pool, v, ChildDevice, v), "U#" + pool + "#" + v, "DEV#" + v},
				{"rate", ChildKey(pool, v, ChildRate, "op"), "U#" + pool + "#" + v, "RATE#" + "op"},
				{"session", RecordKey(RecordSession, v), recordPK("session", v), "X"},
				{"used", RecordKey(RecordUsedSession, v), recordPK("used-session", v), "X"},
				{"rt", RecordKey(RecordRefreshToken, v), recordPK("rt", v), "X"},
				{"secret", RecordKey(RecordSecret, v), recordPK("secret", v), "X"},
				{"signing", SigningKeyKey(pool, "id", 7), "KEYS#" + pool, fmt.Sprintf("%s#%08d", "id", 7)},
			}
			for _, p := range pairs {
				if p.got.PK() != p.pk || p.got.SK() != p.sk {
					t.Errorf("%s(%q, %q): %q / %q, legacy %q / %q", p.name, pool, v, p.got.PK(), p.got.SK(), p.pk, p.sk)
				}
			}
			if pk, sk := UserChildKey(pool, v, "CODE#x"); pk != ChildKey(pool, v, ChildCode, "x").PK() || sk != "CODE#x" {
				t.Errorf("UserChildKey(%q, %q): %q", pool, v, pk)
			}
			if pk, sk := RecordItemKey("rt", v); pk != RecordKey(RecordRefreshToken, v).PK() || sk != RecordKey(RecordRefreshToken, v).SK() {
				t.Errorf("RecordItemKey(%q): %q / %q", v, pk, sk)
			}
		}
	}
}
