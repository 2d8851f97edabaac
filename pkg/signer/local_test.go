package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

const (
	poolA = "us-east-1_PoolA"
	poolB = "us-east-1_PoolB"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// countingMaster counts unwraps and can be made to fail, standing in for KMS outages.
type countingMaster struct {
	envelope.MasterKey
	decrypts atomic.Int64
	fail     atomic.Pointer[error]
}

func (c *countingMaster) Decrypt(ctx context.Context, w []byte) ([]byte, error) {
	c.decrypts.Add(1)
	if e := c.fail.Load(); e != nil {
		return nil, *e
	}
	return c.MasterKey.Decrypt(ctx, w)
}

func (c *countingMaster) GenerateDataKey(ctx context.Context) ([]byte, []byte, error) {
	if e := c.fail.Load(); e != nil {
		return nil, nil, *e
	}
	return c.MasterKey.GenerateDataKey(ctx)
}

type env struct {
	t   testing.TB
	clk *clock.Fake
	tbl *storetest.Faulty // the embedded store, with faults on demand
	mk  *countingMaster
}

func newEnv(t testing.TB) *env {
	t.Helper()
	mk, err := envelope.NewLocalMasterKey(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	tbl, err := embedded.OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	return &env{t: t, clk: clk, tbl: storetest.NewFaulty(tbl), mk: &countingMaster{MasterKey: mk}}
}

// all returns the items of pk.
func (e *env) all(pk string) []store.Item { return storetest.Items(e.t, e.tbl, pk) }

// local is a new process: its own Sealer and caches, the shared table and master key.
func (e *env) local() *Local {
	return NewLocal(e.tbl, envelope.NewSealer(e.mk, nil), e.clk, nil)
}

func mustEnsure(t testing.TB, l *Local, pools ...string) {
	t.Helper()
	for _, p := range pools {
		if err := l.EnsurePoolKeys(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
}

func kids(t testing.TB, l *Local, pool string) map[KeyUse]string {
	t.Helper()
	out := map[KeyUse]string{}
	for _, u := range []KeyUse{UseID, UseAccess} {
		kid, err := l.ActiveKid(context.Background(), pool, u)
		if err != nil {
			t.Fatal(err)
		}
		out[u] = kid
	}
	return out
}

func verifyWith(keys []PublicKey, kid string, msg, sig []byte) error {
	d := sha256.Sum256(msg)
	for _, k := range keys {
		if k.Kid == kid {
			return rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, d[:], sig)
		}
	}
	return errors.New("kid not published")
}

func TestSignAndPublish(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	keys, err := l.PublicKeys(ctx, poolA)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d published keys, want 2 (id and access)", len(keys))
	}
	uses := map[KeyUse]PublicKey{}
	for _, k := range keys {
		uses[k.Use] = k
		if k.Key.N.BitLen() != 2048 || k.Key.E != 65537 {
			t.Errorf("key %s: %d bits, e=%d", k.Kid, k.Key.N.BitLen(), k.Key.E)
		}
		raw, err := base64.RawURLEncoding.DecodeString(k.Kid)
		if !ValidKid(k.Kid) || err != nil || len(raw) < 16 {
			t.Errorf("kid %q: want base64url of >= 16 random bytes", k.Kid)
		}
	}
	if uses[UseID].Kid == "" || uses[UseAccess].Kid == "" || uses[UseID].Kid == uses[UseAccess].Kid {
		t.Fatalf("want distinct id and access kids, got %+v", uses)
	}
	if uses[UseID].Key.Equal(uses[UseAccess].Key) {
		t.Fatal("id and access tokens share a key")
	}
	for _, use := range []KeyUse{UseID, UseAccess} {
		msg := []byte("header." + string(use))
		kid, sig, err := l.Sign(ctx, poolA, use, msg)
		if err != nil {
			t.Fatal(err)
		}
		if kid != uses[use].Kid {
			t.Fatalf("%s signed with %s, want %s", use, kid, uses[use].Kid)
		}
		if active, _ := l.ActiveKid(ctx, poolA, use); active != kid {
			t.Fatalf("ActiveKid %s, Sign used %s", active, kid)
		}
		if err := verifyWith(keys, kid, msg, sig); err != nil {
			t.Fatalf("%s signature does not verify: %v", use, err)
		}
	}
	if _, _, err := l.Sign(ctx, poolA, "refresh", []byte("x")); err == nil {
		t.Fatal("unknown use accepted")
	}
}

func TestEnsurePoolKeysIdempotent(t *testing.T) {
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	first := kids(t, l, poolA)
	writes := e.tbl.Writes.Load()
	mustEnsure(t, l, poolA)
	mustEnsure(t, e.local(), poolA) // another process, cold cache
	if got := kids(t, l, poolA); got[UseID] != first[UseID] || got[UseAccess] != first[UseAccess] {
		t.Fatalf("kids changed: %v -> %v", first, got)
	}
	if n := e.tbl.Writes.Load(); n != writes {
		t.Fatalf("EnsurePoolKeys wrote %d more times on a pool that had keys", n-writes)
	}
	if n := len(e.all(partitionKey(poolA))); n != 2 {
		t.Fatalf("%d key items, want 2", n)
	}
}

func TestEnsurePoolKeysConcurrent(t *testing.T) {
	e := newEnv(t)
	shared := e.local()
	locals := []*Local{shared, shared, shared, shared}
	for range 6 {
		locals = append(locals, e.local()) // separate processes racing
	}
	var wg sync.WaitGroup
	for _, l := range locals {
		wg.Go(func() {
			if err := l.EnsurePoolKeys(context.Background(), poolA); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(e.all(partitionKey(poolA))); n != 2 {
		t.Fatalf("%d key items after a race, want 2", n)
	}
	want := kids(t, shared, poolA)
	for i, l := range locals {
		if got := kids(t, l, poolA); got[UseID] != want[UseID] || got[UseAccess] != want[UseAccess] {
			t.Fatalf("process %d sees %v, want %v", i, got, want)
		}
	}
}

// TestEnsurePoolKeysLosesRaceGracefully makes another process create the keys between this
// process's read and its conditional write: the write must fail, and this process must adopt
// the winner's keys instead of publishing its own.
func TestEnsurePoolKeysLosesRaceGracefully(t *testing.T) {
	e := newEnv(t)
	winner, loser := e.local(), e.local()
	e.tbl.BeforeNextWrite(func() { mustEnsure(t, winner, poolA) })
	mustEnsure(t, loser, poolA)
	if n := len(e.all(partitionKey(poolA))); n != 2 {
		t.Fatalf("%d key items, want 2", n)
	}
	w, l := kids(t, winner, poolA), kids(t, loser, poolA)
	if w[UseID] != l[UseID] || w[UseAccess] != l[UseAccess] {
		t.Fatalf("loser uses %v, winner %v", l, w)
	}
}

func TestKeysPersistAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l1 := e.local()
	mustEnsure(t, l1, poolA)
	kid1, sig1, err := l1.Sign(ctx, poolA, UseAccess, []byte("msg"))
	if err != nil {
		t.Fatal(err)
	}
	l2 := e.local() // restart
	kid2, sig2, err := l2.Sign(ctx, poolA, UseAccess, []byte("msg"))
	if err != nil {
		t.Fatal(err)
	}
	// PKCS#1 v1.5 is deterministic: the same key yields the same signature.
	if kid1 != kid2 || !bytes.Equal(sig1, sig2) {
		t.Fatal("a new process signs with a different key")
	}
	keys, err := l2.PublicKeys(ctx, poolA)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyWith(keys, kid1, []byte("msg"), sig1); err != nil {
		t.Fatal(err)
	}
}

func TestPoolIsolation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA, poolB)
	a, b := kids(t, l, poolA), kids(t, l, poolB)
	if a[UseID] == b[UseID] || a[UseAccess] == b[UseAccess] {
		t.Fatal("pools share kids")
	}
	keysA, _ := l.PublicKeys(ctx, poolA)
	keysB, _ := l.PublicKeys(ctx, poolB)
	for _, ka := range keysA {
		for _, kb := range keysB {
			if ka.Kid == kb.Kid || ka.Key.Equal(kb.Key) {
				t.Fatal("a key is published by two pools")
			}
		}
	}
	_, sig, err := l.Sign(ctx, poolB, UseAccess, []byte("m"))
	if err != nil {
		t.Fatal(err)
	}
	if verifyWith(keysA, b[UseAccess], []byte("m"), sig) == nil {
		t.Fatal("pool B's signature verifies with pool A's keys")
	}

	const unknown = "us-east-1_Nobody"
	if keys, err := l.PublicKeys(ctx, unknown); err != nil || len(keys) != 0 {
		t.Fatalf("unknown pool: %v, %v; want no keys, no error", keys, err)
	}
	if _, _, err := l.Sign(ctx, unknown, UseID, []byte("m")); !errors.Is(err, ErrNoKey) {
		t.Fatalf("unknown pool: err = %v, want ErrNoKey", err)
	}
	// Keys created by another process after a miss are seen at once (misses are not cached).
	mustEnsure(t, e.local(), unknown)
	if _, _, err := l.Sign(ctx, unknown, UseID, []byte("m")); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidPoolID(t *testing.T) {
	ctx := context.Background()
	l := newEnv(t).local()
	for _, p := range []string{"", "a#b", "pool id", "pool\x00", string(bytes.Repeat([]byte{'a'}, 129)), "pööl"} {
		if err := l.EnsurePoolKeys(ctx, p); !errors.Is(err, ErrInvalidPool) {
			t.Errorf("EnsurePoolKeys(%q) = %v", p, err)
		}
		if _, err := l.PublicKeys(ctx, p); !errors.Is(err, ErrInvalidPool) {
			t.Errorf("PublicKeys(%q) = %v", p, err)
		}
	}
}

// privateBytes returns the encodings of a private key that must never appear at rest.
func privateBytes(t *testing.T, priv *rsa.PrivateKey) map[string][]byte {
	t.Helper()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{
		"PKCS#8": pkcs8,
		"PKCS#1": x509.MarshalPKCS1PrivateKey(priv),
		"D":      priv.D.Bytes(),
		"P":      priv.Primes[0].Bytes(),
		"Q":      priv.Primes[1].Bytes(),
	}
	for name, b := range map[string][]byte{"PKCS#8": pkcs8, "PKCS#1": out["PKCS#1"], "D": out["D"]} {
		out[name+" base64"] = []byte(base64.StdEncoding.EncodeToString(b))
		out[name+" base64url"] = []byte(base64.RawURLEncoding.EncodeToString(b))
		out[name+" hex"] = []byte(hex.EncodeToString(b))
	}
	return out
}

func TestPrivateKeysSealedAtRest(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	for _, use := range []KeyUse{UseID, UseAccess} { // unseal them, as signing does
		if _, _, err := l.Sign(ctx, poolA, use, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	items := e.all(partitionKey(poolA))
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		var rec keyRecord
		if err := json.Unmarshal(it.Data, &rec); err != nil {
			t.Fatal(err)
		}
		k, err := l.keys.activeKey(ctx, poolA, rec.Use)
		if err != nil {
			t.Fatal(err)
		}
		priv := k.priv
		if priv == nil || !priv.PublicKey.Equal(k.pub) {
			t.Fatal("private key not loaded")
		}
		// Look in the raw item and in every decoded binary field.
		haystacks := map[string][]byte{"item": it.Data, "sealed": rec.SealedPrivateKey, "public": rec.PublicKey}
		for what, secret := range privateBytes(t, priv) {
			for where, hay := range haystacks {
				if bytes.Contains(hay, secret) {
					t.Errorf("%s of the %s private key is readable in the %s", what, rec.Use, where)
				}
			}
		}
	}
}

// recordOf reads and decodes a key item.
func recordOf(t *testing.T, e *env, pool string, use KeyUse, gen int) (store.Item, keyRecord) {
	t.Helper()
	it, err := e.tbl.Get(context.Background(), partitionKey(pool), sortKey(use, gen))
	if err != nil {
		t.Fatal(err)
	}
	var rec keyRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		t.Fatal(err)
	}
	return it, rec
}

func putRecord(t *testing.T, e *env, it store.Item, rec keyRecord) {
	t.Helper()
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	it.Data = data
	storetest.Set(t, e.tbl, it)
}

func TestSealedKeyBoundToPoolAndKid(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA, poolB)
	_, recA := recordOf(t, e, poolA, UseAccess, 1)

	// Someone with write access to the table copies pool A's whole key (public and sealed
	// private halves, kid included) into pool B. Pool B must not sign with it.
	itB, _ := recordOf(t, e, poolB, UseAccess, 1)
	putRecord(t, e, itB, recA)
	if _, _, err := e.local().Sign(ctx, poolB, UseAccess, []byte("m")); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("pool B signed with pool A's key: err = %v", err)
	}

	// Within one pool, a sealed access key moved under the ID key's kid fails too.
	itID, recID := recordOf(t, e, poolA, UseID, 1)
	recID.SealedPrivateKey, recID.PublicKey = recA.SealedPrivateKey, recA.PublicKey
	putRecord(t, e, itID, recID)
	if _, _, err := e.local().Sign(ctx, poolA, UseID, []byte("m")); !errors.Is(err, envelope.ErrInvalid) {
		t.Fatalf("ID kid signed with the access key: err = %v", err)
	}
}

func TestSwappedPublicKeyFailsClosed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA)
	_, recAccess := recordOf(t, e, poolA, UseAccess, 1)
	it, rec := recordOf(t, e, poolA, UseID, 1)
	rec.PublicKey = recAccess.PublicKey // publish a key that is not the sealed one
	putRecord(t, e, it, rec)
	if _, _, err := e.local().Sign(ctx, poolA, UseID, []byte("m")); err == nil {
		t.Fatal("signed with a private key that does not match the published public key")
	}
}

func TestMalformedRecordFailsLoad(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA)
	it, rec := recordOf(t, e, poolA, UseID, 1)
	for name, mutate := range map[string]func(*keyRecord){
		"alg":    func(r *keyRecord) { r.Alg = "HS256" },
		"format": func(r *keyRecord) { r.Format = 2 },
		"kid":    func(r *keyRecord) { r.Kid = "../../x" },
		"gen":    func(r *keyRecord) { r.Generation = 2 },
		"pub":    func(r *keyRecord) { r.PublicKey = []byte("junk") },
		"small": func(r *keyRecord) {
			small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537}
			r.PublicKey, _ = x509.MarshalPKIXPublicKey(small)
		},
	} {
		bad := rec
		mutate(&bad)
		putRecord(t, e, it, bad)
		if _, err := e.local().PublicKeys(ctx, poolA); err == nil {
			t.Errorf("%s: malformed record loaded", name)
		}
	}
}

func TestMasterKeyOutageFailsClosed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA)
	outage := errors.New("KMSInternalException")
	e.mk.fail.Store(&outage)

	l := e.local()
	if kid, sig, err := l.Sign(ctx, poolA, UseAccess, []byte("m")); !errors.Is(err, outage) || sig != nil || kid != "" {
		t.Fatalf("Sign during a master-key outage = %q, %x, %v; want the outage error", kid, sig, err)
	}
	// Verification needs no decryption and keeps working.
	if keys, err := l.PublicKeys(ctx, poolA); err != nil || len(keys) != 2 {
		t.Fatalf("PublicKeys during an outage: %v, %v", keys, err)
	}
	if err := l.EnsurePoolKeys(ctx, poolB); !errors.Is(err, outage) {
		t.Fatalf("EnsurePoolKeys during an outage = %v", err)
	}
	if items := e.all(partitionKey(poolB)); len(items) != 0 {
		t.Fatal("a key was stored although it could not be sealed")
	}
	e.mk.fail.Store(nil)
	if _, _, err := l.Sign(ctx, poolA, UseAccess, []byte("m")); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestTableErrorsFailClosed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	down := errors.New("ProvisionedThroughputExceededException")
	e.tbl.FailWrites(down, nil)
	if err := e.local().EnsurePoolKeys(ctx, poolA); !errors.Is(err, down) {
		t.Fatalf("EnsurePoolKeys with failing writes = %v", err)
	}
	e.tbl.FailWrites(nil, nil)
	mustEnsure(t, e.local(), poolA)
	e.tbl.FailQueries(down)
	if _, _, err := e.local().Sign(ctx, poolA, UseID, []byte("m")); !errors.Is(err, down) {
		t.Fatalf("Sign with failing reads = %v", err)
	}
	if _, err := e.local().PublicKeys(ctx, poolA); !errors.Is(err, down) {
		t.Fatalf("PublicKeys with failing reads = %v", err)
	}
}

func TestPrivateKeysUnsealedLazilyAndOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	mustEnsure(t, e.local(), poolA)
	l := e.local()
	before := e.mk.decrypts.Load()
	if _, err := l.PublicKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	if e.mk.decrypts.Load() != before {
		t.Fatal("publishing keys unwrapped a data key")
	}
	for range 20 {
		if _, _, err := l.Sign(ctx, poolA, UseID, []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	// Past the cache TTL the records are re-read, but the unsealed key is carried over.
	e.clk.Advance(cacheTTL + time.Second)
	if _, _, err := l.Sign(ctx, poolA, UseID, []byte("m")); err != nil {
		t.Fatal(err)
	}
	if n := e.mk.decrypts.Load() - before; n != 1 {
		t.Fatalf("%d data-key unwraps for repeated signing, want 1", n)
	}
}

func TestDeletePoolKeys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA, poolB)
	old := kids(t, l, poolA)
	if err := l.DeletePoolKeys(ctx, poolA); err != nil {
		t.Fatal(err)
	}
	if n := len(e.all(partitionKey(poolA))); n != 0 {
		t.Fatalf("%d items left", n)
	}
	if _, _, err := l.Sign(ctx, poolA, UseID, []byte("m")); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Sign after delete = %v", err)
	}
	if keys, _ := l.PublicKeys(ctx, poolA); len(keys) != 0 {
		t.Fatal("deleted keys still published")
	}
	if _, _, err := l.Sign(ctx, poolB, UseID, []byte("m")); err != nil {
		t.Fatalf("other pool affected: %v", err)
	}
	if err := l.DeletePoolKeys(ctx, poolA); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	mustEnsure(t, l, poolA)
	if now := kids(t, l, poolA); now[UseID] == old[UseID] {
		t.Fatal("recreated pool reuses old kid")
	}
}

// TestRotationReadyFormat writes a second generation by hand, as the rotation job will, and
// checks the selection rules: published ahead of use, current from NotBefore, dropped after
// RetireAfter.
func TestRotationReadyFormat(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l := e.local()
	mustEnsure(t, l, poolA)
	gen1 := kids(t, l, poolA)[UseAccess]

	// Build generation 2 with a fresh key, usable from t0+1h.
	donor := e.local()
	mustEnsure(t, donor, poolB)
	_, recB := recordOf(t, e, poolB, UseAccess, 1)
	priv, err := donor.privateKey(ctx, poolB, func() *poolKey { k, _ := donor.keys.activeKey(ctx, poolB, UseAccess); return k }())
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	gen2 := "generation-two-kid-0000"
	sealed, err := envelope.NewSealer(e.mk, nil).Seal(ctx, der, sealAAD(poolA, UseAccess, gen2))
	if err != nil {
		t.Fatal(err)
	}
	rec2 := keyRecord{
		Format: recordFormat, Kid: gen2, Use: UseAccess, Alg: "RS256", Generation: 2,
		CreatedAt: t0, NotBefore: t0.Add(time.Hour), PublicKey: recB.PublicKey, SealedPrivateKey: sealed,
	}
	data, _ := json.Marshal(rec2)
	if err := e.tbl.Write(ctx, store.Op{Item: store.Item{PK: partitionKey(poolA), SK: sortKey(UseAccess, 2), Version: 1, Data: data}, Cond: store.Cond{Kind: store.CondNotExists}}); err != nil {
		t.Fatal(err)
	}

	e.clk.Advance(cacheTTL) // caches refresh
	published := func() map[string]bool {
		keys, err := l.PublicKeys(ctx, poolA)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, k := range keys {
			out[k.Kid] = true
		}
		return out
	}
	if p := published(); !p[gen1] || !p[gen2] || len(p) != 3 {
		t.Fatalf("before NotBefore: published %v; want both access generations and the id key", p)
	}
	if kid, _ := l.ActiveKid(ctx, poolA, UseAccess); kid != gen1 {
		t.Fatalf("before NotBefore: active %s, want generation 1", kid)
	}

	e.clk.Set(t0.Add(time.Hour))
	kid, sig, err := l.Sign(ctx, poolA, UseAccess, []byte("m"))
	if err != nil || kid != gen2 {
		t.Fatalf("after NotBefore: signed with %s (%v), want generation 2", kid, err)
	}
	keys, _ := l.PublicKeys(ctx, poolA)
	if err := verifyWith(keys, gen2, []byte("m"), sig); err != nil {
		t.Fatal(err)
	}

	// Retire generation 1.
	it1, rec1 := recordOf(t, e, poolA, UseAccess, 1)
	rec1.RetireAfter = t0.Add(2 * time.Hour)
	putRecord(t, e, it1, rec1)
	e.clk.Set(t0.Add(2 * time.Hour))
	if p := published(); p[gen1] || !p[gen2] {
		t.Fatalf("after RetireAfter: published %v", p)
	}
}
