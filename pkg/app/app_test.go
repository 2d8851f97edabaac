package app_test

import (
	"testing"

	"github.com/cognatehq/cognate/pkg/app/apptest"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/embedded"
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
