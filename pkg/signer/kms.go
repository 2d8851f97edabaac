package signer

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
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

// kmsRecordFormat is the version of KMS's key records (keyRecord with a KMS key ARN). Format 1
// is Local's.
const kmsRecordFormat = 2

// orphanDeletionDays: a key that never made it into a record was never published, so it can
// go after KMS's shortest waiting period.
const orphanDeletionDays = 7

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
	keys    *ring
	api     KMSAPI
	app     string
	timeout time.Duration
	window  int32
	log     *slog.Logger
}

var _ Signer = (*KMS)(nil)

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
	s := &KMS{api: api, app: cfg.App, timeout: cfg.Timeout, window: cfg.DeletionWindowDays, log: cfg.Logger}
	// A failed record write may hide a success: the ring reads it back (within one KMS call's
	// timeout) before releasing the KMS key, since releasing a recorded key would break the pool.
	s.keys = newRing(tbl, clk, s, cfg.Timeout)
	return s, nil
}

// ActiveKid implements Signer. It never calls KMS.
func (s *KMS) ActiveKid(ctx context.Context, poolID string, use KeyUse) (string, error) {
	return s.keys.activeKid(ctx, poolID, use)
}

// Sign implements Signer with one KMS Sign call.
func (s *KMS) Sign(ctx context.Context, poolID string, use KeyUse, signingInput []byte) (string, []byte, error) {
	return s.keys.sign(ctx, poolID, use, signingInput)
}

// PublicKeys implements Signer. It never calls KMS.
func (s *KMS) PublicKeys(ctx context.Context, poolID string) ([]PublicKey, error) {
	return s.keys.publicKeys(ctx, poolID)
}

// EnsurePoolKeys implements Signer: for each use without a key it creates a KMS key, reads its
// public key, and records it with a must-not-exist condition. The loser of a race between
// processes schedules its own, never-published key for deletion and uses the winner's.
func (s *KMS) EnsurePoolKeys(ctx context.Context, poolID string) error {
	return s.keys.ensure(ctx, poolID)
}

// DeletePoolKeys implements Signer: it schedules every KMS key of the pool for deletion (after
// the configured waiting period), then deletes the records. Keys already pending deletion or
// gone count as scheduled, so a retry after a partial failure finishes the job. This is the one
// place a published key is scheduled for deletion (checklist KMS-02 forbids it for rotation): the
// pool is going away, its keys leave the JWKS with the records a moment later, and its tokens are
// meant to stop verifying. The waiting period (30 days by default) leaves an operator time to
// cancel the deletion of a pool deleted by mistake.
func (s *KMS) DeletePoolKeys(ctx context.Context, poolID string) error {
	return s.keys.deleteAll(ctx, poolID)
}

// sign implements custody.
func (s *KMS) sign(ctx context.Context, poolID string, k *poolKey, signingInput []byte) ([]byte, error) {
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
		return nil, fmt.Errorf("signer: KMS Sign with key %s of pool %s: %w", k.rec.Kid, poolID, err)
	}
	if err := rsa.VerifyPKCS1v15(k.pub, crypto.SHA256, digest[:], out.Signature); err != nil {
		return nil, fmt.Errorf("signer: KMS key %s of pool %s signed, but not for its published public key", k.rec.Kid, poolID)
	}
	return out.Signature, nil
}

// mint implements custody: a new KMS key (CreateKey, then GetPublicKey once). A key that cannot
// be described is scheduled for deletion at once: it was never recorded.
func (s *KMS) mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (keyRecord, error) {
	arn, err := s.createKey(ctx, poolID, use, gen)
	if err != nil {
		return keyRecord{}, err
	}
	rec, err := s.describe(ctx, arn, use, gen, createdAt, notBefore)
	if err != nil {
		s.discard(ctx, arn, poolID, use)
		return keyRecord{}, err
	}
	return rec, nil
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
func (s *KMS) describe(ctx context.Context, arn string, use KeyUse, gen int, createdAt, notBefore time.Time) (keyRecord, error) {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.api.GetPublicKey(cctx, &kms.GetPublicKeyInput{KeyId: &arn})
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: KMS GetPublicKey of %s: %w", arn, err)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify || out.KeySpec != types.KeySpecRsa2048 ||
		!slices.Contains(out.SigningAlgorithms, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256) {
		return keyRecord{}, fmt.Errorf("signer: KMS key %s is %s/%s, not an RSA_2048 signing key", arn, out.KeySpec, out.KeyUsage)
	}
	pub, err := parseRSAPublicKey(out.PublicKey)
	if err != nil {
		return keyRecord{}, fmt.Errorf("signer: KMS key %s: %w", arn, err)
	}
	return keyRecord{
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
	return rotate(ctx, s.keys, poolID, use, opts)
}

// KeyAge implements Rotator. It never calls KMS.
func (s *KMS) KeyAge(ctx context.Context, poolID string, use KeyUse) (time.Duration, error) {
	return keyAge(ctx, s.keys, poolID, use)
}

// PruneRetired implements Rotator.
func (s *KMS) PruneRetired(ctx context.Context, poolID string, use KeyUse) ([]string, error) {
	return pruneRetired(ctx, s.keys, poolID, use)
}

// release implements custody. An unused key (never recorded, never published) is scheduled for
// deletion after 7 days; a retired generation's key, or a deleted pool's, after the configured
// window. A key already pending deletion, or gone, counts as scheduled.
func (s *KMS) release(ctx context.Context, poolID string, rec keyRecord, why releaseReason) error {
	if why == releaseUnused {
		s.discard(ctx, rec.KMSKeyID, poolID, rec.Use)
		return nil
	}
	if rec.KMSKeyID == "" {
		return nil // a record read leniently for the pool's deletion that names no KMS key
	}
	if err := s.scheduleDeletion(ctx, rec.KMSKeyID, s.window); err != nil {
		var gone *types.NotFoundException
		var state *types.KMSInvalidStateException // already pending deletion
		if !errors.As(err, &gone) && !errors.As(err, &state) {
			what := "KMS key"
			if why == releaseRetired {
				what = "retired KMS key"
			}
			return fmt.Errorf("signer: deleting %s %s of pool %s: %w", what, rec.Kid, poolID, err)
		}
	}
	return nil
}

// unsure implements custody: a KMS key whose record may not be stored is a possible orphan,
// costing $1/month until an operator deletes it.
func (s *KMS) unsure(ctx context.Context, poolID string, rec keyRecord, what string, err error) {
	s.log.LogAttrs(ctx, slog.LevelWarn, "signer: KMS key may be orphaned: "+what,
		slog.String("kmsKeyId", rec.KMSKeyID), slog.String("pool", poolID), slog.String("use", string(rec.Use)), slog.Any("error", err))
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

// check implements custody: a format-2 record naming its KMS key, whose kid is its public key's
// thumbprint.
func (s *KMS) check(it store.Item, rec keyRecord) (*rsa.PublicKey, error) {
	if len(rec.SealedPrivateKey) > 0 {
		return nil, fmt.Errorf("key item %s holds a sealed local key; the kms signer mode cannot use it", it.SK)
	}
	if !rec.fits(it, kmsRecordFormat) || rec.KMSKeyID == "" {
		return nil, fmt.Errorf("key item %s: malformed record", it.SK)
	}
	pub, err := parseRSAPublicKey(rec.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key item %s: %w", it.SK, err)
	}
	if rec.Kid != jwkThumbprint(pub) {
		return nil, fmt.Errorf("key item %s: kid does not match its public key", it.SK)
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
