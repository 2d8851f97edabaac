// Package lambdahttp runs an http.Handler behind Amazon API Gateway HTTP APIs (Lambda proxy
// integration, payload format 2.0), so each family function serves exactly the handler that
// `cognate serve` mounts locally. It owns the translation of one event into one *http.Request and
// of the buffered response back into one event, and nothing else: no routing, no protocol.
//
// aws-lambda-go's lambdaurl cannot be used: it only serves Function URLs in RESPONSE_STREAM mode.
//
// # Request
//
//   - Method from requestContext.http.method; path from rawPath (requestContext.http.path when
//     rawPath is empty), without the "/{stage}" prefix API Gateway adds for a named (non-$default)
//     stage, so a function answers the same paths whatever the stage is called; the query is
//     rawQueryString, untouched. r.RequestURI keeps the path and query as API Gateway received them.
//   - Headers keep their values as sent: API Gateway has already joined repeated headers with
//     commas, and splitting them again would break values that contain commas (Authorization).
//     `cookies` become one Cookie header. Host is promoted to r.Host (requestContext.domainName
//     when absent) and removed from r.Header, as net/http's server does.
//   - The body is decoded from base64 when isBase64Encoded (API Gateway base64-encodes every body
//     whose content type is not text/*, application/json, application/xml or
//     application/javascript — application/x-amz-json-1.1 included); r.ContentLength is its length.
//   - r.RemoteAddr is requestContext.http.sourceIp as "host:0" (the client port is not in the
//     event), so net.SplitHostPort works on it as on any server request.
//   - The context is the invocation's (its deadline is the function's), and carries the event:
//     see RequestFromContext.
//
// # Response
//
// The handler writes into memory. Its status (200 when it sets none), its headers as of the first
// WriteHeader or Write (as net/http), repeated values joined with ", ", and Set-Cookie in `cookies`
// (payload 2.0 has no multi-value headers; multiValueHeaders is left empty). The body is sent as
// text when it is valid UTF-8 — JSON strings carry any valid UTF-8 exactly — and base64-encoded
// otherwise. As net/http does, a missing Content-Type is sniffed and HEAD responses lose their body.
// The whole response must fit Lambda's 6 MB payload limit; Cognito's answers are far below it.
//
// # Failures
//
// The returned Go error is always nil: a Lambda error reaches the caller as API Gateway's opaque
// 500 and hides the cause. A malformed event gets the 400 text/plain answer net/http's server
// gives a malformed request, a panicking handler a 500 (the panic is logged with slog.Default), and
// an invocation whose context has already ended a 503 without running the handler.
package lambdahttp
