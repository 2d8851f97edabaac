package localkms

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// SentDeadlines is a KMS client's HTTP client (kms.Options.HTTPClient) that records the
// deadline of every request's context as it is sent: which deadline a call really ran under,
// checked without timing it. Safe for concurrent use.
type SentDeadlines struct {
	mu   sync.Mutex
	sent []sentDeadline
}

type sentDeadline struct {
	at, deadline time.Time
	timed        bool
}

// Do records the request's deadline and sends it.
func (d *SentDeadlines) Do(r *http.Request) (*http.Response, error) {
	dl, ok := r.Context().Deadline()
	d.mu.Lock()
	d.sent = append(d.sent, sentDeadline{at: time.Now(), deadline: dl, timed: ok})
	d.mu.Unlock()
	return http.DefaultClient.Do(r)
}

// Within fails t unless requests were sent since the last look, each with at most max left of
// its deadline (a goroutine descheduled on a loaded machine only leaves it less).
func (d *SentDeadlines) Within(t testing.TB, max time.Duration) {
	t.Helper()
	d.mu.Lock()
	sent := d.sent
	d.sent = nil
	d.mu.Unlock()
	if len(sent) == 0 {
		t.Fatal("no request reached KMS")
	}
	for _, s := range sent {
		if !s.timed || s.deadline.Sub(s.at) > max {
			t.Fatalf("a KMS request was sent with %v left (deadline set: %v); want at most %v", s.deadline.Sub(s.at), s.timed, max)
		}
	}
}
