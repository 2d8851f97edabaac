package trigger

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// FunctionRef names the function a pool's LambdaConfig configures for a trigger.
type FunctionRef struct {
	// ARN is the function's ARN as the pool stores it. A webhook backend maps it to a URL.
	ARN string
	// LambdaVersion is the event version the trigger is configured for (V1_0, V2_0, V3_0);
	// "" for a trigger configured by its bare ARN, which Cognito sends V1_0 events.
	LambdaVersion string
	// KMSKeyID is the pool's key for the custom senders' codes; "" for other triggers.
	KMSKeyID string
	// UserPoolID is the pool whose LambdaConfig names the function (the event's userPoolId); a
	// webhook signs its request for it. "" when the caller does not say: a backend that needs it
	// reads it from the event.
	UserPoolID string
}

// Cognito's invocation contract (§7.1), which every backend keeps: each attempt has Budget,
// and a call that did not get an answer is tried Attempts times in all before it fails.
const (
	Budget   = 5 * time.Second
	Attempts = 3
)

// Invoker calls trigger functions: the port the user pool calls them through. Backends (Lambda,
// an HTTP webhook) come with issue 12; none exists yet.
//
// Invoke sends event (a value NewEvent made, encoded as JSON) to fn:
//
//   - RequestResponse waits for the function and returns its output, the whole event as the
//     function returned it (DecodeResponse reads its response).
//   - Event queues the call (Lambda's Event invocation; a webhook answers 202) and returns nil
//     output as soon as it is accepted. Nothing the function does later reaches the caller.
//
// A failure is a *FunctionError when the function ran and reported an error (Lambda's
// FunctionError with its errorMessage; a webhook's error answer), never retried; any other
// failure — throttled, timed out, not permitted, not found, unreachable — is an
// *InvocationError naming it as Cognito does (ReasonTimeout, an AWS error code), tried again
// while attempts and ctx allow. Failure turns either into the API's error. An Invoker never
// logs the event or the output: they carry passwords (UserMigration) and codes.
type Invoker interface {
	Invoke(ctx context.Context, fn FunctionRef, mode Invocation, event any) (json.RawMessage, error)
}

// Payload is the JSON an Invoker sends for event: event itself when it is JSON already (a
// json.RawMessage: the user pool hands the backends the wire event it has just encoded, so
// encoding it again would only copy it), otherwise its encoding.
func Payload(event any) ([]byte, error) {
	if raw, ok := event.(json.RawMessage); ok && len(raw) > 0 {
		return raw, nil
	}
	return json.Marshal(event)
}

// InvokerFunc adapts a function to Invoker, for tests and small backends.
type InvokerFunc func(ctx context.Context, fn FunctionRef, mode Invocation, event any) (json.RawMessage, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, fn FunctionRef, mode Invocation, event any) (json.RawMessage, error) {
	return f(ctx, fn, mode, event)
}

// FunctionError is a function's own error: it ran and threw, or returned an error. Message is
// its errorMessage, which Cognito shows the caller.
type FunctionError struct {
	Message string
}

func (e *FunctionError) Error() string { return "trigger function failed: " + e.Message }

// InvocationError is a call that got no answer from the function.
type InvocationError struct {
	// Reason names the failure as Cognito's message does: ReasonTimeout, or the AWS error code
	// of the failed invocation (TooManyRequestsException, AccessDeniedException,
	// ResourceNotFoundException, ...). Never an internal error's text: it reaches the caller.
	Reason string
	// Cause is the backend's error, for the log.
	Cause error
}

// The reasons of the calls that got no answer, as Cognito's messages name them.
const (
	// ReasonTimeout is the reason of a call that ran out of time.
	ReasonTimeout = "Socket timeout while invoking Lambda function"
	// ReasonNotFound is the reason of a call to a function there is no way to reach.
	ReasonNotFound = "ResourceNotFoundException"
)

// FunctionName is the function part of a Lambda ARN (arn:aws:lambda:<region>:<account>:function:
// <name>[:<qualifier>]), or s itself when it is not one: backends that route by name match a
// function's ARN by it too.
func FunctionName(s string) string {
	parts := strings.Split(s, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function" {
		return parts[6]
	}
	return s
}

func (e *InvocationError) Error() string {
	if e.Cause != nil {
		return "trigger invocation failed: " + e.Reason + ": " + e.Cause.Error()
	}
	return "trigger invocation failed: " + e.Reason
}

func (e *InvocationError) Unwrap() error { return e.Cause }
