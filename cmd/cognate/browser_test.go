package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/infra/gate"
	"github.com/cognatehq/cognate/infra/nodetest"
)

// chromium returns Debian's Chromium ($CHROMIUM, or /usr/bin/chromium; `make browser-deps`
// installs it), or ends t (infra/gate: skip, or fail under COGNATE_REQUIRE_CLIENTS=1).
func chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err == nil && !strings.Contains(string(out), "Chromium") {
		err = os.ErrNotExist
	}
	if err != nil {
		gate.Missing(t, gate.Clients, "Chromium ("+path+", `make browser-deps`)", err)
	}
	return path
}

// TestBrowser runs infra/node/test/*.browser.mjs: the hosted pages in Chromium through
// playwright-core, openid-client as the relying party, aws-jwt-verify and otplib, and Amplify
// v6's signInWithRedirect (bundled by esbuild) behind a node https proxy, against
// `cognate serve` with a PreSignUp webhook the script answers. COGNATE_SCREENSHOTS=<dir> keeps
// a PNG of every page (make screenshots).
func TestBrowser(t *testing.T) {
	nodetest.Node(t)
	browser := chromium(t)
	// amplify.browser.mjs makes its TLS front's certificate with the openssl CLI.
	if _, err := exec.LookPath("openssl"); err != nil {
		gate.Missing(t, gate.Clients, "openssl (`make browser-deps`)", err)
	}
	dir := nodetest.Tools(t, "playwright-core", "openid-client", "aws-jwt-verify", "otplib", "@aws-sdk/client-cognito-identity-provider",
		"aws-amplify", "esbuild")
	files, err := filepath.Glob(filepath.Join(dir, "test", "*.browser.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no infra/node/test/*.browser.mjs: %v", err)
	}
	for i, f := range files {
		files[i] = filepath.Join("test", filepath.Base(f))
	}
	hookPort := freePort(t)
	r := startLocal(t, "AKIDBROWSER:browser-test-secret", func(c *serveConfig) {
		c.webhooks = append(c.webhooks, "gatekeeper=http://127.0.0.1:"+hookPort+"/hook")
		c.webhookSecret = "browser-test-webhook-secret-0123"
	})
	env := []string{"COGNATE_ENDPOINT=" + r.endpoint, "COGNATE_ADMIN_KEY_ID=AKIDBROWSER", "COGNATE_ADMIN_SECRET=browser-test-secret",
		"COGNATE_HOOK_PORT=" + hookPort, "CHROMIUM=" + browser}
	if shots := os.Getenv("COGNATE_SCREENSHOTS"); shots != "" {
		abs, err := filepath.Abs(shots)
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, "COGNATE_SCREENSHOTS="+abs)
	}
	nodetest.Run(t, dir, env, files...)
}

// freePort is a loopback port free a moment ago, for a server the node script starts.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
