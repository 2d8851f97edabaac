// Command user-migration is a sample UserMigration trigger (template.yaml:
// UserMigrationLegacyFunction) moving users of a legacy system, read from the DynamoDB table
// LEGACY_USERS_TABLE with bcrypt password hashes, into the pool when they first sign in or reset
// their password. It runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognatehq/cognate/pkg/hooks/migration"
)

func main() {
	cfg, err := migration.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "user-migration:", err)
		os.Exit(1)
	}
	aws, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "user-migration: AWS configuration:", err)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(migration.Handler(cfg, dynamodb.NewFromConfig(aws)))
}
