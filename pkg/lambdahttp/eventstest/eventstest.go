// Package eventstest is what a harness needs to use the repository's sample events (events/,
// described in events/README.md): where they are, how to fill their placeholders, how to sign the
// SigV4 ones the way the README tells, and which answer the README promises for each file. The
// adapter's own tests (pkg/lambdahttp) and the functions' end-to-end test (pkg/awsapp) share it.
//
// This package is test support: only tests import it.
package eventstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cognatehq/cognate/infra/gate"
	"github.com/cognatehq/cognate/pkg/cognito"
)

// Placeholder matches one {{NAME}}.
var Placeholder = regexp.MustCompile(`\{\{[A-Z0-9_]+\}\}`)

// CognitoFolders are the functions that serve the Cognito JSON API on their family path.
var CognitoFolders = map[string]cognito.Family{
	"signup": cognito.FamilySignup, "auth": cognito.FamilyAuth, "token": cognito.FamilyToken,
	"account": cognito.FamilyAccount, "admin": cognito.FamilyAdmin,
}

// EnvVars is the file at the top of the events directory that is not an event: the variables
// `sam local invoke --env-vars` gives the functions (pointing them at local emulators).
const EnvVars = "env.json"

// Dir is the repository's events directory.
func Dir() (string, error) {
	root, err := gate.RepoRoot("events/README.md")
	return filepath.Join(root, "events"), err
}

// Files lists the *.json files of one folder of the events directory (e.g. "admin",
// "hooks/pre-signup-allowlist"), by name.
func Files(folder string) ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(folder), "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("eventstest: no events in %s", folder)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names, nil
}

// Read returns the raw file folder/name of the events directory.
func Read(folder, name string) ([]byte, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, filepath.FromSlash(folder), name))
}

// ---- placeholders ----

// Plausible substitutes every placeholder with a plausible value that needs no state: an
// example pool and client id, a fixed date and a well-formed (not valid) signature, and
// "value-of-<name>" for the rest.
func Plausible(raw []byte) []byte {
	values := map[string]string{
		"{{POOL_ID}}": "us-east-1_AbCdEf123", "{{CLIENT_ID}}": "1example23456789abcdefghij",
		"{{AMZ_DATE}}": "20260101T120000Z",
		"{{SIGV4_AUTHORIZATION}}": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, " +
			"SignedHeaders=host;x-amz-date;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
	}
	return Placeholder.ReplaceAllFunc(raw, func(p []byte) []byte {
		if v, ok := values[string(p)]; ok {
			return []byte(v)
		}
		return []byte("value-of-" + strings.ToLower(strings.Trim(string(p), "{}")))
	})
}

// Fill substitutes values, keyed by placeholder name without braces ("POOL_ID"). It fails when
// a placeholder is left without a value, or when a value would need JSON escaping (the README's
// rule: every placeholder sits inside a JSON string).
func Fill(raw []byte, values map[string]string) ([]byte, error) {
	var missing []string
	var bad []string
	out := Placeholder.ReplaceAllFunc(raw, func(p []byte) []byte {
		name := strings.Trim(string(p), "{}")
		v, ok := values[name]
		if !ok {
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
			return p
		}
		if q, _ := json.Marshal(v); string(q) != `"`+v+`"` {
			bad = append(bad, name)
		}
		return []byte(v)
	})
	switch {
	case len(missing) > 0:
		return nil, fmt.Errorf("eventstest: no value for %s", strings.Join(missing, ", "))
	case len(bad) > 0:
		return nil, fmt.Errorf("eventstest: the value of %s needs JSON escaping", strings.Join(bad, ", "))
	}
	return out, nil
}

// ---- SigV4 ----

// SigV4 signs events the way events/README.md describes.
type SigV4 struct {
	Credentials aws.Credentials
	// Time is the signing time; zero means now.
	Time time.Time
	// SDKHeaders also signs content-length, content-type and the amz-sdk-* headers, as the AWS
	// SDKs do; without it the signed headers are host;x-amz-date;x-amz-target.
	SDKHeaders bool
}

func (s SigV4) at() time.Time {
	if s.Time.IsZero() {
		return time.Now().UTC()
	}
	return s.Time.UTC()
}

// AmzDate is the {{AMZ_DATE}} value for s.
func (s SigV4) AmzDate() string { return s.at().Format("20060102T150405Z") }

// Authorization signs what the client sent before the edge rewrote the request: POST, the
// original host and path (x-cognate-original-host, x-cognate-original-path), x-amz-target and
// x-amz-date, and the body as decoded. It returns the Authorization header value.
func (s SigV4) Authorization(ev *events.APIGatewayV2HTTPRequest) (string, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return "", fmt.Errorf("eventstest: body: %w", err)
		}
	}
	at := s.at()
	url := "https://" + ev.Headers["x-cognate-original-host"] + ev.Headers["x-cognate-original-path"]
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Amz-Target", ev.Headers["x-amz-target"])
	if s.SDKHeaders {
		for _, h := range []string{"content-type", "amz-sdk-invocation-id", "amz-sdk-request"} {
			req.Header.Set(h, ev.Headers[h])
		}
	} else {
		req.ContentLength = 0 // the signer signs content-length whenever it is set
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.Credentials, req, hex.EncodeToString(sum[:]), "cognito-idp", "us-east-1", at); err != nil {
		return "", err
	}
	if got, want := req.Header.Get("X-Amz-Date"), at.Format("20060102T150405Z"); got != want {
		return "", fmt.Errorf("eventstest: the signer used X-Amz-Date %q, want %q", got, want)
	}
	return req.Header.Get("Authorization"), nil
}

// Request turns an event file of an HTTP API function into the event a harness sends: {{AMZ_DATE}}
// becomes s's time, fill substitutes the other placeholders ({{SIGV4_AUTHORIZATION}} aside), and
// when the file asks for a signature, s signs the request as decoded.
func Request(raw []byte, fill func([]byte) ([]byte, error), s SigV4) (events.APIGatewayV2HTTPRequest, error) {
	var ev events.APIGatewayV2HTTPRequest
	// One instant for the X-Amz-Date header and the signature: read twice, a second boundary
	// between them made the signature the server computes differ (a flake seen in TestEvents).
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
	withDate := bytes.ReplaceAll(raw, []byte("{{AMZ_DATE}}"), []byte(s.AmzDate()))
	sigPlaceholder := []byte("{{SIGV4_AUTHORIZATION}}")
	needsSignature := bytes.Contains(withDate, sigPlaceholder)
	withDate = bytes.ReplaceAll(withDate, sigPlaceholder, []byte("SIGNATURE-PENDING"))
	filled, err := fill(withDate)
	if err != nil {
		return ev, err
	}
	if err := json.Unmarshal(filled, &ev); err != nil {
		return ev, fmt.Errorf("eventstest: decoding the filled event: %w", err)
	}
	if needsSignature {
		auth, err := s.Authorization(&ev)
		if err != nil {
			return ev, err
		}
		ev.Headers["authorization"] = auth
	}
	return ev, nil
}

// PlausibleFill is Plausible as a fill function for Request.
func PlausibleFill(raw []byte) ([]byte, error) { return Plausible(raw), nil }

// FillWith is Fill with values, as a fill function for Request.
func FillWith(values map[string]string) func([]byte) ([]byte, error) {
	return func(raw []byte) ([]byte, error) { return Fill(raw, values) }
}

// ---- expected answers ----

// Expectation is the answer events/README.md promises for a file at the protocol edge: a status
// and, for errors of the Cognito API, the x-amzn-ErrorType (and __type) of the answer.
type Expectation struct {
	Status    int
	ErrorType string
}

// Good reports whether the file is a good request (2xx).
func (e Expectation) Good() bool { return e.Status >= 200 && e.Status < 300 }

// Expected is the answer events/README.md promises for folder/name, an HTTP API event.
func Expected(folder, name string) Expectation {
	stem := strings.TrimSuffix(name, ".json")
	_, variant, _ := strings.Cut(stem, ".")
	switch {
	case stem == "unknown-target" || stem == "missing-target" || variant == "other-family":
		return Expectation{http.StatusBadRequest, "UnknownOperationException"}
	case variant == "malformed-json":
		return Expectation{http.StatusBadRequest, "SerializationException"}
	case variant == "unsigned":
		return Expectation{http.StatusBadRequest, "MissingAuthenticationTokenException"}
	case folder == "oauth" && variant == "unknown-pool":
		return Expectation{Status: http.StatusNotFound}
	}
	return Expectation{Status: http.StatusOK}
}
