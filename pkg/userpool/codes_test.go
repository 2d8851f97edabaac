package userpool

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
)

// codeGate holds the first n reads of any code item (a Get, or CountAttempt, which reads as it
// counts) until all n have arrived: every caller then acts on what it read before any of them
// writes, the interleaving that lets a read-then-count scheme judge every guess.
type codeGate struct {
	store.Table
	mu      sync.Mutex
	n       int
	arrived int
	open    chan struct{}
}

func (g *codeGate) wait(sk string) {
	if !strings.HasPrefix(sk, "CODE#") {
		return
	}
	g.mu.Lock()
	if g.arrived >= g.n {
		g.mu.Unlock()
		return
	}
	g.arrived++
	if g.arrived == g.n {
		close(g.open)
	}
	g.mu.Unlock()
	<-g.open
}

func (g *codeGate) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	g.wait(sk)
	return g.Table.Get(ctx, pk, sk)
}

func (g *codeGate) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	g.wait(sk)
	return g.Table.CountAttempt(ctx, pk, sk, r)
}

// newTestService is a Service on a temporary embedded store, wrapped by wrap, with a fake clock.
func newTestService(t *testing.T, wrap func(store.Table) store.Table) (*Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	tbl, err := embedded.OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	mk, err := envelope.NewLocalMasterKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealer := envelope.NewSealer(mk, rand.Reader)
	s, err := New(context.Background(), Config{IssuerBase: "http://127.0.0.1:9229"}, Deps{Table: wrap(tbl),
		Signer: signer.NewLocal(tbl, sealer, clk, rand.Reader), Sealer: sealer, Mail: dropMail{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// noCounting is a store that refuses CountAttempt outright, as DynamoDB does for a function
// without dynamodb:UpdateItem: codes are then counted by compare-and-swap.
type noCounting struct{ store.Table }

func (noCounting) CountAttempt(context.Context, string, string, store.AttemptRule) (store.Item, error) {
	return store.Item{}, errors.New("AccessDeniedException: not authorized to perform dynamodb:UpdateItem")
}

// Of concurrent guesses at one code, only those whose attempt was counted first are judged, even
// when every one of them reads the code before any counts: five verdicts, then the code is void,
// for the right code too. Both ways of counting: the one request that reads as it counts, and
// the compare-and-swap a store takes when it cannot.
func TestCodeAttemptsCountedBeforeJudging(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(gate *codeGate) store.Table
	}{
		{"CountAttempt", func(gate *codeGate) store.Table { return gate }},
		{"CompareAndSwap", func(gate *codeGate) store.Table { return noCounting{gate} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const guesses = 12
			gate := &codeGate{n: guesses, open: make(chan struct{})}
			s, _ := newTestService(t, func(tbl store.Table) store.Table { gate.Table = tbl; return tc.wrap(gate) })
			ctx := context.Background()
			p, err := s.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "codes"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AdminCreateUser(ctx, &api.AdminCreateUserInput{UserPoolId: p.UserPool.Id, Username: "rae", MessageAction: "SUPPRESS"}); err != nil {
				t.Fatal(err)
			}
			pool, err := s.dir.Pool(ctx, p.UserPool.Id)
			if err != nil {
				t.Fatal(err)
			}
			u, err := s.dir.MustFindUser(ctx, pool, "rae", false)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Repo.Commit(ctx, s.codes.Op(pool, u, codes.PurposeSignUp, "email", "rae@example.com", "123456", codes.SignUpTTL)); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			for range guesses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := s.codes.Check(ctx, pool, u, codes.PurposeSignUp, "654321")
					mu.Lock()
					defer mu.Unlock()
					if ce := cognito.As(err); ce != nil {
						seen[ce.Type]++
					} else {
						seen[fmt.Sprint(err)]++
					}
				}()
			}
			wg.Wait()
			if seen["CodeMismatchException"] != codes.MaxAttempts || seen["ExpiredCodeException"] != guesses-codes.MaxAttempts {
				t.Fatalf("%d concurrent wrong codes: %v; want %d judged, the rest refused as expired", guesses, seen, codes.MaxAttempts)
			}
			_, _, err = s.codes.Check(ctx, pool, u, codes.PurposeSignUp, "123456")
			if ce := cognito.As(err); ce == nil || ce.Type != "ExpiredCodeException" {
				t.Fatalf("the right code after five wrong ones: %v, want ExpiredCodeException", err)
			}
		})
	}
}
