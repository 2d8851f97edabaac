package nodetest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/infra/gate"
)

func TestDeclared(t *testing.T) {
	src := `import { test } from 'node:test';
// test('in a comment', () => {});
test('one', async (t) => {
  await t.test('a subtest is not top level', () => {});
});
test.skip("two", () => {});
test.todo(` + "`three`" + `);
test('it\'s four', () => {});
  test('indented: inside something else', () => {});
const testing = 1;
`
	got, err := Declared([]byte(src))
	if want := []string{"one", "two", "three", "it's four"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Declared = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{
		"describe('suite', () => {});",
		"it('a case', () => {});",
		"test(name, () => {});",
		"test(`with ${x}`, () => {});",
		"suite('s', () => {});",
	} {
		if names, err := Declared([]byte(bad + "\n")); err == nil {
			t.Errorf("%s: counted %q; want an error (it cannot be counted)", bad, names)
		}
	}
}

// report is node 20's TAP for two top-level tests, one with a subtest (5 tests in all).
const report = `TAP version 13
# Subtest: one
    # Subtest: sub
    ok 1 - sub
      ---
      duration_ms: 0.7
      ...
    1..1
ok 1 - one
  ---
  duration_ms: 1.5
  ...
# Subtest: two \# hashed
ok 2 - two \# hashed
  ---
  duration_ms: 0.8
  ...
1..2
# tests 3
# suites 0
# pass 3
# fail 0
# cancelled 0
# skipped 0
# todo 0
# duration_ms 385.5
`

func TestCheck(t *testing.T) {
	declared := []string{"one", "two # hashed"}
	if err := Check([]byte(report), declared); err != nil {
		t.Fatalf("a clean report: %v", err)
	}
	edit := func(pairs ...string) []byte { return []byte(strings.NewReplacer(pairs...).Replace(report)) }
	for name, tc := range map[string]struct {
		tap      []byte
		declared []string
	}{
		"a skipped test": {edit("ok 2 - two \\# hashed\n", "ok 2 - two \\# hashed # SKIP\n", "# pass 3", "# pass 2", "# skipped 0", "# skipped 1"), declared},
		"a todo test":    {edit("ok 2 - two \\# hashed\n", "ok 2 - two \\# hashed # TODO\n", "# pass 3", "# pass 2", "# todo 0", "# todo 1"), declared},
		// t.skip() in a subtest: the top level is clean, the summary is not.
		"a skipped subtest": {edit("ok 1 - sub\n", "ok 1 - sub # SKIP\n", "# pass 3", "# pass 2", "# skipped 0", "# skipped 1"), declared},
		"a failed test":     {edit("ok 1 - one\n", "not ok 1 - one\n", "# pass 3", "# pass 2", "# fail 0", "# fail 1"), declared},
		"a cancelled test":  {edit("# cancelled 0", "# cancelled 1"), declared},
		"a test that did not run": {edit("ok 2 - two \\# hashed\n", "", "1..2", "1..1", "# tests 3", "# tests 2", "# pass 3", "# pass 2"),
			declared},
		"a test not declared":    {[]byte(report), []string{"one"}},
		"another test ran":       {[]byte(report), []string{"one", "three"}},
		"fewer tests than named": {[]byte(report), []string{"one", "two # hashed", "one"}},
		"no summary":             {[]byte("TAP version 13\nok 1 - one\n1..1\n"), []string{"one"}},
		"nothing at all":         {nil, nil},
		"the spec reporter":      {[]byte("✔ one (1ms)\nℹ tests 1\nℹ pass 1\nℹ fail 0\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\n"), []string{"one"}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := Check(tc.tap, tc.declared); err == nil {
				t.Fatalf("accepted:\n%s", tc.tap)
			}
		})
	}
}

// TestRun runs node on small test files: only a file whose every declared test ran and passed
// passes; test.skip, test.todo, t.skip() and a failure each fail the Go test.
func TestRun(t *testing.T) {
	Node(t)
	const head = "import { test } from 'node:test';\n"
	for name, tc := range map[string]struct {
		src  string
		pass bool
	}{
		"all pass":         {head + "test('a', async (t) => { await t.test('sub', () => {}); });\ntest('b', () => {});\n", true},
		"test.skip":        {head + "test('a', () => {});\ntest.skip('b', () => {});\n", false},
		"test.todo":        {head + "test('a', () => {});\ntest.todo('b', () => {});\n", false},
		"t.skip()":         {head + "test('a', () => {});\ntest('b', (t) => { t.skip('not today'); });\n", false},
		"skipped subtest":  {head + "test('a', async (t) => { await t.test('sub', { skip: true }, () => {}); });\n", false},
		"a failure":        {head + "test('a', () => { throw new Error('no'); });\n", false},
		"a test in a loop": {head + "test('a', () => {});\nfor (const n of ['b', 'c']) {\n  test(n, () => {});\n}\n", false},
		"only":             {head + "test.only('a', () => {});\n", true},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "x.test.mjs"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			o := gate.Observe(t, func(tb testing.TB) { Run(tb, dir, nil, "x.test.mjs") })
			if o.Failed == tc.pass || o.Skipped {
				t.Fatalf("want pass %v: %v", tc.pass, o)
			}
		})
	}
}

// TestGates: without node or an npm package, the JavaScript tests skip, and fail under
// COGNATE_REQUIRE_CLIENTS=1 (`make test`).
func TestGates(t *testing.T) {
	for _, require := range []string{"1", ""} {
		t.Run(gate.Clients+"="+require, func(t *testing.T) {
			t.Setenv(gate.Clients, require)
			for what, fn := range map[string]func(testing.TB){
				"no node": func(tb testing.TB) {
					tb.Setenv("PATH", tb.TempDir())
					Node(tb)
				},
				"no npm package": func(tb testing.TB) { Tools(tb, "no-such-package-cognate") },
			} {
				o := gate.Observe(t, fn)
				if o.Failed != (require == "1") || o.Skipped == (require == "1") || !o.Stopped {
					t.Errorf("%s: %v", what, o)
				}
			}
		})
	}
	if dir := Tools(t); filepath.Base(dir) != "node" {
		t.Fatalf("Tools() = %s", dir)
	}
}
