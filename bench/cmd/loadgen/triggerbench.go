package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/bench/hook"
	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// triggerBenchmarks measures the trigger path alone in this process: triggers.Run — the entry
// point the sign-in and the token lineage call — with the event filled as they fill it, through
// an Invoker that answers what the bench hook answers (canned, so no function runs), and through
// the real webhook Invoker to a receiver on loopback that answers at once. What the operations do
// with the answer afterwards (lineage's claim edits) is unexported and not included.
func triggerBenchmarks(benchtime time.Duration) ([]report.InProcBench, error) {
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		return nil, err
	}
	const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:bench-hook"
	pool := &model.Pool{UserPoolType: model.UserPoolType{Id: "us-east-1_BenchTrig1", LambdaConfig: &model.LambdaConfigType{
		PreAuthentication:        fnARN,
		PreTokenGenerationConfig: &model.PreTokenGenerationVersionConfigType{LambdaVersion: "V2_0", LambdaArn: fnARN}}}}
	user := &model.User{UserRecord: &model.UserRecord{Username: "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10", Status: "CONFIRMED", Enabled: true,
		Attrs: map[string]string{"email": "u0000001@" + emailDomain, "email_verified": "true"}}, Stored: &store.User{Sub: "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10"}}
	const clientID = "benchclient000000000000001"
	preAuth := triggers.Call{Source: trigger.PreAuthenticationAuthentication, UserName: user.Username, ClientID: clientID}
	fillPreAuth := func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPreAuthentication).Request
		req.UserAttributes = triggers.UserAttributes(user)
	}
	preToken := triggers.Call{Source: trigger.TokenGenerationAuthentication, UserName: user.Username, ClientID: clientID}
	fillPreToken := func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0).Request
		req.UserAttributes = triggers.UserAttributes(user)
		req.Scopes = []string{"aws.cognito.signin.user.admin"}
		req.GroupConfiguration = events.GroupConfigurationV2_0{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}}
	}

	// The hook's answers to exactly the events Run sends.
	ctx := context.Background()
	canned := map[trigger.Source]json.RawMessage{}
	record := triggers.New(trigger.InvokerFunc(func(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
		raw, err := json.Marshal(event)
		if err != nil {
			return nil, err
		}
		out, err := hook.Handle(ctx, raw)
		if err != nil {
			return nil, err
		}
		var h struct {
			TriggerSource trigger.Source `json:"triggerSource"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, err
		}
		canned[h.TriggerSource] = out
		return out, nil
	}), "us-east-1")
	if _, err := record.Run(ctx, pool, preAuth, fillPreAuth); err != nil {
		return nil, err
	}
	if _, err := record.Run(ctx, pool, preToken, fillPreToken); err != nil {
		return nil, err
	}
	// Every backend takes the event it is given as trigger.Payload does (the wire JSON, as it
	// is); the canned Invoker does that much and no more.
	cannedFor := func(src trigger.Source) *triggers.Triggers {
		answer := canned[src]
		return triggers.New(trigger.InvokerFunc(func(_ context.Context, _ trigger.FunctionRef, _ trigger.Invocation, event any) (json.RawMessage, error) {
			if _, err := trigger.Payload(event); err != nil {
				return nil, err
			}
			return answer, nil
		}), "us-east-1")
	}
	trPreAuth, trPreToken := cannedFor(trigger.PreAuthenticationAuthentication), cannedFor(trigger.TokenGenerationAuthentication)
	checkPreToken := func(ev any) error {
		e, ok := ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0)
		if !ok || e.Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration.ClaimsToAddOrOverride[hook.Claim] != hook.Value {
			return fmt.Errorf("PreTokenGeneration answer not read back: %T", ev)
		}
		return nil
	}

	// A receiver on loopback that answers at once with the hook's answer: the webhook's own
	// cost per invocation (signing, the HTTP round trip, the receiver's net/http server in this
	// process) without a function.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var conns atomic.Int64
	answer := canned[trigger.TokenGenerationAuthentication]
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // read whole, as a receiver must to verify it
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer) // a failed write fails the caller's benchmark
		})}
	go func() { _ = srv.Serve(ln) }()  // ends with Close below
	defer func() { _ = srv.Close() }() // the benchmarks are over
	hooks, err := webhook.New([]byte("bench-webhook-secret-0123456789"), map[string]string{fnARN: "http://" + ln.Addr().String() + "/hook"}, nil, nil)
	if err != nil {
		return nil, err
	}
	trHook := triggers.New(hooks, "us-east-1")

	// The same for the Lambda backend: pkg/trigger/lambdainvoke with the Lambda client `cognate
	// serve --lambda-endpoint` builds (SigV4 signing, the SDK's middleware), routed to a loopback
	// endpoint that answers at once, as the emulator's Invoke API would.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv2 := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: srv.Handler}
	go func() { _ = srv2.Serve(ln2) }() // ends with Close below
	defer func() { _ = srv2.Close() }() // the benchmarks are over
	lambdas := lambdainvoke.New(nil)
	lambdas.Route(fnARN, lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + ln2.Addr().String()), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDCOGNATELOCAL", "cognate-local", "")}))
	trLambda := triggers.New(lambdas, "us-east-1")

	type bm struct {
		name, desc string
		par        int // concurrent callers (0: one)
		conns      bool
		fn         func(b *testing.B)
	}
	list := []bm{
		{"trigger-run-preauth", "triggers.Run, PreAuthentication: NewEvent, fill (user attributes), wire JSON, Invoker (canned answer; takes the event as every backend does), DecodeResponse", 0, false, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := trPreAuth.Run(ctx, pool, preAuth, fillPreAuth); err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"trigger-run-pretoken-v2", "triggers.Run, PreTokenGeneration V2_0: the same, the answer adding one claim to each token (read back, not applied: lineage's claim edits are unexported)", 0, false, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ev, err := trPreToken.Run(ctx, pool, preToken, fillPreToken)
				if err == nil {
					err = checkPreToken(ev)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"trigger-run-webhook", "triggers.Run, PreTokenGeneration V2_0 through pkg/trigger/webhook's Invoker (as `cognate serve --trigger-webhook` builds it) to a receiver on loopback in this process that answers at once: signing, HTTP round trip, both ends of it", 0, false, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ev, err := trHook.Run(ctx, pool, preToken, fillPreToken)
				if err == nil {
					err = checkPreToken(ev)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"trigger-run-lambda", "triggers.Run, PreTokenGeneration V2_0 through pkg/trigger/lambdainvoke's Invoker with the aws-sdk-go-v2 Lambda client (as `cognate serve --lambda-endpoint` builds it: SigV4, the SDK's middleware) to an endpoint on loopback in this process that answers at once", 0, false, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ev, err := trLambda.Run(ctx, pool, preToken, fillPreToken)
				if err == nil {
					err = checkPreToken(ev)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}},
		{"trigger-run-webhook-16", "the same with 16 concurrent callers (RunParallel): ns per invocation overall, on every core", 16, true, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(max(16/runtime.GOMAXPROCS(0), 1))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ev, err := trHook.Run(ctx, pool, preToken, fillPreToken)
					if err == nil {
						err = checkPreToken(ev)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}},
	}
	var out []report.InProcBench
	for _, m := range list {
		c0 := conns.Load()
		r := testing.Benchmark(m.fn)
		if r.N == 0 {
			return out, fmt.Errorf("%s failed", m.name)
		}
		desc := m.desc
		if m.conns {
			desc += fmt.Sprintf("; the webhook client opened %.2f TCP connections per invocation", float64(conns.Load()-c0)/float64(r.N))
		}
		out = append(out, report.InProcBench{Name: m.name, Desc: desc, NsPerOp: round(float64(r.T.Nanoseconds())/float64(r.N), 0), N: r.N,
			AllocsPerOp: r.AllocsPerOp(), BytesPerOp: r.AllocedBytesPerOp(), Parallel: m.par})
	}
	return out, nil
}
