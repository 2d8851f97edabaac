package report

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cognatehq/cognate/bench/svg"
)

// Trigger variants: the same sign-in on pools without triggers, with PreAuthentication and
// PreTokenGeneration V2_0 sent to a webhook on loopback, and to a function under the Lambda
// Runtime Interface Emulator.
const (
	TrigPlain   = "plain"
	TrigWebhook = "webhook"
	TrigRIE     = "lambda-rie"
)

// TriggerVariants lists the variants in report order.
var TriggerVariants = []string{TrigPlain, TrigWebhook, TrigRIE}

// TriggerOverheadTarget is issue 12's limit on what Cognate adds around each trigger invocation
// at 16 clients, the function's own time excluded (ms).
const TriggerOverheadTarget = 1.0

// SectionRun is what a section measured on its own server (and refreshed alone with -only)
// records of its run; its fields sit at the top level of the section's JSON.
type SectionRun struct {
	Quick      bool      `json:"quick,omitempty"`
	Command    string    `json:"command"` // how loadgen was run for this section
	Serve      string    `json:"serve"`   // how the server was started
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	LoadAvg    string    `json:"loadavg_at_start"`
	LoadAvgEnd string    `json:"loadavg_at_end,omitempty"`
	Cores      int       `json:"cores"`
	PoolUsers  int       `json:"pool_users"`
}

// TriggerBench is the "sign-in with triggers" section: one `cognate serve`, three pools that
// differ only in their LambdaConfig, measured in interleaved rounds so that every variant sees
// the same machine conditions, and in-process Go benchmarks of the trigger path alone.
type TriggerBench struct {
	SectionRun                   // PoolUsers: users seeded in each pool
	Concurrency int              `json:"concurrency"`
	Rounds      int              `json:"rounds"`
	DurationS   float64          `json:"duration_s"`
	WarmupS     float64          `json:"warmup_s"`
	Variants    []TriggerVariant `json:"variants"`
	Points      []TriggerPoint   `json:"points"`
	InProcess   []InProcBench    `json:"in_process,omitempty"`
	Notes       []string         `json:"notes,omitempty"`
	// Pinned, when set, says how the processes were pinned to cores (-pin).
	Pinned string `json:"pinned,omitempty"`
}

// TriggerVariant describes one variant.
type TriggerVariant struct {
	Name        string `json:"name"`
	Desc        string `json:"desc"`
	Invocations int    `json:"invocations_per_op"`    // trigger calls per sign-in
	FunctionHow string `json:"function_how"`          // what is subtracted as the function's own time
	ClaimCheck  string `json:"claim_check"`           // what the ID and access token showed
	Unavailable string `json:"unavailable,omitempty"` // why it was not measured
}

// TriggerPoint is one variant's sign-in at the section's concurrency in one round.
type TriggerPoint struct {
	Variant string `json:"variant"`
	Round   int    `json:"round"`
	Point
	FnSamples int     `json:"function_samples,omitempty"`
	FnP50Ms   float64 `json:"function_p50_ms,omitempty"`  // the function's own time per invocation
	FnMeanMs  float64 `json:"function_mean_ms,omitempty"` // …
	// HopP50Ms is the load generator's dispatcher's own time per Lambda invocation (it hands each
	// call to an idle emulator: one emulator runs one invocation at a time).
	HopP50Ms float64 `json:"dispatch_p50_ms,omitempty"`
	// ConnsPerCall is the TCP connections Cognate opened to the receiver per invocation.
	ConnsPerCall float64 `json:"connections_per_invocation,omitempty"`
	// Cognate's time per answered invocation, as the server's triggers.Trace reported it: from
	// the start of the trigger call to the answer decoded, the function's own time included.
	CognateSamples int     `json:"cognate_invocation_samples,omitempty"`
	CognateP50Ms   float64 `json:"cognate_invocation_p50_ms,omitempty"`
	CognateMeanMs  float64 `json:"cognate_invocation_mean_ms,omitempty"`
}

// InProcBench is an in-process Go benchmark (testing.Benchmark) of the trigger path alone.
type InProcBench struct {
	Name        string  `json:"name"`
	Desc        string  `json:"desc"`
	NsPerOp     float64 `json:"ns_per_op"`
	N           int     `json:"n"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	Parallel    int     `json:"parallel,omitempty"` // concurrent callers; NsPerOp is per op overall
}

// Variant returns the variant named name, or nil.
func (tb *TriggerBench) Variant(name string) *TriggerVariant {
	if tb == nil {
		return nil
	}
	for i := range tb.Variants {
		if tb.Variants[i].Name == name {
			return &tb.Variants[i]
		}
	}
	return nil
}

// point returns the variant's point for op at conc clients in round, or nil.
func (tb *TriggerBench) point(variant, op string, conc, round int) *TriggerPoint {
	for i := range tb.Points {
		p := &tb.Points[i]
		if p.Variant == variant && p.Op == op && p.Concurrency == conc && p.Round == round {
			return p
		}
	}
	return nil
}

// OverheadPerInvocation is what Cognate adds around each trigger invocation: the sign-in's p50
// with triggers, less the plain sign-in's p50 and the function's own time of each invocation,
// spread over the invocations.
func OverheadPerInvocation(plainP50, trigP50, fnMs float64, invocations int) float64 {
	if invocations <= 0 {
		return math.NaN()
	}
	n := float64(invocations)
	return (trigP50 - plainP50 - fnMs*n) / n
}

// Overhead is the variant's overhead per invocation for op at conc clients: computed in each
// round against the plain sign-in measured in the same round (so both saw the same load on the
// machine), and the median over the rounds. ok is false when no round has both.
func (tb *TriggerBench) Overhead(variant, op string, conc int) (mid float64, perRound []float64, ok bool) {
	return tb.perRound(variant, op, conc, func(plain, trig *TriggerPoint, n int) float64 {
		return OverheadPerInvocation(plain.Latency.P50, trig.Latency.P50, trig.FnP50Ms, n)
	})
}

// DirectOverhead is what Cognate adds around each invocation measured where it happens: the p50
// of Cognate's time per invocation (the server's trace: from the start of the trigger call to the
// answer decoded) less the p50 of the function's own time, in each round; the median over the
// rounds. Unlike Overhead it needs no plain sign-in and holds no queueing of the sign-in's other
// work behind the invocations' CPU. ok is false when no round has both times.
func (tb *TriggerBench) DirectOverhead(variant, op string, conc int) (mid float64, perRound []float64, ok bool) {
	return tb.direct(variant, op, conc, func(p *TriggerPoint) float64 { return p.CognateP50Ms - p.FnP50Ms })
}

// DirectOverheadMean is the same with means: the mean of Cognate's time per invocation less the
// mean of the function's own time, which is exactly the mean of the per-invocation differences.
func (tb *TriggerBench) DirectOverheadMean(variant, op string, conc int) (mid float64, perRound []float64, ok bool) {
	return tb.direct(variant, op, conc, func(p *TriggerPoint) float64 { return p.CognateMeanMs - p.FnMeanMs })
}

func (tb *TriggerBench) direct(variant, op string, conc int, f func(*TriggerPoint) float64) (mid float64, perRound []float64, ok bool) {
	v := tb.Variant(variant)
	if v == nil || v.Invocations == 0 {
		return 0, nil, false
	}
	for r := 1; r <= tb.Rounds; r++ {
		if p := tb.point(variant, op, conc, r); p != nil && p.CognateSamples > 0 && p.FnSamples > 0 {
			perRound = append(perRound, f(p))
		}
	}
	if len(perRound) == 0 {
		return 0, nil, false
	}
	return median(perRound), perRound, true
}

// CPUPerInvocation is the server CPU a trigger invocation costs Cognate: the server's CPU per
// sign-in with triggers less the plain sign-in's, per invocation (median over the rounds). Unlike
// the latency figure it holds nothing of the function or the load generator.
func (tb *TriggerBench) CPUPerInvocation(variant, op string, conc int) (mid float64, perRound []float64, ok bool) {
	return tb.perRound(variant, op, conc, func(plain, trig *TriggerPoint, n int) float64 {
		return (trig.ServerCPUms - plain.ServerCPUms) / float64(n)
	})
}

// GenCPUPerInvocation is the same for the load generator's CPU: the webhook receiver's or the
// dispatcher's work per invocation (the emulators and their functions are other processes).
func (tb *TriggerBench) GenCPUPerInvocation(variant, op string, conc int) (mid float64, perRound []float64, ok bool) {
	return tb.perRound(variant, op, conc, func(plain, trig *TriggerPoint, n int) float64 {
		return (trig.ClientCPUms - plain.ClientCPUms) / float64(n)
	})
}

func (tb *TriggerBench) perRound(variant, op string, conc int, f func(plain, trig *TriggerPoint, invocations int) float64) (mid float64, perRound []float64, ok bool) {
	v := tb.Variant(variant)
	if v == nil || v.Invocations == 0 {
		return 0, nil, false
	}
	for r := 1; r <= tb.Rounds; r++ {
		plain, trig := tb.point(TrigPlain, op, conc, r), tb.point(variant, op, conc, r)
		if plain == nil || trig == nil || plain.Ops == 0 || trig.Ops == 0 {
			continue
		}
		perRound = append(perRound, f(plain, trig, v.Invocations))
	}
	if len(perRound) == 0 {
		return 0, nil, false
	}
	return median(perRound), perRound, true
}

// TriggerSummary is a variant's sign-in over the rounds: the median of each figure.
type TriggerSummary struct {
	Rounds      int
	Throughput  float64
	P50, P95    float64
	P99         float64
	ServerCPUms float64
	FnP50Ms     float64
	HopP50Ms    float64
	Conns       float64
	CognateP50  float64 // Cognate's time per invocation, p50 (0: not traced)
	Errors      int
	ErrorSample string
}

// Summary summarises the variant's rounds for op at conc clients; ok is false when none
// measured anything.
func (tb *TriggerBench) Summary(variant, op string, conc int) (TriggerSummary, bool) {
	var s TriggerSummary
	var tput, p50, p95, p99, cpu, fn, hop, conns, cog []float64
	for i := range tb.Points {
		p := &tb.Points[i]
		if p.Variant != variant || p.Op != op || p.Concurrency != conc {
			continue
		}
		s.Errors += p.Errors
		if s.ErrorSample == "" {
			s.ErrorSample = p.ErrorSample
		}
		if p.Ops == 0 {
			continue
		}
		s.Rounds++
		tput, p50, p95, p99 = append(tput, p.Throughput), append(p50, p.Latency.P50), append(p95, p.Latency.P95), append(p99, p.Latency.P99)
		cpu, fn, hop, conns = append(cpu, p.ServerCPUms), append(fn, p.FnP50Ms), append(hop, p.HopP50Ms), append(conns, p.ConnsPerCall)
		if p.CognateSamples > 0 {
			cog = append(cog, p.CognateP50Ms)
		}
	}
	if len(cog) > 0 {
		s.CognateP50 = median(cog)
	}
	if s.Rounds == 0 {
		return s, false
	}
	s.Throughput, s.P50, s.P95, s.P99 = median(tput), median(p50), median(p95), median(p99)
	s.ServerCPUms, s.FnP50Ms, s.HopP50Ms, s.Conns = median(cpu), median(fn), median(hop), median(conns)
	return s, true
}

// median of vs (the mean of the middle two for an even count); NaN for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// triggerTargets evaluates issue 12's trigger target at the section's main concurrency: "the
// overhead Cognate adds around each invocation (excluding the function's own time)". It is judged
// on the figure measured where it happens (DirectOverhead: Cognate's time per invocation less the
// function's own time); the client-visible formula (Overhead) is shown beside it. Results saved
// before the server traced its invocations are judged on the formula, and say so. The webhook
// variant is held to the target (its receiver runs in the load generator and its own time is
// measured exactly); the emulator's figure is shown, not held to it, as it still holds the
// dispatcher's and the emulator's HTTP hops.
func triggerTargets(r *Results) []TargetResult {
	tb := r.Triggers
	if tb == nil {
		return nil
	}
	var out []TargetResult
	c := tb.Concurrency
	for _, op := range []string{OpPassword, OpSRP} {
		if _, ok := tb.Summary(TrigPlain, op, c); !ok {
			continue
		}
		t := TargetResult{Text: fmt.Sprintf("Trigger overhead < %g ms per invocation at %d clients: webhook on loopback, %s", TriggerOverheadTarget, c, OpTitle[op])}
		v := tb.Variant(TrigWebhook)
		formula, fRounds, fOK := tb.Overhead(TrigWebhook, op, c)
		direct, dRounds, dOK := tb.DirectOverhead(TrigWebhook, op, c)
		switch {
		case dOK:
			t.Got = fmt.Sprintf("%.3f ms (median of %d rounds: %s)", direct, len(dRounds), joinMs(dRounds))
			t.Met = metPtr(direct < TriggerOverheadTarget)
			t.By = margin(math.Max(direct, 0), TriggerOverheadTarget, false)
			t.Note = "PreAuthentication + PreTokenGeneration V2_0 per sign-in. Judged on the overhead measured around each invocation: p50 of Cognate's time per invocation (the server's trace, from the start of the trigger call to the answer decoded) − p50 of the receiver's own time"
			if m, _, ok := tb.DirectOverheadMean(TrigWebhook, op, c); ok {
				t.Note += fmt.Sprintf("; by means %.3f ms", m)
			}
			if m, _, ok := tb.DirectOverhead(TrigWebhook, op, 1); ok && c != 1 {
				t.Note += fmt.Sprintf("; at 1 client %.3f ms", m)
			}
			if fOK {
				t.Note += fmt.Sprintf(". Client-visible, (p50 with triggers − p50 plain − 2 × the receiver's own time) / 2: %.3f ms (rounds: %s), which also holds the queueing of every sign-in behind the invocations' CPU at %d clients on %d cores", formula, joinMs(fRounds), c, tb.Cores)
			}
		case fOK:
			t.Got = fmt.Sprintf("%.3f ms (median of %d rounds: %s)", formula, len(fRounds), joinMs(fRounds))
			t.Met = metPtr(formula < TriggerOverheadTarget)
			t.By = margin(math.Max(formula, 0), TriggerOverheadTarget, false)
			t.Note = fmt.Sprintf("PreAuthentication + PreTokenGeneration V2_0 per sign-in: (p50 with triggers − p50 plain − %d × the receiver's own time) / %d (these results have no server trace of the invocations)", v.Invocations, v.Invocations)
		case v != nil && v.Unavailable != "":
			t.Got, t.Note = "not measured", v.Unavailable
		default:
			t.Got = "not measured"
		}
		if dOK || fOK {
			if cpu, _, ok := tb.CPUPerInvocation(TrigWebhook, op, c); ok {
				t.Note += fmt.Sprintf("; Cognate's CPU per invocation %.3f ms", cpu)
			}
			if ov1, _, ok := tb.Overhead(TrigWebhook, op, 1); ok && c != 1 {
				t.Note += fmt.Sprintf("; client-visible at 1 client (no queueing) %.3f ms", ov1)
			}
			if ip := tb.inProcess("trigger-run-webhook"); ip != nil {
				t.Note += fmt.Sprintf("; in-process, the whole webhook path of one invocation %.0f µs", ip.NsPerOp/1e3)
			}
			if !*t.Met && tb.Cores > 0 && c > tb.Cores {
				t.Note += fmt.Sprintf(". At %d closed-loop clients on %d busy cores every ms of CPU anywhere on the machine (Cognate, the receiver, the load generator) adds about %d/%d ms to the client-visible p50", c, tb.Cores, c, tb.Cores)
			}
			t.Note += ": see [Sign-in with triggers](#sign-in-with-triggers)"
		}
		out = append(out, t)
		if ov, rounds, ok := tb.DirectOverhead(TrigRIE, op, c); ok {
			note := "around each invocation: p50 of Cognate's time per invocation − p50 of the emulator's REPORT Duration; the dispatcher's hop and the emulator's HTTP front remain in it"
			if f, _, ok := tb.Overhead(TrigRIE, op, c); ok {
				note += fmt.Sprintf("; client-visible formula %.3f ms", f)
			}
			out = append(out, TargetResult{Text: fmt.Sprintf("(shown, not held to the target) Trigger overhead at %d clients: Lambda under the emulator, %s", c, OpTitle[op]),
				Got: fmt.Sprintf("%.3f ms (median of %d rounds: %s)", ov, len(rounds), joinMs(rounds)), Note: note})
		} else if ov, rounds, ok := tb.Overhead(TrigRIE, op, c); ok {
			out = append(out, TargetResult{Text: fmt.Sprintf("(shown, not held to the target) Trigger overhead at %d clients: Lambda under the emulator, %s", c, OpTitle[op]),
				Got:  fmt.Sprintf("%.3f ms (median of %d rounds: %s)", ov, len(rounds), joinMs(rounds)),
				Note: "client-visible formula, the emulator's REPORT Duration subtracted; the dispatcher's hop, the emulator's HTTP front and their CPU remain in it"})
		}
	}
	return out
}

func (tb *TriggerBench) inProcess(name string) *InProcBench {
	for i := range tb.InProcess {
		if tb.InProcess[i].Name == name {
			return &tb.InProcess[i]
		}
	}
	return nil
}

func joinMs(vs []float64) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.3f", v)
	}
	return s
}

// renderTriggers writes the "sign-in with triggers" section, and its pinned run when there is one.
func renderTriggers(w *mdw, r *Results, plot func(name, alt string, body []byte)) {
	tb := r.Triggers
	if tb == nil {
		return
	}
	w.l("## Sign-in with triggers")
	w.l("")
	renderTriggerBench(w, tb, plot, false)
	if pb := r.TriggersPinned; pb != nil {
		w.l("### Pinned: the server on one core, the load generator and the functions on the other")
		w.l("")
		renderTriggerBench(w, pb, plot, true)
	}
}

func renderTriggerBench(w *mdw, tb *TriggerBench, plot func(name, alt string, body []byte), pinned bool) {
	if tb.Quick {
		w.p("> **Smoke run**: windows of %gs, %d round(s). These figures prove the pipeline, not the overhead.", tb.DurationS, tb.Rounds)
	}
	if pinned {
		w.p("The same measurement with the processes pinned: %s. Measured %s → %s (`%s`); load average %s at the start and %s at the end. Not the figure the target is judged on: it shows what the figures become when the server does not share its core with the load generator and the function.",
			tb.Pinned, tb.Started.Format("2006-01-02 15:04:05 UTC"), tb.Finished.Format("15:04:05 UTC"), tb.Command, tb.LoadAvg, or(tb.LoadAvgEnd, "—"))
	} else {
		w.p("Issue 12: a sign-in on a pool whose `LambdaConfig` sets PreAuthentication and PreTokenGenerationConfig {LambdaVersion: V2_0}, so that each sign-in invokes two triggers, side by side with the same sign-in on a pool without triggers. Three pools (created with `CreateUserPool` through the SDK, %s users each) on one `%s`; %s clients; %d interleaved rounds of %gs after %gs warm-up, each round measuring every variant in turn (starting with another one each round) so that all see the same machine. Measured %s → %s (`%s`); load average %s at the start and %s at the end, on %d cores shared with other work: the machine was not quiet, and the spread of the rounds is the noise.",
			thousands(tb.PoolUsers), tb.Serve, joinInts(tb.concurrencies()), tb.Rounds, tb.DurationS, tb.WarmupS,
			tb.Started.Format("2006-01-02 15:04:05 UTC"), tb.Finished.Format("15:04:05 UTC"), tb.Command, tb.LoadAvg, or(tb.LoadAvgEnd, "—"), tb.Cores)
		if tb.traced() {
			w.p("The server is `loadgen server`, the bench's own build of Cognate: wired by pkg/app/local exactly as `cognate serve` wires it (the embedded store, one request per core in flight), its trigger Invoker built as `cognate serve` builds it from the same flags, plus a `triggers.Trace` (pkg/userpool/triggers) on every request that reports Cognate's time per trigger invocation. Nothing in `cognate serve` sets a trace: without one a trigger call costs one context lookup more and reads no clock.")
		}
		for _, v := range tb.Variants {
			s := fmt.Sprintf("- **%s**: %s", v.Name, v.Desc)
			if v.FunctionHow != "" {
				s += " Function's own time: " + v.FunctionHow + "."
			}
			if v.ClaimCheck != "" {
				s += " Token check: " + v.ClaimCheck + "."
			}
			if v.Unavailable != "" {
				s += " **Not measured**: " + v.Unavailable + "."
			}
			w.l("%s", s)
		}
		w.l("")
	}
	traced := tb.traced()
	if traced {
		w.l("| Clients | Sign-in | Variant | ops/s | p50 | p95 | p99 | server CPU ms/op | function's own time, p50 ms | Cognate's time per invocation, p50 ms | **overhead around each invocation, ms** | client-visible overhead per invocation, ms | Cognate CPU per invocation, ms | load generator CPU per invocation, ms | errors |")
		w.l("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	} else {
		w.l("| Clients | Sign-in | Variant | ops/s | p50 | p95 | p99 | server CPU ms/op | function's own time, p50 ms | **overhead per trigger invocation, ms** | Cognate CPU per invocation, ms | load generator CPU per invocation, ms | errors |")
		w.l("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	}
	type bar struct {
		label string
		v     float64
	}
	var bars []bar
	for _, c := range tb.concurrencies() {
		for _, op := range []string{OpPassword, OpSRP} {
			for _, name := range TriggerVariants {
				s, ok := tb.Summary(name, op, c)
				if !ok {
					continue
				}
				fn, ov, cpu, gen, cog, direct := "—", "—", "—", "—", "—", "—"
				if name != TrigPlain {
					fn = f3(s.FnP50Ms)
					if s.HopP50Ms > 0 {
						fn += fmt.Sprintf(" (+ dispatcher %s)", f3(s.HopP50Ms))
					}
					if m, _, ok := tb.Overhead(name, op, c); ok {
						ov = f3(m)
						if !traced {
							ov = "**" + ov + "**"
							if c == tb.Concurrency {
								bars = append(bars, bar{name + ", " + op, m})
							}
						}
					}
					if s.CognateP50 > 0 {
						cog = f3(s.CognateP50)
					}
					if m, _, ok := tb.DirectOverhead(name, op, c); ok {
						direct = "**" + f3(m) + "**"
						if c == tb.Concurrency {
							bars = append(bars, bar{name + ", " + op, m})
						}
					}
					if m, _, ok := tb.CPUPerInvocation(name, op, c); ok {
						cpu = f3(m)
					}
					if m, _, ok := tb.GenCPUPerInvocation(name, op, c); ok {
						gen = f3(m)
					}
				}
				errs := fmt.Sprintf("%d", s.Errors)
				if s.Errors > 0 && s.ErrorSample != "" {
					errs += " (" + cell(trunc(s.ErrorSample, 80)) + ")"
				}
				if traced {
					w.l("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", c, OpTitle[op], name, f0(s.Throughput), f2(s.P50), f2(s.P95), f2(s.P99), f3(s.ServerCPUms), fn, cog, direct, ov, cpu, gen, errs)
				} else {
					w.l("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", c, OpTitle[op], name, f0(s.Throughput), f2(s.P50), f2(s.P95), f2(s.P99), f3(s.ServerCPUms), fn, ov, cpu, gen, errs)
				}
			}
		}
	}
	w.l("")
	if !pinned {
		if traced {
			w.p("Each figure is the median over the rounds. **Overhead around each invocation** = p50 of Cognate's time per invocation − p50 of the function's own time, in each round. Cognate's time per invocation is what the server's trace reports for each answered trigger call: from the start of the call (before its event is made) to the answer decoded into the event — building and encoding the event, the transport (signing and the loopback round trip for the webhook; the Lambda client, SigV4 included, for the emulator), the function's own time within it, decoding. Subtracting the function's own time leaves what the issue names: the overhead Cognate adds around each invocation. It is the figure the target is judged on. *Client-visible overhead per invocation* = (p50 with triggers − p50 plain − n × the function's own time) / n, with n = 2 invocations per sign-in, computed in each round against the plain sign-in of that round: the figure this section reported first, kept for comparison. It also counts what the invocations do to the rest of the machine: at 16 closed-loop clients on 2 cores, the CPU each invocation costs (Cognate's, the receiver's HTTP server, the load generator's) delays every other sign-in queued behind it, so each ms of CPU shows as about 8 ms of p50. *Cognate CPU per invocation* = (server CPU per sign-in with triggers − plain) / n: Cognate's own work, with nothing of the function or the load generator. *Load generator CPU per invocation* is the same difference for the load generator's process: the webhook receiver's work (its HTTP server, `webhook.Verify`, the hook), or the dispatcher's; the emulators and their functions run in other processes, not counted.")
		} else {
			w.p("Each figure is the median over the rounds. *Overhead per trigger invocation* = (p50 with triggers − p50 plain − n × the function's own time) / n, with n = 2 invocations per sign-in, computed in each round against the plain sign-in of that round. It is what a client sees Cognate add around an invocation: building the event, JSON out and back, the transport (signing and the loopback round trip for the webhook; the Lambda client, SigV4 included, for the emulator), reading the answer into the tokens. *Cognate CPU per invocation* = (server CPU per sign-in with triggers − plain) / n: Cognate's own work, with nothing of the function or the load generator. *Load generator CPU per invocation* is the same difference for the load generator's process: the webhook receiver's work (its HTTP server, `webhook.Verify`, the hook), or the dispatcher's; the emulators and their functions run in other processes, not counted.")
		}
		if traced {
			w.p("**Which figure the target is judged on, and why.** Issue 12 asks that \"the overhead Cognate adds around each invocation (excluding the function's own time)\" stay under 1 ms per trigger at 16 clients. *Overhead around each invocation* measures exactly that, where it happens, per invocation, so the target is judged on it (the webhook variant). The client-visible figure answers another question — how much slower a sign-in gets for a client on this machine — and at 16 closed-loop clients on 2 cores it is set by the CPU every process on the machine spends per invocation (Cognate's, the receiver's HTTP server, the load generator's), multiplied by the queue (about 16/2): it stays visible beside it, and so does *Cognate CPU per invocation*, Cognate's own work. What the judged figure leaves out, it leaves out on purpose: a sign-in keeps its in-flight slot (one request per core on the embedded store) while its functions answer, so the other requests waiting for a slot wait that much longer; that cost shows in the client-visible figure. Giving the slot back during the call was tried and reverted: the answer then waits for a core behind a newly admitted request (Cognate's time per invocation went from 0.2–0.6 ms to 9–12 ms at 16 clients), the webhook's p50 did not improve and its p95/p99 grew; only the emulator's ~1 ms waits gained throughput. What the judged figure holds besides Cognate's work is waiting for a core: in the SRP rows the load generator computes the clients' SRP keys (about 3.7 ms of CPU per sign-in, see the main table) on the same 2 cores, and both the receiver (a goroutine of that busy process, before its handler starts) and Cognate's goroutine that reads the answer wait for a core; those waits are inside Cognate's time and outside the function's own time. The pinned run below gives the server a core of its own.")
		}
		if tb.Cores > 0 && tb.Concurrency > tb.Cores {
			w.p("Reading the %d-client rows: %d closed-loop clients keep the %d cores busy (the load generator, the server, the webhook receiver or the %d emulators and their functions all share them), so the p50 is about %d × CPU per sign-in / %d (Little's law): every ms of CPU added anywhere on the machine per sign-in — Cognate's, but also the receiver's HTTP server and the load generator's — shows as about %d/%d ms more p50. The function's own time subtracted is its wall time in the handler; the CPU its HTTP server or emulator spends around it is not, and neither is the extra queueing. The 1-client rows have no queueing: there the overhead is the time one invocation adds to a sign-in.", tb.Concurrency, tb.Concurrency, tb.Cores, tb.Concurrency, tb.Concurrency, tb.Cores, tb.Concurrency, tb.Cores)
		}
	}
	var lines []string
	for _, c := range tb.concurrencies() {
		for _, op := range []string{OpPassword, OpSRP} {
			for _, name := range []string{TrigWebhook, TrigRIE} {
				if _, rounds, ok := tb.DirectOverhead(name, op, c); ok && len(rounds) > 1 {
					lines = append(lines, fmt.Sprintf("%s, %s, %d clients: around each invocation %s ms", name, op, c, joinMs(rounds)))
				}
				if _, rounds, ok := tb.Overhead(name, op, c); ok && len(rounds) > 1 {
					lines = append(lines, fmt.Sprintf("%s, %s, %d clients: %s%s ms", name, op, c, map[bool]string{true: "client-visible ", false: ""}[traced], joinMs(rounds)))
				}
			}
		}
	}
	if len(lines) > 0 {
		w.p("Overhead per invocation in each round: %s.", joinSemi(lines))
	}
	if len(bars) > 0 {
		name, what := "trigger-overhead.svg", "p50-based"
		if traced {
			what = "around each invocation"
		}
		if pinned {
			name = "trigger-overhead-pinned.svg"
			what += ", pinned"
		}
		ch := &svg.BarChart{Title: fmt.Sprintf("Overhead per trigger invocation at %d clients (%s, median of rounds)", tb.Concurrency, what), YLabel: "ms per invocation",
			RefLines: []svg.RefLine{{Label: fmt.Sprintf("target: %g ms", TriggerOverheadTarget), Y: TriggerOverheadTarget}}}
		for _, b := range bars {
			// A negative figure is noise around zero: drawn as zero, printed as measured.
			ch.Bars = append(ch.Bars, svg.Bar{Label: b.label, Value: math.Max(b.v, 0), Text: fmt.Sprintf("%.3f ms", b.v)})
		}
		plot(name, ch.Title, ch.SVG())
	}
	if len(tb.InProcess) > 0 && !pinned {
		w.l("### The trigger path alone, in-process")
		w.l("")
		w.p("Go benchmarks (`testing.Benchmark`) in the load generator after the rounds, with no server and no load: a direct, less noisy figure of Cognate's own work per invocation, through `triggers.Run` (pkg/userpool/triggers), the entry point the sign-in and the token lineage call.")
		w.l("| Benchmark | what it runs | µs/op | allocs/op | B/op |")
		w.l("|---|---|---:|---:|---:|")
		for _, b := range tb.InProcess {
			w.l("| %s | %s | %s | %d | %s |", b.Name, cell(b.Desc), f1(b.NsPerOp/1e3), b.AllocsPerOp, thousandsF(float64(b.BytesPerOp)))
		}
		w.l("")
	}
	for _, n := range tb.Notes {
		w.l("- %s", n)
	}
	if len(tb.Notes) > 0 {
		w.l("")
	}
}

// PreviousRunNote sums up the headline figures of a run this one replaces (the machine is shared
// and noisy: one run is not enough, and the report shows the last one only), or "" when there is
// none to compare.
func PreviousRunNote(prev *TriggerBench) string {
	if prev == nil || !prev.traced() {
		return ""
	}
	var parts []string
	for _, op := range []string{OpPassword, OpSRP} {
		for _, v := range []string{TrigWebhook, TrigRIE} {
			d, _, dok := prev.DirectOverhead(v, op, prev.Concurrency)
			f, _, fok := prev.Overhead(v, op, prev.Concurrency)
			if dok && fok {
				parts = append(parts, fmt.Sprintf("%s, %s: around each invocation %.3f ms, client-visible %.3f ms", v, op, d, f))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("The run before this one (%s → %s, load average %s at the start), at %d clients: %s.",
		prev.Started.Format("2006-01-02 15:04 UTC"), prev.Finished.Format("15:04 UTC"), prev.LoadAvg, prev.Concurrency, joinSemi(parts))
}

// traced tells whether the server reported Cognate's time per invocation.
func (tb *TriggerBench) traced() bool {
	for _, p := range tb.Points {
		if p.CognateSamples > 0 {
			return true
		}
	}
	return false
}

// concurrencies lists the client counts the section measured, ascending.
func (tb *TriggerBench) concurrencies() []int {
	var out []int
	for _, p := range tb.Points {
		if !slices.Contains(out, p.Concurrency) {
			out = append(out, p.Concurrency)
		}
	}
	slices.Sort(out)
	return out
}

func joinSemi(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "; "
		}
		s += p
	}
	return s
}
