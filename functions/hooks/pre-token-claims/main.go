// Command pre-token-claims is a sample PreTokenGeneration V2_0 trigger (template.yaml:
// PreTokenClaimsFunction) putting each user's tenant_id, plan and scopes, read from the DynamoDB
// table CLAIMS_TABLE, in their tokens. It runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognatehq/cognate/pkg/hooks/tokenclaims"
)

func main() {
	cfg, err := tokenclaims.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pre-token-claims:", err)
		os.Exit(1)
	}
	aws, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "pre-token-claims: AWS configuration:", err)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(tokenclaims.Handler(cfg, dynamodb.NewFromConfig(aws)))
}
