package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

func TestCountUsers(t *testing.T) {
	tbl, err := embedded.OpenTemp(clock.NewFake(storetest.Epoch))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	r := store.NewRepo(tbl)
	ctx := context.Background()
	for i := range 7 {
		if err := r.CreateUser(ctx, &store.User{PoolID: "p1", Key: fmt.Sprintf("u%d", i), Sub: fmt.Sprintf("s%d", i), Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.CreateUser(ctx, &store.User{PoolID: "p2", Key: "u0", Sub: "s0", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteUser(ctx, "p1", "u3"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pool         string
		page, max    int
		want         int64
		wantComplete bool
	}{
		{"p1", 2, 100, 6, true}, // several pages
		{"p1", 100, 100, 6, true},
		{"p1", 2, 4, 4, false}, // stops at the bound, on a page boundary
		{"p1", 4, 5, 6, true},
		{"p2", 2, 100, 1, true},
		{"none", 2, 100, 0, true},
	} {
		n, complete, err := r.CountUsers(ctx, tc.pool, tc.page, tc.max)
		if err != nil || n != tc.want || complete != tc.wantComplete {
			t.Errorf("CountUsers(%s, page %d, max %d) = %d, %v, %v; want %d, %v", tc.pool, tc.page, tc.max, n, complete, err, tc.want, tc.wantComplete)
		}
	}
}
