package lambdahttp_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/edge"
	"github.com/cognatehq/cognate/pkg/lambdahttp"
	"github.com/cognatehq/cognate/pkg/lambdahttp/eventstest"
	"github.com/cognatehq/cognate/pkg/sigv4"
)

// The contract between the edge, this adapter and the Cognito server: every sample event of the
// Cognito families, filled in and (for SigV4 operations) signed the way events/README.md tells a
// harness to, goes through lambdahttp.Handler into the family's cognito.NewServer with a real
// sigv4.Verifier that reads the edge's headers. The endpoints are stubs (the service is not under
// test here), so the answers show routing, family gating, signature checks and body decoding.

var (
	signedAt = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	adminKey = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "events-test-secret"}
)

// stubEndpoints answers {} for every operation whose body is a JSON object.
func stubEndpoints() map[string]cognito.Endpoint {
	m := map[string]cognito.Endpoint{}
	for _, op := range cognito.Operations() {
		m[op.Name] = func(_ context.Context, body []byte) (any, error) {
			var members map[string]any
			if err := cognito.Decode(body, &members); err != nil {
				return nil, err
			}
			return struct{}{}, nil
		}
	}
	return m
}

func familyHandler(family cognito.Family) http.Handler {
	opts := cognito.ServerOptions{
		Endpoints: stubEndpoints(),
		Families:  []cognito.Family{family},
		Paths:     []string{edge.FamilyPath(family)},
		Admin: &sigv4.Verifier{
			Keys:       map[string]string{adminKey.AccessKeyID: adminKey.SecretAccessKey},
			Clock:      func() time.Time { return signedAt.Add(time.Minute) },
			HostHeader: edge.HeaderOriginalHost,
			PathHeader: edge.HeaderOriginalPath,
		},
	}
	if family == cognito.FamilyOAuth {
		opts.Paths = []string{edge.DefaultPath}
	}
	return cognito.NewServer(opts)
}

// fillSigned fills raw's placeholders with plausible values and, when it has
// {{SIGV4_AUTHORIZATION}}, signs it as events/README.md says (eventstest.SigV4).
func fillSigned(t *testing.T, raw []byte, sdkHeaders bool) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev, err := eventstest.Request(raw, eventstest.PlausibleFill, eventstest.SigV4{Credentials: adminKey, Time: signedAt, SDKHeaders: sdkHeaders})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestEventsThroughTheCognitoServer(t *testing.T) {
	folders := map[string]cognito.Family{"oauth": cognito.FamilyOAuth}
	for name, f := range cognitoFolders {
		folders[name] = f
	}
	for folder, family := range folders {
		h := lambdahttp.Handler(familyHandler(family))
		paths, err := filepath.Glob(filepath.Join(eventsDir, folder, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			name := filepath.Base(p)
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if folder == "oauth" && (bytes.Contains(raw, []byte("/.well-known/")) || bytes.Contains(raw, []byte(`"rawPath": "/oauth2/`))) {
				continue // served by the app's well-known handler or pkg/oauth, not the Cognito server
			}
			modes := []bool{false}
			if bytes.Contains(raw, []byte("{{SIGV4_AUTHORIZATION}}")) {
				modes = append(modes, true)
			}
			for _, sdkHeaders := range modes {
				label := path.Join(folder, name)
				if sdkHeaders {
					label += " (SDK signed headers)"
				}
				t.Run(label, func(t *testing.T) {
					resp, err := h(context.Background(), fillSigned(t, raw, sdkHeaders))
					if err != nil {
						t.Fatal(err)
					}
					want := eventstest.Expected(folder, name)
					status, errType := want.Status, want.ErrorType
					if resp.StatusCode != status || resp.Headers["X-Amzn-Errortype"] != errType {
						t.Errorf("got %d %s %s; events/README.md promises %d %s", resp.StatusCode, resp.Headers["X-Amzn-Errortype"], resp.Body, status, errType)
					}
				})
			}
		}
	}
}

// TestSignatureCoversTheOriginalHostAndPath shows why the edge must hand them on: the same signed
// event fails once either header is changed or missing.
func TestSignatureCoversTheOriginalHostAndPath(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(eventsDir, "admin", "AdminGetUser.json"))
	if err != nil {
		t.Fatal(err)
	}
	h := lambdahttp.Handler(familyHandler(cognito.FamilyAdmin))
	for name, edit := range map[string]func(map[string]string){
		"other host":   func(hd map[string]string) { hd["x-cognate-original-host"] = "evil.example.net" },
		"other path":   func(hd map[string]string) { hd["x-cognate-original-path"] = "/other" },
		"no edge host": func(hd map[string]string) { delete(hd, "x-cognate-original-host") },
		"no edge path": func(hd map[string]string) { delete(hd, "x-cognate-original-path") },
	} {
		t.Run(name, func(t *testing.T) {
			ev := fillSigned(t, raw, false)
			edit(ev.Headers)
			resp, _ := h(context.Background(), ev)
			if resp.StatusCode != http.StatusBadRequest || resp.Headers["X-Amzn-Errortype"] != "InvalidSignatureException" {
				t.Errorf("got %d %s", resp.StatusCode, resp.Body)
			}
		})
	}
}
