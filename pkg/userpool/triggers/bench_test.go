package triggers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// The benchmarks of one trigger invocation, as a sign-in makes it: PreAuthentication and
// PreTokenGeneration V2_0, through an Invoker that answers at once (Cognate's work around the
// call: the event, its JSON, reading the answer back), through the webhook Invoker with a
// transport that answers in memory (the same plus the webhook client's signing and request, but
// no socket), and through the webhook Invoker to a receiver on loopback (both ends of HTTP).

const benchARN = "arn:aws:lambda:us-east-1:123456789012:function:bench-hook"

var benchSecret = []byte("bench-webhook-secret-0123456789")

type benchCase struct {
	pool     *model.Pool
	preAuth  triggers.Call
	preToken triggers.Call
	fillAuth func(ev any)
	fillTok  func(ev any)
	answers  map[trigger.Source]json.RawMessage
}

func newBenchCase(b *testing.B) *benchCase {
	b.Helper()
	user := &model.User{UserRecord: &model.UserRecord{Username: "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10", Status: "CONFIRMED", Enabled: true,
		Attrs: map[string]string{"email": "u0000001@bench.example", "email_verified": "true"}}, Stored: &store.User{Sub: "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10"}}
	c := &benchCase{
		pool: &model.Pool{UserPoolType: model.UserPoolType{Id: "us-east-1_BenchTrig1", LambdaConfig: &model.LambdaConfigType{
			PreAuthentication:        benchARN,
			PreTokenGenerationConfig: &model.PreTokenGenerationVersionConfigType{LambdaVersion: "V2_0", LambdaArn: benchARN}}}},
		preAuth:  triggers.Call{Source: trigger.PreAuthenticationAuthentication, UserName: user.Username, ClientID: "benchclient000000000000001"},
		preToken: triggers.Call{Source: trigger.TokenGenerationAuthentication, UserName: user.Username, ClientID: "benchclient000000000000001"},
		fillAuth: func(ev any) {
			ev.(*events.CognitoEventUserPoolsPreAuthentication).Request.UserAttributes = triggers.UserAttributes(user)
		},
		fillTok: func(ev any) {
			req := &ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0).Request
			req.UserAttributes = triggers.UserAttributes(user)
			req.Scopes = []string{"aws.cognito.signin.user.admin"}
			req.GroupConfiguration = events.GroupConfigurationV2_0{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}}
		},
		answers: map[trigger.Source]json.RawMessage{},
	}
	// The answers: the event back, PreTokenGeneration's with one claim added, as the bench hook.
	rec := triggers.New(trigger.InvokerFunc(func(_ context.Context, _ trigger.FunctionRef, _ trigger.Invocation, event any) (json.RawMessage, error) {
		raw, err := json.Marshal(event)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if m["triggerSource"] == string(trigger.TokenGenerationAuthentication) {
			m["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
				"idTokenGeneration":     map[string]any{"claimsToAddOrOverride": map[string]any{"bench_hook": "v1"}},
				"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"bench_hook": "v1"}}}}
		}
		out, err := json.Marshal(m)
		c.answers[trigger.Source(m["triggerSource"].(string))] = out
		return out, err
	}), "us-east-1")
	ctx := context.Background()
	if _, err := rec.Run(ctx, c.pool, c.preAuth, c.fillAuth); err != nil {
		b.Fatal(err)
	}
	if _, err := rec.Run(ctx, c.pool, c.preToken, c.fillTok); err != nil {
		b.Fatal(err)
	}
	return c
}

// answer is the canned answer to a request's event.
func (c *benchCase) answer(body []byte) json.RawMessage {
	if bytes.Contains(body, []byte(`"triggerSource":"TokenGeneration_`)) {
		return c.answers[trigger.TokenGenerationAuthentication]
	}
	return c.answers[trigger.PreAuthenticationAuthentication]
}

// run invokes both triggers once, as one sign-in does.
func (c *benchCase) run(b *testing.B, tr *triggers.Triggers) {
	ctx := context.Background()
	if _, err := tr.Run(ctx, c.pool, c.preAuth, c.fillAuth); err != nil {
		b.Fatal(err)
	}
	ev, err := tr.Run(ctx, c.pool, c.preToken, c.fillTok)
	if err != nil {
		b.Fatal(err)
	}
	if ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0).Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration.ClaimsToAddOrOverride["bench_hook"] != "v1" {
		b.Fatal("the answer was not read back")
	}
}

// memTransport answers a webhook request in memory, as a receiver that answers at once would.
type memTransport struct{ c *benchCase }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	_ = r.Body.Close()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(t.c.answer(body))), Request: r}, nil
}

// BenchmarkSignInTriggers reports per sign-in: two invocations.
func BenchmarkSignInTriggers(b *testing.B) {
	c := newBenchCase(b)
	b.Run("canned", func(b *testing.B) {
		tr := triggers.New(trigger.InvokerFunc(func(_ context.Context, _ trigger.FunctionRef, _ trigger.Invocation, event any) (json.RawMessage, error) {
			raw, err := trigger.Payload(event) // as every backend does
			if err != nil {
				return nil, err
			}
			return c.answer(raw), nil
		}), "us-east-1")
		b.ReportAllocs()
		for b.Loop() {
			c.run(b, tr)
		}
	})
	b.Run("webhook-mem", func(b *testing.B) {
		iv, err := webhook.New(benchSecret, map[string]string{benchARN: "http://127.0.0.1:1/hook"}, &http.Client{Transport: memTransport{c}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		tr := triggers.New(iv, "us-east-1")
		b.ReportAllocs()
		for b.Loop() {
			c.run(b, tr)
		}
	})
	b.Run("webhook-loopback", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(c.answer(body))
		}))
		defer srv.Close()
		iv, err := webhook.New(benchSecret, map[string]string{benchARN: srv.URL + "/hook"}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		tr := triggers.New(iv, "us-east-1")
		b.ReportAllocs()
		for b.Loop() {
			c.run(b, tr)
		}
	})
}
