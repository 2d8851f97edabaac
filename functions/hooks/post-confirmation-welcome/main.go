// Command post-confirmation-welcome is a sample PostConfirmation trigger (template.yaml:
// PostConfirmationWelcomeFunction) mailing APP_NAME's welcome from FROM_ADDRESS through SES when a
// user confirms their sign-up. It runs unchanged behind Amazon Cognito and behind Cognate.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cognatehq/cognate/pkg/hooks/welcome"
)

func main() {
	cfg, err := welcome.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post-confirmation-welcome:", err)
		os.Exit(1)
	}
	aws, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "post-confirmation-welcome: AWS configuration:", err)
		os.Exit(1)
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	lambda.StartHandlerFunc(welcome.Handler(cfg, sesv2.NewFromConfig(aws)))
}
