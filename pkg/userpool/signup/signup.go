// Package signup owns sign-up: SignUp (a user UNCONFIRMED, or confirmed at once by a
// pre-sign-up decision later), the confirmation code and its resending, ConfirmSignUp and
// AdminConfirmSignUp, and the Session SignUp hands out for USER_AUTH right after confirmation.
// With existence errors hidden, its answers for users who cannot be confirmed are shaped like
// those for users who can (ENUM-05).
package signup

import (
	"context"
	"errors"
	"slices"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/limits"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/userpool/preamble"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Registrations carries out sign-up and its confirmation.
type Registrations struct {
	*ports.Ports
	dir       *directory.Directory
	codes     *codes.Codes
	limits    *limits.Limits
	sessions  *sessions.Sessions
	passwords *passwords.Passwords
	triggers  *triggers.Triggers
}

// New builds the sign-up room.
func New(p *ports.Ports, dir *directory.Directory, c *codes.Codes, l *limits.Limits, ss *sessions.Sessions, pw *passwords.Passwords, tr *triggers.Triggers) *Registrations {
	return &Registrations{Ports: p, dir: dir, codes: c, limits: l, sessions: ss, passwords: pw, triggers: tr}
}

// SignUp registers a user (UNCONFIRMED) and sends a confirmation code to an auto-verified
// attribute.
func (s *Registrations) SignUp(ctx context.Context, in *api.SignUpInput) (*api.SignUpOutput, error) {
	call, err := preamble.ForNewUser(ctx, s.dir, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	c, p := call.Client, call.Pool
	if p.AdminCreateUserConfig != nil && p.AdminCreateUserConfig.AllowAdminCreateUserOnly {
		return nil, cognito.NotAuthorized("SignUp is not permitted for this user pool")
	}
	// A pool that lets users in without a password (a one-time code, a passkey) lets them sign
	// up without one, as Cognito does; any other requires it.
	if in.Password == nil && !passwordless(p) {
		return nil, cognito.InvalidParameter("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	attrs, err := model.CheckAttributes(p, in.UserAttributes, false, model.ClientWritable(c))
	if err != nil {
		return nil, err
	}
	sub, err := s.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	username, err := model.UsernameFor(p, in.Username, sub, attrs)
	if err != nil {
		return nil, err
	}
	if in.Password != nil {
		if err := model.CheckPasswordPolicy(p, *in.Password); err != nil {
			return nil, err
		}
	}
	if err := model.MissingRequired(p, attrs); err != nil {
		return nil, err
	}
	decided, err := s.triggers.PreSignUp(ctx, p, trigger.PreSignUpSignUp, c.ID, username, attrs, in.ValidationData, in.ClientMetadata)
	if err != nil {
		return nil, err // refused or failed: nothing is written
	}
	var pw *model.PasswordRecord
	if in.Password != nil {
		if pw, err = s.passwords.New(ctx, p, username, sub, *in.Password, false); err != nil {
			return nil, msg.Internal(err)
		}
	}
	now := s.Now()
	status := model.StatusUnconfirmed
	if decided.AutoConfirmUser {
		status = model.StatusConfirmed
	}
	rec := &model.UserRecord{Username: username, Status: status, Enabled: true, Attrs: attrs, Created: now, Modified: now, Password: pw}
	for _, v := range []string{"email", "phone_number"} {
		if attrs[v] != "" {
			attrs[v+"_verified"] = "false"
		}
	}
	if decided.AutoVerifyEmail && attrs["email"] != "" {
		attrs["email_verified"] = "true"
	}
	if decided.AutoVerifyPhone && attrs["phone_number"] != "" {
		attrs["phone_number_verified"] = "true"
	}
	u := &model.User{UserRecord: rec, Stored: &store.User{PoolID: p.Id, Key: model.UserKey(p, username), Sub: sub, Aliases: model.AliasesOf(p, rec)}}
	u.Stored.Index = model.IndexOf(p, u)
	u.Encode()
	out := &api.SignUpOutput{UserSub: sub}
	// The user, its confirmation code and its sign-in Session (USER_AUTH once confirmed,
	// signin/user_auth.go) are one transaction; the code is stored before it is sent (MAIL-01).
	d, hasTarget := codes.VerificationTarget(p, attrs)
	if decided.AutoConfirmUser {
		hasTarget = false // confirmed already: no code goes out
		out.UserConfirmed = true
	}
	var code string
	var extra []store.Op
	if hasTarget {
		if code, err = s.codes.SixDigits(); err != nil {
			return nil, msg.Internal(err)
		}
		extra = append(extra, s.codes.Op(p, u, codes.PurposeSignUp, d.Attr, d.Value, code, codes.SignUpTTL))
	}
	tok, op, err := s.sessions.SignUpOp(p, c, u)
	if err != nil {
		return nil, msg.Internal(err)
	}
	extra = append(extra, op)
	// An address PreSignUp verified moves to the new user if another user signs in with it,
	// and is unverified there, as Cognito documents autoVerifyEmail / autoVerifyPhone.
	if u, err = s.dir.CreateUser(ctx, p, u, decided.AutoVerifyEmail || decided.AutoVerifyPhone, extra...); err != nil {
		return nil, directory.CreateErr(err, p)
	}
	s.dir.CountUser(p.Id, +1)
	out.Session = tok
	if decided.AutoConfirmUser {
		if err := s.triggers.PostConfirmation(ctx, p, trigger.PostConfirmationConfirmSignUp, c.ID, u, in.ClientMetadata); err != nil {
			return nil, err // the user stays signed up and confirmed
		}
	}
	if hasTarget {
		// A failed delivery leaves a complete UNCONFIRMED user whose code can be sent again
		// (ResendConfirmationCode), as Cognito does; nothing is half-written, and the sign-up
		// function needs no right to delete users.
		if err := s.codes.Send(ctx, p, mail.SignUp, d, codes.Recipient{User: u, ClientID: c.ID, ClientMetadata: in.ClientMetadata}, code); err != nil {
			return nil, err
		}
		out.CodeDeliveryDetails = d.Details()
	}
	return out, nil
}

// ConfirmSignUp confirms a user with the emailed or texted code.
func (s *Registrations) ConfirmSignUp(ctx context.Context, in *api.ConfirmSignUpInput) (*api.ConfirmSignUpOutput, error) {
	call, err := preamble.ForUser(ctx, s.dir, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	c, p, u, hide := call.Client, call.Pool, call.User, call.Hide
	if u == nil {
		if hide {
			return nil, msg.CodeMismatch()
		}
		return nil, msg.UnknownUsernameClient()
	}
	if u.Status != model.StatusUnconfirmed {
		if hide {
			return nil, msg.CodeMismatch()
		}
		return nil, msg.CannotConfirm(u.Status)
	}
	if err := s.limits.CountHourly(ctx, p, u, "ConfirmSignUp"); err != nil {
		return nil, codes.HiddenErr(hide, err)
	}
	rec, consume, err := s.codes.Check(ctx, p, u, codes.PurposeSignUp, in.ConfirmationCode)
	if err != nil {
		return nil, codes.HiddenErr(hide, err)
	}
	// The confirmation returns a Session for signing in with USER_AUTH straight away; it
	// retires SignUp's, whose validity the confirmation itself does not depend on.
	session, sessionOp, err := s.sessions.SignUpOp(p, c, u)
	if err != nil {
		return nil, err
	}
	ops := []store.Op{consume, sessionOp}
	if in.Session != "" {
		ops = append(ops, sessions.DropOp(in.Session))
	}
	// An alias (verified email or phone in alias pools) that another user holds answers
	// AliasExistsException here, not at sign-up; ForceAliasCreation moves it instead.
	confirmed, err := s.dir.UpdateUserAliases(ctx, p, u, in.ForceAliasCreation, func(cur *model.User) ([]store.Op, error) {
		if cur.Status != model.StatusUnconfirmed {
			return nil, msg.CannotConfirm(cur.Status)
		}
		cur.Status = model.StatusConfirmed
		if rec.Target != "" && cur.Attrs[rec.Target] == rec.Value {
			cur.Attrs[rec.Target+"_verified"] = "true"
		}
		return ops, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		// The code was consumed by a concurrent confirmation.
		return nil, msg.CodeExpired()
	}
	if err != nil {
		return nil, err
	}
	if err := s.triggers.PostConfirmation(ctx, p, trigger.PostConfirmationConfirmSignUp, c.ID, confirmed, in.ClientMetadata); err != nil {
		return nil, err // the user stays confirmed
	}
	return &api.ConfirmSignUpOutput{Session: session}, nil
}

// ResendConfirmationCode sends a new code (the old one stops working).
func (s *Registrations) ResendConfirmationCode(ctx context.Context, in *api.ResendConfirmationCodeInput) (*api.ResendConfirmationCodeOutput, error) {
	call, err := preamble.ForUser(ctx, s.dir, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	p, u := call.Pool, call.User
	if call.Hide {
		return s.resendHidden(ctx, p, u, in.Username)
	}
	if u == nil {
		return nil, msg.UnknownUsernameClient()
	}
	if u.Status != model.StatusUnconfirmed {
		return nil, cognito.InvalidParameter("User is already confirmed.")
	}
	d, ok := codes.VerificationTarget(p, u.Attrs)
	if !ok {
		return nil, msg.AutoVerifyOff()
	}
	if err := s.limits.CountHourly(ctx, p, u, "ResendConfirmationCode"); err != nil {
		return nil, err
	}
	if err := s.codes.SendSignUpCode(ctx, p, u, mail.ResendCode, d); err != nil {
		return nil, err
	}
	return &api.ResendConfirmationCodeOutput{CodeDeliveryDetails: d.Details()}, nil
}

// resendHidden is ResendConfirmationCode with existence errors hidden: whoever is named — an
// unconfirmed user, a confirmed one, one past the hourly cap, nobody — the answer is that a code
// went to an address shaped like the user's (sent only to an unconfirmed user within the cap,
// and whether or not the delivery failed). Only what the pool decides for everyone is an error.
func (s *Registrations) resendHidden(ctx context.Context, p *model.Pool, u *model.User, typed string) (*api.ResendConfirmationCodeOutput, error) {
	if len(p.AutoVerifiedAttributes) == 0 {
		return nil, msg.AutoVerifyOff()
	}
	out := func(d *model.CodeDeliveryDetailsType) (*api.ResendConfirmationCodeOutput, error) {
		return &api.ResendConfirmationCodeOutput{CodeDeliveryDetails: d}, nil
	}
	if u == nil {
		return out(s.codes.Simulated(p, typed, codes.PurposeSignUp))
	}
	d, ok := codes.VerificationTarget(p, u.Attrs)
	if !ok {
		return out(s.codes.Simulated(p, typed, codes.PurposeSignUp))
	}
	if u.Status != model.StatusUnconfirmed {
		return out(d.Details())
	}
	if err := s.limits.CountHourly(ctx, p, u, "ResendConfirmationCode"); err != nil {
		if errors.Is(err, cognito.ErrLimitExceeded) {
			return out(d.Details())
		}
		return nil, err
	}
	if err := s.codes.SendSignUpCode(ctx, p, u, mail.ResendCode, d); err != nil && !codes.IsDeliveryFailure(err) {
		return nil, err
	}
	return out(d.Details())
}

// AdminConfirmSignUp confirms a user without a code.
func (s *Registrations) AdminConfirmSignUp(ctx context.Context, in *api.AdminConfirmSignUpInput) (*api.AdminConfirmSignUpOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	code := store.ChildKey(p.Id, u.Stored.Key, store.ChildCode, codes.PurposeSignUp)
	confirmed, err := s.dir.UpdateUserAliases(ctx, p, u, false, func(cur *model.User) ([]store.Op, error) {
		if cur.Status != model.StatusUnconfirmed {
			return nil, msg.CannotConfirm(cur.Status)
		}
		cur.Status = model.StatusConfirmed
		return []store.Op{store.DeleteOp(code, store.Cond{})}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.triggers.PostConfirmation(ctx, p, trigger.PostConfirmationConfirmSignUp, "", confirmed, in.ClientMetadata); err != nil {
		return nil, err // the user stays confirmed
	}
	return &api.AdminConfirmSignUpOutput{}, nil
}

// passwordless tells whether the pool allows a first factor other than a password.
func passwordless(p *model.Pool) bool {
	return slices.ContainsFunc(p.AllowedFactors(), func(f string) bool { return f != "PASSWORD" })
}
