package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
)

const (
	// keyBits is Cognito's key size and KMS's RSA_2048.
	keyBits = 2048
	// kidBytes of randomness per kid: 144 bits, 24 base64url characters.
	kidBytes = 18
	// cacheTTL bounds how long a process trusts its in-memory copy of a pool's key records.
	// A rotation must publish its new key at least this long before the key signs (see the
	// package doc), so every process has seen the key before tokens carrying it arrive.
	cacheTTL = 5 * time.Minute
	// recordFormat is the version of keyRecord's JSON.
	recordFormat = 1
	// pageSize of the Query that loads a pool's keys (a pool has a handful).
	pageSize = 100
	// lockStripes bounds the per-pool locks: a lock per pool id ever seen would let anyone who
	// can make us look up random pool ids grow memory without limit.
	lockStripes = 64
)

// keyRecord is the Data of a key item. Field names are part of the stored format.
type keyRecord struct {
	Format     int       `json:"format"`
	Kid        string    `json:"kid"`
	Use        KeyUse    `json:"use"`
	Alg        string    `json:"alg"`
	Generation int       `json:"generation"`
	CreatedAt  time.Time `json:"createdAt"`
	// NotBefore: the key signs from this instant on (it is published from creation).
	NotBefore time.Time `json:"notBefore"`
	// RetireAfter, when set: after it the key is neither published nor used.
	RetireAfter time.Time `json:"retireAfter,omitzero"`
	// PublicKey is PKIX DER.
	PublicKey []byte `json:"publicKey"`
	// SealedPrivateKey is PKCS#8 DER sealed by an envelope.Sealer under sealAAD.
	SealedPrivateKey []byte `json:"sealedPrivateKey"`
}

// Local keeps each pool's keys in the Table, sealed, and signs in-process. Parsed keys are cached
// in memory; private keys are unsealed only when first used to sign, so a process that only
// verifies never decrypts one.
type Local struct {
	tbl    store.Table
	sealer *envelope.Sealer
	clk    clock.Clock

	randMu sync.Mutex
	rand   io.Reader

	locks [lockStripes]sync.Mutex // serialize load/create/delete per pool (striped)

	mu    sync.RWMutex
	pools map[string]*keySet
}

var _ Signer = (*Local)(nil)

// keySet is one pool's keys as loaded at loadedAt, in item order (use, then generation).
// Immutable once built, except for the lazily unsealed private keys inside.
type keySet struct {
	loadedAt time.Time
	keys     []*poolKey
}

type poolKey struct {
	rec keyRecord
	pub *rsa.PublicKey

	mu   sync.Mutex
	priv *rsa.PrivateKey
}

// NewLocal returns a Signer over tbl. sealer protects private keys at rest; clk decides which
// key is current and how long cached keys are trusted; r supplies kids (nil means
// crypto/rand.Reader) and is read under a lock. RSA key material itself always comes from the
// system's CSPRNG (as crypto/rsa insists since Go 1.26), whatever r is: a deterministic test
// reader must never be able to produce a guessable production key.
func NewLocal(tbl store.Table, sealer *envelope.Sealer, clk clock.Clock, r io.Reader) *Local {
	if r == nil {
		r = rand.Reader
	}
	return &Local{tbl: tbl, sealer: sealer, clk: clk, rand: r, pools: make(map[string]*keySet)}
}

// ActiveKid implements Signer.
func (l *Local) ActiveKid(ctx context.Context, poolID string, use KeyUse) (string, error) {
	k, err := l.activeKey(ctx, poolID, use)
	if err != nil {
		return "", err
	}
	return k.rec.Kid, nil
}

// Sign implements Signer.
func (l *Local) Sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (string, []byte, error) {
	k, err := l.activeKey(ctx, poolID, use)
	if err != nil {
		return "", nil, err
	}
	priv, err := l.privateKey(ctx, poolID, k)
	if err != nil {
		return "", nil, err
	}
	digest := sha256.Sum256(signingInput)
	// PKCS#1 v1.5 signatures are deterministic; no randomness is involved.
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", nil, fmt.Errorf("signer: signing with %s: %w", k.rec.Kid, err)
	}
	return k.rec.Kid, sig, nil
}

// PublicKeys implements Signer.
func (l *Local) PublicKeys(ctx context.Context, poolID string) ([]PublicKey, error) {
	ks, err := l.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := l.clk.Now()
	out := make([]PublicKey, 0, len(ks.keys))
	for _, k := range ks.keys {
		if !k.retired(now) {
			out = append(out, PublicKey{Kid: k.rec.Kid, Use: k.rec.Use, Key: k.pub})
		}
	}
	return out, nil
}

// EnsurePoolKeys implements Signer.
func (l *Local) EnsurePoolKeys(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	if ks := l.cached(poolID); ks != nil && ks.hasBoth() {
		return nil
	}
	mu := l.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	ks, err := l.load(ctx, poolID)
	if err != nil {
		return err
	}
	created := false
	for _, use := range []KeyUse{UseID, UseAccess} {
		if ks.has(use) {
			continue
		}
		if err := l.create(ctx, poolID, use); err != nil {
			return err
		}
		created = true
	}
	if created {
		if ks, err = l.load(ctx, poolID); err != nil {
			return err
		}
		if !ks.hasBoth() {
			return fmt.Errorf("signer: pool %s still lacks keys after creating them", poolID)
		}
	}
	l.store(poolID, ks)
	return nil
}

// DeletePoolKeys implements Signer.
func (l *Local) DeletePoolKeys(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	mu := l.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	items, err := l.query(ctx, poolID)
	if err != nil {
		return err
	}
	// Table transactions hold at most 100 ops. A pool has a handful of keys, so this is one
	// transaction in practice; if a later chunk fails, a retry deletes what is left.
	for len(items) > 0 {
		n := min(len(items), 100)
		ops := make([]store.Op, n)
		for i, it := range items[:n] {
			ops[i] = store.Op{Kind: store.OpDelete, Item: store.Item{PK: it.PK, SK: it.SK}}
		}
		if err := l.tbl.Write(ctx, ops...); err != nil {
			return fmt.Errorf("signer: deleting keys of pool %s: %w", poolID, err)
		}
		items = items[n:]
	}
	l.mu.Lock()
	delete(l.pools, poolID)
	l.mu.Unlock()
	return nil
}

// activeKey returns the key that signs for use now: the newest generation whose NotBefore has
// passed. When none has, it is the oldest: a pool's first key counts as current from creation
// even on a process whose clock runs a little behind the one that created it.
func (l *Local) activeKey(ctx context.Context, poolID string, use KeyUse) (*poolKey, error) {
	if !use.Valid() {
		return nil, fmt.Errorf("signer: unknown key use %q", use)
	}
	ks, err := l.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := l.clk.Now()
	var active, earliest *poolKey
	for _, k := range ks.keys { // ascending generation within a use
		if k.rec.Use != use || k.retired(now) {
			continue
		}
		if earliest == nil {
			earliest = k
		}
		if !k.rec.NotBefore.After(now) {
			active = k
		}
	}
	if active == nil {
		active = earliest
	}
	if active == nil {
		return nil, fmt.Errorf("%w %s (use %s)", ErrNoKey, poolID, use)
	}
	return active, nil
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

// keySet returns the pool's keys from the cache while fresh, else from the table. An empty
// result is not cached, so keys created by another process are seen at once.
func (l *Local) keySet(ctx context.Context, poolID string) (*keySet, error) {
	if err := checkPool(poolID); err != nil {
		return nil, err
	}
	if ks := l.cached(poolID); ks != nil {
		return ks, nil
	}
	mu := l.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	if ks := l.cached(poolID); ks != nil { // loaded while we waited
		return ks, nil
	}
	ks, err := l.load(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if len(ks.keys) > 0 {
		l.store(poolID, ks)
	}
	return ks, nil
}

// cached returns the pool's key set if it is younger than cacheTTL.
func (l *Local) cached(poolID string) *keySet {
	l.mu.RLock()
	ks := l.pools[poolID]
	l.mu.RUnlock()
	if ks == nil || l.clk.Now().Sub(ks.loadedAt) >= cacheTTL {
		return nil
	}
	return ks
}

func (l *Local) store(poolID string, ks *keySet) {
	l.mu.Lock()
	l.pools[poolID] = ks
	l.mu.Unlock()
}

// load reads the pool's key records. Private keys already unsealed in the previous key set are
// carried over, so a refresh does not unseal again. Any malformed record fails the load: skipping
// it could silently change which key signs.
func (l *Local) load(ctx context.Context, poolID string) (*keySet, error) {
	items, err := l.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	l.mu.RLock()
	old := l.pools[poolID]
	l.mu.RUnlock()

	ks := &keySet{loadedAt: l.clk.Now()}
	for _, it := range items {
		k, err := parseRecord(it)
		if err != nil {
			return nil, fmt.Errorf("signer: pool %s: %w", poolID, err)
		}
		if prev := old.find(k.rec.Kid); prev != nil && bytes.Equal(prev.rec.SealedPrivateKey, k.rec.SealedPrivateKey) {
			prev.mu.Lock()
			k.priv = prev.priv
			prev.mu.Unlock()
		}
		ks.keys = append(ks.keys, k)
	}
	return ks, nil
}

func (l *Local) query(ctx context.Context, poolID string) ([]store.Item, error) {
	var all []store.Item
	cursor := ""
	for {
		items, next, err := l.tbl.Query(ctx, partitionKey(poolID), "", cursor, pageSize)
		if err != nil {
			return nil, fmt.Errorf("signer: reading keys of pool %s: %w", poolID, err)
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// create makes generation 1 of use for the pool. If another process created it first, the
// conditional write fails and that is success: its key is the pool's key.
func (l *Local) create(ctx context.Context, poolID string, use KeyUse) error {
	now := l.clk.Now().UTC()
	rec, err := l.newRecord(ctx, poolID, use, 1, now, now)
	if err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("signer: encoding key record: %w", err)
	}
	err = l.tbl.Write(ctx, store.Op{
		Kind: store.OpPut,
		Item: store.Item{PK: partitionKey(poolID), SK: sortKey(use, 1), Version: 1, Data: data},
		Cond: store.Cond{Kind: store.CondNotExists},
	})
	if err != nil && !errors.Is(err, store.ErrConditionFailed) {
		return fmt.Errorf("signer: storing key for pool %s: %w", poolID, err)
	}
	return nil
}

// newRecord generates a key pair with a fresh kid and builds its record for generation gen,
// the private key sealed.
func (l *Local) newRecord(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (keyRecord, error) {
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

// Rotate implements Rotator: the new generation is generated in process and sealed, as
// EnsurePoolKeys does (kms-envelope: one KMS GenerateDataKey per process).
func (l *Local) Rotate(ctx context.Context, poolID string, use KeyUse, opts RotateOptions) (Rotation, error) {
	return rotate(ctx, l, poolID, use, opts)
}

// KeyAge implements Rotator.
func (l *Local) KeyAge(ctx context.Context, poolID string, use KeyUse) (time.Duration, error) {
	return keyAge(ctx, l, poolID, use)
}

// PruneRetired implements Rotator.
func (l *Local) PruneRetired(ctx context.Context, poolID string, use KeyUse) ([]string, error) {
	return pruneRetired(ctx, l, poolID, use)
}

func (l *Local) table() store.Table { return l.tbl }

func (l *Local) now() time.Time { return l.clk.Now() }

func (l *Local) gens(ctx context.Context, poolID string) ([]keyGen, error) {
	items, err := l.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	out := make([]keyGen, 0, len(items))
	for _, it := range items {
		k, err := parseRecord(it)
		if err != nil {
			return nil, fmt.Errorf("signer: pool %s: %w", poolID, err)
		}
		r := k.rec
		out = append(out, keyGen{item: it, kid: r.Kid, use: r.Use, generation: r.Generation,
			createdAt: r.CreatedAt, notBefore: r.NotBefore, retireAfter: r.RetireAfter})
	}
	return out, nil
}

func (l *Local) mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (mintedKey, error) {
	rec, err := l.newRecord(ctx, poolID, use, gen, createdAt, notBefore)
	if err != nil {
		return mintedKey{}, err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return mintedKey{}, fmt.Errorf("signer: encoding key record: %w", err)
	}
	return mintedKey{kid: rec.Kid, data: data, undo: func() {}, unsure: func(error) {}}, nil
}

// release: a Local key lives only in its record.
func (l *Local) release(context.Context, string, keyGen) error { return nil }

func (l *Local) refresh(ctx context.Context, poolID string) {
	ks, err := l.load(ctx, poolID)
	if err != nil || len(ks.keys) == 0 {
		l.mu.Lock()
		delete(l.pools, poolID)
		l.mu.Unlock()
		return
	}
	l.store(poolID, ks)
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

func (l *Local) lock(poolID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(poolID))
	return &l.locks[h.Sum32()%lockStripes]
}

func (ks *keySet) find(kid string) *poolKey {
	if ks == nil {
		return nil
	}
	for _, k := range ks.keys {
		if k.rec.Kid == kid {
			return k
		}
	}
	return nil
}

func (ks *keySet) has(use KeyUse) bool {
	for _, k := range ks.keys {
		if k.rec.Use == use {
			return true
		}
	}
	return false
}

func (ks *keySet) hasBoth() bool { return ks.has(UseID) && ks.has(UseAccess) }

func (k *poolKey) retired(now time.Time) bool {
	return !k.rec.RetireAfter.IsZero() && !now.Before(k.rec.RetireAfter)
}

// parseRecord decodes and checks one key item.
func parseRecord(it store.Item) (*poolKey, error) {
	var rec keyRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	if rec.Format != recordFormat || rec.Alg != "RS256" || !rec.Use.Valid() || !ValidKid(rec.Kid) ||
		it.SK != sortKey(rec.Use, rec.Generation) || len(rec.SealedPrivateKey) == 0 {
		return nil, fmt.Errorf("key item %s: malformed record", it.SK)
	}
	parsed, err := x509.ParsePKIXPublicKey(rec.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < keyBits {
		return nil, fmt.Errorf("key item %s: not an RSA key of at least %d bits", it.SK, keyBits)
	}
	return &poolKey{rec: rec, pub: pub}, nil
}

// partitionKey and sortKey are the item keys documented in the package doc.
func partitionKey(poolID string) string { return "KEYS#" + poolID }

func sortKey(use KeyUse, generation int) string {
	return fmt.Sprintf("%s#%08d", use, generation)
}

// sealAAD binds a sealed private key to its pool, use and kid, so a sealed key copied into
// another pool's (or another kid's) item fails to unseal.
func sealAAD(poolID string, use KeyUse, kid string) []byte {
	return []byte("cognate/signer/v1\x00" + poolID + "\x00" + string(use) + "\x00" + kid)
}

// checkPool accepts 1-128 printable ASCII characters other than '#': pool ids become part of
// item keys, where '#' separates fields.
func checkPool(poolID string) error {
	if len(poolID) == 0 || len(poolID) > 128 {
		return fmt.Errorf("%w: length %d", ErrInvalidPool, len(poolID))
	}
	for i := 0; i < len(poolID); i++ {
		if c := poolID[i]; c <= ' ' || c > '~' || c == '#' {
			return fmt.Errorf("%w: %s", ErrInvalidPool, strconv.Quote(poolID))
		}
	}
	return nil
}

// ValidKid reports whether kid has the shape of the kids this package makes: 1-128 characters
// of [A-Za-z0-9_-]. Verifiers can reject anything else before any lookup.
func ValidKid(kid string) bool {
	if len(kid) == 0 || len(kid) > 128 {
		return false
	}
	return strings.IndexFunc(kid, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}
