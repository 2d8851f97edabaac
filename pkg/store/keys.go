package store

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Every item key of the table is built here, and nowhere else: a Key's fields are unexported,
// so outside this package a key can only come from a builder below. The bytes of a key are
// the stored format of both backends (existing embedded files and DynamoDB tables are read with
// them), so a builder's output never changes: keys_test.go pins each one, and the key map in
// docs/architecture.md is generated from Layouts (and tested to be up to date).
//
// Fields are joined with '#'. Pool ids, client ids and subs never contain one (the service
// draws them); names a user chooses (usernames, group names, alias values) come last in a
// partition key or stand alone as a sort key, so a '#' in them cannot shift a field.

// Key is the primary key of one item.
type Key struct{ pk, sk string }

// PK is the key's partition key.
func (k Key) PK() string { return k.pk }

// SK is the key's sort key.
func (k Key) SK() string { return k.sk }

// RecordKind is the kind of a stand-alone record, X#<kind>#<id>. Kinds are numbered, not
// strings, so that a bare string cannot pass for one; String is the name stored in the key.
type RecordKind uint8

const (
	RecordSession       RecordKind = iota + 1 // a stored challenge Session
	RecordUsedSession                         // the marker of a spent sealed Session or SECRET_BLOCK
	RecordRefreshToken                        // a refresh token's lineage record
	RecordSecret                              // a sealed server secret
	RecordAuthCode                            // an OAuth authorization code
	RecordHostedSession                       // a hosted-UI sign-in session (its cookie)
)

// ChildKind is the kind of a per-user child item: it lives in the user's partition under SK
// <KIND>#<name>, so DeleteUser finds it.
type ChildKind uint8

const (
	ChildCode   ChildKind = iota + 1 // a one-time code, named by its purpose
	ChildDevice                      // a remembered (or forgotten) device, named by its key
	ChildRate                        // an hourly counter, named by the operation it counts
)

type kindInfo struct {
	name string // as stored in keys: never change it
	id   string // the placeholder of the name or id in the key map
	item string // what the item is, for the key map
}

var recordKinds = map[RecordKind]kindInfo{
	RecordSession:       {"session", "<sha256>", "challenge Session; the hash of its token (expires)"},
	RecordUsedSession:   {"used-session", "<id>", "a spent sealed Session (`<sha256>` of the token) or SECRET_BLOCK (`sb-<sha256>`); expires with it"},
	RecordRefreshToken:  {"rt", "<sha256>", "refresh token record; the hash of the token (expires)"},
	RecordSecret:        {"secret", "<name>", "server secrets, sealed"},
	RecordAuthCode:      {"code", "<sha256>", "OAuth authorization code: the hash of the code; its grant, then the lineage it issued (expires)"},
	RecordHostedSession: {"hosted", "<sha256>", "hosted-UI session: the hash of its cookie; the pool and user signed in (expires)"},
}

var childKinds = map[ChildKind]kindInfo{
	ChildCode:   {"CODE", "<purpose>", "the user's one-time code for a purpose (expires)"},
	ChildDevice: {"DEV", "<device>", "the user's device, or a forgotten device's tombstone"},
	ChildRate:   {"RATE", "<op>", "the user's hourly counter of an operation (expires)"},
}

func (k RecordKind) String() string {
	if i, ok := recordKinds[k]; ok {
		return i.name
	}
	return "RecordKind(" + strconv.Itoa(int(k)) + ")"
}

func (k ChildKind) String() string {
	if i, ok := childKinds[k]; ok {
		return i.name
	}
	return "ChildKind(" + strconv.Itoa(int(k)) + ")"
}

// mustName is the stored name of a kind; an unknown kind is a programming error, and writing
// it would put an item where no reader looks.
func mustName[K RecordKind | ChildKind](m map[K]kindInfo, k K) string {
	i, ok := m[k]
	if !ok {
		panic(fmt.Sprintf("store: unknown kind %d", k))
	}
	return i.name
}

const poolsIndexPK = "POOLS"

// PoolKey is a pool's record.
func PoolKey(pool string) Key { return Key{"P#" + pool, "P"} }

// PoolIndexKey is a pool's entry in the pool index (ListUserPools).
func PoolIndexKey(pool string) Key { return Key{poolsIndexPK, pool} }

// ClientKey is an app client's record, keyed by its id alone: public operations carry only that.
func ClientKey(client string) Key { return Key{"C#" + client, "C"} }

// ClientIndexKey is a client's entry in its pool's client index (ListUserPoolClients).
func ClientIndexKey(pool, client string) Key { return Key{"P#" + pool + "#C", client} }

// UserKey is a user's record; userKey is the canonical lookup key of the username.
func UserKey(pool, userKey string) Key { return Key{userPK(pool, userKey), "U"} }

// SubKey is the uniqueness claim of a sub; its Data is the user key.
func SubKey(pool, sub string) Key { return Key{"S#" + pool + "#" + sub, "S"} }

// AliasKey is the uniqueness claim of a normalised alias (email, phone_number,
// preferred_username); its Data is the user key.
func AliasKey(pool, kind, value string) Key { return Key{"A#" + pool + "#" + kind + "#" + value, "A"} }

// UserIndexKey is a user's entry in its pool's user index (ListUsers without a filter).
func UserIndexKey(pool, userKey string) Key { return Key{"P#" + pool + "#U", userKey} }

// SearchKey is a user's entry in the search index of one attribute (userindex.go).
func SearchKey(pool, attr, value, userKey string) Key {
	return Key{"I#" + pool + "#" + attr, value + indexSep + userKey}
}

// GroupKey is a group's record.
func GroupKey(pool, group string) Key { return Key{"P#" + pool + "#G", group} }

// MemberKey is a user's membership of a group, in the group's partition (ListUsersInGroup).
func MemberKey(pool, group, userKey string) Key { return Key{"G#" + pool + "#" + group, userKey} }

// DomainKey is the claim of a user-pool domain (a prefix, or a custom domain's name), unique
// across the deployment: DescribeUserPoolDomain finds a domain's pool with one read of it. Its
// Data is the domain's record (the service's).
func DomainKey(domain string) Key { return Key{"D#" + domain, "D"} }

// ResourceServerKey is a resource server of a pool, in the pool's resource-server partition
// (ListResourceServers); the identifier a caller chooses stands alone as the sort key.
func ResourceServerKey(pool, identifier string) Key { return Key{"P#" + pool + "#R", identifier} }

// UICustomizationKey is a pool's classic hosted-UI customization for one app client, or for
// every client without its own (client "ALL"); the logo is inside it (at most 100 KB).
func UICustomizationKey(pool, client string) Key { return Key{"P#" + pool + "#UI", client} }

// BrandingKey is a managed-login branding style: its settings and its assets' descriptions.
func BrandingKey(pool, branding string) Key { return Key{"P#" + pool + "#MLB", branding} }

// BrandingClientKey is an app client's claim on its one branding style; its Data is the style's id.
func BrandingClientKey(pool, client string) Key { return Key{"P#" + pool + "#MLBC", client} }

// BrandingAssetKey is one chunk of a branding asset's bytes, named by the bytes' SHA-256: an asset
// of up to 1,000,000 bytes does not fit one item (400 KB), so it is cut into chunks.
func BrandingAssetKey(pool, branding, digest string, chunk int) Key {
	return Key{brandingAssetPK(pool, branding), fmt.Sprintf("%s#%03d", digest, chunk)}
}

// BrandingAssetPrefix names every chunk of one asset (Repo.Query), or with digest "" every chunk
// of every asset of the style.
func BrandingAssetPrefix(pool, branding, digest string) Key {
	if digest == "" {
		return Key{brandingAssetPK(pool, branding), ""}
	}
	return Key{brandingAssetPK(pool, branding), digest + "#"}
}

// ChildKey is one of a user's child items. With name "" its SK is the prefix of every child of
// the kind (Repo.Query).
func ChildKey(pool, userKey string, kind ChildKind, name string) Key {
	return Key{userPK(pool, userKey), mustName(childKinds, kind) + "#" + name}
}

// RecordKey is a stand-alone record.
func RecordKey(kind RecordKind, id string) Key {
	return Key{"X#" + mustName(recordKinds, kind) + "#" + id, "X"}
}

// SigningKeyKey is one generation of a pool's signing key for a use ("id", "access"), written
// by pkg/signer.
func SigningKeyKey(pool, use string, generation int) Key {
	return Key{signingPK(pool), signingSK(use, fmt.Sprintf("%08d", generation))}
}

// SigningKeysKey names the partition of a pool's signing keys (its SK is "": Repo.Query reads
// them all).
func SigningKeysKey(pool string) Key { return Key{signingPK(pool), ""} }

func userPK(pool, userKey string) string { return "U#" + pool + "#" + userKey }
func brandingAssetPK(pool, branding string) string {
	return "MLB#" + pool + "#" + branding
}
func signingPK(pool string) string { return "KEYS#" + pool }
func signingSK(use, generation string) string {
	return use + "#" + generation
}

// Layout is one line of the key map: a key built over placeholder arguments ("<pool>") and
// what the item is.
type Layout struct {
	Key  Key
	Item string
}

// Layouts is the key map, in the order docs/architecture.md shows it: every kind of item the
// table holds.
func Layouts() []Layout {
	const pool, user = "<pool>", "<userkey>"
	out := []Layout{
		{PoolKey(pool), "pool (its settings as Cognito's `UserPoolType`)"},
		{PoolIndexKey(pool), "pool index for ListUserPools"},
		{ClientKey("<client>"), "app client (public operations carry only the client id); secret sealed"},
		{ClientIndexKey(pool, "<client>"), "client index"},
		{UserKey(pool, user), "user; per-user children (below) share the partition"},
		{SubKey(pool, "<sub>"), "sub uniqueness -> user key"},
		{AliasKey(pool, "<kind>", "<value>"), "alias uniqueness (email / phone / preferred_username) -> user key"},
		{UserIndexKey(pool, user), "user index for ListUsers without a filter"},
		{SearchKey(pool, "<attr>", "<value>", user), "search index: one item per searchable attribute value (ListUsers filters)"},
		{GroupKey(pool, "<group>"), "group"},
		{MemberKey(pool, "<group>", user), "group membership (ListUsersInGroup)"},
		{DomainKey("<domain>"), "user-pool domain (prefix or custom) -> its pool and description; unique across the deployment"},
		{ResourceServerKey(pool, "<identifier>"), "resource server (ListResourceServers)"},
		{UICustomizationKey(pool, "<client>"), "classic hosted-UI customization of a client or of `ALL` (CSS and logo)"},
		{BrandingKey(pool, "<branding>"), "managed-login branding style (settings, assets' descriptions)"},
		{BrandingClientKey(pool, "<client>"), "a client's one branding style -> style id"},
		{Key{brandingAssetPK(pool, "<branding>"), "<sha256>#<chunk>"}, "one chunk (<= 256 KiB) of a branding asset's bytes, by the bytes' SHA-256"},
	}
	for k := ChildKind(1); ; k++ {
		i, ok := childKinds[k]
		if !ok {
			break
		}
		out = append(out, Layout{ChildKey(pool, user, k, i.id), i.item})
	}
	for k := RecordKind(1); ; k++ {
		i, ok := recordKinds[k]
		if !ok {
			break
		}
		out = append(out, Layout{RecordKey(k, i.id), i.item})
	}
	return append(out, Layout{Key{signingPK(pool), signingSK("<use>", "<generation>")}, "signing key of a use (`id`, `access`) and generation (8 digits), private half sealed"})
}

// placeholders says what may stand where a layout has a placeholder; anything else is ".+".
var placeholders = map[string]string{
	"<pool>":       `[^#]+`,
	"<client>":     `[^#]+`,
	"<sub>":        `[^#]+`,
	"<sha256>":     `[0-9a-f]{64}`,
	"<branding>":   `[0-9a-f-]+`,
	"<chunk>":      `[0-9]{3}`,
	"<use>":        `[a-z]+`,
	"<generation>": `[0-9]{8,}`,
}

var placeholder = regexp.MustCompile(`<[a-z0-9]+>`)

func layoutPattern(s string) string {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range placeholder.FindAllStringIndex(s, -1) {
		b.WriteString(regexp.QuoteMeta(s[last:m[0]]))
		if p, ok := placeholders[s[m[0]:m[1]]]; ok {
			b.WriteString(p)
		} else {
			b.WriteString(`(?s:.+)`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(s[last:]))
	b.WriteString("$")
	return b.String()
}

// LayoutOf returns the layout a stored key fits, or false when it fits none: a key the key map
// does not document.
func LayoutOf(pk, sk string) (Layout, bool) {
	for _, l := range layoutMatchers() {
		if l.pk.MatchString(pk) && l.sk.MatchString(sk) {
			return l.Layout, true
		}
	}
	return Layout{}, false
}

type layoutMatcher struct {
	Layout
	pk, sk *regexp.Regexp
}

var layoutMatchers = sync.OnceValue(func() []layoutMatcher {
	var out []layoutMatcher
	for _, l := range Layouts() {
		out = append(out, layoutMatcher{l, regexp.MustCompile(layoutPattern(l.Key.pk)), regexp.MustCompile(layoutPattern(l.Key.sk))})
	}
	return out
})
