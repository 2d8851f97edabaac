package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// At most n requests work at once, the rest wait their turn, and each hands its slot on when it
// starts answering; the body reaches the handler whole, and one over the API's limit stays over.
func TestLimitInFlight(t *testing.T) {
	var working, most atomic.Int32
	release, entered := make(chan struct{}), make(chan struct{}, 8)
	h := LimitInFlight(2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := working.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		b, _ := io.ReadAll(r.Body)
		entered <- struct{}{}
		if r.URL.Path == "/wait" {
			<-release
		}
		working.Add(-1)
		_, _ = w.Write(b) // a recorder, which cannot fail; the caller checks the body
	}))
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/wait", strings.NewReader("hello")))
			if rec.Body.String() != "hello" {
				t.Errorf("body %q", rec.Body.String())
			}
		}()
	}
	<-entered
	<-entered // two are working; the other four wait for a slot
	close(release)
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Fatalf("at most %d requests worked at once, want 2", m)
	}
	big := strings.Repeat("x", cognito.MaxAnyBodyBytes+10)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(big)))
	if got := rec.Body.Len(); got != cognito.MaxAnyBodyBytes+1 {
		t.Fatalf("an oversized body reached the handler as %d bytes, want %d", got, cognito.MaxAnyBodyBytes+1)
	}
}
