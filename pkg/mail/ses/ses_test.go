package ses_test

// These tests send through a real sesv2.Client to aws-ses-v2-local, an SES v2 emulator under
// node (infra/ses/seslocal starts it with infra/ses/emulator.js), and read back what it received
// from its HTTP API (GET /store). `make test` installs it and sets COGNATE_REQUIRE_CLIENTS=1, so there
// they cannot skip; elsewhere they skip when node or the package is missing.
//
// Faults are injected at two seams: the narrow ses.API (errors SES would return, a call that
// hangs) and the client's HTTPClient, where the emulator really receives the request and the
// response is then lost or replaced, which is what decides whether a retry could send twice.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/ses"
)

const (
	from    = "Acme Accounts <no-reply@acme.example>"
	replyTo = "support@acme.example"
	poolID  = "us-east-1_AbCdEf123"
)

func TestMain(m *testing.M) { seslocal.Main(m) }

// needEmulator returns the endpoint of the package's emulator (infra/ses/seslocal: one for the
// whole package, started on first use); it skips (or, under COGNATE_REQUIRE_CLIENTS=1, fails)
// when the emulator is missing.
func needEmulator(t *testing.T) string {
	t.Helper()
	return seslocal.Endpoint(t)
}

var recipientSeq atomic.Int64

// recipient is an address no other test uses, so tests can run in parallel against one store.
func recipient(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()))
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return fmt.Sprintf("%s-%d@users.example", strings.Trim(name, "-"), recipientSeq.Add(1))
}

// ---- clients ----

// wire is the client's HTTP transport: it counts requests, keeps their bodies and lets a test
// decide, per attempt, what happens before and after the emulator sees the request.
type wire struct {
	next     *http.Client
	attempts atomic.Int32
	mu       sync.Mutex
	bodies   [][]byte
	// before runs first; a non-nil response or error is returned without reaching the emulator.
	before func(n int, req *http.Request) (*http.Response, error)
	// after runs once the emulator answered; it may replace the answer (a lost response).
	after func(n int, resp *http.Response) (*http.Response, error)
}

func (w *wire) Do(req *http.Request) (*http.Response, error) {
	n := int(w.attempts.Add(1))
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		w.mu.Lock()
		w.bodies = append(w.bodies, b)
		w.mu.Unlock()
		req.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	if w.before != nil {
		if resp, err := w.before(n, req); resp != nil || err != nil {
			return resp, err
		}
	}
	resp, err := w.next.Do(req)
	if err != nil || w.after == nil {
		return resp, err
	}
	return w.after(n, resp)
}

func (w *wire) lastBody() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bodies[len(w.bodies)-1]
}

// client is a real SES v2 client for endpoint, with the SDK's default retryer.
func client(endpoint string, w *wire) *sesv2.Client {
	if w.next == nil {
		w.next = &http.Client{Timeout: 10 * time.Second}
	}
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSESTEST", "ses-test-secret", ""),
		HTTPClient:   w,
	})
}

func sender(t *testing.T, api ses.API, cfg ses.Config) *ses.Sender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = from
	}
	s, err := ses.New(api, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func message(t *testing.T, kind mail.Kind, tpl mail.Templates, to, username, code string) mail.Message {
	t.Helper()
	subject, body, err := mail.Render(kind, mail.Email, tpl, username, code)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Message{Channel: mail.Email, To: to, Subject: subject, Body: body, Kind: kind,
		PoolID: poolID, Username: username, Code: code}
}

// ---- delivery ----

// Custom pool templates: text, and HTML with a plain-text alternative.
var (
	textTemplates = mail.Templates{
		EmailSubject:               "Acme: confirm your address",
		EmailMessage:               "Welcome to Acme! Your Acme code is {####}. It expires in 24 hours.",
		InviteEmailSubject:         "Your Acme account",
		InviteEmailMessage:         "Hello {username}, your Acme temporary password is {####}.",
		EmailAuthenticationSubject: "Acme sign-in code",
		EmailAuthenticationMessage: "Use {####} to sign in to Acme.",
	}
	htmlTemplates = mail.Templates{
		EmailSubject:               "Acme: confirm your address",
		EmailMessage:               "<html><body><p>Welcome to <b>Acme</b>!</p><p>Your code: <strong>{####}</strong></p></body></html>",
		InviteEmailSubject:         "Your Acme account",
		InviteEmailMessage:         "<p>Hello <i>{username}</i>,</p><p>your temporary password is <code>{####}</code></p>",
		EmailAuthenticationSubject: "Acme sign-in code",
		EmailAuthenticationMessage: "<p>Use <b>{####}</b> to sign in to Acme.</p>",
	}
)

// TestDelivers sends one message per Kind with Cognito's default texts, a custom text template
// and a custom HTML template, and checks what the emulator received.
func TestDelivers(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	s := sender(t, client(endpoint, &wire{}), ses.Config{ReplyTo: []string{replyTo}})

	type want struct{ subject, text string }
	cases := []struct {
		name string
		tpl  mail.Templates
		html bool
		want func(mail.Kind) want
	}{
		{"default", mail.Templates{}, false, func(k mail.Kind) want {
			switch k {
			case mail.AdminCreateUser:
				return want{mail.DefaultInviteSubject, "Your username is jane.doe and temporary password is "}
			case mail.ForgotPassword:
				return want{mail.DefaultVerificationSubject, "Your password reset code is "}
			case mail.Authentication:
				return want{mail.DefaultAuthenticationSubject, "Your authentication code is "}
			}
			return want{mail.DefaultVerificationSubject, "Your verification code is "}
		}},
		{"custom-text", textTemplates, false, func(k mail.Kind) want {
			switch k {
			case mail.AdminCreateUser:
				return want{"Your Acme account", "Hello jane.doe, your Acme temporary password is "}
			case mail.Authentication:
				return want{"Acme sign-in code", "Use "}
			}
			return want{"Acme: confirm your address", "Welcome to Acme! Your Acme code is "}
		}},
		{"custom-html", htmlTemplates, true, func(k mail.Kind) want {
			switch k {
			case mail.AdminCreateUser:
				return want{"Your Acme account", "Hello jane.doe,\nyour temporary password is "}
			case mail.Authentication:
				return want{"Acme sign-in code", "Use "}
			}
			return want{"Acme: confirm your address", "Welcome to Acme!\nYour code: "}
		}},
	}
	for _, tc := range cases {
		for i, kind := range mail.Kinds {
			t.Run(tc.name+"/"+string(kind), func(t *testing.T) {
				t.Parallel()
				to := recipient(t)
				code := fmt.Sprintf("%06d", 314159+i)
				if kind == mail.AdminCreateUser {
					code = "Tmp&Pass<1>" // escaped in HTML, raw in text
				}
				m := message(t, kind, tc.tpl, to, "jane.doe", code)
				if err := s.Send(context.Background(), m); err != nil {
					t.Fatalf("Send: %v", err)
				}
				got := seslocal.Messages(t, endpoint, to)
				if len(got) != 1 {
					t.Fatalf("emulator received %d emails for %s, want 1", len(got), to)
				}
				e, exp := got[0], tc.want(kind)
				if e.From != from || len(e.ReplyTo) != 1 || e.ReplyTo[0] != replyTo {
					t.Errorf("from %q reply-to %q", e.From, e.ReplyTo)
				}
				if len(e.Destination.To) != 1 || len(e.Destination.Cc)+len(e.Destination.Bcc) != 0 {
					t.Errorf("destination %+v", e.Destination)
				}
				if e.Subject != exp.subject {
					t.Errorf("subject %q, want %q", e.Subject, exp.subject)
				}
				if e.Body.Text == nil {
					t.Fatalf("no text part")
				}
				text := *e.Body.Text
				if !strings.HasPrefix(text, exp.text) || !strings.Contains(text, code) {
					t.Errorf("text %q: want prefix %q and code %q", text, exp.text, code)
				}
				if tc.html {
					if e.Body.HTML == nil || !strings.Contains(*e.Body.HTML, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(code)) {
						t.Errorf("html part %v lacks the escaped code", e.Body.HTML)
					}
				} else if e.Body.HTML != nil {
					t.Errorf("text template sent with an HTML part %q", *e.Body.HTML)
				}
				if kind != mail.AdminCreateUser && strings.Contains(text, "jane.doe") {
					t.Errorf("username substituted outside an invitation: %q", text)
				}
			})
		}
	}
}

// TestTags checks, on the wire, the message tags and that nothing secret is in them.
func TestTags(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	w := &wire{}
	s := sender(t, client(endpoint, w), ses.Config{})
	to := recipient(t)
	m := message(t, mail.SignUp, mail.Templates{}, to, "jane.doe", "271828")
	m.PoolID = "local_pool.1" // not tag-safe: mapped, not rejected
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var req struct {
		EmailTags []struct{ Name, Value string }
		Content   struct {
			Simple struct {
				Subject, Body struct{ Charset string }
			}
		}
	}
	if err := json.Unmarshal(w.lastBody(), &req); err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range req.EmailTags {
		tags[tg.Name] = tg.Value
		if strings.Contains(tg.Value, "271828") || strings.Contains(tg.Value, "jane") || strings.Contains(tg.Value, "users.example") {
			t.Errorf("tag %s=%s carries a code, username or address", tg.Name, tg.Value)
		}
	}
	if tags[ses.TagKind] != "SignUp" || tags[ses.TagPoolID] != "local_pool_1" || len(tags) != 2 {
		t.Errorf("tags %v", tags)
	}
	if req.Content.Simple.Subject.Charset != "UTF-8" {
		t.Errorf("subject charset %q", req.Content.Simple.Subject.Charset)
	}
	if len(seslocal.Messages(t, endpoint, to)) != 1 {
		t.Error("not delivered")
	}
}

// TestUnicode: a custom template outside ASCII arrives intact (the charset is declared).
func TestUnicode(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	s := sender(t, client(endpoint, &wire{}), ses.Config{})
	tpl := mail.Templates{EmailSubject: "Vérification — 確認コード", EmailMessage: "Votre code : {####} 🙂 確認コードは {####} です。"}
	to := recipient(t)
	if err := s.Send(context.Background(), message(t, mail.SignUp, tpl, to, "émile", "123456")); err != nil {
		t.Fatal(err)
	}
	got := seslocal.Messages(t, endpoint, to)
	if len(got) != 1 || got[0].Subject != tpl.EmailSubject || *got[0].Body.Text != "Votre code : 123456 🙂 確認コードは 123456 です。" {
		t.Fatalf("received %+v", got)
	}
}

// TestTextTemplateWithMarkupInValues: a username or temporary password holding markup in a text
// template must not turn the email into HTML (injection; a hidden part of the password).
func TestTextTemplateWithMarkupInValues(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	s := sender(t, client(endpoint, &wire{}), ses.Config{})
	to := recipient(t)
	username, pw := `<a href="https://evil.example">x</a>`, "Pw<b>1</b>!"
	if err := s.Send(context.Background(), message(t, mail.AdminCreateUser, mail.Templates{}, to, username, pw)); err != nil {
		t.Fatal(err)
	}
	got := seslocal.Messages(t, endpoint, to)
	if len(got) != 1 || got[0].Body.HTML != nil || !strings.Contains(*got[0].Body.Text, username) || !strings.Contains(*got[0].Body.Text, pw) {
		t.Fatalf("received %+v", got)
	}
}

// TestConcurrent sends in parallel through one Sender: each message arrives exactly once.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	s := sender(t, client(endpoint, &wire{}), ses.Config{})
	const n = 20
	tos := make([]string, n)
	msgs := make([]mail.Message, n)
	for i := range n {
		tos[i] = recipient(t)
		msgs[i] = message(t, mail.ForgotPassword, mail.Templates{}, tos[i], "u", fmt.Sprintf("%06d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Send(context.Background(), msgs[i])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i, to := range tos {
		if got := seslocal.Messages(t, endpoint, to); len(got) != 1 || !strings.Contains(*got[0].Body.Text, fmt.Sprintf("%06d", i)) {
			t.Errorf("%s: %+v", to, got)
		}
	}
}

// ---- faults through the API seam ----

// faultAPI answers with err instead of calling SES; with block it waits for the context.
type faultAPI struct {
	next  ses.API
	err   error
	block bool
	calls atomic.Int32
}

func (f *faultAPI) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls.Add(1)
	if f.block {
		<-ctx.Done()
		return nil, fmt.Errorf("operation error SESv2: SendEmail: %w", ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.next.SendEmail(ctx, in, opts...)
}

func TestSESErrors(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	real := client(endpoint, &wire{})
	cases := []struct {
		err   error
		class error
	}{
		{&types.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded.")}, ses.ErrThrottled},
		{&types.LimitExceededException{Message: aws.String("Daily message quota exceeded.")}, ses.ErrThrottled},
		{&types.MessageRejected{Message: aws.String("Email address is not verified.")}, ses.ErrRejected},
		{&types.BadRequestException{Message: aws.String("Illegal address")}, ses.ErrRejected},
		{&types.MailFromDomainNotVerifiedException{Message: aws.String("MAIL FROM domain not verified")}, ses.ErrNotVerified},
		{&types.NotFoundException{Message: aws.String("Configuration set does not exist")}, ses.ErrNotVerified},
		{&types.SendingPausedException{Message: aws.String("Sending paused for this account")}, ses.ErrPaused},
		{&types.AccountSuspendedException{Message: aws.String("Account suspended")}, ses.ErrPaused},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%T", tc.err), func(t *testing.T) {
			t.Parallel()
			fault := &faultAPI{next: real}
			s := sender(t, fault, ses.Config{})
			to := recipient(t)
			m := message(t, mail.SignUp, mail.Templates{}, to, "u", "424242")
			if err := s.Send(context.Background(), m); err != nil { // healthy first
				t.Fatal(err)
			}
			fault.err = fmt.Errorf("operation error SESv2: SendEmail, https response error StatusCode: 400: %w", tc.err)
			err := s.Send(context.Background(), m)
			if !errors.Is(err, tc.class) || !errors.As(err, new(interface{ ErrorCode() string })) {
				t.Fatalf("Send error %v, want class %v with the SES exception inside", err, tc.class)
			}
			if strings.Contains(err.Error(), "424242") || strings.Contains(err.Error(), to) {
				t.Errorf("error text carries the code or the address: %v", err)
			}
			if got := len(seslocal.Messages(t, endpoint, to)); got != 1 {
				t.Errorf("emulator received %d emails, want only the healthy 1", got)
			}
			if fault.calls.Load() != 2 {
				t.Errorf("%d SendEmail calls, want 2 (Send itself never retries)", fault.calls.Load())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	// block answers only when its context is done, and records whether that context had a
	// deadline and how much time it had left when the call began.
	var timed bool
	var left time.Duration
	block := apiFunc(func(ctx context.Context, _ *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
		var d time.Time
		if d, timed = ctx.Deadline(); timed {
			left = time.Until(d)
		}
		<-ctx.Done()
		return nil, fmt.Errorf("operation error SESv2: SendEmail: %w", ctx.Err())
	})
	s := sender(t, block, ses.Config{Timeout: 200 * time.Millisecond})
	start := time.Now()
	err := s.Send(context.Background(), message(t, mail.SignUp, mail.Templates{}, "jane@users.example", "u", "111111"))
	elapsed := time.Since(start)
	if !errors.Is(err, ses.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	// The call ran under the configured 200 ms (not DefaultTimeout's 5 s) and Send waited for it;
	// neither depends on the machine's load, unlike an upper bound on the elapsed time.
	if !timed || left > 200*time.Millisecond {
		t.Errorf("the call had %v left when it began (deadline set: %v); want at most the 200 ms timeout", left, timed)
	}
	if elapsed < 200*time.Millisecond {
		t.Errorf("Send returned after %v, before the 200 ms timeout", elapsed)
	}
	fault := &faultAPI{block: true}
	// The caller's own cancellation is not reported as our timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s = sender(t, fault, ses.Config{Timeout: time.Minute})
	err = s.Send(ctx, message(t, mail.SignUp, mail.Templates{}, "jane@users.example", "u", "111111"))
	if errors.Is(err, ses.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller deadline: err %v", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	t.Parallel()
	var seen time.Duration
	api := apiFunc(func(ctx context.Context, _ *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
		d, _ := ctx.Deadline()
		seen = time.Until(d)
		return &sesv2.SendEmailOutput{}, nil
	})
	s := sender(t, api, ses.Config{})
	if err := s.Send(context.Background(), message(t, mail.SignUp, mail.Templates{}, "jane@users.example", "u", "111111")); err != nil {
		t.Fatal(err)
	}
	if seen <= 0 || seen > ses.DefaultTimeout {
		t.Errorf("deadline in %v, want within %v", seen, ses.DefaultTimeout)
	}
}

// ---- the retry policy, on the wire ----

func throttled(req *http.Request) *http.Response {
	return &http.Response{
		StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"TooManyRequestsException"}},
		Body:   io.NopCloser(strings.NewReader(`{"message":"Maximum sending rate exceeded."}`)),
	}
}

func serverError(req *http.Request) *http.Response {
	return &http.Response{
		StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error", Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"InternalFailure"}},
		Body:   io.NopCloser(strings.NewReader(`{"message":"Internal failure"}`)),
	}
}

var connReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	cases := []struct {
		name         string
		before       func(n int, req *http.Request) (*http.Response, error)
		after        func(n int, resp *http.Response) (*http.Response, error)
		fails        bool
		wantErr      error // when fails, if set: errors.Is(err, wantErr)
		wantAttempts int
		wantEmails   int
	}{
		{name: "throttled once, then sent",
			before: func(n int, req *http.Request) (*http.Response, error) {
				if n == 1 {
					return throttled(req), nil
				}
				return nil, nil
			},
			wantAttempts: 2, wantEmails: 1},
		{name: "throttled every time",
			before: func(_ int, req *http.Request) (*http.Response, error) { return throttled(req), nil },
			fails:  true, wantErr: ses.ErrThrottled, wantAttempts: 3, wantEmails: 0},
		{name: "accepted, then the connection reset",
			after: func(int, *http.Response) (*http.Response, error) {
				return nil, &url.Error{Op: "Post", URL: endpoint, Err: connReset}
			},
			fails: true, wantErr: syscall.ECONNRESET, wantAttempts: 1, wantEmails: 1},
		{name: "accepted, then a 500",
			after: func(_ int, resp *http.Response) (*http.Response, error) {
				resp.Body.Close()
				return serverError(resp.Request), nil
			},
			fails: true, wantAttempts: 1, wantEmails: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &wire{before: tc.before, after: tc.after}
			s := sender(t, client(endpoint, w), ses.Config{})
			to := recipient(t)
			err := s.Send(context.Background(), message(t, mail.SignUp, mail.Templates{}, to, "u", "777777"))
			switch {
			case !tc.fails && err != nil:
				t.Fatalf("Send: %v", err)
			case tc.fails && err == nil:
				t.Fatal("Send succeeded")
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("Send error %v, want %v", err, tc.wantErr)
			}
			if got := int(w.attempts.Load()); got != tc.wantAttempts {
				t.Errorf("%d attempts on the wire, want %d", got, tc.wantAttempts)
			}
			if got := len(seslocal.Messages(t, endpoint, to)); got != tc.wantEmails {
				t.Errorf("emulator received %d emails, want %d", got, tc.wantEmails)
			}
		})
	}
}

// TestDefaultRetryerWouldDuplicate documents why Send replaces the SDK's retryer: with the
// SDK's default retryables, a response lost after SES accepted the message is retried, and the
// user gets the same code three times. (Only the backoff is shortened, to keep the test quick.)
func TestDefaultRetryerWouldDuplicate(t *testing.T) {
	t.Parallel()
	endpoint := needEmulator(t)
	w := &wire{after: func(int, *http.Response) (*http.Response, error) {
		return nil, &url.Error{Op: "Post", URL: endpoint, Err: connReset}
	}}
	c := client(endpoint, w)
	to := recipient(t)
	_, err := c.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(from),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}},
	}, func(o *sesv2.Options) {
		o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 10 * time.Millisecond })
	})
	if err == nil {
		t.Fatal("SendEmail succeeded")
	}
	if got := len(seslocal.Messages(t, endpoint, to)); got != 3 || w.attempts.Load() != 3 {
		t.Errorf("default retryer: %d emails in %d attempts; the package doc says 3 and 3", got, w.attempts.Load())
	}
}

// TestConnectRetried: nothing listens, so nothing can have been sent: dial errors are retried.
func TestConnectRetried(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	w := &wire{}
	s := sender(t, client(closed, w), ses.Config{MaxAttempts: 2})
	err = s.Send(context.Background(), message(t, mail.SignUp, mail.Templates{}, "jane@users.example", "u", "111111"))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err %v, want connection refused", err)
	}
	if w.attempts.Load() != 2 {
		t.Errorf("%d attempts, want 2", w.attempts.Load())
	}
}

// ---- input checks (no SES call) ----

type apiFunc func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f apiFunc) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, o ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, o...)
}

func TestSendRefuses(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	api := apiFunc(func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
		calls.Add(1)
		return &sesv2.SendEmailOutput{}, nil
	})
	s := sender(t, api, ses.Config{})
	ok := message(t, mail.SignUp, mail.Templates{}, "jane@users.example", "u", "123456")
	mod := func(f func(*mail.Message)) mail.Message { m := ok; f(&m); return m }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		m    mail.Message
		want error
	}{
		{"sms", context.Background(), mod(func(m *mail.Message) { m.Channel = mail.SMS; m.To = "+12065551234" }), ses.ErrWrongChannel},
		{"no channel", context.Background(), mod(func(m *mail.Message) { m.Channel = "" }), ses.ErrWrongChannel},
		{"no recipient", context.Background(), mod(func(m *mail.Message) { m.To = "" }), ses.ErrInvalidMessage},
		{"two recipients", context.Background(), mod(func(m *mail.Message) { m.To = "a@x.example, b@y.example" }), ses.ErrInvalidMessage},
		{"display name", context.Background(), mod(func(m *mail.Message) { m.To = "Eve <e@x.example>" }), ses.ErrInvalidMessage},
		{"line break", context.Background(), mod(func(m *mail.Message) { m.To = "a@x.example\r\nBcc: b@y.example" }), ses.ErrInvalidMessage},
		{"no subject", context.Background(), mod(func(m *mail.Message) { m.Subject = "" }), ses.ErrInvalidMessage},
		{"no body", context.Background(), mod(func(m *mail.Message) { m.Body = "" }), ses.ErrInvalidMessage},
		{"cancelled", cancelled, ok, context.Canceled},
	}
	for _, tc := range cases {
		if err := s.Send(tc.ctx, tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if calls.Load() != 0 {
		t.Errorf("SES called %d times", calls.Load())
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	api := apiFunc(nil)
	good := []ses.Config{
		{From: "no-reply@acme.example"},
		{From: "Acme <no-reply@acme.example>", ReplyTo: []string{"a@acme.example", "b@acme.example"}, ConfigurationSet: "cognito-mail_1",
			SourceARN: "arn:aws:ses:us-east-1:123456789012:identity/acme.example", Timeout: time.Second, MaxAttempts: 1},
	}
	for _, cfg := range good {
		if _, err := ses.New(api, cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	bad := []ses.Config{
		{},
		{From: "no-reply"},
		{From: "no-reply@"},
		{From: "@acme.example"},
		{From: "a@acme.example\r\nBcc: x@evil.example"},
		{From: "a@acme.example, b@acme.example"},
		{From: "a@acme.example", ReplyTo: []string{"Support <s@acme.example>"}},
		{From: "a@acme.example", ReplyTo: []string{""}},
		{From: "a@acme.example", ConfigurationSet: "has space"},
		{From: "a@acme.example", SourceARN: "identity/acme.example"},
		{From: "a@acme.example", Timeout: -1},
		{From: "a@acme.example", MaxAttempts: -1},
	}
	for _, cfg := range bad {
		if _, err := ses.New(api, cfg); !errors.Is(err, ses.ErrConfig) {
			t.Errorf("%+v: err %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := ses.New(nil, ses.Config{From: "a@acme.example"}); !errors.Is(err, ses.ErrConfig) {
		t.Errorf("nil API: %v", err)
	}
}
