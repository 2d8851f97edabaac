// Command rotate-keys is the scheduled key rotation (template.yaml: RotateKeysFunction, daily):
// it rotates every pool's signing keys whose newest generation is older than
// COGNATE_ROTATE_AFTER_DAYS (default 90) and deletes retired ones (pkg/signer, "Rotation").
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognatehq/cognate/pkg/awsapp"
)

func main() {
	rt, err := awsapp.Load(context.Background())
	if err != nil {
		awsapp.Fatal(err)
	}
	settings, err := awsapp.RotateSettingsFromEnv(os.Getenv)
	if err != nil {
		awsapp.Fatal(err)
	}
	lambda.Start(rt.RotateKeysHandler(settings))
}
