package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// `cognate serve --lambda-endpoint NAME=URL` calls the pool's trigger function NAME (by name or
// ARN) at a function under the Runtime Interface Emulator; without an endpoint for it, the
// trigger fails closed.
func TestServeCallsTriggerFunctions(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "script.json"), []byte(`{"error": "no sign-ups today"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/infra/lambda/testhook",
		lambdarie.Options{Env: []string{"TESTHOOK_DIR=" + dir}, Timeout: 10 * time.Second})
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:gatekeeper"
	for _, tc := range []struct {
		name     string
		args     []string
		wantType string
		wantMsg  string
	}{
		{"routed by name", []string{"--lambda-endpoint", "gatekeeper=" + fn.Endpoint},
			"UserLambdaValidationException", "PreSignUp failed with error no sign-ups today."},
		{"routed by ARN", []string{"--lambda-endpoint", arn + "=" + fn.Endpoint},
			"UserLambdaValidationException", "PreSignUp failed with error no sign-ups today."},
		{"no endpoint", nil,
			"UnexpectedLambdaException", "PreSignUp invocation failed due to error ResourceNotFoundException."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := signUpWithPreSignUp(t, arn, append([]string{"--memory", "--lambda-endpoint-url", ""}, tc.args...)...)
			ce := cognito.As(err)
			if ce == nil || ce.Type != tc.wantType || ce.Message != tc.wantMsg {
				t.Fatalf("SignUp: %v, want %s %q", err, tc.wantType, tc.wantMsg)
			}
		})
	}
}

func TestLambdaEndpointFlag(t *testing.T) {
	for _, bad := range []string{"gatekeeper", "=http://127.0.0.1:1", "gatekeeper=127.0.0.1:1"} {
		if _, err := parseServeFlags([]string{"--lambda-endpoint", bad}, io.Discard); err == nil {
			t.Errorf("--lambda-endpoint %q accepted", bad)
		}
	}
}

// `cognate serve --trigger-webhook NAME=URL --webhook-secret S` posts a pool's trigger events to
// a receiver that verifies them (pkg/trigger/webhook.Verify) and answers as a function would.
func TestServeCallsTriggerWebhooks(t *testing.T) {
	const secret = "serve-webhook-secret-0123456789"
	var verified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify([]byte(secret), r.Header, body, time.Now()); err != nil {
			http.Error(w, `{"errorMessage": "bad signature"}`, http.StatusUnauthorized)
			return
		}
		verified.Add(1)
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errorMessage": "invitation only"}`))
	}))
	defer srv.Close()
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:gatekeeper"
	err := signUpWithPreSignUp(t, arn, "--memory", "--lambda-endpoint-url", "", "--trigger-webhook", "gatekeeper="+srv.URL, "--webhook-secret", secret)
	if ce := cognito.As(err); ce == nil || ce.Type != "UserLambdaValidationException" || ce.Message != "PreSignUp failed with error invitation only." {
		t.Fatalf("SignUp: %v", err)
	}
	if verified.Load() != 1 {
		t.Fatalf("the receiver verified %d requests", verified.Load())
	}

	for _, args := range [][]string{
		{"--trigger-webhook", "gatekeeper=http://hooks.example.com/x", "--webhook-secret", secret},
		{"--trigger-webhook", "gatekeeper=" + srv.URL, "--webhook-secret", "short"},
	} {
		cfg, err := parseServeFlags(append([]string{"--memory"}, args...), io.Discard)
		if err != nil {
			continue // refused at parse: fine too
		}
		if l, err := openLocal(context.Background(), cfg, clock.System{}, slog.New(slog.DiscardHandler)); err == nil {
			l.Close()
			t.Errorf("serve %v started", args)
		}
	}
}

// signUpWithPreSignUp starts `cognate serve` with args, makes a pool whose PreSignUp is the
// function arn and a client, and returns what SignUp answers.
func signUpWithPreSignUp(t *testing.T, arn string, args ...string) error {
	t.Helper()
	cfg, err := parseServeFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l, err := openLocal(context.Background(), cfg, clock.System{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	in := &api.CreateUserPoolInput{PoolName: "gated"}
	in.LambdaConfig = &model.LambdaConfigType{PreSignUp: arn}
	pool, err := l.app.Service.CreateUserPool(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	cin := &api.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id}
	cin.ClientName = "web"
	client, err := l.app.Service.CreateUserPoolClient(ctx, cin)
	if err != nil {
		t.Fatal(err)
	}
	pw := "Correct-Horse-9"
	_, err = l.app.Service.SignUp(ctx, &api.SignUpInput{ClientId: client.UserPoolClient.ClientId, Username: "kim", Password: &pw})
	return err
}
