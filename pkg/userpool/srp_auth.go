package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
)

// USER_SRP_AUTH and the two verifier steps (PASSWORD_VERIFIER, DEVICE_PASSWORD_VERIFIER).
//
// The server's SRP state travels in SECRET_BLOCK, as in Cognito: the client echoes it, so no
// instance has to remember b. It is sealed with the service's envelope sealer (AES-256-GCM under
// a KMS data key in the cloud), which authenticates it as well as hiding b, and the seal's
// additional data names the step and the hash of the Session it was issued with: a block opens
// only for its own Session, and that Session is consumed in the same transaction that issues
// tokens or the next challenge, so a block is good for exactly one success (PWD-07). The Session
// record also keeps the block's hash, so the answer must echo the very block issued.

// srpClockSkew bounds how far a TIMESTAMP may stray from the server clock (PWD-07). Cognito's
// window is not published; clients with clocks more than about five minutes off are known to
// fail there with "Incorrect username or password.", which is what a stale TIMESTAMP answers here.
const srpClockSkew = 5 * time.Minute

// maxBlockAge bounds a SECRET_BLOCK's life independently of its Session (whose lifetime is at
// most 15 minutes), in case a Session record outlives its expiry in a lazy store.
const maxBlockAge = 15 * time.Minute

// secretBlock is the sealed content of SECRET_BLOCK.
type secretBlock struct {
	Pool   string `json:"p"`
	Client string `json:"c"`
	User   string `json:"u"`           // the user's key (blockUser)
	UserID string `json:"i"`           // the name the client signs: USER_ID_FOR_SRP, or the DeviceKey
	Device string `json:"d,omitempty"` // device steps: the DeviceKey being proven
	A      []byte `json:"A"`           // the client's public value, as received
	B      []byte `json:"B"`           // the server's public value
	Secret []byte `json:"b"`           // b, the server's single-use private exponent
	Issued int64  `json:"t"`           // unix seconds
	Nonce  []byte `json:"n"`           // 16 random bytes: no two blocks are alike
}

func secretBlockAAD(challenge, sessionToken string) []byte {
	return []byte("cognate/srp-secret-block/" + challenge + "/" + sessionID(sessionToken))
}

func blockHash(block string) string {
	h := sha256.Sum256([]byte(block))
	return hex.EncodeToString(h[:])
}

// sealSecretBlock seals the server's SRP state to a Session token and returns SECRET_BLOCK.
func (s *Service) sealSecretBlock(ctx context.Context, challenge, sessionToken string, b *secretBlock) (string, error) {
	b.Issued = s.now().Unix()
	b.Nonce = make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b.Nonce); err != nil {
		return "", err
	}
	sealed, err := s.sealer.Seal(ctx, mustJSON(b), secretBlockAAD(challenge, sessionToken))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openSecretBlock checks that an answer echoes the block its Session was issued with and opens
// it. It returns the block's raw bytes too: the client signed those, not their base64. Any
// mismatch answers like a wrong password.
func (s *Service) openSecretBlock(ctx context.Context, p *poolState, c *clientState, challenge, sessionToken string, sess *authSession, given string) (*secretBlock, []byte, error) {
	if blockHash(given) != sess.Data[sessSecretBlock] {
		return nil, nil, incorrect()
	}
	raw, err := base64.StdEncoding.DecodeString(given)
	if err != nil {
		return nil, nil, incorrect()
	}
	if id := sess.Data[sessBlockBinding]; id != "" {
		sessionToken = id
	}
	plain, err := s.sealer.Open(ctx, raw, secretBlockAAD(challenge, sessionToken))
	if err != nil {
		return nil, nil, incorrect()
	}
	var b secretBlock
	if err := json.Unmarshal(plain, &b); err != nil {
		return nil, nil, internal(err)
	}
	if b.Pool != p.Id || b.Client != c.ID || b.User != blockUser(p, sess) || s.now().Sub(time.Unix(b.Issued, 0)) > maxBlockAge {
		return nil, nil, incorrect()
	}
	return &b, raw, nil
}

// blockUser is the user a SECRET_BLOCK names: the user's key, or for a simulated step the key
// the simulated name would have, so that a simulated block is as long as a real one and its
// size says nothing about the user's existence.
func blockUser(p *poolState, sess *authSession) string {
	if sess.UserKey != "" {
		return sess.UserKey
	}
	return userKey(p, sess.Username)
}

// srpStep draws b for a verifier and seals the step's state into a SECRET_BLOCK bound to a
// freshly drawn Session token. It returns the token, the block and B.
func (s *Service) srpStep(ctx context.Context, challenge string, verifier []byte, b *secretBlock, A *big.Int) (tok, block string, B *big.Int, err error) {
	step, err := srp.NewServerStep(s.rand, verifier) // a fresh 256-bit b every attempt
	if err != nil {
		return "", "", nil, err
	}
	if tok, err = s.newSessionToken(); err != nil {
		return "", "", nil, err
	}
	b.A, b.B, b.Secret = A.Bytes(), step.B.Bytes(), step.Secret.Bytes()
	if block, err = s.sealSecretBlock(ctx, challenge, tok, b); err != nil {
		return "", "", nil, err
	}
	return tok, block, step.B, nil
}

// srpProof is the answer to a verifier step, as received.
type srpProof struct {
	block, signature, timestamp string
	when                        time.Time
}

// readProof takes PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE and TIMESTAMP from an
// answer. A TIMESTAMP in another format is refused as Cognito refuses it; its age is judged
// with the signature.
func readProof(resp map[string]string) (*srpProof, error) {
	pr := &srpProof{block: resp["PASSWORD_CLAIM_SECRET_BLOCK"], signature: resp["PASSWORD_CLAIM_SIGNATURE"], timestamp: resp["TIMESTAMP"]}
	for _, m := range []struct{ name, v string }{
		{"PASSWORD_CLAIM_SECRET_BLOCK", pr.block}, {"PASSWORD_CLAIM_SIGNATURE", pr.signature}, {"TIMESTAMP", pr.timestamp},
	} {
		if m.v == "" {
			return nil, missingParam(m.name)
		}
	}
	when, err := srp.ParseTimestamp(pr.timestamp)
	if err != nil {
		return nil, cognito.InvalidParameter("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	pr.when = when
	return pr, nil
}

// verifySRP judges a proof: the signature over poolName || userID || block || TIMESTAMP (the exact
// string received) with the session key of the block's A, B and b and the verifier, and the
// TIMESTAMP within the skew window. The full computation runs whatever the outcome, so a stale
// TIMESTAMP or a simulated step costs the same as a real check (ENUM-03).
func (s *Service) verifySRP(b *secretBlock, raw []byte, pr *srpProof, verifier []byte, poolName string) bool {
	A, B, secret := new(big.Int).SetBytes(b.A), new(big.Int).SetBytes(b.B), new(big.Int).SetBytes(b.Secret)
	key, err := srp.ServerSessionKey(A, B, secret, verifier) // refuses A mod N = 0 and u = 0
	if err != nil {
		return false
	}
	ok := srp.VerifySignature(key, poolName, b.UserID, raw, pr.timestamp, pr.signature)
	skew := s.now().Sub(pr.when)
	return ok && skew <= srpClockSkew && skew >= -srpClockSkew
}

// ---- USER_SRP_AUTH ----

// srpAuth is USER_SRP_AUTH: SRP_A in, PASSWORD_VERIFIER out.
func (s *Service) srpAuth(ctx context.Context, r *authRequest) (*AuthOutput, error) {
	username := r.params["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	A, err := readSRPA(r.params)
	if err != nil {
		return nil, err
	}
	u, err := s.resolveUser(ctx, r.pool, r.client, username, r.params["SECRET_HASH"])
	if err != nil {
		return nil, err
	}
	if u == nil && !r.client.preventUserExistenceErrors() {
		return nil, userNotFound()
	}
	// A DEVICE_KEY sent here is not judged: clients present it again with the verifier answer,
	// which is where an unknown one is refused (and where clients retry without it).
	return s.passwordVerifierChallenge(ctx, &signInStep{pool: r.pool, client: r.client, user: u}, username, A)
}

// readSRPA parses SRP_A. A value that is not a hex number, or is 0 mod N (which would force
// the shared secret to 0, PWD-07), is refused before any user is looked up, with the answer a
// failed sign-in gets.
func readSRPA(params map[string]string) (*big.Int, error) {
	v := params["SRP_A"]
	if v == "" {
		return nil, missingParam("SRP_A")
	}
	A, err := srp.ParseA(v)
	if err != nil {
		return nil, incorrect()
	}
	return A, nil
}

// passwordVerifierChallenge answers SRP_A with PASSWORD_VERIFIER for st.user, or, when st.user
// is nil (an unknown user with existence errors hidden), with a simulated one (ENUM-02): a SALT
// and USER_ID_FOR_SRP that are stable per (pool, typed name), an SRP_B computed from a dummy
// verifier with the same modular exponentiation, and a real sealed SECRET_BLOCK and Session,
// whose answer then fails exactly like a wrong password. st.consume (a SELECT_CHALLENGE
// Session) commits with the new Session.
func (s *Service) passwordVerifierChallenge(ctx context.Context, st *signInStep, typed string, A *big.Int) (*AuthOutput, error) {
	p, c, u := st.pool, st.client, st.user
	sess := authSession{PoolID: p.Id, ClientID: c.ID, Challenge: challengePasswordVerifier, Data: map[string]string{}}
	salt, verifier := s.simulatedSalt(p, typed), dummyVerifier
	if u != nil {
		sess.UserKey, sess.Sub, sess.Username = u.st.Key, u.sub(), u.Username
		if u.Password != nil {
			v, err := s.sealer.Open(ctx, u.Password.Verifier, verifierAAD(p.Id, u.sub()))
			if err != nil {
				return nil, internal(err)
			}
			salt, verifier = u.Password.Salt, v
		}
	} else {
		sess.Username = s.simulatedUserID(p, typed)
		sess.Data[sessTyped] = typed
	}
	tok, block, B, err := s.srpStep(ctx, challengePasswordVerifier, verifier, &secretBlock{Pool: p.Id, Client: c.ID, User: blockUser(p, &sess), UserID: sess.Username}, A)
	if err != nil {
		return nil, internal(err)
	}
	sess.Data[sessSecretBlock] = blockHash(block)
	sess.Data[sessBlockBinding] = tok
	// The step's state travels sealed in the Session: issuing the challenge writes nothing,
	// unless it spends a SELECT_CHALLENGE Session.
	sealed, err := s.sealSession(ctx, c, sess)
	if err != nil {
		return nil, internal(err)
	}
	if err := s.commitStep(ctx, st); err != nil {
		return nil, err
	}
	return &AuthOutput{ChallengeName: challengePasswordVerifier, Session: sealed, ChallengeParameters: map[string]string{
		"SALT": hex.EncodeToString(salt), "SRP_B": srp.HexInt(B), "SECRET_BLOCK": block,
		"USERNAME": sess.Username, "USER_ID_FOR_SRP": sess.Username,
	}}, nil
}

// simulatedSalt is the SALT an unknown user gets: 16 bytes, like a real user's, derived from the
// server key, the pool and the folded typed name, so repeated attempts see the same salt (a
// fresh one each time would betray the simulation).
func (s *Service) simulatedSalt(p *poolState, typed string) []byte {
	return s.mac("srp-simulated-salt", p.Id, lookupKey(p, typed))[:16]
}

// lookupKey folds a typed name the way findUser looks it up, so that every spelling that would
// find the same real user gets the same simulated values.
func lookupKey(p *poolState, typed string) string {
	switch {
	case (p.usernameAttr("email") || p.aliasAttr("email")) && strings.Contains(typed, "@"):
		return "email:" + aliasValue("email", typed)
	case (p.usernameAttr("phone_number") || p.aliasAttr("phone_number")) && strings.HasPrefix(typed, "+"):
		return "phone_number:" + typed
	}
	return "username:" + userKey(p, typed)
}

// simulatedUserID is the USER_ID_FOR_SRP an unknown user gets, shaped as a real user's would be
// for what was typed: where Cognito itself sends an internal id — the UUID of email/phone-as-
// username pools, or the username behind an email or phone alias — a UUID derived from the server
// key, the pool and the folded typed name; where a real user's USER_ID_FOR_SRP is the username
// they typed, the typed name itself (a UUID there would betray the simulation at once).
func (s *Service) simulatedUserID(p *poolState, typed string) string {
	shaped := len(p.UsernameAttributes) > 0 ||
		(p.aliasAttr("email") && emailRe.MatchString(typed)) ||
		(p.aliasAttr("phone_number") && phoneRe.MatchString(typed))
	if !shaped {
		return typed
	}
	return formatUUID(s.mac("srp-simulated-user", p.Id, lookupKey(p, typed))[:16], 4)
}

// respondPasswordVerifier answers PASSWORD_VERIFIER: the PASSWORD_CLAIM_SIGNATURE is the
// password verdict of the SRP flows, and the rest of the pipeline follows as for a password.
func (s *Service) respondPasswordVerifier(ctx context.Context, p *poolState, c *clientState, session string, resp map[string]string) (*AuthOutput, error) {
	username := resp["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	pr, err := readProof(resp)
	if err != nil {
		return nil, err
	}
	sess, consume, err := s.peekSession(ctx, c, session, challengePasswordVerifier)
	if err != nil {
		return nil, err
	}
	b, raw, err := s.openSecretBlock(ctx, p, c, challengePasswordVerifier, session, sess, pr.block)
	if err != nil {
		return nil, err
	}
	verdict := func(u *userState) (bool, error) {
		if u.Password == nil {
			s.verifySRP(b, raw, pr, dummyVerifier, srp.PoolName(p.Id))
			return false, nil
		}
		v, err := s.sealer.Open(ctx, u.Password.Verifier, verifierAAD(p.Id, u.sub()))
		if err != nil {
			return false, err
		}
		// A password changed since the challenge was issued yields another key: the proof fails.
		return s.verifySRP(b, raw, pr, v, srp.PoolName(p.Id)), nil
	}
	// The common case in one store request before the outcome: the answer names the session's
	// user by its key, so the attempt is counted while that user is read (countAttempt). The
	// Session's spending is then only checked by the outcome's commit; passwordVerdict takes
	// back the attempt of an answer refused there (a replay), so a replay is never counted.
	if sess.UserKey != "" && userKey(p, username) == sess.UserKey && checkSecretHash(c, resp["SECRET_HASH"], username, sess.Username) == nil {
		if u := s.countAttempt(ctx, p, sess.UserKey); u != nil {
			if !sess.ownedBy(u) { // the name is another user's since: nothing to judge or count
				s.releaseAttempt(ctx, p, u)
				return nil, invalidSession()
			}
			return s.passwordVerdict(ctx, &signInStep{pool: p, client: c, user: u, device: resp["DEVICE_KEY"], consume: []store.Op{consume}, reserved: true}, verdict)
		}
	}
	u, err := s.sessionUser(ctx, p, sess, username)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, resp["SECRET_HASH"], username, sess.Username); err != nil {
		return nil, err
	}
	if u == nil {
		// Simulated: the same computation against the dummy verifier, then the answer a wrong
		// password gets (ENUM-01..03).
		s.verifySRP(b, raw, pr, dummyVerifier, srp.PoolName(p.Id))
		return nil, incorrect()
	}
	// PreAuthentication trigger point (SRP reaches the password phase here, not at InitiateAuth).
	// The Session is spent with the outcome, so an answer refused for a policy reason (an
	// unknown DEVICE_KEY) may be sent again without it; a spent one is refused at the lockout
	// reservation, before the proof is judged or counted.
	st := &signInStep{pool: p, client: c, user: u, device: resp["DEVICE_KEY"], consume: []store.Op{consume}, attempt: []store.Op{unspent(consume)}}
	return s.passwordVerdict(ctx, st, verdict)
}
