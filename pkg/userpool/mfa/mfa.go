// Package mfa owns a user's second factors (cognito-protocol.md §2.7, §3.5): the software token
// (AssociateSoftwareToken, VerifySoftwareToken: a secret sealed at rest, active only once a code
// from it is verified, never shown again — TOTP-02), the codes it accepts at sign-in (RFC 6238,
// ±1 step, each step once per user — TOTP-01), which factors a user has enabled and prefers
// (SetUserMFAPreference), and which challenge a sign-in poses after its first factor, from the
// pool's MfaConfiguration and the user's settings (Decide). The operations that authenticate
// the caller (account) and the sign-in pipeline (signin) use it.
package mfa

import (
	"context"
	"slices"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/totp"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Skew is how many steps before or after now a code may be for (TOTP-01: ±1).
const Skew = 1

// MFA is the room.
type MFA struct {
	*ports.Ports
	dir *directory.Directory
}

// New builds the MFA room.
func New(p *ports.Ports, dir *directory.Directory) *MFA { return &MFA{Ports: p, dir: dir} }

// seedAAD binds a sealed secret to its pool, its user and its purpose (PWD-06's rule for every
// secret at rest): copied onto another user's item, it does not open.
func seedAAD(p *model.Pool, u *model.User) []byte {
	return []byte("totp-seed|" + p.Id + "|" + u.Sub())
}

// Associate makes a fresh secret for the user and returns it as SecretCode (base32, shown this
// once) with the change that keeps it, sealed, as the user's pending software token: a token
// associated before and not verified is replaced; a verified one stays active until the new one
// is verified. The caller commits the change (with the step's Session, in MFA_SETUP).
func (m *MFA) Associate(ctx context.Context, p *model.Pool, u *model.User) (string, func(cur *model.User) error, error) {
	secret, err := totp.NewSecret(m.Rand)
	if err != nil {
		return "", nil, msg.Internal(err)
	}
	sealed, err := m.Sealer.Seal(ctx, secret, seedAAD(p, u))
	if err != nil {
		return "", nil, msg.Internal(err)
	}
	return totp.Encoding.EncodeToString(secret), func(cur *model.User) error {
		if cur.MFA == nil {
			cur.MFA = &model.MFARecord{}
		}
		cur.MFA.PendingTOTP = &model.TOTPRecord{Seed: sealed}
		return nil
	}, nil
}

// Verify checks a code from the pending software token and returns the change that makes it the
// user's token (the step it was for counts as used). A wrong code is
// EnableSoftwareTokenMFAException; without a pending token, SoftwareTokenMFANotFoundException.
func (m *MFA) Verify(ctx context.Context, p *model.Pool, u *model.User, code, friendlyName string) (func(cur *model.User) error, error) {
	if u.MFA == nil || u.MFA.PendingTOTP == nil {
		return nil, msg.SoftwareTokenNotFound()
	}
	pending := u.MFA.PendingTOTP.Seed
	step, ok, err := m.match(ctx, p, u, u.MFA.PendingTOTP, code)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, msg.SoftwareTokenMismatch()
	}
	return func(cur *model.User) error {
		if cur.MFA == nil || cur.MFA.PendingTOTP == nil || !slices.Equal(cur.MFA.PendingTOTP.Seed, pending) {
			return msg.SoftwareTokenNotFound() // associated again meanwhile
		}
		cur.MFA.TOTP = &model.TOTPRecord{Seed: pending, LastStep: step, Name: friendlyName}
		cur.MFA.PendingTOTP = nil
		return nil
	}, nil
}

// Apply commits a change to the user on its own.
func (m *MFA) Apply(ctx context.Context, p *model.Pool, u *model.User, change func(cur *model.User) error) error {
	_, err := m.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) { return nil, change(cur) })
	return err
}

// CheckTOTP judges a SOFTWARE_TOKEN_MFA code at sign-in. A right code for a step after the last
// one accepted returns the change that records its step; it must commit with the sign-in's
// outcome, in the transaction that also checks nobody used the step meanwhile, so a code signs
// in once even when sent twice at the same moment. Anything else is CodeMismatchException.
func (m *MFA) CheckTOTP(ctx context.Context, p *model.Pool, u *model.User, code string) (func(cur *model.User) error, error) {
	if u.MFA == nil || u.MFA.TOTP == nil {
		return nil, msg.SoftwareTokenNotFound()
	}
	step, ok, err := m.match(ctx, p, u, u.MFA.TOTP, code)
	if err != nil {
		return nil, err
	}
	if !ok || step <= u.MFA.TOTP.LastStep {
		return nil, msg.MFACodeMismatch()
	}
	return func(cur *model.User) error {
		if cur.MFA == nil || cur.MFA.TOTP == nil || step <= cur.MFA.TOTP.LastStep {
			return msg.MFACodeMismatch() // spent by a concurrent sign-in
		}
		cur.MFA.TOTP.LastStep = step
		return nil
	}, nil
}

func (m *MFA) match(ctx context.Context, p *model.Pool, u *model.User, t *model.TOTPRecord, code string) (int64, bool, error) {
	secret, err := m.Sealer.Open(ctx, t.Seed, seedAAD(p, u))
	if err != nil {
		return 0, false, msg.Internal(err)
	}
	step, ok := totp.Match(secret, code, m.Now(), Skew)
	return step, ok, nil
}

// Setting is one factor's part of SetUserMFAPreference (nil: unchanged).
type Setting struct {
	Enabled, Preferred bool
}

// Preferences are SetUserMFAPreference's settings, by factor.
type Preferences map[string]*Setting

// SetPreference applies SetUserMFAPreference: each factor given is enabled or disabled and
// preferred or not. At most one may be preferred; a factor may be enabled only when the user
// can use it (a verified software token; a phone number; an email address).
func (m *MFA) SetPreference(ctx context.Context, p *model.Pool, u *model.User, prefs Preferences) error {
	preferred := 0
	for _, s := range prefs {
		if s != nil && s.Preferred {
			preferred++
		}
	}
	if preferred > 1 {
		return cognito.InvalidParameter("Only one MFA method can be preferred.")
	}
	_, err := m.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		for _, factor := range []string{model.MFASMS, model.MFATOTP, model.MFAEmail} {
			s := prefs[factor]
			if s == nil {
				continue
			}
			if s.Enabled {
				if err := usable(p, cur, factor); err != nil {
					return nil, err
				}
			}
			cur.SetMFA(factor, s.Enabled, s.Preferred)
		}
		if s := prefs[model.FactorWebAuthn]; s != nil {
			// WebAuthnMfaSettings (no preference: passkey MFA applies only when a passkey is the
			// first factor). Cognito asks for a passkey and another MFA method, so that a lost
			// passkey does not lock the user out.
			if s.Enabled {
				if cur.WebAuthn == nil || len(cur.WebAuthn.Credentials) == 0 {
					return nil, cognito.InvalidParameter("The user has no passkey to turn passkey MFA on for.")
				}
				if cur.MFA == nil || len(cur.MFA.Enabled) == 0 {
					return nil, cognito.InvalidParameter("Passkey MFA needs another MFA method (SMS, TOTP or email) turned on first.")
				}
			}
			if cur.MFA == nil {
				cur.MFA = &model.MFARecord{}
			}
			cur.MFA.PasskeyMFA = s.Enabled
		}
		return nil, nil
	})
	return err
}

// usable tells whether the user may enable factor.
func usable(p *model.Pool, u *model.User, factor string) error {
	switch factor {
	case model.MFATOTP:
		if u.MFA == nil || u.MFA.TOTP == nil {
			return msg.SoftwareTokenNotFound()
		}
	case model.MFASMS:
		if u.Attrs["phone_number"] == "" {
			return cognito.InvalidParameter("User does not have delivery config set to turn on SMS_MFA")
		}
	case model.MFAEmail:
		if u.Attrs["email"] == "" {
			return cognito.InvalidParameter("User does not have delivery config set to turn on EMAIL_OTP")
		}
	}
	return nil
}

// Settings are GetUser's UserMFASettingList and PreferredMfaSetting.
func Settings(u *model.User) (list []string, preferred string) {
	if u.MFA == nil {
		return nil, ""
	}
	return slices.Clone(u.MFA.Enabled), u.MFA.Preferred
}
