package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/oauth2"

	"github.com/cognatehq/cognate/bench/report"
)

// The OAuth 2.0 section (issue 14): the token endpoint's authorization_code and
// client_credentials grants and the hosted sign-in page, on `cognate serve` alone, driven with
// net/http as a web app, a service and a browser would drive them.
const (
	oauthCallback = "http://localhost:3000/cb"
	oauthResource = "https://api.bench.example"
	oauthScope    = oauthResource + "/read"
)

// oauthEnv is what the section's workloads share.
type oauthEnv struct {
	s                *session
	base             string
	ccID, ccSecret   string
	webID            string
	pageQuery        string // a valid authorization request for the page workload
	mu               sync.Mutex
	workers          []*http.Client
	codes            chan mintedCode
	ranOut           atomic.Int64
	csrfField        *regexp.Regexp
	signatureCounted map[string]float64
	logf             func(string, ...any)
}

type mintedCode struct{ code, verifier string }

var errNoCode = errors.New("no authorization code left: the minting step made too few")

// newWorkerClient is one worker's own net/http client: its own transport (keep-alive on), no
// redirects followed (each hop is checked), no cookie jar unless the workload brings one.
func newWorkerClient() *http.Client {
	tr := &http.Transport{MaxIdleConns: 4, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		DisableCompression: true, ResponseHeaderTimeout: 60 * time.Second}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// resetWorkers gives each of n workers a fresh client, closing the previous ones' connections.
func (e *oauthEnv) resetWorkers(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.workers {
		c.CloseIdleConnections()
	}
	e.workers = make([]*http.Client, n)
	for i := range e.workers {
		e.workers[i] = newWorkerClient()
	}
}

func (e *oauthEnv) worker(w int) *http.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.workers[w]
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func do(c *http.Client, req *http.Request) (answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func (a answer) short() string {
	return fmt.Sprintf("%d %s", a.status, trunc(strings.ReplaceAll(string(a.body), "\n", " "), 160))
}

// pkcePair is a verifier and its S256 challenge.
func pkcePair() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeQuery is the web client's authorization request: code flow, PKCE S256.
func (e *oauthEnv) authorizeQuery(challenge, state string) string {
	return url.Values{"response_type": {"code"}, "client_id": {e.webID}, "redirect_uri": {oauthCallback}, "state": {state},
		"scope": {"openid email"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
}

// loginPage is GET /login?query: the hosted sign-in page, with its CSRF field.
func (e *oauthEnv) loginPage(ctx context.Context, c *http.Client, query string) (csrf string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/login?"+query, nil)
	if err != nil {
		return "", err
	}
	a, err := do(c, req)
	if err != nil {
		return "", fmt.Errorf("GET /login: %w", err)
	}
	if a.status != http.StatusOK {
		return "", fmt.Errorf("GET /login: %s", a.short())
	}
	m := e.csrfField.FindSubmatch(a.body)
	if m == nil {
		return "", errors.New("GET /login: no csrf field in the page")
	}
	return string(m[1]), nil
}

// hostedSignIn signs user in through the hosted pages from a fresh cookie jar on transport c's,
// and returns the code of the 303 to the callback. viaAuthorize starts at /oauth2/authorize.
func (e *oauthEnv) hostedSignIn(ctx context.Context, c *http.Client, query, user string, viaAuthorize bool) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	b := &http.Client{Transport: c.Transport, Jar: jar, CheckRedirect: c.CheckRedirect}
	if viaAuthorize {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/oauth2/authorize?"+query, nil)
		if err != nil {
			return "", err
		}
		a, err := do(b, req)
		if err != nil {
			return "", fmt.Errorf("GET /oauth2/authorize: %w", err)
		}
		if a.status != http.StatusFound || !strings.HasPrefix(a.header.Get("Location"), "/login?") {
			return "", fmt.Errorf("GET /oauth2/authorize: %s, Location %q; want 302 to /login", a.short(), a.header.Get("Location"))
		}
	}
	csrf, err := e.loginPage(ctx, b, query)
	if err != nil {
		return "", err
	}
	form := url.Values{"csrf": {csrf}, "username": {user}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/login?"+query, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	a, err := do(b, req)
	if err != nil {
		return "", fmt.Errorf("POST /login: %w", err)
	}
	loc := a.header.Get("Location")
	if a.status != http.StatusSeeOther || !strings.HasPrefix(loc, oauthCallback+"?") {
		return "", fmt.Errorf("POST /login: %s, Location %q; want 303 to the callback", a.short(), loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	code := u.Query().Get("code")
	if code == "" {
		return "", fmt.Errorf("POST /login: callback %q without a code", loc)
	}
	return code, nil
}

// tokenPost is POST /oauth2/token; basic, when set, is the client's id and secret in HTTP Basic.
func (e *oauthEnv) tokenPost(ctx context.Context, c *http.Client, form url.Values, basic []string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	a, err := do(c, req)
	if err != nil {
		return nil, fmt.Errorf("POST /oauth2/token: %w", err)
	}
	if a.status != http.StatusOK {
		return nil, fmt.Errorf("POST /oauth2/token %s: %s", form.Get("grant_type"), a.short())
	}
	var out map[string]any
	if err := json.Unmarshal(a.body, &out); err != nil {
		return nil, fmt.Errorf("POST /oauth2/token %s: %w", form.Get("grant_type"), err)
	}
	return out, nil
}

func (e *oauthEnv) clientCredentials(ctx context.Context, c *http.Client) (map[string]any, error) {
	out, err := e.tokenPost(ctx, c, url.Values{"grant_type": {"client_credentials"}, "scope": {oauthScope}}, []string{e.ccID, e.ccSecret})
	if err != nil {
		return nil, err
	}
	if s, _ := out["access_token"].(string); s == "" {
		return nil, errors.New("client_credentials: no access_token")
	}
	return out, nil
}

func (e *oauthEnv) exchange(ctx context.Context, c *http.Client, mc mintedCode) (map[string]any, error) {
	out, err := e.tokenPost(ctx, c, url.Values{"grant_type": {"authorization_code"}, "client_id": {e.webID}, "code": {mc.code},
		"redirect_uri": {oauthCallback}, "code_verifier": {mc.verifier}}, nil)
	if err != nil {
		return nil, err
	}
	if s, _ := out["id_token"].(string); s == "" {
		return nil, errors.New("authorization_code: no id_token")
	}
	return out, nil
}

// rs256JWTs counts the RS256-signed JWTs among a token answer's tokens.
func rs256JWTs(out map[string]any) float64 {
	n := 0.0
	for _, k := range []string{"access_token", "id_token", "refresh_token"} {
		s, _ := out[k].(string)
		parts := strings.Split(s, ".")
		if len(parts) != 3 {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			continue
		}
		var h struct{ Alg string }
		if json.Unmarshal(raw, &h) == nil && h.Alg == "RS256" {
			n++
		}
	}
	return n
}

// mint makes n codes with clients concurrent hosted sign-ins (each its own PKCE pair and a
// random seeded user) into e.codes.
func (e *oauthEnv) mint(ctx context.Context, n, clients int) report.CodeMinting {
	m := report.CodeMinting{Wanted: n, Clients: clients}
	e.codes = make(chan mintedCode, n)
	start := time.Now()
	mctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newWorkerClient()
			defer c.CloseIdleConnections()
			for i := next.Add(1); i <= int64(n) && mctx.Err() == nil; i = next.Add(1) {
				verifier, challenge := pkcePair()
				code, err := e.hostedSignIn(mctx, c, e.authorizeQuery(challenge, fmt.Sprintf("m%d", i)), e.s.randomUser(), true)
				if err != nil {
					if failed.Add(1) == 1 {
						firstErr.Store(err)
					}
					if failed.Load() > 100 {
						return
					}
					continue
				}
				e.codes <- mintedCode{code: code, verifier: verifier}
			}
		}()
	}
	wg.Wait()
	m.Seconds = time.Since(start).Seconds()
	m.Codes, m.Failed = len(e.codes), int(failed.Load())
	if err, ok := firstErr.Load().(error); ok {
		e.logf("  minting: %d failed, first: %v", m.Failed, err)
	}
	return m
}

// oauthRun measures the section on a `cognate serve --memory` of its own.
func (b *bench) oauthRun(ctx context.Context, command string) (*report.OAuthBench, error) {
	o := b.o
	m := machine()
	concs := []int{1}
	if o.mainConcurrency != 1 {
		concs = append(concs, o.mainConcurrency)
	}
	users := o.pools[0]
	ob := &report.OAuthBench{SectionRun: report.SectionRun{Quick: o.quick, Command: command, Started: time.Now().UTC(), LoadAvg: m.LoadAvg, Cores: m.Cores, PoolUsers: users},
		Concurrency: concs, DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(), MaxOps: o.maxOps, Rounds: o.oauthRounds, Signatures: map[string]float64{}}
	b.logf("oauth: load average %s", m.LoadAvg)
	ob.CognitoLocal = b.probeCognitoLocalOAuth(ctx)

	c, t, serve, err := b.startCognate(ctx, "", "cognate-oauth.log")
	if err != nil {
		return nil, err
	}
	defer func() { c.stop(10 * time.Second) }()
	ob.Serve = serve
	b.logf("oauth: %s, seeding %d users through the API", serve, users)
	sd, n, err := seedAPI(ctx, t, 0, users, 16, 10*time.Minute, max(users/5, 50), nil)
	ob.Seeding = sd
	if err != nil {
		return nil, err
	}
	if n < users {
		return nil, fmt.Errorf("seeded %d of %d users", n, users)
	}
	s := &session{t: t, users: users, signupTag: "o"}
	e, err := setupOAuth(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("oauth setup: %w", err)
	}
	e.logf = b.logf
	ob.Setup = fmt.Sprintf("Setup through the SDK, in the ready pool: `CreateResourceServer` %s with the scope `read`; a confidential client (`GenerateSecret`, `AllowedOAuthFlows: [client_credentials]`, `AllowedOAuthScopes: [%s]`); a public client (`AllowedOAuthFlows: [code]`, scopes `openid email`, callback `%s`, identity provider COGNITO).", oauthResource, oauthScope, oauthCallback)

	fns := map[string]opFunc{}
	var ops []string
	for _, op := range report.OAuthOps {
		fn, err := e.prepare(ctx, op)
		if err != nil {
			ob.Unsupported = append(ob.Unsupported, report.Unsupported{Op: op, Reason: "not available: " + errText(err)})
			b.logf("  %-18s unsupported: %s", op, errText(err))
			continue
		}
		fns[op], ops = fn, append(ops, op)
	}
	// Interleaved rounds: each round measures every operation at each concurrency in turn,
	// starting with another one each round, so that a burst of other work on the machine falls
	// on one round of one operation rather than on every point of one operation.
	for round := 1; round <= ob.Rounds; round++ {
		for _, conc := range concs {
			for k := range ops {
				if ctx.Err() != nil {
					return ob, ctx.Err()
				}
				op := ops[(k+round-1)%len(ops)]
				p, mt := b.oauthPoint(ctx, e, ob, fns[op], op, conc, round)
				p.Round, p.PoolUsers = round, users
				if mt != nil {
					mt.Round = round
					ob.Minting = append(ob.Minting, *mt)
				}
				ob.Points = append(ob.Points, p)
				b.logf("  r%d %-18s c=%-3d %8.1f ops/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  server %6.3f ms/op  client %6.3f ms/op  errors %d %s",
					round, op, conc, p.Throughput, p.Latency.P50, p.Latency.P90, p.Latency.P99, p.ServerCPUms, p.ClientCPUms, p.Errors, p.ErrorSample)
				b.drain(ctx, e.s.t.pid, 0)
			}
		}
	}
	e.resetWorkers(0)
	for k, v := range e.signatureCounted {
		ob.Signatures[k] = v
	}
	ob.Finished = time.Now().UTC()
	ob.LoadAvgEnd = machine().LoadAvg
	b.logf("oauth: load average %s at the end", ob.LoadAvgEnd)
	return ob, nil
}

// oauthPoint measures op at conc once; for the code exchange it mints the point's codes first.
func (b *bench) oauthPoint(ctx context.Context, e *oauthEnv, ob *report.OAuthBench, fn opFunc, op string, conc, round int) (report.Point, *report.CodeMinting) {
	o := b.o
	var mt *report.CodeMinting
	if op == report.OpCodeExchange {
		// Twice the password sign-in rate last measured at this concurrency (the exchange signs
		// the same two tokens without the password check), 600/s before there is one.
		rate := 600.0
		for _, p := range ob.Points {
			if p.Op == report.OpPassword && p.Concurrency == conc && p.Throughput > 0 {
				rate = 2 * p.Throughput
			}
		}
		want := int(rate*(o.warmup+o.duration).Seconds()*1.5) + 4*conc
		want = min(want, o.maxOps+int(rate*o.warmup.Seconds()*1.5)+4*conc)
		mm := e.mint(ctx, want, 16)
		mm.Concurrency = conc
		b.logf("  r%d minted %d codes for %d clients in %.1fs (16 concurrent hosted sign-ins, %d failed)", round, mm.Codes, conc, mm.Seconds, mm.Failed)
		mt = &mm
		b.drain(ctx, e.s.t.pid, 0)
		e.ranOut.Store(0)
	}
	e.resetWorkers(conc)
	p := runPoint(ctx, pointSpec{op: op, concurrency: conc, warmup: o.warmup, duration: o.duration, maxOps: o.maxOps,
		serverPID: e.s.t.pid, hist: conc == o.mainConcurrency}, fn)
	if mt != nil {
		mt.Left, mt.RanOut = len(e.codes), int(e.ranOut.Load())
	}
	return p, mt
}

// setupOAuth creates the resource server and the two clients in the ready pool.
func setupOAuth(ctx context.Context, s *session) (*oauthEnv, error) {
	t := s.t
	if _, err := t.c.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(t.poolID), Identifier: aws.String(oauthResource),
		Name: aws.String("bench-api"), Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")}}}); err != nil {
		return nil, fmt.Errorf("CreateResourceServer: %w", err)
	}
	cc, err := t.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(t.poolID), ClientName: aws.String("bench-m2m"),
		GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"},
		AllowedOAuthScopes: []string{oauthScope}})
	if err != nil {
		return nil, fmt.Errorf("CreateUserPoolClient (client_credentials): %w", err)
	}
	web, err := t.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(t.poolID), ClientName: aws.String("bench-web"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid", "email"},
		CallbackURLs: []string{oauthCallback}, SupportedIdentityProviders: []string{"COGNITO"}})
	if err != nil {
		return nil, fmt.Errorf("CreateUserPoolClient (code): %w", err)
	}
	e := &oauthEnv{s: s, base: t.url, ccID: aws.ToString(cc.UserPoolClient.ClientId), ccSecret: aws.ToString(cc.UserPoolClient.ClientSecret),
		webID: aws.ToString(web.UserPoolClient.ClientId), csrfField: regexp.MustCompile(`name="csrf" value="([^"]+)"`), signatureCounted: map[string]float64{}}
	_, challenge := pkcePair()
	e.pageQuery = e.authorizeQuery(challenge, "bench-page")
	return e, nil
}

// prepare checks op once and returns the function the workers run.
func (e *oauthEnv) prepare(ctx context.Context, op string) (opFunc, error) {
	s := e.s
	switch op {
	case report.OpPassword:
		f := func(ctx context.Context, w, i int) error {
			_, err := s.t.passwordSignIn(ctx, s.randomUser())
			return err
		}
		return f, f(ctx, 0, 0)
	case report.OpClientCreds:
		c := newWorkerClient()
		defer c.CloseIdleConnections()
		out, err := e.clientCredentials(ctx, c)
		if err != nil {
			return nil, err
		}
		e.signatureCounted[op] = rs256JWTs(out)
		return func(ctx context.Context, w, i int) error {
			_, err := e.clientCredentials(ctx, e.worker(w))
			return err
		}, nil
	case report.OpCodeExchange:
		c := newWorkerClient()
		defer c.CloseIdleConnections()
		verifier, challenge := pkcePair()
		code, err := e.hostedSignIn(ctx, c, e.authorizeQuery(challenge, "check"), s.randomUser(), true)
		if err != nil {
			return nil, err
		}
		out, err := e.exchange(ctx, c, mintedCode{code: code, verifier: verifier})
		if err != nil {
			return nil, err
		}
		e.signatureCounted[op] = rs256JWTs(out)
		return func(ctx context.Context, w, i int) error {
			var mc mintedCode
			select {
			case mc = <-e.codes:
			default:
				e.ranOut.Add(1)
				return errNoCode
			}
			_, err := e.exchange(ctx, e.worker(w), mc)
			return err
		}, nil
	case report.OpHostedPage:
		c := newWorkerClient()
		defer c.CloseIdleConnections()
		if _, err := e.loginPage(ctx, c, e.pageQuery); err != nil {
			return nil, err
		}
		return func(ctx context.Context, w, i int) error {
			_, err := e.loginPage(ctx, e.worker(w), e.pageQuery)
			return err
		}, nil
	case report.OpHostedSignIn:
		c := newWorkerClient()
		defer c.CloseIdleConnections()
		if _, err := e.hostedSignIn(ctx, c, e.pageQuery, s.randomUser(), false); err != nil {
			return nil, err
		}
		return func(ctx context.Context, w, i int) error {
			_, err := e.hostedSignIn(ctx, e.worker(w), e.pageQuery, s.randomUser(), false)
			return err
		}, nil
	}
	return nil, fmt.Errorf("unknown operation %q", op)
}

// probeCognitoLocalOAuth asks cognito-local, when it is installed, for the section's endpoints
// once each, and says what it answered.
func (b *bench) probeCognitoLocalOAuth(ctx context.Context) string {
	c, t, version, err := b.startCognitoLocal(ctx)
	if err != nil {
		return "it could not be started to be asked (" + errText(err) + "); its README lists no OAuth 2.0 endpoint."
	}
	defer func() { c.stop(10 * time.Second) }()
	hc := newWorkerClient()
	defer hc.CloseIdleConnections()
	var parts []string
	_, challenge := pkcePair()
	authz := url.Values{"response_type": {"code"}, "client_id": {t.clientID}, "redirect_uri": {oauthCallback},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode()
	for _, probe := range []struct {
		method, path string
		body         url.Values
	}{
		{http.MethodPost, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {t.clientID}}},
		{http.MethodPost, "/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {t.clientID}, "code": {"bench-probe"},
			"redirect_uri": {oauthCallback}, "code_verifier": {oauth2.GenerateVerifier()}}},
		{http.MethodGet, "/oauth2/authorize?" + authz, nil},
		{http.MethodGet, "/login?" + authz, nil},
	} {
		var body io.Reader
		if probe.body != nil {
			body = bytes.NewReader([]byte(probe.body.Encode()))
		}
		req, err := http.NewRequestWithContext(ctx, probe.method, t.url+probe.path, body)
		if err != nil {
			continue
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		name := probe.method + " " + strings.SplitN(probe.path, "?", 2)[0]
		if g := probe.body.Get("grant_type"); g != "" {
			name += " " + g
		}
		a, err := do(hc, req)
		if err != nil {
			parts = append(parts, name+": "+errText(err))
			continue
		}
		parts = append(parts, fmt.Sprintf("`%s` → %s", name, trunc(a.short(), 120)))
	}
	return fmt.Sprintf("%s, asked once for each endpoint with its own pool's client (no callback URL registered), answered %s. "+
		"By its source (lib/oauth2/routes.js) it has the authorization_code grant with PKCE (its own sign-in form on /oauth2/authorize, codes kept in memory) and refresh_token, "+
		"but no client_credentials grant and no /login page; this section runs on Cognate alone, so its code exchange is not compared here.", version, strings.Join(parts, "; "))
}
