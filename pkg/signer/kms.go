package signer

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
)

// KMSAPI is the part of the KMS API the KMS signer uses. *kms.Client implements it; tests wrap
// it to inject faults.
type KMSAPI interface {
	CreateKey(ctx context.Context, in *kms.CreateKeyInput, optFns ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
	ScheduleKeyDeletion(ctx context.Context, in *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error)
}

// KMSConfig configures a KMS signer.
type KMSConfig struct {
	// App names the deployment in the tags and descriptions of the KMS keys it creates (tag
	// cognate:app), so IAM policies can scope kms:Sign to them with aws:ResourceTag/cognate:app
	// and an operator can find them. "" means envelope.DefaultKMSApp ("cognate"). 1-128
	// characters of letters, digits, spaces and _.:/=+-@ (what KMS allows in a tag value).
	App string
	// Timeout bounds each KMS call (SDK retries included); 0 means envelope.DefaultKMSTimeout.
	Timeout time.Duration
	// DeletionWindowDays is the waiting period (7-30) of the keys DeletePoolKeys schedules for
	// deletion; 0 means 30, the longest, so a pool deleted by mistake can still be recovered by
	// an operator (CancelKeyDeletion) for a month.
	DeletionWindowDays int32
	// Logger receives what cannot be returned: a KMS key this signer created but could not use or
	// schedule for deletion (an orphan costing $1/month until removed). nil discards.
	Logger *slog.Logger
}

// kmsRecordFormat is the version of kmsKeyRecord's JSON. Format 1 is Local's keyRecord.
const kmsRecordFormat = 2

// orphanDeletionDays: a key that never made it into a record was never published, so it can
// go after KMS's shortest waiting period.
const orphanDeletionDays = 7

// kmsKeyRecord is the Data of a key item in kms mode: Local's layout (same PK/SK, kid, use,
// generations, NotBefore/RetireAfter, public key in clear) with the KMS key's ARN where Local
// keeps the sealed private key. Field names are part of the stored format.
type kmsKeyRecord struct {
	Format      int       `json:"format"`
	Kid         string    `json:"kid"`
	Use         KeyUse    `json:"use"`
	Alg         string    `json:"alg"`
	Generation  int       `json:"generation"`
	CreatedAt   time.Time `json:"createdAt"`
	NotBefore   time.Time `json:"notBefore"`
	RetireAfter time.Time `json:"retireAfter,omitzero"`
	// PublicKey is PKIX DER, as GetPublicKey returned it when the key was created.
	PublicKey []byte `json:"publicKey"`
	// KMSKeyID is the key's ARN.
	KMSKeyID string `json:"kmsKeyId"`
	// SealedPrivateKey is never set here; it is decoded only to recognise a Local record.
	SealedPrivateKey []byte `json:"sealedPrivateKey,omitempty"`
}

// KMS is the "kms" signer mode: every pool has an asymmetric KMS key (RSA_2048, SIGN_VERIFY) per
// use and generation, created by EnsurePoolKeys with CreateKey, and every signature is a KMS
// Sign call (MessageType DIGEST over SHA-256 of the signing input, RSASSA_PKCS1_V1_5_SHA_256).
// The private keys never leave KMS.
//
// Each key's public half is read once, with GetPublicKey right after CreateKey, and stored in
// clear in the key's record in the Table (the layout of Local, with the key ARN in place of the
// sealed private key), so neither PublicKeys nor a cold start ever calls KMS: GetPublicKey's
// quota is low, and the processes that serve the JWKS or verify tokens need no KMS permission at
// all. The kid is the key's RFC 7638 JWK thumbprint (43 base64url characters): stable, derived
// from the public key alone, and revealing nothing about the account or key ARN.
//
// Every signature is checked against the stored public key before it is returned, so a record
// whose public key does not belong to its KMS key (corruption or tampering) fails closed instead
// of issuing tokens the JWKS cannot verify. Every KMS error (throttling, KMSInternalException,
// DependencyTimeoutException, DisabledException, KMSInvalidStateException,
// KeyUnavailableException, a deadline) is returned wrapped, never retried with another key or
// signed some other way (checklist KMS-01); errors.As finds the SDK error (smithy.APIError) for
// callers that map throttling to 429/503 with Retry-After (KMS-02).
//
// A KMS key this signer created but did not record (it lost a race, GetPublicKey failed, or the
// record's write failed and reading back showed it absent) is scheduled for deletion after 7
// days. Two cases leave an orphan behind, costing $1/month until an operator deletes it: a
// CreateKey whose response was lost, and a record write whose outcome could not be read back
// (that one is logged to KMSConfig.Logger). Every key carries the tag cognate:app and a
// description naming its pool, use and generation, so orphans can be found by comparing
// ListKeys with the Table.
//
// See Mode for how this mode compares with Local and the kms-envelope mode.
type KMS struct {
	tbl     store.Table
	api     KMSAPI
	clk     clock.Clock
	app     string
	timeout time.Duration
	window  int32
	log     *slog.Logger

	locks [lockStripes]sync.Mutex // serialize load/create/delete per pool (striped)

	mu    sync.RWMutex
	pools map[string]*kmsKeySet
}

var _ Signer = (*KMS)(nil)

type kmsKeySet struct {
	loadedAt time.Time
	keys     []*kmsKey // item order: use, then ascending generation
}

type kmsKey struct {
	rec kmsKeyRecord
	pub *rsa.PublicKey
}

// NewKMS returns a KMS-mode Signer keeping key records in tbl and signing through api. clk
// decides which key is current and how long cached records are trusted. It makes no KMS call.
func NewKMS(tbl store.Table, api KMSAPI, clk clock.Clock, cfg KMSConfig) (*KMS, error) {
	if tbl == nil || api == nil || clk == nil {
		return nil, errors.New("signer: NewKMS needs a table, a KMS client and a clock")
	}
	if cfg.App == "" {
		cfg.App = envelope.DefaultKMSApp
	}
	if !validTagValue(cfg.App) {
		return nil, fmt.Errorf("signer: KMS app name %q is not a valid KMS tag value", cfg.App)
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("signer: negative KMS timeout %v", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = envelope.DefaultKMSTimeout
	}
	switch {
	case cfg.DeletionWindowDays == 0:
		cfg.DeletionWindowDays = 30
	case cfg.DeletionWindowDays < 7 || cfg.DeletionWindowDays > 30:
		return nil, fmt.Errorf("signer: KMS deletion window %d days is outside 7-30", cfg.DeletionWindowDays)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &KMS{
		tbl: tbl, api: api, clk: clk,
		app: cfg.App, timeout: cfg.Timeout, window: cfg.DeletionWindowDays, log: cfg.Logger,
		pools: make(map[string]*kmsKeySet),
	}, nil
}

// ActiveKid implements Signer. It never calls KMS.
func (s *KMS) ActiveKid(ctx context.Context, poolID string, use KeyUse) (string, error) {
	k, err := s.activeKey(ctx, poolID, use)
	if err != nil {
		return "", err
	}
	return k.rec.Kid, nil
}

// Sign implements Signer with one KMS Sign call.
func (s *KMS) Sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (string, []byte, error) {
	k, err := s.activeKey(ctx, poolID, use)
	if err != nil {
		return "", nil, err
	}
	// DIGEST: KMS receives 32 bytes instead of the token (RAW is limited to 4 KB and would
	// send the claims to KMS).
	digest := sha256.Sum256(signingInput)
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.api.Sign(cctx, &kms.SignInput{
		KeyId:            &k.rec.KMSKeyID,
		Message:          digest[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
	})
	if err != nil {
		// Fail closed (KMS-01): no signature, no fallback.
		return "", nil, fmt.Errorf("signer: KMS Sign with key %s of pool %s: %w", k.rec.Kid, poolID, err)
	}
	if err := rsa.VerifyPKCS1v15(k.pub, crypto.SHA256, digest[:], out.Signature); err != nil {
		return "", nil, fmt.Errorf("signer: KMS key %s of pool %s signed, but not for its published public key", k.rec.Kid, poolID)
	}
	return k.rec.Kid, out.Signature, nil
}

// PublicKeys implements Signer. It never calls KMS.
func (s *KMS) PublicKeys(ctx context.Context, poolID string) ([]PublicKey, error) {
	ks, err := s.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	out := make([]PublicKey, 0, len(ks.keys))
	for _, k := range ks.keys {
		if !k.retired(now) {
			out = append(out, PublicKey{Kid: k.rec.Kid, Use: k.rec.Use, Key: k.pub})
		}
	}
	return out, nil
}

// EnsurePoolKeys implements Signer: for each use without a key it creates a KMS key, reads its
// public key, and records it with a must-not-exist condition. The loser of a race between
// processes schedules its own, never-published key for deletion and uses the winner's.
func (s *KMS) EnsurePoolKeys(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	if ks := s.cached(poolID); ks != nil && ks.hasBoth() {
		return nil
	}
	mu := s.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	ks, err := s.load(ctx, poolID)
	if err != nil {
		return err
	}
	created := false
	for _, use := range []KeyUse{UseID, UseAccess} {
		if ks.has(use) {
			continue
		}
		if err := s.create(ctx, poolID, use); err != nil {
			return err
		}
		created = true
	}
	if created {
		if ks, err = s.load(ctx, poolID); err != nil {
			return err
		}
		if !ks.hasBoth() {
			return fmt.Errorf("signer: pool %s still lacks keys after creating them", poolID)
		}
	}
	s.store(poolID, ks)
	return nil
}

// DeletePoolKeys implements Signer: it schedules every KMS key of the pool for deletion (after
// the configured waiting period), then deletes the records. Keys already pending deletion or
// gone count as scheduled, so a retry after a partial failure finishes the job. This is the one
// place a published key is scheduled for deletion (checklist KMS-02 forbids it for rotation): the
// pool is going away, its keys leave the JWKS with the records a moment later, and its tokens are
// meant to stop verifying. The waiting period (30 days by default) leaves an operator time to
// cancel the deletion of a pool deleted by mistake.
func (s *KMS) DeletePoolKeys(ctx context.Context, poolID string) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	mu := s.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	items, err := s.query(ctx, poolID)
	if err != nil {
		return err
	}
	for _, it := range items {
		// Lenient on purpose: a malformed record must not keep a pool from being deleted.
		var rec kmsKeyRecord
		if json.Unmarshal(it.Data, &rec) != nil || rec.KMSKeyID == "" {
			continue
		}
		if err := s.scheduleDeletion(ctx, rec.KMSKeyID, s.window); err != nil {
			var gone *types.NotFoundException
			var state *types.KMSInvalidStateException // already pending deletion
			if !errors.As(err, &gone) && !errors.As(err, &state) {
				return fmt.Errorf("signer: deleting KMS key %s of pool %s: %w", rec.Kid, poolID, err)
			}
		}
	}
	for len(items) > 0 {
		n := min(len(items), 100)
		ops := make([]store.Op, n)
		for i, it := range items[:n] {
			ops[i] = store.Op{Kind: store.OpDelete, Item: store.Item{PK: it.PK, SK: it.SK}}
		}
		if err := s.tbl.Write(ctx, ops...); err != nil {
			return fmt.Errorf("signer: deleting keys of pool %s: %w", poolID, err)
		}
		items = items[n:]
	}
	s.mu.Lock()
	delete(s.pools, poolID)
	s.mu.Unlock()
	return nil
}

// create makes generation 1 of use for the pool.
func (s *KMS) create(ctx context.Context, poolID string, use KeyUse) error {
	arn, err := s.createKey(ctx, poolID, use, 1)
	if err != nil {
		return err
	}
	now := s.clk.Now().UTC()
	rec, err := s.describe(ctx, arn, use, 1, now, now)
	if err != nil {
		// The key was never recorded, so nothing can depend on it.
		s.discard(ctx, arn, poolID, use)
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		s.discard(ctx, arn, poolID, use)
		return fmt.Errorf("signer: encoding key record: %w", err)
	}
	pk, sk := partitionKey(poolID), sortKey(use, 1)
	err = s.tbl.Write(ctx, store.Op{
		Kind: store.OpPut,
		Item: store.Item{PK: pk, SK: sk, Version: 1, Data: data},
		Cond: store.Cond{Kind: store.CondNotExists},
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrConditionFailed):
		// Another process recorded its key first: that is the pool's key, ours is surplus.
		s.discard(ctx, arn, poolID, use)
		return nil
	}
	// The write's outcome is unknown (a timeout may hide a success): look before discarding,
	// since deleting a key that did get recorded would break the pool.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	it, gerr := s.tbl.Get(rctx, pk, sk)
	switch {
	case gerr == nil:
		var got kmsKeyRecord
		if json.Unmarshal(it.Data, &got) == nil && got.KMSKeyID == arn {
			return nil // ours landed
		}
		s.discard(ctx, arn, poolID, use) // someone else's landed
		return nil
	case errors.Is(gerr, store.ErrNotFound):
		s.discard(ctx, arn, poolID, use)
	default:
		s.log.LogAttrs(ctx, slog.LevelWarn, "signer: KMS key may be orphaned: its record's write failed and could not be checked",
			slog.String("kmsKeyId", arn), slog.String("pool", poolID), slog.String("use", string(use)), slog.Any("error", gerr))
	}
	return fmt.Errorf("signer: storing key for pool %s: %w", poolID, err)
}

// createKey creates an RSA_2048 SIGN_VERIFY key for generation gen and returns its ARN.
func (s *KMS) createKey(ctx context.Context, poolID string, use KeyUse, gen int) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	desc := fmt.Sprintf("cognate token signing key: app %s, pool %s, use %s, generation %d", s.app, poolID, use, gen)
	out, err := s.api.CreateKey(cctx, &kms.CreateKeyInput{
		KeySpec:     types.KeySpecRsa2048,
		KeyUsage:    types.KeyUsageTypeSignVerify,
		Description: &desc,
		// Pool ids are not restricted to tag-value characters; they live in the description.
		Tags: []types.Tag{
			{TagKey: aws.String("cognate:app"), TagValue: &s.app},
			{TagKey: aws.String("cognate:use"), TagValue: aws.String(string(use))},
		},
	})
	if err != nil {
		return "", fmt.Errorf("signer: KMS CreateKey for pool %s (%s): %w", poolID, use, err)
	}
	if out.KeyMetadata == nil || out.KeyMetadata.Arn == nil || *out.KeyMetadata.Arn == "" {
		return "", fmt.Errorf("signer: KMS CreateKey for pool %s returned no key ARN", poolID)
	}
	return *out.KeyMetadata.Arn, nil
}

// describe reads the new key's public half and builds its record for generation gen.
func (s *KMS) describe(ctx context.Context, arn string, use KeyUse, gen int, createdAt, notBefore time.Time) (kmsKeyRecord, error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.api.GetPublicKey(cctx, &kms.GetPublicKeyInput{KeyId: &arn})
	if err != nil {
		return kmsKeyRecord{}, fmt.Errorf("signer: KMS GetPublicKey of %s: %w", arn, err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify || out.KeySpec != types.KeySpecRsa2048 ||
		!slices.Contains(out.SigningAlgorithms, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256) {
		return kmsKeyRecord{}, fmt.Errorf("signer: KMS key %s is %s/%s, not an RSA_2048 signing key", arn, out.KeySpec, out.KeyUsage)
	}
	pub, err := parseRSAPublicKey(out.PublicKey)
	if err != nil {
		return kmsKeyRecord{}, fmt.Errorf("signer: KMS key %s: %w", arn, err)
	}
	return kmsKeyRecord{
		Format:     kmsRecordFormat,
		Kid:        jwkThumbprint(pub),
		Use:        use,
		Alg:        "RS256",
		Generation: gen,
		CreatedAt:  createdAt,
		NotBefore:  notBefore,
		PublicKey:  out.PublicKey,
		KMSKeyID:   arn,
	}, nil
}

// Rotate implements Rotator: the new generation is a new KMS key (CreateKey, then GetPublicKey
// once), recorded with a must-not-exist condition. A rotator that loses the race schedules its
// own, never-published key for deletion after 7 days, as EnsurePoolKeys does. Retired
// generations' KMS keys are scheduled for deletion (after DeletionWindowDays) only once their
// RetireAfter has passed, i.e. once no process publishes them (checklist KMS-02), and before
// their records go, so a failure leaves a record a later run retries rather than an orphan key.
func (s *KMS) Rotate(ctx context.Context, poolID string, use KeyUse, opts RotateOptions) (Rotation, error) {
	return rotate(ctx, s, poolID, use, opts)
}

// KeyAge implements Rotator. It never calls KMS.
func (s *KMS) KeyAge(ctx context.Context, poolID string, use KeyUse) (time.Duration, error) {
	return keyAge(ctx, s, poolID, use)
}

// PruneRetired implements Rotator.
func (s *KMS) PruneRetired(ctx context.Context, poolID string, use KeyUse) ([]string, error) {
	return pruneRetired(ctx, s, poolID, use)
}

func (s *KMS) table() store.Table { return s.tbl }

func (s *KMS) now() time.Time { return s.clk.Now() }

func (s *KMS) gens(ctx context.Context, poolID string) ([]keyGen, error) {
	items, err := s.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	out := make([]keyGen, 0, len(items))
	for _, it := range items {
		k, err := parseKMSRecord(it)
		if err != nil {
			return nil, fmt.Errorf("signer: pool %s: %w", poolID, err)
		}
		r := k.rec
		out = append(out, keyGen{item: it, kid: r.Kid, use: r.Use, generation: r.Generation,
			createdAt: r.CreatedAt, notBefore: r.NotBefore, retireAfter: r.RetireAfter})
	}
	return out, nil
}

func (s *KMS) mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (mintedKey, error) {
	arn, err := s.createKey(ctx, poolID, use, gen)
	if err != nil {
		return mintedKey{}, err
	}
	undo := func() { s.discard(ctx, arn, poolID, use) }
	rec, err := s.describe(ctx, arn, use, gen, createdAt, notBefore)
	if err != nil {
		undo()
		return mintedKey{}, err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		undo()
		return mintedKey{}, fmt.Errorf("signer: encoding key record: %w", err)
	}
	unsure := func(err error) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "signer: KMS key may be orphaned: its rotation record's write failed and could not be checked",
			slog.String("kmsKeyId", arn), slog.String("pool", poolID), slog.String("use", string(use)), slog.Any("error", err))
	}
	return mintedKey{kid: rec.Kid, data: data, undo: undo, unsure: unsure}, nil
}

// release schedules a retired generation's KMS key for deletion. A key already pending
// deletion, or gone, counts as scheduled.
func (s *KMS) release(ctx context.Context, poolID string, g keyGen) error {
	var rec kmsKeyRecord
	if err := json.Unmarshal(g.item.Data, &rec); err != nil {
		return fmt.Errorf("signer: key item %s of pool %s: %w", g.item.SK, poolID, err)
	}
	if err := s.scheduleDeletion(ctx, rec.KMSKeyID, s.window); err != nil {
		var gone *types.NotFoundException
		var state *types.KMSInvalidStateException
		if !errors.As(err, &gone) && !errors.As(err, &state) {
			return fmt.Errorf("signer: deleting retired KMS key %s of pool %s: %w", g.kid, poolID, err)
		}
	}
	return nil
}

func (s *KMS) refresh(ctx context.Context, poolID string) {
	ks, err := s.load(ctx, poolID)
	if err != nil || len(ks.keys) == 0 {
		s.mu.Lock()
		delete(s.pools, poolID)
		s.mu.Unlock()
		return
	}
	s.store(poolID, ks)
}

// discard schedules a key this signer created but will not use for deletion, on a context of its
// own: the caller's may be what just ran out.
func (s *KMS) discard(ctx context.Context, arn, poolID string, use KeyUse) {
	if err := s.scheduleDeletion(context.WithoutCancel(ctx), arn, orphanDeletionDays); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "signer: unused KMS key could not be scheduled for deletion",
			slog.String("kmsKeyId", arn), slog.String("pool", poolID), slog.String("use", string(use)), slog.Any("error", err))
	}
}

func (s *KMS) scheduleDeletion(ctx context.Context, arn string, days int32) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.api.ScheduleKeyDeletion(cctx, &kms.ScheduleKeyDeletionInput{KeyId: &arn, PendingWindowInDays: &days})
	return err
}

// activeKey picks the signing key exactly as Local does: the newest generation whose NotBefore
// has passed, else the oldest unretired one.
func (s *KMS) activeKey(ctx context.Context, poolID string, use KeyUse) (*kmsKey, error) {
	if !use.Valid() {
		return nil, fmt.Errorf("signer: unknown key use %q", use)
	}
	ks, err := s.keySet(ctx, poolID)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	var active, earliest *kmsKey
	for _, k := range ks.keys {
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

// keySet returns the pool's keys from the cache while fresh (cacheTTL, as Local), else from the
// table. An empty result is not cached.
func (s *KMS) keySet(ctx context.Context, poolID string) (*kmsKeySet, error) {
	if err := checkPool(poolID); err != nil {
		return nil, err
	}
	if ks := s.cached(poolID); ks != nil {
		return ks, nil
	}
	mu := s.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	if ks := s.cached(poolID); ks != nil {
		return ks, nil
	}
	ks, err := s.load(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if len(ks.keys) > 0 {
		s.store(poolID, ks)
	}
	return ks, nil
}

func (s *KMS) cached(poolID string) *kmsKeySet {
	s.mu.RLock()
	ks := s.pools[poolID]
	s.mu.RUnlock()
	if ks == nil || s.clk.Now().Sub(ks.loadedAt) >= cacheTTL {
		return nil
	}
	return ks
}

func (s *KMS) store(poolID string, ks *kmsKeySet) {
	s.mu.Lock()
	s.pools[poolID] = ks
	s.mu.Unlock()
}

// load reads the pool's key records; any malformed one fails the load, as in Local.
func (s *KMS) load(ctx context.Context, poolID string) (*kmsKeySet, error) {
	items, err := s.query(ctx, poolID)
	if err != nil {
		return nil, err
	}
	ks := &kmsKeySet{loadedAt: s.clk.Now()}
	for _, it := range items {
		k, err := parseKMSRecord(it)
		if err != nil {
			return nil, fmt.Errorf("signer: pool %s: %w", poolID, err)
		}
		ks.keys = append(ks.keys, k)
	}
	return ks, nil
}

func (s *KMS) query(ctx context.Context, poolID string) ([]store.Item, error) {
	var all []store.Item
	cursor := ""
	for {
		items, next, err := s.tbl.Query(ctx, partitionKey(poolID), "", cursor, pageSize)
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

func (s *KMS) lock(poolID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(poolID))
	return &s.locks[h.Sum32()%lockStripes]
}

func (ks *kmsKeySet) has(use KeyUse) bool {
	for _, k := range ks.keys {
		if k.rec.Use == use {
			return true
		}
	}
	return false
}

func (ks *kmsKeySet) hasBoth() bool { return ks.has(UseID) && ks.has(UseAccess) }

func (k *kmsKey) retired(now time.Time) bool {
	return !k.rec.RetireAfter.IsZero() && !now.Before(k.rec.RetireAfter)
}

// parseKMSRecord decodes and checks one key item of kms mode.
func parseKMSRecord(it store.Item) (*kmsKey, error) {
	var rec kmsKeyRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	if len(rec.SealedPrivateKey) > 0 {
		return nil, fmt.Errorf("key item %s holds a sealed local key; the kms signer mode cannot use it", it.SK)
	}
	if rec.Format != kmsRecordFormat || rec.Alg != "RS256" || !rec.Use.Valid() || !ValidKid(rec.Kid) ||
		it.SK != sortKey(rec.Use, rec.Generation) || rec.KMSKeyID == "" {
		return nil, fmt.Errorf("key item %s: malformed record", it.SK)
	}
	pub, err := parseRSAPublicKey(rec.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	if rec.Kid != jwkThumbprint(pub) {
		return nil, fmt.Errorf("key item %s: kid does not match its public key", it.SK)
	}
	return &kmsKey{rec: rec, pub: pub}, nil
}

// parseRSAPublicKey parses a SubjectPublicKeyInfo (what GetPublicKey returns) holding an RSA key
// of at least keyBits bits.
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

// jwkThumbprint is the RFC 7638 SHA-256 thumbprint of an RSA public key, base64url without
// padding (43 characters of [A-Za-z0-9_-]): SHA-256 over {"e":…,"kty":"RSA","n":…} with the
// members in that order and no whitespace.
func jwkThumbprint(pub *rsa.PublicKey) string {
	b64 := base64.RawURLEncoding.EncodeToString
	e := b64(big.NewInt(int64(pub.E)).Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`))
	return b64(sum[:])
}

// validTagValue accepts what KMS allows in a tag value (letters, digits, spaces and _.:/=+-@),
// limited to ASCII and 1-128 characters.
func validTagValue(v string) bool {
	if len(v) == 0 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == ' ' || c == '_' || c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@'
		if !ok {
			return false
		}
	}
	return true
}
