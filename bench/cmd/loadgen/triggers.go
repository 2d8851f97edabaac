package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cognatehq/cognate/bench/hook"
	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/bench/stats"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
)

// The trigger functions' names, as the pools' LambdaConfig names them (by ARN) and `cognate
// serve`'s --trigger-webhook and --lambda-endpoint route them (by name).
const (
	hookWebhookName = "bench-hook-webhook"
	hookLambdaName  = "bench-hook-lambda"
	hookARNPrefix   = "arn:aws:lambda:us-east-1:123456789012:function:"
)

// ---- the webhook receiver ----

// timings collects one duration per request, and the connections and requests a server saw, for
// one measured window at a time.
type timings struct {
	mu    sync.Mutex
	d     []time.Duration
	conns atomic.Int64
	calls atomic.Int64
}

func (t *timings) add(d time.Duration) {
	t.mu.Lock()
	t.d = append(t.d, d)
	t.mu.Unlock()
}

// take returns what was collected since the last take, and starts again.
func (t *timings) take() (d []time.Duration, conns, calls int64) {
	t.mu.Lock()
	d, t.d = t.d, nil
	t.mu.Unlock()
	return d, t.conns.Swap(0), t.calls.Swap(0)
}

func (t *timings) connState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		t.conns.Add(1)
	}
}

// hookReceiver is the webhook variant's function: it checks each request's signature with
// webhook.Verify, as a receiver must, answers as the bench hook does, and records its own time
// per request (from its handler's start to its answer written).
type hookReceiver struct {
	secret []byte
	times  timings
	failed atomic.Int64
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h.times.calls.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		_, err = webhook.Verify(h.secret, r.Header, body, start)
	}
	var out []byte
	if err == nil {
		out, err = hook.Handle(r.Context(), body)
	}
	if err != nil {
		h.failed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized) // a refusal: the sign-in fails and is counted
		_, _ = fmt.Fprintf(w, `{"errorMessage":%q}`, "bench receiver: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out) // Cognate sees a failed write as a failed invocation
	h.times.add(time.Since(start))
}

// serveLoopback serves h on a free loopback port until the returned stop is called.
func serveLoopback(h http.Handler, connState func(net.Conn, http.ConnState)) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ConnState: connState, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with Close
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// ---- the Lambda variant: the bench hook under the Runtime Interface Emulator ----

// emulators runs the bench hook under n Runtime Interface Emulators behind a dispatcher. The
// emulator runs one invocation at a time (a second concurrent Invoke crashes it), as one Lambda
// execution environment does; Lambda itself sends concurrent invocations to separate
// environments, and the dispatcher does the same: each Invoke goes to an idle emulator.
type emulators struct {
	kids   []*child
	free   chan string
	client *http.Client
	hops   timings // the dispatcher's own time per invocation (its total less the emulator's round trip)
	url    string
	stop   func()
	offs   []int64 // how far each emulator's log has been read
}

// repoRoot finds the directory holding infra/lambda/rie (make bench runs from the root).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "infra", "lambda", "rie", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("infra/lambda/rie not found above the working directory")
		}
		dir = parent
	}
}

// buildHook builds the emulator pinned in infra/lambda/rie (`go tool -n`, cached) and the bench
// hook, as infra/lambda/lambdarie does for the tests.
func buildHook(ctx context.Context, tmp string) (rie, fn string, err error) {
	root, err := repoRoot()
	if err != nil {
		return "", "", err
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", "", fmt.Errorf("go is not on PATH: %w", err)
	}
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(bctx, goCmd, "tool", "-n", "aws-lambda-rie")
	cmd.Dir = filepath.Join(root, "infra", "lambda", "rie")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("go tool -n aws-lambda-rie: %v: %s", err, tailString(errb.String(), 500))
	}
	rie = strings.TrimSpace(out.String())
	fn = filepath.Join(tmp, "benchhook", "bootstrap")
	cmd = exec.CommandContext(bctx, goCmd, "build", "-trimpath", "-tags", "lambda.norpc", "-o", fn, "./bench/cmd/benchhook")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	errb.Reset()
	cmd.Stdout, cmd.Stderr = &errb, &errb
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("go build ./bench/cmd/benchhook: %v: %s", err, tailString(errb.String(), 500))
	}
	return rie, fn, nil
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// startEmulators starts n emulators with the hook, warms each (its first Invoke starts the
// function) and the dispatcher in front of them.
func (b *bench) startEmulators(ctx context.Context, n int) (*emulators, error) {
	rie, fn, err := buildHook(ctx, b.tmp)
	if err != nil {
		return nil, err
	}
	e := &emulators{free: make(chan string, n), client: &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * n, MaxIdleConnsPerHost: 4,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true, ResponseHeaderTimeout: 60 * time.Second}}}
	ok := false
	defer func() {
		if !ok {
			e.close()
		}
	}()
	dir := filepath.Dir(fn)
	warm := []byte(`{"version":"1","triggerSource":"PreAuthentication_Authentication","region":"us-east-1","userPoolId":"us-east-1_Warm","userName":"warm",` +
		`"callerContext":{"awsSdkVersion":"aws-sdk-unknown-unknown","clientId":"warm"},"request":{"userAttributes":{}},"response":{}}`)
	for i := range n {
		var c *child
		var ep string
		for try := 1; ; try++ { // a free port may be taken before the emulator binds it
			c, ep, err = startEmulator(ctx, rie, fn, dir, filepath.Join(b.tmp, fmt.Sprintf("rie-%02d.log", i)))
			if err == nil {
				break
			}
			if try == 3 {
				return nil, err
			}
		}
		e.kids = append(e.kids, c)
		res, err := e.client.Post(ep+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(warm))
		if err != nil {
			return nil, fmt.Errorf("warming emulator %d: %w", i, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Contains(body, []byte(`"triggerSource":"PreAuthentication_Authentication"`)) {
			return nil, fmt.Errorf("warming emulator %d: %s %s; log: %s", i, res.Status, trunc(string(body), 200), c.tail())
		}
		e.free <- ep
	}
	e.offs = make([]int64, n)
	e.url, e.stop, err = serveLoopback(http.HandlerFunc(e.dispatch), e.hops.connState)
	if err != nil {
		return nil, err
	}
	ok = true
	return e, nil
}

func startEmulator(ctx context.Context, rie, fn, dir, logPath string) (*child, string, error) {
	invokePort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	apiPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	c, err := startChild("aws-lambda-rie", dir, []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_NAME=function", "AWS_REGION=us-east-1"}, logPath,
		rie, "--runtime-interface-emulator-address", "127.0.0.1:"+itoa(invokePort), "--runtime-api-address", "127.0.0.1:"+itoa(apiPort), "--log-level", "warn", fn)
	if err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+itoa(invokePort), 200*time.Millisecond); err == nil {
			_ = conn.Close() // only the listening mattered
			return c, "http://127.0.0.1:" + itoa(invokePort), nil
		}
		select {
		case <-c.exited:
			return nil, "", fmt.Errorf("the emulator exited: %s", c.tail())
		case <-ctx.Done():
			c.stop(5 * time.Second)
			return nil, "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop(5 * time.Second)
			return nil, "", fmt.Errorf("the emulator did not listen within 15s: %s", c.tail())
		}
	}
}

// dispatch hands one Invoke to an idle emulator and its answer back.
func (e *emulators) dispatch(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	e.hops.calls.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ep string
	select {
	case ep = <-e.free:
	case <-r.Context().Done():
		return
	}
	t0 := time.Now()
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, ep+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		e.free <- ep
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range r.Header {
		if strings.HasPrefix(k, "X-Amz-") || k == "Content-Type" {
			req.Header[k] = v
		}
	}
	res, err := e.client.Do(req)
	var out []byte
	if err == nil {
		out, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	up := time.Since(t0)
	e.free <- ep
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range res.Header {
		if strings.HasPrefix(k, "X-Amz-") || k == "Content-Type" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(out) // Cognate sees a failed write as a failed invocation
	e.hops.add(time.Since(start) - up)
}

// durations reads the REPORT Duration of every invocation the emulators logged since the last
// call (ms).
func (e *emulators) durations() []float64 {
	var out []float64
	for i, c := range e.kids {
		f, err := os.Open(c.log.Name())
		if err != nil {
			continue
		}
		if _, err := f.Seek(e.offs[i], io.SeekStart); err == nil {
			raw, _ := io.ReadAll(f)
			// Only whole lines: a line being written is read next time.
			if k := bytes.LastIndexByte(raw, '\n'); k >= 0 {
				out = append(out, reportDurations(raw[:k+1])...)
				e.offs[i] += int64(k + 1)
			}
		}
		_ = f.Close() // read only
	}
	return out
}

// skip moves past everything logged so far.
func (e *emulators) skip() { _ = e.durations() }

// reportDurations reads the emulator's REPORT lines:
//
//	REPORT RequestId: <id>\t[Init Duration: 1.23 ms\t]Duration: 0.45 ms\tBilled Duration: 1 ms\t…
//
// and returns each Duration in ms: the emulator's time for the invocation, from handing the
// event to the function through the Runtime API to receiving its answer.
func reportDurations(log []byte) []float64 {
	var out []float64
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "REPORT RequestId:") {
			continue
		}
		_, rest, ok := strings.Cut(line, "\tDuration: ")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, " ")
		if v, err := strconv.ParseFloat(num, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}

func (e *emulators) close() {
	if e.stop != nil {
		e.stop()
	}
	for _, c := range e.kids {
		c.stop(5 * time.Second)
	}
}

// ---- pools ----

// createTriggerPool creates a pool like the ready pool (email as username, a public client with
// password, SRP and refresh flows) with lc as its LambdaConfig, through the SDK.
func createTriggerPool(ctx context.Context, admin *target, name string, lc *types.LambdaConfigType) (*target, error) {
	p, err := admin.c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bench-" + name),
		UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}, LambdaConfig: lc})
	if err != nil {
		return nil, fmt.Errorf("CreateUserPool %s: %w", name, err)
	}
	cl, err := admin.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id, ClientName: aws.String("bench-" + name),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		return nil, fmt.Errorf("CreateUserPoolClient %s: %w", name, err)
	}
	t := *admin
	t.poolID, t.clientID = aws.ToString(p.UserPool.Id), aws.ToString(cl.UserPoolClient.ClientId)
	return &t, nil
}

func triggerConfig(function string) *types.LambdaConfigType {
	arn := hookARNPrefix + function
	return &types.LambdaConfigType{PreAuthentication: aws.String(arn),
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaArn: aws.String(arn), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}}
}

// checkClaim signs one user in and reads the hook's claim from both tokens: present on a pool
// with triggers (they fired, and the answer reached the tokens), absent on the plain one.
func checkClaim(ctx context.Context, t *target, want bool) (string, error) {
	res, err := t.passwordSignIn(ctx, userEmail(0))
	if err != nil {
		return "", err
	}
	got := map[string]any{}
	for use, raw := range map[string]*string{"ID": res.IdToken, "access": res.AccessToken} {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(aws.ToString(raw), claims); err != nil {
			return "", fmt.Errorf("%s token: %w", use, err)
		}
		got[use] = claims[hook.Claim]
	}
	if want {
		if got["ID"] != hook.Value || got["access"] != hook.Value {
			return "", fmt.Errorf("the tokens do not carry %s=%s (ID: %v, access: %v): the triggers did not fire", hook.Claim, hook.Value, got["ID"], got["access"])
		}
		return fmt.Sprintf("one sign-in before the rounds returned an ID and an access token carrying `%s: %q`", hook.Claim, hook.Value), nil
	}
	if got["ID"] != nil || got["access"] != nil {
		return "", fmt.Errorf("the plain pool's tokens carry %s", hook.Claim)
	}
	return fmt.Sprintf("one sign-in before the rounds returned tokens without `%s`", hook.Claim), nil
}

// ---- the section ----

type triggerVariant struct {
	report.TriggerVariant
	s *session
	// collect returns the function's own times (ms) over the last window, and the dispatcher's
	// (ms) and the connections per invocation where there are.
	open    func()
	collect func() (fn, hop []float64, connsPerCall float64)
}

// triggerRun measures sign-in on three pools of one `cognate serve`: without triggers, with
// PreAuthentication and PreTokenGeneration V2_0 sent to a webhook receiver in this process, and
// to the bench hook under the Runtime Interface Emulator.
func (b *bench) triggerRun(ctx context.Context, command string) (*report.TriggerBench, error) {
	o := b.o
	m := machine()
	users := min(o.pools[0], o.triggerUsers)
	tb := &report.TriggerBench{SectionRun: report.SectionRun{Quick: o.quick, Command: command, Started: time.Now().UTC(), LoadAvg: m.LoadAvg, Cores: m.Cores, PoolUsers: users},
		Concurrency: o.mainConcurrency, Rounds: o.triggerRounds, DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds()}
	b.logf("sign-in with triggers: %d rounds, %d clients, %d users per pool", tb.Rounds, tb.Concurrency, users)

	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	recv := &hookReceiver{secret: []byte(hex.EncodeToString(secret))}
	hookURL, stopRecv, err := serveLoopback(recv, recv.times.connState)
	if err != nil {
		return nil, err
	}
	defer stopRecv()

	lambdaWhy := ""
	emu, err := b.startEmulators(ctx, o.mainConcurrency)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lambdaWhy = "the Runtime Interface Emulator could not be started: " + trunc(strings.ReplaceAll(err.Error(), "\n", " "), 300)
		b.logf("  %s", lambdaWhy)
	} else {
		defer emu.close()
		b.logf("  %d emulators with the bench hook behind the dispatcher at %s", len(emu.kids), emu.url)
	}

	// The server is `loadgen server`: Cognate wired by pkg/app/local as `cognate serve` wires it
	// (the embedded store in a temporary file, one request per core in flight), its trigger
	// Invoker built as serve builds it from the same flags, and a triggers.Trace on every request
	// that reports Cognate's time per invocation (GET /_bench/triggers): that trace exists only
	// in this bench binary.
	extra := []string{"--trigger-webhook", hookWebhookName + "=" + hookURL + "/hook", "--webhook-secret", string(recv.secret)}
	shown := "loadgen server --trigger-webhook " + hookWebhookName + "=http://127.0.0.1:<port>/hook --webhook-secret <random>"
	if emu != nil {
		extra = append(extra, "--lambda-endpoint", hookLambdaName+"="+emu.url)
		shown += " --lambda-endpoint " + hookLambdaName + "=http://127.0.0.1:<dispatcher>"
	}
	c, admin, err := b.startInproc(ctx, "loadgen-server-triggers.log", extra...)
	if err != nil {
		return nil, err
	}
	defer func() { c.stop(10 * time.Second) }()
	tb.Serve = shown + " --addr 127.0.0.1:<free port>"
	if o.pin {
		tb.Pinned = pinnedText
	}
	cognateTimes := func() invocationTimesJSON {
		var t invocationTimesJSON
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, admin.url+"/_bench/triggers", nil)
		res, err := sharedHTTP.Do(req)
		if err != nil {
			return t
		}
		defer res.Body.Close()
		_ = json.NewDecoder(res.Body).Decode(&t) // none read: the window shows no Cognate time
		return t
	}

	fnTimes := func(ds []time.Duration) []float64 {
		out := make([]float64, len(ds))
		for i, d := range ds {
			out[i] = stats.Ms(d)
		}
		return out
	}
	perCall := func(conns, calls int64) float64 {
		if calls == 0 {
			return 0
		}
		return float64(conns) / float64(calls)
	}
	variants := []*triggerVariant{
		{TriggerVariant: report.TriggerVariant{Name: report.TrigPlain, Desc: "the pool has no LambdaConfig: the same sign-in, no trigger."}},
		{TriggerVariant: report.TriggerVariant{Name: report.TrigWebhook, Invocations: 2,
			Desc:        "`LambdaConfig` names `" + hookARNPrefix + hookWebhookName + "` for both triggers; `cognate serve --trigger-webhook` POSTs their events, signed, to a receiver in the load generator on loopback, which checks each signature with `webhook.Verify` and answers as the bench hook (bench/hook: PreAuthentication unchanged, PreTokenGeneration adding one claim to each token).",
			FunctionHow: "the receiver's handler time per request, from its start to its answer written (reading the body, `webhook.Verify`, the hook's decode and encode), median over the window"},
			open: func() { recv.times.take(); cognateTimes() },
			collect: func() ([]float64, []float64, float64) {
				d, conns, calls := recv.times.take()
				return fnTimes(d), nil, perCall(conns, calls)
			}},
		{TriggerVariant: report.TriggerVariant{Name: report.TrigRIE, Invocations: 2, Unavailable: lambdaWhy,
			Desc:        fmt.Sprintf("`LambdaConfig` names `%s%s`; `cognate serve --lambda-endpoint` invokes it with the aws-sdk-go-v2 Lambda client (pkg/trigger/lambdainvoke) at a dispatcher in the load generator, which hands each Invoke to one of %d AWS Lambda Runtime Interface Emulators (infra/lambda/rie) running the bench hook (bench/cmd/benchhook, aws-lambda-go): the emulator runs one invocation at a time, as one Lambda execution environment does.", hookARNPrefix, hookLambdaName, o.mainConcurrency),
			FunctionHow: "the emulator's `REPORT … Duration` of each invocation (the function's run and the emulator's Runtime API hand-offs around it), median over the window; the dispatcher's own time is shown beside it and is not subtracted"}},
	}
	if emu != nil {
		variants[2].open = func() { emu.skip(); emu.hops.take(); cognateTimes() }
		variants[2].collect = func() ([]float64, []float64, float64) {
			hops, conns, calls := emu.hops.take()
			return emu.durations(), fnTimes(hops), perCall(conns, calls)
		}
	}

	configs := map[string]*types.LambdaConfigType{report.TrigWebhook: triggerConfig(hookWebhookName), report.TrigRIE: triggerConfig(hookLambdaName)}
	for _, v := range variants {
		if v.Unavailable != "" {
			continue
		}
		t, err := createTriggerPool(ctx, admin, v.Name, configs[v.Name])
		if err != nil {
			return nil, err
		}
		sd, n, err := seedAPI(ctx, t, 0, users, 16, 10*time.Minute, max(users/5, 50), nil)
		if err != nil {
			return nil, fmt.Errorf("seeding the %s pool: %w", v.Name, err)
		}
		b.logf("  %s pool %s: %d users in %.1fs", v.Name, t.poolID, n, sd.Seconds)
		v.s = &session{t: t, users: n, signupTag: "t" + v.Name}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		v.ClaimCheck, err = checkClaim(cctx, t, v.Invocations > 0)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s pool: %w", v.Name, err)
		}
	}
	for _, v := range variants {
		tb.Variants = append(tb.Variants, v.TriggerVariant)
	}

	retries0 := clientRetries.Load()
	ops := []string{report.OpPassword}
	if o.ops[report.OpSRP] {
		ops = append(ops, report.OpSRP)
	}
	prevRate := map[string]float64{}
	concs := []int{1, tb.Concurrency}
	if tb.Concurrency == 1 {
		concs = concs[:1]
	}
	for _, op := range ops {
		for _, conc := range concs {
			b.logf("  %s at %d clients", op, conc)
			for rd := 1; rd <= tb.Rounds; rd++ {
				// Each round starts with another variant, so none is always measured first.
				order := slices.Concat(variants[(rd-1)%len(variants):], variants[:(rd-1)%len(variants)])
				for _, v := range order {
					if v.s == nil || ctx.Err() != nil {
						continue
					}
					s := v.s
					fn := func(ctx context.Context, w, i int) error {
						_, err := s.t.passwordSignIn(ctx, s.randomUser())
						return err
					}
					if op == report.OpSRP {
						est := prevRate[v.Name+itoa(conc)]
						if est == 0 {
							est = 150
						}
						primeSRP(s, min(max(int(est*(o.warmup+o.duration).Seconds()*1.3)+2*conc, 64), o.maxOps+4*conc))
						fn = func(ctx context.Context, w, i int) error { return s.srpSignIn(ctx, s.randomUser()) }
					}
					var fnMs, hopMs []float64
					var cog invocationTimesJSON
					var conns float64
					spec := pointSpec{op: op, concurrency: conc, warmup: o.warmup, duration: o.duration, maxOps: o.maxOps, serverPID: c.pid()}
					if v.collect != nil {
						spec.onOpen = v.open
						spec.onClose = func() { fnMs, hopMs, conns = v.collect(); cog = cognateTimes() }
					}
					p := runPoint(ctx, spec, fn)
					if op == report.OpSRP {
						if n := s.srpInline.Swap(0); n > 0 {
							p.Note = fmt.Sprintf("%d client keys computed inside the window", n)
						}
					}
					prevRate[v.Name+itoa(conc)] = p.Throughput
					tp := report.TriggerPoint{Variant: v.Name, Round: rd, Point: p, FnSamples: len(fnMs), HopP50Ms: round3(median(hopMs)), ConnsPerCall: round3(conns)}
					if len(fnMs) > 0 {
						tp.FnP50Ms, tp.FnMeanMs = round3(median(fnMs)), round3(mean(fnMs))
					}
					if n := len(cog.Took); n > 0 {
						tp.CognateSamples, tp.CognateP50Ms, tp.CognateMeanMs = n, round3(median(cog.Took)), round3(mean(cog.Took))
					}
					tb.Points = append(tb.Points, tp)
					b.logf("    %-8s %-10s round %d: %7.1f ops/s  p50 %6.2f ms  p95 %6.2f  p99 %6.2f  server %5.2f ms/op  function p50 %.3f ms (%d)  Cognate's invocation p50 %.3f ms (%d)  dispatch %.3f  conns/call %.2f  errors %d %s",
						op, v.Name, rd, p.Throughput, p.Latency.P50, p.Latency.P95, p.Latency.P99, p.ServerCPUms, tp.FnP50Ms, tp.FnSamples, tp.CognateP50Ms, tp.CognateSamples, tp.HopP50Ms, tp.ConnsPerCall, p.Errors, p.ErrorSample)
					b.drain(ctx, c.pid(), 0)
				}
			}
		}
	}
	if n := clientRetries.Load() - retries0; n > 0 {
		tb.Notes = append(tb.Notes, fmt.Sprintf("The load generator's SDK client made %d calls again, once each, after its own HTTP client closed the connection under an answer the server had sent whole with status 200 (\"deserialization failed, failed to decode response body, read tcp …: use of closed network connection\", aws-sdk-go-v2#2737; the SDK's standard retryer retries it, the bench's retries nothing else). A call whose retry failed the same way is counted in the errors column. Seen only on the SRP sign-in's InitiateAuth, mostly at 1 client; a plain net/http client sent 3,000 such calls to `cognate serve` and read every answer whole.", n))
	}
	if n := recv.failed.Load(); n > 0 {
		tb.Notes = append(tb.Notes, fmt.Sprintf("The webhook receiver refused %d requests (signature or decoding): those sign-ins are counted as errors.", n))
	}
	for _, v := range []string{report.TrigWebhook, report.TrigRIE} {
		if m, _, ok := tb.Overhead(v, report.OpPassword, tb.Concurrency); ok {
			b.logf("  overhead per trigger invocation, %s, password sign-in: %.3f ms", v, m)
		}
	}
	if ctx.Err() != nil {
		return tb, ctx.Err()
	}

	b.logf("  the trigger path in-process (testing.Benchmark, %v each)", o.benchtime)
	ip, err := triggerBenchmarks(o.benchtime)
	tb.InProcess = ip
	for _, x := range ip {
		b.logf("    %-24s %9.0f ns/op  %4d allocs/op", x.Name, x.NsPerOp, x.AllocsPerOp)
	}
	if err != nil {
		tb.Notes = append(tb.Notes, "In-process benchmarks incomplete: "+err.Error())
	}
	tb.Finished = time.Now().UTC()
	tb.LoadAvgEnd = machine().LoadAvg
	return tb, nil
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mean(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	return sum / float64(len(vs))
}

func round3(v float64) float64 { return round(v, 3) }
