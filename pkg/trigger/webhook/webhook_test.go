package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
)

var secret = []byte("0123456789abcdef-webhook-secret")

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:gatekeeper"

// receiver is what a team without Lambda runs: it verifies each request and answers as told.
type receiver struct {
	answer   func(w http.ResponseWriter, ev map[string]json.RawMessage)
	verified atomic.Int32
	refused  atomic.Int32
	calls    atomic.Int32
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	if _, err := webhook.Verify(secret, r.Header, body, time.Now()); err != nil {
		rc.refused.Add(1)
		http.Error(w, `{"errorMessage": "unsigned"}`, http.StatusUnauthorized)
		return
	}
	rc.verified.Add(1)
	var ev map[string]json.RawMessage
	_ = json.Unmarshal(body, &ev)
	rc.answer(w, ev)
}

func preSignUp(t *testing.T) *events.CognitoEventUserPoolsPreSignup {
	t.Helper()
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", trigger.Header{Region: "us-east-1", UserPoolID: "us-east-1_Hooked", UserName: "kim", ClientID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	return ev.(*events.CognitoEventUserPoolsPreSignup)
}

func start(t *testing.T, rc *receiver) *webhook.Invoker {
	t.Helper()
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	iv, err := webhook.New(secret, map[string]string{"gatekeeper": srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return iv
}

func TestWebhookInvoke(t *testing.T) {
	ctx := context.Background()
	fn := trigger.FunctionRef{ARN: fnARN}

	t.Run("signed, answered with the response", func(t *testing.T) {
		rc := &receiver{answer: func(w http.ResponseWriter, ev map[string]json.RawMessage) {
			ev["response"] = json.RawMessage(`{"autoConfirmUser": true}`)
			_ = json.NewEncoder(w).Encode(ev)
		}}
		iv := start(t, rc)
		ev := preSignUp(t)
		out, err := iv.Invoke(ctx, fn, trigger.RequestResponse, ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := trigger.DecodeResponse(ev, out); err != nil || !ev.Response.AutoConfirmUser || rc.verified.Load() != 1 {
			t.Fatalf("response %+v, %v, verified %d", ev.Response, err, rc.verified.Load())
		}
	})

	t.Run("the wire event sent as it is, signed for its pool", func(t *testing.T) {
		var pool string
		var body []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
			var err error
			if pool, err = webhook.Verify(secret, r.Header, body, time.Now()); err != nil {
				http.Error(w, `{"errorMessage": "unsigned"}`, http.StatusUnauthorized)
				return
			}
			_, _ = w.Write(body)
		}))
		t.Cleanup(srv.Close)
		iv, err := webhook.New(secret, map[string]string{"gatekeeper": srv.URL}, srv.Client(), nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(preSignUp(t))
		if err != nil {
			t.Fatal(err)
		}
		// The pool comes from the event when the caller does not name it, from fn when it does.
		for _, ref := range []trigger.FunctionRef{fn, {ARN: fnARN, UserPoolID: "us-east-1_Hooked"}} {
			pool, body = "", nil
			if _, err := iv.Invoke(ctx, ref, trigger.RequestResponse, json.RawMessage(raw)); err != nil {
				t.Fatal(err)
			}
			if pool != "us-east-1_Hooked" || string(body) != string(raw) {
				t.Fatalf("%+v: signed for %q, sent %s", ref, pool, body)
			}
		}
	})

	t.Run("a refusal is the receiver's message, not retried", func(t *testing.T) {
		rc := &receiver{answer: func(w http.ResponseWriter, _ map[string]json.RawMessage) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errorMessage": "closed for sign-ups"}`))
		}}
		iv := start(t, rc)
		_, err := iv.Invoke(ctx, fn, trigger.RequestResponse, preSignUp(t))
		ce := trigger.Failure(trigger.PreSignUp, err)
		if ce == nil || ce.Type != "UserLambdaValidationException" || ce.Message != "PreSignUp failed with error closed for sign-ups." || rc.calls.Load() != 1 {
			t.Fatalf("got %v after %d calls", ce, rc.calls.Load())
		}
	})

	t.Run("a receiver past the budget is UnexpectedLambdaException, tried three times", func(t *testing.T) {
		release := make(chan struct{})
		rc := &receiver{answer: func(w http.ResponseWriter, _ map[string]json.RawMessage) { <-release }}
		iv := start(t, rc)
		defer close(release)
		iv.Budget = 100 * time.Millisecond
		_, err := iv.Invoke(ctx, fn, trigger.RequestResponse, preSignUp(t))
		ce := trigger.Failure(trigger.PreSignUp, err)
		if ce == nil || !errors.Is(ce, cognito.ErrUnexpectedLambda) || ce.Message != "PreSignUp invocation failed due to error "+trigger.ReasonTimeout+"." {
			t.Fatalf("got %v", ce)
		}
		if n := rc.calls.Load(); n != 3 {
			t.Fatalf("tried %d times, want 3", n)
		}
	})
}

func TestVerify(t *testing.T) {
	body := []byte(`{"userPoolId":"us-east-1_Hooked"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set(webhook.HeaderPool, "us-east-1_Hooked")
	h.Set(webhook.HeaderTimestamp, "1800000000")
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, "us-east-1_Hooked", now.Unix(), body))
	if pool, err := webhook.Verify(secret, h, body, now); err != nil || pool != "us-east-1_Hooked" {
		t.Fatalf("a good request: %q, %v", pool, err)
	}
	if _, err := webhook.Verify(secret, h, body, now.Add(webhook.Window+time.Second)); !errors.Is(err, webhook.ErrStale) {
		t.Errorf("a replay after the window: %v", err)
	}
	if _, err := webhook.Verify(secret, h, []byte(`{"userPoolId":"us-east-1_Other"}`), now); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("a changed body: %v", err)
	}
	other := h.Clone()
	other.Set(webhook.HeaderPool, "us-east-1_Other") // another pool's key cannot sign this one's
	if _, err := webhook.Verify(secret, other, body, now); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("another pool: %v", err)
	}
	if _, err := webhook.Verify(secret, http.Header{}, body, now); !errors.Is(err, webhook.ErrUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://hooks.example.com/cognito": true, "http://127.0.0.1:8080/hook": true, "http://localhost:9000/": true,
		"http://hooks.example.com/cognito": false, "ftp://example.com": false, "not a url": false,
	} {
		if err := webhook.CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
}

// Sign-ins call a pool's webhook concurrently: the invoker keeps a connection per concurrent
// call alive between calls, instead of Go's default two per host, so concurrent sign-ins do not
// open (and tear down) a TCP connection per invocation.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	rc := &receiver{answer: func(w http.ResponseWriter, ev map[string]json.RawMessage) { _ = json.NewEncoder(w).Encode(ev) }}
	srv := httptest.NewUnstartedServer(rc)
	var opened atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	iv, err := webhook.New(secret, map[string]string{fnARN: srv.URL}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := trigger.NewEvent(trigger.PreSignUpSignUp, "", trigger.Header{Region: "us-east-1", UserPoolID: "us-east-1_Pool", UserName: "u", ClientID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	const callers, rounds = 16, 20
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if _, err := iv.Invoke(context.Background(), trigger.FunctionRef{ARN: fnARN}, trigger.RequestResponse, json.RawMessage(body)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := opened.Load(); n > 2*callers {
		t.Fatalf("%d calls from %d callers opened %d connections: they are not kept for reuse", callers*rounds, callers, n)
	}
}
