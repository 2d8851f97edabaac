package main

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// Admin calls are signed with this key; `cognate serve` is started with --admin-keys for it.
const (
	adminKeyID  = "AKIDCOGNATEBENCH"
	adminSecret = "bench-secret-not-for-production"
	password    = "Bench-Passw0rd!"
	emailDomain = "bench.example"
)

// sharedHTTP is one connection pool for every client: enough idle connections per host that 64
// concurrent workers reuse connections instead of opening new ones. A stalled server is cut off
// by ResponseHeaderTimeout rather than http.Client.Timeout, which costs every request a
// deadline context and its timer (a few µs of the generator's CPU per call; the answers here are
// small and written at once, so waiting for the headers is waiting for the answer).
var sharedHTTP = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
	tr.MaxIdleConns = 512
	tr.MaxIdleConnsPerHost = 512
	tr.IdleConnTimeout = 90 * time.Second
	tr.DisableCompression = true
	tr.ResponseHeaderTimeout = 60 * time.Second
})

// generatorGCPercent is this process's GOGC while it generates load (unless GOGC is set): the
// SDK allocates ~28 KB per call, and at the default of 100 the generator spends about a third
// of its CPU on GC, CPU the server under test on the same 2 cores then lacks. The same for
// every server measured.
const generatorGCPercent = 400

var tuneGC sync.Once

// newClient is the real aws-sdk-go-v2 Cognito client for a server at url: no retries (a failure
// is counted, not hidden), admin calls SigV4-signed.
func newClient(url string) *cip.Client {
	tuneGC.Do(func() {
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(generatorGCPercent)
		}
	})
	cfg := aws.Config{Region: "us-east-1", HTTPClient: sharedHTTP,
		Credentials: credentials.NewStaticCredentialsProvider(adminKeyID, adminSecret, "")}
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = closedConnRetryer
	})
}

// clientRetries counts the calls closedConnRetryer made again.
var clientRetries atomic.Int64

// closedConnRetryer retries nothing but a call whose connection this process's HTTP client closed
// under it — "use of closed network connection" (or its twin "connection reset") while reading an
// answer the server had sent whole, a race in the Go HTTP client and the SDK (aws-sdk-go-v2#2737;
// the SDK's standard retryer retries it since #2949) — once, at once. Every server failure is
// still counted: nothing else is retried.
var closedConnRetryer = retry.NewStandard(func(o *retry.StandardOptions) {
	o.MaxAttempts = 2
	o.RateLimiter = ratelimit.None
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
		if s := err.Error(); strings.Contains(s, "use of closed network connection") || strings.Contains(s, "connection reset") {
			clientRetries.Add(1)
			return aws.TrueTernary
		}
		return aws.FalseTernary
	})}
})

// target is one server under test with its pool and client.
type target struct {
	server   string
	url      string
	poolID   string
	clientID string
	pid      int
	c        *cip.Client
}

func userEmail(i int) string { return fmt.Sprintf("u%07d@%s", i, emailDomain) }

func (t *target) signUp(ctx context.Context, email string) error {
	if _, err := t.c.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(t.clientID), Username: aws.String(email),
		Password: aws.String(password), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
		return fmt.Errorf("SignUp: %w", err)
	}
	if _, err := t.c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(t.poolID), Username: aws.String(email)}); err != nil {
		return fmt.Errorf("AdminConfirmSignUp: %w", err)
	}
	return nil
}

func (t *target) passwordSignIn(ctx context.Context, email string) (*types.AuthenticationResultType, error) {
	out, err := t.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(t.clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password}})
	if err != nil {
		return nil, fmt.Errorf("InitiateAuth USER_PASSWORD_AUTH: %w", err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		return nil, fmt.Errorf("InitiateAuth USER_PASSWORD_AUTH: challenge %q instead of tokens", out.ChallengeName)
	}
	return out.AuthenticationResult, nil
}

// errText is a short, single-line description of an SDK error.
func errText(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		s := ae.ErrorCode() + ": " + ae.ErrorMessage()
		return trunc(s, 240)
	}
	// Transport errors name both ends and the cause last: keep enough to read it.
	return trunc(strings.ReplaceAll(err.Error(), "\n", " "), 480)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ---- the resource server's JWKS ----

// jwks fetches a JSON Web Key Set and returns its RSA keys by kid.
func jwks(ctx context.Context, url string) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := sharedHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, N, E, Alg, Use string
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", url, err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			return nil, fmt.Errorf("JWKS %s: bad key %q", url, k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("JWKS %s: no RSA keys", url)
	}
	return keys, nil
}
