package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store/dynamo"
	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// ensureReadyPool creates `cognate serve`'s ready pool (local.ReadyPool) where it is missing.
func ensureReadyPool(ctx context.Context, svc *userpool.Service) error {
	_, err := local.ApplySeed(ctx, svc, local.ReadyPool("us-east-1"))
	return err
}

// discardMail drops every message (the seeder's sign-up codes).
type discardMail struct{}

func (discardMail) Send(context.Context, mail.Message) error { return nil }

// ---- counters ----

// counters is what the in-process server counted since the last reset.
type counters struct {
	mu          sync.Mutex
	Requests    int64            `json:"requests"`
	HandlerNs   int64            `json:"handler_ns"`
	DDBRequests int64            `json:"ddb_requests"`
	ByCall      map[string]int64 `json:"ddb_by_call"`
	RCU         float64          `json:"rcu"`
	WCU         float64          `json:"wcu"`
	CU          float64          `json:"cu"`
	Signatures  int64            `json:"signatures"`
	ByOperation map[string]int64 `json:"by_operation"`
	ByItem      map[string]int64 `json:"ddb_by_item"` // "GetItem user", "TransactWriteItems user+record rt"
}

func (c *counters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Requests, c.HandlerNs, c.DDBRequests, c.RCU, c.WCU, c.CU, c.Signatures = 0, 0, 0, 0, 0, 0, 0
	c.ByCall, c.ByOperation, c.ByItem = map[string]int64{}, map[string]int64{}, map[string]int64{}
}

// itemClass names the kind of a Cognate item from its key (pkg/store, pkg/signer layouts).
func itemClass(pk, sk string) string {
	seg := strings.Split(pk, "#")
	switch seg[0] {
	case "P":
		if len(seg) >= 3 {
			switch seg[2] {
			case "U":
				return "pool user list"
			case "C":
				return "pool client list"
			case "G":
				return "groups"
			}
		}
		return "pool"
	case "C":
		return "client"
	case "U":
		if sk == "U" {
			return "user"
		}
		kind, _, _ := strings.Cut(sk, "#")
		return "user " + strings.ToLower(kind)
	case "S":
		return "sub"
	case "A":
		return "alias"
	case "I":
		return "search index"
	case "G":
		return "group members"
	case "X":
		if len(seg) >= 2 {
			return "record " + seg[1]
		}
	case "KEYS":
		return "signing keys"
	}
	return seg[0]
}

func attrS(m map[string]ddbtypes.AttributeValue, k string) string {
	if v, ok := m[k].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func keyClass(key map[string]ddbtypes.AttributeValue) string {
	return itemClass(attrS(key, "pk"), attrS(key, "sk"))
}

func (c *counters) addItem(desc string) {
	c.mu.Lock()
	c.ByItem[desc]++
	c.mu.Unlock()
}

func (c *counters) addCapacity(call string, cc ...ddbtypes.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.DDBRequests++
	c.ByCall[call]++
	for _, x := range cc {
		r, w, t := aws.ToFloat64(x.ReadCapacityUnits), aws.ToFloat64(x.WriteCapacityUnits), aws.ToFloat64(x.CapacityUnits)
		c.CU += t
		if r == 0 && w == 0 { // only a total: attribute it by the kind of call
			if call == "GetItem" || call == "Query" {
				r = t
			} else {
				w = t
			}
		}
		c.RCU += r
		c.WCU += w
	}
}

// countingAPI wraps dynamo.API: every data call asks for ReturnConsumedCapacity=TOTAL and the
// capacity DynamoDB (Local) reports is summed. The caller's input is copied, not changed. Only
// table set-up calls may pass through uncounted: a data call added to dynamo.API needs its
// wrapper here.
type countingAPI struct {
	dynamo.API
	c *counters
}

func (a *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	a.c.addItem("GetItem " + keyClass(in.Key))
	out, err := a.API.GetItem(ctx, &cp, o...)
	a.record("GetItem", err, func() []ddbtypes.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

func (a *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	a.c.addItem("Query " + itemClass(attrS(in.ExpressionAttributeValues, ":pk"), ""))
	out, err := a.API.Query(ctx, &cp, o...)
	a.record("Query", err, func() []ddbtypes.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

func (a *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	a.c.addItem("PutItem " + keyClass(in.Item))
	out, err := a.API.PutItem(ctx, &cp, o...)
	a.record("PutItem", err, func() []ddbtypes.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

func (a *countingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	a.c.addItem("DeleteItem " + keyClass(in.Key))
	out, err := a.API.DeleteItem(ctx, &cp, o...)
	a.record("DeleteItem", err, func() []ddbtypes.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

func (a *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	a.c.addItem("UpdateItem " + keyClass(in.Key))
	out, err := a.API.UpdateItem(ctx, &cp, o...)
	a.record("UpdateItem", err, func() []ddbtypes.ConsumedCapacity { return one(out.ConsumedCapacity) })
	return out, err
}

func (a *countingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	cp := *in
	cp.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
	var parts []string
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			parts = append(parts, "put "+keyClass(ti.Put.Item))
		case ti.Delete != nil:
			parts = append(parts, "delete "+keyClass(ti.Delete.Key))
		case ti.Update != nil:
			parts = append(parts, "update "+keyClass(ti.Update.Key))
		case ti.ConditionCheck != nil:
			parts = append(parts, "check "+keyClass(ti.ConditionCheck.Key))
		}
	}
	a.c.addItem("TransactWriteItems [" + strings.Join(parts, ", ") + "]")
	out, err := a.API.TransactWriteItems(ctx, &cp, o...)
	a.record("TransactWriteItems", err, func() []ddbtypes.ConsumedCapacity { return out.ConsumedCapacity })
	return out, err
}

// record counts a call; a failed call (a cancelled transaction) still counts as a request, with
// no capacity reported.
func (a *countingAPI) record(call string, err error, cc func() []ddbtypes.ConsumedCapacity) {
	if err != nil {
		a.c.addCapacity(call)
		return
	}
	a.c.addCapacity(call, cc()...)
}

func one(c *ddbtypes.ConsumedCapacity) []ddbtypes.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []ddbtypes.ConsumedCapacity{*c}
}

// countingSigner counts signatures: in the `kms` signer mode each is one KMS Sign call.
type countingSigner struct {
	signer.Signer
	c *counters
}

func (s *countingSigner) Sign(ctx context.Context, poolID string, use signer.KeyUse, in []byte) (string, []byte, error) {
	s.c.mu.Lock()
	s.c.Signatures++
	s.c.mu.Unlock()
	return s.Signer.Sign(ctx, poolID, use, in)
}

// ---- the server ----

// serverMain is `loadgen server`: Cognate wired by the same pkg/app/local as `cognate serve`, with
// mail dropped and signatures counted, on the embedded store or on DynamoDB through the counting
// decorator, with /_bench/ endpoints for the counters and a CPU profile. The DynamoDB
// cost run and the pprof profiles use it; the throughput figures come from `cognate serve` itself.
func serverMain(args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	storeKind := fs.String("store", "embedded", "embedded or dynamodb")
	dataDir := fs.String("data-dir", "", "embedded: an existing data dir (master.key, cognate.db); empty: a temporary store")
	endpoint := fs.String("ddb-endpoint", "", "dynamodb: the DynamoDB Local URL")
	table := fs.String("table", "cognate-bench", "dynamodb: table name (created)")
	var webhooks, lambdas nameURLs
	fs.Var(&webhooks, "trigger-webhook", "FUNCTION=URL: as cognate serve's (repeatable)")
	fs.Var(&lambdas, "lambda-endpoint", "FUNCTION=URL: as cognate serve's (repeatable)")
	webhookSecret := fs.String("webhook-secret", "", "as cognate serve's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !isLoopback(*addr) {
		return fmt.Errorf("--addr %s is not loopback", *addr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	clk := clock.System{}
	cnt := &counters{}
	cnt.reset()

	o := local.Options{Clock: clk, Mail: discardMail{}, AdminKeys: map[string]string{adminKeyID: adminSecret},
		WrapSigner: func(s signer.Signer) signer.Signer { return &countingSigner{Signer: s, c: cnt} }}
	var err error
	if o.Triggers, err = serverTriggers(webhooks, lambdas, *webhookSecret); err != nil {
		return err
	}
	invTimes := &invocationTimes{}
	trace := invTimes.trace()
	switch {
	case *storeKind == "dynamodb":
		if !strings.HasPrefix(*endpoint, "http://127.0.0.1:") {
			return fmt.Errorf("--ddb-endpoint %q is not a loopback DynamoDB Local", *endpoint)
		}
		client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: sharedHTTP,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(*endpoint)
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Millisecond, nil })
			})
		})
		dt := dynamo.New(&countingAPI{API: client, c: cnt}, *table, clk, dynamo.WithTimeout(30*time.Second))
		if err := dt.CreateTable(ctx); err != nil {
			return fmt.Errorf("CreateTable: %w", err)
		}
		o.Table = dt
	default:
		o.DataDir = *dataDir // empty: a temporary store
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	o.IssuerBase = "http://" + ln.Addr().String()
	l, err := local.Open(ctx, o)
	if err != nil {
		return err
	}
	defer l.Close()
	if err := ensureReadyPool(ctx, l.App.Service); err != nil {
		return err
	}
	api := l.Handler()
	var profMu sync.Mutex
	var profFile *os.File
	var inflight atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_bench/counters", func(w http.ResponseWriter, r *http.Request) {
		cnt.mu.Lock()
		b, _ := json.Marshal(cnt)
		cnt.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b) // a client that went away has nothing left to tell
	})
	mux.HandleFunc("POST /_bench/reset", func(w http.ResponseWriter, r *http.Request) { cnt.reset() })
	mux.Handle("GET /_bench/triggers", invTimes)
	mux.HandleFunc("POST /_bench/profile/start", func(w http.ResponseWriter, r *http.Request) {
		profMu.Lock()
		defer profMu.Unlock()
		path := r.URL.Query().Get("file")
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		profFile = f
		// Where requests wait, too: every blocking event and mutex contention is sampled.
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		runtime.SetMutexProfileFraction(5)
	})
	mux.HandleFunc("POST /_bench/profile/stop", func(w http.ResponseWriter, r *http.Request) {
		profMu.Lock()
		defer profMu.Unlock()
		if profFile != nil {
			pprof.StopCPUProfile()
			name := profFile.Name()
			err := profFile.Close()
			profFile = nil
			for _, kind := range []string{"block", "mutex"} {
				if f, err := os.Create(strings.TrimSuffix(name, ".pprof") + "." + kind + ".pprof"); err == nil {
					_ = pprof.Lookup(kind).WriteTo(f, 0)
					_ = f.Close() // best effort, as the write: the CPU profile is the one that must be whole
				}
			}
			runtime.SetBlockProfileRate(0)
			runtime.SetMutexProfileFraction(0)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}
	})
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		inflight.Add(1)
		api.ServeHTTP(w, r.WithContext(triggers.WithTrace(r.Context(), trace)))
		inflight.Add(-1)
		el := time.Since(start)
		op := r.Header.Get("X-Amz-Target")
		if i := strings.LastIndexByte(op, '.'); i >= 0 {
			op = op[i+1:]
		}
		cnt.mu.Lock()
		cnt.Requests++
		cnt.HandlerNs += int64(el)
		cnt.ByOperation[op]++
		cnt.mu.Unlock()
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("ready %s\n", o.IssuerBase)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// benchCounters reads the in-process server's counters.
func benchCounters(ctx context.Context, base string) (*counters, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_bench/counters", nil)
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var c counters
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

func benchPost(ctx context.Context, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, b)
	}
	return nil
}
