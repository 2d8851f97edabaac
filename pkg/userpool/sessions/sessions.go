// Package sessions owns challenge Sessions: the server side of the Session a sign-in step
// hands the client, opaque (256 random bits, stored only as a hash, or sealed so that issuing it
// writes nothing), bound to pool, client, user (by sub) and step, expiring after the client's
// AuthSessionValidity, and consumed by the answer in the same transaction as its effect, so a
// replay after success cannot commit twice (AUTH-07). It also resolves an answer's USERNAME to
// the session's user and nobody else.
package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
)

// Sessions issues, opens and consumes challenge Sessions over the service's ports.
type Sessions struct {
	*ports.Ports
	dir *directory.Directory
}

// New builds the sessions room; dir resolves the spellings of an answer's USERNAME.
func New(p *ports.Ports, dir *directory.Directory) *Sessions { return &Sessions{Ports: p, dir: dir} }

// Session is the server side of a challenge Session: opaque to the client (256 random bits,
// stored only as a hash), bound to pool, client, user and step, expiring after the client's
// AuthSessionValidity, and consumed by the answer (AUTH-07).
type Session struct {
	PoolID   string `json:"p"`
	ClientID string `json:"c"`
	// UserKey is the user's canonical key; "" marks a simulated session, issued for a user that
	// does not exist when existence errors are hidden (ENUM-02). Its answers always fail.
	UserKey string `json:"u"`
	// Sub is the sub of the user UserKey named when the session was issued (ownedBy).
	Sub string `json:"s,omitempty"`
	// Username is the name the step told the client (USER_ID_FOR_SRP for SRP steps).
	Username string `json:"n"`
	// Challenge is the step the session answers: a ChallengeName, or sessionSignUp.
	Challenge string            `json:"ch"`
	Data      map[string]string `json:"d,omitempty"`
	// Expires (unix seconds) is set on sealed sessions only, which no store record bounds.
	Expires int64 `json:"e,omitempty"`
	// Pad evens out sealed sessions' lengths (sealedSessionSize).
	Pad string `json:"z,omitempty"`
}

// ChallengeSignUp marks the Session SignUp and ConfirmSignUp return: not a challenge, but the
// ticket for signing in with USER_AUTH straight after confirmation.
const ChallengeSignUp = "SIGN_UP"

// Keys of authSession.Data.
const (
	KeyTyped       = "typed"  // simulated sessions: the name the caller typed
	KeySecretBlock = "sb"     // SRP steps: SHA-256 of the SECRET_BLOCK issued with the session
	KeyDevice      = "device" // device steps: the DeviceKey being proven
)

// OwnedBy tells whether the session was issued to u, not to an earlier user of the same name who
// has been deleted since: a Session must never answer for whoever holds the name now. A session
// stored before sessions carried the sub has none and is refused: sessions live minutes at most
// (AuthSessionValidity), so an upgrade costs at most a sign-in begun across it.
func (sess *Session) OwnedBy(u *model.User) bool {
	return sess.Sub != "" && sess.Sub == u.Sub()
}

func ID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// NewToken draws a Session: 256 random bits, of which only the hash is ever stored.
func (s *Sessions) NewToken() (string, error) {
	t, err := s.RandomToken(32)
	// A fixed first letter, as Cognito's own sessions have: a token starting with '-' would be
	// read as an option by command-line clients (`aws ... --session -xyz`).
	return "AY" + t, err
}

// Op is the write that stores a session under its token, expiring after the client's
// AuthSessionValidity.
func (s *Sessions) Op(c *model.Client, token string, sess Session) store.Op {
	return store.PutOp(store.RecordKey(store.RecordSession, ID(token)), store.Item{Version: 1, ExpiresAt: s.Now().Add(c.SessionTTL()), Data: model.MustJSON(sess)},
		store.Cond{Kind: store.CondNotExists})
}

// randomLen is the length of a stored session's token: "AY" and 256 random bits in
// base64url. A sealed session's token is always longer.
const randomLen = 2 + 43

// Seal returns a sealed Session for sess: its content travels in the token itself,
// AES-GCM sealed with the service's envelope sealer, so issuing it writes nothing (the
// PASSWORD_VERIFIER Session of USER_AUTH, which names its SECRET_BLOCK: see pkg/userpool/signin/srp.go). It is
// as strong as a stored one: unforgeable and unreadable without the key, bound to pool, client
// and step (and through its content to a user or a block), expiring after the client's
// AuthSessionValidity, and single use through the marker its consume op writes (peekSession),
// which must not exist yet, or through its block's.
func (s *Sessions) Seal(ctx context.Context, c *model.Client, sess Session) (string, error) {
	sess.Expires = s.Now().Add(c.SessionTTL()).Unix()
	plain := model.MustJSON(sess)
	if n := sealedSessionSize - len(plain) - len(`,"z":""`); n > 0 {
		sess.Pad = strings.Repeat(".", n)
		plain = model.MustJSON(sess)
	}
	blob, err := s.Sealer.Seal(ctx, plain, []byte(sealedSessionAAD))
	if err != nil {
		return "", err
	}
	return "AY" + base64.RawURLEncoding.EncodeToString(blob), nil
}

const sealedSessionAAD = "cognate/session/v1"

// sealedSessionSize is the length every sealed session's content is padded to, above the
// longest names Cognito allows, so that a simulated step's Session (ENUM-02) is exactly as long
// as a real user's and its length says nothing.
const sealedSessionSize = 800

// OpenSealed opens a sealed Session; its consume op records the token as used, until
// the session would have expired anyway.
func (s *Sessions) OpenSealed(ctx context.Context, token string) (*Session, store.Op, error) {
	// Strict: a token differing only in unused trailing bits is another token, and refused.
	blob, err := base64.RawURLEncoding.Strict().DecodeString(strings.TrimPrefix(token, "AY"))
	if err != nil || !strings.HasPrefix(token, "AY") {
		return nil, store.Op{}, msg.InvalidSession()
	}
	plain, err := s.Sealer.Open(ctx, blob, []byte(sealedSessionAAD))
	if errors.Is(err, envelope.ErrInvalid) {
		return nil, store.Op{}, msg.InvalidSession()
	}
	if err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	expires := time.Unix(sess.Expires, 0)
	if !s.Now().Before(expires) {
		return nil, store.Op{}, msg.InvalidSession()
	}
	return &sess, store.PutOp(store.RecordKey(store.RecordUsedSession, ID(token)), store.Item{Version: 1, ExpiresAt: expires.Add(time.Minute)},
		store.Cond{Kind: store.CondNotExists}), nil
}

// Peek reads a session without consuming it; the answer consumes it in the same
// transaction that applies its effect, so a retry after a policy error can use it again and a
// replay after success cannot.
func (s *Sessions) Peek(ctx context.Context, c *model.Client, token, challenge string) (*Session, store.Op, error) {
	sess, consume, err := s.Find(ctx, token, challenge)
	if err != nil {
		return nil, store.Op{}, err
	}
	if sess.ClientID != c.ID || sess.PoolID != c.PoolID {
		return nil, store.Op{}, msg.InvalidSession()
	}
	return sess, consume, nil
}

// Find is Peek for a call that names no app client (AssociateSoftwareToken and
// VerifySoftwareToken with a Session): the session says whose it is.
func (s *Sessions) Find(ctx context.Context, token, challenge string) (*Session, store.Op, error) {
	if token == "" {
		return nil, store.Op{}, msg.MissingParam("Session")
	}
	if len(token) > randomLen {
		sess, consume, err := s.OpenSealed(ctx, token)
		if err != nil {
			return nil, store.Op{}, err
		}
		if sess.Challenge != challenge {
			return nil, store.Op{}, msg.InvalidSession()
		}
		return sess, consume, nil
	}
	k := store.RecordKey(store.RecordSession, ID(token))
	it, err := s.Repo.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Op{}, msg.InvalidSession()
	}
	if err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	var sess Session
	if err := json.Unmarshal(it.Data, &sess); err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	if sess.Challenge != challenge {
		return nil, store.Op{}, msg.InvalidSession()
	}
	return &sess, store.DeleteOp(k, store.Cond{Kind: store.CondVersion, Version: it.Version}), nil
}

// Unspent is the check that a session's consume op would still succeed, written nothing.
func Unspent(consume store.Op) store.Op {
	return store.CheckOf(consume)
}

// User holds the USERNAME of an answer to the session's user (AUTH-07) and loads that
// user fresh. USERNAME may be the name the step sent (USER_ID_FOR_SRP), what the user typed, or
// any spelling that resolves to the same user (clients send either; case-insensitive pools fold).
// A simulated session yields a nil user and no error when the name matches, so its answer can
// fail exactly like a wrong password; a name that does not match is refused the same way for
// both kinds.
func (s *Sessions) User(ctx context.Context, p *model.Pool, sess *Session, username string) (*model.User, error) {
	key := model.UserKey(p, username)
	if sess.UserKey == "" {
		// The same read a real session costs, so the answer's timing says nothing (ENUM-03).
		_, _ = s.Repo.GetUser(ctx, p.Id, key)
		if key == model.UserKey(p, sess.Username) || key == model.UserKey(p, sess.Data[KeyTyped]) {
			return nil, nil
		}
		return nil, msg.InvalidSession()
	}
	su, err := s.Repo.GetUser(ctx, p.Id, sess.UserKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.InvalidSession() // deleted since the step began
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if !sess.OwnedBy(u) {
		return nil, msg.InvalidSession() // deleted since, and the name taken by another user
	}
	if key == u.Stored.Key {
		return u, nil
	}
	other, err := s.dir.FindUser(ctx, p, username, false)
	if err == nil && other.Stored.Key == u.Stored.Key {
		return u, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, msg.Internal(err)
	}
	return nil, msg.InvalidSession() // a session answers only for the user it was issued to
}

// SignUpOp is the write that stores the Session SignUp and ConfirmSignUp return.
func (s *Sessions) SignUpOp(p *model.Pool, c *model.Client, u *model.User) (string, store.Op, error) {
	tok, err := s.NewToken()
	if err != nil {
		return "", store.Op{}, msg.Internal(err)
	}
	return tok, s.Op(c, tok, Session{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), Username: u.Username, Challenge: ChallengeSignUp}), nil
}

// DropOp deletes a Session record if it exists (ConfirmSignUp retires SignUp's).
func DropOp(token string) store.Op {
	return store.DeleteOp(store.RecordKey(store.RecordSession, ID(token)), store.Cond{})
}
