package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
)

// ContentType is what Cognito answers with, success or error.
const ContentType = "application/x-amz-json-1.1"

// errorBody is Cognito's error document. The bare shape name in __type is what clients switch on
// (the SDKs also read x-amzn-ErrorType, which wins); message is shown to users.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// Render is the one place a Cognito response is written: result (any JSON-encodable value) with
// 200, or err as its *Error status, __type and message, never cached and never sniffed. Errors that are not *Error become
// InternalErrorException. 5xx causes are logged with the request id from ctx; the client only
// ever sees the generic message. It returns the status written.
func Render(ctx context.Context, w http.ResponseWriter, log *slog.Logger, result any, err error) int {
	if err == nil {
		if isNil(result) {
			result = struct{}{} // Cognito's empty output is {}, never null
		}
		body, merr := marshal(result)
		if merr == nil {
			return write(w, http.StatusOK, body)
		}
		err = Internal(fmt.Errorf("encoding %T: %w", result, merr))
	}
	ce := As(err)
	if ce == nil {
		ce = Internal(err)
	}
	status := ce.Status
	if status < 400 || status > 599 {
		status = http.StatusBadRequest // a hand-built *Error without a status is a client error
	}
	if status >= 500 && log != nil {
		log.ErrorContext(ctx, "cognito: internal error",
			"requestId", RequestID(ctx), "operation", OperationName(ctx), "type", ce.Type, "err", err)
	}
	body, merr := marshal(errorBody{Type: ce.Type, Message: ce.Message})
	if merr != nil { // unreachable for two strings, kept so a bug cannot produce an empty 200
		body = []byte(`{"__type":"InternalErrorException","message":"Internal server error."}`)
	}
	w.Header().Set("X-Amzn-Errortype", ce.Type)
	return write(w, status, body)
}

func write(w http.ResponseWriter, status int, body []byte) int {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Answers carry tokens, sessions and codes; errors are not worth telling apart here.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing useful to do
	return status
}

// marshal encodes like encoding/json but leaves <, > and & alone, as AWS does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
