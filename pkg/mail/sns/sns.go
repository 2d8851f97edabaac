// Package sns owns delivering SMS over Amazon SNS (Publish to a phone number): the mail.Sender
// that Lambda deployments use for the SMS channel. It turns a rendered mail.Message into one
// Publish call marked Transactional (codes are time-critical; SNS may drop Promotional messages
// under cost or quota pressure), optionally with a sender ID and an origination number, bounds
// the call with a deadline (checklist LAM-01), fixes the SDK retry policy so that one Send never
// delivers two texts (MAIL-01), and classifies SNS's failures.
//
// It does not render messages (package mail), send email (package mail/ses), choose the channel
// (package mail/route), or map errors to Cognito exceptions: every failure is returned to the
// caller, which answers CodeDeliveryFailureException or applies the ENUM-05 policy.
//
// NOT EXERCISED AGAINST A REAL SNS ENDPOINT. No SNS emulator is available to us: the tests
// check, over the narrow API interface, the exact PublishInput built, the per-call options
// (retryer, deadline) and the error mapping. The request encoding (the awsquery protocol) is
// the SDK's and is not tested here.
//
// # Retries (MAIL-01)
//
// Publishing to a phone number has no idempotency token (MessageDeduplicationId exists only for
// FIFO topics), so a retried request that SNS had already accepted is a second text. As in
// package ses, Send installs its own retryer on every call: it retries only throttling (SNS's
// "Throttled", which the SDK's default retryer does not even recognise, and the SDK's other
// throttle codes) and failures to connect (nothing was written), never 5xx answers, connection
// resets or timeouts, where SNS may have accepted the message. Config.MaxAttempts bounds the
// attempts (default 3; 1 disables retries), with a backoff of at most one second.
//
// A timeout is ambiguous (SNS may have accepted the message just before it): Send reports
// ErrTimeout and does not retry.
//
// Send logs nothing; errors name the kind and pool, never the number, code or username.
package sns

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/mail"
)

// API is the one SNS call Send makes; *sns.Client implements it. Narrow so that tests can
// inject faults.
type API interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Defaults for Config fields left zero.
const (
	// DefaultTimeout bounds one Send, retries included: well under the API Lambda's timeout.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxAttempts is how many Publish attempts one Send may make, counting the first.
	DefaultMaxAttempts = 3
	maxBackoff         = time.Second
)

// SMS message attributes SNS reads (Developer Guide, "Publishing to a mobile phone").
const (
	AttrSMSType           = "AWS.SNS.SMS.SMSType"
	AttrSenderID          = "AWS.SNS.SMS.SenderID"
	AttrOriginationNumber = "AWS.MM.SMS.OriginationNumber"
	// Transactional: critical messages such as one-time codes, delivered with the highest
	// reliability.
	SMSTypeTransactional = "Transactional"
)

// Config is how a Sender sends.
type Config struct {
	// SenderID is the alphanumeric sender ID shown on the recipient's phone where the country
	// supports it (Cognito's SmsConfiguration has none; SNS's default applies when empty).
	// 1 to 11 letters, digits or '-', at least one letter, no leading or trailing '-'.
	SenderID string
	// OriginationNumber is the E.164 number (long code, toll-free, 10DLC) to send from, optional.
	OriginationNumber string
	// Timeout bounds one Send, retries included (LAM-01). Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the Publish attempts of one Send. Zero means DefaultMaxAttempts; 1
	// disables retries.
	MaxAttempts int
}

// ErrConfig is returned (wrapped) by New.
var ErrConfig = errors.New("sns: invalid configuration")

// Errors Send returns, wrapped together with the SDK's error: errors.Is tells the class, errors.As
// still finds the SNS exception (*types.ThrottledException, ...).
var (
	ErrWrongChannel   = errors.New("sns: not an SMS message")
	ErrInvalidMessage = errors.New("sns: message cannot be sent")
	ErrThrottled      = errors.New("sns: throttled")
	ErrRejected       = errors.New("sns: message rejected")
	ErrOptedOut       = errors.New("sns: the phone number opted out of SMS")
	ErrNotAuthorized  = errors.New("sns: not authorized to publish SMS")
	ErrTimeout        = errors.New("sns: timed out")
)

// Sender is a mail.Sender over SNS. Safe for concurrent use.
type Sender struct {
	api     API
	cfg     Config
	retryer aws.Retryer
}

var _ mail.Sender = (*Sender)(nil)

// New checks cfg and returns a Sender calling api.
func New(api API, cfg Config) (*Sender, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: no SNS client", ErrConfig)
	}
	if cfg.SenderID != "" && !validSenderID(cfg.SenderID) {
		return nil, fmt.Errorf("%w: SenderID %q: 1 to 11 letters, digits or '-', with a letter", ErrConfig, cfg.SenderID)
	}
	if cfg.OriginationNumber != "" && !e164(cfg.OriginationNumber) {
		return nil, fmt.Errorf("%w: OriginationNumber %q is not an E.164 number", ErrConfig, cfg.OriginationNumber)
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

// Retryer is the retry policy Send installs on every Publish call: at most maxAttempts attempts,
// retrying only throttling and failures to connect (see the package doc).
func Retryer(maxAttempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.Backoff = backoff{}
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(unsent)}
		o.Throttles = append(o.Throttles, throttle)
	})
}

// throttle recognises SNS's own throttling code, which is not among the SDK's defaults.
var throttle = retry.ThrottleErrorCode{Codes: map[string]struct{}{"Throttled": {}}}

func isThrottle(err error) bool {
	return throttle.IsErrorThrottle(err).Bool() || retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool()
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

// unsent reports whether err proves that SNS did not accept the request.
func unsent(err error) aws.Ternary {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return aws.FalseTernary
	}
	var op *net.OpError
	if isThrottle(err) || errors.As(err, &op) && op.Op == "dial" {
		return aws.TrueTernary
	}
	return aws.FalseTernary
}

// Send delivers m as one SMS. It fails for an email message, for a destination that is not an
// E.164 number, for an empty body, and for every SNS or transport error; see the Err* variables
// for the classes.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	if m.Channel != mail.SMS {
		return fmt.Errorf("%w: channel %q", ErrWrongChannel, m.Channel)
	}
	if !e164(m.To) {
		return fmt.Errorf("%w: the destination %s is not an E.164 number", ErrInvalidMessage, mail.MaskPhone(m.To))
	}
	if m.Body == "" {
		return fmt.Errorf("%w: no body", ErrInvalidMessage)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sns: %s SMS for pool %s not sent: %w", m.Kind, m.PoolID, err)
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	_, err := s.api.Publish(callCtx, s.input(m), func(o *sns.Options) {
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
		class = nil // the caller gave up: its error, not one of ours
	case callCtx.Err() == context.DeadlineExceeded:
		class = ErrTimeout
	}
	if class == nil {
		return fmt.Errorf("sns: sending %s SMS for pool %s: %w", m.Kind, m.PoolID, err)
	}
	return fmt.Errorf("sns: sending %s SMS for pool %s: %w: %w", m.Kind, m.PoolID, class, err)
}

// input builds the Publish request for m.
func (s *Sender) input(m mail.Message) *sns.PublishInput {
	attrs := map[string]types.MessageAttributeValue{
		AttrSMSType: str(SMSTypeTransactional),
	}
	if s.cfg.SenderID != "" {
		attrs[AttrSenderID] = str(s.cfg.SenderID)
	}
	if s.cfg.OriginationNumber != "" {
		attrs[AttrOriginationNumber] = str(s.cfg.OriginationNumber)
	}
	return &sns.PublishInput{
		PhoneNumber:       aws.String(m.To),
		Message:           aws.String(m.Body),
		MessageAttributes: attrs,
	}
}

func str(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// classify maps an SNS error to one of the Err* classes, or nil. It goes by error code, not by
// exception type: the SDK's model of Publish lists neither "Throttled" nor "OptedOut", so those
// arrive as generic API errors that only carry the code.
func classify(err error) error {
	if isThrottle(err) {
		return ErrThrottled
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return nil
	}
	switch api.ErrorCode() {
	case "OptedOut":
		return ErrOptedOut
	case "AuthorizationError":
		// Missing sns:Publish permission, or the SMS sandbox refusing an unverified number.
		return ErrNotAuthorized
	case "InvalidParameter", "ParameterValueInvalid", "ValidationException":
		return ErrRejected
	}
	return nil
}

// e164 accepts '+' followed by 2 to 15 digits, the first not 0 (ITU-T E.164; Cognito's
// phone_number format).
func e164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validSenderID(s string) bool {
	if len(s) == 0 || len(s) > 11 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '-':
		default:
			return false
		}
	}
	return letter
}
