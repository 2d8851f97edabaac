// Package recovery owns getting back into an account: ForgotPassword (a reset code to the
// channel the pool's AccountRecoverySetting picks), ConfirmForgotPassword (the code and a new
// password that meets the policy) and AdminResetUserPassword (RESET_REQUIRED, with a code when
// the user has somewhere to receive one).
package recovery

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/limits"
	"github.com/cognatehq/cognate/pkg/userpool/migration"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/preamble"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Resets carries out password recovery and administrator resets.
type Resets struct {
	*ports.Ports
	dir       *directory.Directory
	codes     *codes.Codes
	limits    *limits.Limits
	passwords *passwords.Passwords
	triggers  *triggers.Triggers
	// migrations moves an unknown name in through the pool's UserMigration function.
	migrations *migration.Migrations
}

// New builds the recovery room.
func New(p *ports.Ports, dir *directory.Directory, c *codes.Codes, l *limits.Limits, pw *passwords.Passwords, tr *triggers.Triggers, mg *migration.Migrations) *Resets {
	return &Resets{Ports: p, dir: dir, codes: c, limits: l, passwords: pw, triggers: tr, migrations: mg}
}

// recoveryTarget picks where a reset code goes, by the pool's AccountRecoverySetting (by
// priority; verified channels only).
func recoveryTarget(p *model.Pool, u *model.User) (codes.Delivery, bool, error) {
	for _, m := range model.RecoveryMechanisms(p) {
		switch m.Name {
		case "admin_only":
			return codes.Delivery{}, false, msg.CannotReset()
		case "verified_email":
			if v := u.Attrs["email"]; v != "" && u.Attrs["email_verified"] == "true" {
				return codes.Delivery{Attr: "email", Value: v, Channel: mail.Email}, true, nil
			}
		case "verified_phone_number":
			if v := u.Attrs["phone_number"]; v != "" && u.Attrs["phone_number_verified"] == "true" {
				return codes.Delivery{Attr: "phone_number", Value: v, Channel: mail.SMS}, true, nil
			}
		}
	}
	return codes.Delivery{}, false, msg.NoRecoveryChannel()
}

// ForgotPassword sends a one-hour reset code to the user's verified recovery channel.
func (s *Resets) ForgotPassword(ctx context.Context, in *api.ForgotPasswordInput) (*api.ForgotPasswordOutput, error) {
	call, err := preamble.ForUser(ctx, s.dir, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	p, u := call.Pool, call.User
	if u == nil && migration.Configured(p) {
		// UserMigration_ForgotPassword: the legacy directory may know the name; the user it
		// returns has no password until the reset sets one.
		migrated, err := s.migrations.Migrate(ctx, p, call.Client, trigger.UserMigrationForgotPassword, in.Username, "", nil, in.ClientMetadata)
		switch {
		case err == nil:
			u = migrated
		case call.Hide && errors.Is(err, msg.Incorrect()):
			// Unknown there too: answered below as any unknown name is.
		default:
			return nil, err
		}
	}
	if call.Hide {
		return s.forgotHidden(ctx, p, u, in.Username, call.Client.ID, in.ClientMetadata)
	}
	if u == nil {
		return nil, msg.UnknownUsernameClient()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	if u.Status == model.StatusForceChangePassword {
		return nil, msg.CannotReset()
	}
	d, _, err := recoveryTarget(p, u)
	if err != nil {
		return nil, err
	}
	if err := s.limits.CountHourly(ctx, p, u, "ForgotPassword"); err != nil {
		return nil, err
	}
	if err := s.sendResetCode(ctx, p, codes.Recipient{User: u, ClientID: call.Client.ID, ClientMetadata: in.ClientMetadata}, d); err != nil {
		return nil, err
	}
	return &api.ForgotPasswordOutput{CodeDeliveryDetails: d.Details()}, nil
}

// forgotHidden is ForgotPassword with existence errors hidden: whoever is named — a user who
// can reset, one disabled, in FORCE_CHANGE_PASSWORD, without a verified channel or past the
// hourly cap, nobody — the answer is that a code went to an address shaped like the user's
// (sent only to a user who can reset, within the cap, and whether or not the delivery failed).
// Only what the pool decides for everyone (admin-only recovery) is an error.
func (s *Resets) forgotHidden(ctx context.Context, p *model.Pool, u *model.User, typed, clientID string, clientMetadata map[string]string) (*api.ForgotPasswordOutput, error) {
	if model.AdminOnlyRecovery(p) {
		return nil, msg.CannotReset()
	}
	out := func(d *model.CodeDeliveryDetailsType) (*api.ForgotPasswordOutput, error) {
		return &api.ForgotPasswordOutput{CodeDeliveryDetails: d}, nil
	}
	if u == nil {
		// UserMigration_ForgotPassword trigger point.
		return out(s.codes.Simulated(p, typed, codes.PurposeForgot))
	}
	d, ok, _ := recoveryTarget(p, u)
	if !ok {
		return out(s.codes.Simulated(p, typed, codes.PurposeForgot))
	}
	if !u.Enabled || u.Status == model.StatusForceChangePassword {
		return out(d.Details())
	}
	if err := s.limits.CountHourly(ctx, p, u, "ForgotPassword"); err != nil {
		if errors.Is(err, cognito.ErrLimitExceeded) {
			return out(d.Details())
		}
		return nil, err
	}
	if err := s.sendResetCode(ctx, p, codes.Recipient{User: u, ClientID: clientID, ClientMetadata: clientMetadata}, d); err != nil && !codes.IsDeliveryFailure(err) {
		return nil, err
	}
	return out(d.Details())
}

// sendResetCode stores a fresh reset code (voiding an older one) and delivers it.
func (s *Resets) sendResetCode(ctx context.Context, p *model.Pool, to codes.Recipient, d codes.Delivery) error {
	u := to.User
	code, err := s.codes.SixDigits()
	if err != nil {
		return msg.Internal(err)
	}
	if err := s.Repo.Commit(ctx, s.codes.Op(p, u, codes.PurposeForgot, d.Attr, d.Value, code, codes.ForgotTTL)); err != nil {
		return msg.Internal(err)
	}
	// CustomMessage_ForgotPassword trigger point.
	return s.codes.Send(ctx, p, mail.ForgotPassword, d, to, code)
}

// ConfirmForgotPassword sets a new password with the reset code; the user becomes CONFIRMED.
func (s *Resets) ConfirmForgotPassword(ctx context.Context, in *api.ConfirmForgotPasswordInput) (*api.ConfirmForgotPasswordOutput, error) {
	call, err := preamble.ForUser(ctx, s.dir, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	p, u := call.Pool, call.User
	// With existence errors hidden, the pool's password policy is checked first, for everyone,
	// and every refused code answers as a wrong one (hiddenCodeErr), which is what a user who
	// does not exist or is disabled gets; an unconfirmed user is told so only with a right code.
	hide := call.Hide
	if hide {
		if err := model.CheckPasswordPolicy(p, in.Password); err != nil {
			return nil, err
		}
		if u == nil || !u.Enabled {
			return nil, msg.CodeMismatch()
		}
	}
	if u == nil {
		return nil, msg.UnknownUsernameClient()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	if !hide && u.Status == model.StatusUnconfirmed {
		return nil, msg.UserNotConfirmed()
	}
	if err := s.limits.CountHourly(ctx, p, u, "ConfirmForgotPassword"); err != nil {
		return nil, codes.HiddenErr(hide, err)
	}
	if !hide {
		if err := model.CheckPasswordPolicy(p, in.Password); err != nil {
			return nil, err
		}
	}
	_, consume, err := s.codes.Check(ctx, p, u, codes.PurposeForgot, in.ConfirmationCode)
	if err != nil {
		return nil, codes.HiddenErr(hide, err)
	}
	if u.Status == model.StatusUnconfirmed {
		return nil, msg.UserNotConfirmed()
	}
	pw, err := s.passwords.New(ctx, p, u.Username, u.Sub(), in.Password, false)
	if err != nil {
		return nil, msg.Internal(err)
	}
	reset, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil // a new password ends any lockout
		cur.Status = model.StatusConfirmed
		return []store.Op{consume}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.CodeExpired()
	}
	if err != nil {
		return nil, err
	}
	if err := s.triggers.PostConfirmation(ctx, p, trigger.PostConfirmationConfirmForgotPassword, call.Client.ID, reset, in.ClientMetadata); err != nil {
		return nil, err // the new password stands
	}
	return &api.ConfirmForgotPasswordOutput{}, nil
}

// AdminResetUserPassword puts a user in RESET_REQUIRED (sign-in then answers
// PasswordResetRequiredException) and sends a reset code to a verified channel when there is one.
func (s *Resets) AdminResetUserPassword(ctx context.Context, in *api.AdminResetUserPasswordInput) (*api.AdminResetUserPasswordOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	d, hasChannel, err := recoveryTarget(p, u)
	if err != nil {
		hasChannel = false // admin resets work without a channel: the admin tells the user
	}
	var code string
	var ops []store.Op
	if hasChannel {
		if code, err = s.codes.SixDigits(); err != nil {
			return nil, msg.Internal(err)
		}
		ops = append(ops, s.codes.Op(p, u, codes.PurposeForgot, d.Attr, d.Value, code, codes.ForgotTTL))
	}
	u, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Status = model.StatusResetRequired
		return ops, nil
	})
	if err != nil {
		return nil, err
	}
	if hasChannel {
		if err := s.codes.Send(ctx, p, mail.ForgotPassword, d, codes.Recipient{User: u, ClientMetadata: in.ClientMetadata}, code); err != nil {
			return nil, err
		}
	}
	return &api.AdminResetUserPasswordOutput{}, nil
}
