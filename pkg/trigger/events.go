package trigger

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// CustomSenderEvent is what CustomEmailSender and CustomSMSSender functions receive
// (aws-lambda-go has no type for it). They answer nothing: the call is asynchronous.
type CustomSenderEvent struct {
	events.CognitoEventUserPoolsHeader
	Request  CustomSenderRequest  `json:"request"`
	Response CustomSenderResponse `json:"response"`
}

// CustomSenderRequest is a custom sender's request.
type CustomSenderRequest struct {
	// Type is customEmailSenderRequestV1 or customSMSSenderRequestV1.
	Type string `json:"type"`
	// Code is the code or temporary password, base64 of an AWS Encryption SDK message under the
	// pool's KMSKeyID (what existing functions decrypt with the Encryption SDK's KMS keyring);
	// absent from messages that carry no code.
	Code           string            `json:"code,omitempty"`
	ClientMetadata map[string]string `json:"clientMetadata"`
	UserAttributes map[string]string `json:"userAttributes"`
}

// CustomSenderResponse is empty: nothing of a custom sender's answer is read.
type CustomSenderResponse struct{}

// The request types of the custom senders.
const (
	CustomEmailSenderRequestV1 = "customEmailSenderRequestV1"
	CustomSMSSenderRequestV1   = "customSMSSenderRequestV1"
)

// Header is what the caller knows of the common header; the catalogue supplies version and
// triggerSource.
type Header struct {
	Region     string
	UserPoolID string
	UserName   string
	ClientID   string
	// SDKVersion is callerContext.awsSdkVersion; Cognito sends aws-sdk-unknown-unknown when
	// the caller's SDK is not known, and so does NewEvent for "".
	SDKVersion string
}

// UnknownSDK is callerContext.awsSdkVersion when the caller's SDK is not known.
const UnknownSDK = "aws-sdk-unknown-unknown"

var headerType = reflect.TypeFor[events.CognitoEventUserPoolsHeader]()

// NewEvent makes the event src is sent in for lambdaVersion ("" for a bare ARN: V1_0), its common
// header filled; the caller fills request. It returns a pointer to the event type the catalogue
// names (e.g. *events.CognitoEventUserPoolsPreSignup). An unknown source, or a version the
// source is not sent in, is an error.
func NewEvent(src Source, lambdaVersion string, h Header) (any, error) {
	spec, ok := Lookup(src)
	if !ok {
		return nil, fmt.Errorf("trigger: unknown trigger source %q", src)
	}
	v, ok := spec.Version(lambdaVersion)
	if !ok {
		return nil, fmt.Errorf("trigger: %s is not sent in LambdaVersion %q", src, lambdaVersion)
	}
	ev := reflect.New(v.Event)
	hdr := ev.Elem().FieldByIndex(headerField(v.Event))
	sdk := h.SDKVersion
	if sdk == "" {
		sdk = UnknownSDK
	}
	hdr.Set(reflect.ValueOf(events.CognitoEventUserPoolsHeader{
		Version:       v.Header(),
		TriggerSource: string(src),
		Region:        h.Region,
		UserPoolID:    h.UserPoolID,
		UserName:      h.UserName,
		CallerContext: events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: sdk, ClientID: h.ClientID},
	}))
	return ev.Interface(), nil
}

// headerField is the index of the embedded common header; every catalogue type has one (tested).
func headerField(t reflect.Type) []int {
	f, ok := t.FieldByName(headerType.Name())
	if !ok || f.Type != headerType || !f.Anonymous {
		panic(fmt.Sprintf("trigger: %v does not embed the common header", t))
	}
	return f.Index
}

// responseField is the event's member that JSON names "response", or nil.
func responseField(t reflect.Type) []int {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "response" {
			return f.Index
		}
	}
	return nil
}

// unrecognizable is Cognito's answer to output it cannot read.
func unrecognizable(cause error) *cognito.Error {
	return cognito.InvalidLambdaResponse("Unrecognizable lambda output").WithCause(cause)
}

// DecodeResponse reads a function's output into event (a pointer NewEvent made): the function
// returns the whole event and only its `response` counts, so the header and request stay as
// sent, whatever the function changed in its copy. The response is replaced, not merged: what the
// output leaves out is zero. Output that is not a JSON object, or whose response does not fit the
// event's (a string where a boolean belongs), is InvalidLambdaResponseException "Unrecognizable
// lambda output"; a missing or null response is an empty one.
func DecodeResponse(event any, output json.RawMessage) error {
	ev := reflect.ValueOf(event)
	if ev.Kind() != reflect.Pointer || ev.IsNil() || ev.Elem().Kind() != reflect.Struct {
		return cognito.Internal(fmt.Errorf("trigger: DecodeResponse into %T", event))
	}
	idx := responseField(ev.Elem().Type())
	if idx == nil {
		return cognito.Internal(fmt.Errorf("trigger: %T has no response", event))
	}
	var whole map[string]json.RawMessage
	if err := json.Unmarshal(output, &whole); err != nil {
		return unrecognizable(err)
	}
	if whole == nil {
		return unrecognizable(errors.New("output is null"))
	}
	resp := reflect.New(ev.Elem().FieldByIndex(idx).Type())
	if raw, ok := whole["response"]; ok {
		if err := json.Unmarshal(raw, resp.Interface()); err != nil {
			return unrecognizable(err)
		}
	}
	ev.Elem().FieldByIndex(idx).Set(resp.Elem())
	return nil
}
