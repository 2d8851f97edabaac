package userpool

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

const (
	purposeForgot = "forgot"
	forgotCodeTTL = time.Hour
)

type ForgotPasswordInput struct {
	ClientId          string                 `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                 `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                 `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	UserContextData   *UserContextDataType   `json:",omitempty"`
	AnalyticsMetadata *AnalyticsMetadataType `json:",omitempty"`
	ClientMetadata    map[string]string      `json:",omitempty"`
}

type ForgotPasswordOutput struct {
	CodeDeliveryDetails *CodeDeliveryDetailsType `json:",omitempty"`
}

type ConfirmForgotPasswordInput struct {
	ClientId          string                 `cognito:"required,min=1,max=128,pattern=clientId,sensitive"`
	SecretHash        string                 `json:",omitempty" cognito:"min=1,max=128,pattern=secretHash,sensitive"`
	Username          string                 `cognito:"required,min=1,max=128,pattern=username,sensitive"`
	ConfirmationCode  string                 `cognito:"required,min=1,max=2048,pattern=code"`
	Password          string                 `cognito:"required,max=256,pattern=password,sensitive"`
	AnalyticsMetadata *AnalyticsMetadataType `json:",omitempty"`
	UserContextData   *UserContextDataType   `json:",omitempty"`
	ClientMetadata    map[string]string      `json:",omitempty"`
}

type ConfirmForgotPasswordOutput struct{}

// recoveryMechanisms is the pool's AccountRecoverySetting by priority. Without a setting Cognito
// prefers a verified phone, then a verified email.
func RecoveryMechanisms(p *Pool) []RecoveryOptionType {
	mechs := []RecoveryOptionType{{Priority: Ptr(int32(1)), Name: "verified_phone_number"}, {Priority: Ptr(int32(2)), Name: "verified_email"}}
	if p.AccountRecoverySetting != nil && len(p.AccountRecoverySetting.RecoveryMechanisms) > 0 {
		mechs = append([]RecoveryOptionType(nil), p.AccountRecoverySetting.RecoveryMechanisms...)
	}
	sort.SliceStable(mechs, func(i, j int) bool { return *mechs[i].Priority < *mechs[j].Priority })
	return mechs
}

// adminOnlyRecovery: the pool lets only an administrator reset passwords.
func AdminOnlyRecovery(p *Pool) bool { return RecoveryMechanisms(p)[0].Name == "admin_only" }

// recoveryChannels lists the attributes a reset code may go to, in the pool's order.
func RecoveryChannels(p *Pool) []string {
	var out []string
	for _, m := range RecoveryMechanisms(p) {
		switch m.Name {
		case "verified_email":
			out = append(out, "email")
		case "verified_phone_number":
			out = append(out, "phone_number")
		}
	}
	return out
}

// recoveryTarget picks where a reset code goes, by the pool's AccountRecoverySetting (by
// priority; verified channels only).
func recoveryTarget(p *Pool, u *User) (delivery, bool, error) {
	for _, m := range RecoveryMechanisms(p) {
		switch m.Name {
		case "admin_only":
			return delivery{}, false, msg.CannotReset()
		case "verified_email":
			if v := u.Attrs["email"]; v != "" && u.Attrs["email_verified"] == "true" {
				return delivery{attr: "email", value: v, channel: mail.Email}, true, nil
			}
		case "verified_phone_number":
			if v := u.Attrs["phone_number"]; v != "" && u.Attrs["phone_number_verified"] == "true" {
				return delivery{attr: "phone_number", value: v, channel: mail.SMS}, true, nil
			}
		}
	}
	return delivery{}, false, msg.NoRecoveryChannel()
}

// ForgotPassword sends a one-hour reset code to the user's verified recovery channel.
func (s *Service) ForgotPassword(ctx context.Context, in *ForgotPasswordInput) (*ForgotPasswordOutput, error) {
	call, err := s.publicUser(ctx, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	p, u := call.pool, call.user
	if call.hide {
		return s.forgotHidden(ctx, p, u, in.Username)
	}
	if u == nil {
		// UserMigration_ForgotPassword trigger point.
		return nil, msg.UnknownUsernameClient()
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	if u.Status == StatusForceChangePassword {
		return nil, msg.CannotReset()
	}
	d, _, err := recoveryTarget(p, u)
	if err != nil {
		return nil, err
	}
	if err := s.countHourly(ctx, p, u, "ForgotPassword"); err != nil {
		return nil, err
	}
	if err := s.sendResetCode(ctx, p, u, d); err != nil {
		return nil, err
	}
	return &ForgotPasswordOutput{CodeDeliveryDetails: d.details()}, nil
}

// forgotHidden is ForgotPassword with existence errors hidden: whoever is named — a user who
// can reset, one disabled, in FORCE_CHANGE_PASSWORD, without a verified channel or past the
// hourly cap, nobody — the answer is that a code went to an address shaped like the user's
// (sent only to a user who can reset, within the cap, and whether or not the delivery failed).
// Only what the pool decides for everyone (admin-only recovery) is an error.
func (s *Service) forgotHidden(ctx context.Context, p *Pool, u *User, typed string) (*ForgotPasswordOutput, error) {
	if AdminOnlyRecovery(p) {
		return nil, msg.CannotReset()
	}
	out := func(d *CodeDeliveryDetailsType) (*ForgotPasswordOutput, error) {
		return &ForgotPasswordOutput{CodeDeliveryDetails: d}, nil
	}
	if u == nil {
		// UserMigration_ForgotPassword trigger point.
		return out(s.simulatedDelivery(p, typed, purposeForgot))
	}
	d, ok, _ := recoveryTarget(p, u)
	if !ok {
		return out(s.simulatedDelivery(p, typed, purposeForgot))
	}
	if !u.Enabled || u.Status == StatusForceChangePassword {
		return out(d.details())
	}
	if err := s.countHourly(ctx, p, u, "ForgotPassword"); err != nil {
		if errors.Is(err, cognito.ErrLimitExceeded) {
			return out(d.details())
		}
		return nil, err
	}
	if err := s.sendResetCode(ctx, p, u, d); err != nil && !isDeliveryFailure(err) {
		return nil, err
	}
	return out(d.details())
}

// sendResetCode stores a fresh reset code (voiding an older one) and delivers it.
func (s *Service) sendResetCode(ctx context.Context, p *Pool, u *User, d delivery) error {
	code, err := s.sixDigits()
	if err != nil {
		return msg.Internal(err)
	}
	if err := s.repo.Commit(ctx, s.codeOp(p, u, purposeForgot, d.attr, d.value, code, forgotCodeTTL)); err != nil {
		return msg.Internal(err)
	}
	// CustomMessage_ForgotPassword trigger point.
	return s.send(ctx, p, mail.ForgotPassword, d, u.Username, code)
}

// ConfirmForgotPassword sets a new password with the reset code; the user becomes CONFIRMED.
func (s *Service) ConfirmForgotPassword(ctx context.Context, in *ConfirmForgotPasswordInput) (*ConfirmForgotPasswordOutput, error) {
	call, err := s.publicUser(ctx, in.ClientId, in.Username, in.SecretHash)
	if err != nil {
		return nil, err
	}
	p, u := call.pool, call.user
	// With existence errors hidden, the pool's password policy is checked first, for everyone,
	// and every refused code answers as a wrong one (hiddenCodeErr), which is what a user who
	// does not exist or is disabled gets; an unconfirmed user is told so only with a right code.
	hide := call.hide
	if hide {
		if err := CheckPasswordPolicy(p, in.Password); err != nil {
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
	if !hide && u.Status == StatusUnconfirmed {
		return nil, msg.UserNotConfirmed()
	}
	if err := s.countHourly(ctx, p, u, "ConfirmForgotPassword"); err != nil {
		return nil, hiddenCodeErr(hide, err)
	}
	if !hide {
		if err := CheckPasswordPolicy(p, in.Password); err != nil {
			return nil, err
		}
	}
	_, consume, err := s.checkCode(ctx, p, u, purposeForgot, in.ConfirmationCode)
	if err != nil {
		return nil, hiddenCodeErr(hide, err)
	}
	if u.Status == StatusUnconfirmed {
		return nil, msg.UserNotConfirmed()
	}
	pw, err := s.newPassword(ctx, p, u.Username, u.Sub(), in.Password, false)
	if err != nil {
		return nil, msg.Internal(err)
	}
	_, err = s.updateUser(ctx, p, u, func(cur *User) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil // a new password ends any lockout
		cur.Status = StatusConfirmed
		return []store.Op{consume}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.CodeExpired()
	}
	if err != nil {
		return nil, err
	}
	// PostConfirmation_ConfirmForgotPassword trigger point.
	return &ConfirmForgotPasswordOutput{}, nil
}
