// Package grants owns the OAuth 2.0 grants a user pool gives at its hosted endpoints
// (cognito-protocol.md §8): the rules of an authorization request (the client's OAuth settings,
// response types, scopes, PKCE), authorization codes — made in a hosted sign-in's commit,
// redeemed once for the lineage's tokens, a replay revoking what the code issued — the hosted
// UI's sign-in session behind its cookie, and the client_credentials grant. It speaks in RFC
// 6749's error codes (Error); pkg/oauth puts them on the wire. Redirect URIs are matched by
// pkg/oauth, which holds the protocol; the pool's rules start once the redirect is known.
package grants

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// CodeTTL is how long an authorization code lives (Cognito: 5 minutes).
const CodeTTL = 5 * time.Minute

// SessionTTL is how long the hosted UI's sign-in session lasts (Cognito: an hour).
const SessionTTL = time.Hour

// Error is a refusal in RFC 6749's terms: Code is the error code (invalid_request,
// invalid_client, invalid_grant, unauthorized_client, invalid_scope, ...), which pkg/oauth
// renders for its endpoint.
type Error struct {
	Code        string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func refuse(code, description string) *Error { return &Error{Code: code, Description: description} }

// Grants gives a pool's OAuth grants over the service's ports.
type Grants struct {
	*ports.Ports
	dir      *directory.Directory
	lineages *lineage.Lineages
}

// New builds the grants room.
func New(p *ports.Ports, dir *directory.Directory, ls *lineage.Lineages) *Grants {
	return &Grants{Ports: p, dir: dir, lineages: ls}
}

// Request is an authorization request (/oauth2/authorize, /login) as pkg/oauth read it, its
// redirect_uri already matched against the client's callback URLs.
type Request struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               *string // nil: not sent
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	IdentityProvider    string
	IdpIdentifier       string
}

// Authorization is a request the pool accepts: what a code (or the implicit grant's tokens)
// will carry.
type Authorization struct {
	Pool          *model.Pool
	Client        *model.Client
	RedirectURI   string
	Implicit      bool
	Scopes        []string
	CodeChallenge string
	Nonce         string
}

const maxNonce = 512

// Authorize judges an authorization request by the client's OAuth settings (cognito-protocol.md
// §8): the client must allow OAuth and the response type's flow; scope defaults to all the
// client's AllowedOAuthScopes, and each asked for must be among them, email/phone/profile only
// with openid; PKCE is S256 only, and required of a client without a secret (OA-03: Cognito
// does not require it; a public client cannot keep a code safe without it). Identity providers
// other than COGNITO wait for federation.
func (g *Grants) Authorize(c *model.Client, p *model.Pool, r Request) (*Authorization, error) {
	if !c.AllowedOAuthFlowsUserPoolClient {
		return nil, refuse("unauthorized_client", "The client is not allowed OAuth flows.")
	}
	a := &Authorization{Pool: p, Client: c, RedirectURI: r.RedirectURI, Nonce: r.Nonce}
	switch r.ResponseType {
	case "code":
		if !slices.Contains(c.AllowedOAuthFlows, "code") {
			return nil, refuse("unauthorized_client", "The client is not allowed the authorization code grant.")
		}
	case "token":
		if !slices.Contains(c.AllowedOAuthFlows, "implicit") {
			return nil, refuse("unauthorized_client", "The client is not allowed the implicit grant.")
		}
		a.Implicit = true
	case "":
		return nil, refuse("invalid_request", "response_type is required.")
	default:
		return nil, refuse("unsupported_response_type", "response_type must be code or token.")
	}
	if r.IdpIdentifier != "" || (r.IdentityProvider != "" && r.IdentityProvider != "COGNITO") {
		return nil, refuse("invalid_request", "The identity provider is not available to this client.")
	}
	if len(c.SupportedIdentityProviders) > 0 && !slices.Contains(c.SupportedIdentityProviders, "COGNITO") {
		return nil, refuse("invalid_request", "The identity provider is not available to this client.")
	}
	scopes, err := requested(c, r.Scope)
	if err != nil {
		return nil, err
	}
	a.Scopes = scopes
	if len(r.Nonce) > maxNonce {
		return nil, refuse("invalid_request", "nonce is too long.")
	}
	if a.Implicit {
		return a, nil
	}
	switch {
	case r.CodeChallenge == "" && r.CodeChallengeMethod != "":
		return nil, refuse("invalid_request", "code_challenge is required with code_challenge_method.")
	case r.CodeChallenge == "" && c.Secret == "":
		return nil, refuse("invalid_request", "A client without a secret must send a PKCE code_challenge (S256).")
	case r.CodeChallenge != "" && r.CodeChallengeMethod != "S256":
		return nil, refuse("invalid_request", "code_challenge_method must be S256.")
	case r.CodeChallenge != "" && !validChallenge(r.CodeChallenge):
		return nil, refuse("invalid_request", "code_challenge is not a base64url SHA-256.")
	}
	a.CodeChallenge = r.CodeChallenge
	return a, nil
}

// requested is the scope parameter checked against the client: each one allowed, none repeated,
// email/phone/profile only beside openid. None sent: all the client's scopes.
func requested(c *model.Client, scope *string) ([]string, error) {
	if scope == nil || strings.TrimSpace(*scope) == "" {
		return slices.Clone(c.AllowedOAuthScopes), nil
	}
	var out []string
	for _, sc := range strings.Fields(*scope) {
		if !slices.Contains(c.AllowedOAuthScopes, sc) {
			return nil, refuse("invalid_scope", "Invalid scope requested: "+sc)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	for _, sc := range []string{"email", "phone", "profile"} {
		if slices.Contains(out, sc) && !slices.Contains(out, "openid") {
			return nil, refuse("invalid_scope", "The "+sc+" scope needs the openid scope.")
		}
	}
	return out, nil
}

// validChallenge: an S256 challenge is the unpadded base64url of 32 bytes.
func validChallenge(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// validVerifier: RFC 7636 §4.1, 43 to 128 unreserved characters.
func validVerifier(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// codeRecord is an authorization code at rest, found by the SHA-256 of the code: the grant it
// carries and, once redeemed, the lineage it issued (so a replay can end it).
type codeRecord struct {
	PoolID      string    `json:"p"`
	ClientID    string    `json:"c"`
	UserKey     string    `json:"u"`
	Sub         string    `json:"s"`
	RedirectURI string    `json:"r"`
	Scopes      []string  `json:"sc"`
	Challenge   string    `json:"pk,omitempty"`
	Nonce       string    `json:"n,omitempty"`
	AuthTime    time.Time `json:"a"`
	Expires     time.Time `json:"e"`
	// Origin is the origin_jti of the lineage the code's redemption began; "" until then.
	Origin string `json:"o,omitempty"`
}

// sessionRecord is a hosted-UI session at rest, found by the SHA-256 of its cookie.
type sessionRecord struct {
	PoolID   string    `json:"p"`
	UserKey  string    `json:"u"`
	Sub      string    `json:"s"`
	AuthTime time.Time `json:"a"`
	Expires  time.Time `json:"e"`
}

// secret is a fresh 256-bit value, base64url: codes and session cookies (OA-05: ≥ 128 bits).
func secret(r io.Reader) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func codeKey(code string) store.Key { return store.RecordKey(store.RecordAuthCode, hashOf(code)) }

func sessionKey(cookie string) store.Key {
	return store.RecordKey(store.RecordHostedSession, hashOf(cookie))
}

// Issued is what a hosted sign-in's completion made: the code for the redirect (empty for
// the implicit grant) and the hosted session's cookie value.
type Issued struct {
	Code    string
	Session string
	// userKey, sub and authTime name who signed in, for the implicit grant's tokens.
	userKey, sub string
	authTime     time.Time
}

// Completion is the writes that complete a hosted sign-in for a: an authorization code (not for
// the implicit grant) and a hosted session, made with the step's own commit. Their values are
// chosen now, so that the caller can send them once the commit has succeeded.
func (g *Grants) Completion(a *Authorization, out *Issued) (func(u *model.User, authTime time.Time) ([]store.Op, error), error) {
	var err error
	if !a.Implicit {
		if out.Code, err = secret(g.Rand); err != nil {
			return nil, msg.Internal(err)
		}
	}
	if out.Session, err = secret(g.Rand); err != nil {
		return nil, msg.Internal(err)
	}
	return func(u *model.User, authTime time.Time) ([]store.Op, error) {
		return g.grantOps(a, u, authTime, out)
	}, nil
}

func (g *Grants) grantOps(a *Authorization, u *model.User, authTime time.Time, out *Issued) ([]store.Op, error) {
	out.userKey, out.sub, out.authTime = u.Stored.Key, u.Sub(), authTime
	var ops []store.Op
	if out.Code != "" {
		rec := codeRecord{PoolID: a.Pool.Id, ClientID: a.Client.ID, UserKey: u.Stored.Key, Sub: u.Sub(),
			RedirectURI: a.RedirectURI, Scopes: a.Scopes, Challenge: a.CodeChallenge, Nonce: a.Nonce,
			AuthTime: authTime, Expires: authTime.Add(CodeTTL)}
		ops = append(ops, store.PutOp(codeKey(out.Code), store.Item{Version: 1, ExpiresAt: rec.Expires.Add(lineage.RefreshGrace), Data: model.MustJSON(rec)},
			store.Cond{Kind: store.CondNotExists}))
	}
	if out.Session != "" {
		rec := sessionRecord{PoolID: a.Pool.Id, UserKey: u.Stored.Key, Sub: u.Sub(), AuthTime: authTime, Expires: authTime.Add(SessionTTL)}
		ops = append(ops, store.PutOp(sessionKey(out.Session), store.Item{Version: 1, ExpiresAt: rec.Expires, Data: model.MustJSON(rec)},
			store.Cond{Kind: store.CondNotExists}))
	}
	return ops, nil
}

// Session is a hosted session that still stands.
type Session struct {
	User     *model.User
	AuthTime time.Time
}

// Session finds the hosted session behind a cookie for pool p: nil when there is none, it has
// expired, its user is gone, disabled, or signed out everywhere since.
func (g *Grants) Session(ctx context.Context, p *model.Pool, cookie string) (*Session, error) {
	if cookie == "" || len(cookie) > 128 {
		return nil, nil
	}
	it, err := g.Repo.Get(ctx, sessionKey(cookie))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec sessionRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.PoolID != p.Id || !g.Now().Before(rec.Expires) {
		return nil, nil
	}
	u, err := g.user(ctx, p, rec.UserKey, rec.Sub)
	if err != nil || u == nil {
		return nil, err
	}
	if !u.Enabled || rec.AuthTime.UnixMilli() <= u.RevokedThrough {
		return nil, nil
	}
	return &Session{User: u, AuthTime: rec.AuthTime}, nil
}

// EndSession forgets a hosted session (the logout endpoint); an unknown cookie is no error.
func (g *Grants) EndSession(ctx context.Context, cookie string) error {
	if cookie == "" || len(cookie) > 128 {
		return nil
	}
	if err := g.Repo.Commit(ctx, store.DeleteOp(sessionKey(cookie), store.Cond{})); err != nil {
		return msg.Internal(err)
	}
	return nil
}

// user reads the user a record names, nil when it is gone or the name is someone else's now.
func (g *Grants) user(ctx context.Context, p *model.Pool, key, sub string) (*model.User, error) {
	su, err := g.Repo.GetUser(ctx, p.Id, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if u.Sub() != sub {
		return nil, nil
	}
	return u, nil
}

// Reissue completes an authorization from a standing hosted session: a new code for the
// session's user, written alone (no sign-in happened, so no trigger fires).
func (g *Grants) Reissue(ctx context.Context, a *Authorization, s *Session) (*Issued, error) {
	out := &Issued{}
	var err error
	if !a.Implicit {
		if out.Code, err = secret(g.Rand); err != nil {
			return nil, msg.Internal(err)
		}
	}
	ops, err := g.grantOps(a, s.User, s.AuthTime, out)
	if err != nil {
		return nil, err
	}
	if len(ops) > 0 {
		if err := g.Repo.Commit(ctx, ops...); err != nil {
			return nil, msg.Internal(err)
		}
	}
	return out, nil
}

// Tokens are what a redeemed code or a refresh yields.
type Tokens struct {
	AccessToken, IDToken, RefreshToken string
	ExpiresIn                          int
}

// Redeem exchanges an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6): the code must be
// this client's, unexpired, for the same redirect_uri, with the verifier of its challenge (and
// none without one: a verifier cannot stand for a challenge that was never made). It is spent
// in the transaction that begins the lineage, so of any number of concurrent redemptions
// exactly one succeeds; a code presented again ends the lineage it issued (§4.1.2, OA-06).
func (g *Grants) Redeem(ctx context.Context, c *model.Client, p *model.Pool, code, redirectURI, verifier string) (*Tokens, error) {
	invalid := refuse("invalid_grant", "The authorization code is invalid, expired or spent.")
	if code == "" || len(code) > 128 {
		return nil, invalid
	}
	k := codeKey(code)
	it, err := g.Repo.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	var rec codeRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, msg.Internal(err)
	}
	if rec.ClientID != c.ID || rec.PoolID != p.Id {
		return nil, invalid
	}
	if rec.Origin != "" {
		g.endLineage(ctx, p, c, rec)
		return nil, invalid
	}
	if !g.Now().Before(rec.Expires) || redirectURI != rec.RedirectURI {
		return nil, invalid
	}
	if rec.Challenge == "" && verifier != "" {
		return nil, refuse("invalid_grant", "code_verifier was sent for a code issued without a code_challenge.")
	}
	if rec.Challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if !validVerifier(verifier) || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(rec.Challenge)) != 1 {
			return nil, refuse("invalid_grant", "code_verifier does not match the code_challenge.")
		}
	}
	u, err := g.user(ctx, p, rec.UserKey, rec.Sub)
	if err != nil {
		return nil, err
	}
	if u == nil || !u.Enabled || rec.AuthTime.UnixMilli() <= u.RevokedThrough {
		return nil, invalid
	}
	refresh, hash := token.NewRefreshToken(g.Rand)
	now := g.Now()
	expires := now.Add(c.RefreshTTL())
	var minted token.Tokens
	_, err = g.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		origin, at, err := g.lineages.Begin(cur)
		if err != nil {
			return nil, err
		}
		l := lineage.Lineage{OriginJTI: origin, AuthTime: rec.AuthTime, Scopes: rec.Scopes, Hosted: true, Nonce: rec.Nonce}
		if minted, err = g.lineages.Mint(ctx, p, c, cur, l, trigger.TokenGenerationHostedAuth, nil); err != nil {
			return nil, err
		}
		spent := rec
		spent.Origin = origin
		lr := lineage.Record{PoolID: p.Id, ClientID: c.ID, UserKey: cur.Stored.Key, Sub: cur.Sub(), OriginJTI: origin, Lineage: at,
			AuthTime: rec.AuthTime, Expires: expires, Scopes: rec.Scopes}
		lineage.Prune(cur, now)
		return []store.Op{
			store.PutOp(k, store.Item{Version: it.Version + 1, ExpiresAt: it.ExpiresAt, Data: model.MustJSON(spent)}, store.Cond{Kind: store.CondVersion, Version: it.Version}),
			store.PutOp(store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(hash)), store.Item{Version: 1, ExpiresAt: expires.Add(lineage.RefreshGrace), Data: model.MustJSON(lr)}, store.Cond{Kind: store.CondNotExists}),
		}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		// Another redemption spent the code first: this one is a replay.
		if it, err := g.Repo.Get(ctx, k); err == nil {
			var again codeRecord
			if json.Unmarshal(it.Data, &again) == nil && again.Origin != "" {
				g.endLineage(ctx, p, c, again)
			}
		}
		return nil, invalid
	}
	if err != nil {
		return nil, err // a trigger's refusal (a *cognito.Error) or a failure: the code stays unspent
	}
	out := &Tokens{AccessToken: minted.AccessToken, IDToken: minted.IDToken, RefreshToken: refresh, ExpiresIn: minted.ExpiresIn}
	if !slices.Contains(rec.Scopes, "openid") {
		out.IDToken = ""
	}
	return out, nil
}

// endLineage revokes the lineage a replayed code issued. It is best effort: the replay is
// refused whatever happens here, and a failure is logged.
func (g *Grants) endLineage(ctx context.Context, p *model.Pool, c *model.Client, rec codeRecord) {
	u, err := g.user(ctx, p, rec.UserKey, rec.Sub)
	if err != nil || u == nil {
		return
	}
	_, err = g.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		// Remembered for as long as any token of the lineage can live.
		lineage.RevokeOne(cur, rec.Origin, g.Now().Add(c.RefreshTTL()))
		return nil, nil
	})
	if err != nil {
		g.Log.WarnContext(ctx, "revoking a replayed code's lineage failed", "pool", p.Id, "err", err)
	}
}

// Implicit mints the implicit grant's tokens for who signed in (RFC 6749 §4.2): a lineage of
// its own, with the authorization's scopes and nonce, and no refresh token.
func (g *Grants) Implicit(ctx context.Context, a *Authorization, is *Issued) (*Tokens, error) {
	u, err := g.user(ctx, a.Pool, is.userKey, is.sub)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, refuse("access_denied", "The user is no longer there.")
	}
	var minted token.Tokens
	_, err = g.dir.UpdateUser(ctx, a.Pool, u, func(cur *model.User) ([]store.Op, error) {
		origin, _, err := g.lineages.Begin(cur)
		if err != nil {
			return nil, err
		}
		l := lineage.Lineage{OriginJTI: origin, AuthTime: is.authTime, Scopes: a.Scopes, Hosted: true, Nonce: a.Nonce}
		minted, err = g.lineages.Mint(ctx, a.Pool, a.Client, cur, l, trigger.TokenGenerationHostedAuth, nil)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: minted.AccessToken, IDToken: minted.IDToken, ExpiresIn: minted.ExpiresIn}, nil
}
