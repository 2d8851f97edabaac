package trigger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
)

// §7.5: what the API answers when a trigger fails.
func TestFailure(t *testing.T) {
	invalid := cognito.InvalidLambdaResponse("Unrecognizable lambda output")
	cases := []struct {
		name    string
		trigger trigger.Trigger
		err     error
		kind    cognito.Kind
		message string
	}{
		{"the function threw", trigger.PreSignUp, &trigger.FunctionError{Message: "Email domain not allowed"},
			cognito.ErrUserLambdaValidation, "PreSignUp failed with error Email domain not allowed."},
		// Cognito appends the period whatever the message ends with.
		{"a message with its own period", trigger.PreAuthentication, &trigger.FunctionError{Message: "Not today."},
			cognito.ErrUserLambdaValidation, "PreAuthentication failed with error Not today.."},
		{"wrapped by the backend", trigger.PostConfirmation, fmt.Errorf("lambda: %w", &trigger.FunctionError{Message: "x"}),
			cognito.ErrUserLambdaValidation, "PostConfirmation failed with error x."},
		{"timed out", trigger.PreSignUp, &trigger.InvocationError{Reason: trigger.ReasonTimeout, Cause: context.DeadlineExceeded},
			cognito.ErrUnexpectedLambda, "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function."},
		{"not permitted", trigger.PreTokenGeneration, &trigger.InvocationError{Reason: "AccessDeniedException"},
			cognito.ErrUnexpectedLambda, "PreTokenGeneration invocation failed due to error AccessDeniedException."},
		{"the deadline, unnamed", trigger.UserMigration, fmt.Errorf("invoke: %w", context.DeadlineExceeded),
			cognito.ErrUnexpectedLambda, "UserMigration invocation failed due to error Socket timeout while invoking Lambda function."},
		// A backend's own text never reaches the caller.
		{"anything else", trigger.CustomMessage, errors.New("dial tcp 10.0.0.7:443: connection refused"),
			cognito.ErrUnexpectedLambda, "CustomMessage invocation failed due to error AWSLambdaException."},
		{"an invocation error without a reason", trigger.DefineAuthChallenge, &trigger.InvocationError{Cause: errors.New("secret detail")},
			cognito.ErrUnexpectedLambda, "DefineAuthChallenge invocation failed due to error AWSLambdaException."},
		{"unreadable output passes through", trigger.CustomMessage, invalid,
			cognito.ErrInvalidLambdaResponse, "Unrecognizable lambda output"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := trigger.Failure(c.trigger, c.err)
			if got == nil || !errors.Is(got, c.kind) || got.Message != c.message {
				t.Fatalf("Failure = %v, want %v %q", got, c.kind, c.message)
			}
			if got.Status != 400 {
				t.Errorf("status %d, want 400", got.Status)
			}
			if !errors.Is(got, c.err) {
				t.Error("the cause is not kept for the log")
			}
		})
	}
	if trigger.Failure(trigger.PreSignUp, nil) != nil {
		t.Error("no failure became an error")
	}
}

// The port in use: a fake backend, an event out, the answer read back, a failure mapped.
func TestInvokerPort(t *testing.T) {
	var seen trigger.Invocation
	inv := trigger.InvokerFunc(func(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
		seen = mode
		if fn.ARN == "arn:aws:lambda:us-east-1:123456789012:function:broken" {
			return nil, &trigger.FunctionError{Message: "boom"}
		}
		b, err := json.Marshal(event)
		if err != nil {
			return nil, err
		}
		var whole map[string]any
		if err := json.Unmarshal(b, &whole); err != nil {
			return nil, err
		}
		whole["response"] = map[string]any{"autoConfirmUser": true}
		return json.Marshal(whole)
	})
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", hdr)
	if err != nil {
		t.Fatal(err)
	}
	fn := trigger.FunctionRef{ARN: "arn:aws:lambda:us-east-1:123456789012:function:pre"}
	out, err := inv.Invoke(context.Background(), fn, trigger.PreSignUp.Invocation(), ev)
	if err != nil || seen != trigger.RequestResponse {
		t.Fatalf("invoke: %v, mode %v", err, seen)
	}
	if err := trigger.DecodeResponse(ev, out); err != nil {
		t.Fatal(err)
	}
	if !ev.(*events.CognitoEventUserPoolsPreSignup).Response.AutoConfirmUser {
		t.Error("autoConfirmUser not read")
	}
	fn.ARN = "arn:aws:lambda:us-east-1:123456789012:function:broken"
	_, err = inv.Invoke(context.Background(), fn, trigger.RequestResponse, ev)
	if got := trigger.Failure(trigger.PreSignUp, err); got.Message != "PreSignUp failed with error boom." {
		t.Errorf("got %v", got)
	}
}

func TestFunctionName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:lambda:us-east-1:123456789012:function:hook":      "hook",
		"arn:aws:lambda:us-east-1:123456789012:function:hook:live": "hook",
		"hook": "hook",
	} {
		if got := trigger.FunctionName(in); got != want {
			t.Errorf("FunctionName(%q) = %q, want %q", in, got, want)
		}
	}
}
