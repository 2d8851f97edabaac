package app

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"sync"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// DefaultLocalInFlight is how many requests `cognate serve` works on at once over the embedded
// store: one per core.
func DefaultLocalInFlight() int { return runtime.GOMAXPROCS(0) }

// LimitInFlight lets at most n requests work in h at once; the rest wait in arrival order (a
// channel wakes its blocked senders first in, first out). n <= 0 means no limit.
//
// Why: over the embedded store a request is CPU work (RSA signatures, SRP and password modexps)
// and nothing that waits on a network. Go's scheduler does not serve runnable goroutines in
// arrival order, so with many requests in flight on busy cores some finish at once and others
// wait many times the mean: measured at 16 clients on 2 cores, a password sign-in's p99 was
// about 120 ms for a 26 ms mean. Admitting one request per core, first come first served,
// brings the p99 under 50 ms for a few percent of throughput (docs/benchmarks.md).
//
// A request's body is read before it queues, so a client that sends slowly holds no slot, and
// it gives its slot back as soon as it starts writing its answer.
func LimitInFlight(n int, h http.Handler) http.Handler {
	if n <= 0 {
		return h
	}
	slots := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One byte past the API's largest limit, so that the API still sees an oversized body as such.
		body, err := io.ReadAll(io.LimitReader(r.Body, cognito.MaxAnyBodyBytes+1))
		if err != nil {
			return // the client went away mid-request
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case slots <- struct{}{}:
		case <-r.Context().Done():
			return // the client is gone; nobody reads an answer
		}
		rw := &releasingWriter{ResponseWriter: w, release: func() { <-slots }}
		defer rw.done()
		h.ServeHTTP(rw, r)
	})
}

// releasingWriter gives the request's slot back at the first byte of its answer, or when the
// handler returns.
type releasingWriter struct {
	http.ResponseWriter
	release func()
	once    sync.Once
}

func (w *releasingWriter) done() { w.once.Do(w.release) }

func (w *releasingWriter) WriteHeader(code int) {
	w.done()
	w.ResponseWriter.WriteHeader(code)
}

func (w *releasingWriter) Write(b []byte) (int, error) {
	w.done()
	return w.ResponseWriter.Write(b)
}
