package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
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
			cfg, err := parseServeFlags(append([]string{"--memory", "--lambda-endpoint-url", ""}, tc.args...), io.Discard)
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
