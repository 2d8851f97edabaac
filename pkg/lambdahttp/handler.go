package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Handler adapts h to an API Gateway HTTP API (payload 2.0) Lambda handler; see the package doc.
// The result is the plain function type lambda.StartHandlerFunc requires (its constraint does not
// admit named types). The returned error is always nil.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return serve(ctx, h, &ev), nil
	}
}

func serve(ctx context.Context, h http.Handler, ev *events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if ctx.Err() != nil {
		// Nothing has run yet, so the caller may safely retry.
		return plain(http.StatusServiceUnavailable, "503 Service Unavailable: the invocation ended before the request was served")
	}
	r, err := NewRequest(ctx, ev)
	if err != nil {
		return plain(http.StatusBadRequest, "400 Bad Request: "+err.Error())
	}
	w := &responseWriter{header: http.Header{}}
	if !run(ctx, h, w, r) {
		// Whatever the handler buffered before panicking is dropped: it may be half a response.
		return plain(http.StatusInternalServerError, "500 Internal Server Error")
	}
	return w.response(r.Method)
}

// run serves r and reports false when the handler panicked. net/http's server would log and drop
// the connection; here the client gets a 500 instead of API Gateway's answer to a failed invocation.
func run(ctx context.Context, h http.Handler, w http.ResponseWriter, r *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			if p != http.ErrAbortHandler { // the handler's way to abort quietly, as in net/http
				slog.Default().ErrorContext(ctx, "lambdahttp: handler panic",
					"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}
	}()
	h.ServeHTTP(w, r)
	return true
}

// plain is the text/plain answer for requests that never reached the handler.
func plain(status int, msg string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "text/plain; charset=utf-8",
			"X-Content-Type-Options": "nosniff",
		},
		Body: msg,
	}
}

// responseWriter buffers one response. Lambda is invoked once per request, so there is no
// concurrency to guard against beyond what a handler would do to any ResponseWriter.
type responseWriter struct {
	header  http.Header
	written http.Header // header as of the first WriteHeader, as net/http freezes it
	status  int
	body    bytes.Buffer
}

var _ http.Flusher = (*responseWriter)(nil)

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http
	}
	if w.status != 0 {
		return // superfluous, as in net/http
	}
	if code < 200 {
		// Informational responses cannot be sent ahead of a buffered final one; drop them.
		return
	}
	w.status = code
	w.written = w.header.Clone()
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.body.Write(p)
}

// Flush commits the status and headers, as it does in net/http; the body still leaves at the end.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
}

// hopByHop are connection-level headers: they describe the hop between a server and its client,
// which here is API Gateway's business.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (w *responseWriter) response(method string) events.APIGatewayV2HTTPResponse {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK) // a handler that writes nothing answers 200, as in net/http
	}
	h := w.written
	body := w.body.Bytes()
	if method == http.MethodHead {
		body = nil
	}
	for _, k := range hopByHop {
		delete(h, k)
	}
	if _, ok := h["Content-Type"]; !ok && len(body) > 0 {
		h.Set("Content-Type", http.DetectContentType(body))
	}
	if _, ok := h["Content-Length"]; ok && method != http.MethodHead {
		// The body is what was written, whatever the handler declared.
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}

	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: make(map[string]string, len(h))}
	for k, vs := range h {
		switch {
		case len(vs) == 0, strings.HasPrefix(k, http.TrailerPrefix):
			// A nil value suppresses a header in net/http; trailers cannot be sent.
		case k == "Set-Cookie":
			resp.Cookies = append(resp.Cookies, vs...)
		default:
			resp.Headers[k] = strings.Join(vs, ", ")
		}
	}
	if utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
