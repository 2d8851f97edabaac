package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognatehq/cognate/infra/kms/localkms"
	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/infra/nodetest"
)

// TestJavaScriptCustomSenders runs infra/node/test/*.senders.mjs: the official AWS Encryption
// SDK for JavaScript (@aws-crypto/client-node) decrypts the codes `cognate serve` sends a
// CustomEmailSender function, as AWS's sample function does, against local-kms — the proof
// that an existing sender works unchanged. The function (infra/lambda/testhook) runs under the
// Lambda Runtime Interface Emulator reached through --lambda-endpoint, and serve encrypts at
// --kms-endpoint-url, as a user would run them. Gated like the other JavaScript tests (node and
// the npm packages: COGNATE_REQUIRE_CLIENTS), and on local-kms (COGNATE_REQUIRE_KMS) and the
// emulator (COGNATE_REQUIRE_LAMBDA); `make test` sets all three.
func TestJavaScriptCustomSenders(t *testing.T) {
	nodetest.Node(t)
	dir := nodetest.Tools(t, "@aws-sdk/client-cognito-identity-provider", "@aws-crypto/client-node", "@aws-sdk/client-kms")
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.senders.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no infra/node/test/*.senders.mjs: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("test", filepath.Base(f))
	}
	kmsEmu := localkms.Start(t)
	key, err := kmsEmu.Client.CreateKey(t.Context(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	hookDir := t.TempDir()
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/infra/lambda/testhook",
		lambdarie.Options{Env: []string{"TESTHOOK_DIR=" + hookDir}, Timeout: 10 * time.Second})
	var endpoints endpointList
	if err := endpoints.Set("custom-email-sender=" + fn.Endpoint); err != nil {
		t.Fatal(err)
	}
	r := startLocal(t, "AKIDJSTEST:js-test-secret", func(c *serveConfig) {
		c.lambdaEndpoints, c.kmsEndpoint = endpoints, kmsEmu.Endpoint
	})
	nodetest.Run(t, dir, []string{"COGNATE_ENDPOINT=" + r.endpoint, "COGNATE_ADMIN_KEY_ID=AKIDJSTEST", "COGNATE_ADMIN_SECRET=js-test-secret",
		"KMS_ENDPOINT=" + kmsEmu.Endpoint, "KMS_KEY_ARN=" + aws.ToString(key.KeyMetadata.Arn), "HOOK_DIR=" + hookDir}, files...)
}
