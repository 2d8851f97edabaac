package ddbproc

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognatehq/cognate/infra/gate"
)

// Main stops whatever a failed test left running.
func TestMain(m *testing.M) { Main(m) }

// TestLifecycle starts the shared DynamoDB Local, uses it, stops it as Main would, and checks
// that everything it started is gone and that no later Endpoint starts another.
func TestLifecycle(t *testing.T) {
	ep := Endpoint(t)
	c := NewClient(ep)
	name := TableName()
	if _, err := c.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) == 0 {
		t.Fatalf("ListTables: %v %v", out, err)
	}
	if again := Endpoint(t); again != ep {
		t.Fatalf("a second Endpoint %s, want the same server %s", again, ep)
	}

	local.mu.Lock()
	pid := local.proc.cmd.Process.Pid
	local.mu.Unlock()
	Stop()
	if processExists(pid) {
		t.Errorf("the launcher (pid %d) is still there after Stop", pid)
	}
	u, _ := url.Parse(ep)
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Stop", ep)
	}
	if _, err := endpoint(); err == nil {
		t.Error("Endpoint after Stop started another DynamoDB Local")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err == nil {
		t.Error("DynamoDB Local still answers after Stop")
	}
}

// TestUnavailableSkipsOrFails: without java and node, Endpoint skips, and fails under
// COGNATE_REQUIRE_DYNAMODB=1 (`make test`), where a skip would pass the store suite untested.
func TestUnavailableSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // neither java nor node
	for _, require := range []string{"1", ""} {
		t.Run(RequireEnv+"="+require, func(t *testing.T) {
			t.Setenv(RequireEnv, require)
			freshState(t)
			o := gate.Observe(t, func(tb testing.TB) { Endpoint(tb) })
			if o.Failed != (require == "1") || o.Skipped == (require == "1") || !strings.Contains(o.Log, "java") {
				t.Fatalf("Endpoint without java: %v", o)
			}
		})
	}
}

// freshState makes Endpoint start from nothing for t (TestLifecycle stopped the shared server)
// and puts the package's state back afterwards.
func freshState(t *testing.T) {
	local.mu.Lock()
	started, stopped, endpoint, err, proc := local.started, local.stopped, local.endpoint, local.err, local.proc
	local.started, local.stopped, local.endpoint, local.err, local.proc = false, false, "", nil, nil
	local.mu.Unlock()
	t.Cleanup(func() {
		local.mu.Lock()
		local.started, local.stopped, local.endpoint, local.err, local.proc = started, stopped, endpoint, err, proc
		local.mu.Unlock()
	})
}
