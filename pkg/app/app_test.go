package app_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/userpool"
)

func TestAPIOnEmbeddedStore(t *testing.T) {
	apptest.RunAPITests(t, func(t *testing.T, clk clock.Clock) store.Table {
		tbl, err := embedded.OpenTemp(clk)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tbl.Close() })
		return tbl
	})
}

// countingTable counts reads, so a test can tell a search from a scan.
type countingTable struct {
	store.Table
	gets, queries, items atomic.Int64
}

func (c *countingTable) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	c.gets.Add(1)
	return c.Table.Get(ctx, pk, sk)
}

func (c *countingTable) Query(ctx context.Context, pk, prefix, cursor string, limit int) ([]store.Item, string, error) {
	c.queries.Add(1)
	items, next, err := c.Table.Query(ctx, pk, prefix, cursor, limit)
	c.items.Add(int64(len(items)))
	return items, next, err
}

// A filtered ListUsers reads the matching index items and those users, not the pool.
func TestListUsersFilterDoesNotScan(t *testing.T) {
	var counted *countingTable
	e := apptest.Start(t, func(t *testing.T, clk clock.Clock) store.Table {
		tbl, err := embedded.OpenTemp(clk)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tbl.Close() })
		counted = &countingTable{Table: tbl}
		return counted
	})
	ctx := context.Background()
	p, err := e.App.Service.CreateUserPool(ctx, &userpool.CreateUserPoolInput{PoolName: "big"})
	if err != nil {
		t.Fatal(err)
	}
	const users = 300
	for i := 0; i < users; i++ {
		email := fmt.Sprintf("user%03d@example.com", i)
		if _, err := e.App.Service.AdminCreateUser(ctx, &userpool.AdminCreateUserInput{UserPoolId: p.UserPool.Id, Username: fmt.Sprintf("user%03d", i),
			MessageAction: "SUPPRESS", UserAttributes: []userpool.AttributeType{{Name: "email", Value: &email}}}); err != nil {
			t.Fatal(err)
		}
	}
	counted.gets.Store(0)
	counted.queries.Store(0)
	counted.items.Store(0)
	out, err := e.App.Service.ListUsers(ctx, &userpool.ListUsersInput{UserPoolId: p.UserPool.Id, Filter: `email = "user150@example.com"`})
	if err != nil || len(out.Users) != 1 || out.Users[0].Username != "user150" {
		t.Fatalf("ListUsers: %+v %v", out, err)
	}
	if q, it, g := counted.queries.Load(), counted.items.Load(), counted.gets.Load(); q > 2 || it > 2 || g > 4 {
		t.Fatalf("a filtered ListUsers of %d users made %d queries over %d items and %d gets", users, q, it, g)
	}
}
