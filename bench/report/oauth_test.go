package report

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/bench/stats"
)

// withOAuth is the fixture with an OAuth 2.0 section: the hosted page's p99 at 16 clients is
// pageP99; the hosted sign-in could not be measured.
func withOAuth(pageP99 float64) *Results {
	r := fixture()
	pt := func(op string, c int, tput, p50, p99, cpu float64) Point {
		return Point{Op: op, Concurrency: c, Seconds: 3, Ops: int(tput * 3), Throughput: tput,
			Latency: stats.Summary{Count: int(tput * 3), P50: p50, P90: p99 / 2, P99: p99, Max: p99 * 2}, ServerCPUms: cpu, ClientCPUms: 0.1}
	}
	ob := &OAuthBench{SectionRun: SectionRun{Command: "make bench BENCH_ARGS='-only oauth'", Serve: "cognate serve --memory",
		Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Finished: time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC),
		LoadAvg: "1.50 1.00 0.50", LoadAvgEnd: "1.90 1.10 0.60", Cores: 2, PoolUsers: 1000}, Concurrency: []int{1, 16}, DurationS: 3, WarmupS: 0.5, MaxOps: 200000,
		Seeding:      Seeding{Method: "API", Users: 1000},
		Signatures:   map[string]float64{OpCodeExchange: 2, OpClientCreds: 1},
		Minting:      []CodeMinting{{Concurrency: 16, Codes: 7000, Wanted: 7000, Clients: 16, Seconds: 9.5, Left: 2500}},
		Unsupported:  []Unsupported{{Op: OpHostedSignIn, Reason: "not available: POST /login: 400"}},
		CognitoLocal: "cognito-local 5.3.0 answered `POST /oauth2/token` → 404."}
	for _, c := range []int{1, 16} {
		ob.Points = append(ob.Points, pt(OpPassword, c, 700, 20, 90, 2.4), pt(OpCodeExchange, c, 800, 18, 60, 1.7),
			pt(OpClientCreds, c, 1500, 8, 40, 0.8), pt(OpHostedPage, c, 10000, 1.2, pageP99, 0.08))
	}
	r.OAuth = ob
	return r
}

func oauthTarget(t *testing.T, r *Results, prefix string) TargetResult {
	t.Helper()
	for _, tr := range EvaluateTargets(r) {
		if strings.HasPrefix(tr.Text, prefix) {
			return tr
		}
	}
	t.Fatalf("no target %q", prefix)
	return TargetResult{}
}

func TestOAuthTargets(t *testing.T) {
	met := oauthTarget(t, withOAuth(6.5), "Hosted sign-in page (GET /login) p99 < 20 ms at 16 clients")
	if met.Met == nil || !*met.Met || met.Got != "6.5 ms" || !strings.Contains(met.By, "under") || !strings.Contains(met.Note, "p50 1.20 ms") {
		t.Fatalf("page target met: %+v", met)
	}
	missed := oauthTarget(t, withOAuth(31), "Hosted sign-in page (GET /login) p99 < 20 ms at 16 clients")
	if missed.Met == nil || *missed.Met || !strings.Contains(missed.By, "over") {
		t.Fatalf("page target missed: %+v", missed)
	}
	ex := oauthTarget(t, withOAuth(6.5), "(shown, no threshold) POST /oauth2/token authorization_code (PKCE) per second at 16 clients")
	// 2 signatures of 1 ms on 2 cores: a floor of 1,000/s; 800/s is 80% of it and 1.14× password's 700/s.
	if ex.Met != nil || ex.Got != "800/s" || !strings.Contains(ex.Note, "700/s, so 1.14× it") ||
		!strings.Contains(ex.Note, "crypto floor 2 × rsa2048-sign = 1000/s on 2 cores, reached to 80%") {
		t.Fatalf("exchange row: %+v", ex)
	}
	cc := oauthTarget(t, withOAuth(6.5), "(shown, no threshold) POST /oauth2/token client_credentials per second at 16 clients")
	if cc.Met != nil || cc.Got != "1500/s" || !strings.Contains(cc.Note, "crypto floor rsa2048-sign = 2000/s") {
		t.Fatalf("client-credentials row: %+v", cc)
	}
	// Without the section there are no rows of it.
	for _, tr := range EvaluateTargets(fixture()) {
		if strings.Contains(tr.Text, "/login") || strings.Contains(tr.Text, "/oauth2/token") {
			t.Fatalf("a target of a section not run: %+v", tr)
		}
	}
}

func TestOAuthCryptoLimit(t *testing.T) {
	r := withOAuth(6.5)
	r.OAuth.Signatures[OpCodeExchange] = 3 // counted, not assumed
	lim, rec, ok := OAuthCryptoLimit(r, OpCodeExchange)
	if !ok || math.Abs(lim-2e9/3e6) > 1e-6 || rec != "3 × rsa2048-sign" {
		t.Fatalf("exchange limit %v %q %v", lim, rec, ok)
	}
	delete(r.OAuth.Signatures, OpClientCreds) // not counted: the default, one signature
	if lim, _, ok := OAuthCryptoLimit(r, OpClientCreds); !ok || math.Abs(lim-2000) > 1e-6 {
		t.Fatalf("client-credentials limit %v %v", lim, ok)
	}
	if _, _, ok := OAuthCryptoLimit(r, OpHostedPage); ok {
		t.Fatal("the page has no crypto")
	}
}

func TestRenderOAuth(t *testing.T) {
	doc, _ := Render(withOAuth(31), "benchmarks")
	s := string(doc)
	for _, want := range []string{
		"| Hosted sign-in page (GET /login) p99 < 20 ms at 16 clients | 31.0 ms | ❌ missed |",
		"## OAuth 2.0 token endpoint and hosted sign-in",
		"load average 1.50 1.00 0.50 at the start and 1.90 1.10 0.60 at the end",
		"| 16 | POST /oauth2/token authorization_code (PKCE) | 800 | 18.00 | 30.00 | 60.00 | 120.00 | 1.700 | 0.100 | 2 × rsa2048-sign | 1,000 | 80% | 0 |",
		"| 16 | POST /oauth2/token client_credentials | 1,500 |",
		"| 16 | GET /login (hosted sign-in page) | 10,000 | 1.20 | 15.50 | 31.00 |",
		"| 1 | InitiateAuth USER_PASSWORD_AUTH | 700 |",
		"| | Hosted sign-in: GET /login + POST /login | not available: POST /login: 400 |",
		"for the 16-client point: 7000 codes (7000 wanted) by 16 concurrent hosted sign-ins in 9.5s, 2500 left unredeemed",
		"**cognito-local** is not measured here: cognito-local 5.3.0 answered `POST /oauth2/token` → 404.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The section comes after the sign-in with triggers and before the comparison.
	if i, j := strings.Index(s, "## OAuth 2.0"), strings.Index(s, "## Cognate against cognito-local"); i < 0 || j < i {
		t.Errorf("section order: OAuth at %d, comparison at %d", i, j)
	}
	if plain, _ := Render(fixture(), "benchmarks"); strings.Contains(string(plain), "OAuth 2.0") {
		t.Error("a report without the section mentions it")
	}
}

func TestOAuthJSONAndPreviousNote(t *testing.T) {
	r := withOAuth(6.5)
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.OAuth == nil || back.OAuth.Point(OpHostedPage, 16) == nil || back.OAuth.Signatures[OpCodeExchange] != 2 || back.OAuth.Minting[0].Left != 2500 {
		t.Fatalf("round trip lost the section: %+v", back.OAuth)
	}
	note := PreviousOAuthNote(back.OAuth)
	for _, want := range []string{"2026-01-02 03:04 UTC → 03:05 UTC", "load average 1.50 1.00 0.50", "authorization_code (PKCE) 800/s", "GET /login (hosted sign-in page) p50 1.20 ms, p99 6.50 ms"} {
		if !strings.Contains(note, want) {
			t.Errorf("previous-run note %q lacks %q", note, want)
		}
	}
	if PreviousOAuthNote(nil) != "" {
		t.Error("a note of no run")
	}
}

func TestOAuthRounds(t *testing.T) {
	r := withOAuth(6.5)
	ob := r.OAuth
	ob.Rounds = 3
	// Two more rounds of the exchange at 16 clients: 800 (round 1), 400, 1,000 → the median round is round 1.
	for i := range ob.Points {
		ob.Points[i].Round = 1
	}
	for _, v := range []struct {
		round int
		tput  float64
	}{{2, 400}, {3, 1000}} {
		ob.Points = append(ob.Points, Point{Op: OpCodeExchange, Concurrency: 16, Round: v.round, Ops: int(v.tput * 3), Throughput: v.tput,
			Latency: stats.Summary{P50: 1, P99: 99}})
		ob.Points = append(ob.Points, Point{Op: OpHostedPage, Concurrency: 16, Round: v.round, Ops: 30000, Throughput: 10000 + v.tput,
			Latency: stats.Summary{P50: 1, P99: 25}})
	}
	if p := ob.Point(OpCodeExchange, 16); p == nil || p.Throughput != 800 || p.Round != 1 {
		t.Fatalf("median round: %+v", p)
	}
	if got := ob.RoundRates(OpCodeExchange, 16); len(got) != 3 || got[0] != 800 || got[1] != 400 || got[2] != 1000 {
		t.Fatalf("rates by round %v", got)
	}
	// The page: rounds at 10,000 (p99 6.5), 10,400 and 11,000 (p99 25): the median round's p99 is 25.
	page := oauthTarget(t, r, "Hosted sign-in page (GET /login) p99 < 20 ms at 16 clients")
	if page.Met == nil || *page.Met || !strings.Contains(page.Note, "p99 by round: 6.5, 25.0, 25.0 ms") {
		t.Fatalf("page target over rounds: %+v", page)
	}
	ex := oauthTarget(t, r, "(shown, no threshold) POST /oauth2/token authorization_code (PKCE)")
	if !strings.Contains(ex.Note, "median of 3 interleaved rounds (800, 400, 1,000/s; password sign-in 700/s)") {
		t.Fatalf("exchange over rounds: %+v", ex)
	}
	ob.Minting[0].Round = 2
	doc, _ := Render(r, "benchmarks")
	for _, want := range []string{"Measured in 3 interleaved rounds", "| 0 | 800, 400, 1,000 |", "round 2, for the 16-client point: 7000 codes"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
