// Package triggers is where the service calls a pool's Lambda triggers (cognito-protocol.md §7):
// which function the pool's LambdaConfig names for a trigger source and in which event version,
// the event with its common header, the call through the trigger.Invoker port, the response read
// back into the event, and a failure turned into the error Cognito reports (§7.5). The operations
// decide where a trigger fires and what its response changes; the event shapes, the invocation
// contract and the failure mapping are pkg/trigger's.
package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// Triggers calls trigger functions for the operations.
type Triggers struct {
	invoker trigger.Invoker
	region  string
}

// New builds the triggers room. A nil invoker calls nothing: a pool that configures a trigger
// then fails the operation with UnexpectedLambdaException, as Cognito does for a function it
// cannot invoke (fail closed: a PreSignUp that cannot run must not let everyone sign up).
func New(inv trigger.Invoker, region string) *Triggers {
	return &Triggers{invoker: inv, region: region}
}

// Function is the function p's LambdaConfig names for t, and whether there is one.
func Function(p *model.Pool, t trigger.Trigger) (trigger.FunctionRef, bool) {
	lc := p.LambdaConfig
	if lc == nil {
		return trigger.FunctionRef{}, false
	}
	arn := ""
	version := ""
	switch t {
	case trigger.PreSignUp:
		arn = lc.PreSignUp
	case trigger.CustomMessage:
		arn = lc.CustomMessage
	case trigger.PostConfirmation:
		arn = lc.PostConfirmation
	case trigger.PreAuthentication:
		arn = lc.PreAuthentication
	case trigger.PostAuthentication:
		arn = lc.PostAuthentication
	case trigger.DefineAuthChallenge:
		arn = lc.DefineAuthChallenge
	case trigger.CreateAuthChallenge:
		arn = lc.CreateAuthChallenge
	case trigger.VerifyAuthChallengeResponse:
		arn = lc.VerifyAuthChallengeResponse
	case trigger.UserMigration:
		arn = lc.UserMigration
	case trigger.PreTokenGeneration:
		arn, version = lc.PreTokenGeneration, "V1_0"
		if c := lc.PreTokenGenerationConfig; c != nil {
			arn, version = c.LambdaArn, c.LambdaVersion
		}
	case trigger.CustomEmailSender:
		if c := lc.CustomEmailSender; c != nil {
			arn, version = c.LambdaArn, c.LambdaVersion
		}
	case trigger.CustomSMSSender:
		if c := lc.CustomSMSSender; c != nil {
			arn, version = c.LambdaArn, c.LambdaVersion
		}
	case trigger.InboundFederation:
		if c := lc.InboundFederation; c != nil {
			arn, version = c.LambdaArn, c.LambdaVersion
		}
	}
	if arn == "" {
		return trigger.FunctionRef{}, false
	}
	return trigger.FunctionRef{ARN: arn, LambdaVersion: version, KMSKeyID: lc.KMSKeyID, UserPoolID: p.Id}, true
}

// NoClient is callerContext.clientId of a call no app client made (AdminConfirmSignUp,
// AdminCreateUser), as Cognito sends it.
const NoClient = "CLIENT_ID_NOT_APPLICABLE"

// Call is one trigger call: its source and what the common header names (ClientID "" for a
// call no app client made).
type Call struct {
	Source   trigger.Source
	UserName string
	ClientID string
	// Output, when set, receives the function's answer as it came, for a response member the
	// aws-lambda-go type lacks (UserMigration's enableSMSMFA).
	Output *json.RawMessage
}

// Run fires the trigger of c.Source when p configures one: it makes the event
// (*events.CognitoEventUserPools<...> for the source's version), lets fill set its request,
// invokes the function and reads its response back into the event, which it returns. It
// returns nil and no error when p configures no function for the trigger. A failure is the
// Cognito error the API reports (UserLambdaValidationException, UnexpectedLambdaException,
// InvalidLambdaResponseException).
func (tr *Triggers) Run(ctx context.Context, p *model.Pool, c Call, fill func(event any)) (any, error) {
	spec, ok := trigger.Lookup(c.Source)
	if !ok {
		return nil, cognito.Internal(fmt.Errorf("triggers: unknown source %q", c.Source))
	}
	fn, ok := Function(p, spec.Trigger)
	if !ok {
		return nil, nil
	}
	if _, sent := spec.Version(fn.LambdaVersion); !sent {
		// A source the configured version does not carry (TokenGeneration_ClientCredentials to
		// a V1_0 or V2_0 function): Cognito does not invoke the function.
		return nil, nil
	}
	var start time.Time
	trace, _ := ctx.Value(traceKey{}).(*Trace)
	if trace != nil {
		start = time.Now()
	}
	clientID := c.ClientID
	if clientID == "" {
		clientID = NoClient
	}
	ev, err := trigger.NewEvent(c.Source, fn.LambdaVersion, trigger.Header{Region: tr.region, UserPoolID: p.Id,
		UserName: c.UserName, ClientID: clientID})
	if err != nil {
		return nil, cognito.Internal(err)
	}
	if fill != nil {
		fill(ev)
	}
	if tr.invoker == nil {
		return nil, trigger.Failure(spec.Trigger, &trigger.InvocationError{Reason: trigger.ReasonNotFound,
			Cause: fmt.Errorf("no trigger invoker configured for %s", fn.ARN)})
	}
	sent, err := wire(spec.Trigger, ev)
	if err != nil {
		return nil, cognito.Internal(err)
	}
	out, err := tr.invoker.Invoke(ctx, fn, spec.Trigger.Invocation(), sent)
	if err != nil {
		return nil, trigger.Failure(spec.Trigger, err)
	}
	if spec.Trigger.Invocation() == trigger.Event {
		return ev, nil
	}
	if err := trigger.DecodeResponse(ev, out); err != nil {
		return nil, trigger.Failure(spec.Trigger, err)
	}
	if c.Output != nil {
		*c.Output = out
	}
	if trace != nil {
		trace.Invoked(Invocation{Source: c.Source, Took: time.Since(start)})
	}
	return ev, nil
}

// Trace is told the time of each trigger call Run makes under a context carrying it, in the
// manner of net/http/httptrace: a benchmark's window on the calls (`make bench` measures the
// overhead around each invocation with it). Nothing in Cognate sets one; without one, Run pays
// one context lookup per call and reads no clock.
type Trace struct {
	// Invoked is called after each RequestResponse call that was answered. It runs on the
	// request's goroutine and must not block.
	Invoked func(Invocation)
}

// Invocation is one answered trigger call, as a Trace is told it.
type Invocation struct {
	Source trigger.Source
	// Took is the time from the start of the call (before its event is made) to the answer
	// decoded into the event: everything Cognate does around the function — building and
	// encoding the event, the invocation with the function's own time in it, decoding.
	Took time.Duration
}

type traceKey struct{}

// WithTrace is ctx carrying t: the trigger calls Run makes under it report to t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// UserAttributes is a user's attributes as every trigger receives them: all of them as strings,
// with sub and cognito:user_status (§7.1).
func UserAttributes(u *model.User) map[string]string {
	out := make(map[string]string, len(u.Attrs)+2)
	for k, v := range u.Attrs {
		out[k] = v
	}
	out["sub"] = u.Sub()
	out["cognito:user_status"] = u.Status
	return out
}

// PostConfirmation fires the pool's PostConfirmation trigger for u, who has just been confirmed
// (src: PostConfirmation_ConfirmSignUp or _ConfirmForgotPassword). Its failure is the error the
// call answers; the confirmation stands, as on Cognito.
func (tr *Triggers) PostConfirmation(ctx context.Context, p *model.Pool, src trigger.Source, clientID string, u *model.User, clientMetadata map[string]string) error {
	_, err := tr.Run(ctx, p, Call{Source: src, UserName: u.Username, ClientID: clientID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPostConfirmation).Request
		req.UserAttributes = UserAttributes(u)
		req.ClientMetadata = clientMetadata
	})
	return err
}

// PreSignUp fires the pool's PreSignUp trigger for a user about to be created (src:
// PreSignUp_SignUp or PreSignUp_AdminCreateUser) and returns its decision; a refusal or a failure
// is the error the call answers, before anything is written. attrs are the attributes as they
// will be stored.
func (tr *Triggers) PreSignUp(ctx context.Context, p *model.Pool, src trigger.Source, clientID, username string, attrs map[string]string, validationData []model.AttributeType, clientMetadata map[string]string) (events.CognitoEventUserPoolsPreSignupResponse, error) {
	ev, err := tr.Run(ctx, p, Call{Source: src, UserName: username, ClientID: clientID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPreSignup).Request
		req.UserAttributes = maps.Clone(attrs)
		req.ValidationData = AttributeMap(validationData)
		req.ClientMetadata = clientMetadata
	})
	if err != nil || ev == nil {
		return events.CognitoEventUserPoolsPreSignupResponse{}, err
	}
	return ev.(*events.CognitoEventUserPoolsPreSignup).Response, nil
}

// AttributeMap is a list of name/value pairs as triggers receive them (nil for none).
func AttributeMap(list []model.AttributeType) map[string]string {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]string, len(list))
	for _, a := range list {
		if a.Value != nil {
			out[a.Name] = *a.Value
		}
	}
	return out
}

// wire is the event as Cognito sends it. The aws-lambda-go types cannot say null where
// Cognito does: a CustomMessage event's response fields are null until the function sets them
// (a function may test for null), not "".
//
// A call that forwards no ClientMetadata to the function (InitiateAuth to most triggers, a call
// sent without it) sends clientMetadata {}, never null: a function written for Cognito may read a
// key of it without testing it first, and a Python one's request.get("clientMetadata", {})
// would hand null on.
func wire(t trigger.Trigger, ev any) (json.RawMessage, error) {
	v := reflect.ValueOf(ev).Elem()
	if idx := clientMetadataOf(v.Type()); idx != nil {
		if cm := v.FieldByIndex(idx); cm.IsNil() {
			cm.Set(reflect.MakeMap(cm.Type()))
		}
	}
	raw, err := json.Marshal(ev)
	if err != nil || t != trigger.CustomMessage {
		return raw, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	m["response"] = json.RawMessage(`{"smsMessage":null,"emailMessage":null,"emailSubject":null}`)
	return json.Marshal(m)
}

// clientMetadata caches clientMetadataOf by event type.
var clientMetadata sync.Map // reflect.Type -> []int

// clientMetadataOf is the index of the ClientMetadata map in the member of event type t that
// encodes as "request" (UserMigration's is an embedded struct, not a field named Request), or nil
// when its request has none.
func clientMetadataOf(t reflect.Type) []int {
	if idx, ok := clientMetadata.Load(t); ok {
		return idx.([]int)
	}
	var idx []int
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name == "request" {
			if rt := t.Field(i).Type; rt.Kind() == reflect.Struct {
				if cm, ok := rt.FieldByName("ClientMetadata"); ok && cm.Type.Kind() == reflect.Map {
					idx = append([]int{i}, cm.Index...)
				}
			}
			break
		}
	}
	clientMetadata.Store(t, idx)
	return idx
}
