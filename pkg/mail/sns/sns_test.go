package sns_test

// No SNS emulator is available: these tests check the PublishInput built, the per-call options
// and the error mapping over the narrow API, and the retry policy through a real sns.Client
// whose HTTP transport answers with SNS-shaped (awsquery XML) responses written here. None of
// this proves what a real SNS endpoint accepts.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cognatehq/cognate/pkg/mail"
	mailsns "github.com/cognatehq/cognate/pkg/mail/sns"
)

// fakeAPI records each Publish and answers with err (or blocks until the context is done).
type fakeAPI struct {
	mu       sync.Mutex
	inputs   []*sns.PublishInput
	opts     []sns.Options
	deadline time.Duration // what the last call's context had left when it began
	timed    bool          // the last call's context had a deadline
	err      error
	block    bool
}

func (f *fakeAPI) Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error) {
	o := sns.Options{RetryMaxAttempts: 7} // as if the client had its own setting
	for _, fn := range optFns {
		fn(&o)
	}
	f.mu.Lock()
	f.inputs = append(f.inputs, in)
	f.opts = append(f.opts, o)
	d, ok := ctx.Deadline()
	if f.timed = ok; ok {
		f.deadline = time.Until(d)
	}
	f.mu.Unlock()
	if f.block {
		<-ctx.Done()
		return nil, fmt.Errorf("operation error SNS: Publish: %w", ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

func (f *fakeAPI) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inputs)
}

func sms(t *testing.T, kind mail.Kind, tpl mail.Templates, to, code string) mail.Message {
	t.Helper()
	_, body, err := mail.Render(kind, mail.SMS, tpl, "jane.doe", code)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Message{Channel: mail.SMS, To: to, Body: body, Kind: kind, PoolID: "us-east-1_AbC", Username: "jane.doe", Code: code}
}

func attr(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func TestPublishInput(t *testing.T) {
	cases := []struct {
		name  string
		cfg   mailsns.Config
		kind  mail.Kind
		tpl   mail.Templates
		want  string
		attrs map[string]types.MessageAttributeValue
	}{
		{"defaults", mailsns.Config{}, mail.SignUp, mail.Templates{}, "Your verification code is 123456. ",
			map[string]types.MessageAttributeValue{"AWS.SNS.SMS.SMSType": attr("Transactional")}},
		{"sender id", mailsns.Config{SenderID: "Acme"}, mail.Authentication, mail.Templates{}, "Your authentication code is 123456. ",
			map[string]types.MessageAttributeValue{"AWS.SNS.SMS.SMSType": attr("Transactional"), "AWS.SNS.SMS.SenderID": attr("Acme")}},
		{"origination number", mailsns.Config{SenderID: "Acme-1", OriginationNumber: "+18005550100"}, mail.ForgotPassword,
			mail.Templates{SMSMessage: "Acme reset code: {####}"}, "Acme reset code: 123456",
			map[string]types.MessageAttributeValue{"AWS.SNS.SMS.SMSType": attr("Transactional"), "AWS.SNS.SMS.SenderID": attr("Acme-1"),
				"AWS.MM.SMS.OriginationNumber": attr("+18005550100")}},
		{"invitation", mailsns.Config{}, mail.AdminCreateUser, mail.Templates{InviteSMSMessage: "User {username} pw {####}"}, "User jane.doe pw 123456",
			map[string]types.MessageAttributeValue{"AWS.SNS.SMS.SMSType": attr("Transactional")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{}
			s, err := mailsns.New(api, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), sms(t, tc.kind, tc.tpl, "+12065551234", "123456")); err != nil {
				t.Fatal(err)
			}
			want := &sns.PublishInput{PhoneNumber: aws.String("+12065551234"), Message: aws.String(tc.want), MessageAttributes: tc.attrs}
			if got := api.inputs[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("PublishInput\n got %s\nwant %s", show(got), show(want))
			}
		})
	}
}

func show(in *sns.PublishInput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PhoneNumber=%s Message=%q", aws.ToString(in.PhoneNumber), aws.ToString(in.Message))
	for k, v := range in.MessageAttributes {
		fmt.Fprintf(&b, " %s=%s/%s", k, aws.ToString(v.DataType), aws.ToString(v.StringValue))
	}
	if in.TopicArn != nil || in.TargetArn != nil || in.Subject != nil || in.MessageStructure != nil {
		b.WriteString(" +unexpected fields")
	}
	return b.String()
}

func TestPerCallOptions(t *testing.T) {
	api := &fakeAPI{}
	s, _ := mailsns.New(api, mailsns.Config{Timeout: 2 * time.Second, MaxAttempts: 2})
	if err := s.Send(context.Background(), sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456")); err != nil {
		t.Fatal(err)
	}
	o := api.opts[0]
	if o.Retryer == nil || o.Retryer.MaxAttempts() != 2 || o.RetryMaxAttempts != 0 {
		t.Errorf("retryer %v (max %d), RetryMaxAttempts %d", o.Retryer, o.Retryer.MaxAttempts(), o.RetryMaxAttempts)
	}
	if api.deadline <= 0 || api.deadline > 2*time.Second {
		t.Errorf("deadline in %v, want within 2s", api.deadline)
	}
	api = &fakeAPI{}
	s, _ = mailsns.New(api, mailsns.Config{})
	if err := s.Send(context.Background(), sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456")); err != nil {
		t.Fatal(err)
	}
	if api.deadline > mailsns.DefaultTimeout || api.opts[0].Retryer.MaxAttempts() != mailsns.DefaultMaxAttempts {
		t.Errorf("defaults: deadline %v, attempts %d", api.deadline, api.opts[0].Retryer.MaxAttempts())
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		err   error
		class error
	}{
		{&types.ThrottledException{Message: aws.String("Rate exceeded")}, mailsns.ErrThrottled},
		{&types.OptedOutException{Message: aws.String("Phone number is opted out")}, mailsns.ErrOptedOut},
		{&types.AuthorizationErrorException{Message: aws.String("not authorized")}, mailsns.ErrNotAuthorized},
		{&types.InvalidParameterException{Message: aws.String("Invalid parameter: PhoneNumber")}, mailsns.ErrRejected},
		{&types.InvalidParameterValueException{Message: aws.String("bad value")}, mailsns.ErrRejected},
		{&types.ValidationException{Message: aws.String("invalid")}, mailsns.ErrRejected},
		{&types.InternalErrorException{Message: aws.String("internal")}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%T", tc.err), func(t *testing.T) {
			api := &fakeAPI{err: fmt.Errorf("operation error SNS: Publish, https response error StatusCode: 400: %w", tc.err)}
			s, _ := mailsns.New(api, mailsns.Config{})
			err := s.Send(context.Background(), sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "987654"))
			if err == nil || !errors.As(err, new(interface{ ErrorCode() string })) {
				t.Fatalf("err %v: want the SNS exception inside", err)
			}
			for _, c := range []error{mailsns.ErrThrottled, mailsns.ErrOptedOut, mailsns.ErrNotAuthorized, mailsns.ErrRejected, mailsns.ErrTimeout} {
				if errors.Is(err, c) != (c == tc.class) {
					t.Errorf("errors.Is(%v, %v) = %v", err, c, !(c == tc.class))
				}
			}
			if strings.Contains(err.Error(), "987654") || strings.Contains(err.Error(), "2065551234") || strings.Contains(err.Error(), "jane") {
				t.Errorf("error text carries the code, number or username: %v", err)
			}
			if api.calls() != 1 {
				t.Errorf("%d Publish calls; Send never retries by itself", api.calls())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	api := &fakeAPI{block: true}
	s, _ := mailsns.New(api, mailsns.Config{Timeout: 150 * time.Millisecond})
	start := time.Now()
	err := s.Send(context.Background(), sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456"))
	if !errors.Is(err, mailsns.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// The fake answers only when its context is done: the call ran under the configured 150 ms
	// (not DefaultTimeout's 5 s) and Send waited for it. Neither depends on the machine's load,
	// unlike an upper bound on the elapsed time.
	if !api.timed || api.deadline > 150*time.Millisecond {
		t.Errorf("the call had %v left when it began (deadline set: %v); want at most the 150 ms timeout", api.deadline, api.timed)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("returned after %v, before the timeout", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	s, _ = mailsns.New(api, mailsns.Config{Timeout: time.Minute})
	if err := s.Send(ctx, sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456")); errors.Is(err, mailsns.ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("caller cancel: %v", err)
	}
}

func TestRefuses(t *testing.T) {
	api := &fakeAPI{}
	s, _ := mailsns.New(api, mailsns.Config{})
	ok := sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456")
	mod := func(f func(*mail.Message)) mail.Message { m := ok; f(&m); return m }
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		m    mail.Message
		want error
	}{
		{"email", context.Background(), mod(func(m *mail.Message) { m.Channel = mail.Email; m.To = "a@b.example" }), mailsns.ErrWrongChannel},
		{"no channel", context.Background(), mod(func(m *mail.Message) { m.Channel = "" }), mailsns.ErrWrongChannel},
		{"no number", context.Background(), mod(func(m *mail.Message) { m.To = "" }), mailsns.ErrInvalidMessage},
		{"no plus", context.Background(), mod(func(m *mail.Message) { m.To = "12065551234" }), mailsns.ErrInvalidMessage},
		{"spaces", context.Background(), mod(func(m *mail.Message) { m.To = "+1 206 555 1234" }), mailsns.ErrInvalidMessage},
		{"leading zero", context.Background(), mod(func(m *mail.Message) { m.To = "+0206555" }), mailsns.ErrInvalidMessage},
		{"too long", context.Background(), mod(func(m *mail.Message) { m.To = "+1234567890123456" }), mailsns.ErrInvalidMessage},
		{"no body", context.Background(), mod(func(m *mail.Message) { m.Body = "" }), mailsns.ErrInvalidMessage},
		{"cancelled", cancelled, ok, context.Canceled},
	}
	for _, tc := range cases {
		err := s.Send(tc.ctx, tc.m)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "2065551234") {
			t.Errorf("%s: error shows the number: %v", tc.name, err)
		}
	}
	if api.calls() != 0 {
		t.Errorf("Publish called %d times", api.calls())
	}
}

func TestNewChecksConfig(t *testing.T) {
	api := &fakeAPI{}
	for _, cfg := range []mailsns.Config{{}, {SenderID: "A"}, {SenderID: "Acme-Corp01"}, {OriginationNumber: "+447700900123"}} {
		if _, err := mailsns.New(api, cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	for _, cfg := range []mailsns.Config{
		{SenderID: "123456"}, {SenderID: "AcmeCorp0123"}, {SenderID: "-Acme"}, {SenderID: "Ac me"}, {SenderID: "Acmé"},
		{OriginationNumber: "18005550100"}, {OriginationNumber: "+1-800"}, {Timeout: -1}, {MaxAttempts: -2},
	} {
		if _, err := mailsns.New(api, cfg); !errors.Is(err, mailsns.ErrConfig) {
			t.Errorf("%+v: err %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := mailsns.New(nil, mailsns.Config{}); !errors.Is(err, mailsns.ErrConfig) {
		t.Errorf("nil API: %v", err)
	}
}

// ---- the retry policy through a real sns.Client (fake transport, not SNS) ----

type transport struct {
	attempts atomic.Int32
	mu       sync.Mutex
	forms    []url.Values
	answer   func(n int, req *http.Request) (*http.Response, error)
}

func (tr *transport) Do(req *http.Request) (*http.Response, error) {
	n := int(tr.attempts.Add(1))
	b, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(b))
	tr.mu.Lock()
	tr.forms = append(tr.forms, form)
	tr.mu.Unlock()
	return tr.answer(n, req)
}

func xmlResponse(req *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(strings.NewReader(body))}
}

func published(req *http.Request) *http.Response {
	return xmlResponse(req, 200, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>0a1b</MessageId></PublishResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></PublishResponse>`)
}

func snsError(req *http.Request, status int, code string) *http.Response {
	return xmlResponse(req, status, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>`+code+`</Code><Message>`+code+`</Message></Error><RequestId>r2</RequestId></ErrorResponse>`)
}

func TestRetryPolicy(t *testing.T) {
	reset := &url.Error{Op: "Post", URL: "https://sns.us-east-1.amazonaws.com/", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	refused := &url.Error{Op: "Post", URL: "https://sns.us-east-1.amazonaws.com/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	cases := []struct {
		name         string
		answer       func(n int, req *http.Request) (*http.Response, error)
		wantErr      error // nil: success
		wantAttempts int
	}{
		{"ok", func(_ int, r *http.Request) (*http.Response, error) { return published(r), nil }, nil, 1},
		{"throttled once", func(n int, r *http.Request) (*http.Response, error) {
			if n == 1 {
				return snsError(r, 400, "Throttled"), nil
			}
			return published(r), nil
		}, nil, 2},
		{"throttled always", func(_ int, r *http.Request) (*http.Response, error) { return snsError(r, 400, "Throttled"), nil }, mailsns.ErrThrottled, 3},
		{"refused once", func(n int, r *http.Request) (*http.Response, error) {
			if n == 1 {
				return nil, refused
			}
			return published(r), nil
		}, nil, 2},
		{"500: maybe accepted", func(_ int, r *http.Request) (*http.Response, error) { return snsError(r, 500, "InternalError"), nil }, &types.InternalErrorException{}, 1},
		{"reset: maybe accepted", func(int, *http.Request) (*http.Response, error) { return nil, reset }, syscall.ECONNRESET, 1},
		{"opted out", func(_ int, r *http.Request) (*http.Response, error) { return snsError(r, 400, "OptedOut"), nil }, mailsns.ErrOptedOut, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &transport{answer: tc.answer}
			c := sns.New(sns.Options{Region: "us-east-1", HTTPClient: tr,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDSNSTEST", "secret", "")})
			s, _ := mailsns.New(c, mailsns.Config{SenderID: "Acme"})
			err := s.Send(context.Background(), sms(t, mail.SignUp, mail.Templates{}, "+12065551234", "123456"))
			var target any = tc.wantErr
			switch want := target.(type) {
			case nil:
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
			case *types.InternalErrorException:
				if !errors.As(err, &want) {
					t.Fatalf("err %v, want %T", err, want)
				}
			default:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
			}
			if got := int(tr.attempts.Load()); got != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tc.wantAttempts)
			}
			// What the SDK put on the wire for our input (awsquery form encoding).
			f := tr.forms[0]
			if f.Get("Action") != "Publish" || f.Get("PhoneNumber") != "+12065551234" || f.Get("Message") != "Your verification code is 123456. " {
				t.Errorf("form %v", f)
			}
			attrs := map[string]string{}
			for i := 1; f.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i)) != ""; i++ {
				p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
				attrs[f.Get(p+"Name")] = f.Get(p+"Value.DataType") + ":" + f.Get(p+"Value.StringValue")
			}
			if !reflect.DeepEqual(attrs, map[string]string{"AWS.SNS.SMS.SMSType": "String:Transactional", "AWS.SNS.SMS.SenderID": "String:Acme"}) {
				t.Errorf("attributes on the wire %v", attrs)
			}
		})
	}
}
