// Command authorizer is an API Gateway HTTP API Lambda authorizer for your own APIs
// (template.yaml: AuthorizerFunction): it admits Cognate access tokens of the configured pools
// with the required scopes and groups (COGNATE_AUTHORIZER_*).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/authorizer"
	"github.com/cognatehq/cognate/pkg/awsapp"
)

func main() {
	rt, err := awsapp.Load(context.Background())
	if err != nil {
		awsapp.Fatal(err)
	}
	lambda.StartHandlerFunc(authorizer.Handler(rt.VerifyAccessToken, authorizer.FromEnv(os.Getenv)))
}
