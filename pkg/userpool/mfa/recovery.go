package mfa

import (
	"crypto/hmac"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Recovery codes — ours, not Cognito's (docs/mfa.md): a pool tagged RecoveryCodesTag = "enabled"
// gives a user ten single-use codes each time a software token is verified, shown that once (in
// VerifySoftwareToken's answer) and kept only as keyed hashes; any one of them answers
// SOFTWARE_TOKEN_MFA in place of a code from the app, for a user who lost the phone. Off by
// default: a pool without the tag behaves as Cognito does.

// RecoveryCodesTag is the pool tag (UserPoolTags) that turns recovery codes on.
const RecoveryCodesTag = "cognate:recovery-codes"

// recoveryCount codes of recoveryAlphabet, in two groups of five: 50 bits each.
const (
	recoveryCount    = 10
	recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz" // no 0/o, 1/l/i
)

// RecoveryCodes tells whether the pool gives recovery codes.
func RecoveryCodes(p *model.Pool) bool { return p.UserPoolTags[RecoveryCodesTag] == "enabled" }

// NewRecoveryCodes draws a fresh set for the user: the codes to show and the change that
// replaces the user's stored hashes with theirs (every earlier code dies with it).
func (m *MFA) NewRecoveryCodes(p *model.Pool, u *model.User) ([]string, func(cur *model.User), error) {
	codes := make([]string, recoveryCount)
	hashes := make([][]byte, recoveryCount)
	for i := range codes {
		a, err := m.RandomString(recoveryAlphabet, 5)
		if err != nil {
			return nil, nil, msg.Internal(err)
		}
		b, err := m.RandomString(recoveryAlphabet, 5)
		if err != nil {
			return nil, nil, msg.Internal(err)
		}
		codes[i] = a + "-" + b
		hashes[i] = m.recoveryHash(p, u, codes[i])
	}
	return codes, func(cur *model.User) {
		if cur.MFA == nil {
			cur.MFA = &model.MFARecord{}
		}
		cur.MFA.RecoveryCodes = hashes
	}, nil
}

// IsRecoveryCode tells a recovery code's shape from an app's six digits.
func IsRecoveryCode(code string) bool { return len(code) == 11 && code[5] == '-' }

// CheckRecovery judges a recovery code in place of a software-token code: one of the user's
// unused ones, which the returned change spends (with the sign-in's commit, checking it is still
// unused). Anything else is CodeMismatchException; in a pool without recovery codes, too.
func (m *MFA) CheckRecovery(p *model.Pool, u *model.User, code string) (func(cur *model.User) error, error) {
	if !RecoveryCodes(p) || u.MFA == nil || u.MFA.TOTP == nil {
		return nil, msg.MFACodeMismatch()
	}
	h := m.recoveryHash(p, u, strings.ToLower(code))
	found := false
	for _, stored := range u.MFA.RecoveryCodes {
		found = hmac.Equal(stored, h) || found
	}
	if !found {
		return nil, msg.MFACodeMismatch()
	}
	return func(cur *model.User) error {
		if cur.MFA == nil {
			return msg.MFACodeMismatch()
		}
		i := slices.IndexFunc(cur.MFA.RecoveryCodes, func(s []byte) bool { return hmac.Equal(s, h) })
		if i < 0 {
			return msg.MFACodeMismatch() // spent by a concurrent sign-in
		}
		cur.MFA.RecoveryCodes = slices.Delete(cur.MFA.RecoveryCodes, i, i+1)
		return nil
	}, nil
}

// recoveryHash is a code's keyed hash, bound to the pool and the user's sub.
func (m *MFA) recoveryHash(p *model.Pool, u *model.User, code string) []byte {
	return m.MAC("mfa-recovery-code", p.Id, u.Sub(), code)
}
