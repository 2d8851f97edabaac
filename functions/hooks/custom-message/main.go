// Command custom-message is a sample CustomMessage trigger (template.yaml:
// CustomMessageBrandedFunction) sending codes and invitations as BRAND_NAME's HTML mail. It
// runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/hooks/brandedmail"
)

func main() {
	brand := os.Getenv("BRAND_NAME")
	if brand == "" {
		fmt.Fprintln(os.Stderr, "custom-message: BRAND_NAME is not set (the name the mails carry)")
		os.Exit(1)
	}
	lambda.Start(brandedmail.Handler(brand))
}
