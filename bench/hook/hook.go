// Package hook is the trigger function of `make bench`: the same answer under the Lambda Runtime
// Interface Emulator (bench/cmd/benchhook) and behind the load generator's webhook receiver, so
// that the two trigger variants differ only in how Cognate reaches the function. It does as
// little as a real function can, so that its own time is small and stable: PreAuthentication
// answers the event unchanged (the sign-in goes on), PreTokenGeneration V2_0 adds one claim to
// the ID and the access token — which the bench reads back from a token to prove that the
// triggers fired.
package hook

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// The claim PreTokenGeneration adds to both tokens.
const (
	Claim = "bench_hook"
	Value = "v1"
)

// Handle answers one trigger event as the bench's function.
func Handle(_ context.Context, event json.RawMessage) (json.RawMessage, error) {
	var h struct {
		TriggerSource string `json:"triggerSource"`
	}
	if err := json.Unmarshal(event, &h); err != nil {
		return nil, err
	}
	switch {
	case h.TriggerSource == "PreAuthentication_Authentication":
		// Decoded and encoded again, as a function on aws-lambda-go does: that is its work.
		var ev events.CognitoEventUserPoolsPreAuthentication
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, err
		}
		return json.Marshal(&ev)
	case strings.HasPrefix(h.TriggerSource, "TokenGeneration_"):
		var ev events.CognitoEventUserPoolsPreTokenGenV2_0
		if err := json.Unmarshal(event, &ev); err != nil {
			return nil, err
		}
		o := &ev.Response.ClaimsAndScopeOverrideDetails
		o.IDTokenGeneration.ClaimsToAddOrOverride = map[string]any{Claim: Value}
		o.AccessTokenGeneration.ClaimsToAddOrOverride = map[string]any{Claim: Value}
		return json.Marshal(&ev)
	}
	return nil, fmt.Errorf("bench hook: unexpected trigger source %q", h.TriggerSource)
}
