package signin

import (
	"context"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// USER_AUTH: choice-based sign-in (protocol §3.7). The pool lists the first factors it allows
// (Policies.SignInPolicy.AllowedFirstAuthFactors); each factor offers challenges; the user gets
// those of the factors they can use. InitiateAuth with a PREFERRED_CHALLENGE that is on offer
// starts it at once (with PASSWORD or SRP_A present it is answered in the same call); otherwise
// the answer is SELECT_CHALLENGE with AvailableChallenges, and RespondToAuthChallenge carries the
// choice as ANSWER with the same keys. A Session from SignUp or ConfirmSignUp signs the user in
// straight away.
//
// EMAIL_OTP and SMS_OTP (otp.go) and WEB_AUTHN (passkey.go) are entries of firstFactors and
// cases of startFirstFactor.

func init() {
	registerFlow("USER_AUTH", &signInHandler{allow: "ALLOW_USER_AUTH", username: true, session: sessions.ChallengeSignUp, read: readUserAuth, decide: decideUserAuth})
	firstFactor := &signInHandler{username: true, session: challengeSelect,
		hashName: func(c *signInCall) string { return c.sess.Username }, decide: decideFirstFactor}
	for _, name := range []string{challengeSelect, challengePassword, challengePasswordSRP, model.FactorWebAuthn} {
		registerAnswer(name, firstFactor)
	}
}

// firstFactor is a sign-in factor USER_AUTH can offer.
type firstFactor struct {
	// name as in AllowedFirstAuthFactors.
	name string
	// challenges it offers, in AvailableChallenges order.
	challenges []string
	// usable tells whether a user can sign in with it. u is nil for an unknown user whose
	// existence is hidden: the answer must be what a typical real user would see.
	usable func(u *model.User) bool
}

var firstFactors = []firstFactor{
	{name: "PASSWORD", challenges: []string{challengePassword, challengePasswordSRP},
		usable: func(u *model.User) bool { return u == nil || u.Password != nil }},
	{name: model.MFAEmail, challenges: []string{model.MFAEmail}, usable: verifiedAttr("email")},
	{name: challengeSMSOTP, challenges: []string{challengeSMSOTP}, usable: verifiedAttr("phone_number")},
	{name: model.FactorWebAuthn, challenges: []string{model.FactorWebAuthn}, usable: hasPasskey},
}

// verifiedAttr: a one-time code goes only to a verified address.
func verifiedAttr(attr string) func(u *model.User) bool {
	return func(u *model.User) bool {
		return u == nil || u.Attrs[attr] != "" && u.Attrs[attr+"_verified"] == "true"
	}
}

// availableChallenges lists the first-factor challenges on offer to a user.
func availableChallenges(p *model.Pool, u *model.User) []string {
	var out []string
	allowed := p.AllowedFactors()
	for _, f := range firstFactors {
		if f.name == model.FactorWebAuthn && !passkeys.Offered(p) {
			continue
		}
		if f.name != "PASSWORD" && p.MfaConfiguration == "ON" && !(f.name == model.FactorWebAuthn && (passkeys.SatisfiesMFA(p) || u != nil && u.PasskeyMFAOn())) {
			// A one-time code is no way in where MFA is required, nor a passkey that does not
			// stand for MFA (docs/mfa.md).
			continue
		}
		if configured(allowed, f, u) {
			out = append(out, f.challenges...)
		}
	}
	return out
}

// configured tells whether the pool allows factor f and the user can use it.
func configured(allowed []string, f firstFactor, u *model.User) bool {
	return slices.Contains(allowed, f.name) && f.usable(u)
}

// readUserAuth: choice-based sign-in is not in the LITE tier, whoever asks.
func readUserAuth(c *signInCall) error {
	if c.pool.UserPoolTier == "LITE" {
		return msg.FeatureUnavailableInTier("Choice-based sign-in (USER_AUTH)")
	}
	return nil
}

// decideUserAuth is the USER_AUTH flow of InitiateAuth. With the Session of SignUp or
// ConfirmSignUp (the pipeline has checked it is bound to the user and the client) the user
// just proved the address the code went to (or was confirmed automatically), so the Session
// stands in for the first factor: short-lived and single use, it goes through the same
// pipeline as a correct password (disabled, unconfirmed, status, MFA, device).
func decideUserAuth(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	if c.sess != nil {
		return &signInDecision{step: c.step(), verdict: func(*model.User) (bool, error) { return true, nil }}, nil
	}
	offer := availableChallenges(c.pool, c.user)
	if len(offer) == 0 {
		return nil, msg.Incorrect() // nothing this user can sign in with
	}
	st := c.step()
	if pref := c.params["PREFERRED_CHALLENGE"]; slices.Contains(offer, pref) {
		return s.startFirstFactor(ctx, st, c.username, pref, c.params)
	}
	// No preference, or one that is not on offer: let the client choose.
	return firstFactorSession(st, c.username, offer,
		&api.AuthOutput{ChallengeName: challengeSelect, ChallengeParameters: map[string]string{}, AvailableChallenges: offer}), nil
}

// firstFactorSession is the decision to pose a first-factor choice, out, with its Session:
// SELECT_CHALLENGE, or one challenge started without its answer. Clients answer a standalone PASSWORD or PASSWORD_SRP
// challenge either under its own name or as SELECT_CHALLENGE with ANSWER (Amplify does the
// latter), so both share this one kind of Session, which records what is on offer.
func firstFactorSession(st *signInStep, typed string, offer []string, out *api.AuthOutput) *signInDecision {
	sess := sessions.Session{PoolID: st.pool.Id, ClientID: st.client.ID, Challenge: challengeSelect,
		Data: map[string]string{"offer": strings.Join(offer, ",")}}
	if st.user != nil {
		sess.UserKey, sess.Sub, sess.Username = st.user.Stored.Key, st.user.Sub(), st.user.Username
	} else {
		sess.Username, sess.Data[sessions.KeyTyped] = typed, typed
	}
	return &signInDecision{step: st, out: out, next: &sess}
}

// startFirstFactor runs a chosen challenge with what the caller sent along: a PASSWORD is
// judged at once, an SRP_A gets PASSWORD_VERIFIER; without them the challenge is posed on its
// own and answered later with the same keys.
func (s *SignIn) startFirstFactor(ctx context.Context, st *signInStep, typed, challenge string, params map[string]string) (*signInDecision, error) {
	switch challenge {
	case challengePassword:
		if pw := params["PASSWORD"]; pw != "" {
			if st.user == nil {
				return nil, s.unknownPassword(ctx, st.pool, st.client, pw)
			}
			return s.verifyPassword(ctx, st, pw), nil
		}
	case challengePasswordSRP:
		if params["SRP_A"] != "" {
			A, err := readSRPA(params)
			if err != nil {
				return nil, err
			}
			return s.passwordVerifierChallenge(ctx, st, typed, A, true)
		}
	case model.FactorWebAuthn:
		return s.passkeyChallenge(st, typed)
	case model.MFAEmail, challengeSMSOTP:
		out, err := s.otpChallenge(ctx, st, typed, challenge)
		if err != nil {
			return nil, err
		}
		return &signInDecision{out: out}, nil
	default:
		return nil, msg.ChallengeNotImplemented(challenge)
	}
	return firstFactorSession(st, typed, []string{challenge}, &api.AuthOutput{ChallengeName: challenge, ChallengeParameters: map[string]string{}}), nil
}

// decideFirstFactor answers SELECT_CHALLENGE ({ANSWER, ...}) and the standalone PASSWORD and
// PASSWORD_SRP challenges. A wrong password leaves the Session usable until it expires (lockout
// counts each try); success consumes it with the tokens or the next challenge.
func decideFirstFactor(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	challenge, sess, resp := c.name, c.sess, c.params
	choice := challenge
	if challenge == challengeSelect {
		if choice = resp["ANSWER"]; choice == "" {
			return nil, msg.MissingParam("ANSWER")
		}
	} else if a := resp["ANSWER"]; a != "" && a != challenge {
		return nil, cognito.InvalidParameter("ANSWER %s does not match the challenge %s.", a, challenge)
	}
	if !slices.Contains(strings.Split(sess.Data["offer"], ","), choice) {
		return nil, cognito.InvalidParameter("The challenge %s is not available for this user.", choice)
	}
	switch choice {
	case challengePassword:
		if resp["PASSWORD"] == "" {
			return nil, msg.MissingParam("PASSWORD")
		}
	case challengePasswordSRP:
		if resp["SRP_A"] == "" {
			return nil, msg.MissingParam("SRP_A")
		}
	case model.FactorWebAuthn:
		// The answer to a posed WEB_AUTHN challenge, under its own name or as SELECT_CHALLENGE
		// with ANSWER; without a challenge in the Session (SELECT_CHALLENGE as InitiateAuth
		// posed it), the challenge is posed now.
		if sess.Data[sessPasskeyChallenge] != "" {
			if resp["CREDENTIAL"] == "" {
				return nil, msg.MissingParam("CREDENTIAL")
			}
			return decidePasskey(ctx, s, c)
		}
		if challenge == model.FactorWebAuthn {
			return nil, msg.InvalidSession()
		}
	}
	typed := sess.Data[sessions.KeyTyped]
	if typed == "" {
		typed = c.username
	}
	return s.startFirstFactor(ctx, c.step(), typed, choice, resp)
}

// GetUserAuthFactors lists the first factors the pool allows and the caller has what they need
// for (a password, a verified address, a passkey), and their MFA settings. SELECT_CHALLENGE
// offers these less what a sign-in rules out (availableChallenges).
func (s *SignIn) GetUserAuthFactors(ctx context.Context, in *api.GetUserAuthFactorsInput) (*api.GetUserAuthFactorsOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetUserAuthFactorsOutput{Username: a.User.Username}
	allowed := a.Pool.AllowedFactors()
	for _, f := range firstFactors {
		if configured(allowed, f, a.User) {
			out.ConfiguredUserAuthFactors = append(out.ConfiguredUserAuthFactors, f.name)
		}
	}
	out.UserMFASettingList, out.PreferredMfaSetting = mfa.Settings(a.User)
	return out, nil
}
