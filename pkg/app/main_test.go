package app_test

import (
	"testing"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
)

// The API suite's sample-hook tests keep the hooks' own tables on DynamoDB Local, whatever store
// Cognate runs on here (apptest.runSampleHookTests); Main stops it after the tests.
func TestMain(m *testing.M) { ddbproc.Main(m) }
