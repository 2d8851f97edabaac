package signer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
)

func publishedKids(t *testing.T, s Signer, pool string) map[string]bool {
	t.Helper()
	keys, err := s.PublicKeys(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range keys {
		out[k.Kid] = true
	}
	return out
}

func mustRotate(t *testing.T, r Rotator, pool string, use KeyUse, opts RotateOptions) Rotation {
	t.Helper()
	rot, err := r.Rotate(context.Background(), pool, use, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rot
}

func signWith(t *testing.T, s Signer, pool string, use KeyUse, msg string) (string, []byte) {
	t.Helper()
	kid, sig, err := s.Sign(context.Background(), pool, use, []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	return kid, sig
}

// TestRotateLifecycle follows one rotation through three processes with separate caches: the
// new key is published at once and signs from NotBefore; the old key signs until then, verifies
// until RetireAfter, then leaves the JWKS and is pruned.
func TestRotateLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	signerProc, verifierProc, rotator := e.local(), e.local(), e.local()
	mustEnsure(t, signerProc, poolA)
	before := kids(t, signerProc, poolA)
	gen1 := before[UseAccess]
	publishedKids(t, verifierProc, poolA) // both caches hold generation 1 only

	e.clk.Advance(time.Minute)
	rot := mustRotate(t, rotator, poolA, UseAccess, RotateOptions{})
	notBefore := t0.Add(time.Minute + DefaultPublishLead)
	retireAfter := notBefore.Add(24*time.Hour + RetireMargin)
	if !rot.Created || rot.Generation != 2 || rot.Kid == gen1 || !ValidKid(rot.Kid) || !rot.NotBefore.Equal(notBefore) || rot.Use != UseAccess || rot.PoolID != poolA {
		t.Fatalf("rotation %+v", rot)
	}
	if len(rot.Retiring) != 1 || rot.Retiring[0].Kid != gen1 || rot.Retiring[0].Generation != 1 || !rot.Retiring[0].RetireAfter.Equal(retireAfter) {
		t.Fatalf("retiring %+v, want generation 1 at %v", rot.Retiring, retireAfter)
	}
	gen2 := rot.Kid
	_, rec1 := recordOf(t, e, poolA, UseAccess, 1)
	_, rec2 := recordOf(t, e, poolA, UseAccess, 2)
	if !rec1.RetireAfter.Equal(retireAfter) || !rec2.NotBefore.Equal(notBefore) || !rec2.RetireAfter.IsZero() || rec2.Generation != 2 {
		t.Fatalf("records: gen1 retires %v, gen2 from %v retires %v", rec1.RetireAfter, rec2.NotBefore, rec2.RetireAfter)
	}
	// The ID key is not touched.
	if _, recID := recordOf(t, e, poolA, UseID, 1); !recID.RetireAfter.IsZero() {
		t.Fatal("rotating the access key retired the ID key")
	}

	// Before NotBefore: the rotator and any fresh process publish both access keys; generation 1
	// still signs everywhere.
	if p := publishedKids(t, rotator, poolA); !p[gen1] || !p[gen2] || !p[before[UseID]] || len(p) != 3 {
		t.Fatalf("published right after rotating: %v", p)
	}
	e.clk.Set(notBefore.Add(-time.Second))
	for i, s := range []*Local{signerProc, verifierProc, rotator, e.local()} {
		if kid, _ := s.ActiveKid(ctx, poolA, UseAccess); kid != gen1 {
			t.Fatalf("process %d before NotBefore: active %s, want generation 1", i, kid)
		}
		if p := publishedKids(t, s, poolA); !p[gen1] || !p[gen2] {
			t.Fatalf("process %d before NotBefore: published %v", i, p)
		}
	}
	lastKid, lastSig := signWith(t, signerProc, poolA, UseAccess, "last") // generation 1's last use
	if lastKid != gen1 {
		t.Fatalf("last signature by %s", lastKid)
	}

	// At NotBefore: the new key signs, from the cached records (the table is unreadable).
	e.clk.Set(notBefore)
	e.tbl.FailQueries(errors.New("table unavailable"))
	for i, s := range []*Local{signerProc, verifierProc, rotator} {
		kid, sig := signWith(t, s, poolA, UseAccess, "first")
		if kid != gen2 {
			t.Fatalf("process %d at NotBefore: signed with %s, want generation 2", i, kid)
		}
		if err := verifyWith(mustKeys(t, verifierProc, poolA), kid, []byte("first"), sig); err != nil {
			t.Fatalf("process %d: generation 2 signature: %v", i, err)
		}
	}
	e.tbl.FailQueries(nil)
	if id, _ := signerProc.ActiveKid(ctx, poolA, UseID); id != before[UseID] {
		t.Fatal("the ID key changed")
	}

	// Generation 1's signatures verify until RetireAfter; at RetireAfter its key leaves the JWKS
	// in every process, cached or not.
	e.clk.Set(retireAfter.Add(-time.Nanosecond))
	for i, s := range []*Local{signerProc, verifierProc, e.local()} {
		if err := verifyWith(mustKeys(t, s, poolA), lastKid, []byte("last"), lastSig); err != nil {
			t.Fatalf("process %d just before RetireAfter: %v", i, err)
		}
	}
	if pruned, err := rotator.PruneRetired(ctx, poolA, UseAccess); err != nil || len(pruned) != 0 {
		t.Fatalf("pruned %v (%v) before RetireAfter", pruned, err)
	}
	e.clk.Set(retireAfter)
	for i, s := range []*Local{signerProc, verifierProc, e.local()} {
		if err := verifyWith(mustKeys(t, s, poolA), lastKid, []byte("last"), lastSig); err == nil {
			t.Fatalf("process %d: generation 1 still verifies at RetireAfter", i)
		}
		if p := publishedKids(t, s, poolA); p[gen1] || !p[gen2] || len(p) != 2 {
			t.Fatalf("process %d after RetireAfter: published %v", i, p)
		}
	}

	// Pruning deletes the retired record, and only it.
	pruned, err := rotator.PruneRetired(ctx, poolA, UseAccess)
	if err != nil || len(pruned) != 1 || pruned[0] != gen1 {
		t.Fatalf("pruned %v, %v", pruned, err)
	}
	var sks []string
	for _, it := range e.all(partitionKey(poolA)) {
		sks = append(sks, it.SK)
	}
	if strings.Join(sks, " ") != "access#00000002 id#00000001" {
		t.Fatalf("items after pruning: %v", sks)
	}
	if kid, _ := e.local().ActiveKid(ctx, poolA, UseAccess); kid != gen2 {
		t.Fatalf("after pruning a new process signs with %s", kid)
	}
}

func mustKeys(t *testing.T, s Signer, pool string) []PublicKey {
	t.Helper()
	keys, err := s.PublicKeys(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestRotateStaleCacheReloadsByNotBefore: a process that loaded the keys at the very instant of
// a rotation with the shortest lead allowed still signs with the new key at its NotBefore (its
// cache expires exactly then), and never signs with a key other processes do not publish.
func TestRotateStaleCacheReloadsByNotBefore(t *testing.T) {
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA)
	stale := e.local()
	gen1 := kids(t, stale, poolA)[UseAccess] // loaded at t0
	rot := mustRotate(t, e.local(), poolA, UseAccess, RotateOptions{PublishLead: MinPublishLead})
	if !rot.NotBefore.Equal(t0.Add(MinPublishLead)) {
		t.Fatalf("NotBefore %v", rot.NotBefore)
	}
	e.clk.Set(rot.NotBefore.Add(-time.Nanosecond))
	if kid := kids(t, stale, poolA)[UseAccess]; kid != gen1 {
		t.Fatalf("stale process before NotBefore: %s", kid)
	}
	e.clk.Set(rot.NotBefore)
	if kid, _ := signWith(t, stale, poolA, UseAccess, "m"); kid != rot.Kid {
		t.Fatalf("stale process at NotBefore signed with %s, want %s", kid, rot.Kid)
	}
}

func TestRotatePendingCreatesNothing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	first := mustRotate(t, l, poolA, UseID, RotateOptions{})
	e.clk.Advance(time.Minute)
	again := mustRotate(t, e.local(), poolA, UseID, RotateOptions{})
	if again.Created || again.Kid != first.Kid || again.Generation != 2 || !again.NotBefore.Equal(first.NotBefore) || len(again.Retiring) != 0 {
		t.Fatalf("second rotation while pending: %+v; want generation 2 reported, nothing created", again)
	}
	if n := len(e.all(partitionKey(poolA))); n != 3 {
		t.Fatalf("%d key items, want 3", n)
	}
	// Once generation 2 signs, the next rotation makes generation 3 and retires generation 2;
	// generation 1 keeps the RetireAfter it was given.
	e.clk.Set(first.NotBefore)
	third := mustRotate(t, l, poolA, UseID, RotateOptions{})
	if !third.Created || third.Generation != 3 || len(third.Retiring) != 1 || third.Retiring[0].Kid != first.Kid {
		t.Fatalf("third rotation %+v", third)
	}
	_, rec1 := recordOf(t, e, poolA, UseID, 1)
	if !rec1.RetireAfter.Equal(first.Retiring[0].RetireAfter) {
		t.Fatalf("generation 1's RetireAfter moved: %v -> %v", first.Retiring[0].RetireAfter, rec1.RetireAfter)
	}
	if p := publishedKids(t, l, poolA); len(p) != 4 {
		t.Fatalf("published %v: want 3 id generations and the access key", p)
	}
	// Rotating after generation 1 retired prunes it.
	e.clk.Set(third.NotBefore)
	e.clk.Set(rec1.RetireAfter)
	fourth := mustRotate(t, l, poolA, UseID, RotateOptions{})
	if !fourth.Created || fourth.Generation != 4 || len(fourth.Pruned) != 1 || fourth.Pruned[0] != rec1.Kid {
		t.Fatalf("fourth rotation %+v", fourth)
	}
	if _, err := e.tbl.Get(ctx, partitionKey(poolA), sortKey(UseID, 1)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("generation 1 not pruned: %v", err)
	}
}

// TestRotateConcurrent races rotators in one process and in several: exactly one new generation
// results, and every rotator reports it.
func TestRotateConcurrent(t *testing.T) {
	e := newEnv(t)
	shared := e.local()
	mustEnsure(t, shared, poolA)
	rotators := []*Local{shared, shared, shared}
	for range 7 {
		rotators = append(rotators, e.local())
	}
	results := make([]Rotation, len(rotators))
	var wg sync.WaitGroup
	for i, r := range rotators {
		wg.Go(func() {
			rot, err := r.Rotate(context.Background(), poolA, UseAccess, RotateOptions{})
			if err != nil {
				t.Error(err)
			}
			results[i] = rot
		})
	}
	wg.Wait()
	created := 0
	for i, rot := range results {
		if rot.Created {
			created++
		}
		if rot.Generation != 2 || rot.Kid != results[0].Kid {
			t.Fatalf("rotator %d reports %+v, rotator 0 %+v", i, rot, results[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d rotators created a generation, want 1", created)
	}
	if n := len(e.all(partitionKey(poolA))); n != 3 {
		t.Fatalf("%d key items, want 3", n)
	}
}

// TestRotateLosesRaceGracefully makes another process rotate between this one's read and its
// conditional write: the write fails, and the winner's key is reported.
func TestRotateLosesRaceGracefully(t *testing.T) {
	e := newEnv(t)
	winner, loser := e.local(), e.local()
	mustEnsure(t, winner, poolA)
	var won Rotation
	e.tbl.BeforeNextWrite(func() { won = mustRotate(t, winner, poolA, UseAccess, RotateOptions{}) })
	lost := mustRotate(t, loser, poolA, UseAccess, RotateOptions{})
	if !won.Created || lost.Created || lost.Kid != won.Kid || lost.Generation != 2 {
		t.Fatalf("winner %+v, loser %+v", won, lost)
	}
	if n := len(e.all(partitionKey(poolA))); n != 3 {
		t.Fatalf("%d key items, want 3", n)
	}
	// The loser's cache already holds the winner's key.
	e.clk.Set(won.NotBefore)
	if kid, _ := loser.ActiveKid(context.Background(), poolA, UseAccess); kid != won.Kid {
		t.Fatalf("loser signs with %s", kid)
	}
}

// TestRotateAgainstDeletedPool: the pool's keys are deleted between the rotator's read and its
// write. The write is conditional on generation 1's version, so no orphan key is left.
func TestRotateAgainstDeletedPool(t *testing.T) {
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	e.tbl.BeforeNextWrite(func() {
		if err := e.local().DeletePoolKeys(context.Background(), poolA); err != nil {
			t.Error(err)
		}
	})
	if _, err := l.Rotate(context.Background(), poolA, UseAccess, RotateOptions{}); err == nil {
		t.Fatal("rotated the keys of a pool being deleted")
	}
	if items := e.all(partitionKey(poolA)); len(items) != 0 {
		t.Fatalf("%d key items left", len(items))
	}
}

var errLost = errors.New("connection reset")

func TestRotateAmbiguousWrite(t *testing.T) {
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)

	e.tbl.FailWrites(errLost, nil)
	if _, err := l.Rotate(context.Background(), poolA, UseAccess, RotateOptions{}); !errors.Is(err, errLost) {
		t.Fatalf("Rotate with failing writes = %v", err)
	}
	if n := len(e.all(partitionKey(poolA))); n != 2 {
		t.Fatalf("%d items after a failed rotation", n)
	}
	e.tbl.FailWrites(nil, nil)

	e.tbl.LoseWrites(errLost)
	rot, err := l.Rotate(context.Background(), poolA, UseAccess, RotateOptions{})
	if err != nil || !rot.Created {
		t.Fatalf("Rotate whose write landed but was reported failed = %+v, %v", rot, err)
	}
	if _, rec := recordOf(t, e, poolA, UseAccess, 2); rec.Kid != rot.Kid {
		t.Fatalf("generation 2 is %s, reported %s", rec.Kid, rot.Kid)
	}
}

func TestRotateOptionsAndErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	for name, opts := range map[string]RotateOptions{
		"lead under the cache TTL": {PublishLead: MinPublishLead - time.Second},
		"negative lead":            {PublishLead: -time.Hour},
		"negative lifetime":        {TokenLifetime: -time.Hour},
	} {
		if _, err := l.Rotate(ctx, poolA, UseID, opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := l.Rotate(ctx, poolA, "refresh", RotateOptions{}); err == nil {
		t.Error("unknown use accepted")
	}
	if _, err := l.Rotate(ctx, "a#b", UseID, RotateOptions{}); !errors.Is(err, ErrInvalidPool) {
		t.Errorf("invalid pool: %v", err)
	}
	if _, err := l.Rotate(ctx, poolB, UseID, RotateOptions{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("pool without keys: %v", err)
	}
	if _, err := l.KeyAge(ctx, poolB, UseID); !errors.Is(err, ErrNoKey) {
		t.Errorf("KeyAge of a pool without keys: %v", err)
	}
	if n := len(e.all(partitionKey(poolA))); n != 2 {
		t.Fatalf("%d items after refused rotations", n)
	}

	// Retention: never less than MinRetention, longer for longer tokens.
	for lifetime, retention := range map[time.Duration]time.Duration{
		time.Hour:      MinRetention + RetireMargin,
		0:              DefaultTokenLifetime + RetireMargin,
		48 * time.Hour: 48*time.Hour + RetireMargin,
	} {
		e := newEnv(t)
		l := e.local()
		mustEnsure(t, l, poolA)
		rot := mustRotate(t, l, poolA, UseID, RotateOptions{PublishLead: time.Hour, TokenLifetime: lifetime})
		if !rot.NotBefore.Equal(t0.Add(time.Hour)) || !rot.Retiring[0].RetireAfter.Equal(rot.NotBefore.Add(retention)) {
			t.Errorf("lifetime %v: NotBefore %v, RetireAfter %v", lifetime, rot.NotBefore, rot.Retiring[0].RetireAfter)
		}
	}
}

func TestKeyAge(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	e.clk.Advance(90 * 24 * time.Hour)
	if age, err := l.KeyAge(ctx, poolA, UseAccess); err != nil || age != 90*24*time.Hour {
		t.Fatalf("KeyAge = %v, %v", age, err)
	}
	mustRotate(t, l, poolA, UseAccess, RotateOptions{})
	e.clk.Advance(time.Minute)
	// The newest generation counts, pending or not, so a scheduler does not rotate twice.
	if age, err := e.local().KeyAge(ctx, poolA, UseAccess); err != nil || age != time.Minute {
		t.Fatalf("KeyAge after rotating = %v, %v", age, err)
	}
	if age, _ := l.KeyAge(ctx, poolA, UseID); age != 90*24*time.Hour+time.Minute {
		t.Fatalf("ID key age %v", age)
	}
}

func TestRotatePools(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	e.clk.Advance(20 * 24 * time.Hour)
	mustEnsure(t, l, poolB)
	e.clk.Advance(11 * 24 * time.Hour) // A's keys are 31 days old, B's 11

	var outcomes []RotateOutcome
	job := RotateJob{
		Pools:     []string{poolA, poolB, "us-east-1_NoKeys"},
		OlderThan: 30 * 24 * time.Hour,
		Report:    func(o RotateOutcome) { outcomes = append(outcomes, o) },
	}
	err := RotatePools(ctx, l, job)
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "us-east-1_NoKeys") {
		t.Fatalf("RotatePools = %v; want the keyless pool's ErrNoKey", err)
	}
	if len(outcomes) != 6 {
		t.Fatalf("%d outcomes", len(outcomes))
	}
	for _, o := range outcomes {
		switch o.PoolID {
		case poolA:
			if o.Err != nil || o.Rotation == nil || !o.Rotation.Created || o.Age != 31*24*time.Hour {
				t.Errorf("pool A %s: %+v", o.Use, o)
			}
		case poolB:
			if o.Err != nil || o.Rotation != nil || o.Age != 11*24*time.Hour {
				t.Errorf("pool B %s: %+v", o.Use, o)
			}
		default:
			if !errors.Is(o.Err, ErrNoKey) {
				t.Errorf("keyless pool %s: %+v", o.Use, o)
			}
		}
	}
	// A second run the same day changes nothing.
	job.Pools, outcomes = []string{poolA, poolB}, nil
	if err := RotatePools(ctx, l, job); err != nil {
		t.Fatal(err)
	}
	for _, o := range outcomes {
		if o.Rotation != nil {
			t.Errorf("second run rotated %s %s", o.PoolID, o.Use)
		}
	}
	if n := len(e.all(partitionKey(poolA))); n != 4 {
		t.Fatalf("pool A has %d key items, want 4", n)
	}

	// A day and more later, the scheduler's run prunes A's replaced keys, though nothing is due.
	e.clk.Advance(26 * time.Hour)
	outcomes = nil
	if err := RotatePools(ctx, l, job); err != nil {
		t.Fatal(err)
	}
	pruned := 0
	for _, o := range outcomes {
		pruned += len(o.Pruned)
		if o.Rotation != nil {
			t.Errorf("rotated %s %s", o.PoolID, o.Use)
		}
	}
	if pruned != 2 || len(e.all(partitionKey(poolA))) != 2 {
		t.Fatalf("pruned %d keys, %d items left", pruned, len(e.all(partitionKey(poolA))))
	}

	// Only the uses asked for; OlderThan 0 rotates regardless of age.
	outcomes = nil
	if err := RotatePools(ctx, l, RotateJob{Pools: []string{poolB}, Uses: []KeyUse{UseID}, Report: func(o RotateOutcome) { outcomes = append(outcomes, o) }}); err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 1 || outcomes[0].Use != UseID || outcomes[0].Rotation == nil || !outcomes[0].Rotation.Created {
		t.Fatalf("forced rotation: %+v", outcomes)
	}

	// Past the deadline nothing starts, and every pool left is reported.
	outcomes = nil
	err = RotatePools(ctx, l, RotateJob{Pools: []string{poolA, poolB}, Deadline: e.clk.Now(), Now: e.clk.Now,
		Report: func(o RotateOutcome) { outcomes = append(outcomes, o) }})
	if !errors.Is(err, ErrDeadline) || len(outcomes) != 4 || !errors.Is(outcomes[3].Err, ErrDeadline) {
		t.Fatalf("past the deadline: %v, %+v", err, outcomes)
	}
}
