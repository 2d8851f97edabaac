package userpool

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// roomLayers is the service's floor plan (docs/architecture.md): a room may import only rooms
// on a lower floor, so rooms on one floor never import one another, and nothing below the
// facade imports the facade. A new room goes on a floor here before its first import.
var roomLayers = map[string]int{
	"msg":   0,             // every named message
	"model": 1, "ports": 1, // Cognito's data model, pure; the ports every room is given
	"api": 2, "directory": 2, "triggers": 2, // typed requests; pools, clients and users; trigger calls
	"codes": 3, "sessions": 3, "limits": 3, "devices": 3, "passwords": 3, "preamble": 3, "mfa": 3, "passkeys": 3,
	"branding":  3, // the look of the hosted pages (classic UI customization, managed-login styles)
	"lineage":   4, // tokens after a sign-in (uses devices: a forgotten device ends its lineage)
	"migration": 4, // users moved in through UserMigration (uses directory, passwords, triggers)
	"signin":    5, "signup": 5, "recovery": 5, "account": 5, "admin": 5, "groups": 5, "pools": 5,
	"grants": 5, // OAuth grants: authorization codes, hosted sessions, client credentials (uses lineage)
}

// Imports no room of the service may have: backends and AWS SDKs are wired in pkg/app and
// pkg/awsapp, behind the ports. (github.com/aws/aws-lambda-go/events is allowed: it is the
// trigger events' types, no client.)
var forbiddenInRooms = []string{
	"github.com/cognatehq/cognate/pkg/store/",
	"github.com/cognatehq/cognate/pkg/app",
	"github.com/cognatehq/cognate/pkg/awsapp",
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke",
	"github.com/aws/aws-sdk-go",
	"github.com/aws/smithy-go",
}

const roomPrefix = "github.com/cognatehq/cognate/pkg/userpool/"

func TestRoomsDependDownward(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var rooms []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" {
			rooms = append(rooms, e.Name())
		}
	}
	sort.Strings(rooms)
	if len(rooms) < len(roomLayers) {
		t.Fatalf("found %d rooms, the floor plan names %d: %v", len(rooms), len(roomLayers), rooms)
	}
	for _, room := range rooms {
		floor, ok := roomLayers[room]
		if !ok {
			t.Errorf("room %s is on no floor: add it to roomLayers (and to docs/architecture.md)", room)
			continue
		}
		files, err := filepath.Glob(filepath.Join(room, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbiddenInRooms {
					if strings.HasPrefix(path, bad) {
						t.Errorf("%s imports %s: rooms reach the world through their ports", name, path)
					}
				}
				if path == strings.TrimSuffix(roomPrefix, "/") {
					t.Errorf("%s imports the facade", name)
				}
				other, ok := strings.CutPrefix(path, roomPrefix)
				if !ok {
					continue
				}
				if of, known := roomLayers[other]; known && of >= floor {
					t.Errorf("%s (floor %d) imports %s (floor %d): a room imports only rooms below it", name, floor, other, of)
				}
			}
		}
	}
}
