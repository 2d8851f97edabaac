// Package lambdarie runs Go Lambda functions under the real AWS Lambda Runtime Interface
// Emulator (github.com/aws/aws-lambda-runtime-interface-emulator) for tests: the function's own
// binary, built for this machine from its package, talks the Lambda Runtime API to the emulator,
// and tests invoke it through the emulator's Invoke endpoint with the real aws-sdk-go-v2 Lambda
// client. The emulator serves one function, always named "function", and drops the
// X-Amz-Function-Error header of a function error: a caller must recognise the error from the
// payload ({"errorMessage", "errorType"}).
//
// The emulator is built from the module pinned in infra/lambda/rie (a module of its own; the
// module proxy serves the emulator by pseudo-version only) with `go tool -n`, which caches it.
// Each Start runs one emulator with one function on free loopback ports (its Invoke endpoint
// and its Runtime API, so several run side by side) and stops its process group when the test
// ends. When the emulator or the function cannot be built or started, Start skips the test with
// the reason, or fails it under COGNATE_REQUIRE_LAMBDA=1 (as `make test` sets).
//
// This package is test support: only _test.go files import it.
package lambdarie

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/infra/gate"
)

// FunctionName is the only name the emulator serves a function under.
const FunctionName = "function"

const (
	buildTimeout = 5 * time.Minute
	readyTimeout = 15 * time.Second
	startTries   = 3
)

// Function is one function running under one emulator.
type Function struct {
	// Endpoint is the emulator's base URL, http://127.0.0.1:<port>; Invoke is
	// POST {Endpoint}/2015-03-31/functions/function/invocations.
	Endpoint string
	// Client is a Lambda client for it (no retries: a test sees each attempt).
	Client *lambda.Client

	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

// Log returns what the emulator and the function printed so far.
func (f *Function) Log() string {
	b, _ := os.ReadFile(f.logPath)
	return string(b)
}

// Options are what a function runs with.
type Options struct {
	// Env is added to the function's environment (NAME=value).
	Env []string
	// Timeout is the function's timeout (AWS_LAMBDA_FUNCTION_TIMEOUT); 0 means 30 s.
	Timeout time.Duration
}

// Start builds the package pkg (an import path of this module, a `main` on aws-lambda-go) and
// the emulator if needed, runs the function under the emulator, and stops both when t ends.
func Start(t testing.TB, pkg string, opts Options) *Function {
	t.Helper()
	rie, err := emulatorBinary()
	if err != nil {
		gate.Missing(t, gate.Lambda, "the Lambda Runtime Interface Emulator", err)
	}
	fn, err := functionBinary(pkg)
	if err != nil {
		gate.Missing(t, gate.Lambda, "a Lambda function build ("+pkg+")", err)
	}
	var f *Function
	for try := 1; ; try++ {
		f, err = start(rie, fn, t.TempDir(), opts)
		if err == nil {
			break
		}
		if try == startTries { // a free port may have been taken before the emulator bound it
			gate.Missing(t, gate.Lambda, "the Lambda Runtime Interface Emulator", err)
		}
	}
	t.Cleanup(func() {
		f.stop()
		if t.Failed() {
			t.Logf("emulator and function log (tail):\n%s", gate.Tail(f.Log(), 4096))
		}
	})
	return f
}

var (
	rieOnce sync.Once
	rieBin  string
	rieErr  error

	fnMu   sync.Mutex
	fnBins = map[string]string{}
)

// emulatorBinary builds (once; `go tool` caches it across runs) the emulator pinned in
// infra/lambda/rie and returns its path.
func emulatorBinary() (string, error) {
	rieOnce.Do(func() {
		dir, err := gate.RepoRoot("infra/lambda/rie/go.mod")
		if err != nil {
			rieErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, goCommand(), "tool", "-n", "aws-lambda-rie")
		cmd.Dir = filepath.Join(dir, "infra", "lambda", "rie")
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			rieErr = fmt.Errorf("go tool -n aws-lambda-rie: %v\n%s", err, gate.Tail(errb.String(), 2048))
			return
		}
		rieBin = strings.TrimSpace(out.String())
	})
	return rieBin, rieErr
}

// functionBinary builds pkg once per test process into a temporary directory.
func functionBinary(pkg string) (string, error) {
	fnMu.Lock()
	defer fnMu.Unlock()
	if bin, ok := fnBins[pkg]; ok {
		return bin, nil
	}
	root, err := gate.RepoRoot("infra/lambda/rie/go.mod")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "cognate-lambda-fn-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCommand(), "build", "-trimpath", "-tags", "lambda.norpc", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, gate.Tail(out.String(), 2048))
	}
	fnBins[pkg] = bin
	return bin, nil
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // not on PATH: the build fails and says so
}

func start(rie, fn, dir string, opts Options) (*Function, error) {
	invokePort, err := gate.FreePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := gate.FreePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "rie-"+invokePort+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }() // the child writes through its own descriptor
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+invokePort,
		"--runtime-api-address", "127.0.0.1:"+apiPort,
		"--log-level", "warn",
		fn)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+fmt.Sprint(int(timeout.Seconds())),
		"AWS_LAMBDA_FUNCTION_NAME="+FunctionName,
		"AWS_REGION=us-east-1",
	)
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	f := &Function{Endpoint: "http://127.0.0.1:" + invokePort, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(f.done) }()
	if err := f.waitReady(); err != nil {
		f.stop()
		return nil, fmt.Errorf("%w\n%s", err, gate.Tail(f.Log(), 2048))
	}
	f.Client = NewClient(f.Endpoint)
	return f, nil
}

// NewClient is a Lambda client for an emulator's endpoint: static credentials (the emulator
// checks none), no retries.
func NewClient(endpoint string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLAMBDARIE", "lambda-rie-secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// waitReady waits until the emulator accepts connections (it starts the function on the first
// Invoke).
func (f *Function) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	addr := strings.TrimPrefix(f.Endpoint, "http://")
	for time.Now().Before(deadline) {
		select {
		case <-f.done:
			return fmt.Errorf("the emulator exited before it was ready")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the emulator did not listen on %s within %v", addr, readyTimeout)
}

func (f *Function) stop() {
	if f.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-f.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
		<-f.done
	}
}
