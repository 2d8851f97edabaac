package mfa

import (
	"slices"
	"testing"

	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// Every cell of docs/mfa.md's table: the pool's MfaConfiguration and factors × the user's
// enabled and preferred factors and what they have.
func TestDecide(t *testing.T) {
	allFactors := &model.PoolMFA{SMS: true, TOTP: true, Email: &model.EmailMfaConfigType{}}
	pool := func(mode string, m *model.PoolMFA) *model.Pool {
		p := &model.Pool{}
		p.MfaConfiguration, p.MFASettings = mode, m
		return p
	}
	user := func(phone, email bool, token bool, preferred string, enabled ...string) *model.User {
		u := &model.User{UserRecord: &model.UserRecord{Attrs: map[string]string{}}}
		if phone {
			u.Attrs["phone_number"] = "+12065550100"
		}
		if email {
			u.Attrs["email"] = "u@example.com"
		}
		if len(enabled) > 0 || token {
			u.MFA = &model.MFARecord{Enabled: enabled, Preferred: preferred}
		}
		if token {
			u.MFA.TOTP = &model.TOTPRecord{Seed: []byte("sealed")}
		}
		return u
	}
	for _, tc := range []struct {
		name    string
		p       *model.Pool
		u       *model.User
		want    string
		choices []string
	}{
		{"OFF: never", pool("OFF", allFactors), user(true, true, true, model.MFATOTP, model.MFATOTP), "", nil},
		{"no MfaConfiguration: never", pool("", allFactors), user(true, true, true, "", model.MFATOTP), "", nil},
		{"OPTIONAL, one factor", pool("OPTIONAL", allFactors), user(false, false, true, "", model.MFATOTP), model.MFATOTP, nil},
		{"OPTIONAL, SMS", pool("OPTIONAL", allFactors), user(true, false, false, "", model.MFASMS), model.MFASMS, nil},
		{"OPTIONAL, email", pool("OPTIONAL", allFactors), user(false, true, false, "", model.MFAEmail), model.MFAEmail, nil},
		{"several, one preferred", pool("OPTIONAL", allFactors), user(true, true, false, model.MFAEmail, model.MFASMS, model.MFAEmail), model.MFAEmail, nil},
		{"several, none preferred", pool("ON", allFactors), user(true, true, true, "", model.MFATOTP, model.MFASMS), SelectMFAType, []string{model.MFASMS, model.MFATOTP}},
		{"several, the preferred one not offered by the pool", pool("OPTIONAL", &model.PoolMFA{SMS: true, Email: &model.EmailMfaConfigType{}}),
			user(true, true, true, model.MFATOTP, model.MFATOTP, model.MFASMS, model.MFAEmail), SelectMFAType, []string{model.MFASMS, model.MFAEmail}},
		{"enabled, but the pool does not offer it", pool("OPTIONAL", &model.PoolMFA{TOTP: true}), user(true, false, false, "", model.MFASMS), "", nil},
		{"enabled, but the phone is gone", pool("OPTIONAL", allFactors), user(false, false, false, "", model.MFASMS), "", nil},
		{"OPTIONAL, nothing enabled", pool("OPTIONAL", allFactors), user(true, true, true, ""), "", nil},
		{"ON, nothing enabled, SMS and a phone", pool("ON", allFactors), user(true, true, false, ""), model.MFASMS, nil},
		{"ON, nothing enabled, no phone", pool("ON", allFactors), user(false, true, false, ""), MFASetup, []string{model.MFATOTP, model.MFAEmail}},
		{"ON, token only", pool("ON", &model.PoolMFA{TOTP: true}), user(true, true, false, ""), MFASetup, []string{model.MFATOTP}},
		{"ON, email only", pool("ON", &model.PoolMFA{Email: &model.EmailMfaConfigType{}}), user(true, true, false, ""), MFASetup, []string{model.MFAEmail}},
		{"ON, SMS only, no phone: nothing to set up", pool("ON", &model.PoolMFA{SMS: true}), user(false, true, false, ""), MFASetup, nil},
		{"ON from CreateUserPool with an SmsConfiguration", func() *model.Pool {
			p := pool("ON", nil)
			p.SmsConfiguration = []byte(`{"SnsCallerArn":"arn:aws:iam::123456789012:role/sms"}`)
			return p
		}(), user(true, false, false, ""), model.MFASMS, nil},
		{"ON from CreateUserPool without one", pool("ON", nil), user(true, false, false, ""), MFASetup, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.p, tc.u)
			if d.Name != tc.want || !slices.Equal(d.Choices, tc.choices) {
				t.Errorf("Decide = %q %v, want %q %v", d.Name, d.Choices, tc.want, tc.choices)
			}
		})
	}
}
