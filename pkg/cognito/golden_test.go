package cognito_test

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// golden compares got with testdata/golden/name (rewritten with -update). The files are the wire
// format reviewers read: they change only on purpose.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func TestGoldenError(t *testing.T) {
	w := httptest.NewRecorder()
	cognito.Render(context.Background(), w, nil, nil, cognito.NotAuthorized("Incorrect username or password."))
	golden(t, "error.json", w.Body.Bytes())
}

func TestGoldenValidationError(t *testing.T) {
	w := httptest.NewRecorder()
	cognito.Render(context.Background(), w, nil, nil, cognito.Validate(&signUpIn{ClientID: new("c"), Username: new("u"), Password: new("has space")}))
	golden(t, "validation_error.json", w.Body.Bytes())
}

func TestGoldenSuccess(t *testing.T) {
	w := httptest.NewRecorder()
	cognito.Render(context.Background(), w, nil, &userOut{
		Username:       "alice",
		UserAttributes: []attrOut{{"sub", "6f1c2a9e-0d3b-4b8e-9a51-0c2f4e7d8b10"}, {"email", "alice@example.com"}},
		UserCreateDate: cognito.NewTime(time.UnixMilli(1715100742022)),
		Enabled:        true,
		UserStatus:     "CONFIRMED",
	}, nil)
	golden(t, "success.json", w.Body.Bytes())
}
