package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/bench/stats"
)

// triggerFixture: two rounds at 1 and 16 clients; the webhook adds 2 × (0.1 ms function + 0.3 ms
// overhead) to the p50 at 1 client, and 2 × (0.05 + 0.7 / 0.9) at 16.
func triggerFixture() *TriggerBench {
	tb := &TriggerBench{SectionRun: SectionRun{Cores: 2, PoolUsers: 1000, Serve: "cognate serve --memory",
		Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Finished: time.Date(2026, 1, 1, 0, 3, 0, 0, time.UTC), LoadAvg: "1.00 0.90 0.80"},
		Concurrency: 16, Rounds: 2, DurationS: 3, WarmupS: 0.5,
		Variants: []TriggerVariant{{Name: TrigPlain, Desc: "plain."}, {Name: TrigWebhook, Desc: "webhook.", Invocations: 2, ClaimCheck: "claim seen"},
			{Name: TrigRIE, Desc: "rie.", Invocations: 2, Unavailable: "no emulator"}},
		InProcess: []InProcBench{{Name: "trigger-run-webhook", Desc: "a | b", NsPerOp: 61000, AllocsPerOp: 207, BytesPerOp: 18520}}}
	pt := func(v string, round, conc int, p50, fn, cpu float64) TriggerPoint {
		return TriggerPoint{Variant: v, Round: round, FnP50Ms: fn, FnSamples: 10,
			Point: Point{Op: OpPassword, Concurrency: conc, Ops: 100, Throughput: 1000 / p50, ServerCPUms: cpu, ClientCPUms: cpu / 10,
				Latency: stats.Summary{P50: p50, P95: p50 * 1.5, P99: p50 * 2}}}
	}
	tb.Points = []TriggerPoint{
		pt(TrigPlain, 1, 1, 2.0, 0, 2.5), pt(TrigWebhook, 1, 1, 2.8, 0.1, 2.7),
		pt(TrigPlain, 2, 1, 2.2, 0, 2.5), pt(TrigWebhook, 2, 1, 3.0, 0.1, 2.9),
		pt(TrigPlain, 1, 16, 20, 0, 2.5), pt(TrigWebhook, 1, 16, 21.5, 0.05, 2.7),
		pt(TrigPlain, 2, 16, 22, 0, 2.5), pt(TrigWebhook, 2, 16, 23.9, 0.05, 2.7),
	}
	return tb
}

func TestOverheadPerInvocation(t *testing.T) {
	// (23.9 − 22 − 2 × 0.05) / 2 = 0.9
	if got := OverheadPerInvocation(22, 23.9, 0.05, 2); math.Abs(got-0.9) > 1e-9 {
		t.Fatalf("OverheadPerInvocation = %v", got)
	}
	if got := OverheadPerInvocation(1, 2, 0, 0); !math.IsNaN(got) {
		t.Fatalf("no invocations: %v", got)
	}
	tb := triggerFixture()
	m, rounds, ok := tb.Overhead(TrigWebhook, OpPassword, 16)
	if !ok || len(rounds) != 2 || math.Abs(rounds[0]-0.7) > 1e-9 || math.Abs(rounds[1]-0.9) > 1e-9 || math.Abs(m-0.8) > 1e-9 {
		t.Fatalf("Overhead at 16 = %v %v %v", m, rounds, ok)
	}
	if m, _, ok := tb.Overhead(TrigWebhook, OpPassword, 1); !ok || math.Abs(m-0.3) > 1e-9 {
		t.Fatalf("Overhead at 1 = %v %v", m, ok)
	}
	if _, _, ok := tb.Overhead(TrigRIE, OpPassword, 16); ok {
		t.Fatal("an unmeasured variant has no overhead")
	}
	if _, _, ok := tb.Overhead(TrigPlain, OpPassword, 16); ok {
		t.Fatal("the plain variant has no overhead")
	}
	// Cognate's CPU: (2.7 − 2.5) / 2 in both rounds at 16 clients.
	if c, _, ok := tb.CPUPerInvocation(TrigWebhook, OpPassword, 16); !ok || math.Abs(c-0.1) > 1e-9 {
		t.Fatalf("CPUPerInvocation = %v %v", c, ok)
	}
	s, ok := tb.Summary(TrigWebhook, OpPassword, 16)
	if !ok || s.Rounds != 2 || math.Abs(s.P50-22.7) > 1e-9 || math.Abs(s.FnP50Ms-0.05) > 1e-9 {
		t.Fatalf("Summary = %+v %v", s, ok)
	}
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Fatalf("median = %v", got)
	}
}

func TestTriggerTargets(t *testing.T) {
	r := fixture()
	r.Triggers = triggerFixture()
	var found *TargetResult
	for _, tr := range EvaluateTargets(r) {
		if strings.HasPrefix(tr.Text, "Trigger overhead < 1 ms per invocation at 16 clients: webhook") {
			found = &tr
		}
		if strings.Contains(tr.Text, "emulator") {
			t.Fatalf("an unmeasured emulator variant has no row: %+v", tr)
		}
	}
	if found == nil || found.Met == nil || !*found.Met || !strings.Contains(found.Got, "0.800 ms") || !strings.Contains(found.Note, "at 1 client (no queueing) 0.300 ms") {
		t.Fatalf("webhook target: %+v", found)
	}
	// Over the limit: missed, and the note explains the queueing.
	for i := range r.Triggers.Points {
		if p := &r.Triggers.Points[i]; p.Variant == TrigWebhook && p.Concurrency == 16 {
			p.Latency.P50 += 4
		}
	}
	for _, tr := range EvaluateTargets(r) {
		if strings.HasPrefix(tr.Text, "Trigger overhead < 1 ms") {
			if tr.Met == nil || *tr.Met || !strings.Contains(tr.Note, "Little") && !strings.Contains(tr.Note, "16/2 ms") {
				t.Fatalf("missed webhook target: %+v", tr)
			}
		}
	}
}

func TestRenderTriggers(t *testing.T) {
	r := fixture()
	r.Triggers = triggerFixture()
	doc, files := Render(r, "benchmarks")
	md := string(doc)
	sec := md[strings.Index(md, "## Sign-in with triggers"):]
	sec = sec[:strings.Index(sec, "\n## ")+1]
	for _, want := range []string{
		"| 16 | InitiateAuth USER_PASSWORD_AUTH | webhook | 44 | 22.70 | 34.05 | 45.40 | 2.700 | 0.050 | **0.800** | 0.100 | 0.010 | 0 |",
		"| 1 | InitiateAuth USER_PASSWORD_AUTH | webhook |",
		"| 16 | InitiateAuth USER_PASSWORD_AUTH | plain |",
		"**Not measured**: no emulator.", "Token check: claim seen.", "load average 1.00 0.90 0.80",
		"webhook, password, 16 clients: 0.700, 0.900 ms", "Little's law",
		"| trigger-run-webhook | a \\| b | 61.0 | 207 | 18,520 |",
		"benchmarks/trigger-overhead.svg",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("trigger section lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "| lambda-rie |") {
		t.Error("an unmeasured variant has no rows")
	}
	if _, ok := files["trigger-overhead.svg"]; !ok {
		t.Error("no trigger-overhead.svg")
	}
	// Without the section, nothing of it.
	r.Triggers = nil
	doc, files = Render(r, "benchmarks")
	if strings.Contains(string(doc), "Sign-in with triggers") || files["trigger-overhead.svg"] != nil {
		t.Error("a run without the trigger section renders none")
	}
}

// With the server's trace, the target is judged on the overhead around each invocation (Cognate's
// time less the function's), and the client-visible formula is shown beside it; a pinned run has
// its own subsection.
func TestTriggersTraced(t *testing.T) {
	r := fixture()
	tb := triggerFixture()
	for i := range tb.Points {
		if p := &tb.Points[i]; p.Variant == TrigWebhook {
			p.CognateSamples, p.CognateP50Ms, p.CognateMeanMs = 10, p.FnP50Ms+0.4+0.1*float64(p.Round), p.FnP50Ms+0.6
			p.FnMeanMs = p.FnP50Ms
		}
	}
	r.Triggers = tb
	if m, rounds, ok := tb.DirectOverhead(TrigWebhook, OpPassword, 16); !ok || len(rounds) != 2 || math.Abs(m-0.55) > 1e-9 {
		t.Fatalf("DirectOverhead = %v %v %v", m, rounds, ok)
	}
	if m, _, ok := tb.DirectOverheadMean(TrigWebhook, OpPassword, 16); !ok || math.Abs(m-0.6) > 1e-9 {
		t.Fatalf("DirectOverheadMean = %v %v", m, ok)
	}
	var found *TargetResult
	for _, tr := range EvaluateTargets(r) {
		if strings.HasPrefix(tr.Text, "Trigger overhead < 1 ms per invocation at 16 clients: webhook") {
			found = &tr
		}
	}
	if found == nil || found.Met == nil || !*found.Met || !strings.Contains(found.Got, "0.550 ms") || !strings.Contains(found.Note, "Client-visible") || !strings.Contains(found.Note, "0.800 ms") {
		t.Fatalf("webhook target: %+v", found)
	}
	pinned := *tb
	pinned.Pinned = "server on core 0"
	r.TriggersPinned = &pinned
	doc, files := Render(r, "benchmarks")
	md := string(doc)
	for _, want := range []string{
		"| 16 | InitiateAuth USER_PASSWORD_AUTH | webhook | 44 | 22.70 | 34.05 | 45.40 | 2.700 | 0.050 | 0.600 | **0.550** | 0.800 | 0.100 | 0.010 | 0 |",
		"### Pinned: the server on one core", "server on core 0", "`loadgen server`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if files["trigger-overhead-pinned.svg"] == nil {
		t.Error("no pinned plot")
	}
}
