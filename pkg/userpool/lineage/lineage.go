// Package lineage owns tokens after a sign-in: minting the ID and access tokens (claims, groups,
// lifetimes), the refresh token at rest (only its hash: JWT-08) and its lineage — one sign-in and
// its refreshes, named by a UUIDv7 origin_jti — refreshing within a lineage, revoking one lineage
// (RevokeToken) or all of a user's (global sign-out, disable) without listing them on the user,
// and authenticating the access token of the access-token operations (signature, pool, scope,
// revocation, the user's state).
package lineage

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/devices"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// Lineages mints tokens and keeps their lineages over the service's ports.
type Lineages struct {
	*ports.Ports
	dir        *directory.Directory
	devices    *devices.Devices
	tokens     *token.Issuer
	triggers   *triggers.Triggers
	issuerBase string
}

// New builds the lineages room: tokens signs, issuerBase is the URL a pool's issuer is under.
func New(p *ports.Ports, dir *directory.Directory, dev *devices.Devices, tokens *token.Issuer, tr *triggers.Triggers, issuerBase string) *Lineages {
	return &Lineages{Ports: p, dir: dir, devices: dev, tokens: tokens, triggers: tr, issuerBase: issuerBase}
}

// Issuer is a pool's token issuer URL (iss).
func (ls *Lineages) Issuer(poolID string) string { return ls.issuerBase + "/" + poolID }

const adminScope = "aws.cognito.signin.user.admin"

// Record is a refresh token at rest, found by the SHA-256 of the token (JWT-08).
type Record struct {
	PoolID   string `json:"p"`
	ClientID string `json:"c"`
	UserKey  string `json:"u"`
	// Sub binds the token to the user it was issued to: the key is a name, which a user created
	// after a deletion can take again (ownedBy).
	Sub       string `json:"s,omitempty"`
	OriginJTI string `json:"o"`
	// Lineage is when the lineage was created (Unix ms; lineageTime), judged against the
	// user's RevokedThrough.
	Lineage   int64     `json:"l"`
	AuthTime  time.Time `json:"a"`
	Expires   time.Time `json:"e"`
	DeviceKey string    `json:"d,omitempty"`
	// Scopes are the scopes an OAuth grant gave the lineage (authorization code): every refresh
	// mints exactly these, never more (OA-09). None: an API sign-in's lineage, whose access
	// tokens carry aws.cognito.signin.user.admin.
	Scopes []string `json:"sc,omitempty"`
}

// OwnedBy tells whether the record was issued to u, not to an earlier user of the same name who
// has been deleted since: a refresh token must never mint tokens for whoever holds the name now.
// Records written before the sub was kept have none. They are accepted when u already existed
// at the sign-in that began the lineage (AuthTime): a user created after that sign-in cannot be
// the one who signed in, so the takeover stays closed, while an upgrade signs nobody out.
func (r *Record) OwnedBy(u *model.User) bool {
	if r.Sub != "" {
		return r.Sub == u.Sub()
	}
	return !u.Created.After(r.AuthTime)
}

// RefreshGrace keeps an expired refresh record readable for a day so the caller hears
// "Refresh Token has expired" rather than "Invalid Refresh Token".
const RefreshGrace = 24 * time.Hour

// idClaims renders the user's attributes as ID-token claims with Cognito's types.
func idClaims(u *model.User, readable func(string) bool) map[string]any {
	out := map[string]any{}
	for n, v := range u.Attrs {
		if readable != nil && !readable(n) {
			continue
		}
		switch n {
		case "email_verified", "phone_number_verified":
			out[n] = v == "true"
		case "updated_at":
			if f, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[n] = f
			} else {
				out[n] = v
			}
		case "address":
			out[n] = map[string]string{"formatted": v}
		default:
			out[n] = v
		}
	}
	return out
}

// Lineage carries what a refresh keeps from the original sign-in.
type Lineage struct {
	OriginJTI string
	AuthTime  time.Time
	DeviceKey string
	// Scopes, when set, are an OAuth grant's scopes (Record.Scopes): the access token carries
	// them, and there is an ID token only with openid, as Cognito's OAuth endpoints answer.
	Scopes []string
	// Hosted marks tokens for the OAuth endpoints: the ID token gets at_hash, and Nonce when the
	// authorization request had one.
	Hosted bool
	Nonce  string
}

// Mint signs the ID and access tokens for a user. It writes nothing, so a signer failure
// consumes no session, code or refresh token (KMS-01).
//
// src is the pre-token-generation source the tokens are minted for (TokenGeneration_
// Authentication, _NewPasswordChallenge, _AuthenticateDevice, _RefreshTokens) and meta the
// call's ClientMetadata: the pool's PreTokenGeneration trigger, if any, shapes the tokens first,
// and its failure mints none.
func (ls *Lineages) Mint(ctx context.Context, p *model.Pool, c *model.Client, u *model.User, l Lineage, src trigger.Source, meta map[string]string) (token.Tokens, error) {
	eventID, err := ls.UUID()
	if err != nil {
		return token.Tokens{}, msg.Internal(err)
	}
	groups, err := ls.dir.UserGroups(ctx, p, u)
	if err != nil {
		return token.Tokens{}, err
	}
	d := newDraft(groups, idClaims(u, model.ClientReadable(c)))
	if l.Scopes != nil {
		d.scopes = slices.Clone(l.Scopes)
	}
	if err := ls.preTokenGeneration(ctx, p, c, u, src, meta, d); err != nil {
		return token.Tokens{}, err
	}
	t, err := ls.tokens.Issue(ctx, token.IssueInput{
		Issuer: ls.Issuer(p.Id), PoolID: p.Id, ClientID: c.ID, Subject: u.Sub(), Username: u.Username,
		Scope: d.scope(), AuthTime: l.AuthTime, OriginJTI: l.OriginJTI, EventID: eventID,
		AccessTTL: c.AccessTTL(), IDTTL: c.IDTTL(), DeviceKey: l.DeviceKey,
		Groups: d.groups, IDClaims: d.idClaims, AccessClaims: d.accessClaims,
		SkipIDToken: l.Scopes != nil && !slices.Contains(l.Scopes, "openid"), Nonce: l.Nonce, AtHash: l.Hosted,
	})
	if err != nil {
		return token.Tokens{}, msg.Internal(err)
	}
	return t, nil
}

// Prune forgets revocations whose refresh tokens have expired anyway.
func Prune(u *model.User, now time.Time) {
	for k, exp := range u.Revoked {
		if exp < now.Unix() {
			delete(u.Revoked, k)
		}
	}
}

// A lineage (one sign-in and its refreshes) is named by its origin_jti, a UUIDv7 whose time is
// the lineage's creation in Unix ms — strictly after the user's RevokedThrough, so a sign-out
// ends exactly the lineages created before it, even within one millisecond, without the user
// record listing them.
func (ls *Lineages) Begin(u *model.User) (origin string, at int64, err error) {
	at = max(ls.Now().UnixMilli(), u.RevokedThrough+1)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at)<<16) // 48 bits of milliseconds, then random
	if _, err := io.ReadFull(ls.Rand, b[6:]); err != nil {
		return "", 0, err
	}
	u.LastLineage = max(u.LastLineage, at)
	return ports.FormatUUID(b[:], 7), at, nil
}

// timeOf reads a lineage's creation time from its origin_jti; ok is false for an origin
// that is not a UUIDv7 (none is issued; a token carrying one is judged by its iat instead).
func timeOf(origin string) (int64, bool) {
	if len(origin) != 36 || origin[8] != '-' || origin[14] != '7' {
		return 0, false
	}
	b, err := hex.DecodeString(origin[0:8] + origin[9:13])
	if err != nil {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(append(make([]byte, 2, 8), b...))), true
}

// revoked tells whether a lineage has ended: revoked alone (RevokeToken) or with
// everything before a sign-out. created is its creation (Unix ms).
func revoked(u *model.User, origin string, created int64) bool {
	if _, revoked := u.Revoked[origin]; revoked {
		return true
	}
	return created <= u.RevokedThrough
}

// Refresh answers REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken: new ID and access tokens in
// the same lineage (origin_jti, auth_time and device carried over), no new refresh token.
// deviceKey is the DEVICE_KEY (DeviceKey) the caller presented: a lineage bound to a device
// refreshes only with that device's key, as with device tracking in Cognito, and not at all once
// the device is forgotten.
// meta is the call's ClientMetadata, which PreTokenGeneration receives.
func (ls *Lineages) Refresh(ctx context.Context, p *model.Pool, c *model.Client, raw, deviceKey string, meta map[string]string, checkSecret func(username string) error) (*model.AuthenticationResultType, error) {
	if !c.FlowEnabled("ALLOW_REFRESH_TOKEN_AUTH") {
		return nil, cognito.InvalidParameter("REFRESH_TOKEN_AUTH flow not enabled for this client")
	}
	invalid := msg.InvalidRefreshToken()
	it, err := ls.Repo.Get(ctx, store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(raw))))
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec Record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.ClientID != c.ID || rec.PoolID != p.Id {
		return nil, invalid
	}
	su, err := ls.Repo.GetUser(ctx, p.Id, rec.UserKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if !rec.OwnedBy(u) {
		return nil, invalid // its user was deleted; the name is another user's now
	}
	if err := checkSecret(u.Username); err != nil {
		return nil, err
	}
	if rec.DeviceKey != "" && deviceKey != rec.DeviceKey {
		return nil, invalid
	}
	if !ls.Now().Before(rec.Expires) {
		return nil, cognito.NotAuthorized("Refresh Token has expired")
	}
	created := rec.Lineage
	if created == 0 { // a record from before lineage times
		created = rec.AuthTime.UnixMilli()
	}
	if revoked(u, rec.OriginJTI, created) {
		return nil, msg.RefreshTokenRevoked()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	if rec.DeviceKey != "" {
		if forgotten, err := ls.devices.Forgotten(ctx, p, u, rec.DeviceKey); err != nil {
			return nil, err
		} else if forgotten {
			return nil, msg.RefreshTokenRevoked()
		}
	}
	t, err := ls.Mint(ctx, p, c, u, Lineage{OriginJTI: rec.OriginJTI, AuthTime: rec.AuthTime, DeviceKey: rec.DeviceKey, Scopes: rec.Scopes, Hosted: rec.Scopes != nil},
		trigger.TokenGenerationRefreshTokens, meta)
	if err != nil {
		return nil, err
	}
	return &model.AuthenticationResultType{AccessToken: t.AccessToken, IdToken: t.IDToken, ExpiresIn: int32(t.ExpiresIn), TokenType: "Bearer"}, nil
}

// RevokeOne ends one lineage (RevokeToken), remembered until its refresh token would expire.
func RevokeOne(u *model.User, origin string, until time.Time) {
	if u.Revoked == nil {
		u.Revoked = map[string]int64{}
	}
	u.Revoked[origin] = until.Unix()
}

// SignOutEverywhere revokes every lineage of a user and every token issued before now.
func (ls *Lineages) SignOutEverywhere(ctx context.Context, p *model.Pool, u *model.User) error {
	_, err := ls.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		RevokeAll(cur, ls.Now())
		return nil, nil
	})
	return err
}

// RevokeAll ends every lineage of a user, as a global sign-out or a disable does: every lineage
// so far was created at or before the mark (LastLineage), every later one after it (newLineage).
func RevokeAll(u *model.User, now time.Time) {
	Prune(u, now)
	u.RevokedThrough = max(now.UnixMilli(), u.LastLineage, u.RevokedThrough)
}
