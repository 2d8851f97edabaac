package userpool

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// parseSource parses the non-test Go files of the service: this package and its rooms below it.
func parseSource(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	var names []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	return fset, files
}

// A message clients see is written once: the second place that needs it calls the named
// constructor (msg/msg.go) instead of repeating the literal, so the two cannot drift apart.
func TestMessagesWrittenOnce(t *testing.T) {
	fset, files := parseSource(t)
	seen := map[string][]string{}
	calls := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "cognito" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			msg, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			calls++
			seen[msg] = append(seen[msg], fset.Position(lit.Pos()).String())
			return true
		})
	}
	if calls < 50 { // the scan itself must be looking at the constructors' calls
		t.Fatalf("found only %d messages passed to cognito constructors", calls)
	}
	var dups []string
	for msg, at := range seen {
		if len(at) > 1 {
			dups = append(dups, strconv.Quote(msg)+" at "+strings.Join(at, ", "))
		}
	}
	sort.Strings(dups)
	for _, d := range dups {
		t.Errorf("message written more than once (give it a named constructor in msg/msg.go): %s", d)
	}
}

// Errors are told apart with errors.Is against the catalogue's sentinels, never by comparing a
// *cognito.Error's Type or Message with a string. No record of this package has a field of
// either name that is compared, so any comparison or switch on one is an error's.
func TestNoErrorStringComparisons(t *testing.T) {
	fset, files := parseSource(t)
	fieldOf := func(x ast.Expr) string {
		if sel, ok := x.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Type" || sel.Sel.Name == "Message") {
			return sel.Sel.Name
		}
		return ""
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var sides []ast.Expr
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if n.Op == token.EQL || n.Op == token.NEQ {
					sides = []ast.Expr{n.X, n.Y}
				}
			case *ast.SwitchStmt:
				sides = []ast.Expr{n.Tag}
			}
			for _, side := range sides {
				if name := fieldOf(side); name != "" {
					t.Errorf("%s: compares %s; match the error with errors.Is", fset.Position(side.Pos()), name)
				}
			}
			return true
		})
	}
}
