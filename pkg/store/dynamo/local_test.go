package dynamo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/pkg/clock"
)

// One DynamoDB Local serves the whole package (infra/dynamodb/ddblocal/ddbproc: started on first
// use, so tests that need none never pay for it, and stopped after the tests). Each test gets its
// own table. The package imports ddbproc rather than ddblocal, which imports this package.

func TestMain(m *testing.M) { ddbproc.Main(m) }

// fixture is a fresh table on DynamoDB Local.
type fixture struct {
	client *dynamodb.Client // the plain client, for setup and raw inspection
	name   string
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	f := fixture{client: ddbproc.NewClient(ddbproc.Endpoint(t)), name: ddbproc.TableName()}
	if err := New(f.client, f.name, nil, WithTimeout(30*time.Second)).CreateTable(context.Background()); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	ddbproc.DeleteTableAtCleanup(t, f.client, f.name)
	return f
}

// table opens a Table on the fixture through api (the plain client when nil).
func (f fixture) table(api API, clk clock.Clock, opts ...Option) *Table {
	if api == nil {
		api = f.client
	}
	return New(api, f.name, clk, opts...)
}

// raw reads an item as stored, expired or not.
func (f fixture) raw(t testing.TB, pk, sk string) map[string]string {
	t.Helper()
	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.name), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("raw GetItem: %v", err)
	}
	if out.Item == nil {
		return nil
	}
	m := map[string]string{}
	for k, v := range out.Item {
		m[k] = fmt.Sprint(attrString(v))
	}
	return m
}

// count is the number of items stored in the table (the cursor-key item included).
func (f fixture) count(t testing.TB) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(f.client, &dynamodb.ScanInput{TableName: aws.String(f.name), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		n += int(out.Count)
	}
	return n
}
