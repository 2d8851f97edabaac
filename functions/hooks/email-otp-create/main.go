// Command email-otp-create is the CreateAuthChallenge trigger of the sample email one-time-code
// sign-in (template.yaml: EmailOtpCreateFunction; pkg/hooks/emailotp): it mails APP_NAME's 6-digit
// code from FROM_ADDRESS through SES. It runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cognatehq/cognate/pkg/hooks/emailotp"
)

func main() {
	cfg, err := emailotp.CreateConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "email-otp-create:", err)
		os.Exit(1)
	}
	aws, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "email-otp-create: AWS configuration:", err)
		os.Exit(1)
	}
	lambda.StartHandlerFunc(emailotp.Create(cfg, sesv2.NewFromConfig(aws)))
}
