package codes

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// Delivery is where a code goes.
type Delivery struct {
	Attr    string // email | phone_number
	Value   string
	Channel mail.Channel
}

// Details is what Cognito reports of a delivery: the masked destination, medium and attribute.
func (d Delivery) Details() *model.CodeDeliveryDetailsType {
	if d.Channel == mail.Email {
		return &model.CodeDeliveryDetailsType{Destination: mail.MaskEmail(d.Value), DeliveryMedium: "EMAIL", AttributeName: d.Attr}
	}
	return &model.CodeDeliveryDetailsType{Destination: mail.MaskPhone(d.Value), DeliveryMedium: "SMS", AttributeName: d.Attr}
}

// DeliveryTo is the channel for a code sent to an email or phone_number attribute.
func DeliveryTo(attr, value string) Delivery {
	if attr == "phone_number" {
		return Delivery{Attr: attr, Value: value, Channel: mail.SMS}
	}
	return Delivery{Attr: attr, Value: value, Channel: mail.Email}
}

// VerificationTarget picks where a sign-up code goes: the auto-verified attributes the user has,
// phone first as Cognito does when both are auto-verified.
func VerificationTarget(p *model.Pool, attrs map[string]string) (Delivery, bool) {
	if p.AutoVerified("phone_number") && attrs["phone_number"] != "" {
		return Delivery{Attr: "phone_number", Value: attrs["phone_number"], Channel: mail.SMS}, true
	}
	if p.AutoVerified("email") && attrs["email"] != "" {
		return Delivery{Attr: "email", Value: attrs["email"], Channel: mail.Email}, true
	}
	return Delivery{}, false
}

// Recipient is whom a message goes to, as the pool's CustomMessage trigger is told.
type Recipient struct {
	User *model.User
	// ClientID is the app client of the call ("" for an administrator's).
	ClientID       string
	ClientMetadata map[string]string
}

// Custom message limits (§7.3): what a CustomMessage function may answer.
const (
	maxCustomBody    = 20000
	maxCustomSubject = 140
	maxCustomSMS     = 140
)

// Send renders and sends a message; failures become CodeDeliveryFailureException. The pool's
// CustomMessage trigger, when it has one, may replace the subject and the text first
// (CustomMessage_<kind>); a text without the code's placeholder, or over Cognito's limits, is
// InvalidLambdaResponseException, and a failing function fails the call: nothing is sent.
// On a channel the pool gives a custom sender, the code goes to that function instead
// (customSend), and neither CustomMessage nor the mail port is used.
func (c *Codes) Send(ctx context.Context, p *model.Pool, kind mail.Kind, d Delivery, to Recipient, code string) error {
	if t := senderTrigger(d.Channel); hasFunction(p, t) {
		return c.customSend(ctx, p, t, kind, to, code)
	}
	templates, custom, err := c.customMessage(ctx, p, kind, to)
	if err != nil {
		return err
	}
	username := to.User.Username
	subject, body, err := mail.Render(kind, d.Channel, templates, username, code)
	if err != nil {
		if custom {
			return cognito.As(msg.InvalidLambdaResponse(err.Error())).WithCause(err)
		}
		return msg.Internal(err)
	}
	err = c.Mail.Send(ctx, mail.Message{Channel: d.Channel, To: d.Value, Subject: subject, Body: body, Kind: kind,
		PoolID: p.Id, Username: username, Code: code})
	if err != nil {
		c.Log.WarnContext(ctx, "message delivery failed", "pool", p.Id, "kind", kind, "err", err)
		return cognito.CodeDeliveryFailure("Unable to deliver the verification message.").WithCause(err)
	}
	return nil
}

// senderTrigger is the custom sender of a channel.
func senderTrigger(ch mail.Channel) trigger.Trigger {
	if ch == mail.SMS {
		return trigger.CustomSMSSender
	}
	return trigger.CustomEmailSender
}

func hasFunction(p *model.Pool, t trigger.Trigger) bool {
	_, ok := triggers.Function(p, t)
	return ok
}

// senderPoolContext is the encryption-context key Cognito binds a custom sender's message to
// its pool with (a key policy can pin it: kms:EncryptionContext:userpool-id).
const senderPoolContext = "userpool-id"

// customSend hands a code to the pool's custom sender t (CustomEmailSender_<kind>,
// CustomSMSSender_<kind>), as Cognito does when one is configured for the channel: the code —
// a temporary password HTML-escaped, as Cognito passes it — encrypted under the pool's
// KMSKeyID as an AWS Encryption SDK message bound to the pool id (ports.SenderKeys), with the
// user's attributes and the call's ClientMetadata, invoked asynchronously (Lambda's Event
// invocation: the call does not wait for the function, and reads nothing back). Cognito sends
// nothing itself, and no CustomMessage runs: the function gets the secret, not a text.
//
// Encryption comes first, so a key service that fails invokes nothing and sends nothing. Its
// failure is what the call answers, in the shape Cognito gives a sender it could not invoke:
// UnexpectedLambdaException "<Trigger> invocation failed due to error <KMS error code>." (with
// no key service wired, NotFoundException, as if the key could not be found).
func (c *Codes) customSend(ctx context.Context, p *model.Pool, t trigger.Trigger, kind mail.Kind, to Recipient, code string) error {
	secret := code
	if kind == mail.AdminCreateUser {
		secret = html.EscapeString(code)
	}
	if c.SenderKeys == nil {
		return trigger.Failure(t, &trigger.InvocationError{Reason: kmsNotFound,
			Cause: errors.New("no KMS client configured for the custom senders' codes")})
	}
	sealed, err := c.SenderKeys.Encrypt(ctx, p.LambdaConfig.KMSKeyID, map[string]string{senderPoolContext: p.Id}, []byte(secret))
	if err != nil {
		c.Log.WarnContext(ctx, "encrypting a custom sender's code failed", "pool", p.Id, "trigger", t, "err", err)
		return trigger.Failure(t, &trigger.InvocationError{Reason: kmsReason(err), Cause: err})
	}
	if c.triggers == nil {
		return trigger.Failure(t, &trigger.InvocationError{Reason: trigger.ReasonNotFound, Cause: errors.New("no triggers room")})
	}
	_, err = c.triggers.Run(ctx, p, triggers.Call{Source: trigger.Source(string(t) + "_" + string(kind)),
		UserName: to.User.Username, ClientID: to.ClientID}, func(ev any) {
		req := &ev.(*trigger.CustomSenderEvent).Request
		req.Type = trigger.CustomEmailSenderRequestV1
		if t == trigger.CustomSMSSender {
			req.Type = trigger.CustomSMSSenderRequestV1
		}
		req.Code = base64.StdEncoding.EncodeToString(sealed)
		req.UserAttributes = triggers.UserAttributes(to.User)
		req.ClientMetadata = to.ClientMetadata
	})
	return err
}

// kmsNotFound is KMS's code for a key it cannot find.
const kmsNotFound = "NotFoundException"

// kmsReason names a key-service failure as the caller may see it: KMS's error code
// (AccessDeniedException, DisabledException, KMSInvalidStateException, ...; the SDK's API
// errors name it, read here without importing the SDK), never an error's text; a call that got
// no answer is KMS's DependencyTimeoutException, anything else its KMSInternalException.
func kmsReason(err error) string {
	var coded interface{ ErrorCode() string }
	switch {
	case errors.As(err, &coded) && coded.ErrorCode() != "":
		return coded.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "DependencyTimeoutException"
	}
	return "KMSInternalException"
}

// SendSignUpCode stores a fresh sign-up code for the user (voiding older ones), living
// SignUpTTL, and delivers it. (It took any purpose and gave every one the sign-up lifetime;
// only sign-up called it. The other purposes write their code in their operation's own
// transaction, with their own TTL.)
func (c *Codes) SendSignUpCode(ctx context.Context, p *model.Pool, u *model.User, kind mail.Kind, d Delivery) error {
	code, err := c.SixDigits()
	if err != nil {
		return msg.Internal(err)
	}
	if err := c.Repo.Commit(ctx, c.Op(p, u, PurposeSignUp, d.Attr, d.Value, code, SignUpTTL)); err != nil {
		return msg.Internal(err)
	}
	return c.Send(ctx, p, kind, d, Recipient{User: u}, code)
}

// customMessage runs the pool's CustomMessage trigger for a message of kind, if it has one, and
// returns the templates to render with; custom says the function changed them.
func (c *Codes) customMessage(ctx context.Context, p *model.Pool, kind mail.Kind, to Recipient) (mail.Templates, bool, error) {
	t := p.Templates()
	if c.triggers == nil {
		return t, false, nil
	}
	ev, err := c.triggers.Run(ctx, p, triggers.Call{Source: trigger.Source("CustomMessage_" + string(kind)),
		UserName: to.User.Username, ClientID: to.ClientID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsCustomMessage).Request
		req.UserAttributes = map[string]interface{}{}
		for k, v := range triggers.UserAttributes(to.User) {
			req.UserAttributes[k] = v
		}
		req.CodeParameter = mail.CodePlaceholder
		if kind == mail.AdminCreateUser {
			req.UsernameParameter = mail.UsernamePlaceholder
		}
		req.ClientMetadata = to.ClientMetadata
	})
	if err != nil || ev == nil {
		return t, false, err
	}
	r := ev.(*events.CognitoEventUserPoolsCustomMessage).Response
	if r.EmailSubject == "" && r.EmailMessage == "" && r.SMSMessage == "" {
		return t, false, nil
	}
	if len([]rune(r.EmailMessage)) > maxCustomBody || len([]rune(r.EmailSubject)) > maxCustomSubject || len([]rune(r.SMSMessage)) > maxCustomSMS {
		return t, false, msg.InvalidLambdaResponse(fmt.Sprintf("a custom message is over Cognito's length limit (email %d, subject %d, SMS %d characters).",
			maxCustomBody, maxCustomSubject, maxCustomSMS))
	}
	return t.WithOverride(kind, r.EmailSubject, r.EmailMessage, r.SMSMessage), true, nil
}

// IsDeliveryFailure: the message could not be delivered (the code is stored and logged as
// undelivered). Where existence is hidden this answers as a delivery does (ENUM-05): a user who
// does not exist cannot have a failing address.
func IsDeliveryFailure(err error) bool { return errors.Is(err, cognito.ErrCodeDeliveryFailure) }

// HiddenErr is the answer to a refused code. With existence errors hidden every refusal
// that a user who does not exist could not get — a code expired, spent, voided by five wrong
// tries or never sent, the hourly cap — answers as a wrong code does, which is what an unknown
// user gets: the state of a real user's codes would otherwise show that the user exists.
func HiddenErr(hide bool, err error) error {
	if hide && (errors.Is(err, cognito.ErrExpiredCode) || errors.Is(err, cognito.ErrLimitExceeded)) {
		return msg.CodeMismatch()
	}
	return err
}

// Simulated answers for a user who gets no code when existence errors are hidden: a
// masked destination shaped like a real user's, on a channel the pool would use for this
// purpose (a sign-up code or a password reset), derived from the server key and the folded
// typed name so that repeats, and every spelling that would find the same user, agree. A typed
// email or phone number is masked itself, as a real user's would be.
func (c *Codes) Simulated(p *model.Pool, typed, purpose string) *model.CodeDeliveryDetailsType {
	// The channels a code may go to, in the order the pool picks them, narrowed to those the
	// pool verifies at sign-up, where nearly every user's verified address comes from.
	channels := []string{"phone_number", "email"}
	if purpose != PurposeSignUp {
		channels = model.RecoveryChannels(p)
	}
	if verified := slices.DeleteFunc(slices.Clone(channels), func(a string) bool { return !p.AutoVerified(a) }); len(verified) > 0 {
		channels = verified
	}
	if len(channels) == 0 {
		channels = []string{"email"}
	}
	switch {
	case model.EmailRe.MatchString(typed) && slices.Contains(channels, "email"):
		return DeliveryTo("email", model.NormalizeEmail(typed)).Details()
	case model.PhoneRe.MatchString(typed) && slices.Contains(channels, "phone_number"):
		return DeliveryTo("phone_number", typed).Details()
	}
	h := c.MAC("simulated-delivery", p.Id, model.LookupKey(p, typed))
	if channels[0] == "phone_number" {
		digits := []byte("+1")
		for _, b := range h[2:12] {
			digits = append(digits, '0'+b%10)
		}
		return DeliveryTo("phone_number", string(digits)).Details()
	}
	return DeliveryTo("email", string(rune('a'+h[0]%26))+"@"+string(rune('a'+h[1]%26))+".com").Details()
}
