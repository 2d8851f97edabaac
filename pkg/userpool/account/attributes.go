package account

import (
	"context"
	"errors"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// attributeChange is the outcome of applying attribute updates: the codes to send.
type attributeChange struct {
	sends []pendingSend
}

type pendingSend struct {
	d    codes.Delivery
	code string
}

// applyAttributes changes a user's attributes with Cognito's rules and returns the codes to send
// and the ops that store them. admin callers may set *_verified directly.
func (s *Accounts) applyAttributes(p *model.Pool, u *model.User, set map[string]string, admin bool) (*attributeChange, []store.Op, error) {
	ch := &attributeChange{}
	var ops []store.Op
	for name, v := range set {
		if strings.HasSuffix(name, "_verified") {
			continue
		}
		def := p.Schema[name]
		if def.Mutable != nil && !*def.Mutable && u.Attrs[name] != "" && u.Attrs[name] != v {
			return nil, nil, msg.ImmutableAttribute(name)
		}
	}
	for name, v := range set {
		if strings.HasSuffix(name, "_verified") {
			continue
		}
		if name != "email" && name != "phone_number" {
			u.Attrs[name] = v
			continue
		}
		if u.Attrs[name] == v && u.Pending[name] == "" {
			continue
		}
		verifiedByAdmin := admin && set[name+"_verified"] == "true"
		if verifiedByAdmin {
			u.Attrs[name] = v
			u.Attrs[name+"_verified"] = "true"
			delete(u.Pending, name)
			continue
		}
		if p.AutoVerified(name) && p.VerifyBeforeUpdate(name) && u.Attrs[name] != "" && u.Attrs[name+"_verified"] == "true" {
			// The old value keeps working (sign-in, recovery) until the new one is verified.
			if u.Pending == nil {
				u.Pending = map[string]string{}
			}
			u.Pending[name] = v
		} else {
			u.Attrs[name] = v
			u.Attrs[name+"_verified"] = "false"
			delete(u.Pending, name)
		}
		if p.AutoVerified(name) {
			code, err := s.codes.SixDigits()
			if err != nil {
				return nil, nil, msg.Internal(err)
			}
			d := codes.DeliveryTo(name, v)
			ops = append(ops, s.codes.Op(p, u, codes.PurposeVerify(name), name, v, code, codes.VerifyTTL))
			ch.sends = append(ch.sends, pendingSend{d: d, code: code})
		}
	}
	if admin {
		for _, name := range []string{"email_verified", "phone_number_verified"} {
			if v, ok := set[name]; ok {
				base := strings.TrimSuffix(name, "_verified")
				if u.Attrs[base] == "" && set[base] == "" {
					return nil, nil, cognito.InvalidParameter("%s cannot be set without %s.", name, base)
				}
				u.Attrs[name] = v
			}
		}
	}
	return ch, ops, nil
}

func (s *Accounts) deliver(ctx context.Context, p *model.Pool, to codes.Recipient, kind mail.Kind, ch *attributeChange) ([]model.CodeDeliveryDetailsType, error) {
	var out []model.CodeDeliveryDetailsType
	for _, snd := range ch.sends {
		if err := s.codes.Send(ctx, p, kind, snd.d, to, snd.code); err != nil {
			return nil, err
		}
		out = append(out, *snd.d.Details())
	}
	return out, nil
}

// UpdateUserAttributes changes the caller's attributes; a changed auto-verified email or phone
// becomes unverified and gets a code (or stays pending, with the old value active, when the pool
// requires verification before update).
func (s *Accounts) UpdateUserAttributes(ctx context.Context, in *api.UpdateUserAttributesInput) (*api.UpdateUserAttributesOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	var c *model.Client
	if cl, _, err := s.dir.Client(ctx, a.Claims.ClientID); err == nil {
		c = cl
	}
	set, err := model.CheckAttributes(a.Pool, in.UserAttributes, false, model.ClientWritable(c))
	if err != nil {
		return nil, err
	}
	var ch *attributeChange
	u, err := s.dir.UpdateUser(ctx, a.Pool, a.User, func(cur *model.User) ([]store.Op, error) {
		var ops []store.Op
		var err error
		ch, ops, err = s.applyAttributes(a.Pool, cur, set, false)
		return ops, err
	})
	if err != nil {
		return nil, err
	}
	list, err := s.deliver(ctx, a.Pool, codes.Recipient{User: u, ClientID: a.Claims.ClientID, ClientMetadata: in.ClientMetadata}, mail.UpdateUserAttribute, ch)
	if err != nil {
		return nil, err
	}
	return &api.UpdateUserAttributesOutput{CodeDeliveryDetailsList: list}, nil
}

// AdminUpdateUserAttributes changes a user's attributes as an administrator.
func (s *Accounts) AdminUpdateUserAttributes(ctx context.Context, in *api.AdminUpdateUserAttributesInput) (*api.AdminUpdateUserAttributesOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	set, err := model.CheckAttributes(p, in.UserAttributes, true, nil)
	if err != nil {
		return nil, err
	}
	var ch *attributeChange
	u, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		var ops []store.Op
		var err error
		ch, ops, err = s.applyAttributes(p, cur, set, true)
		return ops, err
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.deliver(ctx, p, codes.Recipient{User: u, ClientMetadata: in.ClientMetadata}, mail.UpdateUserAttribute, ch); err != nil {
		return nil, err
	}
	return &api.AdminUpdateUserAttributesOutput{}, nil
}

// deleteAttributes deletes attributes of a user; admin callers may delete developer-only ones.
func (s *Accounts) deleteAttributes(ctx context.Context, p *model.Pool, u *model.User, names []string, admin bool) error {
	for _, n := range names {
		def, ok := p.Schema[n]
		if !ok {
			return msg.NotInSchema(n)
		}
		if model.DeveloperOnly(n) && !admin {
			return msg.UnauthorizedAttribute()
		}
		if n == "sub" || (def.Mutable != nil && !*def.Mutable) {
			return msg.ImmutableAttribute(n)
		}
		if def.Required != nil && *def.Required {
			return cognito.InvalidParameter("Attributes did not conform to the schema: %s: The attribute %s is required\n", n, n)
		}
		if p.UsernameAttr(n) {
			return cognito.InvalidParameter("Cannot delete the username attribute %s.", n)
		}
	}
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		for _, n := range names {
			delete(cur.Attrs, n)
			delete(cur.Pending, n)
			if n == "email" || n == "phone_number" {
				delete(cur.Attrs, n+"_verified")
			}
		}
		return nil, nil
	})
	return err
}

// DeleteUserAttributes deletes attributes of the caller.
func (s *Accounts) DeleteUserAttributes(ctx context.Context, in *api.DeleteUserAttributesInput) (*api.DeleteUserAttributesOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.deleteAttributes(ctx, a.Pool, a.User, in.UserAttributeNames, false); err != nil {
		return nil, err
	}
	return &api.DeleteUserAttributesOutput{}, nil
}

// AdminDeleteUserAttributes deletes attributes of a user.
func (s *Accounts) AdminDeleteUserAttributes(ctx context.Context, in *api.AdminDeleteUserAttributesInput) (*api.AdminDeleteUserAttributesOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.deleteAttributes(ctx, p, u, in.UserAttributeNames, true); err != nil {
		return nil, err
	}
	return &api.AdminDeleteUserAttributesOutput{}, nil
}

// GetUserAttributeVerificationCode sends a code to verify the caller's email or phone (the
// pending value when one waits for verification).
func (s *Accounts) GetUserAttributeVerificationCode(ctx context.Context, in *api.GetUserAttributeVerificationCodeInput) (*api.GetUserAttributeVerificationCodeOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p, u, name := a.Pool, a.User, in.AttributeName
	if name != "email" && name != "phone_number" {
		return nil, msg.NotVerifiable()
	}
	v := u.Pending[name]
	if v == "" {
		v = u.Attrs[name]
	}
	if v == "" {
		return nil, cognito.InvalidParameter("User does not have the attribute %s.", name)
	}
	if err := s.limits.CountHourly(ctx, p, u, "GetUserAttributeVerificationCode"); err != nil {
		return nil, err
	}
	code, err := s.codes.SixDigits()
	if err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.Repo.Commit(ctx, s.codes.Op(p, u, codes.PurposeVerify(name), name, v, code, codes.VerifyTTL)); err != nil {
		return nil, msg.Internal(err)
	}
	d := codes.DeliveryTo(name, v)
	if err := s.codes.Send(ctx, p, mail.VerifyUserAttribute, d, codes.Recipient{User: u, ClientID: a.Claims.ClientID, ClientMetadata: in.ClientMetadata}, code); err != nil {
		return nil, err
	}
	return &api.GetUserAttributeVerificationCodeOutput{CodeDeliveryDetails: d.Details()}, nil
}

// VerifyUserAttribute verifies the caller's email or phone with a code: a pending value becomes
// the active one (and its alias moves with it, atomically).
func (s *Accounts) VerifyUserAttribute(ctx context.Context, in *api.VerifyUserAttributeInput) (*api.VerifyUserAttributeOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p, u, name := a.Pool, a.User, in.AttributeName
	if name != "email" && name != "phone_number" {
		return nil, msg.NotVerifiable()
	}
	if err := s.limits.CountHourly(ctx, p, u, "VerifyUserAttribute"); err != nil {
		return nil, err
	}
	rec, consume, err := s.codes.Check(ctx, p, u, codes.PurposeVerify(name), in.Code)
	if err != nil {
		return nil, err
	}
	_, err = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		switch {
		case cur.Pending[name] == rec.Value:
			cur.Attrs[name] = rec.Value
			delete(cur.Pending, name)
		case cur.Attrs[name] != rec.Value:
			// The value changed since the code was sent: the code no longer proves anything (CODE-05).
			return nil, msg.CodeMismatch()
		}
		cur.Attrs[name+"_verified"] = "true"
		return []store.Op{consume}, nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.CodeExpired()
	}
	if err != nil {
		return nil, err
	}
	return &api.VerifyUserAttributeOutput{}, nil
}

// SetUserSettings sets the caller's legacy MFA options (SMS only).
func (s *Accounts) SetUserSettings(ctx context.Context, in *api.SetUserSettingsInput) (*api.SetUserSettingsOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.setMFAOptions(ctx, a.Pool, a.User, in.MFAOptions); err != nil {
		return nil, err
	}
	return &api.SetUserSettingsOutput{}, nil
}

// AdminSetUserSettings sets a user's legacy MFA options.
func (s *Accounts) AdminSetUserSettings(ctx context.Context, in *api.AdminSetUserSettingsInput) (*api.AdminSetUserSettingsOutput, error) {
	p, u, err := s.dir.AdminUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.setMFAOptions(ctx, p, u, in.MFAOptions); err != nil {
		return nil, err
	}
	return &api.AdminSetUserSettingsOutput{}, nil
}

func (s *Accounts) setMFAOptions(ctx context.Context, p *model.Pool, u *model.User, opts []model.MFAOptionType) error {
	for _, o := range opts {
		if o.DeliveryMedium != "" && o.DeliveryMedium != "SMS" || o.AttributeName != "" && o.AttributeName != "phone_number" {
			return cognito.InvalidParameter("Only SMS to phone_number is supported in MFAOptions.")
		}
	}
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.MFAOptions = opts
		// The legacy setting is SMS MFA on or off, as SetUserMFAPreference's SMSMfaSettings:
		// Cognito keeps the two views of it in step.
		if len(opts) > 0 && cur.Attrs["phone_number"] != "" {
			cur.SetMFA(model.MFASMS, true, cur.MFA != nil && cur.MFA.Preferred == model.MFASMS)
		} else if len(opts) == 0 {
			cur.SetMFA(model.MFASMS, false, false)
		}
		return nil, nil
	})
	return err
}
