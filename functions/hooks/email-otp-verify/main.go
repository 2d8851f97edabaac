// Command email-otp-verify is the VerifyAuthChallengeResponse trigger of the sample email
// one-time-code sign-in (template.yaml: EmailOtpVerifyFunction; pkg/hooks/emailotp). It runs
// unchanged behind Amazon Cognito and behind Cognate, and needs no configuration.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/hooks/emailotp"
)

func main() { lambda.StartHandlerFunc(emailotp.Verify) }
