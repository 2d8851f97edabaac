// Package ses owns delivering email over Amazon SES v2 (SendEmail): the mail.Sender that Lambda
// deployments use for the EMAIL channel. It turns a rendered mail.Message into one SendEmail
// call with simple content, tags it with the message kind and pool id, bounds the call with a
// deadline (checklist LAM-01), fixes the SDK retry policy so that one Send never delivers two
// emails (MAIL-01), and classifies SES's failures so logs and metrics can tell them apart.
//
// It does not render messages (package mail), choose the channel (the caller, or package
// mail/route), send SMS (package mail/sns), or map errors to Cognito exceptions: every failure is
// returned to the caller, which answers CodeDeliveryFailureException or applies the ENUM-05
// policy.
//
// # Retries (MAIL-01)
//
// SendEmail has no idempotency token: each request that SES accepts is one email. The SDK's
// default retryer (retry.NewStandard: 3 attempts, backoff up to 20 s) retries throttling codes,
// HTTP 500/502/503/504, "RequestTimeout", connection resets and any error that reports
// Temporary() or Timeout(). Several of those can happen after SES has accepted the message (a
// 5xx from a front end, a reset or a read timeout while the response is in flight), so the
// default retryer can send the same code twice. Send therefore installs its own retryer on every
// call, whatever the client was built with: it retries only failures where SES certainly did not
// accept the message, namely
//   - throttling (SES drops a throttled message and never delivers it: "Maximum sending rate
//     exceeded", TooManyRequestsException, LimitExceededException and the SDK's other throttle
//     codes), and
//   - failures to connect at all (dial errors, connection refused, DNS errors): nothing was
//     written.
//
// Everything else fails at once. Config.MaxAttempts bounds the attempts (default 3, 1 disables
// retries) and the backoff is jittered and capped at one second, so the retries fit in the
// per-call deadline. Go's net/http itself only replays a POST when nothing at all was written to
// the connection. TestDefaultRetryerWouldDuplicate shows the default retryer delivering one
// message three times after lost responses; TestRetryPolicy shows this one delivering it once.
//
// A timeout is ambiguous: SES may have accepted the message just before the deadline. Send then
// reports ErrTimeout and does not retry; the user may receive a code for an attempt that the
// service has rolled back (a sign-up undone after a failed delivery). That is the lesser evil
// compared with two codes for one request.
//
// # Content
//
// Subject and body are sent as UTF-8 (SES assumes 7-bit ASCII unless told otherwise). A body
// from an HTML template is sent as the HTML part with a plain-text alternative derived from it;
// any other body is sent as text only. Message tags cognate-kind and cognate-pool-id (SES event
// publishing, never shown to the recipient) identify the message; codes, usernames and
// addresses never go into tags, and Send logs nothing.
package ses

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/cognatehq/cognate/pkg/mail"
)

// API is the one SES v2 call Send makes; *sesv2.Client implements it. Narrow so that tests can
// inject faults.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Defaults for Config fields left zero.
const (
	// DefaultTimeout bounds one Send, retries included. Well under the API Lambda's timeout, and
	// far above SES's usual latency (tens of milliseconds).
	DefaultTimeout = 5 * time.Second
	// DefaultMaxAttempts is how many SendEmail attempts one Send may make, counting the first.
	DefaultMaxAttempts = 3
	// maxBackoff caps the wait between attempts (jittered, 0 to 1 s): long enough to get under
	// a per-second sending rate, short enough to fit DefaultTimeout.
	maxBackoff = time.Second
)

// Names of the message tags Send sets (SES event publishing: CloudWatch dimensions, Firehose).
const (
	TagKind   = "cognate-kind"
	TagPoolID = "cognate-pool-id"
)

// charset is declared on subject and bodies; without it SES assumes 7-bit ASCII.
const charset = "UTF-8"

// Config is how a Sender sends.
type Config struct {
	// From is the sender, as SES's FromEmailAddress: "no-reply@example.com" or
	// "Example <no-reply@example.com>" (Cognito's EmailConfiguration.From). Required; the address
	// must be ASCII and verified in SES. A non-ASCII display name is MIME-encoded by New.
	From string
	// ReplyTo addresses, optional (Cognito's ReplyToEmailAddress).
	ReplyTo []string
	// ConfigurationSet is the SES configuration set name, optional.
	ConfigurationSet string
	// SourceARN is the ARN of the verified identity to send from (FromEmailAddressIdentityArn,
	// Cognito's EmailConfiguration.SourceArn), optional: for sending authorized by another
	// account.
	SourceARN string
	// Timeout bounds one Send, retries included (LAM-01). Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the SendEmail attempts of one Send (see the package doc for which
	// failures are retried). Zero means DefaultMaxAttempts; 1 disables retries.
	MaxAttempts int
}

// Errors New returns (wrapped).
var ErrConfig = errors.New("ses: invalid configuration")

// Errors Send returns, wrapped together with the SDK's error: errors.Is tells the class, errors.As
// still finds the SES exception (*types.MessageRejected, ...).
var (
	ErrWrongChannel   = errors.New("ses: not an email message")
	ErrInvalidMessage = errors.New("ses: message cannot be sent")
	ErrThrottled      = errors.New("ses: throttled or over the sending quota")
	ErrRejected       = errors.New("ses: message rejected")
	ErrNotVerified    = errors.New("ses: sending identity or MAIL FROM domain not verified")
	ErrPaused         = errors.New("ses: sending paused or account suspended")
	ErrTimeout        = errors.New("ses: timed out")
)

// Sender is a mail.Sender over SES v2. Safe for concurrent use.
type Sender struct {
	api     API
	cfg     Config
	retryer aws.Retryer
}

var _ mail.Sender = (*Sender)(nil)

// New checks cfg and returns a Sender calling api.
func New(api API, cfg Config) (*Sender, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: no SES client", ErrConfig)
	}
	if err := checkAddress(cfg.From, true); err != nil {
		return nil, fmt.Errorf("%w: From: %v", ErrConfig, err)
	}
	cfg.From = encodeFrom(cfg.From)
	for i, a := range cfg.ReplyTo {
		if err := checkAddress(a, false); err != nil {
			return nil, fmt.Errorf("%w: ReplyTo[%d]: %v", ErrConfig, i, err)
		}
	}
	cfg.ReplyTo = append([]string(nil), cfg.ReplyTo...)
	if cfg.ConfigurationSet != "" && !tagSafe(cfg.ConfigurationSet, 64) {
		return nil, fmt.Errorf("%w: ConfigurationSet %q: letters, digits, '_' and '-' only, at most 64", ErrConfig, cfg.ConfigurationSet)
	}
	if cfg.SourceARN != "" && !strings.HasPrefix(cfg.SourceARN, "arn:") {
		return nil, fmt.Errorf("%w: SourceARN %q is not an ARN", ErrConfig, cfg.SourceARN)
	}
	if cfg.Timeout < 0 || cfg.MaxAttempts < 0 {
		return nil, fmt.Errorf("%w: negative Timeout or MaxAttempts", ErrConfig)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	return &Sender{api: api, cfg: cfg, retryer: Retryer(cfg.MaxAttempts)}, nil
}

// checkAddress accepts one RFC 5322 address, with a display name only if allowName (SES's From
// takes "Name <addr>", its Reply-To list is of bare addresses in Cognito's API).
func checkAddress(s string, allowName bool) error {
	if s == "" {
		return errors.New("empty")
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return errors.New("contains a line break")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return fmt.Errorf("%q is not an email address: %v", s, err)
	}
	if !allowName && a.Name != "" {
		return fmt.Errorf("%q: a bare address is expected", s)
	}
	if !ascii(a.Address) {
		// SES takes addresses in 7-bit ASCII only (an IDN domain must be given in punycode).
		return fmt.Errorf("%q: the address must be ASCII (punycode for the domain)", s)
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return fmt.Errorf("%q lacks a local part or a domain", s)
	}
	return nil
}

// encodeFrom writes a non-ASCII display name as an RFC 2047 encoded-word, which SES requires
// ("Ācme <a@x>" -> "=?utf-8?q?=C4=80cme?= <a@x>"); anything else is kept as configured.
func encodeFrom(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil || ascii(a.Name) {
		return from
	}
	return a.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Retryer is the retry policy Send installs on every SendEmail call: at most maxAttempts
// attempts, retrying only throttling and failures to connect, never a request SES may have
// accepted (see the package doc).
func Retryer(maxAttempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.Backoff = backoff{}
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(unsent)}
	})
}

// backoff waits a random time in [0, min(1 s, 250 ms * 2^attempt)): full jitter, so that
// Lambdas throttled together do not retry together. The SDK's own ExponentialJitterBackoff
// cannot do this with a one-second cap: it then returns exactly the cap, without jitter.
type backoff struct{}

func (backoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := maxBackoff
	if attempt >= 0 && attempt < 3 {
		d = min(d, 250*time.Millisecond<<attempt)
	}
	return rand.N(d), nil
}

// unsent reports whether err proves that SES did not accept the request.
func unsent(err error) aws.Ternary {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return aws.FalseTernary
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return aws.TrueTernary
	}
	if notConnected(err) {
		return aws.TrueTernary
	}
	return aws.FalseTernary
}

// Send delivers m as one email. It fails for an SMS message (route SMS to the SNS sender), for
// a message without recipient, subject or body, and for every SES or transport error; see the
// Err* variables for the classes.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	if m.Channel != mail.Email {
		return fmt.Errorf("%w: channel %q", ErrWrongChannel, m.Channel)
	}
	if err := checkMessage(m); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ses: %s email for pool %s not sent: %w", m.Kind, m.PoolID, err)
	}
	in := s.input(m)
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	_, err := s.api.SendEmail(callCtx, in, func(o *sesv2.Options) {
		o.Retryer = s.retryer
		// A client-wide RetryMaxAttempts would wrap our retryer with its own attempt count.
		o.RetryMaxAttempts = 0
	})
	if err == nil {
		return nil
	}
	class := classify(err)
	switch {
	case ctx.Err() != nil:
		// The caller gave up (its deadline or a cancellation): its error, not one of ours.
		class = nil
	case callCtx.Err() == context.DeadlineExceeded:
		class = ErrTimeout
	}
	if class == nil {
		return fmt.Errorf("ses: sending %s email for pool %s: %w", m.Kind, m.PoolID, err)
	}
	return fmt.Errorf("ses: sending %s email for pool %s: %w: %w", m.Kind, m.PoolID, class, err)
}

func checkMessage(m mail.Message) error {
	switch {
	case m.To == "":
		return fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	case strings.ContainsAny(m.To, "\r\n\x00,;<>"):
		// One bare address: never a list or a display name smuggled in through an attribute.
		return fmt.Errorf("%w: the recipient is not a single bare address", ErrInvalidMessage)
	case m.Subject == "":
		return fmt.Errorf("%w: no subject", ErrInvalidMessage)
	case m.Body == "":
		return fmt.Errorf("%w: no body", ErrInvalidMessage)
	}
	return nil
}

// input builds the SendEmail request for m.
func (s *Sender) input(m mail.Message) *sesv2.SendEmailInput {
	body := &types.Body{}
	if isHTML(m) {
		body.Html = content(m.Body)
		if t := textFromHTML(m.Body); t != "" {
			body.Text = content(t)
		}
	} else {
		body.Text = content(m.Body)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.cfg.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: content(m.Subject),
			Body:    body,
		}},
		EmailTags: tags(m),
	}
	if len(s.cfg.ReplyTo) > 0 {
		in.ReplyToAddresses = append([]string(nil), s.cfg.ReplyTo...)
	}
	if s.cfg.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.cfg.ConfigurationSet)
	}
	if s.cfg.SourceARN != "" {
		in.FromEmailAddressIdentityArn = aws.String(s.cfg.SourceARN)
	}
	return in
}

func content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String(charset)}
}

// tags carries the kind and the pool id, made tag-safe. Nothing secret or personal goes here:
// tags travel into event streams and metrics.
func tags(m mail.Message) []types.MessageTag {
	var out []types.MessageTag
	add := func(name, v string) {
		if v = tagValue(v); v != "" {
			out = append(out, types.MessageTag{Name: aws.String(name), Value: aws.String(v)})
		}
	}
	add(TagKind, string(m.Kind))
	add(TagPoolID, m.PoolID)
	return out
}

// tagValue maps v onto SES's tag alphabet (ASCII letters, digits, '_' and '-'; at most 256):
// SES rejects the whole SendEmail for a bad tag, and a pool id never justifies a lost code.
func tagValue(v string) string {
	b := []byte(v)
	if len(b) > 256 {
		b = b[:256]
	}
	for i, c := range b {
		if !tagByte(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

func tagSafe(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tagByte(s[i]) {
			return false
		}
	}
	return true
}

func tagByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// isHTML decides whether m.Body is an HTML email. mail.LooksLikeHTML on the body alone is not
// enough: mail.Render escapes the code and username only in HTML templates, so in a text
// template a username such as "<b>x</b>" (legal in Cognito) or an admin-chosen temporary
// password with "<...>" would make the body look like HTML, and sending it as HTML would let the
// username add markup and would hide part of the password. If the raw code or username, holding
// '<', appears verbatim in the body, Render did not escape it, so the template was text. The
// code is used for this decision only; it is never logged or tagged.
func isHTML(m mail.Message) bool {
	for _, v := range []string{m.Code, m.Username} {
		if strings.Contains(v, "<") && strings.Contains(m.Body, v) {
			return false
		}
	}
	return mail.LooksLikeHTML(m.Body)
}

// textFromHTML is a cheap plain-text alternative of an HTML body: comments, scripts and styles
// dropped, tags removed (line-breaking ones become newlines), entities decoded, blank runs
// collapsed. Good enough for a short code message; the code survives because Render escaped it
// and html.UnescapeString restores it.
func textFromHTML(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		if s[i] == '<' && i+1 < len(s) && isTagStart(s[i+1]) {
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				b.WriteString(s[i:])
				break
			}
			tag := tagName(s[i+1 : i+end])
			i += end + 1
			switch tag {
			case "script", "style", "head", "title":
				// Skip to the matching close tag: their text is not part of the message.
				closeAt := strings.Index(strings.ToLower(s[i:]), "</"+tag)
				if closeAt < 0 {
					i = len(s)
					continue
				}
				i += closeAt
			case "br", "p", "/p", "div", "/div", "tr", "/tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
				"/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "table", "/table":
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	text := html.UnescapeString(b.String())
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

func isTagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!'
}

// tagName is the lower-cased element name of a tag's inside ("p class=x" -> "p", "/P" -> "/p",
// "br/" -> "br").
func tagName(inner string) string {
	end := strings.IndexAny(inner, " \t\r\n/>")
	if strings.HasPrefix(inner, "/") {
		rest := inner[1:]
		if e := strings.IndexAny(rest, " \t\r\n>"); e >= 0 {
			rest = rest[:e]
		}
		return "/" + strings.ToLower(rest)
	}
	if end >= 0 {
		inner = inner[:end]
	}
	return strings.ToLower(inner)
}

// classify maps an SES error to one of the Err* classes, or nil.
func classify(err error) error {
	var (
		rejected   *types.MessageRejected
		mailFrom   *types.MailFromDomainNotVerifiedException
		paused     *types.SendingPausedException
		suspended  *types.AccountSuspendedException
		badRequest *types.BadRequestException
		notFound   *types.NotFoundException
	)
	switch {
	case retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool():
		return ErrThrottled
	case errors.As(err, &rejected), errors.As(err, &badRequest):
		return ErrRejected
	case errors.As(err, &mailFrom), errors.As(err, &notFound):
		// NotFound: the From identity, the SourceARN or the configuration set does not exist.
		return ErrNotVerified
	case errors.As(err, &paused), errors.As(err, &suspended):
		return ErrPaused
	}
	return nil
}

// notConnected reports whether err is a failure to open a connection (dial error, refused,
// DNS): no byte of the request reached SES.
func notConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
