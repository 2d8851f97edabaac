// Package nodetest runs the repository's JavaScript tests under node's built-in test runner for
// Go tests, and refuses a run that passed without testing.
//
// node's exit code alone is not enough: with every test turned into test.skip (or test.todo, or
// a t.skip() inside), or a file that declares nothing, node still exits 0 ("pass 1, skipped 6").
// Run therefore reads node's TAP report (--test-reporter=tap, whose top-level lines and
// "# tests/pass/fail/cancelled/skipped/todo N" summary are stable across node 18–22) and
// requires that the tests the files declare at their top level — counted from the files
// themselves, so the expectation cannot drift from the tests — are exactly the ones that ran, that
// each passed, and that nothing, subtests included, was skipped, todo, cancelled or failed.
//
// Node, Tools and Run go through infra/gate: without node or the npm packages a test skips, or
// fails under COGNATE_REQUIRE_CLIENTS=1 (as `make test` sets).
//
// This package is test support: only tests import it.
package nodetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/gate"
)

// timeout stops a hung node, not a slow one: the client suite takes about 20 s on a quiet
// 2-core machine, the router's under a second.
const timeout = 5 * time.Minute

// Node returns the path of the node executable, or ends t (infra/gate: skip, or fail under
// COGNATE_REQUIRE_CLIENTS=1).
func Node(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		gate.Missing(t, gate.Clients, "node", err)
	}
	return node
}

// Tools returns infra/node, where `make node-deps` installs the npm packages, after checking
// that pkgs are installed there; otherwise it ends t as Node does.
func Tools(t testing.TB, pkgs ...string) string {
	t.Helper()
	dir, err := toolsDir()
	if err != nil {
		gate.Missing(t, gate.Clients, "infra/node", err)
	}
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
			gate.Missing(t, gate.Clients, "the npm package "+p+" (`make node-deps`)", err)
		}
	}
	return dir
}

// toolsDir is infra/node.
func toolsDir() (string, error) {
	root, err := gate.RepoRoot("infra/node/package.json")
	return filepath.Join(root, "infra", "node"), err
}

// Run runs `node --test --test-reporter=tap files…` in dir with env added to the process's
// environment, and fails t unless node exits 0 and Check accepts its report against the tests
// the files declare. It logs node's summary, or its whole report when it fails t.
func Run(t testing.TB, dir string, env []string, files ...string) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("nodetest.Run: no test files")
	}
	node := Node(t)
	var declared []string
	for _, f := range files {
		src, err := os.ReadFile(filepath.Join(dir, f)) // also tells go test's cache the file matters
		if err != nil {
			t.Fatal(err)
		}
		names, err := Declared(src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(names) == 0 {
			t.Fatalf("%s declares no test", f)
		}
		declared = append(declared, names...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=tap"}, files...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	checkErr := Check(out.Bytes(), declared)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("node --test %s did not finish within %v:\n%s", strings.Join(files, " "), timeout, out.Bytes())
	case runErr != nil || checkErr != nil:
		t.Fatalf("node --test %s: exit %v; %v\n%s", strings.Join(files, " "), runErr, checkErr, out.Bytes())
	}
	t.Logf("node --test %s: %d tests declared, all passed\n%s", strings.Join(files, " "), len(declared), summaryLines(out.Bytes()))
}

// declaration is a line that starts a top-level test or suite (hooks run no test).
var (
	declaration = regexp.MustCompile(`^(test|it|describe|suite)\b`)
	// A top-level test call with a literal name: test('name', …), test.skip("name", …).
	testCall = regexp.MustCompile(`^test(?:\.(?:skip|todo|only))?\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|` + "`" + `((?:[^` + "`" + `\\$]|\\.)*)` + "`" + `)`)
)

// Declared returns the names of the tests src declares at its top level: the `test(` calls that
// start a line, whose first argument is a string literal. Anything it could not count — a
// describe/it/suite block, a name that is not a literal — is an error rather than a guess, so
// the count cannot quietly fall short of what node runs.
func Declared(src []byte) ([]string, error) {
	var names []string
	for i, line := range strings.Split(string(src), "\n") {
		if !declaration.MatchString(line) {
			continue
		}
		m := testCall.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("line %d: %q: only top-level test('literal name', …) calls are counted; write the test that way (or teach infra/nodetest)", i+1, strings.TrimSpace(line))
		}
		name := m[1] + m[2] + m[3]
		names = append(names, unescapeJS(name))
	}
	return names, nil
}

// unescapeJS undoes the escapes a test name may use in a string literal.
func unescapeJS(s string) string {
	return regexp.MustCompile(`\\(.)`).ReplaceAllString(s, "$1")
}

var (
	// topLevel is a top-level test point: "ok 3 - name # SKIP reason".
	topLevel = regexp.MustCompile(`^(ok|not ok) (\d+) - (.*)$`)
	plan     = regexp.MustCompile(`^1\.\.(\d+)$`)
	summary  = regexp.MustCompile(`^# (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$`)
)

// Check reads node's TAP report and accepts it only when its top-level tests are exactly the
// declared ones (as many, the same names), each "ok" without a SKIP or TODO directive, the plan
// says as many, and the summary counts at least that many tests, all passed: fail, cancelled,
// skipped and todo 0 (subtests included).
func Check(tap []byte, declared []string) error {
	var ran, problems []string
	counts := map[string]int{}
	planned := -1
	for _, line := range strings.Split(strings.ReplaceAll(string(tap), "\r\n", "\n"), "\n") {
		if m := topLevel.FindStringSubmatch(line); m != nil {
			name, directive := splitDirective(m[3])
			ran = append(ran, name)
			switch {
			case m[1] != "ok":
				problems = append(problems, fmt.Sprintf("%q failed", name))
			case directive != "":
				problems = append(problems, fmt.Sprintf("%q: %s", name, directive))
			}
		} else if m := plan.FindStringSubmatch(line); m != nil {
			planned, _ = strconv.Atoi(m[1])
		} else if m := summary.FindStringSubmatch(line); m != nil {
			counts[m[1]], _ = strconv.Atoi(m[2])
		}
	}
	for _, k := range []string{"tests", "pass", "fail", "cancelled", "skipped", "todo"} {
		if _, ok := counts[k]; !ok {
			return fmt.Errorf("no \"# %s N\" line in node's report: is this node's TAP reporter?", k)
		}
	}
	for _, k := range []string{"fail", "cancelled", "skipped", "todo"} {
		if counts[k] != 0 {
			problems = append(problems, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	if counts["pass"] != counts["tests"] || counts["tests"] < len(declared) {
		problems = append(problems, fmt.Sprintf("%d of %d tests passed, %d declared", counts["pass"], counts["tests"], len(declared)))
	}
	if planned != len(declared) {
		problems = append(problems, fmt.Sprintf("plan 1..%d, %d tests declared", planned, len(declared)))
	}
	want, got := slices.Sorted(slices.Values(declared)), slices.Sorted(slices.Values(ran))
	if !slices.Equal(want, got) {
		problems = append(problems, fmt.Sprintf("ran %q, declared %q", got, want))
	}
	if len(problems) > 0 {
		return errors.New("the JavaScript tests did not all run and pass: " + strings.Join(problems, "; "))
	}
	return nil
}

// splitDirective splits a TAP test point's description from its "# SKIP …" or "# TODO …"
// directive, and undoes the escapes node's reporter puts in names (\# and \\).
func splitDirective(desc string) (name, directive string) {
	var b strings.Builder
	for i := 0; i < len(desc); i++ {
		c := desc[i]
		switch {
		case c == '\\' && i+1 < len(desc):
			i++
			b.WriteByte(desc[i])
		case c == '#':
			d := strings.TrimSpace(desc[i+1:])
			if u := strings.ToUpper(d); strings.HasPrefix(u, "SKIP") || strings.HasPrefix(u, "TODO") {
				return strings.TrimSpace(b.String()), d
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// summaryLines returns the "# tests N" … lines of a report.
func summaryLines(tap []byte) string {
	var out []string
	for _, line := range strings.Split(string(tap), "\n") {
		if summary.MatchString(line) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
