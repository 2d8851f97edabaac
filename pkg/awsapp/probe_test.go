package awsapp_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/pkg/awsapp"
	"github.com/cognatehq/cognate/pkg/config"
)

// A function whose settings name a table or key that is not there fails its cold start with a
// message naming the setting, instead of answering every request with InternalErrorException
// (what `sam local invoke` with the template's default values used to give).
func TestNewFailsFastOnWrongSettings(t *testing.T) {
	ddb := ddblocal.NewClient(ddblocal.Endpoint(t))
	emu := localkms.Start(t)
	good := ddblocal.CreateTable(t, ddb)
	key, err := emu.Client.CreateKey(t.Context(), &envelopeKeyInput)
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	disabled, err := emu.Client.CreateKey(t.Context(), &envelopeKeyInput)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Client.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: disabled.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	wrongSchema := "wrong-schema-" + strings.ToLower(t.Name())
	if _, err := ddb.CreateTable(t.Context(), &dynamodb.CreateTableInput{TableName: aws.String(wrongSchema),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, table, key string
		want             []string // in the error; nil: no error
	}{
		{"the deployed settings", good, keyARN, nil},
		{"SAM's logical id for the table", "Table", keyARN, []string{"COGNATE_TABLE", `"Table"`, "AWS_ENDPOINT_URL_DYNAMODB"}},
		{"a table of another schema", wrongSchema, keyARN, []string{"COGNATE_TABLE", wrongSchema, "pk", "sk"}},
		{"a key that is not there", good, strings.Replace(keyARN, aws.ToString(key.KeyMetadata.KeyId), "00000000-0000-0000-0000-000000000000", 1),
			[]string{"COGNATE_ENVELOPE_KEY_ARN", "00000000-0000-0000-0000-000000000000", "AWS_ENDPOINT_URL_KMS"}},
		{"a disabled key", good, aws.ToString(disabled.KeyMetadata.Arn), []string{"COGNATE_ENVELOPE_KEY_ARN", "Disabled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "us-east-1", "COGNATE_TABLE": tc.table, "COGNATE_ORIGIN_VERIFY": originSecret,
				"COGNATE_SIGNER_MODE": "kms-envelope", "COGNATE_ENVELOPE_KEY_ARN": tc.key, "COGNATE_CALL_TIMEOUT": "30s"}
			cfg, err := config.Parse(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			_, err = awsapp.New(t.Context(), cfg, awsapp.Clients{DynamoDB: ddb, KMS: emu.Client,
				// Never called: nothing is sent.
				SNS: sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), Credentials: aws.AnonymousCredentials{}})},
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New started with a wrong setting")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error does not say %q: %v", w, err)
				}
			}
		})
	}
}
