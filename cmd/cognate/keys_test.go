package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/userpool/api"
)

// keysEnv is a data directory made by cognate serve with two pools.
type keysEnv struct {
	dir          string
	clk          *clock.Fake
	poolA, poolB string
}

func newKeysEnv(t *testing.T) *keysEnv {
	t.Helper()
	ctx := context.Background()
	e := &keysEnv{dir: t.TempDir(), clk: clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}
	cfg := &serveConfig{addr: "127.0.0.1:0", dataDir: e.dir, region: "us-east-1", issuerBase: "http://127.0.0.1:0"}
	l, err := openLocal(ctx, cfg, e.clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, id := range []*string{&e.poolA, &e.poolB} {
		out, err := l.app.Service.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "keys"})
		if err != nil {
			t.Fatal(err)
		}
		*id = out.UserPool.Id
	}
	return e
}

func (e *keysEnv) rotate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := keysRotate(context.Background(), append([]string{"--data-dir", e.dir}, args...), &out, &errOut, e.clk)
	return out.String(), err
}

// signerOn opens the data directory as a restarted cognate serve would and returns its signer.
func (e *keysEnv) signerOn(t *testing.T) *signer.Local {
	t.Helper()
	mk, err := envelope.LoadOrCreateLocalMasterKey(filepath.Join(e.dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := embedded.Open(filepath.Join(e.dir, "cognate.db"), e.clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	return signer.NewLocal(tbl, envelope.NewSealer(mk, rand.Reader), e.clk, nil)
}

var newKidRe = regexp.MustCompile(`(\S+) (id|access): new kid ([A-Za-z0-9_-]+) \(generation (\d+)\) published now, signs from (\S+)`)

func TestKeysRotateOnePool(t *testing.T) {
	ctx := context.Background()
	e := newKeysEnv(t)
	out, err := e.rotate(t, "--pool", e.poolA, "--use", "access")
	if err != nil {
		t.Fatal(err)
	}
	m := newKidRe.FindAllStringSubmatch(out, -1)
	if len(m) != 1 || m[0][1] != e.poolA || m[0][2] != "access" || m[0][4] != "2" || m[0][5] != "2026-03-01T12:10:00Z" {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(out, "stays published until 2026-03-02T13:10:00Z") {
		t.Fatalf("output lacks the old key's retirement:\n%s", out)
	}
	newKid := m[0][3]

	// A restarted server publishes the new key now and signs with it from NotBefore.
	s := e.signerOn(t)
	pub, err := s.PublicKeys(ctx, e.poolA)
	if err != nil || len(pub) != 3 {
		t.Fatalf("published %d keys, %v; want 3", len(pub), err)
	}
	if kid, _ := s.ActiveKid(ctx, e.poolA, signer.UseAccess); kid == newKid {
		t.Fatal("the new key signs before its NotBefore")
	}
	e.clk.Advance(signer.DefaultPublishLead)
	if kid, _ := s.ActiveKid(ctx, e.poolA, signer.UseAccess); kid != newKid {
		t.Fatalf("after NotBefore the access key is %s, want %s", kid, newKid)
	}
	if pub, _ := s.PublicKeys(ctx, e.poolB); len(pub) != 2 {
		t.Fatal("the other pool was rotated")
	}
}

func TestKeysRotateAllPools(t *testing.T) {
	e := newKeysEnv(t)
	if _, err := e.rotate(t, "--pool", e.poolA, "--use", "id"); err != nil {
		t.Fatal(err)
	}
	out, err := e.rotate(t)
	if err != nil {
		t.Fatal(err)
	}
	// Pool A's ID key is already pending; the three other keys are new.
	if n := len(newKidRe.FindAllString(out, -1)); n != 3 {
		t.Fatalf("%d new kids:\n%s", n, out)
	}
	if !strings.Contains(out, e.poolA+" id: rotation already pending") {
		t.Fatalf("output:\n%s", out)
	}

	// --older-than: nothing is 30 days old yet; 31 days later everything is.
	if out, err = e.rotate(t, "--older-than", "30"); err != nil || len(newKidRe.FindAllString(out, -1)) != 0 || strings.Count(out, "not rotated") != 4 {
		t.Fatalf("--older-than 30 on fresh keys: %v\n%s", err, out)
	}
	e.clk.Advance(31 * 24 * time.Hour)
	if out, err = e.rotate(t, "--older-than", "30"); err != nil || len(newKidRe.FindAllString(out, -1)) != 4 || strings.Count(out, "deleted retired key") != 4 {
		t.Fatalf("--older-than 30 after 31 days: %v\n%s", err, out)
	}
}

func TestKeysRotateRefuses(t *testing.T) {
	e := newKeysEnv(t)
	for name, args := range map[string][]string{
		"bad use":      {"--use", "refresh"},
		"short lead":   {"--publish-lead", "1m"},
		"unknown pool": {"--pool", "us-east-1_Nobody"},
		"negative age": {"--older-than", "-1"},
		"extra arg":    {"now"},
	} {
		if out, err := e.rotate(t, args...); err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
		}
	}
	var out, errOut bytes.Buffer
	empty := t.TempDir()
	if err := keysRotate(context.Background(), []string{"--data-dir", empty}, &out, &errOut, e.clk); err == nil || !strings.Contains(err.Error(), "no local Cognate data") {
		t.Fatalf("empty data dir: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(empty, "*")); len(m) != 0 {
		t.Fatalf("created %v in an empty data dir", m)
	}
	// The store is held by another process (a running cognate serve).
	tbl, err := embedded.Open(filepath.Join(e.dir, "cognate.db"), e.clk)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Close()
	if _, err := e.rotate(t); err == nil || !strings.Contains(err.Error(), "cognate serve running") {
		t.Fatalf("store in use: %v", err)
	}
}

func TestKeysCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := keys(nil, &out, &errOut); err == nil {
		t.Error("no command accepted")
	}
	if err := keys([]string{"list"}, &out, &errOut); err == nil {
		t.Error("unknown command accepted")
	}
	if err := keys([]string{"rotate", "-h"}, &out, &errOut); err != nil || !strings.Contains(errOut.String(), "-older-than") {
		t.Errorf("rotate -h: %v\n%s", err, errOut.String())
	}
}
