// Package webhook is the HTTP backend of the trigger.Invoker port, beyond Cognito, for teams with
// no Lambda at all: a trigger's event is POSTed as JSON to a URL configured for its function, and
// the receiver answers as a Lambda function would — the event with its response (200), or
// {"errorMessage": "..."} with a 4xx for a refusal. Each request is signed so the receiver can
// tell it came from this Cognate and is fresh:
//
//	X-Cognate-Pool:      the pool's id
//	X-Cognate-Timestamp: Unix seconds when it was sent
//	X-Cognate-Signature: v1=hex(HMAC-SHA256(key, timestamp + "." + body))
//
// where key = HMAC-SHA256(secret, "cognate-webhook/" + poolId): one key per pool, derived from
// the operator's secret, so a receiver serving one pool cannot sign for another. Verify checks a
// request and refuses one outside the replay window. The invocation contract is Cognito's:
// trigger.Budget per attempt, trigger.Attempts for a call without an answer, a refusal never
// retried. URLs must be https, except on a loopback host.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/trigger"
)

// Headers of a webhook request.
const (
	HeaderPool      = "X-Cognate-Pool"
	HeaderTimestamp = "X-Cognate-Timestamp"
	HeaderSignature = "X-Cognate-Signature"
)

// Window is how old (or how far ahead) a request's timestamp may be.
const Window = 5 * time.Minute

// maxAnswer bounds a receiver's answer (an event is a few KiB).
const maxAnswer = 1 << 20

// PoolKey is the signing key of pool's requests.
func PoolKey(secret []byte, pool string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("cognate-webhook/" + pool))
	return m.Sum(nil)
}

// Sign is the X-Cognate-Signature of body sent at ts for pool.
func Sign(secret []byte, pool string, ts int64, body []byte) string {
	return signWith(hmac.New(sha256.New, PoolKey(secret, pool)), ts, body)
}

// signWith is the signature of body sent at ts, by m: a fresh or reset HMAC keyed with the pool's
// key.
func signWith(m hash.Hash, ts int64, body []byte) string {
	var buf [24]byte
	m.Write(append(strconv.AppendInt(buf[:0], ts, 10), '.'))
	m.Write(body)
	var sum [sha256.Size]byte
	var sig [len("v1=") + 2*sha256.Size]byte
	copy(sig[:], "v1=")
	hex.Encode(sig[len("v1="):], m.Sum(sum[:0]))
	return string(sig[:])
}

// maxSigners bounds the Invoker's per-pool signers: past it the cache starts again, so a server
// with more pools than that derives some keys again rather than growing without bound.
const maxSigners = 1024

// signer signs one pool's requests: its key derived once, its HMACs reused (an HMAC keeps its
// keyed state and Reset returns to it).
type signer struct {
	macs sync.Pool
}

func (s *signer) sign(ts int64, body []byte) string {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	sig := signWith(m, ts, body)
	s.macs.Put(m)
	return sig
}

// signer is pool's signer, derived from the Invoker's secret on first use.
func (iv *Invoker) signer(pool string) *signer {
	iv.mu.RLock()
	s := iv.signers[pool]
	iv.mu.RUnlock()
	if s != nil {
		return s
	}
	key := PoolKey(iv.secret, pool)
	s = &signer{macs: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if old := iv.signers[pool]; old != nil {
		return old
	}
	if len(iv.signers) >= maxSigners {
		clear(iv.signers)
	}
	iv.signers[pool] = s
	return s
}

// Errors of Verify.
var (
	ErrUnsigned  = errors.New("webhook: request is not signed")
	ErrSignature = errors.New("webhook: signature does not match")
	ErrStale     = errors.New("webhook: timestamp outside the replay window")
)

// Verify checks a webhook request's signature over body and that its timestamp is within
// Window of now; it returns the pool it was sent for.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) (pool string, err error) {
	pool, tsText, sig := h.Get(HeaderPool), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if pool == "" || tsText == "" || sig == "" {
		return "", ErrUnsigned
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", ErrUnsigned
	}
	if !hmac.Equal([]byte(Sign(secret, pool, ts, body)), []byte(sig)) {
		return "", ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Window || d < -Window {
		return "", ErrStale
	}
	return pool, nil
}

// CheckURL accepts https URLs, and http ones on a loopback host only.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("webhook: %q is not a URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("webhook: %q: http is allowed on a loopback host only", raw)
	}
	return fmt.Errorf("webhook: %q: want https", raw)
}

// Invoker posts events to the URLs configured for their functions.
type Invoker struct {
	secret []byte
	urls   map[string]string
	client *http.Client
	clock  func() time.Time
	// signers caches each pool's signer (keyed by pool id; the secret is the Invoker's own).
	mu      sync.RWMutex
	signers map[string]*signer
	// Budget is each attempt's time; 0 means trigger.Budget.
	Budget time.Duration
}

// New returns an Invoker signing with secret. urls maps a function (its ARN or its name, as a
// pool's LambdaConfig names it) to its receiver's URL; each must pass CheckURL.
func New(secret []byte, urls map[string]string, client *http.Client, now func() time.Time) (*Invoker, error) {
	if len(secret) < 16 {
		return nil, errors.New("webhook: the secret must be at least 16 bytes")
	}
	for fn, u := range urls {
		if err := CheckURL(u); err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
	}
	if client == nil {
		// Go's default keeps two idle connections per host: concurrent sign-ins calling one
		// receiver would open and tear down a connection for nearly every invocation.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 256
		client = &http.Client{Transport: tr}
	}
	if now == nil {
		now = time.Now
	}
	return &Invoker{secret: secret, urls: urls, client: client, clock: now, signers: map[string]*signer{}}, nil
}

// Handles tells whether fn has a webhook.
func (iv *Invoker) Handles(fn trigger.FunctionRef) bool {
	_, ok := iv.url(fn)
	return ok
}

func (iv *Invoker) url(fn trigger.FunctionRef) (string, bool) {
	if u, ok := iv.urls[fn.ARN]; ok {
		return u, true
	}
	u, ok := iv.urls[trigger.FunctionName(fn.ARN)]
	return u, ok
}

// Invoke implements trigger.Invoker.
func (iv *Invoker) Invoke(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
	target, ok := iv.url(fn)
	if !ok {
		return nil, &trigger.InvocationError{Reason: trigger.ReasonNotFound, Cause: fmt.Errorf("no webhook for %s", fn.ARN)}
	}
	body, err := trigger.Payload(event)
	if err != nil {
		return nil, err
	}
	pool := fn.UserPoolID
	if pool == "" {
		var h struct {
			UserPoolID string `json:"userPoolId"`
		}
		_ = json.Unmarshal(body, &h) // every event carries it (the common header)
		pool = h.UserPoolID
	}
	var last error
	for range trigger.Attempts {
		out, err := iv.attempt(ctx, target, pool, mode, body)
		if err == nil {
			return out, nil
		}
		var fe *trigger.FunctionError
		if errors.As(err, &fe) || ctx.Err() != nil {
			return nil, err
		}
		last = err
	}
	return nil, last
}

func (iv *Invoker) attempt(ctx context.Context, target, pool string, mode trigger.Invocation, body []byte) (json.RawMessage, error) {
	budget := iv.Budget
	if budget <= 0 {
		budget = trigger.Budget
	}
	actx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, &trigger.InvocationError{Reason: "AWSLambdaException", Cause: err}
	}
	ts := iv.clock().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderPool, pool)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, iv.signer(pool).sign(ts, body))
	if mode == trigger.Event {
		req.Header.Set("X-Amz-Invocation-Type", "Event")
	}
	res, err := iv.client.Do(req)
	if err != nil {
		if actx.Err() != nil {
			return nil, &trigger.InvocationError{Reason: trigger.ReasonTimeout, Cause: err}
		}
		return nil, &trigger.InvocationError{Reason: "AWSLambdaException", Cause: err}
	}
	defer func() { _ = res.Body.Close() }()
	out, err := readAnswer(res)
	if err != nil {
		if actx.Err() != nil {
			return nil, &trigger.InvocationError{Reason: trigger.ReasonTimeout, Cause: err}
		}
		return nil, &trigger.InvocationError{Reason: "AWSLambdaException", Cause: err}
	}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		if mode == trigger.Event {
			return nil, nil
		}
		return out, nil
	case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusTooManyRequests:
		var e struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(out, &e) != nil || e.ErrorMessage == "" {
			e.ErrorMessage = http.StatusText(res.StatusCode)
		}
		return nil, &trigger.FunctionError{Message: e.ErrorMessage}
	case res.StatusCode == http.StatusTooManyRequests:
		return nil, &trigger.InvocationError{Reason: "TooManyRequestsException", Cause: fmt.Errorf("webhook answered %d", res.StatusCode)}
	}
	return nil, &trigger.InvocationError{Reason: "ServiceException", Cause: fmt.Errorf("webhook answered %d", res.StatusCode)}
}

// readAnswer reads res's body, up to maxAnswer, into a buffer of its Content-Length when it has
// one (io.ReadAll starts small and grows, copying, to the size of an event).
func readAnswer(res *http.Response) ([]byte, error) {
	n := res.ContentLength
	if n <= 0 || n > maxAnswer { // unknown (0 from a RoundTripper that does not set it)
		n = 512
	}
	out := make([]byte, 0, n+1) // +1: the read that sees the end needs room
	r := io.LimitReader(res.Body, maxAnswer)
	for {
		m, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+m]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)] // grow as append does
		}
	}
}

// Router sends each function to the webhook configured for it, and every other to next.
type Router struct {
	Webhooks *Invoker
	Next     trigger.Invoker
}

// Invoke implements trigger.Invoker.
func (r Router) Invoke(ctx context.Context, fn trigger.FunctionRef, mode trigger.Invocation, event any) (json.RawMessage, error) {
	if r.Webhooks != nil && r.Webhooks.Handles(fn) {
		return r.Webhooks.Invoke(ctx, fn, mode, event)
	}
	if r.Next == nil {
		return nil, &trigger.InvocationError{Reason: trigger.ReasonNotFound, Cause: fmt.Errorf("no endpoint for %s", fn.ARN)}
	}
	return r.Next.Invoke(ctx, fn, mode, event)
}
