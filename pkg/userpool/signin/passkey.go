package signin

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
)

// Passkeys as USER_AUTH's WEB_AUTHN first factor (cognito-protocol.md §3.7). The challenge —
// PREFERRED_CHALLENGE WEB_AUTHN, or ANSWER WEB_AUTHN to SELECT_CHALLENGE — carries
// CREDENTIAL_REQUEST_OPTIONS (PublicKeyCredentialRequestOptionsJSON: a fresh challenge, the
// relying party, the user's credentials, the pool's user verification), and its Session, stored
// server side, holds that challenge: it is answered once (the Session is spent with the outcome)
// before it expires (the client's AuthSessionValidity). The answer's CREDENTIAL
// (AuthenticationResponseJSON), under ChallengeName WEB_AUTHN or as SELECT_CHALLENGE with ANSWER
// WEB_AUTHN, is a first factor like a password: counted toward lockout before it is judged
// (passwordVerdict), then the account's state, MFA and the device. The credential's new
// signature counter commits with the tokens. Where the pool's FactorConfiguration is
// MULTI_FACTOR_WITH_USER_VERIFICATION, an assertion the authenticator verified the user for
// stands for MFA too. A name that matches nobody, with existence hidden, gets options that look
// like a real user's, and every answer fails.

// sessPasskeyChallenge keys the WebAuthn challenge in a WEB_AUTHN step's Session Data.
const sessPasskeyChallenge = "wa"

// hasPasskey: WEB_AUTHN is for users with a passkey (an unknown name is offered it, as a
// typical user would be).
func hasPasskey(u *model.User) bool { return u == nil || len(u.Passkeys()) > 0 }

// passkeyChallenge poses WEB_AUTHN with its request options.
func (s *SignIn) passkeyChallenge(st *signInStep, typed string) (*signInDecision, error) {
	challenge, options, err := s.passkeys.RequestOptions(st.pool, st.user, typed, st.client.SessionTTL())
	if err != nil {
		return nil, err
	}
	d := firstFactorSession(st, typed, []string{model.FactorWebAuthn}, &api.AuthOutput{ChallengeName: model.FactorWebAuthn,
		ChallengeParameters: map[string]string{"CREDENTIAL_REQUEST_OPTIONS": options}})
	d.next.Data[sessPasskeyChallenge] = challenge
	return d, nil
}

// decidePasskey judges a WEB_AUTHN answer: the assertion's verdict, for the pipeline to carry
// like a password's.
func decidePasskey(_ context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	parsed, err := passkeys.ParseAssertion(c.params["CREDENTIAL"])
	if err != nil {
		return nil, err
	}
	st := c.step()
	if st.user == nil {
		return nil, msg.Incorrect() // a simulated step: no credential answers it
	}
	challenge := c.sess.Data[sessPasskeyChallenge]
	st.attempt = []store.Op{sessions.Unspent(c.consume[0])}
	return &signInDecision{step: st, verdict: func(u *model.User) (bool, error) {
		a, err := s.passkeys.VerifyAssertion(st.pool, u, challenge, parsed)
		if errors.Is(err, passkeys.ErrRefused) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if u.PasskeyMFAOn() && !a.UserVerified {
			return false, nil // passkey MFA: the user's passkey sign-ins must verify the user
		}
		change := st.change
		st.change = func(cur *model.User) ([]store.Op, error) {
			if err := a.Record(cur); err != nil {
				return nil, msg.Incorrect() // another sign-in moved the counter first: a replay
			}
			if change == nil {
				return nil, nil
			}
			return change(cur)
		}
		st.mfaDone = a.UserVerified && (passkeys.SatisfiesMFA(st.pool) || u.PasskeyMFAOn())
		return true, nil
	}}, nil
}
