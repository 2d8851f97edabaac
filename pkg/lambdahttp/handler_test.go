package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/lambdahttp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// seen is what the describe handler reports about the request it was given.
type seen struct {
	Method        string
	Host          string
	RequestURI    string
	Path          string
	EscapedPath   string
	RawQuery      string
	Query         map[string][]string
	Proto         string
	RemoteAddr    string
	ContentLength int64
	Header        http.Header
	Cookies       []string
	Body          string
}

// describe answers with the request as the handler saw it, so a golden file shows the translation
// of an event in both directions at once.
var describe = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(seen{
		Method: r.Method, Host: r.Host, RequestURI: r.RequestURI, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Proto: r.Proto, RemoteAddr: r.RemoteAddr,
		ContentLength: r.ContentLength, Header: r.Header, Cookies: cookies, Body: string(body),
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("Set-Cookie", "a=1; Path=/; Secure")
	w.Header().Add("Set-Cookie", "b=2; Path=/; HttpOnly")
	w.Header().Add("Vary", "Origin")
	w.Header().Add("Vary", "Accept-Encoding")
	_, _ = w.Write(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
})

// readEvent decodes an event file strictly, so a typo in a field name fails instead of vanishing.
func readEvent(t *testing.T, path string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ev
}

func TestGolden(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no events: %v", err)
	}
	h := lambdahttp.Handler(describe)
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			resp, err := h(context.Background(), readEvent(t, path))
			if err != nil {
				t.Fatalf("Go error %v: the adapter must always answer", err)
			}
			got, err := readable(resp)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
				t.Errorf("response differs from %s:\n got %s\nwant %s", golden, got, want)
			}
		})
	}
}

// readable is the golden form of a response: the event's fields, with a JSON body shown as JSON
// rather than as an escaped string.
func readable(resp events.APIGatewayV2HTTPResponse) ([]byte, error) {
	var body any = resp.Body
	if json.Valid([]byte(resp.Body)) && !resp.IsBase64Encoded {
		body = json.RawMessage(resp.Body)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(struct {
		StatusCode      int               `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Cookies         []string          `json:"cookies"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
		Body            any               `json:"body"`
	}{resp.StatusCode, resp.Headers, resp.Cookies, resp.IsBase64Encoded, body})
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), err
}

func event(method, path, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: method + " " + path,
		RawPath:  path,
		Headers:  map[string]string{"host": "api.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "abcdef1234.execute-api.us-east-1.amazonaws.com",
			Stage:      "$default",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.10"},
		},
		Body: body,
	}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*events.APIGatewayV2HTTPRequest)
		check func(t *testing.T, r *http.Request)
	}{
		{"host from header", nil, func(t *testing.T, r *http.Request) {
			if r.Host != "api.example.com" || r.Header.Get("Host") != "" {
				t.Errorf("Host %q, header %q", r.Host, r.Header.Get("Host"))
			}
		}},
		{"host from domainName", func(ev *events.APIGatewayV2HTTPRequest) { delete(ev.Headers, "host") }, func(t *testing.T, r *http.Request) {
			if r.Host != "abcdef1234.execute-api.us-east-1.amazonaws.com" {
				t.Errorf("Host %q", r.Host)
			}
		}},
		{"remote addr splits", nil, func(t *testing.T, r *http.Request) {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || host != "203.0.113.10" {
				t.Errorf("RemoteAddr %q: %v", r.RemoteAddr, err)
			}
		}},
		{"ipv6 remote addr", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.SourceIP = "2001:db8::1" }, func(t *testing.T, r *http.Request) {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || host != "2001:db8::1" {
				t.Errorf("RemoteAddr %q: %v", r.RemoteAddr, err)
			}
		}},
		{"authorization keeps its commas", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
		}, func(t *testing.T, r *http.Request) {
			if v := r.Header.Values("Authorization"); len(v) != 1 || !strings.Contains(v[0], ", Signature=00") {
				t.Errorf("Authorization %q", v)
			}
		}},
		{"rawPath falls back to http.path", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "" }, func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/p" {
				t.Errorf("path %q", r.URL.Path)
			}
		}},
		{"named stage stripped", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.RequestContext.Stage, ev.RawPath = "dev", "/dev"
		}, func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/" || r.RequestURI != "/dev" {
				t.Errorf("path %q, RequestURI %q", r.URL.Path, r.RequestURI)
			}
		}},
		{"stage-like prefix kept", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.RequestContext.Stage, ev.RawPath = "dev", "/devices"
		}, func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/devices" {
				t.Errorf("path %q", r.URL.Path)
			}
		}},
		{"decoded path kept literally", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "/a b/100%" }, func(t *testing.T, r *http.Request) {
			if r.URL.Path != "/a b/100%" || r.URL.EscapedPath() != "/a%20b/100%25" {
				t.Errorf("path %q escaped %q", r.URL.Path, r.URL.EscapedPath())
			}
		}},
		{"content-length follows the body", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Headers["content-length"] = "1"
			ev.Headers["transfer-encoding"] = "chunked"
		}, func(t *testing.T, r *http.Request) {
			if r.ContentLength != 4 || r.Header.Get("Content-Length") != "4" || r.Header.Get("Transfer-Encoding") != "" {
				t.Errorf("ContentLength %d, headers %v", r.ContentLength, r.Header)
			}
		}},
		{"empty body is NoBody", func(ev *events.APIGatewayV2HTTPRequest) { ev.Body = "" }, func(t *testing.T, r *http.Request) {
			if r.Body != http.NoBody || r.ContentLength != 0 {
				t.Errorf("Body %T, ContentLength %d", r.Body, r.ContentLength)
			}
		}},
		{"unknown protocol is HTTP/1.1", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Protocol = "" }, func(t *testing.T, r *http.Request) {
			if r.Proto != "HTTP/1.1" || !r.ProtoAtLeast(1, 1) {
				t.Errorf("Proto %q", r.Proto)
			}
		}},
		{"event in context", nil, func(t *testing.T, r *http.Request) {
			ev, ok := lambdahttp.RequestFromContext(r.Context())
			if !ok || ev.RawPath != "/p" {
				t.Errorf("RequestFromContext = %v, %v", ev, ok)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(http.MethodPost, "/p", "body")
			if tt.edit != nil {
				tt.edit(&ev)
			}
			r, err := lambdahttp.NewRequest(context.Background(), &ev)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestMalformedEvents(t *testing.T) {
	tests := []struct {
		name string
		edit func(*events.APIGatewayV2HTTPRequest)
	}{
		{"no method", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "" }},
		{"method with space", func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "GE T" }},
		{"no path", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath, ev.RequestContext.HTTP.Path = "", "" }},
		{"relative path", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "p" }},
		{"newline in path", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawPath = "/p\r\nX: y" }},
		{"newline in query", func(ev *events.APIGatewayV2HTTPRequest) { ev.RawQueryString = "a=\n" }},
		{"bad header name", func(ev *events.APIGatewayV2HTTPRequest) { ev.Headers["x:y"] = "1" }},
		{"bad header value", func(ev *events.APIGatewayV2HTTPRequest) { ev.Headers["x-y"] = "1\r\nInjected: 1" }},
		{"bad cookie", func(ev *events.APIGatewayV2HTTPRequest) { ev.Cookies = []string{"a=\x00"} }},
		{"bad base64", func(ev *events.APIGatewayV2HTTPRequest) { ev.Body, ev.IsBase64Encoded = "!!", true }},
	}
	called := false
	h := lambdahttp.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(http.MethodPost, "/p", "")
			tt.edit(&ev)
			resp, err := h(context.Background(), ev)
			if err != nil || resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Body, "400 Bad Request: ") {
				t.Errorf("got %d %q, %v; want a 400 answer and no error", resp.StatusCode, resp.Body, err)
			}
			if strings.Contains(resp.Body, "Injected") || strings.Contains(resp.Body, "\x00") {
				t.Errorf("the answer echoes the event: %q", resp.Body)
			}
			if called {
				t.Error("the handler ran")
			}
		})
	}
}

func TestResponse(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		want    events.APIGatewayV2HTTPResponse
	}{
		{"nothing written is 200", "GET", func(http.ResponseWriter, *http.Request) {},
			events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{}}},
		{"status and text", "POST", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`)
		}, events.APIGatewayV2HTTPResponse{StatusCode: 400, Headers: map[string]string{"Content-Type": "application/x-amz-json-1.1"},
			Body: `{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`}},
		{"multi-value headers and cookies", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Vary"] = []string{"Origin", "Accept-Encoding"}
			w.Header()["Set-Cookie"] = []string{"a=1; Secure", "b=2, with comma; HttpOnly"}
			w.Header()["Content-Type"] = nil // suppressed, no sniffing
			_, _ = io.WriteString(w, "x")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Vary": "Origin, Accept-Encoding"},
			Cookies: []string{"a=1; Secure", "b=2, with comma; HttpOnly"}, Body: "x"}},
		{"binary body is base64", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte{0xff, 0x00, 0xfe})
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/octet-stream"},
			Body: base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0xfe}), IsBase64Encoded: true}},
		{"utf-8 with NUL stays text", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "é\x00")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "é\x00"}},
		{"content type sniffed", "GET", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "<!DOCTYPE html><html></html>")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"},
			Body: "<!DOCTYPE html><html></html>"}},
		{"headers frozen at WriteHeader, second status ignored", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(http.StatusCreated)
			w.Header().Set("X-After", "1")
			w.WriteHeader(http.StatusTeapot)
		}, events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"X-Before": "1"}}},
		{"informational status dropped", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, events.APIGatewayV2HTTPResponse{StatusCode: 202, Headers: map[string]string{}}},
		{"flush commits the header", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			w.Header().Set("X-After", "1")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{}}},
		{"HEAD has no body", "HEAD", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "5")
			_, _ = io.WriteString(w, "hello")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain", "Content-Length": "5"}}},
		{"204 refuses a body", "DELETE", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			if _, err := io.WriteString(w, "x"); err != http.ErrBodyNotAllowed {
				panic("want ErrBodyNotAllowed")
			}
		}, events.APIGatewayV2HTTPResponse{StatusCode: 204, Headers: map[string]string{}}},
		{"hop-by-hop and trailers dropped, content-length corrected", "GET", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Connection", "close")
			w.Header().Set("Transfer-Encoding", "chunked")
			w.Header().Set("Content-Length", "99")
			w.Header().Set(http.TrailerPrefix+"X-Sum", "1")
			_, _ = io.WriteString(w, "abc")
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain", "Content-Length": "3"}, Body: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := lambdahttp.Handler(tt.handler)(context.Background(), event(tt.method, "/", ""))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(resp)
			want, _ := json.Marshal(tt.want)
			if !bytes.Equal(got, want) {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestPanics(t *testing.T) {
	for name, p := range map[string]any{"value": "boom", "abort": http.ErrAbortHandler} {
		t.Run(name, func(t *testing.T) {
			h := lambdahttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Partial", "1")
				_, _ = io.WriteString(w, "half a response")
				panic(p)
			}))
			resp, err := h(context.Background(), event("GET", "/", ""))
			if err != nil || resp.StatusCode != 500 || resp.Headers["X-Partial"] != "" || strings.Contains(resp.Body, "half") {
				t.Errorf("got %+v, %v; want a clean 500", resp, err)
			}
		})
	}
	t.Run("invalid status", func(t *testing.T) {
		h := lambdahttp.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(42) }))
		if resp, err := h(context.Background(), event("GET", "/", "")); err != nil || resp.StatusCode != 500 {
			t.Errorf("got %d, %v", resp.StatusCode, err)
		}
	})
}

func TestContext(t *testing.T) {
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "invocation"))
	var got any
	h := lambdahttp.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.Context().Value(key{}) }))
	if _, err := h(ctx, event("GET", "/", "")); err != nil || got != "invocation" {
		t.Fatalf("handler saw context value %v (%v); want the invocation's context", got, err)
	}

	cancel()
	got = nil
	resp, err := h(ctx, event("GET", "/", ""))
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || got != nil {
		t.Errorf("after cancel: %d, %v, handler ran: %v", resp.StatusCode, err, got != nil)
	}
}
