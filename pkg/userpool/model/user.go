package model

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"golang.org/x/text/unicode/norm"
)

// User statuses, as Cognito names them.
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
)

// UserRecord is the service's part of a stored user (store.User.Data).
type UserRecord struct {
	Username string            `json:"u"`
	Status   string            `json:"st"`
	Enabled  bool              `json:"en"`
	Attrs    map[string]string `json:"at"`
	Created  time.Time         `json:"c"`
	Modified time.Time         `json:"m"`
	Password *PasswordRecord   `json:"pw,omitempty"`
	// RevokedThrough (Unix ms) ends every lineage created at or before it: a global sign-out or a
	// disable. LastLineage is when the newest lineage was created, so that the mark always covers
	// it, and a new lineage is always created after the mark (tokens.go, lineageTime).
	RevokedThrough int64 `json:"rt,omitempty"`
	LastLineage    int64 `json:"ll,omitempty"`
	// Revoked are single lineages killed before their expiry by RevokeToken (origin_jti -> when to
	// forget them). A live lineage is its refresh-token record; the user record holds no list of
	// them, so it does not grow with sign-ins.
	Revoked map[string]int64 `json:"rv,omitempty"`
	// Groups the user belongs to; each has a membership index item written in the same transaction.
	Groups []string `json:"g,omitempty"`
	// Pending holds new email/phone values waiting for verification while the old ones stay
	// active (AttributesRequireVerificationBeforeUpdate).
	Pending map[string]string `json:"pd,omitempty"`
	// MFAOptions are the legacy SetUserSettings options.
	MFAOptions []MFAOptionType `json:"mo,omitempty"`
	// MFA are the user's MFA factors and software token (mfa.go).
	MFA *MFARecord `json:"mf,omitempty"`
	// WebAuthn are the user's passkeys (passkey.go).
	WebAuthn *PasskeysRecord `json:"wa,omitempty"`
	// Lock is the failed-password state (pkg/userpool/limits). It is stored beside the record, as the
	// item's attempt counters (store.Attempts), not in it.
	Lock *LockState `json:"-"`
}

// PasswordRecord is the SRP material: the salt and the sealed verifier g^x mod N, bound by the
// seal's context to the pool and the user's sub. No password or plain hash is ever stored.
type PasswordRecord struct {
	Salt      []byte    `json:"s"`
	Verifier  []byte    `json:"v"`
	SetAt     time.Time `json:"t"`
	Temporary bool      `json:"tmp,omitempty"`
	// Folded: the verifier was made over the username folded as the pool folds names
	// (userKey), not over the username as stored; see srpName.
	Folded bool `json:"f,omitempty"`
}

type User struct {
	*UserRecord
	Stored *store.User
}

func (u *User) Sub() string { return u.Stored.Sub }

func DecodeUser(su *store.User) (*User, error) {
	var r UserRecord
	if err := json.Unmarshal(su.Data, &r); err != nil {
		return nil, err
	}
	if r.Attrs == nil {
		r.Attrs = map[string]string{}
	}
	r.Lock = LockFromAttempts(su.Attempts)
	return &User{UserRecord: &r, Stored: su}, nil
}

// Encode writes the record back into its stored item (Data and the attempt counters).
func (u *User) Encode() {
	data, err := json.Marshal(u.UserRecord)
	if err != nil { // maps of strings, times and byte slices: nothing here can fail to encode
		panic(err)
	}
	u.Stored.Data = data
	u.Stored.Attempts = u.Lock.Attempts()
}

// UserKey is the canonical lookup key of a username: NFKC always, lower-cased when the pool is
// case-insensitive, so `Alice`, `alice` and `ＡＬＩＣＥ` collide exactly as configured.
func UserKey(p *Pool, username string) string {
	k := norm.NFKC.String(username)
	if !p.CaseSensitive() {
		k = strings.ToLower(k)
	}
	return k
}

var (
	EmailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	PhoneRe = regexp.MustCompile(`^\+[0-9]{4,15}$`)
)

func NormalizeEmail(v string) string { return strings.ToLower(norm.NFKC.String(strings.TrimSpace(v))) }

// AliasValue normalises an alias for its uniqueness item.
func AliasValue(kind, v string) string {
	switch kind {
	case "email":
		return NormalizeEmail(v)
	case "preferred_username":
		return strings.ToLower(norm.NFKC.String(v))
	}
	return v
}

// AliasesOf lists the uniqueness claims a user holds: in email/phone-as-username pools the
// attribute itself (verified or not); in alias pools only verified email/phone and
// preferred_username (once confirmed).
func AliasesOf(p *Pool, u *UserRecord) []store.Alias {
	var out []store.Alias
	for _, kind := range []string{"email", "phone_number"} {
		v := u.Attrs[kind]
		if v == "" {
			continue
		}
		if p.UsernameAttr(kind) || (p.AliasAttr(kind) && u.Attrs[kind+"_verified"] == "true") {
			out = append(out, store.Alias{Kind: kind, Value: AliasValue(kind, v)})
		}
	}
	if v := u.Attrs["preferred_username"]; v != "" && p.AliasAttr("preferred_username") && u.Status != StatusUnconfirmed {
		out = append(out, store.Alias{Kind: "preferred_username", Value: AliasValue("preferred_username", v)})
	}
	return out
}

// UsernameAlias tells whether what a caller typed is an email or phone number that names the
// user in a pool signing in with it, and its normalised alias.
func UsernameAlias(p *Pool, typed string) (kind, value string, ok bool) {
	switch {
	case p.UsernameAttr("email") && strings.Contains(typed, "@"):
		return "email", AliasValue("email", typed), true
	case p.UsernameAttr("phone_number") && strings.HasPrefix(typed, "+"):
		return "phone_number", typed, true
	}
	return "", "", false
}

// AttributeList renders a user's attributes for the wire: sub first, then by name, filtered by
// the client's ReadAttributes when a client is given.
func AttributeList(u *User, readable func(string) bool) []AttributeType {
	out := []AttributeType{}
	if readable == nil || readable("sub") {
		out = append(out, AttributeType{Name: "sub", Value: Ptr(u.Sub())})
	}
	names := make([]string, 0, len(u.Attrs))
	for n := range u.Attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if readable != nil && !readable(n) {
			continue
		}
		out = append(out, AttributeType{Name: n, Value: Ptr(u.Attrs[n])})
	}
	return out
}

// ClientReadable is the client's ReadAttributes rule (all attributes when unset); developer-only
// attributes are never readable by a client.
func ClientReadable(c *Client) func(string) bool {
	if c == nil || len(c.ReadAttributes) == 0 {
		return func(n string) bool { return !DeveloperOnly(n) }
	}
	return func(n string) bool { return n == "sub" || slices.Contains(c.ReadAttributes, n) }
}

// ClientWritable is the client's WriteAttributes rule (all mutable attributes when unset);
// developer-only attributes are never writable by a client.
func ClientWritable(c *Client) func(string) bool {
	if c == nil || len(c.WriteAttributes) == 0 {
		return func(n string) bool { return !DeveloperOnly(n) }
	}
	return func(n string) bool { return slices.Contains(c.WriteAttributes, n) }
}

// CheckAttributes validates user-supplied attributes against the pool schema. admin allows
// *_verified; writable (nil = all) is the client's WriteAttributes.
func CheckAttributes(p *Pool, attrs []AttributeType, admin bool, writable func(string) bool) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range attrs {
		if a.Value == nil {
			continue
		}
		name, v := a.Name, *a.Value
		def, ok := p.Schema[name]
		if !ok {
			return nil, msg.NotInSchema(name)
		}
		if name == "sub" {
			return nil, msg.ImmutableAttribute("sub")
		}
		if strings.HasSuffix(name, "_verified") && !admin {
			continue // Cognito ignores *_verified from non-admin callers
		}
		if writable != nil && !writable(name) {
			return nil, msg.UnauthorizedAttribute()
		}
		v, err := CheckValue(def, v)
		if err != nil {
			return nil, err
		}
		switch name {
		case "email":
			if !EmailRe.MatchString(v) {
				return nil, msg.InvalidEmail()
			}
		case "phone_number":
			if !PhoneRe.MatchString(v) {
				return nil, cognito.InvalidParameter("Invalid phone number format.")
			}
		}
		out[name] = v
	}
	return out, nil
}

// CheckValue checks a value against its schema attribute and returns the value to store.
// Booleans are taken in any case, as Cognito takes them ("True" verifies an email), and stored
// as "true" or "false": every reader of a flag (recovery, aliases, token claims, and clients
// such as Amplify's verifiedContact) compares with the lower-case spelling.
func CheckValue(def SchemaAttributeType, v string) (string, error) {
	name := *def.Name
	switch *def.AttributeDataType {
	case "Number":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: Number must be a number.\n", name)
		}
		if c := def.NumberAttributeConstraints; c != nil {
			if c.MinValue != nil && *c.MinValue != "" {
				if lo, err := strconv.ParseFloat(*c.MinValue, 64); err == nil && n < lo {
					return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: Number must be greater than or equal to %s\n", name, *c.MinValue)
				}
			}
			if c.MaxValue != nil && *c.MaxValue != "" {
				if hi, err := strconv.ParseFloat(*c.MaxValue, 64); err == nil && n > hi {
					return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: Number must be less than or equal to %s\n", name, *c.MaxValue)
				}
			}
		}
	case "Boolean":
		switch {
		case strings.EqualFold(v, "true"):
			return "true", nil
		case strings.EqualFold(v, "false"):
			return "false", nil
		}
		return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: Boolean must be true or false.\n", name)
	default:
		n := len([]rune(v))
		if c := def.StringAttributeConstraints; c != nil {
			if c.MinLength != nil && *c.MinLength != "" {
				if lo, err := strconv.Atoi(*c.MinLength); err == nil && n < lo {
					return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: String must be no fewer than %s characters\n", name, *c.MinLength)
				}
			}
			if c.MaxLength != nil && *c.MaxLength != "" {
				if hi, err := strconv.Atoi(*c.MaxLength); err == nil && n > hi {
					return "", cognito.InvalidParameter("Attributes did not conform to the schema: %s: String must be no longer than %s characters\n", name, *c.MaxLength)
				}
			}
		}
	}
	return v, nil
}

// MissingRequired names the required schema attributes a user lacks, Cognito-style.
func MissingRequired(p *Pool, attrs map[string]string) error {
	var missing []string
	for _, a := range p.SchemaAttributes {
		if a.Required != nil && *a.Required && *a.Name != "sub" && attrs[*a.Name] == "" {
			missing = append(missing, *a.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("Attributes did not conform to the schema: ")
	for _, m := range missing {
		b.WriteString(m + ": The attribute " + m + " is required\n")
	}
	return cognito.InvalidParameter("%s", b.String())
}

const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// CheckPasswordPolicy applies the pool's policy with Cognito's messages.
func CheckPasswordPolicy(p *Pool, pw string) error {
	pol := p.Policy()
	min := 8
	if pol.MinimumLength != nil {
		min = int(*pol.MinimumLength)
	}
	if len([]rune(pw)) < min {
		return cognito.InvalidPassword("Password did not conform with policy: Password not long enough")
	}
	var up, low, num, sym bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			up = true
		case r >= 'a' && r <= 'z':
			low = true
		case r >= '0' && r <= '9':
			num = true
		case strings.ContainsRune(symbols, r):
			sym = true
		}
	}
	switch {
	case pol.RequireUppercase && !up:
		return cognito.InvalidPassword("Password did not conform with policy: Password must have uppercase characters")
	case pol.RequireLowercase && !low:
		return cognito.InvalidPassword("Password did not conform with policy: Password must have lowercase characters")
	case pol.RequireNumbers && !num:
		return cognito.InvalidPassword("Password did not conform with policy: Password must have numeric characters")
	case pol.RequireSymbols && !sym:
		return cognito.InvalidPassword("Password did not conform with policy: Password must have symbol characters")
	}
	if strings.TrimFunc(pw, unicode.IsSpace) != pw {
		return cognito.InvalidPassword("Password did not conform with policy: Password must not have leading or trailing whitespace")
	}
	return nil
}

// SRPName is the name a user's verifier was made over: their USER_ID_FOR_SRP.
func SRPName(p *Pool, u *User) string {
	if u.Password != nil && u.Password.Folded {
		return UserKey(p, u.Username)
	}
	return u.Username
}

// Clone copies r deeply enough that changing the copy (its maps, slices and pointed-to
// structs) never changes r. TestUserRecordCloneSharesNothing fails when a field is added that
// this does not copy.
func (r *UserRecord) Clone() *UserRecord {
	c := *r
	c.Attrs = maps.Clone(r.Attrs)
	if r.Password != nil {
		pw := *r.Password
		pw.Salt, pw.Verifier = bytes.Clone(pw.Salt), bytes.Clone(pw.Verifier)
		c.Password = &pw
	}
	c.Revoked = maps.Clone(r.Revoked)
	c.Groups = slices.Clone(r.Groups)
	c.Pending = maps.Clone(r.Pending)
	c.MFAOptions = slices.Clone(r.MFAOptions)
	c.MFA = r.MFA.clone()
	c.WebAuthn = r.WebAuthn.clone()
	if r.Lock != nil {
		l := *r.Lock
		c.Lock = &l
	}
	return &c
}

// LockState is kept on the user's item as its attempt counters (store.Attempts): a reservation
// is one conditional request that also reads the user (limits.CountAttempt) or, past the free
// failures, one compare-and-swap (limits.ReserveAttempt).
type LockState struct {
	Failures int       // consecutive, reset by success or 15 quiet minutes
	Total    int       // consecutive, reset only by success or a new password
	Last     time.Time // last failure
	Until    time.Time // locked until
}

func LockFromAttempts(a store.Attempts) *LockState {
	if a == (store.Attempts{}) {
		return nil
	}
	l := &LockState{Failures: int(a.Failures), Total: int(a.Total), Last: time.UnixMilli(a.Last).UTC()}
	if a.Until != 0 {
		l.Until = time.UnixMilli(a.Until).UTC()
	}
	return l
}

func (l *LockState) Attempts() store.Attempts {
	if l == nil {
		return store.Attempts{}
	}
	a := store.Attempts{Failures: int64(l.Failures), Total: int64(l.Total), Last: l.Last.UnixMilli()}
	if !l.Until.IsZero() {
		a.Until = l.Until.UnixMilli()
	}
	return a
}

// LookupKey folds a typed name the way the directory looks it up, so that every spelling that would
// find the same real user gets the same simulated values.
func LookupKey(p *Pool, typed string) string {
	switch {
	case (p.UsernameAttr("email") || p.AliasAttr("email")) && strings.Contains(typed, "@"):
		return "email:" + AliasValue("email", typed)
	case (p.UsernameAttr("phone_number") || p.AliasAttr("phone_number")) && strings.HasPrefix(typed, "+"):
		return "phone_number:" + typed
	}
	return "username:" + UserKey(p, typed)
}

// UsernameFor works out the internal username of a new user and fills the username attribute
// in email/phone-as-username pools, where Cognito keeps a UUID (the sub) as the username.
func UsernameFor(p *Pool, typed, sub string, attrs map[string]string) (string, error) {
	if len(p.UsernameAttributes) > 0 {
		switch {
		case p.UsernameAttr("email") && EmailRe.MatchString(typed):
			if v, ok := attrs["email"]; ok && NormalizeEmail(v) != NormalizeEmail(typed) {
				return "", cognito.InvalidParameter("Username and email must match when username is an email.")
			}
			attrs["email"] = typed
		case p.UsernameAttr("phone_number") && PhoneRe.MatchString(typed):
			attrs["phone_number"] = typed
		case p.UsernameAttr("email") && p.UsernameAttr("phone_number"):
			return "", cognito.InvalidParameter("Username should be either an email or a phone number.")
		case p.UsernameAttr("email"):
			return "", cognito.InvalidParameter("Username should be an email.")
		default:
			return "", cognito.InvalidParameter("Username should be a phone number.")
		}
		return sub, nil
	}
	if p.AliasAttr("email") && EmailRe.MatchString(typed) {
		return "", cognito.InvalidParameter("Username cannot be of email format, since user pool is configured for email alias.")
	}
	if p.AliasAttr("phone_number") && PhoneRe.MatchString(typed) {
		return "", cognito.InvalidParameter("Username cannot be of phone_number format, since user pool is configured for phone_number alias.")
	}
	return typed, nil
}

// UserTypeOf renders a user for AdminCreateUser and ListUsers.
func UserTypeOf(u *User, attrs []AttributeType) UserType {
	return UserType{Username: u.Username, Attributes: attrs, UserCreateDate: WireTime(u.Created),
		UserLastModifiedDate: WireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
}
