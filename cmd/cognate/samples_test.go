package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/infra/nodetest"
	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
)

// TestJavaScriptSampleHooks runs infra/node/test/clients.samples.mjs: amazon-cognito-identity-js
// signs in by CUSTOM_AUTH against a Cognate whose pool uses the sample email one-time-code hooks
// (functions/hooks/email-otp-*), their real binaries under the Lambda Runtime Interface Emulator
// reached through --lambda-endpoint, the code mailed through the SES emulator and read back from
// it by the test.
func TestJavaScriptSampleHooks(t *testing.T) {
	nodetest.Node(t)
	dir := nodetest.Tools(t, "@aws-sdk/client-cognito-identity-provider", "amazon-cognito-identity-js")
	ses := seslocal.Start(t)
	var endpoints endpointList
	for name, env := range map[string][]string{
		"email-otp-define": nil,
		"email-otp-create": hooktest.Env("", ses, "FROM_ADDRESS=Acme <codes@acme.example>", "APP_NAME=Acme"),
		"email-otp-verify": nil,
	} {
		fn := lambdarie.Start(t, "github.com/cognatehq/cognate/functions/hooks/"+name, lambdarie.Options{Env: env, Timeout: 10 * time.Second})
		if err := endpoints.Set(name + "=" + fn.Endpoint); err != nil {
			t.Fatal(err)
		}
	}
	r := startLocal(t, "AKIDJSTEST:js-test-secret", func(c *serveConfig) { c.lambdaEndpoints = endpoints })
	nodetest.Run(t, dir, []string{"COGNATE_ENDPOINT=" + r.endpoint, "COGNATE_ADMIN_KEY_ID=AKIDJSTEST", "COGNATE_ADMIN_SECRET=js-test-secret",
		"SES_ENDPOINT=" + strings.TrimSuffix(ses, "/")}, "test/clients.samples.mjs")
}
