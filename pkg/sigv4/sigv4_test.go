package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/sigv4"
)

var (
	now   = time.Date(2024, 5, 7, 16, 52, 22, 0, time.UTC)
	creds = aws.Credentials{AccessKeyID: "AKIDCOGNATE", SecretAccessKey: "s3cr3t"}
	body  = `{"UserPoolId":"us-east-1_Pool1","Username":"alice"}`
)

func verifier() *sigv4.Verifier {
	return &sigv4.Verifier{Keys: map[string]string{"AKIDCOGNATE": "s3cr3t"}, Clock: func() time.Time { return now }}
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// request builds the request the Cognito client sends for an admin operation.
func request(target string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Host = "cognito-idp.us-east-1.amazonaws.com"
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	return r
}

// sign signs r with the real SDK signer.
func sign(t *testing.T, r *http.Request, c aws.Credentials, service string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hashHex(body), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

func signed(t *testing.T) *http.Request {
	r := request("/")
	sign(t, r, creds, "cognito-idp", now)
	return r
}

// wantErr checks err is a cognito error of type typ whose message contains msg.
func wantErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	if typ == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	ce := cognito.As(err)
	if ce == nil || ce.Type != typ || ce.Status != 400 || !strings.Contains(ce.Message, msg) {
		t.Fatalf("err = %v, want %s containing %q", err, typ, msg)
	}
}

const mismatch = "The request signature we calculated does not match the signature you provided."

func TestAcceptsSDKSignatures(t *testing.T) {
	cases := map[string]func(r *http.Request) aws.Credentials{
		"plain": func(*http.Request) aws.Credentials { return creds },
		"query string, sorted and escaped": func(r *http.Request) aws.Credentials {
			r.URL.RawQuery = "b=2&a=x%20y&a=1&c=%2B&d="
			return creds
		},
		"multi-valued header with extra spaces": func(r *http.Request) aws.Credentials {
			r.Header.Add("X-Amz-Meta-Note", "  one   two ")
			r.Header.Add("X-Amz-Meta-Note", "three")
			return creds
		},
		"session token": func(*http.Request) aws.Credentials {
			c := creds
			c.SessionToken = "FwoGZXIvYXdzEJr//////////token"
			return c
		},
		"content sha256 header": func(r *http.Request) aws.Credentials {
			r.Header.Set("X-Amz-Content-Sha256", hashHex(body))
			return creds
		},
		"escaped path": func(r *http.Request) aws.Credentials {
			r.URL.Path, r.URL.RawPath = "/a b/ü", ""
			return creds
		},
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			r := request("/")
			c := mod(r)
			sign(t, r, c, "cognito-idp", now)
			wantErr(t, verifier().Authenticate(r, []byte(body)), "", "")
		})
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name      string
		mod       func(t *testing.T, r *http.Request) (*http.Request, []byte)
		typ, want string
	}{
		{"altered body", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			return r, []byte(strings.Replace(body, "alice", "admin", 1))
		}, "InvalidSignatureException", mismatch},
		{"altered signed header", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"altered host", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Host = "evil.example"
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"altered method-path", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.URL.Path = "/other"
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"altered query", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.URL.RawQuery = "x=1"
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"altered date, same day", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Set("X-Amz-Date", now.Add(time.Minute).Format("20060102T150405Z"))
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"altered signature", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1]+flip(a[len(a)-1]))
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"target not signed, then set", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			// A valid signature over the body alone; the target is added afterwards, as a replay
			// of an AdminGetUser signature as AdminDeleteUser would.
			r := request("/")
			r.Header.Del("X-Amz-Target")
			sign(t, r, creds, "cognito-idp", now)
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
			return r, nil
		}, "IncompleteSignatureException", "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."},
		{"wrong secret", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			sign(t, r, aws.Credentials{AccessKeyID: "AKIDCOGNATE", SecretAccessKey: "guess"}, "cognito-idp", now)
			return r, nil
		}, "InvalidSignatureException", mismatch},
		{"unknown key", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			sign(t, r, aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "s3cr3t"}, "cognito-idp", now)
			return r, nil
		}, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"content sha256 does not match body", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			r.Header.Set("X-Amz-Content-Sha256", hashHex("{}"))
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex("{}"), "cognito-idp", "us-east-1", now); err != nil {
				t.Fatal(err)
			}
			return r, nil
		}, "InvalidSignatureException", "x-amz-content-sha256"},
		{"expired", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			sign(t, r, creds, "cognito-idp", now.Add(-6*time.Minute))
			return r, nil
		}, "InvalidSignatureException", "Signature expired: 20240507T164622Z is now earlier than 20240507T164722Z (20240507T165222Z - 5 min.)"},
		{"from the future", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			sign(t, r, creds, "cognito-idp", now.Add(6*time.Minute))
			return r, nil
		}, "InvalidSignatureException", "Signature not yet current"},
		{"wrong service", func(t *testing.T, _ *http.Request) (*http.Request, []byte) {
			r := request("/")
			sign(t, r, creds, "execute-api", now)
			return r, nil
		}, "IncompleteSignatureException", "Credential should be scoped to correct service: 'cognito-idp'."},
		{"no authorization", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Del("Authorization")
			return r, nil
		}, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"two authorizations", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r, nil
		}, "IncompleteSignatureException", "Only one Authorization header"},
		{"missing X-Amz-Date", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Del("X-Amz-Date")
			return r, nil
		}, "IncompleteSignatureException", "'X-Amz-Date'"},
		{"bad X-Amz-Date", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Set("X-Amz-Date", "2024-05-07T16:52:22Z")
			return r, nil
		}, "IncompleteSignatureException", "ISO8601"},
		{"X-Amz-Date on another day than the scope", func(t *testing.T, r *http.Request) (*http.Request, []byte) {
			r.Header.Set("X-Amz-Date", "20240508T000100Z")
			return r, nil
		}, "IncompleteSignatureException", "Date in Credential scope does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, b := tc.mod(t, signed(t))
			if b == nil {
				b = []byte(body)
			}
			wantErr(t, verifier().Authenticate(r, b), tc.typ, tc.want)
		})
	}
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestMalformedAuthorization(t *testing.T) {
	const cred = "Credential=AKIDCOGNATE/20240507/us-east-1/cognito-idp/aws4_request"
	sig := "Signature=" + strings.Repeat("ab", 32)
	cases := map[string]string{
		"bearer":                "Bearer abc",
		"sigv4a":                "AWS4-ECDSA-P256-SHA256 " + cred + ", SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"no params":             "AWS4-HMAC-SHA256",
		"missing signature":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date;x-amz-target",
		"missing credential":    "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"not key=value":         "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders, " + sig,
		"duplicate param":       "AWS4-HMAC-SHA256 " + cred + ", " + cred + ", SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"short credential":      "AWS4-HMAC-SHA256 Credential=AKID/20240507/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"bad scope date":        "AWS4-HMAC-SHA256 Credential=AKIDCOGNATE/2024-05-07/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"bad terminator":        "AWS4-HMAC-SHA256 Credential=AKIDCOGNATE/20240507/us-east-1/cognito-idp/aws5_request, SignedHeaders=host;x-amz-date;x-amz-target, " + sig,
		"upper-case header":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host;x-amz-date, " + sig,
		"empty header name":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, " + sig,
		"host not signed":       "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date;x-amz-target, " + sig,
		"x-amz-date not signed": "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-target, " + sig,
		"target not signed":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, " + sig,
		"short signature":       "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date;x-amz-target, Signature=abcd",
		"non-hex signature":     "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + strings.Repeat("zz", 32),
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			r := request("/")
			r.Header.Set("X-Amz-Date", now.Format("20060102T150405Z"))
			r.Header.Set("Authorization", auth)
			for _, v := range []*sigv4.Verifier{verifier(), {Clock: verifier().Clock}} { // with keys and in development mode
				wantErr(t, v.Authenticate(r, []byte(body)), "IncompleteSignatureException", "")
			}
		})
	}
}

func TestDevelopmentMode(t *testing.T) {
	dev := &sigv4.Verifier{Clock: func() time.Time { return now }}
	r := request("/")
	sign(t, r, aws.Credentials{AccessKeyID: "ANYKEY", SecretAccessKey: "anything"}, "cognito-idp", now)
	wantErr(t, dev.Authenticate(r, []byte(body)), "", "")

	r = request("/")
	wantErr(t, dev.Authenticate(r, []byte(body)), "MissingAuthenticationTokenException", "Missing Authentication Token")

	r = request("/")
	sign(t, r, creds, "cognito-idp", now.Add(-time.Hour))
	wantErr(t, dev.Authenticate(r, []byte(body)), "InvalidSignatureException", "Signature expired")

	r = request("/")
	sign(t, r, creds, "sts", now)
	wantErr(t, dev.Authenticate(r, []byte(body)), "IncompleteSignatureException", "correct service")

	// Development mode checks no signature, but still wants one that would bind the operation.
	r = request("/")
	r.Header.Del("X-Amz-Target")
	sign(t, r, creds, "cognito-idp", now)
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDeleteUser")
	wantErr(t, dev.Authenticate(r, []byte(body)), "IncompleteSignatureException", "'X-Amz-Target' must be a 'SignedHeader'")
}

func TestServiceOverride(t *testing.T) {
	v := verifier()
	v.Service = "execute-api"
	r := request("/")
	sign(t, r, creds, "execute-api", now)
	wantErr(t, v.Authenticate(r, []byte(body)), "", "")
}

// TestOriginalHostAndPath: the edge router rewrote Host and path and handed the originals on in
// headers; the signature covers the originals.
func TestOriginalHostAndPath(t *testing.T) {
	r := request("/")
	r.Host = "auth.example.com"
	sign(t, r, creds, "cognito-idp", now)
	r.Host = "abc123.execute-api.us-east-1.amazonaws.com"
	r.URL.Path = "/admin"
	r.Header.Set("X-Forwarded-Host", "auth.example.com")
	r.Header.Set("X-Original-Path", "/")

	wantErr(t, verifier().Authenticate(r, []byte(body)), "InvalidSignatureException", mismatch)

	v := verifier()
	v.HostHeader, v.PathHeader = "X-Forwarded-Host", "X-Original-Path"
	wantErr(t, v.Authenticate(r, []byte(body)), "", "")

	// Without the headers the verifier falls back to the request itself.
	plain := signed(t)
	wantErr(t, v.Authenticate(plain, []byte(body)), "", "")
}

// TestOverTheWire signs with the SDK signer in a real HTTP client and verifies in a real server,
// so Go's server-side request shape (Host moved out of Header, Content-Length) is what we see.
func TestOverTheWire(t *testing.T) {
	var got error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v := verifier()
		v.Clock = time.Now
		got = v.Authenticate(r, b)
	}))
	defer srv.Close()
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/?x=1", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(body), "cognito-idp", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != nil {
		t.Fatalf("refused over the wire: %v", got)
	}
}

func TestSigningKeyVector(t *testing.T) {
	// The derivation example of the AWS SigV4 documentation.
	k := sigv4.SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	if got := hex.EncodeToString(k); got != "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d" {
		t.Errorf("SigningKey = %s", got)
	}
}
