package cognito

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type requestInfoKey struct{}

type requestInfo struct{ id, sourceIP, operation string }

// WithRequest returns ctx carrying a request's id, source IP and operation name. The server does
// this for every request; other transports (direct Lambda invocation, tests) call it themselves.
func WithRequest(ctx context.Context, requestID, sourceIP, operation string) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, requestInfo{requestID, sourceIP, operation})
}

func info(ctx context.Context) requestInfo {
	i, _ := ctx.Value(requestInfoKey{}).(requestInfo)
	return i
}

// RequestID is the id sent back as x-amzn-RequestId; log it with anything about the request.
func RequestID(ctx context.Context) string { return info(ctx).id }

// SourceIP is the caller's address as the server determined it (ServerOptions.ClientIP).
func SourceIP(ctx context.Context) string { return info(ctx).sourceIP }

// OperationName is the operation named by X-Amz-Target, e.g. "SignUp".
func OperationName(ctx context.Context) string { return info(ctx).operation }

// NewRequestID returns a random (version 4) UUID, the shape of Cognito's request ids.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
