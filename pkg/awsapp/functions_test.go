package awsapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cognatehq/cognate/infra/lambda/lambdarie"
)

// fnPkg is the import path of a function's main (functions/<dir>, as the Makefile's FUNCTIONS
// table maps template logical ids to them).
func fnPkg(dir string) string { return "github.com/cognatehq/cognate/functions/" + dir }

// deployed is one function's real binary under the AWS Lambda Runtime Interface Emulator, started
// with the environment template.yaml gives it plus the AWS_ENDPOINT_URL_<SERVICE> settings that
// point its AWS SDK at the emulators — what `sam local invoke --env-vars events/env.json` does
// with Docker, and `make invoke-local` without it.
type deployed struct {
	name string
	fn   *lambdarie.Function
}

// start runs the function of package dir with env (a function's environment, as b.env makes it).
func (b backends) start(t testing.TB, dir string, env map[string]string) *deployed {
	t.Helper()
	vars := maps.Clone(env)
	maps.Copy(vars, map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": b.ddbEndpoint,
		"AWS_ENDPOINT_URL_KMS":      b.kms.Endpoint,
		"AWS_ENDPOINT_URL_SESV2":    b.sesEndpoint,
		"AWS_ENDPOINT_URL_SNS":      b.snsEndpoint,
		// The emulators check no signature; the SDK wants credentials to sign with. Nothing of
		// the machine's own AWS configuration may leak in.
		"AWS_ACCESS_KEY_ID":           "AKIDFUNCTION",
		"AWS_SECRET_ACCESS_KEY":       "function-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
	})
	list := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		list = append(list, k+"="+vars[k])
	}
	return &deployed{name: dir, fn: lambdarie.Start(t, fnPkg(dir), lambdarie.Options{Env: list, Timeout: 60 * time.Second})}
}

// functionError is what a function answered with an error: its errorMessage and errorType. The
// emulator drops X-Amz-Function-Error, so it is recognised from the payload too.
type functionError struct{ Message, Type string }

func (e *functionError) Error() string { return fmt.Sprintf("%s: %s", e.Type, e.Message) }

// invoke sends in (JSON) to the function and decodes its answer into out; a function error is a
// *functionError.
func (d *deployed) invoke(ctx context.Context, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return err
	}
	res, err := d.fn.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(lambdarie.FunctionName), Payload: payload})
	if err != nil {
		return fmt.Errorf("invoking %s under the emulator: %w", d.name, err)
	}
	var fe struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    string  `json:"errorType"`
	}
	if res.FunctionError != nil || (json.Unmarshal(res.Payload, &fe) == nil && fe.ErrorMessage != nil) {
		_ = json.Unmarshal(res.Payload, &fe)
		return &functionError{Message: aws.ToString(fe.ErrorMessage), Type: fe.ErrorType}
	}
	return json.Unmarshal(res.Payload, out)
}

// http is the function as an HTTP API handler.
func (d *deployed) http() httpHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		var resp events.APIGatewayV2HTTPResponse
		err := d.invoke(ctx, ev, &resp)
		return resp, err
	}
}
