package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/bench/procstat"
	"github.com/cognatehq/cognate/bench/stats"
)

// fixture is a small but complete Results: two Cognate pool sizes, cognito-local, crypto, cost.
func fixture() *Results {
	hist := stats.LogBuckets([]time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 40 * time.Millisecond}, 10)
	pt := func(op string, c int, tput, p50, p99, cpu float64) Point {
		return Point{Op: op, Concurrency: c, Seconds: 3, Ops: int(tput * 3), Throughput: tput,
			Latency: stats.Summary{Count: int(tput * 3), P50: p50, P90: p99 / 2, P99: p99, Max: p99 * 2}, ServerCPUms: cpu, ClientCPUms: 0.2, Hist: hist}
	}
	small := Run{Server: ServerCognate, PoolSize: 1000, Command: "cognate serve --memory", Seeding: Seeding{Method: "API", Users: 1000, Seconds: 2}}
	for _, c := range []int{1, 16} {
		small.Points = append(small.Points,
			pt(OpPassword, c, 300*float64(c)/8+200, 5, 40, 2.9), pt(OpSRP, c, 180, 20, 60, 5), pt(OpRefresh, c, 800, 2, 30, 1.8),
			pt(OpRefreshGT, c, 790, 2, 30, 1.8), pt(OpGetUser, c, 4000, 1, 10, 0.3), pt(OpListUsers, c, 5000, 1, 8, 0.2),
			pt(OpVerify, c, 40000, 0.03, 0.2, 0), pt(OpSignUp, c, 900, 10, 40, 1.5))
	}
	large := Run{Server: ServerCognate, PoolSize: 100000, Command: "cognate serve --data-dir", Seeding: Seeding{Method: "store", Users: 100000, Seconds: 80},
		MemEnd: &procstat.Memory{RSS: 200 << 10, HWM: 210 << 10}}
	large.Points = append(large.Points, pt(OpListUsers, 16, 4000, 3, 12, 0.2), pt(OpPassword, 16, 500, 20, 80, 2.9))
	cl := Run{Server: ServerCognitoLocal, Version: "cognito-local 5.3.0", PoolSize: 1000, Command: "node start.js",
		Seeding:     Seeding{Method: "API", Users: 1000, Steps: []SeedStep{{Users: 500, UsersPerSec: 60}, {Users: 1000, UsersPerSec: 30}}},
		Unsupported: []Unsupported{{Op: OpSRP, Reason: "Unsupported: USER_SRP_AUTH | no"}}}
	for _, c := range []int{1, 16} {
		cl.Points = append(cl.Points, pt(OpPassword, c, 100, 50, 200, 6), pt(OpGetUser, c, 3000, 4, 15, 0.3), pt(OpSignUp, c, 90, 100, 300, 9))
	}
	clBig := Run{Server: ServerCognitoLocal, Version: "cognito-local 5.3.0", PoolSize: 3000, Note: "stopped at 3000 users",
		Seeding: Seeding{Method: "API", Users: 3000, Steps: []SeedStep{{Users: 3000, UsersPerSec: 10}}}}
	clBig.Points = append(clBig.Points, pt(OpPassword, 16, 40, 300, 900, 20))
	return &Results{
		Schema: Schema, Command: "make bench", Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Finished: time.Date(2026, 1, 1, 0, 14, 0, 0, time.UTC),
		Machine: Machine{CPUModel: "Test CPU", Cores: 2, GoVersion: "go1.26"},
		Config:  Config{Concurrency: []int{1, 16}, MainConcurrency: 16, DurationS: 3, PoolSizes: []int{1000, 100000}, CostSamples: 30, TokenUsers: 64},
		Crypto: []CryptoBench{{Name: "rsa2048-sign", NsPerOp: 1e6}, {Name: "rsa2048-verify", NsPerOp: 34e3}, {Name: "jwt-rs256-verify", NsPerOp: 43e3},
			{Name: "srp-server-step1", NsPerOp: 0.97e6}, {Name: "srp-server-step2", NsPerOp: 1.93e6}, {Name: "srp-verifier-check", NsPerOp: 1.04e6}, {Name: "srp-client", NsPerOp: 6e6}},
		Runs: []Run{small, large, cl, clBig},
		Cost: &Cost{Available: true, Store: "DynamoDB Local", Ops: []OpCost{
			{Op: OpPassword, Samples: 30, Invocations: 1, DDBRequests: 3, RCU: 2, WCU: 2, Signatures: 2, HandlerMs: 8, ByItem: map[string]float64{"GetItem user": 1, "GetItem client": 1, "TransactWriteItems [put record rt]": 1}},
			{Op: OpSRP, Samples: 30, Invocations: 2, DDBRequests: 5, RCU: 4, WCU: 4, Signatures: 2, HandlerMs: 15},
			{Op: OpRefresh, Samples: 30, Invocations: 1, DDBRequests: 4, RCU: 4, Signatures: 2, HandlerMs: 5, ByItem: map[string]float64{"GetItem client": 1, "GetItem record rt": 1, "GetItem user": 1, "GetItem pool": 1}},
			{Op: OpGetUser, Samples: 30, Invocations: 1, DDBRequests: 1, RCU: 1, HandlerMs: 2},
		}},
		Profiles: []Profile{{Op: OpGetUser, PoolSize: 1000, Why: "target missed", File: "p.pprof", Top: "flat flat%"}},
	}
}

func TestEconomicsAndMAU(t *testing.T) {
	r := fixture()
	p := DefaultPrices
	econ := Economics(r, p)
	if len(econ) != 4 {
		t.Fatalf("econ: %+v", econ)
	}
	pw := econ[0]
	// DynamoDB: 2 RRU + 2 WRU. Lambda: 8 ms + 2.9 ms CPU × (1769/1024 − 1) = 10.1 → 11 ms billed.
	if math.Abs(pw.DDB-(2*p.RRU+2*p.WRU)) > 1e-15 || pw.BilledMs != 11 || pw.BilledMsKMS != 11+26 {
		t.Fatalf("password econ: %+v", pw)
	}
	wantLambda := p.LambdaRequest + 0.011*p.LambdaGBSecond
	if math.Abs(pw.Lambda-wantLambda) > 1e-15 || math.Abs(pw.KMS-2*p.KMSRequest) > 1e-15 {
		t.Fatalf("password Lambda %v (want %v), KMS %v", pw.Lambda, wantLambda, pw.KMS)
	}
	if pw.CeilKMS != 250 {
		t.Fatalf("KMS ceiling %v, want 500/2", pw.CeilKMS)
	}
	if g := econ[3]; !math.IsInf(g.CeilKMS, 1) || g.KMS != 0 {
		t.Fatalf("GetUser signs nothing: %+v", g)
	}
	maus := MAUCosts(econ, p)
	if len(maus) != 4 {
		t.Fatalf("MAU costs: %+v", maus)
	}
	env, kms := maus[0], maus[1]
	if env.Mode != ModeKMSEnvelope || kms.Mode != ModeKMS || kms.USD <= env.USD || env.KMS != 0 {
		t.Fatalf("modes: %+v", maus)
	}
	// 30 sign-ins and 300 refreshes at 2 signatures each: 660 × $3e-6.
	if math.Abs(kms.KMS-660*p.KMSRequest) > 1e-12 {
		t.Fatalf("KMS per MAU %v", kms.KMS)
	}
	if math.Abs(env.USD-(env.DDB+env.Lambda)) > 1e-15 {
		t.Fatal("MAU total is not the sum of its parts")
	}
}

func TestCryptoLimit(t *testing.T) {
	r := fixture()
	// Password: verifier check 1.04 ms + 2 signatures of 1 ms, on 2 cores.
	lim, rec, ok := CryptoLimit(r, OpPassword)
	if !ok || math.Abs(lim-2e9/3.04e6) > 1e-6 || !strings.Contains(rec, "2 × rsa2048-sign") {
		t.Fatalf("password limit %v %q %v", lim, rec, ok)
	}
	if _, _, ok := CryptoLimit(r, OpListUsers); ok {
		t.Fatal("ListUsers has no crypto")
	}
}

func TestTargets(t *testing.T) {
	r := fixture()
	byText := map[string]TargetResult{}
	for _, tr := range EvaluateTargets(r) {
		byText[tr.Text] = tr
	}
	check := func(text string, met bool) {
		t.Helper()
		tr, ok := byText[text]
		if !ok {
			t.Fatalf("no target %q", text)
		}
		if tr.Met == nil || *tr.Met != met {
			t.Fatalf("%q: met %v, want %v (%+v)", text, tr.Met, met, tr)
		}
	}
	check("Password sign-in ≥ 250/s", true)
	check("GetUser ≥ 5,000/s", false)
	check("DynamoDB requests per refresh (REFRESH_TOKEN_AUTH) ≤ 2", false)
	check("DynamoDB requests per GetUser ≤ 1", true)
	check("ListUsers with a filter < 20 ms p50 at 100,000 users", true)
	check("`cognate serve` < 300 MB resident with 100,000 users", true)
	check("InitiateAuth USER_PASSWORD_AUTH ≥ 3× cognito-local", true)
	check("GetUser ≥ 3× cognito-local", false)
	if tr := byText["DynamoDB requests per refresh (REFRESH_TOKEN_AUTH) ≤ 2"]; !strings.Contains(tr.Note, "GetItem record rt") {
		t.Fatalf("a missed DynamoDB target names the items: %q", tr.Note)
	}
	if tr := byText["SRP sign-in (USER_SRP_AUTH + PASSWORD_VERIFIER) ≥ 3× cognito-local"]; tr.Met != nil || !strings.Contains(tr.Note, "USER_SRP_AUTH") {
		t.Fatalf("unsupported on cognito-local: %+v", tr)
	}
	for text := range byText {
		if strings.Contains(text, "Resource server") && strings.Contains(text, "cognito-local") {
			t.Fatal("verification in the load generator is not compared against cognito-local")
		}
	}
	if got := margin(200, 250, true); !strings.Contains(got, "20% short") {
		t.Fatalf("margin: %q", got)
	}
	if got := margin(30, 20, false); !strings.Contains(got, "50% over") {
		t.Fatalf("margin: %q", got)
	}
}

func TestRenderAndJSON(t *testing.T) {
	r := fixture()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	doc, files := Render(&back, "benchmarks")
	md := string(doc)
	for _, want := range []string{"# Benchmarks", "## Targets", "Test CPU", "`make bench`", "## Cost on AWS", "## The physical limit",
		"## Profiles", "Where cognito-local stops", "benchmarks/cost-per-mau.svg", "benchmarks/latency-cdf.svg", "❌ missed", "✅ met",
		"Unsupported: USER_SRP_AUTH \\| no"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, name := range []string{"throughput-cognate.svg", "throughput-cognito-local.svg", "latency-cdf.svg", "cost-per-mau.svg"} {
		body, ok := files[name]
		if !ok {
			t.Errorf("no plot %s", name)
			continue
		}
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed: %v", name, err)
			}
		}
	}
	// A run without cost or cognito-local still renders, saying what is missing.
	r.Cost = &Cost{Reason: "no Java"}
	r.Runs = r.Runs[:2]
	doc, _ = Render(r, ".")
	if !strings.Contains(string(doc), "Not measured: no Java") {
		t.Fatal("missing cost not reported")
	}
}

func TestFitSeedCost(t *testing.T) {
	// 2 ms + 0.01 ms per user: rate = 1 / (0.002 + 1e-5·users).
	var steps []SeedStep
	for _, n := range []int{100, 500, 1000, 2000} {
		steps = append(steps, SeedStep{Users: n, UsersPerSec: 1 / (0.002 + 1e-5*float64(n))})
	}
	a, b, ok := FitSeedCost(steps)
	if !ok || math.Abs(a-0.002) > 1e-9 || math.Abs(b-1e-5) > 1e-12 {
		t.Fatalf("fit: %v %v %v", a, b, ok)
	}
	// From 0 to 1000 users: 2 s + 1e-5 · 1000² / 2 = 7 s.
	if got := SeedTime(a, b, 0, 1000); math.Abs(got-7) > 1e-6 {
		t.Fatalf("SeedTime = %v", got)
	}
	if _, _, ok := FitSeedCost(steps[:1]); ok {
		t.Fatal("one step is no fit")
	}
}

func TestHotSpots(t *testing.T) {
	top := `Showing nodes accounting for 0.50s, 40.98% of 1.22s total
      flat  flat%   sum%        cum   cum%
     0.13s 10.66% 10.66%      1.04s 85.25%  net/http.(*conn).serve
         0     0% 10.66%      0.91s 74.59%  github.com/cognatehq/cognate/pkg/cognito.Bind[…].func1
         0     0% 11.48%      0.75s 61.48%  github.com/cognatehq/cognate/pkg/userpool.(*Service).GetUser
         0     0% 12.30%      0.49s 40.16%  github.com/cognatehq/cognate/pkg/userpool.(*Service).authenticate
     0.01s  0.82% 22.95%      0.40s 32.79%  github.com/cognatehq/cognate/pkg/userpool.(*Service).pool
         0     0% 22.95%      0.38s 31.15%  github.com/cognatehq/cognate/pkg/userpool.decodePool
     0.12s  9.84% 22.13%      0.40s 32.79%  encoding/json.(*decodeState).object
         0     0% 22.95%      0.02s  1.15%  github.com/cognatehq/cognate/pkg/userpool.tiny`
	got := HotSpots(top, regexp.MustCompile("cognatehq"), 5, 80, 3)
	want := []string{"userpool.(*Service).authenticate 40%", "userpool.(*Service).pool 33%", "userpool.decodePool 31%"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("HotSpots = %q, want %q", got, want)
	}
}
