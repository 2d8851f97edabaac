package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"golang.org/x/text/unicode/norm"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
)

// User statuses, as Cognito names them.
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
)

// userRecord is the service's part of a stored user (store.User.Data).
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
	// Lock is the failed-password state (lockout.go). It is stored beside the record, as the
	// item's attempt counters (store.Attempts), not in it.
	Lock *LockState `json:"-"`
}

// passwordRecord is the SRP material: the salt and the sealed verifier g^x mod N, bound by the
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

func (u *User) Encode() {
	u.Stored.Data = mustJSON(u.UserRecord)
	u.Stored.Attempts = u.Lock.Attempts()
}

// ---- usernames ----

// userKey is the canonical lookup key of a username: NFKC always, lower-cased when the pool is
// case-insensitive, so `Alice`, `alice` and `ＡＬＩＣＥ` collide exactly as configured.
func UserKey(p *Pool, username string) string {
	k := norm.NFKC.String(username)
	if !p.CaseSensitive() {
		k = strings.ToLower(k)
	}
	return k
}

var (
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	phoneRe = regexp.MustCompile(`^\+[0-9]{4,15}$`)
)

func NormalizeEmail(v string) string { return strings.ToLower(norm.NFKC.String(strings.TrimSpace(v))) }

// aliasValue normalises an alias for its uniqueness item.
func AliasValue(kind, v string) string {
	switch kind {
	case "email":
		return NormalizeEmail(v)
	case "preferred_username":
		return strings.ToLower(norm.NFKC.String(v))
	}
	return v
}

// aliasesOf lists the uniqueness claims a user holds: in email/phone-as-username pools the
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

// usernameAlias tells whether what a caller typed is an email or phone number that names the
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

// findUser resolves what a caller typed (username, email/phone in username-attribute pools, a
// verified alias, or — for admin calls — the sub) to a user. ErrNotFound when nobody matches.
func (s *Service) findUser(ctx context.Context, p *Pool, typed string, allowSub bool) (*User, error) {
	try := func(su *store.User, err error) (*User, error) {
		if err != nil {
			return nil, err
		}
		return DecodeUser(su)
	}
	if kind, value, ok := UsernameAlias(p, typed); ok {
		return try(s.repo.GetUserByAlias(ctx, p.Id, kind, value))
	}
	u, err := try(s.repo.GetUser(ctx, p.Id, UserKey(p, typed)))
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	for _, kind := range p.AliasAttributes {
		u, err := try(s.repo.GetUserByAlias(ctx, p.Id, kind, AliasValue(kind, typed)))
		if !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	if allowSub {
		return try(s.repo.GetUserBySub(ctx, p.Id, typed))
	}
	return nil, store.ErrNotFound
}

// mustFindUser is findUser with UserNotFoundException for a missing user.
func (s *Service) mustFindUser(ctx context.Context, p *Pool, typed string, allowSub bool) (*User, error) {
	u, err := s.findUser(ctx, p, typed, allowSub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.UserNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return u, nil
}

// adminUser resolves the pool and user an admin operation names (username, alias or sub).
func (s *Service) adminUser(ctx context.Context, poolID, username string) (*Pool, *User, error) {
	p, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.mustFindUser(ctx, p, username, true)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

// updateUser runs fn on the freshest copy of a user under compare-and-swap.
func (s *Service) updateUser(ctx context.Context, p *Pool, u *User, fn func(u *User) ([]store.Op, error)) (*User, error) {
	return s.updateUserAliases(ctx, p, u, false, fn)
}

// updateUserAliases is updateUser; with force (ForceAliasCreation) an email or phone alias
// another user holds moves to this user in the same transaction, and the previous owner's
// attribute becomes unverified, so it no longer signs in with it.
func (s *Service) updateUserAliases(ctx context.Context, p *Pool, u *User, force bool, fn func(u *User) ([]store.Op, error)) (*User, error) {
	var out *User
	apply := func(su *store.User) ([]store.Op, error) {
		cur, err := DecodeUser(su)
		if err != nil {
			return nil, err
		}
		ops, err := fn(cur)
		if err != nil {
			return nil, err
		}
		cur.Modified = s.now()
		su.Aliases = AliasesOf(p, cur.UserRecord)
		su.Index = IndexOf(p, cur)
		cur.Encode()
		out = cur
		return ops, nil
	}
	release := func(owner *store.User, lost []store.Alias) error {
		o, err := DecodeUser(owner)
		if err != nil {
			return err
		}
		for _, a := range lost {
			if a.Kind == "preferred_username" {
				delete(o.Attrs, a.Kind)
			} else {
				o.Attrs[a.Kind+"_verified"] = "false"
			}
		}
		o.Modified = s.now()
		owner.Aliases = AliasesOf(p, o.UserRecord)
		owner.Index = IndexOf(p, o)
		o.Encode()
		return nil
	}
	if !force {
		release = nil
	}
	// Start from the user as this request read it: no second read unless someone wrote since.
	_, err := s.repo.UpdateUserFrom(ctx, u.Stored, apply, release)
	if err != nil {
		var at *store.AliasTakenError
		switch {
		case errors.As(err, &at):
			return nil, msg.AliasExists(at.Kind)
		case errors.Is(err, store.ErrNotFound):
			return nil, msg.UserNotFound()
		case errors.Is(err, store.ErrConflict):
			return nil, cognito.TooManyRequests("Too many concurrent changes to this user; try again.")
		case cognito.As(err) != nil:
			return nil, err
		case errors.Is(err, store.ErrConditionFailed):
			return nil, err
		}
		return nil, msg.Internal(err)
	}
	return out, nil
}

// ---- attributes ----

// attributeList renders a user's attributes for the wire: sub first, then by name, filtered by
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

// clientReadable is the client's ReadAttributes rule (all attributes when unset); developer-only
// attributes are never readable by a client.
func ClientReadable(c *Client) func(string) bool {
	if c == nil || len(c.ReadAttributes) == 0 {
		return func(n string) bool { return !DeveloperOnly(n) }
	}
	return func(n string) bool { return n == "sub" || slices.Contains(c.ReadAttributes, n) }
}

// clientWritable is the client's WriteAttributes rule (all mutable attributes when unset);
// developer-only attributes are never writable by a client.
func ClientWritable(c *Client) func(string) bool {
	if c == nil || len(c.WriteAttributes) == 0 {
		return func(n string) bool { return !DeveloperOnly(n) }
	}
	return func(n string) bool { return slices.Contains(c.WriteAttributes, n) }
}

// checkAttributes validates user-supplied attributes against the pool schema. admin allows
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
			if !emailRe.MatchString(v) {
				return nil, cognito.InvalidParameter("Invalid email address format.")
			}
		case "phone_number":
			if !phoneRe.MatchString(v) {
				return nil, cognito.InvalidParameter("Invalid phone number format.")
			}
		}
		out[name] = v
	}
	return out, nil
}

// checkValue checks a value against its schema attribute and returns the value to store.
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

// missingRequired names the required schema attributes a user lacks, Cognito-style.
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

// ---- passwords ----

const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// checkPasswordPolicy applies the pool's policy with Cognito's messages.
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

func verifierAAD(poolID, sub string) []byte {
	return []byte("cognate/srp-verifier/" + poolID + "/" + sub)
}

// newPassword computes the SRP salt and verifier for a password (§4.5: pool name part and the
// internal username) and seals the verifier. The name is the username folded as the pool folds
// names (userKey: NFKC, lower case when case-insensitive), so that USER_ID_FOR_SRP — the name
// clients sign with — is the same for every spelling of a name, real or unknown: a username
// stored as "Alice" in a case-insensitive pool answers "alice", as an unknown "gHOST" answers
// "ghost" (ENUM-02). Passwords set before this carry Folded=false and keep the stored name.
func (s *Service) newPassword(ctx context.Context, p *Pool, username, sub, pw string, temporary bool) (*PasswordRecord, error) {
	name := UserKey(p, username)
	salt, v, err := srp.NewVerifier(s.rand, srp.PoolName(p.Id), name, pw)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal(ctx, v, verifierAAD(p.Id, sub))
	if err != nil {
		return nil, err
	}
	return &PasswordRecord{Salt: salt, Verifier: sealed, SetAt: s.now(), Temporary: temporary, Folded: name != username}, nil
}

// srpName is the name a user's verifier was made over: their USER_ID_FOR_SRP.
func SRPName(p *Pool, u *User) string {
	if u.Password != nil && u.Password.Folded {
		return UserKey(p, u.Username)
	}
	return u.Username
}

// dummyVerifier lets an unknown user cost one modular exponentiation, like a real one (ENUM-03).
var dummySalt, dummyVerifier = func() ([]byte, []byte) {
	salt := []byte("cognate-dummy-salt")
	return salt, srp.Verifier(salt, "dummy", "dummy", "dummy-password")
}()

// checkPassword recomputes g^x mod N and compares in constant time. A user without a password
// (or nil) still pays for one exponentiation.
func (s *Service) checkPassword(ctx context.Context, p *Pool, u *User, pw string) (bool, error) {
	if u == nil || u.Password == nil {
		srp.CheckPassword(dummySalt, dummyVerifier, "dummy", "dummy", pw)
		return false, nil
	}
	v, err := s.sealer.Open(ctx, u.Password.Verifier, verifierAAD(p.Id, u.Sub()))
	if err != nil {
		return false, err
	}
	return srp.CheckPassword(u.Password.Salt, v, srp.PoolName(p.Id), SRPName(p, u), pw), nil
}

// temporaryPassword generates a random password that satisfies the pool's policy.
func (s *Service) temporaryPassword(p *Pool) (string, error) {
	pol := p.Policy()
	n := 12
	if pol.MinimumLength != nil && int(*pol.MinimumLength) > n {
		n = int(*pol.MinimumLength)
	}
	parts := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*"}
	var b []byte
	for _, set := range parts {
		c, err := s.randomString(set, 1)
		if err != nil {
			return "", err
		}
		b = append(b, c...)
	}
	rest, err := s.randomString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", n-len(b))
	if err != nil {
		return "", err
	}
	b = append(b, rest...)
	// Shuffle so the class characters are not always in front.
	for i := len(b) - 1; i > 0; i-- {
		j, err := s.randomString(alnum[:i+1], 1)
		if err != nil {
			return "", err
		}
		k := strings.IndexByte(alnum, j[0])
		b[i], b[k] = b[k], b[i]
	}
	return string(b), nil
}

// tempPasswordExpired tells whether a FORCE_CHANGE_PASSWORD user's temporary password is past
// TemporaryPasswordValidityDays.
func (s *Service) tempPasswordExpired(p *Pool, u *User) bool {
	if u.Password == nil || !u.Password.Temporary {
		return false
	}
	days := p.Policy().TemporaryPasswordValidityDays
	if days <= 0 {
		days = 7
	}
	return s.now().After(u.Password.SetAt.Add(time.Duration(days) * 24 * time.Hour))
}

// toUserType renders a user for AdminCreateUser and ListUsers.
func toUserType(u *User, attrs []AttributeType) UserType {
	return UserType{Username: u.Username, Attributes: attrs, UserCreateDate: wireTime(u.Created),
		UserLastModifiedDate: wireTime(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
}
