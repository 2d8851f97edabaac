package triggers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// A trace under the context is told each answered call and its time, the function's included.
func TestTrace(t *testing.T) {
	pool := &model.Pool{UserPoolType: model.UserPoolType{Id: "us-east-1_Trace", LambdaConfig: &model.LambdaConfigType{PreAuthentication: "fn"}}}
	tr := triggers.New(trigger.InvokerFunc(func(_ context.Context, _ trigger.FunctionRef, _ trigger.Invocation, event any) (json.RawMessage, error) {
		time.Sleep(2 * time.Millisecond) // the function's own time
		return trigger.Payload(event)
	}), "us-east-1")
	call := triggers.Call{Source: trigger.PreAuthenticationAuthentication, UserName: "kim", ClientID: "c"}
	var got []time.Duration
	ctx := triggers.WithTrace(context.Background(), &triggers.Trace{Invoked: func(iv triggers.Invocation) {
		if iv.Source != trigger.PreAuthenticationAuthentication {
			t.Errorf("source %s", iv.Source)
		}
		got = append(got, iv.Took)
	}})
	if _, err := tr.Run(ctx, pool, call, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background(), pool, call, nil); err != nil { // no trace: nothing told
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] < 2*time.Millisecond {
		t.Fatalf("told %v", got)
	}
}
