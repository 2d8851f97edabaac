package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/store/storetest"
)

func TestFaulty(t *testing.T) {
	ctx := context.Background()
	tb, err := embedded.OpenTemp(clock.NewFake(storetest.Epoch))
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	f := storetest.NewFaulty(tb)
	down := errors.New("down")
	put := func(sk string) error {
		return f.Write(ctx, store.Op{Kind: store.OpPut, Item: store.Item{PK: "P", SK: sk, Version: 1, Data: []byte("x")}})
	}
	stored := func(sk string) bool {
		_, err := tb.Get(ctx, "P", sk)
		return err == nil
	}

	f.FailWrites(down, func(ops []store.Op) bool { return ops[0].Item.SK == "b" })
	if err := put("a"); err != nil || !stored("a") {
		t.Fatalf("unmatched write: %v, stored %v", err, stored("a"))
	}
	if err := put("b"); !errors.Is(err, down) || stored("b") {
		t.Fatalf("matched write: %v, stored %v", err, stored("b"))
	}
	f.FailWrites(nil, nil)

	f.LoseWrites(down)
	if err := put("c"); !errors.Is(err, down) || !stored("c") {
		t.Fatalf("lost write: %v, stored %v", err, stored("c"))
	}
	f.LoseWrites(nil)

	ran := 0
	f.BeforeNextWrite(func() {
		ran++
		if !stored("c") || stored("d") {
			t.Error("hook did not run before the write")
		}
	})
	if err := put("d"); err != nil || !stored("d") {
		t.Fatal(err)
	}
	if err := put("e"); err != nil || ran != 1 {
		t.Fatalf("hook ran %d times", ran)
	}

	f.FailQueries(down)
	if _, _, err := f.Query(ctx, "P", "", "", 0); !errors.Is(err, down) {
		t.Fatalf("Query = %v", err)
	}
	f.FailQueries(nil)
	if items := storetest.Items(t, f, "P"); len(items) != 4 {
		t.Fatalf("%d items", len(items))
	}
	storetest.Set(t, f, store.Item{PK: "P", SK: "a", Version: 7, Data: []byte("y")})
	if it, err := f.Get(ctx, "P", "a"); err != nil || it.Version != 7 || string(it.Data) != "y" {
		t.Fatalf("after Set: %+v, %v", it, err)
	}
	if w, q, g := f.Writes.Load(), f.Queries.Load(), f.Gets.Load(); w != 6 || q != 2 || g != 1 {
		t.Fatalf("counted %d writes, %d queries, %d gets", w, q, g)
	}
}
