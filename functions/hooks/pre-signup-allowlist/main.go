// Command pre-signup-allowlist is a sample PreSignUp trigger (template.yaml:
// PreSignUpAllowlistFunction) admitting emails of ALLOWED_EMAIL_DOMAINS (comma-separated). It
// runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/hooks/allowlist"
)

func main() {
	lambda.StartHandlerFunc(allowlist.Handler(strings.Split(os.Getenv("ALLOWED_EMAIL_DOMAINS"), ",")))
}
