package lambdainvoke_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
)

const hookARN = "arn:aws:lambda:us-east-1:123456789012:function:test-hook"

// hook is the test hook under the real Runtime Interface Emulator, reached by its ARN.
type hook struct {
	dir string
	fn  *lambdarie.Function
	iv  *lambdainvoke.Invoker
}

func (h *hook) client() *lambda.Client { return h.fn.Client }

func startHook(t *testing.T) *hook {
	t.Helper()
	dir := t.TempDir()
	fn := lambdarie.Start(t, "github.com/cognatehq/cognate/infra/lambda/testhook", lambdarie.Options{
		Env: []string{"TESTHOOK_DIR=" + dir}, Timeout: 10 * time.Second})
	iv := lambdainvoke.New(nil)
	iv.Route(hookARN, fn.Client)
	return &hook{dir: dir, fn: fn, iv: iv}
}

// script tells the hook how to answer its next calls.
func (h *hook) script(t *testing.T, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "script.json"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// received is every event the hook got, in order.
func (h *hook) received(t *testing.T) []json.RawMessage {
	t.Helper()
	f, err := os.Open(filepath.Join(h.dir, "events.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	var out []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	return out
}

// finished is how many calls the hook has answered.
func (h *hook) finished(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, "finished"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return len(b)
}

func preSignUp(t *testing.T) *events.CognitoEventUserPoolsPreSignup {
	t.Helper()
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", trigger.Header{Region: "us-east-1",
		UserPoolID: "us-east-1_Test", UserName: "jane", ClientID: "client123"})
	if err != nil {
		t.Fatal(err)
	}
	e := ev.(*events.CognitoEventUserPoolsPreSignup)
	e.Request.UserAttributes = map[string]string{"email": "jane@example.com"}
	return e
}

func TestInvokeUnderTheEmulator(t *testing.T) {
	h := startHook(t)
	ctx := context.Background()
	fn := trigger.FunctionRef{ARN: hookARN}

	t.Run("the event goes out whole and the response comes back", func(t *testing.T) {
		h.script(t, `{"response": {"autoConfirmUser": true, "autoVerifyEmail": true}}`)
		ev := preSignUp(t)
		out, err := h.iv.Invoke(ctx, fn, trigger.RequestResponse, ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := trigger.DecodeResponse(ev, out); err != nil {
			t.Fatal(err)
		}
		if !ev.Response.AutoConfirmUser || !ev.Response.AutoVerifyEmail || ev.Response.AutoVerifyPhone {
			t.Fatalf("response %+v", ev.Response)
		}
		got := h.received(t)
		var sent events.CognitoEventUserPoolsPreSignup
		if err := json.Unmarshal(got[len(got)-1], &sent); err != nil {
			t.Fatal(err)
		}
		if sent.TriggerSource != "PreSignUp_SignUp" || sent.UserName != "jane" || sent.CallerContext.ClientID != "client123" ||
			sent.Request.UserAttributes["email"] != "jane@example.com" || sent.Version != "1" {
			t.Fatalf("the function got %s", got[len(got)-1])
		}
	})

	t.Run("a function error is the function's message, not retried", func(t *testing.T) {
		h.script(t, `{"error": "Domain not allowed"}`)
		before := len(h.received(t))
		_, err := h.iv.Invoke(ctx, fn, trigger.RequestResponse, preSignUp(t))
		ce := trigger.Failure(trigger.PreSignUp, err)
		if ce == nil || ce.Type != "UserLambdaValidationException" || ce.Message != "PreSignUp failed with error Domain not allowed." {
			t.Fatalf("got %v", err)
		}
		if n := len(h.received(t)) - before; n != 1 {
			t.Fatalf("the function ran %d times, want once", n)
		}
	})

	t.Run("output that is not an event is InvalidLambdaResponseException", func(t *testing.T) {
		h.script(t, `{"output": "not an object"}`)
		ev := preSignUp(t)
		out, err := h.iv.Invoke(ctx, fn, trigger.RequestResponse, ev)
		if err != nil {
			t.Fatal(err)
		}
		err = trigger.DecodeResponse(ev, out)
		if !errors.Is(err, cognito.ErrInvalidLambdaResponse) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("a response of the wrong shape is InvalidLambdaResponseException", func(t *testing.T) {
		h.script(t, `{"response": {"autoConfirmUser": "yes"}}`)
		ev := preSignUp(t)
		out, err := h.iv.Invoke(ctx, fn, trigger.RequestResponse, ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := trigger.DecodeResponse(ev, out); !errors.Is(err, cognito.ErrInvalidLambdaResponse) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("an asynchronous call returns at once with nothing", func(t *testing.T) {
		h.script(t, `{}`)
		before := len(h.received(t))
		out, err := h.iv.Invoke(ctx, fn, trigger.Event, preSignUp(t))
		if err != nil || out != nil {
			t.Fatalf("got %s, %v", out, err)
		}
		h.iv.Wait()
		if n := len(h.received(t)) - before; n != 1 {
			t.Fatalf("the function ran %d times, want once", n)
		}
	})

	t.Run("an asynchronous call returns before the function has run, as Lambda's queue does", func(t *testing.T) {
		h.script(t, `{"holdUntil": "release"}`)
		before := h.finished(t)
		if _, err := h.iv.Invoke(ctx, fn, trigger.Event, preSignUp(t)); err != nil {
			t.Fatal(err)
		}
		if n := h.finished(t) - before; n != 0 {
			t.Fatalf("Invoke returned after the held function finished (%d)", n)
		}
		if err := os.WriteFile(filepath.Join(h.dir, "release"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		h.iv.Wait()
		if n := h.finished(t) - before; n != 1 {
			t.Fatalf("after Wait, %d calls finished, want 1", n)
		}
		h.script(t, `{}`)
	})

	t.Run("an attempt past its budget is UnexpectedLambdaException", func(t *testing.T) {
		h.script(t, `{"sleepMs": 1500}`)
		slow := lambdainvoke.New(nil)
		slow.Budget = 300 * time.Millisecond
		route(slow, h)
		_, err := slow.Invoke(ctx, fn, trigger.RequestResponse, preSignUp(t))
		ce := trigger.Failure(trigger.PreSignUp, err)
		if ce == nil || ce.Type != "UnexpectedLambdaException" {
			t.Fatalf("got %v", err)
		}
		var ie *trigger.InvocationError
		if !errors.As(err, &ie) {
			t.Fatalf("got %T %v", err, err)
		}
		h.script(t, `{}`)
	})
}

// route points inv at the same emulator as h's invoker.
func route(inv *lambdainvoke.Invoker, h *hook) {
	inv.Route(hookARN, h.client())
}

func TestUnknownFunction(t *testing.T) {
	iv := lambdainvoke.New(nil)
	_, err := iv.Invoke(context.Background(), trigger.FunctionRef{ARN: "arn:aws:lambda:us-east-1:123456789012:function:nobody"},
		trigger.RequestResponse, map[string]string{})
	ce := trigger.Failure(trigger.PreSignUp, err)
	if ce == nil || ce.Type != "UnexpectedLambdaException" || ce.Message != "PreSignUp invocation failed due to error ResourceNotFoundException." {
		t.Fatalf("got %v", ce)
	}
}
