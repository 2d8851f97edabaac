package signin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/passwords"

	"github.com/cognatehq/cognate/pkg/userpool/sessions"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
)

// USER_SRP_AUTH and the two verifier steps (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER).
//
// The server's SRP state travels in SECRET_BLOCK, as in Cognito: the client echoes it, so no
// instance has to remember b. It is sealed with the service's envelope sealer (AES-256-GCM under
// a KMS data key in the cloud), which authenticates it as well as hiding b; the seal's additional
// data names the step.
//
// PASSWORD_VERIFIER comes with no Session, as from Cognito (measured against a real pool:
// ministackorg/ministack#1758), and clients answer it without one (alexrudd/cognito-srp,
// pycognito); amazon-cognito-identity-js and Amplify echo whatever Session they got, which then
// is none. So the block is the step's ticket and carries what a sealed Session would: pool,
// client, the user's key and sub (a user deleted and registered again under the same name is
// another user), the name the client signs, the name typed, and an expiry after the client's
// AuthSessionValidity. It is single use through a used-session marker keyed by the hash of its
// bytes, written in the transaction that issues tokens or the next challenge, so a block is
// good for exactly one success (PWD-07); issuing it writes nothing. A wrong proof leaves it
// usable until it expires (each try counts toward lockout), as a wrong password leaves a Session.
//
// USER_AUTH's PASSWORD_SRP still returns a Session with PASSWORD_VERIFIER: nothing measured says
// Cognito drops it there. That Session names its block's hash and nothing else, so an answer may
// carry it or not, but an answer that carries a Session must carry that Session's block.
//
// DEVICE_PASSWORD_VERIFIER keeps its stored Session; its block is sealed to that Session and
// must be the one the Session recorded.

// secretBlock is the sealed content of SECRET_BLOCK.
type secretBlock struct {
	Pool   string `json:"p"`
	Client string `json:"c"`
	// User is the user's key; "" marks a simulated PASSWORD_VERIFIER, issued for a user that
	// does not exist when existence errors are hidden (ENUM-02). Its answers always fail.
	User   string `json:"u"`
	Sub    string `json:"s"`           // the user's sub
	UserID string `json:"i"`           // the name the client signs: USER_ID_FOR_SRP, or the DeviceKey
	Typed  string `json:"y,omitempty"` // PASSWORD_VERIFIER: the name the user typed
	Device string `json:"d,omitempty"` // device steps: the DeviceKey being proven
	// Custom is the history of a CUSTOM_AUTH that began with SRP_A (JSON), so the verifier's
	// answer goes back to DefineAuthChallenge instead of to tokens; "" outside a custom flow.
	Custom string `json:"cu,omitempty"`
	A      []byte `json:"A"` // the client's public value, as received
	B      []byte `json:"B"` // the server's public value
	Secret []byte `json:"b"` // b, the server's single-use private exponent
	// Expires (unix seconds): the client's AuthSessionValidity after issue.
	Expires int64  `json:"e"`
	Nonce   []byte `json:"n"` // 16 random bytes: no two blocks are alike
	// Pad evens out blocks' lengths (blockFixedSize).
	Pad string `json:"z,omitempty"`
}

// blockFixedSize is the length a block's content is padded to, A and B not counted (their
// lengths are the client's choice and chance): above the longest names Cognito allows, so that
// a simulated block (ENUM-02) is exactly as long as a real one and its size says nothing.
const blockFixedSize = 1024

// secretBlockAAD binds a block to its step and, for device steps, to the stored Session it was
// issued with (binding is that Session's token; "" for PASSWORD_VERIFIER).
func secretBlockAAD(challenge, binding string) []byte {
	aad := "cognate/srp-secret-block/" + challenge
	if binding != "" {
		aad += "/" + sessions.ID(binding)
	}
	return []byte(aad)
}

func blockHash(block string) string {
	h := sha256.Sum256([]byte(block))
	return hex.EncodeToString(h[:])
}

// sealSecretBlock seals the server's SRP state and returns SECRET_BLOCK.
func (s *SignIn) sealSecretBlock(ctx context.Context, c *model.Client, challenge, binding string, b *secretBlock) (string, error) {
	b.Expires = s.Now().Add(c.SessionTTL()).Unix()
	b.Nonce = make([]byte, 16)
	if _, err := io.ReadFull(s.Rand, b.Nonce); err != nil {
		return "", err
	}
	plain := model.MustJSON(b)
	fixed := len(plain) - base64.StdEncoding.EncodedLen(len(b.A)) - base64.StdEncoding.EncodedLen(len(b.B))
	if n := blockFixedSize - fixed - len(`,"z":""`); n > 0 {
		b.Pad = strings.Repeat(".", n)
		plain = model.MustJSON(b)
	}
	sealed, err := s.Sealer.Seal(ctx, plain, secretBlockAAD(challenge, binding))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// unsealBlock opens a SECRET_BLOCK as received. It returns the block's raw bytes too: the client
// signed those, not their base64. Only the canonical base64 of a block is accepted, so that one
// block has one spelling. A block that does not open answers like a wrong password.
func (s *SignIn) unsealBlock(ctx context.Context, challenge, binding, given string) (*secretBlock, []byte, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(given)
	if err != nil {
		return nil, nil, msg.Incorrect()
	}
	plain, err := s.Sealer.Open(ctx, raw, secretBlockAAD(challenge, binding))
	if errors.Is(err, envelope.ErrInvalid) {
		return nil, nil, msg.Incorrect()
	}
	if err != nil {
		return nil, nil, msg.Internal(err)
	}
	var b secretBlock
	if err := json.Unmarshal(plain, &b); err != nil {
		return nil, nil, msg.Internal(err)
	}
	return &b, raw, nil
}

// openSecretBlock checks that a device answer echoes the block its stored Session was issued
// with, and opens it.
func (s *SignIn) openSecretBlock(ctx context.Context, p *model.Pool, c *model.Client, challenge, sessionToken string, sess *sessions.Session, given string) (*secretBlock, []byte, error) {
	if blockHash(given) != sess.Data[sessions.KeySecretBlock] {
		return nil, nil, msg.Incorrect()
	}
	b, raw, err := s.unsealBlock(ctx, challenge, sessionToken, given)
	if err != nil {
		return nil, nil, err
	}
	if b.Pool != p.Id || b.Client != c.ID || b.User != sess.UserKey || !s.Now().Before(time.Unix(b.Expires, 0)) {
		return nil, nil, msg.Incorrect()
	}
	return b, raw, nil
}

// openVerifierBlock opens the SECRET_BLOCK of a PASSWORD_VERIFIER answer, which stands in for
// the step's Session: one of another pool or client, or past its expiry, is refused as such a
// Session would be. A Session sent along must be the one issued with that block. The op
// returned spends the block; it commits with the outcome.
func (s *SignIn) openVerifierBlock(ctx context.Context, p *model.Pool, c *model.Client, session, given string) (*secretBlock, []byte, store.Op, error) {
	b, raw, err := s.unsealBlock(ctx, challengePasswordVerifier, "", given)
	if err != nil {
		return nil, nil, store.Op{}, err
	}
	expires := time.Unix(b.Expires, 0)
	if b.Pool != p.Id || b.Client != c.ID || !s.Now().Before(expires) {
		return nil, nil, store.Op{}, msg.InvalidSession()
	}
	if session != "" {
		sess, _, err := s.sessions.OpenSealed(ctx, session)
		if err != nil {
			return nil, nil, store.Op{}, err
		}
		if sess.Challenge != challengePasswordVerifier || sess.ClientID != c.ID || sess.PoolID != c.PoolID {
			return nil, nil, store.Op{}, msg.InvalidSession()
		}
		if sess.Data[sessions.KeySecretBlock] != blockHash(given) {
			return nil, nil, store.Op{}, msg.Incorrect()
		}
	}
	h := sha256.Sum256(raw)
	spend := store.PutOp(store.RecordKey(store.RecordUsedSession, "sb-"+hex.EncodeToString(h[:])), store.Item{Version: 1, ExpiresAt: expires.Add(time.Minute)},
		store.Cond{Kind: store.CondNotExists})
	return b, raw, spend, nil
}

// session is the view of a PASSWORD_VERIFIER block that sessionUser judges an answer's USERNAME
// by.
func (b *secretBlock) session() *sessions.Session {
	return &sessions.Session{PoolID: b.Pool, ClientID: b.Client, UserKey: b.User, Sub: b.Sub, Username: b.UserID, Challenge: challengePasswordVerifier,
		Data: map[string]string{sessions.KeyTyped: b.Typed}}
}

// srpStep draws b for a verifier and seals the step's state into a SECRET_BLOCK (bound to
// binding, a stored Session's token, when not ""). It returns the block and B.
func (s *SignIn) srpStep(ctx context.Context, c *model.Client, challenge, binding string, verifier []byte, b *secretBlock, A *big.Int) (block string, B *big.Int, err error) {
	step, err := srp.NewServerStep(s.Rand, verifier) // a fresh 256-bit b every attempt
	if err != nil {
		return "", nil, err
	}
	b.A, b.B, b.Secret = A.Bytes(), step.B.Bytes(), step.Secret.Bytes()
	if block, err = s.sealSecretBlock(ctx, c, challenge, binding, b); err != nil {
		return "", nil, err
	}
	return block, step.B, nil
}

// srpProof is the answer to a verifier step, as received.
type srpProof struct {
	block, signature, timestamp string
	// signed is the string the signature is checked over: Cognito's rendering of TIMESTAMP.
	signed string
}

// readProof takes PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE and TIMESTAMP from an
// answer. A TIMESTAMP that does not read as Cognito reads it is refused as Cognito refuses it;
// one that reads but is not Cognito's own rendering (a zero-padded day, a wrong weekday) fails
// the signature, as there (srp.ParseTimestamp has the evidence).
func readProof(resp map[string]string) (*srpProof, error) {
	pr := &srpProof{block: resp["PASSWORD_CLAIM_SECRET_BLOCK"], signature: resp["PASSWORD_CLAIM_SIGNATURE"], timestamp: resp["TIMESTAMP"]}
	for _, m := range []struct{ name, v string }{
		{"PASSWORD_CLAIM_SECRET_BLOCK", pr.block}, {"PASSWORD_CLAIM_SIGNATURE", pr.signature}, {"TIMESTAMP", pr.timestamp},
	} {
		if m.v == "" {
			return nil, msg.MissingParam(m.name)
		}
	}
	when, err := srp.ParseTimestamp(pr.timestamp)
	if err != nil {
		return nil, cognito.InvalidParameter("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	pr.signed = srp.FormatTimestamp(when)
	return pr, nil
}

// verifySRP judges a proof: the signature over poolName || userID || block || TIMESTAMP, in
// Cognito's rendering, with the session key of the block's A, B and b and the verifier. There
// is no clock window: TIMESTAMP is only part of the signed message, as on Cognito (clients it
// accepts send times twelve hours off), and the single-use block is what stops a replay. The
// full computation runs whatever the outcome, so a simulated step costs the same as a real
// check (ENUM-03).
func (s *SignIn) verifySRP(b *secretBlock, raw []byte, pr *srpProof, verifier []byte, poolName string) bool {
	A, B, secret := new(big.Int).SetBytes(b.A), new(big.Int).SetBytes(b.B), new(big.Int).SetBytes(b.Secret)
	key, err := srp.ServerSessionKey(A, B, secret, verifier) // refuses A mod N = 0 and u = 0
	if err != nil {
		return false
	}
	return srp.VerifySignature(key, poolName, b.UserID, raw, pr.signed, pr.signature)
}

// ---- USER_SRP_AUTH ----

func init() {
	registerFlow("USER_SRP_AUTH", &signInHandler{allow: "ALLOW_USER_SRP_AUTH", username: true, read: readSRPAParam, decide: decideSRP})
	registerAnswer(challengePasswordVerifier, &signInHandler{username: true, read: readProofParams, ticket: verifierTicket, counts: true,
		hashName: func(c *signInCall) string { return c.block.UserID }, decide: decidePasswordVerifier})
}

// decideSRP is USER_SRP_AUTH: SRP_A in, PASSWORD_VERIFIER out. A DEVICE_KEY sent here is not
// judged: clients present it again with the verifier answer, which is where an unknown one is
// refused (and where clients retry without it).
func decideSRP(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	return s.passwordVerifierChallenge(ctx, &signInStep{pool: c.pool, client: c.client, user: c.user}, c.username, c.srpA, false)
}

// readSRPAParam reads SRP_A for a step's decision.
func readSRPAParam(c *signInCall) (err error) {
	c.srpA, err = readSRPA(c.params)
	return err
}

// readSRPA parses SRP_A. A value that is not a hex number, or is 0 mod N (which would force
// the shared secret to 0, PWD-07), is refused before any user is looked up, with the answer a
// failed sign-in gets.
func readSRPA(params map[string]string) (*big.Int, error) {
	v := params["SRP_A"]
	if v == "" {
		return nil, msg.MissingParam("SRP_A")
	}
	A, err := srp.ParseA(v)
	if err != nil {
		return nil, msg.Incorrect()
	}
	return A, nil
}

// passwordVerifierChallenge answers SRP_A with PASSWORD_VERIFIER for st.user, or, when st.user
// is nil (an unknown user with existence errors hidden), with a simulated one (ENUM-02): a SALT
// and USER_ID_FOR_SRP that are stable per (pool, typed name), an SRP_B computed from a dummy
// verifier with the same modular exponentiation, and a real sealed SECRET_BLOCK of the same
// length, whose answer then fails exactly like a wrong password. withSession adds the Session
// USER_AUTH returns; USER_SRP_AUTH returns none, as Cognito. st.consume (a SELECT_CHALLENGE
// Session) commits with the challenge; otherwise issuing it writes nothing.
func (s *SignIn) passwordVerifierChallenge(ctx context.Context, st *signInStep, typed string, A *big.Int, withSession bool) (*signInDecision, error) {
	p, c, u := st.pool, st.client, st.user
	b := &secretBlock{Pool: p.Id, Client: c.ID, Typed: typed, Custom: st.customBlock}
	salt, verifier := s.simulatedSalt(p, typed), passwords.DummyVerifier
	if u != nil {
		b.User, b.Sub, b.UserID = u.Stored.Key, u.Sub(), model.SRPName(p, u)
		if u.Password != nil {
			v, err := s.Sealer.Open(ctx, u.Password.Verifier, passwords.VerifierAAD(p.Id, u.Sub()))
			if err != nil {
				return nil, msg.Internal(err)
			}
			salt, verifier = u.Password.Salt, v
		}
	} else {
		b.UserID = s.simulatedUserID(p, typed)
	}
	block, B, err := s.srpStep(ctx, c, challengePasswordVerifier, "", verifier, b, A)
	if err != nil {
		return nil, msg.Internal(err)
	}
	out := &api.AuthOutput{ChallengeName: challengePasswordVerifier, ChallengeParameters: map[string]string{
		"SALT": hex.EncodeToString(salt), "SRP_B": srp.HexInt(B), "SECRET_BLOCK": block,
		"USERNAME": b.UserID, "USER_ID_FOR_SRP": b.UserID,
	}}
	if withSession {
		// The same for real and simulated steps: it names the block and nothing else.
		sess := sessions.Session{PoolID: p.Id, ClientID: c.ID, Challenge: challengePasswordVerifier, Data: map[string]string{sessions.KeySecretBlock: blockHash(block)}}
		if out.Session, err = s.sessions.Seal(ctx, c, sess); err != nil {
			return nil, msg.Internal(err)
		}
	}
	return &signInDecision{step: st, out: out}, nil
}

// simulatedSalt is the SALT an unknown user gets: 16 bytes, like a real user's, derived from the
// server key, the pool and the folded typed name, so repeated attempts see the same salt (a
// fresh one each time would betray the simulation).
func (s *SignIn) simulatedSalt(p *model.Pool, typed string) []byte {
	return s.MAC("srp-simulated-salt", p.Id, model.LookupKey(p, typed))[:16]
}

// simulatedUserID is the USER_ID_FOR_SRP an unknown user gets: a real user's as far as it can
// be known without one (ENUM-02). A real user's is the name their stored verifier was made for,
// the username (a UUID in email- and phone-as-username pools), and clients sign with it, so it
// cannot be altered to hide anything; the simulation follows it instead:
//   - an email address or phone number typed where it names users (username attribute, or an
//     alias, where no username may look like one) gets, for a real user, an internal name
//     unrelated to what was typed; for an unknown one, a UUID derived from the server key, the
//     pool and the folded address, which is a real user's very shape in email- and
//     phone-as-username pools, and in alias pools whose usernames are UUIDs;
//   - any other name gets, for a real user, the stored username, which is what was typed folded
//     as the pool folds names (NFKC, and lower case when case-insensitive) whenever the user's
//     name is stored in that form; for an unknown one, exactly that folded name. Every spelling
//     of a name thus gets one answer, real or not (an unknown name used to come back as typed,
//     a real one canonical).
//
// A real username not in folded form (capitals, in a case-insensitive pool) has its verifier
// made over the folded name (newPassword), so it too answers folded; only a password set before
// that answers the name as stored until it is next set. What still tells users apart cannot be
// hidden: in an alias pool whose usernames are not UUIDs an alias comes back as the username
// behind it, as Cognito discloses it too (a verifier per alias would go stale when the alias
// changes, which needs no password). Pools that must hide even that sign in by email or phone as
// username, or use UUID usernames with aliases.
func (s *SignIn) simulatedUserID(p *model.Pool, typed string) string {
	_, _, asUsername := model.UsernameAlias(p, typed)
	if asUsername || (p.AliasAttr("email") && model.EmailRe.MatchString(typed)) || (p.AliasAttr("phone_number") && model.PhoneRe.MatchString(typed)) {
		return ports.FormatUUID(s.MAC("srp-simulated-user", p.Id, model.LookupKey(p, typed))[:16], 4)
	}
	return model.UserKey(p, typed)
}

// readProofParams reads the proof of a verifier step for its decision.
func readProofParams(c *signInCall) (err error) {
	c.proof, err = readProof(c.params)
	return err
}

// verifierTicket opens the SECRET_BLOCK of a PASSWORD_VERIFIER answer, which is the step's
// ticket (openVerifierBlock): the user it was issued for, and the spending of the block, which
// commits with the outcome. A Session is optional.
func verifierTicket(ctx context.Context, s *SignIn, c *signInCall) error {
	b, raw, spend, err := s.openVerifierBlock(ctx, c.pool, c.client, c.token, c.proof.block)
	if err != nil {
		return err
	}
	c.block, c.blockRaw, c.sess, c.consume = b, raw, b.session(), []store.Op{spend}
	return nil
}

// decidePasswordVerifier answers PASSWORD_VERIFIER: the PASSWORD_CLAIM_SIGNATURE is the
// password verdict of the SRP flows, and the rest of the pipeline follows as for a password.
func decidePasswordVerifier(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	p, b, raw, pr := c.pool, c.block, c.blockRaw, c.proof
	if c.user == nil {
		// Simulated: the same computation against the dummy verifier, then the answer a wrong
		// password gets (ENUM-01..03).
		s.verifySRP(b, raw, pr, passwords.DummyVerifier, srp.PoolName(p.Id))
		return nil, msg.Incorrect()
	}
	verdict := func(u *model.User) (bool, error) {
		if u.Password == nil {
			s.verifySRP(b, raw, pr, passwords.DummyVerifier, srp.PoolName(p.Id))
			return false, nil
		}
		v, err := s.Sealer.Open(ctx, u.Password.Verifier, passwords.VerifierAAD(p.Id, u.Sub()))
		if err != nil {
			return false, err
		}
		// A password changed since the challenge was issued yields another key: the proof fails.
		return s.verifySRP(b, raw, pr, v, srp.PoolName(p.Id)), nil
	}
	st := c.step()
	if b.Custom != "" {
		if err := json.Unmarshal([]byte(b.Custom), &st.custom); err != nil {
			return nil, msg.Internal(err)
		}
	}
	if !c.reserved {
		// The block is spent with the outcome, so an answer refused for a policy reason (an
		// unknown DEVICE_KEY) may be sent again without it; a spent one is refused at the lockout
		// reservation, before the proof is judged or counted.
		st.attempt = []store.Op{sessions.Unspent(c.consume[0])}
	}
	return &signInDecision{step: st, verdict: verdict}, nil
}
