package mail

import (
	"context"
	"strings"
)

// Channel is how a message travels. The values are Cognito's DeliveryMedium strings, so a
// Channel can go straight into CodeDeliveryDetails.DeliveryMedium.
type Channel string

const (
	Email Channel = "EMAIL"
	SMS   Channel = "SMS"
)

// Valid reports whether c is Email or SMS.
func (c Channel) Valid() bool { return c == Email || c == SMS }

// Kind is why a message is sent. The values are the suffixes of Cognito's CustomMessage trigger
// sources (CustomMessage_SignUp, ...), see TriggerSource.
type Kind string

const (
	SignUp              Kind = "SignUp"              // SignUp: confirmation code
	ResendCode          Kind = "ResendCode"          // ResendConfirmationCode
	ForgotPassword      Kind = "ForgotPassword"      // ForgotPassword, AdminResetUserPassword
	AdminCreateUser     Kind = "AdminCreateUser"     // invitation: username and temporary password
	UpdateUserAttribute Kind = "UpdateUserAttribute" // (Admin)UpdateUserAttributes on email/phone
	VerifyUserAttribute Kind = "VerifyUserAttribute" // GetUserAttributeVerificationCode
	Authentication      Kind = "Authentication"      // SMS/email MFA or sign-in OTP
)

// Kinds lists every Kind, in declaration order.
var Kinds = []Kind{SignUp, ResendCode, ForgotPassword, AdminCreateUser, UpdateUserAttribute, VerifyUserAttribute, Authentication}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// TriggerSource is the CustomMessage trigger source Cognito uses for this kind, e.g.
// "CustomMessage_SignUp".
func (k Kind) TriggerSource() string { return "CustomMessage_" + string(k) }

// ParseKind accepts a Kind name in any letter case ("signup", "SignUp").
func ParseKind(s string) (Kind, bool) {
	for _, v := range Kinds {
		if strings.EqualFold(s, string(v)) {
			return v, true
		}
	}
	return "", false
}

// Message is one rendered message to one destination.
type Message struct {
	Channel Channel
	// To is the full destination: an email address or an E.164 phone number. Never masked here;
	// mask it (MaskEmail, MaskPhone) when it goes into a response.
	To string
	// Subject is empty for SMS.
	Subject string
	// Body is the rendered text. It contains the code: never log it outside local mode.
	Body     string
	Kind     Kind
	PoolID   string
	Username string
	// Code is the plaintext code or temporary password that Body carries, set by the caller for
	// local tooling (the outbox shows it). Optional. Production senders ignore it and never log it.
	Code string
}

// Sender delivers one message. Implementations must be safe for concurrent use, must not retry
// on their own (one Send per code, MAIL-01), and return their errors as is: the caller maps them
// to CodeDeliveryFailureException (or to the ENUM-05 policy).
type Sender interface {
	Send(ctx context.Context, m Message) error
}
