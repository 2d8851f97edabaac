// Package hooktest is test support for the sample hooks (pkg/hooks/*) and the tests that run them:
// their DynamoDB tables on DynamoDB Local (infra/dynamodb/ddblocal/ddbproc), the codes they mail
// as the SES emulator (infra/ses/seslocal) stored them, and the environment a hook's binary needs
// to reach both when it runs under the Lambda Runtime Interface Emulator.
//
// It imports ddbproc, not ddblocal, so that pkg/app/apptest (which pkg/store/dynamo's in-package
// tests import) may use it. This package is test support: only tests import it.
package hooktest

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
)

// CallTimeout is CALL_TIMEOUT for hooks in tests: their 2 s default would fail a call that an
// emulator sharing a loaded machine with -race tests answers late. The default itself is tested
// against stalled APIs (pkg/hooks/hookkit).
const CallTimeout = 30 * time.Second

// DynamoDB is a client for the test binary's DynamoDB Local and its endpoint; it skips t (or
// fails it under COGNATE_REQUIRE_DYNAMODB=1) when DynamoDB Local cannot run. The test binary's
// TestMain must stop it (ddbproc.Main, ddblocal.Main, or ddbproc.Run).
func DynamoDB(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	endpoint := ddbproc.Endpoint(t)
	return ddbproc.NewClient(endpoint), endpoint
}

// Table creates a table keyed by the string partition key key, deleted when t ends, and returns
// its name.
func Table(t testing.TB, c *dynamodb.Client, key string) string {
	t.Helper()
	name := ddbproc.TableName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(key), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	ddbproc.DeleteTableAtCleanup(t, c, name)
	return name
}

// Put writes item, whose values are strings, booleans or string slices (a string set), to table.
func Put(t testing.TB, c *dynamodb.Client, table string, item map[string]any) {
	t.Helper()
	av := map[string]types.AttributeValue{}
	for k, v := range item {
		switch v := v.(type) {
		case string:
			av[k] = &types.AttributeValueMemberS{Value: v}
		case bool:
			av[k] = &types.AttributeValueMemberBOOL{Value: v}
		case []string:
			av[k] = &types.AttributeValueMemberSS{Value: v}
		default:
			t.Fatalf("hooktest.Put: attribute %s: unsupported %T", k, v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: av}); err != nil {
		t.Fatalf("PutItem %s: %v", table, err)
	}
}

// Delete removes the item whose partition key key is value from table.
func Delete(t testing.TB, c *dynamodb.Client, table, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{key: &types.AttributeValueMemberS{Value: value}}})
	if err != nil {
		t.Fatalf("DeleteItem %s: %v", table, err)
	}
}

var codeRe = regexp.MustCompile(`\b(\d{6})\b`)

// Code is the 6-digit code in the newest mail the SES emulator at endpoint holds for to, and how
// many mails to has received.
func Code(t testing.TB, endpoint, to string) (code string, mails int) {
	t.Helper()
	msgs := seslocal.Messages(t, endpoint, to)
	if len(msgs) == 0 {
		t.Fatalf("the SES emulator holds no mail to %s", to)
	}
	m := codeRe.FindStringSubmatch(msgs[len(msgs)-1].Text())
	if m == nil {
		t.Fatalf("the newest mail to %s carries no 6-digit code: %q", to, msgs[len(msgs)-1].Text())
	}
	return m[1], len(msgs)
}

// Env is the environment a hook's binary needs to reach DynamoDB Local at ddb and the SES
// emulator at ses ("" for either it does not use) with static credentials, and a CALL_TIMEOUT
// for a loaded machine; extra NAME=value pairs follow.
func Env(ddb, ses string, extra ...string) []string {
	env := []string{"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDHOOKTEST", "AWS_SECRET_ACCESS_KEY=hook-test-secret",
		"AWS_SESSION_TOKEN=", "AWS_PROFILE=", fmt.Sprintf("CALL_TIMEOUT=%s", CallTimeout)}
	if ddb != "" {
		env = append(env, "AWS_ENDPOINT_URL_DYNAMODB="+ddb)
	}
	if ses != "" {
		env = append(env, "AWS_ENDPOINT_URL_SESV2="+ses)
	}
	return append(env, extra...)
}
