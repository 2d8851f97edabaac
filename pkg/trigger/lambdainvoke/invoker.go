// Package lambdainvoke is the Lambda backend of the trigger.Invoker port: it calls a pool's
// trigger functions with aws-sdk-go-v2's Lambda Invoke, RequestResponse for every trigger and
// Event for the custom senders, as Cognito does (cognito-protocol.md §7.1): each attempt has
// trigger.Budget, a call that got no answer is tried trigger.Attempts times in all, a function's
// own error is never retried.
//
// On AWS one client serves every function, named by its ARN. Locally a function may run under
// the AWS Lambda Runtime Interface Emulator, which serves one function under the name "function"
// and drops the X-Amz-Function-Error header: Route sends a function (by its name or ARN) to such
// an endpoint, and a function error is recognised from the payload too ({"errorMessage": ...,
// "errorType": ...} is what every Lambda runtime posts for an error, and no event carries it).
//
// Lambda's Event invocation queues the event and answers 202 at once; the emulator runs every
// invocation synchronously, whatever its type. So an Event call to a routed function is made in
// the background, as Lambda's queue would make it, and Invoke returns as soon as it is started:
// the caller sees what it sees on AWS, a call that returns before the function has run. Wait
// waits for those calls (tests, and a server shutting down).
//
// Nothing here logs an event or an answer: they carry passwords (UserMigration) and codes.
package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/trigger"
)

// EmulatorFunctionName is the only name the Runtime Interface Emulator serves a function under.
const EmulatorFunctionName = "function"

// Invoker invokes trigger functions through Lambda.
type Invoker struct {
	client *lambda.Client
	routes map[string]*lambda.Client
	// Budget is each attempt's time; 0 means trigger.Budget (tests shorten it).
	Budget time.Duration
	// queued counts the Event calls to emulators still running.
	queued sync.WaitGroup
}

// New returns an Invoker that calls functions through client (nil: only routed functions can be
// called). client should not retry: the Invoker keeps Cognito's attempts itself.
func New(client *lambda.Client) *Invoker {
	return &Invoker{client: client, routes: map[string]*lambda.Client{}}
}

// Route sends calls of function (its name, or its ARN; a function's ARN also matches its name) to
// a Runtime Interface Emulator's client, invoked as EmulatorFunctionName.
func (iv *Invoker) Route(function string, emulator *lambda.Client) {
	iv.routes[function] = emulator
}

// Wait waits for the Event calls to emulators made so far to finish.
func (iv *Invoker) Wait() { iv.queued.Wait() }

// target is the client and the name to invoke fn under, and whether it is an emulator.
func (iv *Invoker) target(fn trigger.FunctionRef) (*lambda.Client, string, bool, error) {
	if c, ok := iv.routes[fn.ARN]; ok {
		return c, EmulatorFunctionName, true, nil
	}
	if c, ok := iv.routes[trigger.FunctionName(fn.ARN)]; ok {
		return c, EmulatorFunctionName, true, nil
	}
	if iv.client == nil {
		return nil, "", false, &trigger.InvocationError{Reason: trigger.ReasonNotFound,
			Cause: fmt.Errorf("no Lambda endpoint for %s", fn.ARN)}
	}
	return iv.client, fn.ARN, false, nil
}

// Invoke implements trigger.Invoker.
func (iv *Invoker) Invoke(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
	payload, err := trigger.Payload(event)
	if err != nil {
		return nil, err
	}
	client, name, emulator, err := iv.target(fn)
	if err != nil {
		return nil, err
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: payload,
		InvocationType: types.InvocationTypeRequestResponse}
	if mode == trigger.Event {
		in.InvocationType = types.InvocationTypeEvent
	}
	if mode == trigger.Event && emulator {
		// What happens to a queued event is the function's affair, never the caller's (on
		// AWS its failures go to the function's own destinations): the outcome is dropped,
		// and the call outlives the request that made it, as Lambda's queue does.
		iv.queued.Go(func() { _, _ = iv.call(context.WithoutCancel(ctx), client, in, mode) })
		return nil, nil
	}
	return iv.call(ctx, client, in, mode)
}

// call makes Cognito's attempts at one invocation.
func (iv *Invoker) call(ctx context.Context, client *lambda.Client, in *lambda.InvokeInput, mode trigger.Invocation) (json.RawMessage, error) {
	var last error
	for range trigger.Attempts {
		out, err := iv.attempt(ctx, client, in)
		if err == nil {
			if mode == trigger.Event {
				return nil, nil
			}
			return out, nil
		}
		var fe *trigger.FunctionError
		if errors.As(err, &fe) {
			return nil, err
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// attempt is one Invoke within trigger.Budget.
func (iv *Invoker) attempt(ctx context.Context, client *lambda.Client, in *lambda.InvokeInput) (json.RawMessage, error) {
	budget := iv.Budget
	if budget <= 0 {
		budget = trigger.Budget
	}
	actx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	out, err := client.Invoke(actx, in)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil {
			return nil, &trigger.InvocationError{Reason: trigger.ReasonTimeout, Cause: err}
		}
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, &trigger.InvocationError{Reason: ae.ErrorCode(), Cause: err}
		}
		return nil, &trigger.InvocationError{Reason: "AWSLambdaException", Cause: err}
	}
	if out.FunctionError != nil {
		return nil, &trigger.FunctionError{Message: errorMessage(out.Payload)}
	}
	if msg, ok := runtimeError(out.Payload); ok {
		return nil, &trigger.FunctionError{Message: msg}
	}
	return out.Payload, nil
}

// runtimeError recognises the error object a Lambda runtime posts for a failed invocation, for
// endpoints that do not say so in a header (the Runtime Interface Emulator).
func runtimeError(payload []byte) (string, bool) {
	var e map[string]json.RawMessage
	if json.Unmarshal(payload, &e) != nil || e == nil {
		return "", false
	}
	_, hasMsg := e["errorMessage"]
	_, hasType := e["errorType"]
	if !hasMsg || !hasType {
		return "", false
	}
	for k := range e {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" && k != "cause" {
			return "", false
		}
	}
	return errorMessage(payload), true
}

// errorMessage is a function error's errorMessage, or the payload as text when it has none.
func errorMessage(payload []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(payload, &e) == nil && e.ErrorMessage != "" {
		return e.ErrorMessage
	}
	return strings.TrimSpace(string(payload))
}
