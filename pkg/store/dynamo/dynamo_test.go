package dynamo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

// newTable is the storetest/apptest factory: a fresh table on DynamoDB Local, with the default
// options (cursor key kept in the table) but a 30 s call deadline instead of DefaultTimeout's 3 s.
// The deadline itself is TestDeadline's subject; here it would only fail a contended transaction
// that DynamoDB Local (a JVM sharing a loaded 2-core machine with -race tests) answers late.
func newTable(t *testing.T, clk clock.Clock) store.Table {
	return newFixture(t).table(nil, clk, WithTimeout(harnessTimeout))
}

// harnessTimeout bounds a call to DynamoDB Local in the suites: a hang, not slowness.
const harnessTimeout = 30 * time.Second

// TestConformance runs the whole store suite, RunConcurrencyTests included, on DynamoDB Local.
func TestConformance(t *testing.T) {
	ddbproc.Endpoint(t) // skip (or fail) once, not in every subtest
	storetest.RunTableTests(t, newTable)
}

// TestAPI runs the whole API suite (the real SDK Cognito client against Cognate) on DynamoDB Local.
func TestAPI(t *testing.T) {
	ddbproc.Endpoint(t)
	apptest.RunAPITests(t, newTable)
}

// ---- helpers ----

var (
	epoch     = storetest.Epoch
	notExists = store.Cond{Kind: store.CondNotExists}
	exists    = store.Cond{Kind: store.CondExists}
)

func version(v int64) store.Cond { return store.Cond{Kind: store.CondVersion, Version: v} }

func put(pk, sk string, v int64, exp time.Time, data string, c store.Cond) store.Op {
	return store.Op{Kind: store.OpPut, Item: store.Item{PK: pk, SK: sk, Version: v, ExpiresAt: exp, Data: []byte(data)}, Cond: c}
}

func del(pk, sk string, c store.Cond) store.Op {
	return store.Op{Kind: store.OpDelete, Item: store.Item{PK: pk, SK: sk}, Cond: c}
}

func check(pk, sk string, c store.Cond) store.Op {
	return store.Op{Kind: store.OpCheck, Item: store.Item{PK: pk, SK: sk}, Cond: c}
}

func mustWrite(t *testing.T, tb store.Table, ops ...store.Op) {
	t.Helper()
	if err := tb.Write(t.Context(), ops...); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func wantData(t *testing.T, tb store.Table, pk, sk string, v int64, data string) {
	t.Helper()
	it, err := tb.Get(t.Context(), pk, sk)
	if err != nil || it.Version != v || string(it.Data) != data {
		t.Fatalf("Get(%q, %q) = v%d %q, %v; want v%d %q", pk, sk, it.Version, it.Data, err, v, data)
	}
}

func wantAbsent(t *testing.T, tb store.Table, pk, sk string) {
	t.Helper()
	if it, err := tb.Get(t.Context(), pk, sk); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(%q, %q) = %+v, %v; want ErrNotFound", pk, sk, it, err)
	}
}

func attrString(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("%x", v.Value)
	}
	return fmt.Sprintf("%T", v)
}

// opErr is an error as the SDK returns it.
func opErr(op string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: err}
}

func cancelled(codes ...string) error {
	rs := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		rs[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return opErr("TransactWriteItems", &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: rs})
}

// faultAPI passes calls to API (which may be nil when every call is intercepted) unless before
// returns an error for them. n counts the calls of op, from 1.
type faultAPI struct {
	API
	before func(ctx context.Context, op string, n int, in any) error

	mu     sync.Mutex
	calls  map[string]int
	tokens []string // ClientRequestToken of every TransactWriteItems call
}

func newFaultAPI(api API, before func(ctx context.Context, op string, n int, in any) error) *faultAPI {
	return &faultAPI{API: api, before: before, calls: map[string]int{}}
}

func (f *faultAPI) hook(ctx context.Context, op string, in any) error {
	f.mu.Lock()
	f.calls[op]++
	n := f.calls[op]
	if tw, ok := in.(*dynamodb.TransactWriteItemsInput); ok {
		f.tokens = append(f.tokens, aws.ToString(tw.ClientRequestToken))
	}
	f.mu.Unlock()
	if f.before == nil {
		return nil
	}
	return f.before(ctx, op, n, in)
}

func (f *faultAPI) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *faultAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := f.hook(ctx, "GetItem", in); err != nil {
		return nil, err
	}
	return f.API.GetItem(ctx, in, o...)
}

func (f *faultAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := f.hook(ctx, "Query", in); err != nil {
		return nil, err
	}
	return f.API.Query(ctx, in, o...)
}

func (f *faultAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := f.hook(ctx, "PutItem", in); err != nil {
		return nil, err
	}
	return f.API.PutItem(ctx, in, o...)
}

func (f *faultAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := f.hook(ctx, "DeleteItem", in); err != nil {
		return nil, err
	}
	return f.API.DeleteItem(ctx, in, o...)
}

func (f *faultAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := f.hook(ctx, "TransactWriteItems", in); err != nil {
		return nil, err
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

// ---- DDB-07: expiry is checked on read, TTL only cleans up ----

func TestExpiredButStoredIsRefused(t *testing.T) {
	f := newFixture(t)
	clk := clock.NewFake(epoch)
	tb := f.table(nil, clk)
	exp := epoch.Add(time.Minute + 1500*time.Millisecond)
	mustWrite(t, tb, put("U#1", "CODE", 1, exp, "123456", notExists), put("U#1", "USER", 1, time.Time{}, "alice", notExists))

	raw := f.raw(t, "U#1", "CODE")
	if raw["x"] != strconv.FormatInt(exp.UnixNano(), 10) || raw["exp"] != strconv.FormatInt(exp.Unix()+1, 10) {
		t.Fatalf("stored expiry x=%s exp=%s; want x=%d (ns) and exp=%d (s, rounded up)", raw["x"], raw["exp"], exp.UnixNano(), exp.Unix()+1)
	}
	if user := f.raw(t, "U#1", "USER"); user["x"] != "" || user["exp"] != "" {
		t.Fatalf("an item without expiry has x=%q exp=%q", user["x"], user["exp"])
	}

	clk.Set(exp.Add(-time.Nanosecond))
	wantData(t, tb, "U#1", "CODE", 1, "123456")

	clk.Set(exp) // expired; TTL has not deleted it (DynamoDB Local has no TTL at all)
	if f.raw(t, "U#1", "CODE") == nil {
		t.Fatal("the expired item is gone from the table; the test needs it stored")
	}
	wantAbsent(t, tb, "U#1", "CODE")
	items, _, err := tb.Query(t.Context(), "U#1", "", "", 10)
	if err != nil || len(items) != 1 || items[0].SK != "USER" {
		t.Fatalf("Query = %v, %v; want only USER", items, err)
	}
	for _, c := range []store.Cond{exists, version(1)} {
		var txe *store.TxError
		if err := tb.Write(t.Context(), del("U#1", "CODE", c), put("U#1", "USER", 2, time.Time{}, "redeemed", version(1))); !errors.As(err, &txe) || !txe.FailedAt(0) || txe.FailedAt(1) {
			t.Fatalf("redeeming an expired code with %v: %v; want op 0 failed", c, err)
		}
	}
	wantData(t, tb, "U#1", "USER", 1, "alice")

	// Must-not-exist treats it as absent, and the put replaces it whole (the expiry goes too).
	mustWrite(t, tb, put("U#1", "CODE", 1, time.Time{}, "654321", notExists))
	if raw := f.raw(t, "U#1", "CODE"); raw["x"] != "" || raw["exp"] != "" || raw["d"] != fmt.Sprintf("%x", "654321") {
		t.Fatalf("after re-creating: %v; want no expiry attributes", raw)
	}
	clk.Advance(100 * 365 * 24 * time.Hour)
	wantData(t, tb, "U#1", "CODE", 1, "654321")
}

// ---- DDB-09: throttling and other failures fail closed ----

func TestFaultsFailClosed(t *testing.T) {
	f := newFixture(t)
	plain := f.table(nil, nil)
	mustWrite(t, plain,
		put("U#alice", "U", 1, time.Time{}, "alice v1", notExists),
		put("A#old@example.com", "A", 1, time.Time{}, "alice", notExists),
	)
	// An alias move (DDB-03): user v1→v2, old alias deleted, new alias created.
	move := []store.Op{
		put("U#alice", "U", 2, time.Time{}, "alice v2", version(1)),
		del("A#old@example.com", "A", exists),
		put("A#new@example.com", "A", 1, time.Time{}, "alice", notExists),
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		wantData(t, plain, "U#alice", "U", 1, "alice v1")
		wantData(t, plain, "A#old@example.com", "A", 1, "alice")
		wantAbsent(t, plain, "A#new@example.com", "A")
	}
	throttled := opErr("TransactWriteItems", &types.ProvisionedThroughputExceededException{Message: aws.String("throughput exceeded")})

	for _, tc := range []struct {
		name      string
		err       error
		throttled bool
	}{
		{"ProvisionedThroughputExceeded", throttled, true},
		{"ThrottlingException", opErr("TransactWriteItems", &types.ThrottlingException{Message: aws.String("slow down")}), true},
		{"RequestLimitExceeded", opErr("TransactWriteItems", &types.RequestLimitExceeded{Message: aws.String("account limit")}), true},
		{"reason ThrottlingError", cancelled("None", "ThrottlingError", "None"), true},
		{"reason ProvisionedThroughputExceeded with a failed condition", cancelled("ConditionalCheckFailed", "ProvisionedThroughputExceeded", "None"), true},
		{"reason ValidationError", cancelled("None", "None", "ValidationError"), false},
		{"cancelled without reasons", cancelled(), false},
		{"internal server error", opErr("TransactWriteItems", &types.InternalServerError{Message: aws.String("oops")}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFaultAPI(f.client, func(_ context.Context, op string, _ int, _ any) error {
				if op == "TransactWriteItems" {
					return tc.err
				}
				return nil
			})
			err := f.table(api, nil).Write(t.Context(), move...)
			if err == nil || errors.Is(err, store.ErrConditionFailed) || errors.Is(err, ErrThrottled) != tc.throttled {
				t.Fatalf("Write = %v; want a plain error (ErrThrottled: %v)", err, tc.throttled)
			}
			if n := api.count("TransactWriteItems"); n != 1 {
				t.Fatalf("%d TransactWriteItems calls; a failure that is not a conflict is not retried", n)
			}
			unchanged(t)
		})
	}

	t.Run("reads", func(t *testing.T) {
		api := newFaultAPI(f.client, func(_ context.Context, op string, _ int, _ any) error {
			return opErr(op, &types.ProvisionedThroughputExceededException{Message: aws.String("throughput exceeded")})
		})
		tb := f.table(api, nil)
		// A throttled read is an error, never "absent" (a revocation must not read as "not revoked").
		if _, err := tb.Get(t.Context(), "U#alice", "U"); err == nil || errors.Is(err, store.ErrNotFound) || !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled Get = %v; want ErrThrottled, not ErrNotFound", err)
		}
		if _, _, err := tb.Query(t.Context(), "U#alice", "", "", 10); !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled Query = %v; want ErrThrottled", err)
		}
		if err := tb.Write(t.Context(), put("X#lockout", "X", 1, time.Time{}, "1", store.Cond{})); !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled PutItem = %v; want ErrThrottled", err)
		}
		if err := tb.Write(t.Context(), del("U#alice", "U", store.Cond{})); !errors.Is(err, ErrThrottled) {
			t.Fatalf("throttled DeleteItem = %v; want ErrThrottled", err)
		}
		unchanged(t)
	})

	t.Run("the move itself still works", func(t *testing.T) {
		mustWrite(t, plain, move...)
		wantData(t, plain, "U#alice", "U", 2, "alice v2")
		wantAbsent(t, plain, "A#old@example.com", "A")
		wantData(t, plain, "A#new@example.com", "A", 1, "alice")
	})
}

// ---- transaction conflicts are retried, never reported ----

func TestConflictsRetried(t *testing.T) {
	f := newFixture(t)
	ops := []store.Op{put("POOL", "USERNAME#bob", 1, time.Time{}, "bob", notExists), put("U#bob", "U", 1, time.Time{}, "", notExists)}

	t.Run("conflict then success", func(t *testing.T) {
		api := newFaultAPI(f.client, func(_ context.Context, op string, n int, _ any) error {
			if op == "TransactWriteItems" && n <= 3 {
				return cancelled("TransactionConflict", "None")
			}
			return nil
		})
		mustWrite(t, f.table(api, nil), ops...)
		if len(api.tokens) != 4 {
			t.Fatalf("%d attempts; want 4", len(api.tokens))
		}
		seen := map[string]bool{}
		for _, tok := range api.tokens {
			if len(tok) != 36 || seen[tok] {
				t.Fatalf("tokens %q: want a distinct 36-character token per conflict round", api.tokens)
			}
			seen[tok] = true
		}
		wantData(t, f.table(nil, nil), "POOL", "USERNAME#bob", 1, "bob")
	})

	t.Run("conflict then the condition fails", func(t *testing.T) {
		api := newFaultAPI(f.client, func(_ context.Context, op string, n int, _ any) error {
			if op == "TransactWriteItems" && n == 1 {
				return cancelled("ConditionalCheckFailed", "TransactionConflict")
			}
			return nil
		})
		var txe *store.TxError
		if err := f.table(api, nil).Write(t.Context(), ops...); !errors.As(err, &txe) || !txe.FailedAt(0) || !txe.FailedAt(1) {
			t.Fatalf("Write = %v; want TxError with both ops failed (bob exists)", err)
		}
		if n := api.count("TransactWriteItems"); n != 2 {
			t.Fatalf("%d attempts; want 2: a conflict is retried even beside a failed condition", n)
		}
	})

	t.Run("in progress keeps the token", func(t *testing.T) {
		inProgress := opErr("TransactWriteItems", &types.TransactionInProgressException{Message: aws.String("in progress")})
		api := newFaultAPI(f.client, func(_ context.Context, op string, n int, _ any) error {
			if op == "TransactWriteItems" && n <= 2 {
				return inProgress
			}
			return nil
		})
		mustWrite(t, f.table(api, nil), put("U#carol", "U", 1, time.Time{}, "", notExists))
		if len(api.tokens) != 3 || api.tokens[0] != api.tokens[1] || api.tokens[1] != api.tokens[2] {
			t.Fatalf("tokens %q; want the same token on all 3 attempts", api.tokens)
		}
	})

	t.Run("single put", func(t *testing.T) {
		api := newFaultAPI(f.client, func(_ context.Context, op string, n int, _ any) error {
			if op == "PutItem" && n <= 2 {
				return opErr(op, &types.TransactionConflictException{Message: aws.String("conflict")})
			}
			return nil
		})
		mustWrite(t, f.table(api, nil), put("X#plain", "X", 7, time.Time{}, "p", store.Cond{}))
		if n := api.count("PutItem"); n != 3 {
			t.Fatalf("%d PutItem calls; want 3", n)
		}
		wantData(t, f.table(nil, nil), "X#plain", "X", 7, "p")
	})

	t.Run("bounded", func(t *testing.T) {
		api := newFaultAPI(f.client, func(_ context.Context, op string, _ int, _ any) error {
			return cancelled("TransactionConflict", "None")
		})
		start := time.Now()
		err := f.table(api, nil, WithTimeout(time.Minute)).Write(t.Context(), put("POOL", "USERNAME#dave", 1, time.Time{}, "", notExists), put("U#dave", "U", 1, time.Time{}, "", notExists))
		if err == nil || errors.Is(err, store.ErrConditionFailed) {
			t.Fatalf("Write under endless conflicts = %v; want a plain error", err)
		}
		if n := api.count("TransactWriteItems"); n != maxConflictAttempts {
			t.Fatalf("%d attempts; want %d", n, maxConflictAttempts)
		}
		// The capped backoffs add up to at most about 2.1 s (5, 10 … 200 ms); without the cap they
		// would take at least 15 s. 10 s tells the two apart with room for a loaded machine.
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("gave up after %v; the backoff is meant to be bounded", d)
		}
		wantAbsent(t, f.table(nil, nil), "U#dave", "U")
	})
}

// ---- DDB-06: a committed transaction whose response is lost is retried idempotently ----

// dropResponses forwards requests for one operation and, for the first drop of them, discards
// DynamoDB's answer and reports a connection reset: the write committed, the caller never heard.
type dropResponses struct {
	next   http.RoundTripper
	op     string
	drop   int
	mu     sync.Mutex
	seen   int
	tokens []string
}

func (d *dropResponses) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.Header.Get("X-Amz-Target"), "."+d.op) {
		return d.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(body))
	var in struct{ ClientRequestToken string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.seen++
	n := d.seen
	d.tokens = append(d.tokens, in.ClientRequestToken)
	d.mu.Unlock()
	resp, err := d.next.RoundTrip(req)
	if err != nil || n > d.drop {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body) // the response is being lost on purpose
	resp.Body.Close()
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
}

func TestLostResponseIsIdempotent(t *testing.T) {
	f := newFixture(t)
	plain := f.table(nil, nil)
	mustWrite(t, plain, put("P#pool", "P", 1, time.Time{}, "pool", notExists))

	for _, tc := range []struct {
		name string
		drop int
		ops  []store.Op
	}{
		{"sign-up", 1, []store.Op{ // as Repo.CreateUser writes it
			check("P#pool", "P", exists),
			put("U#pool#erin", "U", 1, time.Time{}, "erin", notExists),
			put("S#pool#sub-1", "S", 1, time.Time{}, "erin", notExists),
			put("A#pool#email#erin@example.com", "A", 1, time.Time{}, "erin", notExists),
		}},
		{"single conditional put, two responses lost", 2, []store.Op{put("X#session#1", "X", 1, epoch, "s", notExists)}},
		{"code redemption", 1, []store.Op{
			del("X#session#1", "X", exists),
			put("U#pool#erin", "U", 2, time.Time{}, "erin confirmed", version(1)),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := &dropResponses{op: "TransactWriteItems", drop: tc.drop}
			client := ddbproc.NewClient(ddbproc.Endpoint(t), ddbproc.WrapTransport(func(next http.RoundTripper) http.RoundTripper { rt.next = next; return rt }))
			tb := New(client, f.name, clock.NewFake(epoch.Add(-time.Hour)))
			if err := tb.Write(t.Context(), tc.ops...); err != nil {
				t.Fatalf("Write after %d lost response(s): %v; want success (no false \"exists\")", tc.drop, err)
			}
			if len(rt.tokens) != tc.drop+1 {
				t.Fatalf("%d TransactWriteItems requests; want %d", len(rt.tokens), tc.drop+1)
			}
			for _, tok := range rt.tokens {
				if tok == "" || tok != rt.tokens[0] {
					t.Fatalf("tokens %q; want one token, resent by the SDK's retries", rt.tokens)
				}
			}
		})
	}
	wantData(t, plain, "U#pool#erin", "U", 2, "erin confirmed")
	wantData(t, plain, "S#pool#sub-1", "S", 1, "erin")
	wantData(t, plain, "A#pool#email#erin@example.com", "A", 1, "erin")
	wantAbsent(t, plain, "X#session#1", "X")
	if n := f.count(t); n != 4 {
		t.Fatalf("%d items in the table; want 4 (pool, user, sub, alias): no duplicates", n)
	}
}

// Distinct Write calls never share a token, even when their ops and clock are identical: a
// shared token would make DynamoDB acknowledge the second without applying it (a code redeemed
// twice).
func TestIdenticalWritesDoNotShareATransaction(t *testing.T) {
	f := newFixture(t)
	clk := clock.NewFake(epoch) // never moves: every Write has the same :now
	tb := f.table(nil, clk)
	mustWrite(t, tb, put("U#frank", "U", 1, time.Time{}, "frank", notExists), put("U#frank", "CODE", 1, epoch.Add(time.Hour), "111111", notExists))
	redeem := []store.Op{del("U#frank", "CODE", exists), put("U#frank", "U", 2, time.Time{}, "frank confirmed", version(1))}
	const writers = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range writers {
		wg.Go(func() {
			err := tb.Write(t.Context(), redeem...)
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, store.ErrConditionFailed):
				t.Errorf("Write: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d identical redemptions succeeded; want exactly 1", wins)
	}
	wantData(t, tb, "U#frank", "U", 2, "frank confirmed")
}

// ---- cursors ----

func TestCursors(t *testing.T) {
	f := newFixture(t)
	a := f.table(nil, nil)
	for i := range 5 {
		mustWrite(t, a, put("P", fmt.Sprintf("SECRET#%d", i), 1, time.Time{}, "", notExists))
	}
	_, cursor, err := a.Query(t.Context(), "P", "SECRET#", "", 2)
	if err != nil || cursor == "" {
		t.Fatalf("Query: %q, %v", cursor, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(cursor)
	if strings.Contains(cursor, "SECRET") || bytes.Contains(raw, []byte("SECRET")) || strings.Contains(cursor, base64.RawURLEncoding.EncodeToString([]byte("SECRET#1"))) {
		t.Fatalf("cursor %q reveals the sort key", cursor)
	}
	if f.raw(t, metaPK, metaCursorSK) == nil {
		t.Fatal("no cursor key stored in the table")
	}

	// A cold start (a new Table on the same table) reads the stored key: the cursor still works.
	b := f.table(nil, nil)
	items, next, err := b.Query(t.Context(), "P", "SECRET#", cursor, 2)
	if err != nil || len(items) != 2 || items[0].SK != "SECRET#2" || next == "" {
		t.Fatalf("cursor on a cold Table: %v, %q, %v", items, next, err)
	}

	// Tampering, another partition or prefix, another table: refused.
	other := newFixture(t)
	ot := other.table(nil, nil)
	mustWrite(t, ot, put("P", "SECRET#0", 1, time.Time{}, "", notExists))
	flipped := []byte(cursor)
	flipped[len(flipped)/2] ^= 1
	for name, q := range map[string]func() error{
		"flipped":      func() error { _, _, err := b.Query(t.Context(), "P", "SECRET#", string(flipped), 2); return err },
		"other pk":     func() error { _, _, err := b.Query(t.Context(), "Q", "SECRET#", cursor, 2); return err },
		"other prefix": func() error { _, _, err := b.Query(t.Context(), "P", "SECRET", cursor, 2); return err },
		"other table":  func() error { _, _, err := ot.Query(t.Context(), "P", "SECRET#", cursor, 2); return err },
		"forged": func() error {
			_, _, err := b.Query(t.Context(), "P", "SECRET#", base64.RawURLEncoding.EncodeToString(make([]byte, 40)), 2)
			return err
		},
		"embedded-style": func() error { _, _, err := b.Query(t.Context(), "P", "SECRET#", "SECRET#3", 2); return err },
	} {
		if err := q(); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("%s cursor: %v; want ErrInvalidCursor", name, err)
		}
	}

	// Concurrent cold starts agree on one key.
	g := newFixture(t)
	mustWrite(t, g.table(nil, nil), put("P", "1", 1, time.Time{}, "", notExists), put("P", "2", 1, time.Time{}, "", notExists))
	tables := make([]*Table, 8)
	cursors := make([]string, len(tables))
	var wg sync.WaitGroup
	for i := range tables {
		tables[i] = g.table(nil, nil)
		wg.Go(func() {
			_, c, err := tables[i].Query(t.Context(), "P", "", "", 1)
			if err != nil || c == "" {
				t.Errorf("Query: %q, %v", c, err)
			}
			cursors[i] = c
		})
	}
	wg.Wait()
	for i := range tables {
		items, _, err := tables[(i+1)%len(tables)].Query(t.Context(), "P", "", cursors[i], 1)
		if err != nil || len(items) != 1 || items[0].SK != "2" {
			t.Fatalf("cursor of Table %d on Table %d: %v, %v", i, (i+1)%len(tables), items, err)
		}
	}
}

func TestCursorSecret(t *testing.T) {
	f := newFixture(t)
	secret := []byte("0123456789abcdef0123456789abcdef")
	a := f.table(nil, nil, WithCursorSecret(secret))
	mustWrite(t, a, put("P", "1", 1, time.Time{}, "", notExists), put("P", "2", 1, time.Time{}, "", notExists))
	_, cursor, err := a.Query(t.Context(), "P", "", "", 1)
	if err != nil || cursor == "" {
		t.Fatalf("Query: %q, %v", cursor, err)
	}
	if f.raw(t, metaPK, metaCursorSK) != nil {
		t.Fatal("a Table with a cursor secret stored a key in the table")
	}
	items, _, err := f.table(nil, nil, WithCursorSecret(secret)).Query(t.Context(), "P", "", cursor, 1)
	if err != nil || len(items) != 1 || items[0].SK != "2" {
		t.Fatalf("same secret: %v, %v", items, err)
	}
	for name, tb := range map[string]*Table{
		"other secret": f.table(nil, nil, WithCursorSecret([]byte("another secret, also 32 bytes..."))),
		"stored key":   f.table(nil, nil),
	} {
		if _, _, err := tb.Query(t.Context(), "P", "", cursor, 1); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("%s: %v; want ErrInvalidCursor", name, err)
		}
	}
}

// ---- Query pages ----

func TestQueryPages(t *testing.T) {
	f := newFixture(t)
	tb := f.table(nil, nil)
	for i := range 3 {
		mustWrite(t, tb, put("P", fmt.Sprintf("s%d", i), 1, time.Time{}, "", notExists))
	}
	// Exactly limit items: no cursor (as the embedded backend), though DynamoDB's own
	// LastEvaluatedKey would be set.
	items, next, err := tb.Query(t.Context(), "P", "s", "", 3)
	if err != nil || len(items) != 3 || next != "" {
		t.Fatalf("Query(limit 3) of 3 items = %d items, next %q, %v; want 3 and no cursor", len(items), next, err)
	}

	// DynamoDB stops a page at 1 MB: the cursor then comes from LastEvaluatedKey.
	big := strings.Repeat("x", 300<<10)
	for i := range 5 {
		mustWrite(t, tb, put("B", fmt.Sprintf("b%d", i), 1, time.Time{}, big, notExists))
	}
	items, next, err = tb.Query(t.Context(), "B", "", "", 100)
	if err != nil || len(items) == 0 || len(items) >= 5 || next == "" {
		t.Fatalf("first page of 1.5 MB = %d items, next %q, %v; want a short page and a cursor", len(items), next, err)
	}
	n := len(items)
	for next != "" {
		items, next, err = tb.Query(t.Context(), "B", "", next, 100)
		if err != nil {
			t.Fatal(err)
		}
		n += len(items)
	}
	if n != 5 {
		t.Fatalf("%d items over all pages; want 5", n)
	}
}

// ---- LAM-01: every call has a deadline ----

// blocking answers nothing until the call's context is done, as a DynamoDB 30 s stall would.
func blocking(ctx context.Context, op string, _ int, _ any) error {
	select {
	case <-ctx.Done():
		return opErr(op, fmt.Errorf("request send: %w", ctx.Err()))
	case <-time.After(30 * time.Second):
		return opErr(op, errors.New("30 s later"))
	}
}

// TestDeadline checks the deadline each DynamoDB call runs under, as the API sees it, rather than
// timing the calls: blocking answers only when its context is done (or after 30 s, with another
// error), so a DeadlineExceeded proves a deadline ended the stall, and the deadline recorded says
// which one it was. No wall-clock bound has to hold on a loaded machine.
func TestDeadline(t *testing.T) {
	const timeout = 150 * time.Millisecond
	var mu sync.Mutex
	var seen []time.Time // the deadline of every call the store made (zero: none)
	tb := New(newFaultAPI(nil, func(ctx context.Context, op string, n int, in any) error {
		dl, _ := ctx.Deadline()
		mu.Lock()
		seen = append(seen, dl)
		mu.Unlock()
		return blocking(ctx, op, n, in)
	}), "no-such-table", nil, WithTimeout(timeout))
	deadlines := func(t *testing.T) []time.Time {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		if len(out) == 0 {
			t.Fatal("no DynamoDB call was made")
		}
		return out
	}
	for name, call := range map[string]func(ctx context.Context) error{
		"Get":   func(ctx context.Context) error { _, err := tb.Get(ctx, "P", "S"); return err },
		"Query": func(ctx context.Context) error { _, _, err := tb.Query(ctx, "P", "", "", 10); return err },
		"Query+cursor": func(ctx context.Context) error {
			_, _, err := tb.Query(ctx, "P", "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 10)
			return err
		},
		"Write (put)":     func(ctx context.Context) error { return tb.Write(ctx, put("P", "S", 1, time.Time{}, "", store.Cond{})) },
		"Write (delete)":  func(ctx context.Context) error { return tb.Write(ctx, del("P", "S", store.Cond{})) },
		"Write (condput)": func(ctx context.Context) error { return tb.Write(ctx, put("P", "S", 1, time.Time{}, "", notExists)) },
		"Write (tx)": func(ctx context.Context) error {
			return tb.Write(ctx, put("P", "S", 1, time.Time{}, "", version(1)), del("P", "T", exists))
		},
	} {
		t.Run(name, func(t *testing.T) {
			// The table's own timeout, counted from the call (the caller has no deadline): at
			// least timeout after start, and short of DefaultTimeout, which it replaces, however
			// long the goroutine waited before the store set it.
			start := time.Now()
			if err := call(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v; want context.DeadlineExceeded", err)
			}
			for _, dl := range deadlines(t) {
				if d := dl.Sub(start); dl.IsZero() || d < timeout || d >= DefaultTimeout {
					t.Fatalf("a call ran under a deadline %v after the start (zero: none); want %v", d, timeout)
				}
			}
			// The caller's own, shorter deadline wins: every call runs under exactly it.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			want, _ := ctx.Deadline()
			if err := call(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("with a 20 ms caller deadline: %v", err)
			}
			for _, dl := range deadlines(t) {
				if !dl.Equal(want) {
					t.Fatalf("a call ran under %v, not the caller's deadline %v", dl, want)
				}
			}
		})
	}
}

// A stalled transaction fails in time and leaves the user as it was.
func TestDeadlineLeavesStateUnchanged(t *testing.T) {
	f := newFixture(t)
	plain := f.table(nil, nil)
	mustWrite(t, plain, put("U#gina", "U", 1, time.Time{}, "gina", notExists), put("A#gina@example.com", "A", 1, time.Time{}, "gina", notExists))
	tb := f.table(newFaultAPI(f.client, func(ctx context.Context, op string, n int, in any) error {
		if op == "TransactWriteItems" {
			return blocking(ctx, op, n, in)
		}
		return nil
	}), nil, WithTimeout(200*time.Millisecond))
	// blocking answers a stalled transaction only after 30 s and with another error: a
	// DeadlineExceeded is the 200 ms timeout's (TestDeadline checks which deadline applies).
	err := tb.Write(t.Context(), put("U#gina", "U", 2, time.Time{}, "gina v2", version(1)), del("A#gina@example.com", "A", exists), put("A#g@example.com", "A", 1, time.Time{}, "gina", notExists))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Write = %v; want DeadlineExceeded", err)
	}
	wantData(t, plain, "U#gina", "U", 1, "gina")
	wantData(t, plain, "A#gina@example.com", "A", 1, "gina")
	wantAbsent(t, plain, "A#g@example.com", "A")
}

// ---- setup, limits, misuse ----

func TestCreateTable(t *testing.T) {
	f := newFixture(t) // created once already
	tb := f.table(nil, nil)
	if err := tb.CreateTable(t.Context()); err != nil {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	ttl, err := f.client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(f.name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "exp" {
		t.Fatalf("TTL: %+v; want enabled on exp", d)
	}
	desc, err := f.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(f.name)})
	if err != nil {
		t.Fatal(err)
	}
	if s := desc.Table.BillingModeSummary; s == nil || s.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("billing mode %+v; want on-demand", s)
	}

	// A table with another key schema is refused.
	wrong := ddbproc.TableName()
	_, err = f.client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(wrong), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { // best effort: the tables go with DynamoDB Local anyway
		_, _ = f.client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(wrong)})
	}()
	if err := New(f.client, wrong, nil).CreateTable(t.Context()); err == nil || !strings.Contains(err.Error(), "key schema") {
		t.Fatalf("CreateTable on a table keyed by id: %v; want a key schema error", err)
	}
}

func TestMisuse(t *testing.T) {
	// None of these reach DynamoDB: the API panics if called.
	tb := New(newFaultAPI(nil, func(context.Context, string, int, any) error { panic("called DynamoDB") }), "t", nil)
	big := strings.Repeat("x", 390<<10)
	var huge []store.Op
	for i := range 11 { // 11 × 390 KB > 4 MB
		huge = append(huge, put("P", strconv.Itoa(i), 1, time.Time{}, big, store.Cond{}))
	}
	for name, ops := range map[string][]store.Op{
		"reserved pk":          {put(metaPK, metaCursorSK, 1, time.Time{}, "", store.Cond{})},
		"reserved pk (delete)": {del(metaPK, metaCursorSK, store.Cond{})},
		"transaction > 4 MB":   huge,
		"expiry after 2262":    {put("P", "S", 1, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), "", store.Cond{})},
		"expiry before 1678":   {put("P", "S", 1, time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), "", store.Cond{})},
		"item > 400 KB":        {put("P", "S", 1, time.Time{}, strings.Repeat("x", 400<<10), store.Cond{})},
		"invalid utf8":         {put("P\xff", "S", 1, time.Time{}, "", store.Cond{})},
	} {
		if err := tb.Write(t.Context(), ops...); err == nil || errors.Is(err, store.ErrConditionFailed) {
			t.Errorf("%s: %v; want a misuse error", name, err)
		}
	}
	if _, err := tb.Get(t.Context(), metaPK, metaCursorSK); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of the reserved key: %v; want a misuse error", err)
	}
	if _, _, err := tb.Query(t.Context(), metaPK, "", "", 1); err == nil {
		t.Error("Query of the reserved partition: want a misuse error")
	}

	tb.Close()
	if _, err := tb.Get(t.Context(), "P", "S"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v; want ErrClosed", err)
	}
	if err := tb.Write(t.Context(), put("P", "S", 1, time.Time{}, "", store.Cond{})); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v; want ErrClosed", err)
	}
	if err := tb.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
