package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal"
	"github.com/cognatehq/cognate/infra/gate"
	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/infra/nodetest"
	"github.com/cognatehq/cognate/pkg/clock"
)

// The tests here drive a local Cognate, built exactly as `cognate serve` builds it, with real
// clients from outside Go: the JavaScript clients under node and the AWS CLI v2. `make test`
// installs them and sets COGNATE_REQUIRE_CLIENTS=1, so there they cannot skip.

type running struct {
	endpoint string
	poolID   string
	clientID string
}

func TestMain(m *testing.M) { ddblocal.Main(m) }

func startLocal(t *testing.T, adminKeys string, mods ...func(*serveConfig)) running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cfg := &serveConfig{addr: addr, memory: true, issuerBase: "http://" + addr, region: "us-east-1", adminKeys: adminKeys, store: "embedded"}
	for _, m := range mods {
		m(cfg)
	}
	ctx := context.Background()
	l, err := openLocal(ctx, cfg, clock.System{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ready, err := prepare(ctx, l.app.Service, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: l.handler}
	go func() { _ = srv.Serve(ln) }() // ErrServerClosed once the test closes it
	t.Cleanup(func() { _ = srv.Close() })
	return running{endpoint: "http://" + addr, poolID: ready[0].PoolID, clientID: ready[0].Clients[0]}
}

func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", strings.Join(cmd.Args, " "), out)
	if err != nil {
		t.Fatalf("%s failed: %v", cmd.Args[0], err)
	}
}

// TestJavaScriptClients runs AWS SDK v3, amazon-cognito-identity-js, Amplify and aws-jwt-verify
// under node: every test infra/node/test/*.test.mjs declares must run and pass (infra/nodetest).
func TestJavaScriptClients(t *testing.T) {
	nodetest.Node(t)
	dir := nodetest.Tools(t, "@aws-sdk/client-cognito-identity-provider", "amazon-cognito-identity-js", "aws-amplify", "aws-jwt-verify")
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no infra/node/test/*.test.mjs: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("test", filepath.Base(f))
	}
	r := startLocal(t, "AKIDJSTEST:js-test-secret")
	nodetest.Run(t, dir, []string{"COGNATE_ENDPOINT=" + r.endpoint, "COGNATE_POOL_ID=" + r.poolID, "COGNATE_CLIENT_ID=" + r.clientID,
		"COGNATE_ADMIN_KEY_ID=AKIDJSTEST", "COGNATE_ADMIN_SECRET=js-test-secret"}, files...)
}

// TestAWSCLI runs the foundation life (infra/cli/life.sh) through the AWS CLI v2. Admin calls
// are signed with whatever keys the CLI has: on loopback without admin keys Cognate accepts any
// well-formed signature, which is what this exercises.
func TestAWSCLI(t *testing.T) { runCLILife(t) }

// TestAWSCLIOnDynamoDB is the same life with `cognate serve --store dynamodb --create-table`
// on DynamoDB Local.
func TestAWSCLIOnDynamoDB(t *testing.T) {
	endpoint := ddblocal.Endpoint(t)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
	runCLILife(t, func(c *serveConfig) {
		c.store, c.table, c.createTable = "dynamodb", ddblocal.TableName(), true
	})
}

// awsCLI returns the AWS CLI v2 ($AWS_CLI, or /usr/bin/aws), or ends t (infra/gate: skip, or
// fail under COGNATE_REQUIRE_CLIENTS=1).
func awsCLI(t testing.TB) string {
	t.Helper()
	cli := os.Getenv("AWS_CLI")
	if cli == "" {
		cli = "/usr/bin/aws"
	}
	out, err := exec.Command(cli, "--version").CombinedOutput()
	if err == nil && !strings.HasPrefix(string(out), "aws-cli/2.") {
		err = fmt.Errorf("%s --version says %q", cli, bytes.TrimSpace(out))
	}
	if err != nil {
		gate.Missing(t, gate.Clients, "the AWS CLI v2 ("+cli+", `make cli-deps`)", err)
	}
	return cli
}

// TestAWSCLIGate: without the CLI, the CLI tests skip, and fail under COGNATE_REQUIRE_CLIENTS=1
// (`make test`).
func TestAWSCLIGate(t *testing.T) {
	t.Setenv("AWS_CLI", "/nonexistent/aws")
	for _, require := range []string{"1", ""} {
		t.Run(gate.Clients+"="+require, func(t *testing.T) {
			t.Setenv(gate.Clients, require)
			o := gate.Observe(t, func(tb testing.TB) { awsCLI(tb) })
			if o.Failed != (require == "1") || o.Skipped == (require == "1") || !strings.Contains(o.Log, "/nonexistent/aws") {
				t.Fatalf("no AWS CLI: %v", o)
			}
		})
	}
}

func runCLILife(t *testing.T, mods ...func(*serveConfig)) {
	cli := awsCLI(t)
	r := startLocal(t, "", mods...)
	script, _ := filepath.Abs("../../infra/cli/life.sh")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = append(os.Environ(), "COGNATE_ENDPOINT="+r.endpoint, "AWS_CLI="+cli)
	run(t, cmd)
}

// TestJavaScriptTriggers runs infra/node/test/*.triggers.mjs: amazon-cognito-identity-js, Amplify v6 and
// aws-jwt-verify against a Cognate whose trigger functions (infra/lambda/testhook, one per
// function) run under the real Lambda Runtime Interface Emulator, reached through
// --lambda-endpoint as a user would run them.
func TestJavaScriptTriggers(t *testing.T) {
	nodetest.Node(t)
	dir := nodetest.Tools(t, "@aws-sdk/client-cognito-identity-provider", "amazon-cognito-identity-js", "aws-amplify", "aws-jwt-verify")
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.triggers.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no infra/node/test/*.triggers.mjs: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("test", filepath.Base(f))
	}
	env := []string{}
	var endpoints endpointList
	for _, name := range []string{"pre-sign-up", "define", "create", "verify", "pre-token"} {
		hookDir := t.TempDir()
		fn := lambdarie.Start(t, "github.com/cognatehq/cognate/infra/lambda/testhook",
			lambdarie.Options{Env: []string{"TESTHOOK_DIR=" + hookDir}, Timeout: 10 * time.Second})
		if err := endpoints.Set(name + "=" + fn.Endpoint); err != nil {
			t.Fatal(err)
		}
		env = append(env, "HOOK_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+"="+hookDir)
	}
	r := startLocal(t, "AKIDJSTEST:js-test-secret", func(c *serveConfig) { c.lambdaEndpoints = endpoints })
	nodetest.Run(t, dir, append(env, "COGNATE_ENDPOINT="+r.endpoint, "COGNATE_POOL_ID="+r.poolID, "COGNATE_CLIENT_ID="+r.clientID,
		"COGNATE_ADMIN_KEY_ID=AKIDJSTEST", "COGNATE_ADMIN_SECRET=js-test-secret"), files...)
}
