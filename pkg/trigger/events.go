package trigger

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

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
	idx := fieldsOf(v.Event).header
	if idx == nil {
		idx = headerField(v.Event) // panics: every catalogue type has the header (tested)
	}
	hdr := ev.Elem().FieldByIndex(idx)
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

// eventFields are where an event type keeps its common header and its response.
type eventFields struct {
	header, response []int
}

// fields caches eventFields by event type: the catalogue's types are few, and looking fields up
// by name on every call is most of what reflection costs here.
var fields sync.Map // reflect.Type -> eventFields

func fieldsOf(t reflect.Type) eventFields {
	if f, ok := fields.Load(t); ok {
		return f.(eventFields)
	}
	f := eventFields{response: responseField(t)}
	if h, ok := t.FieldByName(headerType.Name()); ok && h.Type == headerType && h.Anonymous {
		f.header = h.Index
	}
	fields.Store(t, f)
	return f
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
	idx := fieldsOf(ev.Elem().Type()).response
	if idx == nil {
		return cognito.Internal(fmt.Errorf("trigger: %T has no response", event))
	}
	raw, found, ok := topLevelResponse(output)
	if !ok {
		// Not a plain object (invalid, null, another value) or a key with escapes: the
		// decoder says what it is.
		var whole map[string]json.RawMessage
		if err := json.Unmarshal(output, &whole); err != nil {
			return unrecognizable(err)
		}
		if whole == nil {
			return unrecognizable(errors.New("output is null"))
		}
		raw, found = whole["response"]
	}
	resp := reflect.New(ev.Elem().FieldByIndex(idx).Type())
	if found {
		if err := json.Unmarshal(raw, resp.Interface()); err != nil {
			return unrecognizable(err)
		}
	}
	ev.Elem().FieldByIndex(idx).Set(resp.Elem())
	return nil
}

// topLevelResponse finds the value of output's top-level "response" member (the last one, as a
// decoder into a map keeps) without decoding the rest: a function's output is the whole event,
// and only its response is read. ok is false when output is not valid JSON, not an object, or has
// a key with an escape in it: the caller then decodes it into a map, which tells why or reads the
// key. found tells whether there is a response member.
func topLevelResponse(output []byte) (raw json.RawMessage, found, ok bool) {
	if !json.Valid(output) {
		return nil, false, false
	}
	i := skipSpace(output, 0)
	if output[i] != '{' {
		return nil, false, false
	}
	i = skipSpace(output, i+1)
	for output[i] != '}' {
		// A key: valid JSON, so a string, then ':' and a value.
		end := i + 1
		for output[end] != '"' {
			if output[end] == '\\' {
				return nil, false, false
			}
			end++
		}
		key := output[i+1 : end]
		start := skipSpace(output, skipSpace(output, end+1)+1)
		stop := skipValue(output, start)
		if string(key) == "response" {
			raw, found = output[start:stop], true
		}
		i = skipSpace(output, stop)
		if output[i] == ',' {
			i = skipSpace(output, i+1)
		}
	}
	return raw, found, true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue is the end of the valid JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of the object a scalar is in
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}
