package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/trigger/lambdainvoke"
	"github.com/cognatehq/cognate/pkg/trigger/webhook"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// nameURLs is a repeatable FUNCTION=URL flag of `loadgen server`.
type nameURLs []string

func (l *nameURLs) String() string { return strings.Join(*l, ",") }

func (l *nameURLs) Set(v string) error {
	if name, url, ok := strings.Cut(v, "="); !ok || name == "" || !strings.HasPrefix(url, "http") {
		return fmt.Errorf("%q: want FUNCTION=http://host:port", v)
	}
	*l = append(*l, v)
	return nil
}

// serverTriggers is the trigger Invoker of `loadgen server`, built as `cognate serve` builds it
// from --trigger-webhook, --webhook-secret and --lambda-endpoint (cmd/cognate/serve.go,
// triggerInvoker and lambdaInvoker): the webhook Invoker with its default client, in front of
// lambdainvoke routing each function to its emulator with the same Lambda client options. Nil
// when neither is given.
func serverTriggers(webhooks, lambdas nameURLs, secret string) (trigger.Invoker, error) {
	var next trigger.Invoker
	if len(lambdas) > 0 {
		httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 256
		})
		iv := lambdainvoke.New(nil)
		for _, e := range lambdas {
			name, url, _ := strings.Cut(e, "=")
			iv.Route(name, lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}, HTTPClient: httpClient,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDCOGNATELOCAL", "cognate-local", "")}))
		}
		next = iv
	}
	if len(webhooks) == 0 {
		return next, nil
	}
	urls := map[string]string{}
	for _, e := range webhooks {
		name, url, _ := strings.Cut(e, "=")
		urls[name] = url
	}
	hooks, err := webhook.New([]byte(secret), urls, nil, nil)
	if err != nil {
		return nil, err
	}
	return webhook.Router{Webhooks: hooks, Next: next}, nil
}

// invocationTimes collects, through a triggers.Trace on every API request, Cognate's time per
// answered trigger call: from the start of the call to the answer decoded, the function's own
// time included (the load generator subtracts it).
type invocationTimes struct {
	mu   sync.Mutex
	took []float64
}

func (t *invocationTimes) trace() *triggers.Trace {
	return &triggers.Trace{Invoked: func(iv triggers.Invocation) {
		t.mu.Lock()
		t.took = append(t.took, float64(iv.Took.Nanoseconds())/1e6)
		t.mu.Unlock()
	}}
}

// invocationTimesJSON is the answer of GET /_bench/triggers (ms, one per invocation).
type invocationTimesJSON struct {
	Took []float64 `json:"took_ms"`
}

// ServeHTTP answers GET /_bench/triggers: the times collected since the last GET.
func (t *invocationTimes) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	out := invocationTimesJSON{Took: t.took}
	t.took = nil
	t.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out) // a client that went away has nothing left to read
}
