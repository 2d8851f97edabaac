// Package signer owns the token signing keys of every user pool: creating them, keeping their
// private halves sealed at rest, signing with them, and publishing their public halves for the
// JWKS. It knows nothing of JWTs; package token builds the bytes to sign and reads the kid.
//
// Like Cognito, each pool has one key for ID tokens and another for access tokens, both
// RSA-2048, signing with RSASSA-PKCS1-v1_5 SHA-256 (RS256), and both published.
//
// # Implementations
//
// Local keeps the keys in the Table, each private key sealed by an envelope.Sealer (a local
// master key in `cognate serve`, KMS envelope encryption in Lambda: the "kms-envelope" mode of
// DESIGN.md §5, which decrypts once per cold start and signs in-process at ~1 ms).
//
// KMS (kms.go) implements the same port: EnsurePoolKeys creates an asymmetric KMS key
// (RSA_2048, SIGN_VERIFY) per pool and use, reads its public key once with GetPublicKey and
// stores it in the same key record with the key ARN in place of the sealed private key; Sign
// hashes signingInput with SHA-256 itself and calls kms.Sign{MessageType: DIGEST,
// SigningAlgorithm: RSASSA_PKCS1_V1_5_SHA_256} (DIGEST avoids the 4 KB RAW message limit and
// sends only 32 bytes); PublicKeys never calls KMS.
//
// Both are a custody (where the private halves live, how they sign, how a new key is minted
// and an old one released) over one key ring (ring.go), which owns everything else: the key
// records, their cache, the choice of the signing key, the published set, creating generation 1,
// deleting a pool's keys, and what rotation (rotate.go) needs. A new mode is a new custody.
//
// # Storage layout (Local)
//
//	PK  KEYS#<poolID>
//	SK  <use>#<generation>     use is "id" or "access"; generation is 8 decimal digits from 00000001
//	Data JSON keyRecord: kid, use, alg, generation, createdAt, notBefore, retireAfter,
//	     public key (PKIX DER, in clear), private key (PKCS#8 DER sealed with
//	     aad "cognate/signer/v1" NUL poolID NUL use NUL kid)
//
// A generation is created with a must-not-exist condition on its own SK, so two processes that
// call EnsurePoolKeys (or Rotate) at the same time cannot both succeed: the loser's write
// fails, it re-reads, and both end up with the winner's key. A random kid in the SK could not give
// that guarantee. The public key is stored in clear so the processes that only verify tokens or
// serve the JWKS never need the right to decrypt.
//
// # Rotation
//
// A pool may hold several generations per use. The key that signs is the newest generation whose
// NotBefore has passed and whose RetireAfter (if set) has not; the keys published are all whose
// RetireAfter has not passed, including a successor whose NotBefore is still ahead.
//
// Rotate (every mode implements Rotator, rotate.go) writes generation n+1 with NotBefore =
// now + PublishLead (default 10 minutes, never less than this package's 5-minute cache TTL) and,
// in the same transaction, sets RetireAfter on generation n to that NotBefore +
// max(TokenLifetime, 24 h) + 1 h: the old key signs until its successor takes over, then stays
// published for the lifetime of the last token it signed (24 h, Cognito's maximum), never less
// than a day (checklist JWT-06), plus an hour for clock skew between processes. The new
// generation's write must not exist and generation n's is conditional on the version read, so of
// several concurrent rotators exactly one succeeds and the others report its key (in kms mode
// they schedule their own, never-recorded KMS keys for deletion); a pool whose keys are deleted
// meanwhile gets no new one. No "active" flag is flipped. While a rotation is pending (the newest
// NotBefore is ahead) Rotate creates nothing more. Generations past their RetireAfter (never the
// newest) are deleted by Rotate and PruneRetired; in kms mode their KMS keys are scheduled for
// deletion first, which is safe because they left every process's JWKS at RetireAfter
// (checklist KMS-02).
//
// Caches. A process caches a pool's whole record set for 5 minutes but chooses the signing key,
// and the published keys, on every call against its own clock. A process that already holds
// generation n+1 therefore starts signing with it exactly at its NotBefore, and stops publishing
// generation n exactly at its RetireAfter, without reloading. A process that loaded the records
// just before the rotation does not know generation n+1, but its copy expires within 5 minutes,
// which is no later than NotBefore: that is why PublishLead may not be shorter than the cache
// TTL. By NotBefore every process publishes and accepts the new key before any token carries
// it; verifiers outside that cache the JWKS document (max-age 300) are covered by the same
// lead, and the 10-minute default leaves room for clock skew and for libraries that keep a JWKS
// for 10 minutes (jose's createRemoteJWKSet).
//
// Scheduling. KeyAge (the age of the newest generation) and RotatePools (prune, then rotate the
// keys older than a period, going on past failures) drive `cognate keys rotate` for the local
// store and the scheduled rotate-keys Lambda function (daily, rotating keys older than
// COGNATE_ROTATE_AFTER_DAYS, default 90).
package signer

import (
	"context"
	"crypto/rsa"
	"errors"
)

// KeyUse says which tokens a key signs.
type KeyUse string

const (
	UseID     KeyUse = "id"
	UseAccess KeyUse = "access"
)

// Valid reports whether u is one of the known uses.
func (u KeyUse) Valid() bool { return u == UseID || u == UseAccess }

// PublicKey is a published verification key.
type PublicKey struct {
	Kid string
	// Use is the token kind the key signs. Verifiers may insist on it, so an access key can never
	// vouch for an ID token.
	Use KeyUse
	Key *rsa.PublicKey
}

// Signer is the port through which tokens are signed. Implementations are safe for concurrent
// use.
type Signer interface {
	// ActiveKid names the key that Sign will use for poolID and use now. A JWT header carries
	// the kid and is itself signed, so the caller needs the kid before it can build the bytes to
	// sign.
	ActiveKid(ctx context.Context, poolID string, use KeyUse) (kid string, err error)
	// Sign signs signingInput with the pool's current key for use (RSASSA-PKCS1-v1_5, SHA-256)
	// and names the key it used. That kid differs from an earlier ActiveKid only if a rotation
	// took effect in between; the caller then rebuilds its input and signs again.
	Sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (kid string, sig []byte, err error)
	// PublicKeys returns the pool's published keys (none, with no error, for a pool without keys).
	PublicKeys(ctx context.Context, poolID string) ([]PublicKey, error)
	// EnsurePoolKeys creates the pool's ID and access keys unless they exist. Idempotent; safe
	// to call from several processes at once.
	EnsurePoolKeys(ctx context.Context, poolID string) error
	// DeletePoolKeys removes all of the pool's keys. Tokens they signed stop verifying at once
	// in this process, and in others when their key cache expires (Local: 5 minutes).
	DeletePoolKeys(ctx context.Context, poolID string) error
}

var (
	// ErrNoKey: the pool has no usable key for the use (EnsurePoolKeys was not called, or the
	// pool was deleted).
	ErrNoKey = errors.New("signer: no signing key for pool")
	// ErrInvalidPool: a pool id that cannot name keys (empty, too long, or with characters that
	// would break item keys).
	ErrInvalidPool = errors.New("signer: invalid pool id")
)
