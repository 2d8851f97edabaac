package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
)

// TestJavaScriptClients runs the real JavaScript clients (AWS SDK v3, amazon-cognito-identity-js,
// aws-jwt-verify) under node against a local Cognate built exactly as `cognate serve` builds it.
// `make test` installs the npm packages and sets COGNATE_REQUIRE_JS=1, so there it cannot skip.
func TestJavaScriptClients(t *testing.T) {
	nodeDir, _ := filepath.Abs("../../infra/node")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(nodeDir, "node_modules", "amazon-cognito-identity-js"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("COGNATE_REQUIRE_JS") == "1" {
			t.Fatalf("node or infra/node/node_modules missing (run make node-deps): %v %v", nodeErr, modErr)
		}
		t.Skip("skipped: node or infra/node/node_modules is missing; `make test` installs them and runs this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	cfg := &serveConfig{addr: addr, memory: true, issuerBase: "http://" + addr, region: "us-east-1", adminKeys: "AKIDJSTEST:js-test-secret"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	l, err := openLocal(ctx, cfg, clock.System{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ready, err := prepare(ctx, l.app.Service, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: l.handler}
	go srv.Serve(ln)
	defer srv.Close()

	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", "test/")
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(),
		"COGNATE_ENDPOINT=http://"+addr,
		"COGNATE_POOL_ID="+ready[0].PoolID,
		"COGNATE_CLIENT_ID="+ready[0].Clients[0],
		"COGNATE_ADMIN_KEY_ID=AKIDJSTEST",
		"COGNATE_ADMIN_SECRET=js-test-secret",
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("JavaScript client tests failed: %v", err)
	}
}
