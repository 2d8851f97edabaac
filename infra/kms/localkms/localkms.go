// Package localkms runs the KMS emulator local-kms (github.com/nsmithuk/local-kms, a Go
// implementation of the KMS JSON API: symmetric keys with encryption context, GenerateDataKey,
// Decrypt, RSA and ECC Sign/Verify/GetPublicKey, key states) for tests, so the KMS signer and
// master key are tested against a real KMS wire protocol and real key-state errors rather than a
// hand-written fake.
//
// The emulator is built from source with the Go toolchain from the module pinned in
// infra/kms/emulator (a module of its own, so it never becomes a dependency of Cognate), once per
// machine: the binary is kept in the user cache directory under the pinned version. Each Start
// runs a fresh emulator on a free loopback port with its data in a temporary directory, and the
// test's cleanup stops its whole process group.
//
// When the emulator cannot be built or started, Start skips the test with the reason, or fails
// it when COGNATE_REQUIRE_KMS=1 (as `make test` sets). COGNATE_LOCAL_KMS_BIN names a prebuilt
// binary to use instead of building one.
//
// Faulty wraps a client to count calls and inject the KMS errors of Faults, for every package's
// KMS tests (signer, envelope).
//
// This package is test support: only _test.go files import it.
package localkms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognatehq/cognate/infra/gate"
)

const (
	// Version is the local-kms module version pinned in infra/kms/emulator/go.mod (the 3.11.7
	// release commit; its tags lack the "v" Go needs, so this is a pseudo-version).
	Version = "v0.0.0-20231025161602-e4d9425700fe"
	// RequireEnv, when "1", turns "emulator unavailable" from a skip into a failure.
	RequireEnv = gate.KMS
	// BinEnv names a prebuilt local-kms binary to run instead of building one.
	BinEnv = "COGNATE_LOCAL_KMS_BIN"

	// Region and AccountID the emulator puts in its ARNs.
	Region    = "us-east-1"
	AccountID = "111122223333"

	buildTimeout = 5 * time.Minute
	readyTimeout = 15 * time.Second
	stopTimeout  = 5 * time.Second
	startTries   = 3
)

// Emulator is one running local-kms.
type Emulator struct {
	// Endpoint is its base URL, http://127.0.0.1:<port>.
	Endpoint string
	// Client is a KMS client for it with the SDK's standard retryer.
	Client *kms.Client
	// StartedIn is how long the process took to answer its first request.
	StartedIn time.Duration

	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// NewClient returns another KMS client for the emulator, with optFns applied (e.g. to set
// aws.NopRetryer{} or add middleware).
func (e *Emulator) NewClient(optFns ...func(*kms.Options)) *kms.Client {
	return kms.New(kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(e.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDLOCALKMS", "local-kms-secret", ""),
	}, optFns...)
}

// Log returns the emulator's output so far (it logs one line per request).
func (e *Emulator) Log() string {
	b, _ := os.ReadFile(e.logPath)
	return string(b)
}

// Start builds local-kms if needed, starts it, and stops it when t's test ends. It skips t (or
// fails it, under COGNATE_REQUIRE_KMS=1) when the emulator is unavailable.
func Start(t testing.TB) *Emulator {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		unavailable(t, err)
	}
	var e *Emulator
	for try := 1; ; try++ {
		e, err = start(bin, t.TempDir())
		if err == nil {
			break
		}
		// The free port we picked may have been taken before the emulator bound it.
		if try == startTries {
			unavailable(t, err)
		}
	}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("stopping local-kms: %v", err)
		}
		if t.Failed() {
			t.Logf("local-kms log (tail):\n%s", gate.Tail(e.Log(), 4096))
		}
	})
	return e
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	gate.Missing(t, RequireEnv, "the KMS emulator (local-kms)", err)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary returns the path of a local-kms executable: $COGNATE_LOCAL_KMS_BIN, or one built (once
// per process, and kept across runs in the user cache directory) from infra/kms/emulator.
func Binary() (string, error) {
	if p := os.Getenv(BinEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", BinEnv, err)
		}
		return p, nil
	}
	buildOnce.Do(func() { builtBin, buildErr = build() })
	return builtBin, buildErr
}

func build() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cognate", "local-kms", Version+"-"+runtime.Version()+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	bin := filepath.Join(dir, "local-kms")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		return bin, nil
	}
	moduleDir, err := emulatorModule()
	if err != nil {
		return "", err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building local-kms needs the go command: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Build aside, then rename: test binaries of several packages may build at once.
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-o", tmp, "github.com/nsmithuk/local-kms")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(),
		"GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false", "CGO_ENABLED=0",
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp) // may not exist; the build error is the one to report
		return "", fmt.Errorf("go build github.com/nsmithuk/local-kms@%s: %v\n%s", Version, err, gate.Tail(out.String(), 2048))
	}
	if err := os.Rename(tmp, bin); err != nil {
		_ = os.Remove(tmp) // the rename error is the one to report
		return "", err
	}
	return bin, nil
}

// emulatorModule finds infra/kms/emulator next to this source file.
func emulatorModule() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate infra/kms/emulator")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "emulator")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("local-kms module: %w", err)
	}
	return dir, nil
}

func start(bin, dir string) (*Emulator, error) {
	port, err := gate.FreePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "local-kms-"+port+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }() // the child writes through its own descriptor
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PORT="+port,
		"KMS_DATA_PATH="+filepath.Join(dir, "kms-data-"+port),
		"KMS_SEED_PATH="+filepath.Join(dir, "no-seed.yaml"), // absent: start with no keys
		"KMS_REGION="+Region,
		"KMS_ACCOUNT_ID="+AccountID,
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	ownGroup(cmd)
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting local-kms: %w", err)
	}
	e := &Emulator{Endpoint: "http://127.0.0.1:" + port, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() { e.waitErr = cmd.Wait(); close(e.done) }()
	if err := e.waitReady(); err != nil {
		_ = e.stop()
		return nil, fmt.Errorf("%w\n%s", err, gate.Tail(e.Log(), 2048))
	}
	e.StartedIn = time.Since(began)
	e.Client = e.NewClient()
	return e, nil
}

// waitReady polls with a ListKeys request until the emulator answers 200.
func (e *Emulator) waitReady() error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-e.done:
			return fmt.Errorf("local-kms exited before it was ready: %v", e.waitErr)
		default:
		}
		req, _ := http.NewRequest(http.MethodPost, e.Endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		if resp, err := hc.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body) // drained for reuse; only the status matters
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("local-kms not ready after %v", readyTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop terminates the emulator's process group, then kills it if it lingers.
func (e *Emulator) stop() error {
	select {
	case <-e.done:
		return nil
	default:
	}
	signalGroup(e.cmd, sigTerm)
	select {
	case <-e.done:
		return nil
	case <-time.After(stopTimeout):
	}
	signalGroup(e.cmd, sigKill)
	select {
	case <-e.done:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("local-kms (pid %d) did not exit", e.cmd.Process.Pid)
	}
}
