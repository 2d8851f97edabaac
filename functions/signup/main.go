// Command signup is the Lambda function of the signup family (template.yaml: SignupFunction): the
// Cognito operations pkg/cognito assigns to it, served on POST /_cognate/signup behind the edge router.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/awsapp"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/lambdahttp"
)

func main() {
	rt, err := awsapp.Load(context.Background())
	if err != nil {
		awsapp.Fatal(err)
	}
	lambda.StartHandlerFunc(lambdahttp.Handler(rt.FamilyHandler(cognito.FamilySignup)))
}
