package userpool

import (
	"context"
	"errors"
	"sort"
	"time"

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

func noRecoveryChannel() error {
	return cognito.InvalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// recoveryTarget picks where a reset code goes, by the pool's AccountRecoverySetting (by
// priority; verified channels only). Without a setting Cognito prefers a verified phone, then a
// verified email.
func recoveryTarget(p *poolState, u *userState) (delivery, bool, error) {
	mechs := []RecoveryOptionType{{Priority: ptr(int32(1)), Name: "verified_phone_number"}, {Priority: ptr(int32(2)), Name: "verified_email"}}
	if p.AccountRecoverySetting != nil && len(p.AccountRecoverySetting.RecoveryMechanisms) > 0 {
		mechs = append([]RecoveryOptionType(nil), p.AccountRecoverySetting.RecoveryMechanisms...)
	}
	sort.SliceStable(mechs, func(i, j int) bool { return *mechs[i].Priority < *mechs[j].Priority })
	for _, m := range mechs {
		switch m.Name {
		case "admin_only":
			return delivery{}, false, cognito.NotAuthorized("User password cannot be reset in the current state.")
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
	return delivery{}, false, noRecoveryChannel()
}

// ForgotPassword sends a one-hour reset code to the user's verified recovery channel.
func (s *Service) ForgotPassword(ctx context.Context, in *ForgotPasswordInput) (*ForgotPasswordOutput, error) {
	c, p, err := s.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	u, err := s.findUser(ctx, p, in.Username, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	var internalName string
	if u != nil {
		internalName = u.Username
	}
	if err := checkSecretHash(c, in.SecretHash, in.Username, internalName); err != nil {
		return nil, err
	}
	hide := c.preventUserExistenceErrors()
	if u == nil {
		// UserMigration_ForgotPassword trigger point.
		if hide {
			return &ForgotPasswordOutput{CodeDeliveryDetails: s.simulatedDelivery(p, in.Username)}, nil
		}
		return nil, cognito.UserNotFound("Username/client id combination not found.")
	}
	if !u.Enabled {
		if hide {
			return &ForgotPasswordOutput{CodeDeliveryDetails: s.simulatedDelivery(p, in.Username)}, nil
		}
		return nil, cognito.NotAuthorized("User is disabled.")
	}
	if u.Status == statusForceChangePassword {
		return nil, cognito.NotAuthorized("User password cannot be reset in the current state.")
	}
	d, ok, err := recoveryTarget(p, u)
	if !ok {
		if hide && cognito.As(err) != nil && cognito.As(err).Type == "InvalidParameterException" {
			return &ForgotPasswordOutput{CodeDeliveryDetails: s.simulatedDelivery(p, in.Username)}, nil
		}
		return nil, err
	}
	if err := s.countHourly(ctx, p, u, "ForgotPassword"); err != nil {
		return nil, err
	}
	code, err := s.sixDigits()
	if err != nil {
		return nil, internal(err)
	}
	if err := s.table.Write(ctx, s.codeOp(p, u, purposeForgot, d.attr, d.value, code, forgotCodeTTL)); err != nil {
		return nil, internal(err)
	}
	// CustomMessage_ForgotPassword trigger point.
	if err := s.send(ctx, p, mail.ForgotPassword, d, u.Username, code); err != nil {
		return nil, err
	}
	return &ForgotPasswordOutput{CodeDeliveryDetails: d.details()}, nil
}

// ConfirmForgotPassword sets a new password with the reset code; the user becomes CONFIRMED.
func (s *Service) ConfirmForgotPassword(ctx context.Context, in *ConfirmForgotPasswordInput) (*ConfirmForgotPasswordOutput, error) {
	c, p, err := s.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	u, err := s.findUser(ctx, p, in.Username, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	var internalName string
	if u != nil {
		internalName = u.Username
	}
	if err := checkSecretHash(c, in.SecretHash, in.Username, internalName); err != nil {
		return nil, err
	}
	if u == nil {
		if c.preventUserExistenceErrors() {
			return nil, cognito.ExpiredCode("Invalid code provided, please request a code again.")
		}
		return nil, cognito.UserNotFound("Username/client id combination not found.")
	}
	if !u.Enabled {
		return nil, cognito.NotAuthorized("User is disabled.")
	}
	if u.Status == statusUnconfirmed {
		return nil, cognito.UserNotConfirmed("User is not confirmed.")
	}
	if err := s.countHourly(ctx, p, u, "ConfirmForgotPassword"); err != nil {
		return nil, err
	}
	if err := checkPasswordPolicy(p, in.Password); err != nil {
		return nil, err
	}
	_, consume, err := s.checkCode(ctx, p, u, purposeForgot, in.ConfirmationCode)
	if err != nil {
		return nil, err
	}
	pw, err := s.newPassword(ctx, p, u.Username, u.sub(), in.Password, false)
	if err != nil {
		return nil, internal(err)
	}
	_, err = s.updateUser(ctx, p, u, func(cur *userState) ([]store.Op, error) {
		cur.Password = pw
		cur.Lock = nil // a new password ends any lockout
		cur.Status = statusConfirmed
		return []store.Op{consume}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, cognito.ExpiredCode("Invalid code provided, please request a code again.")
	}
	if err != nil {
		return nil, err
	}
	// PostConfirmation_ConfirmForgotPassword trigger point.
	return &ConfirmForgotPasswordOutput{}, nil
}
