package signin

import (
	"context"
	"strings"

	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
)

// Passwordless first factors (cognito-protocol.md §3.7): USER_AUTH's EMAIL_OTP and SMS_OTP. The
// code — eight CSPRNG digits, stored as a keyed hash in the transaction that poses the challenge,
// single use, three minutes, five tries — goes to the user's verified address with the pool's
// authentication template (CustomMessage_Authentication, or the custom sender); the answer is a
// first factor like a password: counted toward lockout before it is judged, then on to the
// status checks, MFA and the device (passwordVerdict). A name that matches nobody, with
// existence hidden, gets the same challenge with nothing sent, and every answer fails.

const challengeSMSOTP = "SMS_OTP"

func init() {
	registerAnswer(challengeSMSOTP, &signInHandler{username: true, session: challengeSMSOTP, read: readCodeAnswer, decide: decideCode})
}

// sessFirstFactor marks an OTP Session as a first factor's (not an MFA code's).
const sessFirstFactor = "first"

// otpChallenge sends a sign-in code for challenge (EMAIL_OTP, SMS_OTP) and poses it.
func (s *SignIn) otpChallenge(ctx context.Context, st *signInStep, typed, challenge string) (*api.AuthOutput, error) {
	attr := "email"
	if challenge == challengeSMSOTP {
		attr = "phone_number"
	}
	p, c, u := st.pool, st.client, st.user
	code, err := s.codes.Digits(codes.OTPDigits)
	if err != nil {
		return nil, msg.Internal(err)
	}
	next := sessions.Session{PoolID: p.Id, ClientID: c.ID, Challenge: challenge, Data: map[string]string{sessFirstFactor: "1"}}
	var ops []store.Op
	var d codes.Delivery
	if u != nil {
		d = codes.DeliveryTo(attr, u.Attrs[attr])
		next.UserKey, next.Sub, next.Username = u.Stored.Key, u.Sub(), u.Username
		ops = append(ops, s.codes.Op(p, u, codes.PurposeOTP, d.Attr, d.Value, code, codes.OTPTTL))
	} else {
		// A simulated step: the typed name masked as an address would be, nothing sent.
		next.Username, next.Data[sessions.KeyTyped] = typed, typed
		d = codes.DeliveryTo(attr, simulatedAddress(attr, typed))
	}
	tok, err := s.sessions.NewToken()
	if err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.commitStep(ctx, st, append(ops, s.sessions.Op(c, tok, next))...); err != nil {
		return nil, err
	}
	if u != nil {
		if err := s.codes.Send(ctx, p, mail.Authentication, d, codes.Recipient{User: u, ClientID: c.ID, ClientMetadata: st.meta}, code); err != nil {
			return nil, err
		}
	}
	details := d.Details()
	return &api.AuthOutput{ChallengeName: challenge, Session: tok, ChallengeParameters: map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": details.DeliveryMedium, "CODE_DELIVERY_DESTINATION": details.Destination,
	}}, nil
}

// simulatedAddress is what an unknown name's code would be sent to, for masking only.
func simulatedAddress(attr, typed string) string {
	if attr == "email" {
		if strings.Contains(typed, "@") {
			return typed
		}
		return typed + "@example.com"
	}
	return "+10000000000"
}

// decideOTP judges a passwordless code as the first factor: the password's pipeline with a code
// for a password, CodeMismatchException for a wrong one.
func decideOTP(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st := c.step()
	st.refusal = msg.OTPMismatch()
	if st.user == nil {
		return nil, st.refusal // a simulated step: no code was ever sent
	}
	code := codeAnswer(c)
	st.attempt = []store.Op{sessions.Unspent(c.consume[0])}
	return &signInDecision{step: st, verdict: func(u *model.User) (bool, error) {
		_, spend, err := s.codes.Check(ctx, st.pool, u, codes.PurposeOTP, code)
		if err != nil {
			return false, nil // wrong, spent, expired or out of tries: one answer
		}
		st.consume = append(st.consume, spend)
		return true, nil
	}}, nil
}
