package signin

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
)

// The MFA phase (cognito-protocol.md §3.5): after the first factor — a password, SRP, a custom
// sign-in, a new password — mfa.Decide chooses a second factor's challenge from the pool's
// MfaConfiguration and the user's settings, and the answer to it goes on to the device and
// tokens. A remembered device skips the phase (mfaAndDevice). Every wrong code counts toward the
// user's lockout like a wrong password (AUTH-04), so a sixth try after five wrong ones is refused
// even with the right code (CODE-04); a software-token code signs in once (TOTP-01).
//
// MFA_SETUP (MFA ON, nothing set up): AssociateSoftwareToken and VerifySoftwareToken take the
// step's Session, each answering with the next one, and the answer to MFA_SETUP with the last
// finishes the sign-in.
func init() {
	registerAnswer(model.MFATOTP, &signInHandler{username: true, session: model.MFATOTP, read: readTOTPAnswer, decide: decideTOTP})
	registerAnswer(model.MFASMS, &signInHandler{username: true, session: model.MFASMS, read: readCodeAnswer, decide: decideCode})
	registerAnswer(model.MFAEmail, &signInHandler{username: true, session: model.MFAEmail, read: readCodeAnswer, decide: decideCode})
	registerAnswer(mfa.SelectMFAType, &signInHandler{username: true, session: mfa.SelectMFAType, read: readSelectAnswer, decide: decideSelect})
	registerAnswer(mfa.MFASetup, &signInHandler{username: true, session: mfa.MFASetup, decide: decideSetup})
}

// Keys of an MFA step's Session Data.
const (
	sessTokenSource = "ts"    // the pre-token-generation source of the tokens to come
	sessSetupStage  = "stage" // MFA_SETUP: "", associated, verified
	sessSetupEmail  = "email" // MFA_SETUP by email: the address the code went to
	stageAssociated = "associated"
	stageVerified   = "verified"
)

// mfaPhase poses the challenge mfa.Decide chooses, or returns nil to go on to the device.
func (s *SignIn) mfaPhase(ctx context.Context, st *signInStep) (*api.AuthOutput, error) {
	d := mfa.Decide(st.pool, st.user)
	switch d.Name {
	case "":
		return nil, nil
	case model.MFATOTP:
		return s.mfaChallenge(ctx, st, d.Name, map[string]string{}, nil)
	case model.MFASMS, model.MFAEmail:
		return s.codeChallenge(ctx, st, d.Name)
	case mfa.SelectMFAType:
		choices, _ := json.Marshal(d.Choices)
		return s.mfaChallenge(ctx, st, d.Name, map[string]string{"MFAS_CAN_CHOOSE": string(choices)}, nil)
	case mfa.MFASetup:
		if len(d.Choices) == 0 {
			// MFA is required and the pool offers nothing this user can set up while signing in.
			return nil, cognito.InvalidUserPoolConfiguration("MFA is required, and no MFA type can be set up for this user.")
		}
		setup, _ := json.Marshal(d.Choices)
		return s.mfaChallenge(ctx, st, d.Name, map[string]string{"MFAS_CAN_SETUP": string(setup)}, nil)
	default:
		return nil, msg.NotImplementedYet(d.Name)
	}
}

// codeChallenge sends a fresh code for SMS_MFA or EMAIL_OTP — stored (hashed, single use, five
// tries) in the transaction that spends the step's Session and stores the next one, then sent
// (the pool's authentication template, CustomMessage_Authentication) — and poses the challenge
// with the masked destination.
func (s *SignIn) codeChallenge(ctx context.Context, st *signInStep, challenge string) (*api.AuthOutput, error) {
	attr := "phone_number"
	if challenge == model.MFAEmail {
		attr = "email"
	}
	return s.sendCodeChallenge(ctx, st, challenge, codes.DeliveryTo(attr, st.user.Attrs[attr]), nil)
}

// sendCodeChallenge is codeChallenge to the delivery d, with data kept in the next Session.
func (s *SignIn) sendCodeChallenge(ctx context.Context, st *signInStep, challenge string, d codes.Delivery, data map[string]string) (*api.AuthOutput, error) {
	u := st.user
	code, err := s.codes.SixDigits()
	if err != nil {
		return nil, msg.Internal(err)
	}
	details := d.Details()
	out, err := s.mfaChallenge(ctx, st, challenge, map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": details.DeliveryMedium, "CODE_DELIVERY_DESTINATION": details.Destination,
	}, data, s.codes.Op(st.pool, u, codes.PurposeMFA, d.Attr, d.Value, code, codes.MFATTL))
	if err != nil {
		return nil, err
	}
	if err := s.codes.Send(ctx, st.pool, mail.Authentication, d, codes.Recipient{User: u, ClientID: st.client.ID, ClientMetadata: st.meta}, code); err != nil {
		return nil, err
	}
	return out, nil
}

func readCodeAnswer(c *signInCall) error {
	if codeAnswer(c) == "" {
		return msg.MissingParam(codeKey(c.name))
	}
	return nil
}

// codeKey is the ChallengeResponses key of an SMS or email code.
func codeKey(challenge string) string {
	switch challenge {
	case model.MFASMS:
		return "SMS_MFA_CODE"
	case challengeSMSOTP:
		return "SMS_OTP_CODE"
	}
	return "EMAIL_OTP_CODE"
}

// codeAnswer is the code answered; Cognito's documentation also spells the email one
// EMAIL_MFA_CODE.
func codeAnswer(c *signInCall) string {
	if v := c.params[codeKey(c.name)]; v != "" {
		return v
	}
	if c.name == model.MFAEmail {
		return c.params["EMAIL_MFA_CODE"]
	}
	return ""
}

// decideCode judges an SMS_MFA or EMAIL_OTP code: counted toward the user's lockout before it
// is judged, then checked (five tries, single use, three minutes); a right one is spent with the
// sign-in's commit, which also clears the count.
func decideCode(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	if c.sess.Data[sessFirstFactor] != "" {
		return decideOTP(ctx, s, c)
	}
	st, err := s.countMFAAttempt(ctx, c)
	if err != nil {
		return nil, err
	}
	u := st.user
	_, spend, err := s.codes.Check(ctx, st.pool, u, codes.PurposeMFA, codeAnswer(c))
	if err != nil {
		return nil, msg.OTPMismatch() // wrong, spent, expired or out of tries: one answer
	}
	st.consume = append(st.consume, spend)
	setupEmail := c.sess.Data[sessSetupEmail]
	st.change = func(cur *model.User) ([]store.Op, error) {
		cur.Lock = nil
		if setupEmail != "" { // MFA_SETUP by email: the address is proven and is the factor now
			cur.Attrs["email"], cur.Attrs["email_verified"] = setupEmail, "true"
			cur.SetMFA(model.MFAEmail, true, true)
		}
		return nil, nil
	}
	return &signInDecision{step: st, secondFactor: true}, nil
}

// mfaChallenge commits the step (its Session spent, the user's changes, ops such as a code to
// send) with a new Session for challenge and answers it.
func (s *SignIn) mfaChallenge(ctx context.Context, st *signInStep, challenge string, params map[string]string, data map[string]string, ops ...store.Op) (*api.AuthOutput, error) {
	p, c, u := st.pool, st.client, st.user
	if data == nil {
		data = map[string]string{}
	}
	if st.tokenSource != "" {
		data[sessTokenSource] = string(st.tokenSource)
	}
	tok, err := s.sessions.NewToken()
	if err != nil {
		return nil, msg.Internal(err)
	}
	next := sessions.Session{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), Username: u.Username, Challenge: challenge, Data: data}
	if err := s.commitStep(ctx, st, append(ops, s.sessions.Op(c, tok, next))...); err != nil {
		return nil, err
	}
	return &api.AuthOutput{ChallengeName: challenge, Session: tok, ChallengeParameters: params}, nil
}

// countMFAAttempt is the step an MFA code answers, its attempt counted toward the user's lockout
// before the code is judged (AUTH-04), as a password's is: a locked user is refused unjudged, and
// a Session already spent is refused uncounted.
func (s *SignIn) countMFAAttempt(ctx context.Context, c *signInCall) (*signInStep, error) {
	st := mfaStep(c)
	if !st.user.Enabled {
		return nil, msg.UserDisabled()
	}
	u, err := s.limits.ReserveAttempt(ctx, st.pool, st.user, sessions.Unspent(c.consume[0]))
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.InvalidSession()
	}
	if err != nil {
		return nil, err
	}
	st.user = u
	return st, nil
}

// mfaStep is the step an MFA answer continues: the Session's user and token source.
func mfaStep(c *signInCall) *signInStep {
	st := c.step()
	st.tokenSource = trigger.Source(c.sess.Data[sessTokenSource])
	return st
}

func readTOTPAnswer(c *signInCall) error {
	if c.params["SOFTWARE_TOKEN_MFA_CODE"] == "" {
		return msg.MissingParam("SOFTWARE_TOKEN_MFA_CODE")
	}
	return nil
}

// decideTOTP judges a SOFTWARE_TOKEN_MFA code: counted toward lockout before it is judged (as a
// password is), then checked against the user's token; a right one clears the count and goes on
// to the device and tokens, recording its step in the same commit.
func decideTOTP(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st, err := s.countMFAAttempt(ctx, c)
	if err != nil {
		return nil, err
	}
	u := st.user
	code := c.params["SOFTWARE_TOKEN_MFA_CODE"]
	var record func(cur *model.User) error
	if mfa.IsRecoveryCode(code) {
		record, err = s.mfa.CheckRecovery(st.pool, u, code) // ours, opt-in (mfa/recovery.go)
	} else {
		record, err = s.mfa.CheckTOTP(ctx, st.pool, u, code)
	}
	if err != nil {
		return nil, err // the attempt stays counted
	}
	st.change = func(cur *model.User) ([]store.Op, error) {
		cur.Lock = nil
		return nil, record(cur)
	}
	return &signInDecision{step: st, secondFactor: true}, nil
}

func readSelectAnswer(c *signInCall) error {
	if c.params["ANSWER"] == "" {
		return msg.MissingParam("ANSWER")
	}
	return nil
}

// decideSelect poses the factor the user chose from MFAS_CAN_CHOOSE.
func decideSelect(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st := mfaStep(c)
	choice := c.params["ANSWER"]
	if choice == "EMAIL_MFA" {
		choice = model.MFAEmail // Cognito's documentation spells it so; the enum does not
	}
	d := mfa.Decide(st.pool, st.user)
	if d.Name != mfa.SelectMFAType || !slices.Contains(d.Choices, choice) {
		return nil, msg.InvalidChallengeAnswer(choice)
	}
	var out *api.AuthOutput
	var err error
	if choice == model.MFATOTP {
		out, err = s.mfaChallenge(ctx, st, choice, map[string]string{}, nil)
	} else {
		out, err = s.codeChallenge(ctx, st, choice)
	}
	if err != nil {
		return nil, err
	}
	return &signInDecision{out: out}, nil
}

// decideSetup finishes MFA_SETUP once VerifySoftwareToken has verified the new token with this
// Session: the second factor is proven by that code.
func decideSetup(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st := mfaStep(c)
	if email := c.params["EMAIL"]; email != "" && c.sess.Data[sessSetupStage] == "" {
		// Email set-up: a code to the address given; the EMAIL_OTP answer makes it the user's
		// verified email and their MFA factor (decideCode).
		if !st.pool.MFAFactor(model.MFAEmail) {
			return nil, cognito.InvalidParameter("Email MFA is not enabled for this user pool.")
		}
		if !model.EmailRe.MatchString(email) {
			return nil, msg.InvalidEmail()
		}
		out, err := s.sendCodeChallenge(ctx, st, model.MFAEmail, codes.DeliveryTo("email", email), map[string]string{sessSetupEmail: email})
		if err != nil {
			return nil, err
		}
		return &signInDecision{out: out}, nil
	}
	if c.sess.Data[sessSetupStage] != stageVerified {
		return nil, msg.InvalidSession()
	}
	return &signInDecision{step: st, secondFactor: true}, nil
}

// AssociateSoftwareToken with a Session: MFA_SETUP's first step. The secret becomes the user's
// pending token in the transaction that spends the Session and stores the next one (MFA_SETUP,
// stage associated), so a Session sent twice cannot replace the secret the first answer showed.
func (s *SignIn) AssociateSoftwareToken(ctx context.Context, in *api.AssociateSoftwareTokenInput) (*api.AssociateSoftwareTokenOutput, error) {
	st, err := s.setupStep(ctx, in.Session, "")
	if err != nil {
		return nil, err
	}
	secret, keep, err := s.mfa.Associate(ctx, st.pool, st.user)
	if err != nil {
		return nil, err
	}
	st.change = func(cur *model.User) ([]store.Op, error) { return nil, keep(cur) }
	tok, err := s.nextSetup(ctx, st, stageAssociated)
	if err != nil {
		return nil, err
	}
	return &api.AssociateSoftwareTokenOutput{SecretCode: secret, Session: tok}, nil
}

// VerifySoftwareToken with a Session: MFA_SETUP's second step. A right code makes the token the
// user's and enables and prefers it (the user set it up to sign in with it), in the transaction
// that spends the Session; the answer's Session finishes the sign-in through
// RespondToAuthChallenge MFA_SETUP.
func (s *SignIn) VerifySoftwareToken(ctx context.Context, in *api.VerifySoftwareTokenInput) (*api.VerifySoftwareTokenOutput, error) {
	st, err := s.setupStep(ctx, in.Session, stageAssociated)
	if err != nil {
		return nil, err
	}
	activate, err := s.mfa.Verify(ctx, st.pool, st.user, in.UserCode, in.FriendlyDeviceName)
	if err != nil {
		return nil, err
	}
	var recovery []string
	var keep func(cur *model.User)
	if mfa.RecoveryCodes(st.pool) {
		if recovery, keep, err = s.mfa.NewRecoveryCodes(st.pool, st.user); err != nil {
			return nil, err
		}
	}
	st.change = func(cur *model.User) ([]store.Op, error) {
		if err := activate(cur); err != nil {
			return nil, err
		}
		cur.SetMFA(model.MFATOTP, true, true)
		if keep != nil {
			keep(cur)
		}
		return nil, nil
	}
	tok, err := s.nextSetup(ctx, st, stageVerified)
	if err != nil {
		return nil, err
	}
	return &api.VerifySoftwareTokenOutput{Status: "SUCCESS", Session: tok, RecoveryCodes: recovery}, nil
}

// setupStep opens an MFA_SETUP Session at stage for the software-token calls, which name no
// client: the Session says whose it is.
func (s *SignIn) setupStep(ctx context.Context, token, stage string) (*signInStep, error) {
	sess, consume, err := s.sessions.Find(ctx, token, mfa.MFASetup)
	if err != nil {
		return nil, err
	}
	if sess.Data[sessSetupStage] != stage {
		return nil, msg.InvalidSession()
	}
	c, p, err := s.dir.Client(ctx, sess.ClientID)
	if err != nil || p.Id != sess.PoolID {
		return nil, msg.InvalidSession()
	}
	u, err := s.sessions.User(ctx, p, sess, sess.Username)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, msg.InvalidSession()
	}
	st := &signInStep{pool: p, client: c, user: u, typed: sess.Username, consume: []store.Op{consume},
		tokenSource: trigger.Source(sess.Data[sessTokenSource])}
	return st, nil
}

// nextSetup replaces the step's MFA_SETUP Session by one at stage.
func (s *SignIn) nextSetup(ctx context.Context, st *signInStep, stage string) (string, error) {
	out, err := s.mfaChallenge(ctx, st, mfa.MFASetup, nil, map[string]string{sessSetupStage: stage})
	if err != nil {
		return "", err
	}
	return out.Session, nil
}
