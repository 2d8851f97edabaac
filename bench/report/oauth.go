package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The OAuth 2.0 section's operations (issue 14): measured on `cognate serve` only, in a section
// of their own, beside a password sign-in measured in the same section.
const (
	OpClientCreds  = "client-credentials" // POST /oauth2/token grant_type=client_credentials (Basic auth)
	OpCodeExchange = "code-exchange"      // POST /oauth2/token grant_type=authorization_code with PKCE, public client
	OpHostedPage   = "hosted-page"        // GET /login?<authorize query>: the hosted sign-in page
	OpHostedSignIn = "hosted-signin"      // GET /login + POST /login: the hosted sign-in up to the code
)

// OAuthOps lists the section's operations in report order; password sign-in (OpPassword) is
// measured first, beside them.
var OAuthOps = []string{OpPassword, OpCodeExchange, OpClientCreds, OpHostedPage, OpHostedSignIn}

func init() {
	OpTitle[OpClientCreds] = "POST /oauth2/token client_credentials"
	OpTitle[OpCodeExchange] = "POST /oauth2/token authorization_code (PKCE)"
	OpTitle[OpHostedPage] = "GET /login (hosted sign-in page)"
	OpTitle[OpHostedSignIn] = "Hosted sign-in: GET /login + POST /login"
}

// HostedPageP99Target is issue 14's limit on the hosted sign-in page's p99 at 16 clients (ms).
const HostedPageP99Target = 20.0

// OAuthBench is the "OAuth 2.0 token endpoint and hosted sign-in" section.
type OAuthBench struct {
	SectionRun
	Seeding     Seeding `json:"seeding"`
	Concurrency []int   `json:"concurrency"`
	DurationS   float64 `json:"duration_s"`
	WarmupS     float64 `json:"warmup_s"`
	MaxOps      int     `json:"max_ops_per_point"`
	Rounds      int     `json:"rounds,omitempty"` // interleaved rounds (0: one, before rounds were kept)
	Setup       string  `json:"setup"`            // the pool's resource server and clients
	Points      []Point `json:"points"`
	// Unsupported holds the operations Cognate could not run (prepare failed), with the error.
	Unsupported []Unsupported `json:"unsupported,omitempty"`
	// Signatures counts the RS256 JWTs in one answer of each token operation (checked once
	// before the points): the crypto each one needs.
	Signatures map[string]float64 `json:"signatures,omitempty"`
	Minting    []CodeMinting      `json:"minting,omitempty"`
	// CognitoLocal says why cognito-local is not measured here, with what it answered.
	CognitoLocal string   `json:"cognito_local"`
	Notes        []string `json:"notes,omitempty"`
}

// CodeMinting is the authorization codes made before one code-exchange point.
type CodeMinting struct {
	Round       int     `json:"round,omitempty"`
	Concurrency int     `json:"concurrency"` // of the point the codes were for
	Codes       int     `json:"codes"`       // minted
	Wanted      int     `json:"wanted"`      // asked for: the point's expected operations
	Clients     int     `json:"clients"`     // concurrent hosted sign-ins that minted them
	Seconds     float64 `json:"seconds"`
	Failed      int     `json:"failed,omitempty"`
	Left        int     `json:"left"`              // not redeemed when the point ended
	RanOut      int     `json:"ran_out,omitempty"` // operations that found no code left (counted as errors)
}

// Point returns the section's point for op at concurrency c — of the round whose throughput is
// the median (the lower middle one for an even count) — or nil.
func (ob *OAuthBench) Point(op string, c int) *Point {
	pts := ob.points(op, c)
	if len(pts) == 0 {
		return nil
	}
	slices.SortStableFunc(pts, func(a, b *Point) int { return cmp.Compare(a.Throughput, b.Throughput) })
	return pts[(len(pts)-1)/2]
}

// points returns op's points at c, in round order.
func (ob *OAuthBench) points(op string, c int) []*Point {
	if ob == nil {
		return nil
	}
	var out []*Point
	for i := range ob.Points {
		if ob.Points[i].Op == op && ob.Points[i].Concurrency == c {
			out = append(out, &ob.Points[i])
		}
	}
	return out
}

// RoundRates lists op's throughput at c in each round, in round order.
func (ob *OAuthBench) RoundRates(op string, c int) []float64 {
	var out []float64
	for _, p := range ob.points(op, c) {
		out = append(out, p.Throughput)
	}
	return out
}

func (ob *OAuthBench) unsupports(op string) string {
	for _, u := range ob.Unsupported {
		if u.Op == op {
			return u.Reason
		}
	}
	return ""
}

// mainConcurrency is the section's largest concurrency (16 in `make bench`).
func (ob *OAuthBench) mainConcurrency() int {
	m := 0
	for _, c := range ob.Concurrency {
		m = max(m, c)
	}
	return m
}

// OAuthCryptoLimit is op's crypto limit on the section's machine (ops/s): cores × 10⁹ / the ns of
// its signatures (counted in its answer) and password check; ok is false without crypto.
func OAuthCryptoLimit(r *Results, op string) (limit float64, recipe string, ok bool) {
	ob := r.OAuth
	var rec map[string]float64
	switch op {
	case OpPassword:
		return CryptoLimit(r, op)
	case OpCodeExchange, OpClientCreds:
		var sig float64
		counted := false
		if ob != nil {
			sig, counted = ob.Signatures[op]
		}
		if !counted {
			sig = DefaultSignatures[op]
		}
		rec = map[string]float64{"rsa2048-sign": sig}
	case OpHostedSignIn:
		rec = map[string]float64{"srp-verifier-check": 1}
	default:
		return 0, "", false
	}
	cores := max(r.Machine.Cores, 1)
	if ob != nil && ob.Cores > 0 {
		cores = ob.Cores
	}
	return recipeLimit(r, rec, cores)
}

// oauthTargets are issue 14's speed items: the hosted page's p99 (a target), and the exchange
// and client-credentials rates beside password sign-in with their crypto floors (shown).
func oauthTargets(r *Results) []TargetResult {
	ob := r.OAuth
	if ob == nil {
		return nil
	}
	c := ob.mainConcurrency()
	var out []TargetResult
	page := TargetResult{Text: fmt.Sprintf("Hosted sign-in page (GET /login) p99 < %g ms at 16 clients", HostedPageP99Target)}
	if p := ob.Point(OpHostedPage, 16); p != nil && p.Ops > 0 {
		page.Got = fmt.Sprintf("%.1f ms", p.Latency.P99)
		page.Met = metPtr(p.Latency.P99 < HostedPageP99Target)
		page.By = margin(p.Latency.P99, HostedPageP99Target, false)
		if ob.Rounds > 1 {
			page.Note = fmt.Sprintf("the round of median throughput of %d (p99 by round: %s ms); ", ob.Rounds, joinP99(ob.points(OpHostedPage, 16)))
		}
		page.Note += fmt.Sprintf("p50 %.2f ms, p90 %.2f ms at %.0f/s; server CPU %.3f ms per page; measured %s, load average %s at the start: see [OAuth 2.0](#oauth-20-token-endpoint-and-hosted-sign-in)",
			p.Latency.P50, p.Latency.P90, p.Throughput, p.ServerCPUms, ob.Started.Format("2006-01-02 15:04 UTC"), ob.LoadAvg)
	} else if why := ob.unsupports(OpHostedPage); why != "" {
		page.Got, page.Note = "not measured", why
	} else {
		page.Got = "not measured at 16 clients"
	}
	out = append(out, page)

	pw := ob.Point(OpPassword, c)
	for _, op := range []string{OpCodeExchange, OpClientCreds} {
		t := TargetResult{Text: fmt.Sprintf("(shown, no threshold) %s per second at %d clients, beside password sign-in", OpTitle[op], c)}
		p := ob.Point(op, c)
		if p == nil || p.Ops == 0 {
			t.Got = "not measured"
			t.Note = ob.unsupports(op)
			out = append(out, t)
			continue
		}
		t.Got = fmt.Sprintf("%.0f/s", p.Throughput)
		var parts []string
		if ob.Rounds > 1 {
			parts = append(parts, fmt.Sprintf("median of %d interleaved rounds (%s/s; password sign-in %s/s)", ob.Rounds,
				joinRates(ob.RoundRates(op, c)), joinRates(ob.RoundRates(OpPassword, c))))
		}
		if pw != nil && pw.Ops > 0 {
			parts = append(parts, fmt.Sprintf("password sign-in (InitiateAuth USER_PASSWORD_AUTH) in the same section: %.0f/s, so %.2f× it", pw.Throughput, p.Throughput/pw.Throughput))
		}
		if lim, rec, ok := OAuthCryptoLimit(r, op); ok {
			parts = append(parts, fmt.Sprintf("crypto floor %s = %.0f/s on %d cores, reached to %.0f%%", rec, lim, max(ob.Cores, 1), 100*p.Throughput/lim))
		}
		if lim, rec, ok := OAuthCryptoLimit(r, OpPassword); ok && pw != nil && pw.Ops > 0 {
			parts = append(parts, fmt.Sprintf("password sign-in's: %s = %.0f/s, reached to %.0f%%", rec, lim, 100*pw.Throughput/lim))
		}
		parts = append(parts, fmt.Sprintf("server CPU %.3f ms per operation (password sign-in %s)", p.ServerCPUms, serverCPUOf(pw)))
		t.Note = strings.Join(parts, "; ")
		out = append(out, t)
	}
	return out
}

func joinRates(vs []float64) string {
	var out []string
	for _, v := range vs {
		out = append(out, f0(v))
	}
	return strings.Join(out, ", ")
}

func joinP99(pts []*Point) string {
	var out []string
	for _, p := range pts {
		out = append(out, f1(p.Latency.P99))
	}
	return strings.Join(out, ", ")
}

func serverCPUOf(p *Point) string {
	if p == nil || p.Ops == 0 {
		return "not measured"
	}
	return fmt.Sprintf("%.3f ms", p.ServerCPUms)
}

// renderOAuth writes the "OAuth 2.0 token endpoint and hosted sign-in" section.
func renderOAuth(w *mdw, r *Results) {
	ob := r.OAuth
	if ob == nil {
		return
	}
	w.l("## OAuth 2.0 token endpoint and hosted sign-in")
	w.l("")
	w.p("Issue 14: the authorization-code exchange and client-credentials token issuance per second, beside password sign-in, and the hosted sign-in page's latency. One `%s` (%s users: %s), measured on its own; the load generator drives it with net/http (one client, with keep-alive, per worker; no SDK) at %s clients, %gs after %gs warm-up, at most %d operations per point. Measured %s → %s (`%s`); load average %s at the start and %s at the end, on %d cores (anything else running on the machine shows in the load average).",
		ob.Serve, thousands(ob.PoolUsers), or(ob.Seeding.Method, "—"), joinInts(ob.Concurrency), ob.DurationS, ob.WarmupS, ob.MaxOps,
		ob.Started.Format("2006-01-02 15:04:05 UTC"), ob.Finished.Format("15:04:05 UTC"), ob.Command, ob.LoadAvg, or(ob.LoadAvgEnd, "—"), max(ob.Cores, 1))
	if ob.Setup != "" {
		w.p("%s", ob.Setup)
	}
	w.l("- **%s**: the same SDK call as the main table's, on the pool's ready client, in this section so that it sees the same machine as the rows beside it.", OpTitle[OpPassword])
	w.l("- **%s**: a public client; each operation redeems one code minted before the point (below) with its `redirect_uri` and PKCE `code_verifier`, `client_id` in the body; checked: 200 and an `id_token`.", OpTitle[OpCodeExchange])
	w.l("- **%s**: a confidential client with a resource server's scope, its id and secret in HTTP Basic; checked: 200 and an `access_token`.", OpTitle[OpClientCreds])
	w.l("- **%s**: a first visit (no cookie) with a valid authorization request (code, PKCE S256, `openid email`); checked: 200 and the form's `csrf` field.", OpTitle[OpHostedPage])
	w.l("- **%s**: a fresh cookie jar, the page, then the form posted back with its CSRF cookie and field, the user's name and password; checked: 303 to the callback with a `code`.", OpTitle[OpHostedSignIn])
	w.l("")
	if ob.Rounds > 1 {
		w.p("Measured in %d interleaved rounds: each round measures every operation at each concurrency in turn, starting with another one each round, so that a burst of other work on the shared machine falls on one round of one operation rather than on every point of one. Each row is the round whose throughput is the median of the rounds (all its figures from that round); *ops/s by round* lists every round's.", ob.Rounds)
	}
	w.l("| Clients | Operation | ops/s | p50 | p90 | p99 | max | server CPU | client CPU | crypto per operation | crypto limit ops/s | fraction of the limit | errors | ops/s by round |")
	w.l("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|")
	for _, c := range ob.Concurrency {
		for _, op := range OAuthOps {
			if why := ob.unsupports(op); why != "" {
				if c == ob.Concurrency[0] {
					w.l("| | %s | %s | | | | | | | | | | | |", OpTitle[op], cell(why))
				}
				continue
			}
			p := ob.Point(op, c)
			if p == nil {
				continue
			}
			rec, lim, frac := "none", "—", "—"
			if l, rc, ok := OAuthCryptoLimit(r, op); ok {
				rec, lim, frac = rc, f0(l), fmt.Sprintf("%.0f%%", 100*p.Throughput/l)
			}
			errs := fmt.Sprintf("%d", p.Errors)
			if p.Errors > 0 && p.ErrorSample != "" {
				errs += " (" + cell(trunc(p.ErrorSample, 80)) + ")"
			}
			var rates []string
			for _, v := range ob.RoundRates(op, c) {
				rates = append(rates, f0(v))
			}
			w.l("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", c, OpTitle[op], f0(p.Throughput), f2(p.Latency.P50), f2(p.Latency.P90),
				f2(p.Latency.P99), f2(p.Latency.Max), f3(p.ServerCPUms), f3(p.ClientCPUms), rec, lim, frac, errs, strings.Join(rates, ", "))
		}
	}
	w.l("")
	if len(ob.Signatures) > 0 {
		var parts []string
		for _, op := range []string{OpCodeExchange, OpClientCreds} {
			if n, ok := ob.Signatures[op]; ok {
				parts = append(parts, fmt.Sprintf("%s %g", OpTitle[op], n))
			}
		}
		w.p("*Crypto per operation*: the RS256 signatures are counted in one answer of each operation before the points (the answer's tokens that are JWTs with `alg: RS256`: %s), each at the cost of one `rsa2048-sign` of [The physical limit](#the-physical-limit); the password sign-in's recipe is the main table's. The limit is cores × 10⁹ / Σ ns, as there; the hosted sign-in's is its password check alone (its answer carries a code, no token: the tokens are signed when the code is redeemed).", strings.Join(parts, ", "))
	}
	if len(ob.Minting) > 0 {
		var parts []string
		for _, m := range ob.Minting {
			at := ""
			if m.Round > 0 {
				at = fmt.Sprintf("round %d, ", m.Round)
			}
			s := fmt.Sprintf("%sfor the %d-client point: %d codes (%d wanted) by %d concurrent hosted sign-ins in %.1fs", at, m.Concurrency, m.Codes, m.Wanted, m.Clients, m.Seconds)
			if m.Failed > 0 {
				s += fmt.Sprintf(", %d sign-ins failed", m.Failed)
			}
			s += fmt.Sprintf(", %d left unredeemed", m.Left)
			if m.RanOut > 0 {
				s += fmt.Sprintf(", %d operations found no code left (counted as errors)", m.RanOut)
			}
			parts = append(parts, s)
		}
		w.p("**Codes for the exchange.** A code is single-use and lives 5 minutes, so before each exchange point the load generator mints the codes it will redeem — the point's expected operations over warm-up and window (1.5 × an estimate of twice the password sign-in rate last measured at that concurrency, 600/s before one is), at most -max-ops plus the warm-up's share — each by a hosted sign-in from a fresh cookie jar: GET /oauth2/authorize (302 to /login), GET /login, POST /login with the CSRF cookie and field, the code read from the 303's Location; each with its own PKCE verifier and S256 challenge, on %d users. Then it waits for the server to go idle, and measures. Minted: %s.", ob.PoolUsers, joinSemi(parts))
	}
	w.p("**cognito-local** is not measured here: %s", or(ob.CognitoLocal, "it has no OAuth 2.0 endpoints."))
	for _, n := range ob.Notes {
		w.p("%s", n)
	}
}

// PreviousOAuthNote sums up the headline figures of the section a new run replaces (the machine
// is shared: the report shows the last run only), or "" when there is none.
func PreviousOAuthNote(prev *OAuthBench) string {
	if prev == nil {
		return ""
	}
	c := prev.mainConcurrency()
	var parts []string
	for _, op := range []string{OpCodeExchange, OpClientCreds, OpPassword} {
		if p := prev.Point(op, c); p != nil && p.Ops > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f/s", OpTitle[op], p.Throughput))
		}
	}
	if p := prev.Point(OpHostedPage, c); p != nil && p.Ops > 0 {
		parts = append(parts, fmt.Sprintf("%s p50 %.2f ms, p99 %.2f ms", OpTitle[OpHostedPage], p.Latency.P50, p.Latency.P99))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("The run before this one (%s → %s, load average %s at the start and %s at the end), at %d clients: %s.",
		prev.Started.Format("2006-01-02 15:04 UTC"), prev.Finished.Format("15:04 UTC"), prev.LoadAvg, or(prev.LoadAvgEnd, "—"), c, joinSemi(parts))
}
