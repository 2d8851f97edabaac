// Command oauth is the oauth function (template.yaml: OAuthFunction): the per-pool JWKS and
// OpenID discovery documents, the OAuth 2.0 endpoints and hosted pages (pkg/oauth), and POST / for
// operations the edge router does not know.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/awsapp"
	"github.com/cognatehq/cognate/pkg/lambdahttp"
)

func main() {
	rt, err := awsapp.Load(context.Background())
	if err != nil {
		awsapp.Fatal(err)
	}
	lambda.StartHandlerFunc(lambdahttp.Handler(rt.OAuthHandler()))
}
