package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// The sign-in pipeline. Every flow runs the same phases in the same order, so none can skip
// one (check order per protocol §3.1):
//
//	client and flow enabled -> SECRET_HASH -> user lookup -> [PreAuthentication trigger]
//	-> password verdict -> disabled / UNCONFIRMED -> [lockout] -> verdict applied
//	-> RESET_REQUIRED / FORCE_CHANGE_PASSWORD -> [MFA] -> device -> [PostAuthentication,
//	PreTokenGeneration triggers] -> tokens
//
// With existence errors hidden, disabled / UNCONFIRMED is told only after a right password;
// with LEGACY, before the password is looked at, as Cognito does (passwordVerdict).
//
// Flows differ only in how they reach a verdict on the password: USER_PASSWORD_AUTH (and
// USER_AUTH's PASSWORD factor) recompute the verifier from the password, USER_SRP_AUTH (and
// PASSWORD_SRP) check the PASSWORD_CLAIM_SIGNATURE of the PASSWORD_VERIFIER step, a sign-up
// Session vouches for a user who just proved their address. Each hands its verdict to
// passwordVerdict, which runs everything after it in the one order above. Bracketed phases are
// hook points that later work fills in (triggers, lockout, MFA).

const (
	challengeNewPassword      = "NEW_PASSWORD_REQUIRED"
	challengePasswordVerifier = "PASSWORD_VERIFIER"
	challengeDeviceSRP        = "DEVICE_SRP_AUTH"
	challengeDeviceVerifier   = "DEVICE_PASSWORD_VERIFIER"
	challengeSelect           = "SELECT_CHALLENGE"
	challengePassword         = "PASSWORD"
	challengePasswordSRP      = "PASSWORD_SRP"
)

// authRequest is what InitiateAuth and AdminInitiateAuth share once decoded.
type authRequest struct {
	admin   bool
	flow    string
	params  map[string]string
	session string // the top-level Session (USER_AUTH after sign-up)
	pool    *poolState
	client  *clientState
}

var flowAllow = map[string]string{
	"USER_PASSWORD_AUTH":       "ALLOW_USER_PASSWORD_AUTH",
	"ADMIN_USER_PASSWORD_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	"ADMIN_NO_SRP_AUTH":        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	"USER_SRP_AUTH":            "ALLOW_USER_SRP_AUTH",
	"CUSTOM_AUTH":              "ALLOW_CUSTOM_AUTH",
	"USER_AUTH":                "ALLOW_USER_AUTH",
	"REFRESH_TOKEN_AUTH":       "ALLOW_REFRESH_TOKEN_AUTH",
	"REFRESH_TOKEN":            "ALLOW_REFRESH_TOKEN_AUTH",
}

// InitiateAuth starts a sign-in for a public client.
func (s *Service) InitiateAuth(ctx context.Context, in *InitiateAuthInput) (*InitiateAuthOutput, error) {
	c, p, err := s.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &authRequest{flow: in.AuthFlow, params: in.AuthParameters, session: in.Session, pool: p, client: c})
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *Service) AdminInitiateAuth(ctx context.Context, in *AdminInitiateAuthInput) (*AdminInitiateAuthOutput, error) {
	c, p, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &authRequest{admin: true, flow: in.AuthFlow, params: in.AuthParameters, session: in.Session, pool: p, client: c})
}

func (s *Service) initiate(ctx context.Context, r *authRequest) (*AuthOutput, error) {
	switch r.flow {
	case "USER_PASSWORD_AUTH":
		if r.admin {
			return nil, flowNotSupported()
		}
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if !r.admin {
			return nil, flowNotSupported()
		}
	}
	allow, ok := flowAllow[r.flow]
	if !ok {
		return nil, flowNotSupported()
	}
	if !r.client.flowEnabled(allow) {
		return nil, cognito.InvalidParameter("%s flow not enabled for this client", r.flow)
	}
	if r.params == nil {
		r.params = map[string]string{}
	}
	switch r.flow {
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		return s.passwordAuth(ctx, r)
	case "USER_SRP_AUTH":
		return s.srpAuth(ctx, r)
	case "USER_AUTH":
		return s.userAuth(ctx, r)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		rt := r.params["REFRESH_TOKEN"]
		if rt == "" {
			return nil, missingParam("REFRESH_TOKEN")
		}
		res, err := s.refresh(ctx, r.pool, r.client, rt, r.params["DEVICE_KEY"], func(username string) error {
			return checkSecretHash(r.client, r.params["SECRET_HASH"], username)
		})
		if err != nil {
			return nil, err
		}
		return &AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
	}
	// CUSTOM_AUTH joins this pipeline in the custom-auth work.
	return nil, cognito.UnsupportedOperation("%s is not implemented by Cognate yet.", r.flow)
}

// signInStep is one sign-in attempt that has reached the password verdict: who, through which
// client, with which device, and what must commit together with whatever the step produces
// (the answered Session; a new password).
type signInStep struct {
	pool   *poolState
	client *clientState
	user   *userState
	// device is the DEVICE_KEY presented in this step ("" = none).
	device string
	// consume holds the ops that use up the Session this step answered; they commit with the
	// step's outcome (tokens or the next challenge), never before.
	consume []store.Op
	// attempt holds checks that commit with the lockout reservation, before the proof is judged
	// (that the Session is unspent, so a replay is refused unjudged and uncounted).
	attempt []store.Op
	// reserved: user was read by countAttempt, which counted this attempt already.
	reserved bool
	// change, when set, edits the user in the transaction that commits the outcome.
	change func(u *userState) ([]store.Op, error)
}

// passwordAuth is USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH.
func (s *Service) passwordAuth(ctx context.Context, r *authRequest) (*AuthOutput, error) {
	username, password := r.params["USERNAME"], r.params["PASSWORD"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if password == "" {
		return nil, missingParam("PASSWORD")
	}
	st := &signInStep{pool: r.pool, client: r.client, device: r.params["DEVICE_KEY"]}
	if u := s.countAttemptFor(ctx, r.pool, r.client, username, r.params["SECRET_HASH"]); u != nil {
		st.user, st.reserved = u, true
		return s.verifyPassword(ctx, st, password)
	}
	u, err := s.resolveUser(ctx, r.pool, r.client, username, r.params["SECRET_HASH"])
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, s.unknownUserPassword(ctx, r.pool, r.client, password)
	}
	st.user = u
	return s.verifyPassword(ctx, st, password)
}

// countAttemptFor is the common case of a password sign-in in one store request after the name
// lookup: it finds the user's key from what was typed without reading the user — a username is
// its key; an email or phone number in a pool that signs in with them is one alias read — and
// counts the attempt while reading the user (countAttempt). nil sends the sign-in down the full
// path (resolveUser, reserveAttempt), which also covers alias attributes, unknown users and a
// SECRET_HASH over the internal username: nothing is counted before the SECRET_HASH holds.
func (s *Service) countAttemptFor(ctx context.Context, p *poolState, c *clientState, typed, secretHash string) *userState {
	if c.secret != "" && checkSecretHash(c, secretHash, typed) != nil {
		return nil
	}
	key := userKey(p, typed)
	if kind, value, ok := usernameAlias(p, typed); ok {
		var err error
		if key, err = s.repo.AliasOwner(ctx, p.Id, kind, value); err != nil {
			return nil
		}
	}
	return s.countAttempt(ctx, p, key)
}

// unknownUserPassword answers a password for a user that does not exist, after the same work as
// a real check so the answer's timing does not reveal the user (ENUM-03).
func (s *Service) unknownUserPassword(ctx context.Context, p *poolState, c *clientState, password string) error {
	if _, err := s.checkPassword(ctx, p, nil, password); err != nil {
		return internal(err)
	}
	if c.preventUserExistenceErrors() {
		return incorrect()
	}
	return userNotFound()
}

// verifyPassword judges a plaintext password (USER_PASSWORD_AUTH and USER_AUTH's PASSWORD
// factor) and runs the rest of the pipeline.
func (s *Service) verifyPassword(ctx context.Context, st *signInStep, password string) (*AuthOutput, error) {
	// PreAuthentication trigger point.
	return s.passwordVerdict(ctx, st, func(u *userState) (bool, error) {
		return s.checkPassword(ctx, st.pool, u, password)
	})
}

// passwordVerdict is the pipeline from the password phase on, shared by every flow: account
// state, lockout, the verdict, the status challenges, then MFA and the device. verdict judges
// the proof the flow received (a password, an SRP signature) for the user as stored after the
// lockout reservation.
//
// With existence errors hidden (PreventUserExistenceErrors ENABLED) the password is judged
// before the account's state is told, so a wrong password gets the answer an unknown user gets
// whether the account is disabled, unconfirmed or locked; only a right password learns that
// it is disabled or unconfirmed (docs/security.md). Such an attempt is judged, so it counts
// toward lockout like any other. With LEGACY, a disabled or unconfirmed user is refused before
// the password is looked at, as Cognito does, and the attempt does not count.
func (s *Service) passwordVerdict(ctx context.Context, st *signInStep, verdict func(u *userState) (bool, error)) (out *AuthOutput, err error) {
	u := st.user
	hide := st.client.preventUserExistenceErrors()
	unjudged := !hide && (!u.Enabled || u.Status == statusUnconfirmed)
	if st.reserved {
		// countAttempt counted this attempt before anything was looked at. One refused without a
		// verdict reaching the caller — the user disabled or unconfirmed (LEGACY), or the step's
		// Session spent (a replay, found only when the outcome commits) — is taken back.
		defer func() {
			if unjudged || errors.Is(err, invalidSession()) {
				s.releaseAttempt(ctx, st.pool, u)
			}
		}()
	}
	if unjudged {
		return nil, accountStateErr(u)
	}
	// Lockout phase: the attempt is counted as failed before it is judged, atomically — by
	// countAttempt while the user was read, or here in one compare-and-swap — so concurrent
	// guesses cannot outrun the lock and a locked user is refused unjudged (AUTH-01..04). Every
	// flow's proof passes here — a password, an SRP PASSWORD_CLAIM_SIGNATURE (bad or stale) — and
	// a success clears the count in the transaction that commits the outcome.
	if !st.reserved {
		u, err = s.reserveAttempt(ctx, st.pool, u, st.attempt...)
		if errors.Is(err, store.ErrConditionFailed) {
			return nil, invalidSession() // the Session was spent already
		}
		if hide && errors.Is(err, attemptsExceeded()) {
			// "Password attempts exceeded" would name a real account: an unknown one never
			// locks. The lock holds all the same (nothing is judged against the user), after
			// the work a verdict costs.
			if _, err := verdict(&userState{userRecord: &userRecord{}}); err != nil {
				return nil, internal(err)
			}
			return nil, incorrect()
		}
		if err != nil {
			return nil, err
		}
	}
	st.user = u
	ok, err := verdict(u)
	if err != nil {
		return nil, internal(err)
	}
	if !ok {
		return nil, incorrect()
	}
	if !u.Enabled || u.Status == statusUnconfirmed {
		// Hidden existence: the state is told only now, to whoever proved the password, which
		// must not count toward lockout.
		if _, err := s.clearFailures(ctx, st.pool, u); err != nil {
			return nil, err
		}
		return nil, accountStateErr(u)
	}
	change := st.change
	st.change = func(cur *userState) ([]store.Op, error) {
		cur.Lock = nil
		if change == nil {
			return nil, nil
		}
		return change(cur)
	}
	switch u.Status {
	case statusResetRequired:
		// The password was right: the reserved failure must not count toward lockout.
		if _, err := s.clearFailures(ctx, st.pool, u); err != nil {
			return nil, err
		}
		if st.client.preventUserExistenceErrors() {
			return nil, incorrect()
		}
		return nil, cognito.PasswordResetRequired("Password reset required for the user")
	case statusForceChangePassword:
		if s.tempPasswordExpired(st.pool, u) {
			if _, err := s.clearFailures(ctx, st.pool, u); err != nil {
				return nil, err
			}
			return nil, cognito.NotAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		return s.newPasswordChallenge(ctx, st)
	}
	return s.mfaAndDevice(ctx, st)
}

// accountStateErr is the answer for a disabled or unconfirmed user.
func accountStateErr(u *userState) error {
	if !u.Enabled {
		return userDisabled()
	}
	return userNotConfirmed()
}

// mfaAndDevice is the last phase before tokens: MFA, then the device. A DEVICE_KEY of one of
// the user's confirmed devices must be proven with device SRP before tokens bound to it are
// issued; an unknown one is refused with the exact text clients look for, so they drop it and
// retry; with device tracking on and no device presented, the sign-in gets a new device key.
func (s *Service) mfaAndDevice(ctx context.Context, st *signInStep) (*AuthOutput, error) {
	dev, err := s.presentedDevice(ctx, st)
	if err != nil {
		return nil, err
	}
	// MFA phase point: the MFA challenges are chosen here, after the password and before the
	// device. A remembered device skips MFA — dev != nil && dev.Remembered — and is then
	// proven by the DEVICE_SRP_AUTH below, so a stolen DEVICE_KEY alone skips nothing. The pool's
	// ChallengeRequiredOnNewDevice asks for MFA whenever dev == nil.
	if dev != nil {
		return s.deviceSRPChallenge(ctx, st, dev)
	}
	var meta *NewDeviceMetadataType
	if st.pool.deviceTracking() {
		if meta, err = s.newDeviceMetadata(st.pool, st.user); err != nil {
			return nil, err
		}
	}
	return s.issueTokens(ctx, st, meta)
}

// issueTokens finishes a sign-in: tokens, bound to the new device when there is one.
func (s *Service) issueTokens(ctx context.Context, st *signInStep, meta *NewDeviceMetadataType) (*AuthOutput, error) {
	var device string
	if meta != nil {
		device = meta.DeviceKey
	}
	res, err := s.signIn(ctx, st, device, nil)
	if err != nil {
		return nil, err
	}
	res.NewDeviceMetadata = meta
	return &AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// requiredMissing lists the required attributes the user still lacks, as NEW_PASSWORD_REQUIRED
// names them ("userAttributes.<name>").
func requiredMissing(p *poolState, u *userState) []string {
	out := []string{}
	for _, a := range p.SchemaAttributes {
		if a.Required != nil && *a.Required && *a.Name != "sub" && u.Attrs[*a.Name] == "" {
			out = append(out, "userAttributes."+*a.Name)
		}
	}
	sort.Strings(out)
	return out
}

// newPasswordChallenge answers NEW_PASSWORD_REQUIRED, consuming the step's Session with it.
func (s *Service) newPasswordChallenge(ctx context.Context, st *signInStep) (*AuthOutput, error) {
	p, c, u := st.pool, st.client, st.user
	sess, err := s.nextChallenge(ctx, st, authSession{PoolID: p.Id, ClientID: c.ID, UserKey: u.st.Key, Sub: u.sub(), Username: u.Username, Challenge: challengeNewPassword})
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range u.Attrs {
		attrs[k] = v
	}
	req, _ := json.Marshal(requiredMissing(p, u))
	cur, _ := json.Marshal(attrs)
	return &AuthOutput{ChallengeName: challengeNewPassword, Session: sess, ChallengeParameters: map[string]string{
		"USER_ID_FOR_SRP": u.Username, "requiredAttributes": string(req), "userAttributes": string(cur),
	}}, nil
}

// RespondToAuthChallenge answers a challenge for a public client.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in *RespondToAuthChallengeInput) (*RespondToAuthChallengeOutput, error) {
	c, p, err := s.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, p, c, in.ChallengeName, in.Session, in.ChallengeResponses)
}

// AdminRespondToAuthChallenge answers a challenge from a trusted back end.
func (s *Service) AdminRespondToAuthChallenge(ctx context.Context, in *AdminRespondToAuthChallengeInput) (*AdminRespondToAuthChallengeOutput, error) {
	c, p, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, p, c, in.ChallengeName, in.Session, in.ChallengeResponses)
}

func (s *Service) respond(ctx context.Context, p *poolState, c *clientState, challenge, session string, resp map[string]string) (*AuthOutput, error) {
	if resp == nil {
		resp = map[string]string{}
	}
	switch challenge {
	case challengeNewPassword:
		return s.respondNewPassword(ctx, p, c, session, resp)
	case challengePasswordVerifier:
		return s.respondPasswordVerifier(ctx, p, c, session, resp)
	case challengeDeviceSRP:
		return s.respondDeviceSRP(ctx, p, c, session, resp)
	case challengeDeviceVerifier:
		return s.respondDeviceVerifier(ctx, p, c, session, resp)
	case challengeSelect, challengePassword, challengePasswordSRP:
		return s.respondFirstFactor(ctx, p, c, challenge, session, resp)
	case "SMS_MFA", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP", "CUSTOM_CHALLENGE",
		"ADMIN_NO_SRP_AUTH", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN":
		return nil, challengeNotImplemented(challenge)
	}
	return nil, cognito.InvalidParameter("1 validation error detected: Value '%s' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: [SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, SELECT_CHALLENGE, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED, SMS_OTP, PASSWORD, WEB_AUTHN, PASSWORD_SRP]", challenge)
}

func (s *Service) respondNewPassword(ctx context.Context, p *poolState, c *clientState, session string, resp map[string]string) (*AuthOutput, error) {
	username := resp["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	sess, consume, err := s.peekSession(ctx, c, session, challengeNewPassword)
	if err != nil {
		return nil, err
	}
	u, err := s.sessionUser(ctx, p, sess, username)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, resp["SECRET_HASH"], username, u.Username); err != nil {
		return nil, err
	}
	newPassword := resp["NEW_PASSWORD"]
	if newPassword == "" {
		return nil, missingParam("NEW_PASSWORD")
	}
	var given []AttributeType
	for k, v := range resp {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			given = append(given, AttributeType{Name: name, Value: ptr(v)})
		}
	}
	attrs, err := checkAttributes(p, given, false, clientWritable(c))
	if err != nil {
		return nil, err
	}
	if err := checkPasswordPolicy(p, newPassword); err != nil {
		return nil, err
	}
	pw, err := s.newPassword(ctx, p, u.Username, u.sub(), newPassword, false)
	if err != nil {
		return nil, internal(err)
	}
	// The new password commits with whatever comes next (tokens, or the device challenge).
	st := &signInStep{pool: p, client: c, user: u, device: resp["DEVICE_KEY"], consume: []store.Op{consume},
		change: func(cur *userState) ([]store.Op, error) {
			if cur.Status != statusForceChangePassword {
				return nil, invalidSession()
			}
			for k, v := range attrs {
				cur.Attrs[k] = v
			}
			if missing := requiredMissing(p, cur); len(missing) > 0 {
				return nil, missingAttribute(strings.TrimPrefix(missing[0], "userAttributes."))
			}
			cur.Password = pw
			cur.Status = statusConfirmed
			return nil, nil
		}}
	// The missing-attribute check must answer before anything is consumed.
	probe := &userState{userRecord: &userRecord{Attrs: map[string]string{}}}
	for k, v := range u.Attrs {
		probe.Attrs[k] = v
	}
	for k, v := range attrs {
		probe.Attrs[k] = v
	}
	if missing := requiredMissing(p, probe); len(missing) > 0 {
		return nil, missingAttribute(strings.TrimPrefix(missing[0], "userAttributes."))
	}
	return s.mfaAndDevice(ctx, st)
}

// nextChallenge stores the Session of the step that comes next and returns its token,
// committing it with the answered Session's consumption and the step's user change.
func (s *Service) nextChallenge(ctx context.Context, st *signInStep, sess authSession) (string, error) {
	tok, err := s.newSessionToken()
	if err != nil {
		return "", internal(err)
	}
	if err := s.commitStep(ctx, st, s.sessionOp(st.client, tok, sess)); err != nil {
		return "", err
	}
	return tok, nil
}

// commitStep writes a step's outcome ops (a new Session, a device) together with the step's
// consumed Session and user change, in one transaction.
func (s *Service) commitStep(ctx context.Context, st *signInStep, ops ...store.Op) error {
	ops = append(ops, st.consume...)
	if st.change == nil && len(ops) == 0 {
		return nil
	}
	if st.change == nil {
		err := s.repo.Commit(ctx, ops...)
		if errors.Is(err, store.ErrConditionFailed) {
			return invalidSession()
		}
		return internal(err)
	}
	_, err := s.updateUser(ctx, st.pool, st.user, func(cur *userState) ([]store.Op, error) {
		extra, err := st.change(cur)
		if err != nil {
			return nil, err
		}
		return append(extra, ops...), nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return invalidSession()
	}
	return err
}
