package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/cognatehq/cognate/pkg/signer"
)

// Prices are the list prices and quotas the cost model uses (us-east-1; see
// shared reference performance.md and the AWS pricing pages).
type Prices struct {
	RRU               float64 // USD per DynamoDB on-demand read request unit
	WRU               float64 // USD per write request unit
	LambdaRequest     float64 // USD per Lambda request
	LambdaGBSecond    float64 // USD per GB-second, arm64
	LambdaMemoryMB    float64 // the template's MemorySize
	LambdaFullCPUMB   float64 // memory at which a function has one full vCPU
	KMSRequest        float64 // USD per KMS Sign (RSA-2048) request
	KMSSignLatencyMs  float64 // added to a function's duration per KMS Sign in the kms mode
	KMSRSASignRPS     float64 // shared RSA Sign/Verify quota per account and Region
	LambdaConcurrency float64 // default concurrent executions per account and Region
	DDBTableMaxRU     float64 // default on-demand maximum read units per second per table
	DDBTableMaxWU     float64 // default on-demand maximum write units per second per table
	CognitoLite       float64 // USD per MAU
	CognitoEssentials float64 // USD per MAU
	SignInsPerMAU     float64
	RefreshesPerMAU   float64
}

// DefaultPrices are the figures the issue names.
var DefaultPrices = Prices{
	RRU: 0.125e-6, WRU: 0.625e-6,
	LambdaRequest: 0.20e-6, LambdaGBSecond: 0.0000133334, LambdaMemoryMB: 1024, LambdaFullCPUMB: 1769,
	KMSRequest: 0.03 / 10000, KMSSignLatencyMs: 13, KMSRSASignRPS: 500,
	LambdaConcurrency: 1000, DDBTableMaxRU: 40000, DDBTableMaxWU: 40000,
	CognitoLite: 0.0055, CognitoEssentials: 0.015,
	SignInsPerMAU: 30, RefreshesPerMAU: 300,
}

// Signer modes of the Lambda deployment (template.yaml SignerMode), as the report spells them.
const (
	ModeKMS         = string(signer.ModeKMS)
	ModeKMSEnvelope = string(signer.ModeKMSEnvelope)
)

// Econ is what one operation costs on Lambda + DynamoDB (+ KMS), per operation.
type Econ struct {
	Op          string
	Invocations float64
	DDBRequests float64
	RCU, WCU    float64
	Signatures  float64
	HandlerMs   float64 // measured server-side time per op against DynamoDB Local
	CPUms       float64 // server CPU per op measured on `cognate serve` (0 if not measured)
	BilledMs    float64 // per invocation, kms-envelope mode, at the template's memory
	BilledMsKMS float64 // per invocation, kms mode (KMS Sign latency added)
	DDB         float64 // USD per op
	Lambda      float64 // USD per op, kms-envelope
	LambdaKMS   float64 // USD per op, kms (longer duration)
	KMS         float64 // USD per op for KMS Sign in the kms mode
	CeilKMS     float64 // ops/s the shared KMS RSA quota allows (Inf: no KMS call)
	CeilEnv     float64 // ops/s in kms-envelope: Lambda concurrency and table throughput
	CeilEnvBy   string
}

// PerMillion is the USD per million operations in a signer mode.
func (e Econ) PerMillion(mode string) float64 {
	if mode == ModeKMS {
		return 1e6 * (e.DDB + e.LambdaKMS + e.KMS)
	}
	return 1e6 * (e.DDB + e.Lambda)
}

// Economics prices each operation measured on DynamoDB Local. CPU per operation, when the
// embedded run measured it, stretches the duration for the template's fractional vCPU
// (1024 MB ≈ 0.58 vCPU): billed = handler time + CPU × (1769/1024 − 1), rounded up to 1 ms.
func Economics(r *Results, p Prices) []Econ {
	if r.Cost == nil || !r.Cost.Available {
		return nil
	}
	var out []Econ
	for _, oc := range r.Cost.Ops {
		e := Econ{Op: oc.Op, Invocations: oc.Invocations, DDBRequests: oc.DDBRequests, RCU: oc.RCU, WCU: oc.WCU,
			Signatures: oc.Signatures, HandlerMs: oc.HandlerMs}
		if pt := bestPoint(r.Run(ServerCognate, smallestPool(r)), oc.Op, r.Config.MainConcurrency); pt != nil {
			e.CPUms = pt.ServerCPUms
		}
		e.DDB = oc.RCU*p.RRU + oc.WCU*p.WRU
		if oc.Invocations > 0 {
			per := oc.HandlerMs / oc.Invocations
			cpu := e.CPUms / oc.Invocations
			stretch := math.Max(p.LambdaFullCPUMB/p.LambdaMemoryMB-1, 0)
			e.BilledMs = math.Ceil(per + cpu*stretch)
			e.BilledMsKMS = math.Ceil(per + cpu*stretch + p.KMSSignLatencyMs*oc.Signatures/oc.Invocations)
			gb := p.LambdaMemoryMB / 1024
			e.Lambda = oc.Invocations * (p.LambdaRequest + e.BilledMs/1000*gb*p.LambdaGBSecond)
			e.LambdaKMS = oc.Invocations * (p.LambdaRequest + e.BilledMsKMS/1000*gb*p.LambdaGBSecond)
		}
		e.KMS = oc.Signatures * p.KMSRequest
		e.CeilKMS = math.Inf(1)
		if oc.Signatures > 0 {
			e.CeilKMS = p.KMSRSASignRPS / oc.Signatures
		}
		e.CeilEnv, e.CeilEnvBy = math.Inf(1), "—"
		if oc.Invocations > 0 && e.BilledMs > 0 {
			e.CeilEnv, e.CeilEnvBy = p.LambdaConcurrency/(oc.Invocations*e.BilledMs/1000), fmt.Sprintf("%.0f concurrent Lambda executions", p.LambdaConcurrency)
		}
		if oc.RCU > 0 && p.DDBTableMaxRU/oc.RCU < e.CeilEnv {
			e.CeilEnv, e.CeilEnvBy = p.DDBTableMaxRU/oc.RCU, fmt.Sprintf("table read throughput (%.0f RRU/s)", p.DDBTableMaxRU)
		}
		if oc.WCU > 0 && p.DDBTableMaxWU/oc.WCU < e.CeilEnv {
			e.CeilEnv, e.CeilEnvBy = p.DDBTableMaxWU/oc.WCU, fmt.Sprintf("table write throughput (%.0f WRU/s)", p.DDBTableMaxWU)
		}
		out = append(out, e)
	}
	return out
}

// MAUCost is the monthly cost of one active user: SignInsPerMAU sign-ins with signIn and
// RefreshesPerMAU refreshes (REFRESH_TOKEN_AUTH).
type MAUCost struct {
	Mode   string
	SignIn string
	USD    float64
	DDB    float64
	Lambda float64
	KMS    float64
}

// MAUCosts prices the MAU profile for both signer modes, with password and SRP sign-ins.
func MAUCosts(econ []Econ, p Prices) []MAUCost {
	find := func(op string) *Econ {
		for i := range econ {
			if econ[i].Op == op {
				return &econ[i]
			}
		}
		return nil
	}
	ref := find(OpRefresh)
	if ref == nil {
		return nil
	}
	var out []MAUCost
	for _, signIn := range []string{OpPassword, OpSRP} {
		si := find(signIn)
		if si == nil {
			continue
		}
		for _, mode := range []string{ModeKMSEnvelope, ModeKMS} {
			m := MAUCost{Mode: mode, SignIn: signIn}
			m.DDB = p.SignInsPerMAU*si.DDB + p.RefreshesPerMAU*ref.DDB
			if mode == ModeKMS {
				m.Lambda = p.SignInsPerMAU*si.LambdaKMS + p.RefreshesPerMAU*ref.LambdaKMS
				m.KMS = p.SignInsPerMAU*si.KMS + p.RefreshesPerMAU*ref.KMS
			} else {
				m.Lambda = p.SignInsPerMAU*si.Lambda + p.RefreshesPerMAU*ref.Lambda
			}
			m.USD = m.DDB + m.Lambda + m.KMS
			out = append(out, m)
		}
	}
	return out
}

// ---- crypto limits ----

// Recipe is the crypto an operation's server does: benchmark name → count per operation.
func Recipe(op string, signatures float64) map[string]float64 {
	switch op {
	case OpPassword:
		return map[string]float64{"srp-verifier-check": 1, "rsa2048-sign": signatures}
	case OpSRP:
		return map[string]float64{"srp-server-step1": 1, "srp-server-step2": 1, "rsa2048-sign": signatures}
	case OpRefresh, OpRefreshGT:
		return map[string]float64{"rsa2048-sign": signatures}
	case OpGetUser:
		return map[string]float64{"rsa2048-verify": 1}
	case OpVerify:
		return map[string]float64{"jwt-rs256-verify": 1}
	case OpSignUp:
		return map[string]float64{"srp-verifier-check": 1, "rsa2048-sign": signatures}
	}
	return nil
}

// DefaultSignatures is the signature count assumed when the cost run did not count it.
var DefaultSignatures = map[string]float64{OpPassword: 2, OpSRP: 2, OpRefresh: 2, OpRefreshGT: 2, OpCodeExchange: 2, OpClientCreds: 1}

// CryptoLimit is the throughput the machine's cores allow for op's crypto alone (ops/s), and the
// recipe used; ok is false when op has no crypto or a benchmark is missing.
func CryptoLimit(r *Results, op string) (limit float64, recipe string, ok bool) {
	sig := DefaultSignatures[op]
	if oc := r.Cost.CostOf(op); oc != nil {
		sig = oc.Signatures
	}
	rec := Recipe(op, sig)
	if len(rec) == 0 {
		return 0, "", false
	}
	return recipeLimit(r, rec, max(r.Machine.Cores, 1))
}

// recipeLimit is the throughput cores allow for a crypto recipe (benchmark name -> count per
// op): cores × 10⁹ / its ns, and the recipe spelled out; ok is false when a benchmark is missing
// or the recipe is empty.
func recipeLimit(r *Results, rec map[string]float64, cores int) (limit float64, recipe string, ok bool) {
	ns := 0.0
	var parts []string
	for _, name := range []string{"srp-verifier-check", "srp-server-step1", "srp-server-step2", "rsa2048-sign", "rsa2048-verify", "jwt-rs256-verify"} {
		n, in := rec[name]
		if !in || n == 0 {
			continue
		}
		cb := r.crypto(name)
		if cb == nil {
			return 0, "", false
		}
		ns += n * cb.NsPerOp
		if n == 1 {
			parts = append(parts, name)
		} else {
			parts = append(parts, fmt.Sprintf("%g × %s", n, name))
		}
	}
	if ns == 0 {
		return 0, "", false
	}
	return float64(cores) * 1e9 / ns, joinPlus(parts), true
}

func joinPlus(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += " + "
		}
		s += p
	}
	return s
}

func (r *Results) crypto(name string) *CryptoBench {
	for i := range r.Crypto {
		if r.Crypto[i].Name == name {
			return &r.Crypto[i]
		}
	}
	return nil
}

// ---- helpers over runs ----

func smallestPool(r *Results) int {
	if len(r.Config.PoolSizes) > 0 {
		return r.Config.PoolSizes[0]
	}
	return 0
}

func largestPool(r *Results) int {
	if n := len(r.Config.PoolSizes); n > 0 {
		return r.Config.PoolSizes[n-1]
	}
	return 0
}

// bestPoint is the op's point with the highest throughput (the peak over concurrency); main
// breaks ties. nil when the run has no successful point for op.
func bestPoint(run *Run, op string, main int) *Point {
	if run == nil {
		return nil
	}
	var best *Point
	for i := range run.Points {
		p := &run.Points[i]
		if p.Op != op || p.Ops == 0 {
			continue
		}
		if best == nil || p.Throughput > best.Throughput || (p.Throughput == best.Throughput && p.Concurrency == main) {
			best = p
		}
	}
	return best
}

// mainPoint is the op's point at the main concurrency, or the only/closest one.
func mainPoint(run *Run, op string, main int) *Point {
	if run == nil {
		return nil
	}
	if p := run.Point(op, main); p != nil {
		return p
	}
	var best *Point
	for i := range run.Points {
		p := &run.Points[i]
		if p.Op == op && (best == nil || absInt(p.Concurrency-main) < absInt(best.Concurrency-main)) {
			best = p
		}
	}
	return best
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// cognitoLocalRun is cognito-local's run at the smallest pool (its first run).
func cognitoLocalRun(r *Results) *Run {
	for i := range r.Runs {
		if r.Runs[i].Server == ServerCognitoLocal {
			return &r.Runs[i]
		}
	}
	return nil
}

// largestRun is server's run at its largest pool.
func largestRun(r *Results, server string) *Run {
	var best *Run
	for i := range r.Runs {
		if r.Runs[i].Server == server && (best == nil || r.Runs[i].PoolSize > best.PoolSize) {
			best = &r.Runs[i]
		}
	}
	return best
}

// FitSeedCost fits the time per sign-up as a + b·users (seconds) to seeding steps by least squares
// on 1/rate; ok is false with fewer than two usable steps or a non-positive slope.
func FitSeedCost(steps []SeedStep) (a, b float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, s := range steps {
		if s.UsersPerSec <= 0 {
			continue
		}
		x, y := float64(s.Users), 1/s.UsersPerSec
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if n < 2 || den == 0 {
		return 0, 0, false
	}
	b = (n*sxy - sx*sy) / den
	a = (sy - b*sx) / n
	if a < 0 { // a negative fixed cost means nothing: fit through the origin instead
		a, b = 0, sxy/sxx
	}
	return a, b, b > 0
}

// SeedTime is the time to grow a pool from users `from` to `to` at a + b·users seconds per user.
func SeedTime(a, b float64, from, to int) float64 {
	if to <= from {
		return 0
	}
	f, t := float64(from), float64(to)
	return a*(t-f) + b*(t*t-f*f)/2
}

// wrappers are frames every request passes through: the HTTP server, the JSON edge, the
// operation's entry point. They say nothing about where an operation spends its time.
var wrappers = regexp.MustCompile(`net/http|LocalHandler|cognito\.\(\*server\)|cognito\.Bind|cognito\.guard|serverMain|` +
	`userpool\.\(\*Service\)\.(InitiateAuth|RespondToAuthChallenge|GetUser|ListUsers|GetTokensFromRefreshToken|SignUp|AdminConfirmSignUp)(-fm)?$|` +
	`userpool\.\(\*Service\)\.(initiate|respond)$|gowrap`)

// HotSpots reads `go tool pprof -top -cum` text and returns up to n frames matching keep (and no
// wrapper) whose cumulative share is between lo and hi percent, as "name 31%", the package path
// shortened.
func HotSpots(top string, keep *regexp.Regexp, lo, hi float64, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(top, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[4], "%") {
			continue
		}
		cum, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil || cum < lo || cum > hi {
			continue
		}
		name := strings.Join(f[5:], " ")
		if !keep.MatchString(name) || wrappers.MatchString(name) {
			continue
		}
		name = strings.TrimPrefix(name, "github.com/cognatehq/cognate/pkg/")
		name = strings.TrimSuffix(name, " (inline)")
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, fmt.Sprintf("%s %.0f%%", name, cum))
		if len(out) == n {
			break
		}
	}
	return out
}
