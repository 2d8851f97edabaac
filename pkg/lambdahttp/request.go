package lambdahttp

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

type eventKey struct{}

// RequestFromContext returns the event a request was built from, for the few handlers that need
// what has no place in *http.Request (requestContext.requestId, an authorizer's claims). The event
// is shared: treat it as read-only.
func RequestFromContext(ctx context.Context) (*events.APIGatewayV2HTTPRequest, bool) {
	ev, ok := ctx.Value(eventKey{}).(*events.APIGatewayV2HTTPRequest)
	return ev, ok
}

// NewRequest builds the server-side *http.Request that ev describes (see the package doc). The
// error, for an event no HTTP server would accept, names what is wrong and never echoes a value.
func NewRequest(ctx context.Context, ev *events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return nil, errors.New("missing requestContext.http.method")
	}
	if !isToken(method) {
		return nil, errors.New("invalid method")
	}

	rawPath := ev.RawPath
	if rawPath == "" {
		rawPath = ev.RequestContext.HTTP.Path
	}
	if !strings.HasPrefix(rawPath, "/") {
		return nil, errors.New("missing or relative rawPath")
	}
	if hasCTL(rawPath) || hasCTL(ev.RawQueryString) {
		return nil, errors.New("control character in rawPath or rawQueryString")
	}
	u := &url.URL{RawQuery: ev.RawQueryString}
	path := stripStage(rawPath, ev.RequestContext.Stage)
	if p, err := url.PathUnescape(path); err == nil {
		u.Path, u.RawPath = p, path // EscapedPath uses RawPath only where it is a valid encoding of Path
	} else {
		// Not a valid escaping, so the path was delivered decoded: keep it literally rather than
		// refuse a request API Gateway accepted.
		u.Path = path
	}
	requestURI := rawPath
	if ev.RawQueryString != "" {
		requestURI += "?" + ev.RawQueryString
	}

	header, err := requestHeader(ev)
	if err != nil {
		return nil, err
	}
	host := ev.RequestContext.DomainName
	if hs := header["Host"]; len(hs) > 0 {
		host = hs[0]
		delete(header, "Host")
	}

	body := ev.Body
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, errors.New("body is not valid base64 although isBase64Encoded is true")
		}
		body = string(b)
	}
	// The body is complete: framing headers describe the hop into API Gateway, not this request.
	header.Del("Transfer-Encoding")
	if _, ok := header["Content-Length"]; ok {
		header.Set("Content-Length", strconv.Itoa(len(body)))
	}

	major, minor, ok := http.ParseHTTPVersion(ev.RequestContext.HTTP.Protocol)
	if !ok {
		major, minor = 1, 1
	}
	proto := "HTTP/" + strconv.Itoa(major) + "." + strconv.Itoa(minor)

	remote := ""
	if ip := ev.RequestContext.HTTP.SourceIP; ip != "" {
		remote = net.JoinHostPort(ip, "0")
	}

	ctx = context.WithValue(ctx, eventKey{}, ev)
	r := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        header,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Host:          host,
		RemoteAddr:    remote,
		RequestURI:    requestURI,
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	}
	return r.WithContext(ctx), nil
}

// requestHeader canonicalizes the event's header names (payload 2.0 sends them lower-case) and
// adds the cookies. Names that differ only in case are merged in a fixed order.
func requestHeader(ev *events.APIGatewayV2HTTPRequest) (http.Header, error) {
	names := make([]string, 0, len(ev.Headers))
	for name := range ev.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	h := make(http.Header, len(names)+1)
	for _, name := range names {
		value := ev.Headers[name]
		if !isToken(name) {
			return nil, errors.New("invalid header name")
		}
		if !validHeaderValue(value) {
			return nil, errors.New("invalid header value")
		}
		key := http.CanonicalHeaderKey(name)
		h[key] = append(h[key], value)
	}
	for _, c := range ev.Cookies {
		if !validHeaderValue(c) {
			return nil, errors.New("invalid cookie")
		}
	}
	if len(ev.Cookies) > 0 {
		cookie := strings.Join(ev.Cookies, "; ")
		if prev := h.Get("Cookie"); prev != "" {
			cookie = prev + "; " + cookie
		}
		h.Set("Cookie", cookie)
	}
	return h, nil
}

// stripStage removes the "/{stage}" segment API Gateway puts in front of the route path on a named
// stage; $default is served at the root and adds nothing.
func stripStage(path, stage string) string {
	if stage == "" || stage == "$default" {
		return path
	}
	prefix := "/" + stage
	switch {
	case path == prefix:
		return "/"
	case strings.HasPrefix(path, prefix+"/"):
		return path[len(prefix):]
	}
	return path
}

// isToken reports whether s is an RFC 9110 token (method and header names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue rejects control characters other than tab, as net/http's server does.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// hasCTL reports control characters, which no request line can carry. Spaces, '?' and '#' are
// let through in the path: API Gateway may hand it over decoded, and EscapedPath re-encodes them.
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return true
		}
	}
	return false
}
