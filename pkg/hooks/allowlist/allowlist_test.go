package allowlist

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAllowList(t *testing.T) {
	h := Handler([]string{"Example.com", " corp.example.org "})
	for email, ok := range map[string]bool{
		"ann@example.com": true, "ANN@EXAMPLE.COM": true, "bo@corp.example.org": true,
		"eve@evil.com": false, "eve@example.com.evil.com": false, "noat": false, "": false, "@example.com": false,
	} {
		ev := events.CognitoEventUserPoolsPreSignup{}
		ev.Request.UserAttributes = map[string]string{"email": email}
		_, err := h(context.Background(), ev)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrNotAllowed)) {
			t.Errorf("%q: err = %v, want allowed=%v", email, err, ok)
		}
	}
}

// The sample events are the Cognito trigger events `sam local invoke` uses.
func TestSampleEvents(t *testing.T) {
	files, _ := filepath.Glob("../../../events/hooks/pre-signup-allowlist/*.json")
	if len(files) == 0 {
		t.Fatal("no sample events")
	}
	h := Handler([]string{"example.com"})
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.CognitoEventUserPoolsPreSignup
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out, err := h(context.Background(), ev)
		wantAllowed := !strings.HasPrefix(filepath.Base(f), "denied")
		if (err == nil) != wantAllowed {
			t.Errorf("%s: err = %v", f, err)
		}
		if err == nil && out.UserPoolID != ev.UserPoolID {
			t.Errorf("%s: the event must come back whole", f)
		}
	}
}
