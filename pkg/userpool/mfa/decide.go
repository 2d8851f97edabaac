package mfa

import (
	"slices"

	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// The challenges of the MFA phase besides the factors themselves.
const (
	SelectMFAType = "SELECT_MFA_TYPE"
	MFASetup      = "MFA_SETUP"
)

// Decision is the challenge a sign-in poses after its first factor: Name "" for none; a
// factor's challenge (SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP); SELECT_MFA_TYPE with the factors
// to choose from (MFAS_CAN_CHOOSE); or MFA_SETUP with the factors the user may set up
// (MFAS_CAN_SETUP).
type Decision struct {
	Name    string
	Choices []string
}

// Decide chooses as Cognito does (docs/mfa.md has the table): with MfaConfiguration OFF, nothing;
// otherwise the factors the user has enabled that the pool offers count — the preferred one if
// it is among them, the only one, or SELECT_MFA_TYPE among several. With none: nothing when MFA
// is OPTIONAL; when it is ON, SMS_MFA if the pool offers SMS and the user has a phone number
// (Cognito's standing behaviour for SMS), else MFA_SETUP with the factors the pool lets a user
// set up during sign-in (a software token; email when the pool offers it).
func Decide(p *model.Pool, u *model.User) Decision {
	if p.MfaConfiguration != "ON" && p.MfaConfiguration != "OPTIONAL" {
		return Decision{}
	}
	var usable []string
	for _, f := range []string{model.MFASMS, model.MFATOTP, model.MFAEmail} {
		if p.MFAFactor(f) && u.MFAEnabled(f) && ready(u, f) {
			usable = append(usable, f)
		}
	}
	switch {
	case len(usable) == 1:
		return Decision{Name: usable[0]}
	case len(usable) > 1:
		if pref := u.MFA.Preferred; slices.Contains(usable, pref) {
			return Decision{Name: pref}
		}
		return Decision{Name: SelectMFAType, Choices: usable}
	case p.MfaConfiguration == "OPTIONAL":
		return Decision{}
	case p.MFAFactor(model.MFASMS) && u.Attrs["phone_number"] != "":
		return Decision{Name: model.MFASMS}
	}
	var setup []string
	if p.MFAFactor(model.MFATOTP) {
		setup = append(setup, model.MFATOTP)
	}
	if p.MFAFactor(model.MFAEmail) {
		setup = append(setup, model.MFAEmail)
	}
	return Decision{Name: MFASetup, Choices: setup}
}

// ready tells whether the user still has what factor needs (a setting outlives an attribute
// deleted since).
func ready(u *model.User, factor string) bool {
	switch factor {
	case model.MFATOTP:
		return u.MFA != nil && u.MFA.TOTP != nil
	case model.MFASMS:
		return u.Attrs["phone_number"] != ""
	case model.MFAEmail:
		return u.Attrs["email"] != ""
	}
	return false
}
