package main

import (
	"path/filepath"
	"testing"

	"github.com/cognatehq/cognate/infra/nodetest"
)

// TestJavaScriptMFA runs infra/node/test/*.mfa.mjs: amazon-cognito-identity-js and Amplify v6
// with software-token, SMS and email MFA and passwordless USER_AUTH (issue 13) — TOTP codes
// computed by otplib, SMS and email codes read from the outbox — against a local Cognate on the
// real clock. The tests make their own pools with the admin keys (SetUserPoolMfaConfig is an
// admin call); they are not *.test.mjs so that TestJavaScriptClients does not run them twice.
func TestJavaScriptMFA(t *testing.T) {
	nodetest.Node(t)
	dir := nodetest.Tools(t, "@aws-sdk/client-cognito-identity-provider", "amazon-cognito-identity-js", "aws-amplify", "otplib")
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.mfa.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no infra/node/test/*.mfa.mjs: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("test", filepath.Base(f))
	}
	r := startLocal(t, "AKIDJSTEST:js-test-secret")
	nodetest.Run(t, dir, []string{"COGNATE_ENDPOINT=" + r.endpoint, "COGNATE_POOL_ID=" + r.poolID, "COGNATE_CLIENT_ID=" + r.clientID,
		"COGNATE_ADMIN_KEY_ID=AKIDJSTEST", "COGNATE_ADMIN_SECRET=js-test-secret"}, files...)
}
