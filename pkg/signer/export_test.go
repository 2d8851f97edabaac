package signer

import (
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

// NewMemTable exposes the test-only in-memory Table to this directory's external tests (package
// signer_test), which cannot see unexported test code. It is not part of the package API.
func NewMemTable(clk clock.Clock) store.Table { return newMemTable(clk) }
