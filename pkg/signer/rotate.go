package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
)

// Rotation timing (see the package doc, "Rotation").
const (
	// DefaultPublishLead is how long a new key is published before it signs: twice this
	// package's key cache (5 minutes) and the JWKS document's max-age (300 s), and the default
	// JWKS cache of common verifier libraries (jose's createRemoteJWKSet: 10 minutes).
	DefaultPublishLead = 10 * time.Minute
	// MinPublishLead is the shortest lead Rotate accepts: the key cache TTL. With less, a process
	// that loaded the pool's keys just before the rotation could still be without the new key
	// when other processes start signing with it, and would reject their tokens.
	MinPublishLead = cacheTTL
	// DefaultTokenLifetime is the longest ID or access token lifetime Cognito allows (24 h).
	DefaultTokenLifetime = 24 * time.Hour
	// MinRetention is the least time a replaced key stays published after it stops signing,
	// whatever the token lifetime (checklist JWT-06: at least 1 day after its last use).
	MinRetention = 24 * time.Hour
	// RetireMargin is added to the retention for clock skew between processes: a process whose
	// clock runs behind keeps signing with the old key a little past the successor's NotBefore.
	RetireMargin = time.Hour

	// readBackTimeout bounds the read that settles a rotation write whose outcome is unknown.
	readBackTimeout = 5 * time.Second
)

// RotateOptions tune Rotate. The zero value is the default.
type RotateOptions struct {
	// PublishLead: the new key is published at once and signs from now + PublishLead. 0 means
	// DefaultPublishLead; less than MinPublishLead is refused. Raise it when verifiers cache the
	// JWKS longer than 10 minutes without refetching on an unknown kid.
	PublishLead time.Duration
	// TokenLifetime is the longest lifetime of a token the replaced key may have signed. 0 means
	// DefaultTokenLifetime. The replaced key retires at the new key's NotBefore +
	// max(TokenLifetime, MinRetention) + RetireMargin.
	TokenLifetime time.Duration
}

func (o RotateOptions) normalize() (RotateOptions, error) {
	switch {
	case o.PublishLead == 0:
		o.PublishLead = DefaultPublishLead
	case o.PublishLead < MinPublishLead:
		return o, fmt.Errorf("signer: publish lead %v is shorter than the key cache TTL %v", o.PublishLead, MinPublishLead)
	}
	switch {
	case o.TokenLifetime == 0:
		o.TokenLifetime = DefaultTokenLifetime
	case o.TokenLifetime < 0:
		return o, fmt.Errorf("signer: negative token lifetime %v", o.TokenLifetime)
	}
	return o, nil
}

// retireAfter is when a key replaced by a successor that signs from notBefore leaves the JWKS.
func (o RotateOptions) retireAfter(notBefore time.Time) time.Time {
	return notBefore.Add(max(o.TokenLifetime, MinRetention) + RetireMargin)
}

// Rotation reports what Rotate did.
type Rotation struct {
	PoolID string
	Use    KeyUse
	// Kid, Generation and NotBefore describe the pool's newest key for Use: the one this call
	// created, or (Created false) one already waiting for its NotBefore, made by an earlier
	// rotation or by a concurrent one that won the race.
	Kid        string
	Generation int
	NotBefore  time.Time
	Created    bool
	// Retiring lists the keys this call gave a RetireAfter (normally the one that signed until
	// now).
	Retiring []RetiringKey
	// Pruned lists the kids of retired generations this call deleted.
	Pruned []string
	// PruneErr, when set, says why retired generations could not be deleted. The rotation does
	// not depend on it and went ahead; a later Rotate or PruneRetired retries.
	PruneErr error
}

// RetiringKey is a replaced key and the instant it leaves the JWKS.
type RetiringKey struct {
	Kid         string
	Generation  int
	RetireAfter time.Time
}

// Rotator is implemented by every signer mode (Local, hence kms-envelope, and KMS). It is not
// part of Signer: the processes that sign and verify never rotate.
type Rotator interface {
	// Rotate gives the pool a new key for use that is published now and signs from
	// now + PublishLead, and schedules the retirement of the key it replaces. If a rotation
	// is already pending (the newest key's NotBefore is still ahead), it creates nothing and
	// reports that key. Safe to call from several processes at once: exactly one new
	// generation results. Retired generations past their RetireAfter are pruned first; a
	// failure there is reported in Rotation.PruneErr and does not hold up the rotation.
	Rotate(ctx context.Context, poolID string, use KeyUse, opts RotateOptions) (Rotation, error)
	// KeyAge is the age of the pool's newest key for use (the pending one while a rotation is
	// pending), read from the table: what a scheduler compares with its rotation period.
	// ErrNoKey when the pool has none.
	KeyAge(ctx context.Context, poolID string, use KeyUse) (time.Duration, error)
	// PruneRetired deletes the pool's generations for use whose RetireAfter has passed (in kms
	// mode, scheduling their KMS keys for deletion first) and returns their kids. The newest
	// generation is never pruned.
	PruneRetired(ctx context.Context, poolID string, use KeyUse) ([]string, error)
}

var (
	_ Rotator = (*Local)(nil)
	_ Rotator = (*KMS)(nil)
)

// keyGen is what rotation needs of one stored generation, whatever the mode.
type keyGen struct {
	item        store.Item
	kid         string
	use         KeyUse
	generation  int
	createdAt   time.Time
	notBefore   time.Time
	retireAfter time.Time
}

func (g keyGen) retired(now time.Time) bool {
	return !g.retireAfter.IsZero() && !now.Before(g.retireAfter)
}

// mintedKey is a new generation's record, built but not stored.
type mintedKey struct {
	kid  string
	data []byte
	// undo releases what minting created outside the table (kms: the KMS key) when the record
	// is certainly not stored.
	undo func()
	// unsure reports a key whose record may or may not be stored (kms: a possible orphan).
	unsure func(err error)
}

// rotatable is what each signer mode provides to the shared rotation code.
type rotatable interface {
	table() store.Table
	now() time.Time
	lock(poolID string) *sync.Mutex
	// gens reads and validates every key record of the pool, in item order (use, generation).
	gens(ctx context.Context, poolID string) ([]keyGen, error)
	// mint creates a key for generation gen of use and builds its record.
	mint(ctx context.Context, poolID string, use KeyUse, gen int, createdAt, notBefore time.Time) (mintedKey, error)
	// release runs before a retired generation's record is deleted.
	release(ctx context.Context, poolID string, g keyGen) error
	// refresh reloads the pool's cached key set after a change (lock held); if that fails it
	// drops the cached set, so the next use reloads.
	refresh(ctx context.Context, poolID string)
}

func checkRotate(poolID string, use KeyUse) error {
	if err := checkPool(poolID); err != nil {
		return err
	}
	if !use.Valid() {
		return fmt.Errorf("signer: unknown key use %q", use)
	}
	return nil
}

func gensOf(all []keyGen, use KeyUse) []keyGen {
	var out []keyGen
	for _, g := range all {
		if g.use == use {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b keyGen) int { return a.generation - b.generation })
	return out
}

func rotate(ctx context.Context, m rotatable, poolID string, use KeyUse, opts RotateOptions) (Rotation, error) {
	if err := checkRotate(poolID, use); err != nil {
		return Rotation{}, err
	}
	opts, err := opts.normalize()
	if err != nil {
		return Rotation{}, err
	}
	mu := m.lock(poolID)
	mu.Lock()
	defer mu.Unlock()

	pruned, pruneErr := prune(ctx, m, poolID, use)
	all, err := m.gens(ctx, poolID)
	if err != nil {
		return Rotation{}, err
	}
	gens := gensOf(all, use)
	if len(gens) == 0 {
		return Rotation{}, fmt.Errorf("%w %s (use %s)", ErrNoKey, poolID, use)
	}
	newest := gens[len(gens)-1]
	now := m.now().UTC()
	if newest.notBefore.After(now) {
		rot := pending(poolID, newest, pruned)
		rot.PruneErr = pruneErr
		return rot, nil
	}

	next := newest.generation + 1
	notBefore := now.Add(opts.PublishLead)
	retire := opts.retireAfter(notBefore)
	key, err := m.mint(ctx, poolID, use, next, now, notBefore)
	if err != nil {
		return Rotation{}, err
	}
	// Two rotators cannot both create generation next.
	k := keyOf(poolID, use, next)
	ops := []store.Op{store.PutOp(k, store.Item{Version: 1, Data: key.data}, store.Cond{Kind: store.CondNotExists})}
	var retiring []RetiringKey
	for _, g := range gens {
		if !g.retireAfter.IsZero() {
			continue // already retiring, at a time an earlier rotation chose
		}
		data, err := withRetireAfter(g.item.Data, retire)
		if err != nil {
			key.undo()
			return Rotation{}, fmt.Errorf("signer: key item %s of pool %s: %w", g.item.SK, poolID, err)
		}
		// Conditional on the version read: if the record changed (another rotation, the pool's
		// keys deleted), nothing is written.
		ops = append(ops, store.PutOp(keyOf(poolID, use, g.generation), store.Item{Version: g.item.Version + 1, Data: data},
			store.Cond{Kind: store.CondVersion, Version: g.item.Version}))
		retiring = append(retiring, RetiringKey{Kid: g.kid, Generation: g.generation, RetireAfter: retire})
	}
	created := Rotation{
		PoolID: poolID, Use: use, Kid: key.kid, Generation: next, NotBefore: notBefore,
		Created: true, Retiring: retiring, Pruned: pruned, PruneErr: pruneErr,
	}

	werr := m.table().Write(ctx, ops...)
	if werr == nil {
		m.refresh(ctx, poolID)
		return created, nil
	}
	if errors.Is(werr, store.ErrConditionFailed) {
		// Lost a race: report the winner's key.
		key.undo()
		rot, err := settleLost(ctx, m, poolID, use, next, pruned, werr)
		rot.PruneErr = pruneErr
		return rot, err
	}
	// The outcome is unknown (a timeout may hide a success): look before undoing, since
	// releasing a key whose record did land would break the pool.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readBackTimeout)
	defer cancel()
	it, gerr := m.table().Get(rctx, k.PK(), k.SK())
	switch {
	case gerr == nil:
		var got struct {
			Kid string `json:"kid"`
		}
		if json.Unmarshal(it.Data, &got) == nil && got.Kid == key.kid {
			m.refresh(ctx, poolID) // ours landed, with the retirements (one transaction)
			return created, nil
		}
		key.undo()
		rot, err := settleLost(ctx, m, poolID, use, next, pruned, werr)
		rot.PruneErr = pruneErr
		return rot, err
	case errors.Is(gerr, store.ErrNotFound):
		key.undo()
	default:
		key.unsure(gerr)
	}
	return Rotation{}, fmt.Errorf("signer: storing rotated key for pool %s: %w", poolID, werr)
}

// settleLost reports the generation another rotator stored in place of ours.
func settleLost(ctx context.Context, m rotatable, poolID string, use KeyUse, next int, pruned []string, cause error) (Rotation, error) {
	all, err := m.gens(ctx, poolID)
	if err != nil {
		return Rotation{}, err
	}
	if gens := gensOf(all, use); len(gens) > 0 && gens[len(gens)-1].generation >= next {
		m.refresh(ctx, poolID)
		return pending(poolID, gens[len(gens)-1], pruned), nil
	}
	// Not another rotation: the records changed under us (e.g. the pool's keys were deleted).
	return Rotation{}, fmt.Errorf("signer: rotating key of pool %s: records changed concurrently: %w", poolID, cause)
}

func pending(poolID string, g keyGen, pruned []string) Rotation {
	return Rotation{PoolID: poolID, Use: g.use, Kid: g.kid, Generation: g.generation, NotBefore: g.notBefore, Pruned: pruned}
}

// withRetireAfter sets retireAfter in a key record's JSON, keeping every other field as stored.
func withRetireAfter(data []byte, t time.Time) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	v, err := json.Marshal(t.UTC())
	if err != nil {
		return nil, err
	}
	fields["retireAfter"] = v
	return json.Marshal(fields)
}

func pruneRetired(ctx context.Context, m rotatable, poolID string, use KeyUse) ([]string, error) {
	if err := checkRotate(poolID, use); err != nil {
		return nil, err
	}
	mu := m.lock(poolID)
	mu.Lock()
	defer mu.Unlock()
	return prune(ctx, m, poolID, use)
}

// prune deletes use's retired generations (lock held). A key leaves the JWKS at its RetireAfter,
// so by the time its record is deleted (and, in kms mode, its KMS key scheduled for deletion)
// no process publishes it any more (checklist KMS-02).
func prune(ctx context.Context, m rotatable, poolID string, use KeyUse) ([]string, error) {
	all, err := m.gens(ctx, poolID)
	if err != nil {
		return nil, err
	}
	gens := gensOf(all, use)
	if len(gens) < 2 {
		return nil, nil
	}
	now := m.now()
	var ops []store.Op
	var kids []string
	for _, g := range gens[:len(gens)-1] { // never the newest
		if !g.retired(now) {
			continue
		}
		if len(ops) == 100 { // a transaction's limit; a later run deletes the rest
			break
		}
		if err := m.release(ctx, poolID, g); err != nil {
			return nil, err // the record stays, so a later run retries
		}
		ops = append(ops, store.DeleteItemOp(g.item, store.Cond{Kind: store.CondVersion, Version: g.item.Version}))
		kids = append(kids, g.kid)
	}
	if len(ops) == 0 {
		return nil, nil
	}
	if err := m.table().Write(ctx, ops...); err != nil {
		if errors.Is(err, store.ErrConditionFailed) {
			return nil, nil // another process pruned (or changed) them first
		}
		return nil, fmt.Errorf("signer: pruning retired keys of pool %s: %w", poolID, err)
	}
	m.refresh(ctx, poolID)
	return kids, nil
}

func keyAge(ctx context.Context, m rotatable, poolID string, use KeyUse) (time.Duration, error) {
	if err := checkRotate(poolID, use); err != nil {
		return 0, err
	}
	all, err := m.gens(ctx, poolID)
	if err != nil {
		return 0, err
	}
	gens := gensOf(all, use)
	if len(gens) == 0 {
		return 0, fmt.Errorf("%w %s (use %s)", ErrNoKey, poolID, use)
	}
	return m.now().Sub(gens[len(gens)-1].createdAt), nil
}

// RotateJob is a batch of rotations: what a scheduler or an operator runs with RotatePools.
type RotateJob struct {
	// Pools to visit, in order.
	Pools []string
	// Uses to rotate in each pool; empty means both (UseID, then UseAccess).
	Uses []KeyUse
	// OlderThan: rotate a key only when its newest generation is at least this old (KeyAge);
	// 0 rotates every key. Retired generations are pruned either way.
	OlderThan time.Duration
	// Options for each Rotate.
	Options RotateOptions
	// Deadline, when set: no pool is started after it (work under way finishes), and the
	// pools left are reported with ErrDeadline. A Lambda function sets it a little before its
	// own deadline so that it returns a report instead of being killed.
	Deadline time.Time
	// Now is the clock Deadline is compared with; nil means time.Now.
	Now func() time.Time
	// Report, when set, receives each pool and use's outcome as it completes.
	Report func(RotateOutcome)
}

// ErrDeadline marks the pools a RotateJob left for its next run.
var ErrDeadline = errors.New("signer: rotation job out of time")

// RotateOutcome is what happened to one pool's key for one use.
type RotateOutcome struct {
	PoolID string
	Use    KeyUse
	// Age of the newest generation before this job.
	Age time.Duration
	// Rotation is set when Rotate ran (Rotation.Created false: a rotation was already pending).
	Rotation *Rotation
	// Pruned are the kids of retired generations deleted.
	Pruned []string
	// Err joins what failed: pruning (which does not hold up the rotation), reading the key's
	// age, or rotating.
	Err error
}

// RotatePools runs a RotateJob: for each pool and use, prune retired generations, then rotate if
// the newest key is old enough. It goes on past failures and returns them all, joined.
func RotatePools(ctx context.Context, r Rotator, job RotateJob) error {
	uses := job.Uses
	if len(uses) == 0 {
		uses = []KeyUse{UseID, UseAccess}
	}
	now := job.Now
	if now == nil {
		now = time.Now
	}
	report := job.Report
	if report == nil {
		report = func(RotateOutcome) {}
	}
	var errs []error
	for i, pool := range job.Pools {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("signer: %d pools not visited: %w", len(job.Pools)-i, err))
			break
		}
		if !job.Deadline.IsZero() && !now().Before(job.Deadline) {
			for _, p := range job.Pools[i:] {
				for _, use := range uses {
					report(RotateOutcome{PoolID: p, Use: use, Err: ErrDeadline})
				}
			}
			errs = append(errs, fmt.Errorf("%w: %d pools left for the next run", ErrDeadline, len(job.Pools)-i))
			break
		}
		for _, use := range uses {
			out := rotateOne(ctx, r, pool, use, job)
			if out.Err != nil {
				errs = append(errs, fmt.Errorf("pool %s (%s key): %w", pool, use, out.Err))
			}
			report(out)
		}
	}
	return errors.Join(errs...)
}

// rotateOne prunes, then rotates if due. A pruning failure is reported but does not hold up the
// rotation: deleting old keys is housekeeping, replacing a key is not.
func rotateOne(ctx context.Context, r Rotator, pool string, use KeyUse, job RotateJob) RotateOutcome {
	out := RotateOutcome{PoolID: pool, Use: use}
	pruned, pruneErr := r.PruneRetired(ctx, pool, use)
	out.Pruned = pruned
	age, err := r.KeyAge(ctx, pool, use)
	out.Age = age
	if err != nil || age < job.OlderThan {
		out.Err = errors.Join(pruneErr, err)
		return out
	}
	rot, err := r.Rotate(ctx, pool, use, job.Options)
	if err == nil {
		out.Rotation = &rot
		out.Pruned = append(out.Pruned, rot.Pruned...)
		pruneErr = rot.PruneErr // Rotate pruned again, later: its result stands
	}
	out.Err = errors.Join(pruneErr, err)
	return out
}
