package userpool

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
)

const adminScope = "aws.cognito.signin.user.admin"

// refreshRecord is a refresh token at rest, found by the SHA-256 of the token (JWT-08).
type refreshRecord struct {
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
}

// ownedBy tells whether the record was issued to u, not to an earlier user of the same name who
// has been deleted since: a refresh token must never mint tokens for whoever holds the name now.
// Records written before the sub was kept have none. They are accepted when u already existed
// at the sign-in that began the lineage (AuthTime): a user created after that sign-in cannot be
// the one who signed in, so the takeover stays closed, while an upgrade signs nobody out.
func (r *refreshRecord) ownedBy(u *model.User) bool {
	if r.Sub != "" {
		return r.Sub == u.Sub()
	}
	return !u.Created.After(r.AuthTime)
}

// refreshGrace keeps an expired refresh record readable for a day so the caller hears
// "Refresh Token has expired" rather than "Invalid Refresh Token".
const refreshGrace = 24 * time.Hour

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

// lineage carries what a refresh keeps from the original sign-in.
type lineage struct {
	originJTI string
	authTime  time.Time
	deviceKey string
}

// mintTokens signs the ID and access tokens for a user. It writes nothing, so a signer failure
// consumes no session, code or refresh token (KMS-01).
func (s *Service) mintTokens(ctx context.Context, p *model.Pool, c *model.Client, u *model.User, l lineage) (token.Tokens, error) {
	eventID, err := s.UUID()
	if err != nil {
		return token.Tokens{}, msg.Internal(err)
	}
	groups, err := s.dir.UserGroups(ctx, p, u)
	if err != nil {
		return token.Tokens{}, err
	}
	groupNames, groupIDClaims := model.GroupClaims(groups)
	claims := idClaims(u, model.ClientReadable(c))
	for k, v := range groupIDClaims {
		claims[k] = v
	}
	t, err := s.tokens.Issue(ctx, token.IssueInput{
		Issuer: s.issuer(p.Id), PoolID: p.Id, ClientID: c.ID, Subject: u.Sub(), Username: u.Username,
		Scope: adminScope, AuthTime: l.authTime, OriginJTI: l.originJTI, EventID: eventID,
		AccessTTL: c.AccessTTL(), IDTTL: c.IDTTL(), DeviceKey: l.deviceKey,
		Groups: groupNames, IDClaims: claims,
	})
	if err != nil {
		return token.Tokens{}, msg.Internal(err)
	}
	return t, nil
}

// pruneLineages forgets revocations whose refresh tokens have expired anyway.
func pruneLineages(u *model.User, now time.Time) {
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
func (s *Service) newLineage(u *model.User) (origin string, at int64, err error) {
	at = max(s.Now().UnixMilli(), u.RevokedThrough+1)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at)<<16) // 48 bits of milliseconds, then random
	if _, err := io.ReadFull(s.Rand, b[6:]); err != nil {
		return "", 0, err
	}
	u.LastLineage = max(u.LastLineage, at)
	return ports.FormatUUID(b[:], 7), at, nil
}

// lineageTime reads a lineage's creation time from its origin_jti; ok is false for an origin
// that is not a UUIDv7 (none is issued; a token carrying one is judged by its iat instead).
func lineageTime(origin string) (int64, bool) {
	if len(origin) != 36 || origin[8] != '-' || origin[14] != '7' {
		return 0, false
	}
	b, err := hex.DecodeString(origin[0:8] + origin[9:13])
	if err != nil {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(append(make([]byte, 2, 8), b...))), true
}

// lineageRevoked tells whether a lineage has ended: revoked alone (RevokeToken) or with
// everything before a sign-out. created is its creation (Unix ms).
func lineageRevoked(u *model.User, origin string, created int64) bool {
	if _, revoked := u.Revoked[origin]; revoked {
		return true
	}
	return created <= u.RevokedThrough
}

// signIn finishes a successful authentication: it signs the tokens, then in one transaction
// records the new lineage on the user, stores the refresh token's hash, and commits the step's
// user change, consumed Session and extra ops (a device's last sign-in). device binds the
// lineage to a device: the access token's device_key, and the DEVICE_KEY refreshes must present.
func (s *Service) signIn(ctx context.Context, st *signInStep, device string, extra []store.Op) (*model.AuthenticationResultType, error) {
	p, c, u := st.pool, st.client, st.user
	now := s.Now()
	refresh, hash := token.NewRefreshToken(s.Rand)
	expires := now.Add(c.RefreshTTL())
	k := store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(hash))
	var minted token.Tokens
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		// The lineage is named on the record this transaction replaces, so that it falls after
		// any sign-out committed before it.
		origin, at, err := s.newLineage(cur)
		if err != nil {
			return nil, err
		}
		l := lineage{originJTI: origin, authTime: now, deviceKey: device}
		rec := refreshRecord{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), OriginJTI: origin, Lineage: at, AuthTime: now, Expires: expires, DeviceKey: device}
		var ops []store.Op
		if st.change != nil {
			var err error
			if ops, err = st.change(cur); err != nil {
				return nil, err
			}
		}
		ops = append(ops, st.consume...)
		ops = append(ops, extra...)
		// Tokens carry the attributes as they will be after this change.
		t, err := s.mintTokens(ctx, p, c, cur, l)
		if err != nil {
			return nil, err
		}
		minted = t
		cur.Lock = nil // a completed sign-in clears failed attempts
		pruneLineages(cur, now)
		return append(ops, store.PutOp(k, store.Item{Version: 1, ExpiresAt: expires.Add(refreshGrace), Data: model.MustJSON(rec)}, store.Cond{Kind: store.CondNotExists})), nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.InvalidSession()
	}
	if err != nil {
		return nil, err
	}
	return &model.AuthenticationResultType{AccessToken: minted.AccessToken, IdToken: minted.IDToken, RefreshToken: refresh,
		ExpiresIn: int32(minted.ExpiresIn), TokenType: "Bearer"}, nil
}

func init() {
	refresh := &signInHandler{allow: "ALLOW_REFRESH_TOKEN_AUTH", decide: decideRefresh}
	registerFlow("REFRESH_TOKEN_AUTH", refresh)
	registerFlow("REFRESH_TOKEN", refresh)
}

// decideRefresh is REFRESH_TOKEN_AUTH. It names no user, so it takes none of the pipeline's user
// phases: the refresh token leads to its lineage, whose user SECRET_HASH is checked against,
// and the lineage's own rotation is its commit (refresh).
func decideRefresh(ctx context.Context, s *Service, c *signInCall) (*signInDecision, error) {
	rt := c.params["REFRESH_TOKEN"]
	if rt == "" {
		return nil, msg.MissingParam("REFRESH_TOKEN")
	}
	res, err := s.refresh(ctx, c.pool, c.client, rt, c.params["DEVICE_KEY"], func(username string) error {
		return model.CheckSecretHash(c.client, c.params["SECRET_HASH"], username)
	})
	if err != nil {
		return nil, err
	}
	return &signInDecision{out: &api.AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}}, nil
}

// refresh answers REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken: new ID and access tokens in
// the same lineage (origin_jti, auth_time and device carried over), no new refresh token.
// deviceKey is the DEVICE_KEY (DeviceKey) the caller presented: a lineage bound to a device
// refreshes only with that device's key, as with device tracking in Cognito, and not at all once
// the device is forgotten.
func (s *Service) refresh(ctx context.Context, p *model.Pool, c *model.Client, raw, deviceKey string, checkSecret func(username string) error) (*model.AuthenticationResultType, error) {
	if !c.FlowEnabled("ALLOW_REFRESH_TOKEN_AUTH") {
		return nil, cognito.InvalidParameter("REFRESH_TOKEN_AUTH flow not enabled for this client")
	}
	invalid := msg.InvalidRefreshToken()
	it, err := s.Repo.Get(ctx, store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(raw))))
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec refreshRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.ClientID != c.ID || rec.PoolID != p.Id {
		return nil, invalid
	}
	su, err := s.Repo.GetUser(ctx, p.Id, rec.UserKey)
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
	if !rec.ownedBy(u) {
		return nil, invalid // its user was deleted; the name is another user's now
	}
	if err := checkSecret(u.Username); err != nil {
		return nil, err
	}
	if rec.DeviceKey != "" && deviceKey != rec.DeviceKey {
		return nil, invalid
	}
	if !s.Now().Before(rec.Expires) {
		return nil, cognito.NotAuthorized("Refresh Token has expired")
	}
	created := rec.Lineage
	if created == 0 { // a record from before lineage times
		created = rec.AuthTime.UnixMilli()
	}
	if lineageRevoked(u, rec.OriginJTI, created) {
		return nil, msg.RefreshTokenRevoked()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	if rec.DeviceKey != "" {
		if forgotten, err := s.devices.Forgotten(ctx, p, u, rec.DeviceKey); err != nil {
			return nil, err
		} else if forgotten {
			return nil, msg.RefreshTokenRevoked()
		}
	}
	t, err := s.mintTokens(ctx, p, c, u, lineage{originJTI: rec.OriginJTI, authTime: rec.AuthTime, deviceKey: rec.DeviceKey})
	if err != nil {
		return nil, err
	}
	return &model.AuthenticationResultType{AccessToken: t.AccessToken, IdToken: t.IDToken, ExpiresIn: int32(t.ExpiresIn), TokenType: "Bearer"}, nil
}

// GetTokensFromRefreshToken refreshes with the raw client secret (Amplify v6's refresh).
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, in *api.GetTokensFromRefreshTokenInput) (*api.GetTokensFromRefreshTokenOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := model.CheckClientSecret(c, in.ClientSecret); err != nil {
		return nil, err
	}
	res, err := s.refresh(ctx, p, c, in.RefreshToken, in.DeviceKey, func(string) error { return nil })
	if err != nil {
		return nil, err
	}
	return &api.GetTokensFromRefreshTokenOutput{AuthenticationResult: res}, nil
}

// RevokeToken revokes a refresh token and every token of its lineage.
func (s *Service) RevokeToken(ctx context.Context, in *api.RevokeTokenInput) (*api.RevokeTokenOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := model.CheckClientSecret(c, in.ClientSecret); err != nil {
		return nil, err
	}
	if c.EnableTokenRevocation != nil && !*c.EnableTokenRevocation {
		return nil, cognito.UnsupportedOperation("Token revocation is not enabled for this client.")
	}
	if strings.Count(in.Token, ".") == 2 {
		return nil, cognito.UnsupportedTokenType("The token type is not supported. Only refresh tokens can be revoked.")
	}
	it, err := s.Repo.Get(ctx, store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(in.Token))))
	if errors.Is(err, store.ErrNotFound) {
		return &api.RevokeTokenOutput{}, nil // RFC 7009: unknown tokens revoke "successfully"
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec refreshRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.ClientID != c.ID {
		return nil, cognito.Unauthorized("The refresh token was not issued to this client.")
	}
	su, err := s.Repo.GetUser(ctx, p.Id, rec.UserKey)
	if errors.Is(err, store.ErrNotFound) {
		return &api.RevokeTokenOutput{}, nil
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if !rec.ownedBy(u) {
		// Its user was deleted: the token is dead already, and the user now of that name is
		// someone else, whose record it must not touch.
		return &api.RevokeTokenOutput{}, nil
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		revokeLineage(cur, rec.OriginJTI, rec.Expires)
		return []store.Op{store.DeleteOp(store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(token.HashRefreshToken(in.Token))), store.Cond{})}, nil
	})
	if err != nil {
		return nil, err
	}
	return &api.RevokeTokenOutput{}, nil
}

func revokeLineage(u *model.User, origin string, until time.Time) {
	if u.Revoked == nil {
		u.Revoked = map[string]int64{}
	}
	u.Revoked[origin] = until.Unix()
}

// signOutEverywhere revokes every lineage of a user and every token issued before now.
func (s *Service) signOutEverywhere(ctx context.Context, p *model.Pool, u *model.User) error {
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		revokeAll(cur, s.Now())
		return nil, nil
	})
	return err
}

// revokeAll ends every lineage of a user, as a global sign-out or a disable does: every lineage
// so far was created at or before the mark (LastLineage), every later one after it (newLineage).
func revokeAll(u *model.User, now time.Time) {
	pruneLineages(u, now)
	u.RevokedThrough = max(now.UnixMilli(), u.LastLineage, u.RevokedThrough)
}

// ---- access tokens ----

// accessCaller is the result of authenticating an access token.
type accessCaller struct {
	pool   *model.Pool
	user   *model.User
	claims *token.Claims
}

// peekIssuer reads the unverified iss claim only to pick the pool whose keys will verify the
// token; nothing else from an unverified token is used.
func peekIssuer(raw string) string {
	if len(raw) > 8192 {
		return ""
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	return c.Iss
}

// authenticate verifies an access token for the access-token operations: our signature, this
// pool's key, iss, token_use, exp, scope, then revocation and the user's state (JWT-02..04,
// SES-01).
func (s *Service) authenticate(ctx context.Context, raw string) (*accessCaller, error) {
	invalid := cognito.NotAuthorized("Invalid Access Token")
	iss, known := s.tokens.KnownIssuer(raw) // a token verified before: no need to parse it again
	if !known {
		iss = peekIssuer(raw)
	}
	prefix := s.cfg.IssuerBase + "/"
	if !strings.HasPrefix(iss, prefix) {
		return nil, invalid
	}
	poolID := strings.TrimPrefix(iss, prefix)
	p, err := s.dir.Pool(ctx, poolID)
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil, invalid
		}
		return nil, err
	}
	claims, err := s.tokens.Verify(ctx, raw, token.Expect{Issuer: s.issuer(p.Id), PoolID: p.Id, TokenUse: "access"})
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, cognito.NotAuthorized("Access Token has expired")
	case errors.Is(err, token.ErrInvalid):
		return nil, invalid
	case err != nil:
		return nil, msg.Internal(err)
	}
	if !slices.Contains(strings.Fields(claims.Scope), adminScope) {
		return nil, cognito.NotAuthorized("Access Token does not have required scopes")
	}
	su, err := s.Repo.GetUser(ctx, p.Id, model.UserKey(p, claims.Username))
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.UserNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := s.dir.DecodeUser(su) // decodeUser, without unmarshalling an unchanged record again
	if err != nil {
		return nil, msg.Internal(err)
	}
	if u.Sub() != claims.Subject {
		return nil, invalid
	}
	created, ok := lineageTime(claims.OriginJTI)
	if !ok {
		created = claims.IssuedAt.UnixMilli()
	}
	if lineageRevoked(u, claims.OriginJTI, created) {
		return nil, cognito.NotAuthorized("Access Token has been revoked")
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	return &accessCaller{pool: p, user: u, claims: claims}, nil
}
