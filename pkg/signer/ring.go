package signer

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

// The key ring: what every signer mode does the same way with its pools' key records (load,
// cache, choose the signing key, publish, create generation 1, delete a pool's keys, and serve
// the rotation code in rotate.go). What differs between modes, where a key's private half lives
// and how it signs, is a custody: Local (local and kms-envelope modes) and KMS each are one.

const (
	// keyBits is Cognito's key size and KMS's RSA_2048.
	keyBits = 2048
	// cacheTTL bounds how long a process trusts its in-memory copy of a pool's key records.
	// A rotation must publish its new key at least this long before the key signs (see the
	// package doc), so every process has seen the key before tokens carrying it arrive.
	cacheTTL = 5 * time.Minute
	// pageSize of the Query that loads a pool's keys (a pool has a handful).
	pageSize = 100
	// lockStripes bounds the per-pool locks: a lock per pool id ever seen would let anyone who
	// can make us look up random pool ids grow memory without limit.
	lockStripes = 64
)

// keyRecord is the Data of a key item in every mode. Field names and order are part of the
// stored format (frozen by record_golden_test.go): Local writes format 1 with a sealed private
// key, KMS writes format 2 with the KMS key's ARN, and each mode reads only its own format.
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
	// PublicKey is PKIX DER (in kms mode, as GetPublicKey returned it when the key was created).
	PublicKey []byte `json:"publicKey"`
	// KMSKeyID (kms mode) is the ARN of the KMS key holding the private half.
	KMSKeyID string `json:"kmsKeyId,omitempty"`
	// SealedPrivateKey (Local) is PKCS#8 DER sealed by an envelope.Sealer under sealAAD. In kms
	// mode it is decoded only to recognise a Local record.
	SealedPrivateKey []byte `json:"sealedPrivateKey,omitempty"`
}

// fits reports whether the record's mode-independent fields are sound for item it and whether
// it has the given format.
func (rec keyRecord) fits(it store.Item, format int) bool {
	return rec.Format == format && rec.Alg == "RS256" && rec.Use.Valid() && ValidKid(rec.Kid) &&
		it.SK == keyOf("", rec.Use, rec.Generation).SK() // the sort key names no pool
}

// custody is a signer mode's hold on private keys: the ring calls it to sign, to create the key
// of a new generation, and to let go of one.
type custody interface {
	// check vets a decoded record as this mode stores it and returns its public key. Any
	// malformed record fails the pool's load: skipping it could silently change which key signs.
	check(it store.Item, rec keyRecord) (*rsa.PublicKey, error)
	// sign signs signingInput with k's private key (RS256), failing closed.
	sign(ctx context.Context, poolID string, k *poolKey, signingInput []byte) ([]byte, error)
	// mint creates the key of generation gen of use and returns its record, not yet stored.
	mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (keyRecord, error)
	// release lets go of what holds rec's private key outside the table, before (or instead of)
	// its record's deletion.
	release(ctx context.Context, poolID string, rec keyRecord, why releaseReason) error
	// unsure reports a minted key whose record may or may not be stored.
	unsure(ctx context.Context, poolID string, rec keyRecord, what string, err error)
}

type releaseReason int

const (
	// releaseUnused: a minted key whose record is certainly not stored (it lost a race, or its
	// write failed). Never published; errors are the custody's to report.
	releaseUnused releaseReason = iota
	// releaseRetired: a generation past its RetireAfter, about to be pruned.
	releaseRetired
	// releasePool: the pool's keys are being deleted. The record was read leniently.
	releasePool
)

// ring keeps the pools' key records in the Table for one custody. Parsed keys are cached per
// pool for cacheTTL; the signing key and the published keys are chosen on every call against
// the clock.
type ring struct {
	tbl  store.Table
	clk  clock.Clock
	cust custody
	// settle bounds the read that settles a generation-1 write whose outcome is unknown, so a
	// key held outside the table is released only if its record is absent. 0: no such read, the
	// write's error is returned (nothing outside the record can leak).
	settle time.Duration

	locks [lockStripes]sync.Mutex // serialize load/create/delete per pool (striped)

	mu    sync.RWMutex
	pools map[string]*keySet
}

func newRing(tbl store.Table, clk clock.Clock, cust custody, settle time.Duration) *ring {
	return &ring{tbl: tbl, clk: clk, cust: cust, settle: settle, pools: make(map[string]*keySet)}
}

// keySet is one pool's keys as loaded at loadedAt, in item order (use, then generation).
// Immutable once built, except for the lazily unsealed private keys inside.
type keySet struct {
	loadedAt time.Time
	keys     []*poolKey
}

type poolKey struct {
	rec keyRecord
	pub *rsa.PublicKey

	// priv is Local's unsealed private key, set on first use.
	mu   sync.Mutex
	priv *rsa.PrivateKey
}

func (r *ring) activeKid(ctx context.Context, poolID string, use KeyUse) (string, error) {
	k, err := r.activeKey(ctx, poolID, use)
	if err != nil {
		return "", err
	}
	return k.rec.Kid, nil
}

func (r *ring) sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (string, []byte, error) {
	k, err := r.activeKey(ctx, poolID, use)
	if err != nil {
		return "", nil, err
	}
	sig, err := r.cust.sign(ctx, poolID, k, signingInput)
	if err != nil {
		return "", nil, err
	}
	return k.rec.Kid, sig, nil
}

func (r *ring) publicKeys(ctx context.Context, poolID string) ([]PublicKey, error) {
	ks, err := r.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := r.clk.Now()
	out := make([]PublicKey, 0, len(ks.keys))
	for _, k := range ks.keys {
		if !k.retired(now) {
			out = append(out, PublicKey{Kid: k.rec.Kid, Use: k.rec.Use, Key: k.pub})
		}
	}
	return out, nil
}

func (r *ring) ensure(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	if ks := r.cached(poolID); ks != nil && ks.hasBoth() {
		return nil
	}
	mu := r.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	ks, err := r.load(ctx, poolID)
	if err != nil {
		return err
	}
	created := false
	for _, use := range []KeyUse{UseID, UseAccess} {
		if ks.has(use) {
			continue
		}
		if err := r.create(ctx, poolID, use); err != nil {
			return err
		}
		created = true
	}
	if created {
		if ks, err = r.load(ctx, poolID); err != nil {
			return err
		}
		if !ks.hasBoth() {
			return fmt.Errorf("signer: pool %s still lacks keys after creating them", poolID)
		}
	}
	r.store(poolID, ks)
	return nil
}

// deleteAll releases every key of the pool, then deletes the records.
func (r *ring) deleteAll(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	mu := r.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	items, err := r.query(ctx, poolID)
	if err != nil {
		return err
	}
	for _, it := range items {
		// Lenient on purpose: a malformed record must not keep a pool from being deleted.
		var rec keyRecord
		if json.Unmarshal(it.Data, &rec) != nil {
			continue
		}
		if err := r.cust.release(ctx, poolID, rec, releasePool); err != nil {
			return err
		}
	}
	// Table transactions hold at most 100 ops. A pool has a handful of keys, so this is one
	// transaction in practice; if a later chunk fails, a retry deletes what is left.
	for len(items) > 0 {
		n := min(len(items), 100)
		ops := make([]store.Op, n)
		for i, it := range items[:n] {
			ops[i] = store.DeleteItemOp(it, store.Cond{})
		}
		if err := r.tbl.Write(ctx, ops...); err != nil {
			return fmt.Errorf("signer: deleting keys of pool %s: %w", poolID, err)
		}
		items = items[n:]
	}
	r.mu.Lock()
	delete(r.pools, poolID)
	r.mu.Unlock()
	return nil
}

// create makes generation 1 of use for the pool, with a must-not-exist condition. If another
// process created it first, the write fails and that is success: its key is the pool's key, ours
// is surplus.
func (r *ring) create(ctx context.Context, poolID string, use KeyUse) error {
	now := r.clk.Now().UTC()
	rec, err := r.cust.mint(ctx, poolID, use, 1, now, now)
	if err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		r.discard(ctx, poolID, rec)
		return fmt.Errorf("signer: encoding key record: %w", err)
	}
	k := keyOf(poolID, use, 1)
	err = r.tbl.Write(ctx, store.PutOp(k, store.Item{Version: 1, Data: data}, store.Cond{Kind: store.CondNotExists}))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConditionFailed):
		r.discard(ctx, poolID, rec)
		return nil
	}
	if r.settle > 0 {
		// The write's outcome is unknown (a timeout may hide a success): look before releasing,
		// since releasing a key that did get recorded would break the pool.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.settle)
		defer cancel()
		it, gerr := r.tbl.Get(rctx, k.PK(), k.SK())
		switch {
		case gerr == nil:
			var got keyRecord
			if json.Unmarshal(it.Data, &got) == nil && got.Kid == rec.Kid && got.KMSKeyID == rec.KMSKeyID {
				return nil // ours landed
			}
			r.discard(ctx, poolID, rec) // someone else's landed
			return nil
		case errors.Is(gerr, store.ErrNotFound):
			r.discard(ctx, poolID, rec)
		default:
			r.cust.unsure(ctx, poolID, rec, "its record's write failed and could not be checked", gerr)
		}
	}
	return fmt.Errorf("signer: storing key for pool %s: %w", poolID, err)
}

// discard releases a minted key whose record is certainly not stored.
func (r *ring) discard(ctx context.Context, poolID string, rec keyRecord) {
	_ = r.cust.release(ctx, poolID, rec, releaseUnused)
}

// activeKey returns the key that signs for use now: the newest generation whose NotBefore has
// passed. When none has, it is the oldest: a pool's first key counts as current from creation
// even on a process whose clock runs a little behind the one that created it.
func (r *ring) activeKey(ctx context.Context, poolID string, use KeyUse) (*poolKey, error) {
	if !use.Valid() {
		return nil, fmt.Errorf("signer: unknown key use %q", use)
	}
	ks, err := r.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := r.clk.Now()
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

// keySet returns the pool's keys from the cache while fresh, else from the table. An empty
// result is not cached, so keys created by another process are seen at once.
func (r *ring) keySet(ctx context.Context, poolID string) (*keySet, error) {
	if err := checkPool(poolID); err != nil {
		return nil, err
	}
	if ks := r.cached(poolID); ks != nil {
		return ks, nil
	}
	mu := r.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	if ks := r.cached(poolID); ks != nil { // loaded while we waited
		return ks, nil
	}
	ks, err := r.load(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if len(ks.keys) > 0 {
		r.store(poolID, ks)
	}
	return ks, nil
}

// cached returns the pool's key set if it is younger than cacheTTL.
func (r *ring) cached(poolID string) *keySet {
	r.mu.RLock()
	ks := r.pools[poolID]
	r.mu.RUnlock()
	if ks == nil || r.clk.Now().Sub(ks.loadedAt) >= cacheTTL {
		return nil
	}
	return ks
}

func (r *ring) store(poolID string, ks *keySet) {
	r.mu.Lock()
	r.pools[poolID] = ks
	r.mu.Unlock()
}

// load reads the pool's key records. Private keys already unsealed in the previous key set are
// carried over, so a refresh does not unseal again. Any malformed record fails the load.
func (r *ring) load(ctx context.Context, poolID string) (*keySet, error) {
	items, err := r.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	old := r.pools[poolID]
	r.mu.RUnlock()

	ks := &keySet{loadedAt: r.clk.Now()}
	for _, it := range items {
		k, err := r.parse(it)
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

func (r *ring) query(ctx context.Context, poolID string) ([]store.Item, error) {
	var all []store.Item
	cursor := ""
	for {
		items, next, err := r.tbl.Query(ctx, store.SigningKeysKey(poolID).PK(), "", cursor, pageSize)
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

// parse decodes one key item and has the custody check it.
func (r *ring) parse(it store.Item) (*poolKey, error) {
	var rec keyRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	pub, err := r.cust.check(it, rec)
	if err != nil {
		return nil, err
	}
	return &poolKey{rec: rec, pub: pub}, nil
}

func (r *ring) lock(poolID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(poolID))
	return &r.locks[h.Sum32()%lockStripes]
}

// The ring is what rotate.go works on, for every mode.
var _ rotatable = (*ring)(nil)

func (r *ring) table() store.Table { return r.tbl }

func (r *ring) now() time.Time { return r.clk.Now() }

func (r *ring) gens(ctx context.Context, poolID string) ([]keyGen, error) {
	items, err := r.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	out := make([]keyGen, 0, len(items))
	for _, it := range items {
		k, err := r.parse(it)
		if err != nil {
			return nil, fmt.Errorf("signer: pool %s: %w", poolID, err)
		}
		rec := k.rec
		out = append(out, keyGen{item: it, kid: rec.Kid, use: rec.Use, generation: rec.Generation,
			createdAt: rec.CreatedAt, notBefore: rec.NotBefore, retireAfter: rec.RetireAfter})
	}
	return out, nil
}

func (r *ring) mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (mintedKey, error) {
	rec, err := r.cust.mint(ctx, poolID, use, gen, createdAt, notBefore)
	if err != nil {
		return mintedKey{}, err
	}
	undo := func() { r.discard(ctx, poolID, rec) }
	data, err := json.Marshal(rec)
	if err != nil {
		undo()
		return mintedKey{}, fmt.Errorf("signer: encoding key record: %w", err)
	}
	unsure := func(err error) {
		r.cust.unsure(ctx, poolID, rec, "its rotation record's write failed and could not be checked", err)
	}
	return mintedKey{kid: rec.Kid, data: data, undo: undo, unsure: unsure}, nil
}

func (r *ring) release(ctx context.Context, poolID string, g keyGen) error {
	var rec keyRecord
	if err := json.Unmarshal(g.item.Data, &rec); err != nil {
		return fmt.Errorf("signer: key item %s of pool %s: %w", g.item.SK, poolID, err)
	}
	return r.cust.release(ctx, poolID, rec, releaseRetired)
}

func (r *ring) refresh(ctx context.Context, poolID string) {
	ks, err := r.load(ctx, poolID)
	if err != nil || len(ks.keys) == 0 {
		r.mu.Lock()
		delete(r.pools, poolID)
		r.mu.Unlock()
		return
	}
	r.store(poolID, ks)
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

// parseRSAPublicKey parses a SubjectPublicKeyInfo (what GetPublicKey returns, and what Local
// stores) holding an RSA key of at least keyBits bits.
func parseRSAPublicKey(der []byte) (*rsa.PublicKey, error) {
	parsed, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < keyBits {
		return nil, fmt.Errorf("public key is not an RSA key of at least %d bits", keyBits)
	}
	return pub, nil
}

// keyOf is the item key of a pool's key record (pkg/store/keys.go: KEYS#<pool>, <use>#<generation>).
func keyOf(poolID string, use KeyUse, generation int) store.Key {
	return store.SigningKeyKey(poolID, string(use), generation)
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
