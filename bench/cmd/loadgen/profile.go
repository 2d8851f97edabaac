package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cognatehq/cognate/bench/report"
)

// profiles records a pprof CPU profile of the server for every operation whose target the run
// missed (and of password sign-in in any case, as the reference), on `loadgen server`: the same
// wiring as `cognate serve`, with runtime/pprof around the window.
func (b *bench) profiles(ctx context.Context) {
	type want struct {
		op    string
		large bool
		why   string
	}
	// Profiles of an earlier run would be linked by nothing: remove them (only ours: profile-*.pprof).
	if old, err := filepath.Glob(filepath.Join(b.o.outDir, "profile-*.pprof")); err == nil {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	var wants []want
	seen := map[string]bool{}
	for _, tr := range report.EvaluateTargets(b.res) {
		if tr.Met == nil || *tr.Met || tr.ProfileOp == "" || tr.ProfileOp == report.OpVerify {
			continue
		}
		large := tr.PoolSize > b.o.pools[0]
		key := fmt.Sprintf("%s/%v", tr.ProfileOp, large)
		if seen[key] {
			continue
		}
		seen[key] = true
		wants = append(wants, want{tr.ProfileOp, large, "target missed: " + tr.Text})
	}
	if !seen[report.OpPassword+"/false"] {
		wants = append(wants, want{report.OpPassword, false, "reference profile of the main sign-in path"})
	}
	// The large pool serves the same operations slower at the same CPU per operation: show where.
	for _, op := range []string{report.OpGetUser, report.OpPassword} {
		if !seen[op+"/true"] && len(b.o.pools) > 1 && b.o.ops[op] {
			wants = append(wants, want{op, true, fmt.Sprintf("reference profile at %d users (store seeded, --data-dir)", b.largeN)})
		}
	}
	if b.o.quick && len(wants) > 2 { // a smoke run proves the path, it does not need every profile
		wants = append(wants[:1], wants[len(wants)-1])
	}
	for _, w := range wants {
		if ctx.Err() != nil {
			return
		}
		if w.large && b.large == "" {
			continue
		}
		p, err := b.profile(ctx, w.op, w.large, w.why)
		if err != nil {
			b.note("profile of %s failed: %v", w.op, err)
			continue
		}
		b.res.Profiles = append(b.res.Profiles, *p)
	}
}

func (b *bench) profile(ctx context.Context, op string, large bool, why string) (*report.Profile, error) {
	size := b.o.pools[0]
	args := []string{"--store", "embedded"}
	if large {
		size = b.largeN
		args = append(args, "--data-dir", b.large)
	}
	b.logf("profile: %s at %d users (%s)", op, size, why)
	c, t, err := b.startInproc(ctx, "inproc-profile-"+op+".log", args...)
	if err != nil {
		return nil, err
	}
	defer c.stop(10 * time.Second)
	if !large {
		if _, _, err := seedAPI(ctx, t, 0, size, 16, 10*time.Minute, max(size, 1), nil); err != nil {
			return nil, err
		}
	}
	s := &session{t: t, users: size, signupTag: "p"}
	if err := s.signInTokenUsers(ctx, min(b.o.tokenUsers, size)); err != nil {
		return nil, err
	}
	var w *workload
	for _, x := range workloads() {
		if x.op == op {
			w = &x
		}
	}
	if w == nil {
		return nil, fmt.Errorf("no workload %s", op)
	}
	if w.prime != nil {
		w.prime(s, int(400*(b.o.duration+b.o.warmup).Seconds()))
	}
	fn, err := w.prepare(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.o.outDir, 0o755); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("profile-%s-%d.pprof", op, size)
	path, _ := filepath.Abs(filepath.Join(b.o.outDir, name))
	spec := pointSpec{op: op, concurrency: b.o.mainConcurrency, warmup: b.o.warmup, duration: b.o.duration, maxOps: b.o.maxOps, serverPID: t.pid}
	// The profile covers the window: start it after the warm-up by hand.
	warm := spec
	warm.duration, warm.warmup = b.o.warmup, 0
	runPoint(ctx, warm, fn)
	if err := benchPost(ctx, t.url+"/_bench/profile/start?file="+path); err != nil {
		return nil, err
	}
	spec.warmup = 0
	p := runPoint(ctx, spec, fn)
	if err := benchPost(ctx, t.url+"/_bench/profile/stop"); err != nil {
		return nil, err
	}
	blockName := strings.TrimSuffix(name, ".pprof") + ".block.pprof"
	_ = os.Remove(filepath.Join(b.o.outDir, strings.TrimSuffix(name, ".pprof")+".mutex.pprof")) // kept out of docs: the block profile covers it
	cum := pprofTop(ctx, path, "-top", "-cum", "-nodecount=22", `-show=cognatehq|bbolt|encoding/json|crypto/rsa|math/big|net/http\.\(\*conn\)\.serve$|runtime\.gcBgMarkWorker`)
	cpu := pprofTop(ctx, path, "-top", "-nodecount=18") + "\n\n" + cum
	block := pprofTop(ctx, filepath.Join(b.o.outDir, blockName), "-top", "-cum", "-nodecount=24", "-focus=cognatehq",
		`-show=cognatehq|bbolt|^sync\.|runtime\.selectgo|runtime\.chan`)
	return &report.Profile{Op: op, PoolSize: size, Why: why, File: name, Seconds: round(p.Seconds, 2), Ops: p.Ops,
		Top: strings.TrimSpace(cpu), Block: block, BlockFile: blockName,
		HotCPU:  report.HotSpots(cum, regexp.MustCompile(`cognatehq|bbolt|encoding/json|crypto/rsa|math/big`), 8, 90, 5),
		HotWait: report.HotSpots(block, regexp.MustCompile(`cognatehq|bbolt`), 8, 100, 3)}, nil
}

// shapes shortens generic instantiations in pprof output: Bind[go.shape…] → Bind[…].
var shapes = regexp.MustCompile(`\[go\.shape[^\n]*?\]\.func`)

// pprofTop is `go tool pprof <args> <profile>`, from its "Showing nodes" line on.
func pprofTop(ctx context.Context, path string, args ...string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	out, err := exec.CommandContext(ctx, "go", append(append([]string{"tool", "pprof"}, args...), path)...).Output()
	if err != nil {
		return "go tool pprof failed: " + err.Error()
	}
	text := string(out)
	if i := strings.Index(text, "Showing nodes"); i >= 0 {
		text = text[i:]
	}
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = shapes.ReplaceAllString(line, "[…].func")
		if len(line) > 170 {
			line = line[:170] + "…"
		}
		lines = append(lines, line)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
