package signer

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
)

const (
	// kidBytes of randomness per kid: 144 bits, 24 base64url characters.
	kidBytes = 18
	// recordFormat is the version of Local's key records (keyRecord with a sealed private key).
	recordFormat = 1
)

// Local keeps each pool's keys in the Table, sealed, and signs in-process. Parsed keys are cached
// in memory; private keys are unsealed only when first used to sign, so a process that only
// verifies never decrypts one. It is the custody of the local and kms-envelope modes: the key
// ring (ring.go) does the rest.
type Local struct {
	keys   *ring
	sealer *envelope.Sealer

	randMu sync.Mutex
	rand   io.Reader
}

var _ Signer = (*Local)(nil)

// NewLocal returns a Signer over tbl. sealer protects private keys at rest; clk decides which
// key is current and how long cached keys are trusted; r supplies kids (nil means
// crypto/rand.Reader) and is read under a lock. RSA key material itself always comes from the
// system's CSPRNG (as crypto/rsa insists since Go 1.26), whatever r is: a deterministic test
// reader must never be able to produce a guessable production key.
func NewLocal(tbl store.Table, sealer *envelope.Sealer, clk clock.Clock, r io.Reader) *Local {
	if r == nil {
		r = rand.Reader
	}
	l := &Local{sealer: sealer, rand: r}
	// A Local key lives only in its record: a failed write has nothing to settle.
	l.keys = newRing(tbl, clk, l, 0)
	return l
}

// ActiveKid implements Signer.
func (l *Local) ActiveKid(ctx context.Context, poolID string, use KeyUse) (string, error) {
	return l.keys.activeKid(ctx, poolID, use)
}

// Sign implements Signer.
func (l *Local) Sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (string, []byte, error) {
	return l.keys.sign(ctx, poolID, use, signingInput)
}

// PublicKeys implements Signer.
func (l *Local) PublicKeys(ctx context.Context, poolID string) ([]PublicKey, error) {
	return l.keys.publicKeys(ctx, poolID)
}

// EnsurePoolKeys implements Signer.
func (l *Local) EnsurePoolKeys(ctx context.Context, poolID string) error {
	return l.keys.ensure(ctx, poolID)
}

// DeletePoolKeys implements Signer.
func (l *Local) DeletePoolKeys(ctx context.Context, poolID string) error {
	return l.keys.deleteAll(ctx, poolID)
}

// sign implements custody: the private key is unsealed on first use and kept.
func (l *Local) sign(ctx context.Context, poolID string, k *poolKey, signingInput []byte) ([]byte, error) {
	priv, err := l.privateKey(ctx, poolID, k)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(signingInput)
	// PKCS#1 v1.5 signatures are deterministic; no randomness is involved.
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		return nil, fmt.Errorf("signer: signing with %s: %w", k.rec.Kid, err)
	}
	return sig, nil
}

// privateKey unseals k's private key on first use and keeps it.
func (l *Local) privateKey(ctx context.Context, poolID string, k *poolKey) (*rsa.PrivateKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv != nil {
		return k.priv, nil
	}
	der, err := l.sealer.Open(ctx, k.rec.SealedPrivateKey, sealAAD(poolID, k.rec.Use, k.rec.Kid))
	if err != nil {
		// Fail closed (KMS-01): no key, no token, whatever the reason.
		return nil, fmt.Errorf("signer: unsealing key %s of pool %s: %w", k.rec.Kid, poolID, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signer: key %s of pool %s: %w", k.rec.Kid, poolID, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok || !priv.PublicKey.Equal(k.pub) {
		// The public half is stored in clear; if it does not match the sealed private half, the
		// record was tampered with, and signing would mint tokens no JWKS can verify.
		return nil, fmt.Errorf("signer: key %s of pool %s: private key does not match the published public key", k.rec.Kid, poolID)
	}
	k.priv = priv
	return priv, nil
}

// mint implements custody: a key pair generated in process with a fresh kid, the private key
// sealed (kms-envelope: one KMS GenerateDataKey per process).
func (l *Local) mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (keyRecord, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: generating key: %w", err)
	}
	kid, err := l.newKid()
	if err != nil {
		return keyRecord{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: encoding key: %w", err)
	}
	sealed, err := l.sealer.Seal(ctx, der, sealAAD(poolID, use, kid))
	clear(der)
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: sealing key for pool %s: %w", poolID, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: encoding public key: %w", err)
	}
	return keyRecord{
		Format:           recordFormat,
		Kid:              kid,
		Use:              use,
		Alg:              "RS256",
		Generation:       gen,
		CreatedAt:        createdAt,
		NotBefore:        notBefore,
		PublicKey:        pub,
		SealedPrivateKey: sealed,
	}, nil
}

// check implements custody: a format-1 record with a sealed private key.
func (l *Local) check(it store.Item, rec keyRecord) (*rsa.PublicKey, error) {
	if !rec.fits(it, recordFormat) || len(rec.SealedPrivateKey) == 0 {
		return nil, fmt.Errorf("key item %s: malformed record", it.SK)
	}
	pub, err := parseRSAPublicKey(rec.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	return pub, nil
}

// release implements custody: a Local key lives only in its record.
func (l *Local) release(context.Context, string, keyRecord, releaseReason) error { return nil }

// unsure implements custody: a Local key whose record is lost leaves nothing behind.
func (l *Local) unsure(context.Context, string, keyRecord, string, error) {}

// Rotate implements Rotator: the new generation is generated in process and sealed, as
// EnsurePoolKeys does (kms-envelope: one KMS GenerateDataKey per process).
func (l *Local) Rotate(ctx context.Context, poolID string, use KeyUse, opts RotateOptions) (Rotation, error) {
	return rotate(ctx, l.keys, poolID, use, opts)
}

// KeyAge implements Rotator.
func (l *Local) KeyAge(ctx context.Context, poolID string, use KeyUse) (time.Duration, error) {
	return keyAge(ctx, l.keys, poolID, use)
}

// PruneRetired implements Rotator.
func (l *Local) PruneRetired(ctx context.Context, poolID string, use KeyUse) ([]string, error) {
	return pruneRetired(ctx, l.keys, poolID, use)
}

func (l *Local) newKid() (string, error) {
	b := make([]byte, kidBytes)
	l.randMu.Lock()
	_, err := io.ReadFull(l.rand, b)
	l.randMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("signer: generating kid: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sealAAD binds a sealed private key to its pool, use and kid, so a sealed key copied into
// another pool's (or another kid's) item fails to unseal.
func sealAAD(poolID string, use KeyUse, kid string) []byte {
	return []byte("cognate/signer/v1\x00" + poolID + "\x00" + string(use) + "\x00" + kid)
}
