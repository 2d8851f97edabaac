// Package seslocal runs the SES v2 emulator aws-ses-v2-local (npm, installed in infra/node by
// `make node-deps`, started by infra/ses/emulator.js) for tests, and reads back what it received
// (GET /store), so mail code is tested through a real sesv2.Client against a real SES wire
// protocol.
//
// Two lifetimes:
//
//   - Start(t) runs an emulator of t's own, stopped when t ends;
//   - Endpoint(t) returns the test binary's shared emulator, started on first use and stopped
//     by Main (or Run, or Stop) after the tests: func TestMain(m *testing.M) { seslocal.Main(m) }.
//
// The emulator listens on a free loopback port chosen by the kernel. It runs in a process group
// of its own, which stopping signals; as a safety net, emulator.js also exits when its stdin
// closes, that is when the test process exits however it exits.
//
// When node or the npm package are missing, tests are skipped with the reason, or failed when
// COGNATE_REQUIRE_CLIENTS=1 (as `make test` sets). An emulator that is installed but does not
// start always fails the test.
//
// This package is test support: only tests import it.
package seslocal

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cognatehq/cognate/infra/gate"
)

const (
	// RequireEnv, when "1", makes a missing emulator a failure instead of a skip.
	RequireEnv = gate.Clients
	// Region the clients are configured with.
	Region = "us-east-1"

	startTimeout  = 30 * time.Second
	healthTimeout = 10 * time.Second
	stopTimeout   = 5 * time.Second
)

// Emulator is one running aws-ses-v2-local.
type Emulator struct {
	// Endpoint is its base URL, http://127.0.0.1:<port>.
	Endpoint string

	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan struct{}
	stderr *lockedBuffer
}

// unavailableError is a missing prerequisite (node, the npm package): skippable.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// Start runs an emulator for t alone and stops it when t ends. It returns its endpoint.
func Start(t testing.TB) string {
	t.Helper()
	return startFor(t).Endpoint
}

func startFor(t testing.TB) *Emulator {
	t.Helper()
	e, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			if s := e.stderr.String(); s != "" {
				t.Logf("aws-ses-v2-local stderr:\n%s", s)
			}
		}
	})
	return e
}

var shared struct {
	mu      sync.Mutex
	started bool
	stopped bool
	e       *Emulator
	err     error
}

// Endpoint returns the endpoint of the test binary's shared emulator, starting it on first use.
func Endpoint(t testing.TB) string {
	t.Helper()
	shared.mu.Lock()
	if shared.stopped && shared.e == nil && shared.err == nil {
		shared.err = errors.New("seslocal: the shared emulator was stopped (Stop belongs after the tests)")
	}
	if !shared.started && !shared.stopped {
		shared.started = true
		shared.e, shared.err = start()
	}
	e, err := shared.e, shared.err
	shared.mu.Unlock()
	if err != nil {
		fail(t, err)
	}
	return e.Endpoint
}

// Main runs the tests, stops the shared emulator if they started it, and exits with their status.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests and stops the shared emulator if they started it, returning m.Run's status.
func Run(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the shared emulator if it runs.
func Stop() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.e != nil {
		shared.e.Stop()
		shared.e = nil
		shared.err = errors.New("seslocal: the shared emulator was stopped (Stop belongs after the tests)")
	}
	shared.stopped = true
}

func fail(t testing.TB, err error) {
	t.Helper()
	var missing *unavailableError
	if errors.As(err, &missing) {
		gate.Missing(t, RequireEnv, "the SES emulator (aws-ses-v2-local, `make node-deps`)", err)
	}
	t.Fatalf("the SES emulator is not available (`make node-deps` installs it): %v", err)
}

// repoRoot is the directory holding infra/ses/emulator.js.
func repoRoot() (string, error) { return gate.RepoRoot("infra/ses/emulator.js") }

func start() (*Emulator, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, &unavailableError{fmt.Errorf("node: %w", err)}
	}
	if _, err := os.Stat(filepath.Join(root, "infra/node/node_modules/aws-ses-v2-local/package.json")); err != nil {
		return nil, &unavailableError{fmt.Errorf("infra/node/node_modules/aws-ses-v2-local: %w", err)}
	}
	cmd := exec.Command(node, filepath.Join(root, "infra/ses/emulator.js"))
	ownGroup(cmd)
	stdin, err := cmd.StdinPipe() // the emulator exits when this closes, even if we die
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e := &Emulator{cmd: cmd, stdin: stdin, exited: make(chan struct{}), stderr: &lockedBuffer{}}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(e.exited) }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()

	var ready struct{ Endpoint string }
	select {
	case line, ok := <-lines:
		if !ok || json.Unmarshal([]byte(line), &ready) != nil || ready.Endpoint == "" {
			e.Stop()
			return nil, fmt.Errorf("emulator did not start: %q %s", line, e.stderr.String())
		}
	case <-time.After(startTimeout):
		e.Stop()
		return nil, fmt.Errorf("emulator did not start within %v: %s", startTimeout, e.stderr.String())
	}
	// It prints once it listens; the health check confirms the app answers.
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(healthTimeout)
	for {
		resp, err := hc.Get(ready.Endpoint + "/health-check")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("emulator at %s not healthy: %v", ready.Endpoint, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.Endpoint = ready.Endpoint
	return e, nil
}

// Stop ends the emulator: close its stdin, SIGTERM its process group, SIGKILL after 5 s.
func (e *Emulator) Stop() {
	_ = e.stdin.Close()
	signalGroup(e.cmd, sigTerm)
	select {
	case <-e.exited:
	case <-time.After(stopTimeout):
		signalGroup(e.cmd, sigKill)
		<-e.exited
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---- clients and the store ----

// NewClient is an SES v2 client for endpoint with static credentials; optFns apply last (a
// retryer, an HTTP client).
func NewClient(endpoint string, optFns ...func(*sesv2.Options)) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSESLOCAL", "ses-local-secret", ""),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
	}, optFns...)
}

// Message is an email as the emulator stored it.
type Message struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To, Cc, Bcc []string
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML *string `json:"html"`
		Text *string `json:"text"`
	} `json:"body"`
}

// Text is the message's text part, or "".
func (m Message) Text() string {
	if m.Body.Text == nil {
		return ""
	}
	return *m.Body.Text
}

// Messages returns what the emulator at endpoint received for the recipient to (every message
// when to is empty), oldest first.
func Messages(t testing.TB, endpoint, to string) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/store", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("reading the SES emulator's store: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reading the SES emulator's store: %s", resp.Status)
	}
	var store struct{ Emails []Message }
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("decoding the SES emulator's store: %v", err)
	}
	if to == "" {
		return store.Emails
	}
	var out []Message
	for _, e := range store.Emails {
		for _, addr := range e.Destination.To {
			if addr == to {
				out = append(out, e)
				break
			}
		}
	}
	return out
}
