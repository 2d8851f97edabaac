package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognatehq/cognate/bench/procstat"
	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/app/local"
)

type bench struct {
	o      options
	tmp    string
	self   string
	start  time.Time
	res    *report.Results
	large  string // data dir of the largest seeded cognate pool (kept for the profiles)
	largeN int
}

func newBench(o options) (*bench, error) {
	for _, p := range []string{o.cognateBin} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s: %w (make bench builds it)", p, err)
		}
	}
	abs, err := filepath.Abs(o.cognateBin)
	if err != nil {
		return nil, err
	}
	o.cognateBin = abs
	if o.nodeDir, err = filepath.Abs(o.nodeDir); err != nil {
		return nil, err
	}
	// Data dirs on tmpfs when there is one: fsync there costs nothing, so a --data-dir server
	// writes as cheaply as a --memory one (whose temporary bbolt file skips fsync).
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	tmp, err := os.MkdirTemp(base, "cognate-bench-")
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return &bench{o: o, tmp: tmp, self: self, start: time.Now()}, nil
}

func (b *bench) cleanup() {
	if b.o.keepTmp {
		b.logf("temporary files kept in %s", b.tmp)
		return
	}
	if err := os.RemoveAll(b.tmp); err != nil {
		b.logf("temporary files not removed: %v", err)
	}
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	b.res.Notes = append(b.res.Notes, s)
	b.logf("note: %s", s)
}

func (b *bench) run(ctx context.Context) (*report.Results, error) {
	o := b.o
	b.res = &report.Results{Schema: report.Schema, Quick: o.quick, Started: time.Now().UTC(), Machine: machine(),
		Command: benchCommand(o.quick),
		Config: report.Config{Concurrency: o.concurrency, MainConcurrency: o.mainConcurrency, DurationS: o.duration.Seconds(),
			WarmupS: o.warmup.Seconds(), MaxOpsPerPoint: o.maxOps, PoolSizes: o.pools, CLSeedBudgetS: o.clSeedBudget.Seconds(),
			TokenUsers: o.tokenUsers, CostSamples: o.costSamples}}
	res := b.res
	b.logf("machine: %s, %d cores, %s; load average %s", res.Machine.CPUModel, res.Machine.Cores, res.Machine.GoVersion, res.Machine.LoadAvg)

	b.logf("crypto limits (testing.Benchmark, %v each)", o.benchtime)
	res.Crypto = cryptoBenchmarks(o.benchtime)
	for _, c := range res.Crypto {
		b.logf("  %-22s %10.0f ns/op  %9.0f ops/s", c.Name, c.NsPerOp, c.OpsPerSec)
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}

	if o.servers[report.ServerCognate] {
		for i, size := range o.pools {
			if err := b.cognateRun(ctx, size, i == 0); err != nil {
				return res, fmt.Errorf("cognate at %d users: %w", size, err)
			}
		}
	}
	if o.servers[report.ServerCognate] && !o.noTriggers {
		tb, err := b.triggerRun(ctx, benchCommand(o.quick))
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			b.note("the sign-in with triggers could not be measured: %v", err)
		}
		res.Triggers = tb
	}
	if o.servers[report.ServerCognate] && !o.noOAuth {
		ob, err := b.oauthRun(ctx, benchCommand(o.quick))
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			b.note("the OAuth 2.0 section could not be measured: %v", err)
		}
		res.OAuth = ob
	}
	if o.servers[report.ServerCognitoLocal] {
		if err := b.cognitoLocalRuns(ctx); err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			b.note("cognito-local could not be measured: %v", err)
		}
	}
	if !o.noCost {
		res.Cost = b.costRun(ctx)
	}
	if !o.noProfile && o.servers[report.ServerCognate] {
		b.profiles(ctx)
	}
	res.Finished = time.Now().UTC()
	res.Machine.LoadAvgEnd = machine().LoadAvg
	return res, ctx.Err()
}

func (b *bench) write(res *report.Results) error {
	if err := os.MkdirAll(b.o.outDir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.o.outDir, "results.json"), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeReport(res, b.o.outDir, b.o.reportPath); err != nil {
		return err
	}
	b.logf("wrote %s and %s", b.o.reportPath, filepath.Join(b.o.outDir, "results.json"))
	return nil
}

// runOnlyTriggers measures the sign-in with triggers alone and replaces that section of the
// saved results (-out's results.json), then renders the report again: the rest of the report
// keeps the figures of the full run that wrote them.
func (b *bench) runOnlyTriggers(ctx context.Context) error {
	path := filepath.Join(b.o.outDir, "results.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-only triggers replaces a section of saved results: %w (run make bench first)", err)
	}
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b.res = &res
	command := "make bench BENCH_ARGS='-only triggers'"
	if b.o.pin {
		command = "make bench BENCH_ARGS='-only triggers -pin'"
	}
	if b.o.quick {
		command = "BENCH_QUICK=1 " + command
	}
	tb, err := b.triggerRun(ctx, command)
	if err != nil {
		return err
	}
	prev := res.Triggers
	if b.o.pin {
		prev = res.TriggersPinned
	}
	if note := report.PreviousRunNote(prev); note != "" {
		tb.Notes = append(tb.Notes, note)
	}
	if b.o.pin {
		res.TriggersPinned = tb
	} else {
		res.Triggers = tb
	}
	return b.write(&res)
}

// runOnlyOAuth measures the OAuth 2.0 section alone and replaces it in the saved results, as
// runOnlyTriggers does for its section.
func (b *bench) runOnlyOAuth(ctx context.Context) error {
	path := filepath.Join(b.o.outDir, "results.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-only oauth replaces a section of saved results: %w (run make bench first)", err)
	}
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	b.res = &res
	command := "make bench BENCH_ARGS='-only oauth'"
	if b.o.quick {
		command = "BENCH_QUICK=1 " + command
	}
	ob, err := b.oauthRun(ctx, command)
	if err != nil {
		return err
	}
	if note := report.PreviousOAuthNote(res.OAuth); note != "" {
		ob.Notes = append(ob.Notes, note)
	}
	res.OAuth = ob
	return b.write(&res)
}

func benchCommand(quick bool) string {
	if quick {
		return "BENCH_QUICK=1 make bench"
	}
	return "make bench"
}

// ---- cognate serve ----

// startCognate runs `cognate serve` on a free loopback port: in memory, or on dataDir, with
// extra flags (shown as shownExtra in the report).
func (b *bench) startCognate(ctx context.Context, dataDir, logName string, extra ...string) (*child, *target, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, "", err
	}
	addr := "127.0.0.1:" + itoa(port)
	args := []string{b.o.cognateBin, "serve", "--addr", addr, "--admin-keys", adminKeyID + ":" + adminSecret, "--log-level", "warn"}
	shown := "cognate serve --addr 127.0.0.1:<free port> --admin-keys <bench key> --log-level warn"
	if dataDir == "" {
		args = append(args, "--memory")
		shown += " --memory"
	} else {
		args = append(args, "--data-dir", dataDir)
		shown += " --data-dir <tmpfs dir>"
	}
	args = append(args, extra...)
	c, err := startChild("cognate serve", b.tmp, []string{"COGNATE_STORE=embedded"}, filepath.Join(b.tmp, logName), args...)
	if err != nil {
		return nil, nil, "", err
	}
	url := "http://" + addr
	if err := waitHTTP(ctx, c, url+"/"+local.ReadyPoolID+"/.well-known/openid-configuration", 200, 120*time.Second); err != nil {
		c.stop(5 * time.Second)
		return nil, nil, "", err
	}
	return c, &target{server: report.ServerCognate, url: url, poolID: local.ReadyPoolID, clientID: local.ReadyClientID, pid: c.pid(), c: newClient(url)}, shown, nil
}

func (b *bench) cognateRun(ctx context.Context, size int, sweep bool) error {
	o := b.o
	run := report.Run{Server: report.ServerCognate, PoolSize: size}
	var c *child
	var t *target
	var err error
	if sweep { // the small pool: --memory, seeded through the API
		b.logf("cognate serve --memory, seeding %d users through the API", size)
		if c, t, run.Command, err = b.startCognate(ctx, "", "cognate-memory.log"); err != nil {
			return err
		}
		defer func() { c.stop(10 * time.Second) }()
		sd, n, err := seedAPI(ctx, t, 0, size, 16, 30*time.Minute, max(size/10, 100), b.logf)
		run.Seeding = sd
		if err != nil {
			return err
		}
		if n < size {
			return fmt.Errorf("seeded %d of %d users", n, size)
		}
	} else { // a large pool: seeded through the store while the server is stopped
		dir := filepath.Join(b.tmp, fmt.Sprintf("pool-%d", size))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		b.logf("cognate serve --data-dir (tmpfs): first start creates the ready pool, then the store seeder adds %d users", size)
		c0, _, _, err := b.startCognate(ctx, dir, fmt.Sprintf("cognate-%d-init.log", size))
		if err != nil {
			return err
		}
		c0.stop(10 * time.Second)
		sd, err := seedStore(ctx, dir, 0, size, o.seedWorkers, b.logf)
		run.Seeding = sd
		if err != nil {
			return err
		}
		b.logf("  seeded %d users in %.1fs", sd.Users, sd.Seconds)
		if c, t, run.Command, err = b.startCognate(ctx, dir, fmt.Sprintf("cognate-%d.log", size)); err != nil {
			return err
		}
		defer func() { c.stop(10 * time.Second) }()
		b.large, b.largeN = dir, size
	}
	if m, err := procstat.Mem(c.pid()); err == nil {
		run.MemIdle = &m
	}
	concs := []int{o.mainConcurrency}
	if sweep {
		concs = o.concurrency
		if !contains(concs, o.mainConcurrency) {
			concs = append(concs, o.mainConcurrency)
		}
	}
	s := &session{t: t, users: size, signupTag: fmt.Sprintf("c%d", size)}
	if err := b.measure(ctx, &run, s, concs, time.Duration(0)); err != nil {
		return err
	}
	if m, err := procstat.Mem(c.pid()); err == nil {
		run.MemEnd = &m
	}
	if b.large != "" && !sweep {
		if st, err := os.Stat(filepath.Join(b.large, "cognate.db")); err == nil {
			run.StoreBytes = st.Size()
		}
	}
	b.res.Runs = append(b.res.Runs, run)
	return nil
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// measure runs every selected workload of run at each concurrency in concs.
func (b *bench) measure(ctx context.Context, run *report.Run, s *session, concs []int, drainMax time.Duration) error {
	o := b.o
	tokenUsers := min(o.tokenUsers, s.users)
	if err := s.signInTokenUsers(ctx, tokenUsers); err != nil {
		return fmt.Errorf("signing in the token users: %w", err)
	}
	prevRate := 0.0
	for _, w := range workloads() {
		if !o.ops[w.op] {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		if w.prime != nil {
			w.prime(s, 1)
		}
		fn, err := w.prepare(pctx, s)
		cancel()
		if err != nil {
			reason := errText(err)
			if run.Server == report.ServerCognate {
				reason = "not available: " + reason
			}
			run.Unsupported = append(run.Unsupported, report.Unsupported{Op: w.op, Reason: reason})
			b.logf("  %-10s unsupported: %s", w.op, reason)
			continue
		}
		for _, conc := range concs {
			if w.prime != nil {
				est := prevRate
				if est == 0 {
					est = 300
				}
				n := int(est*(o.warmup+o.duration).Seconds()*1.3) + 2*conc
				w.prime(s, min(max(n, 64), o.maxOps+4*conc))
			}
			pid := 0
			if w.remote {
				pid = s.t.pid
			}
			users := s.users + int(s.signups.Load())
			p := runPoint(ctx, pointSpec{op: w.op, concurrency: conc, warmup: o.warmup, duration: o.duration, maxOps: o.maxOps,
				serverPID: pid, hist: conc == o.mainConcurrency}, fn)
			p.PoolUsers = users
			if w.op == report.OpSRP {
				if n := s.srpInline.Swap(0); n > 0 {
					p.Note = fmt.Sprintf("%d client keys computed inside the window", n)
				}
			}
			prevRate = p.Throughput
			run.Points = append(run.Points, p)
			b.logf("  %-10s c=%-3d %8.1f ops/s  p50 %7.2f ms  p99 %7.2f ms  server %6.3f ms/op  client %6.3f ms/op  errors %d %s",
				w.op, conc, p.Throughput, p.Latency.P50, p.Latency.P99, p.ServerCPUms, p.ClientCPUms, p.Errors, p.ErrorSample)
			if w.remote {
				b.drain(ctx, s.t.pid, drainMax)
			}
		}
		prevRate = 0
	}
	return nil
}

// drain waits until the server is idle (under 5% of a core over 250 ms), at most max: a slow
// server may still be working off requests that were in flight when a window closed.
func (b *bench) drain(ctx context.Context, pid int, maxWait time.Duration) {
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	deadline := time.Now().Add(maxWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c0, err := procstat.CPU(pid)
		if err != nil {
			return
		}
		sleepCtx(ctx, 250*time.Millisecond)
		c1, err := procstat.CPU(pid)
		if err != nil || c1-c0 <= 20*time.Millisecond {
			return
		}
	}
}

// ---- cognito-local ----

func (b *bench) startCognitoLocal(ctx context.Context) (*child, *target, string, error) {
	start := filepath.Join(b.o.nodeDir, "node_modules", "cognito-local", "lib", "bin", "start.js")
	if _, err := os.Stat(start); err != nil {
		return nil, nil, "", fmt.Errorf("cognito-local is not installed (%s): %w", start, errUnavailable)
	}
	port, err := freePort()
	if err != nil {
		return nil, nil, "", err
	}
	dir := filepath.Join(b.tmp, "cognito-local")
	if err := os.MkdirAll(filepath.Join(dir, ".cognito"), 0o700); err != nil {
		return nil, nil, "", err
	}
	url := "http://127.0.0.1:" + itoa(port)
	cfg := fmt.Sprintf(`{"TokenConfig": {"IssuerDomain": %q}}`, url)
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"), []byte(cfg), 0o600); err != nil {
		return nil, nil, "", err
	}
	c, err := startChild("cognito-local", dir, []string{"PORT=" + itoa(port), "HOST=127.0.0.1"}, filepath.Join(b.tmp, "cognito-local.log"), "node", start)
	if err != nil {
		return nil, nil, "", err
	}
	t := &target{server: report.ServerCognitoLocal, url: url, pid: c.pid(), c: newClient(url)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := t.c.ListUserPools(cctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
		cancel()
		if err == nil {
			break
		}
		select {
		case <-c.exited:
			return nil, nil, "", fmt.Errorf("cognito-local exited: %s", c.tail())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			c.stop(5 * time.Second)
			return nil, nil, "", fmt.Errorf("cognito-local not ready: %v; log: %s", err, c.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	in := &cip.CreateUserPoolInput{PoolName: aws.String("bench"), UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}}
	p, err := t.c.CreateUserPool(ctx, in)
	if err != nil {
		c.stop(5 * time.Second)
		return nil, nil, "", fmt.Errorf("cognito-local CreateUserPool: %w", err)
	}
	t.poolID = aws.ToString(p.UserPool.Id)
	cl, err := t.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("bench"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		c.stop(5 * time.Second)
		return nil, nil, "", fmt.Errorf("cognito-local CreateUserPoolClient: %w", err)
	}
	t.clientID = aws.ToString(cl.UserPoolClient.ClientId)
	version := "cognito-local"
	if raw, err := os.ReadFile(filepath.Join(b.o.nodeDir, "node_modules", "cognito-local", "package.json")); err == nil {
		var pj struct{ Version string }
		if json.Unmarshal(raw, &pj) == nil {
			version += " " + pj.Version
		}
	}
	return c, t, version, nil
}

// cognitoLocalRuns measures cognito-local at the first pool size (seeded through its API, as it
// has no other way in), then lets it grow toward the largest size for a bounded time and
// measures it where it got to.
func (b *bench) cognitoLocalRuns(ctx context.Context) error {
	o := b.o
	c, t, version, err := b.startCognitoLocal(ctx)
	if err != nil {
		return err
	}
	defer func() { c.stop(10 * time.Second) }()
	b.logf("%s on %s (pid %d)", version, t.url, t.pid)
	cmd := "PORT=<free port> HOST=127.0.0.1 node node_modules/cognito-local/lib/bin/start.js (config: TokenConfig.IssuerDomain)"
	small := o.pools[0]
	b.logf("cognito-local: seeding %d users through the API", small)
	sd, n, err := seedAPI(ctx, t, 0, small, 8, 2*o.clSeedBudget, max(small/10, 100), b.logf)
	if err != nil {
		return err
	}
	run := report.Run{Server: report.ServerCognitoLocal, Version: version, PoolSize: n, Command: cmd, Seeding: sd}
	if m, err := procstat.Mem(t.pid); err == nil {
		run.MemIdle = &m
	}
	concs := o.concurrency
	if !contains(concs, o.mainConcurrency) {
		concs = append(concs, o.mainConcurrency)
	}
	s := &session{t: t, users: n, signupTag: "l"}
	if err := b.measure(ctx, &run, s, concs, 60*time.Second); err != nil {
		return err
	}
	if m, err := procstat.Mem(t.pid); err == nil {
		run.MemEnd = &m
	}
	b.res.Runs = append(b.res.Runs, run)

	largest := o.pools[len(o.pools)-1]
	if len(o.pools) < 2 || largest <= n {
		return nil
	}
	b.logf("cognito-local: growing the pool toward %d users for at most %v", largest, o.clSeedBudget)
	grow, n2, err := seedAPI(ctx, t, n, largest, 8, o.clSeedBudget, 100, b.logf)
	if err != nil {
		return err
	}
	extra := int(s.signups.Load()) // users the sign-up workload added
	total := n2 + extra
	for i := range grow.Steps {
		grow.Steps[i].Users += extra
	}
	grow.Users, grow.Target, grow.Stopped = total, largest+extra, "" // the run's Note says why it stopped
	big := report.Run{Server: report.ServerCognitoLocal, Version: version, PoolSize: total, Command: cmd, Seeding: grow}
	if n2 < largest {
		big.Note = fmt.Sprintf("It stopped at %d users (%d seeded + %d from the sign-up workload) when the %gs budget ran out", total, n2, extra, o.clSeedBudget.Seconds())
	}
	if m, err := procstat.Mem(t.pid); err == nil {
		big.MemIdle = &m
	}
	s2 := &session{t: t, users: n2, signupTag: "g"}
	if err := b.measure(ctx, &big, s2, []int{o.mainConcurrency}, 60*time.Second); err != nil {
		return err
	}
	if m, err := procstat.Mem(t.pid); err == nil {
		big.MemEnd = &m
	}
	b.res.Runs = append(b.res.Runs, big)
	return nil
}

// ---- machine ----

func machine() report.Machine {
	m := report.Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				// A line that does not parse leaves kb 0: the memory is reported as unknown.
				_, _ = fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), "%d", &kb)
			}
		}
		m.MemTotalMiB = kb / 1024
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(raw))
	}
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(raw))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	m.Node = cmdOutput("node", "--version")
	m.Java = cmdOutput("java", "-version")
	return m
}
