package signin

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// Passwords: USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH, the answer to
// NEW_PASSWORD_REQUIRED, and the phases of the sign-in pipeline (pipeline.go) from the password
// verdict on: passwordVerdict, mfaAndDevice, the commit of a step (commitStep).

func init() {
	password := func(allow string, caller signInCaller) *signInHandler {
		return &signInHandler{allow: allow, caller: caller, username: true, read: readPassword, counts: true,
			unknown: migrateOrUnknown, decide: decidePassword}
	}
	registerFlow("USER_PASSWORD_AUTH", password("ALLOW_USER_PASSWORD_AUTH", callerPublic))
	registerFlow("ADMIN_USER_PASSWORD_AUTH", password("ALLOW_ADMIN_USER_PASSWORD_AUTH", callerAdmin))
	registerFlow("ADMIN_NO_SRP_AUTH", password("ALLOW_ADMIN_USER_PASSWORD_AUTH", callerAdmin))
	registerAnswer(challengeNewPassword, &signInHandler{username: true, session: challengeNewPassword, decide: decideNewPassword})
}

const (
	challengeNewPassword      = "NEW_PASSWORD_REQUIRED"
	challengePasswordVerifier = "PASSWORD_VERIFIER"
	challengeDeviceSRP        = "DEVICE_SRP_AUTH"
	challengeDeviceVerifier   = "DEVICE_PASSWORD_VERIFIER"
	challengeSelect           = "SELECT_CHALLENGE"
	challengePassword         = "PASSWORD"
	challengePasswordSRP      = "PASSWORD_SRP"
)

// signInStep is one sign-in attempt that has reached the password verdict: who, through which
// client, with which device, and what must commit together with whatever the step produces
// (the answered Session; a new password).
type signInStep struct {
	pool   *model.Pool
	client *model.Client
	user   *model.User // nil: a name that matches nobody, with existence errors hidden
	// typed is the USERNAME the call sent.
	typed string
	// device is the DEVICE_KEY presented in this step ("" = none).
	device string
	// consume holds the ops that use up the Session this step answered; they commit with the
	// step's outcome (tokens or the next challenge), never before.
	consume []store.Op
	// attempt holds checks that commit with the lockout reservation, before the proof is judged
	// (that the Session is unspent, so a replay is refused unjudged and uncounted).
	attempt []store.Op
	// reserved: user was read by limits.CountAttempt, which counted this attempt already.
	reserved bool
	// change, when set, edits the user in the transaction that commits the outcome.
	change func(u *model.User) ([]store.Op, error)
	// meta and validation are the call's ClientMetadata as the triggers get it (signInCall).
	meta, validation map[string]string
	// newDevice: this sign-in issues NewDeviceMetadata (PostAuthentication's newDeviceUsed).
	newDevice bool
	// tokenSource is the pre-token-generation source of the tokens this step mints: ""
	// means TokenGeneration_Authentication.
	tokenSource trigger.Source
	// custom is the history of a CUSTOM_AUTH that began with SRP_A: non-nil, a right password
	// goes back to DefineAuthChallenge rather than on to MFA and tokens. customBlock is that
	// history as the PASSWORD_VERIFIER's SECRET_BLOCK carries it.
	custom      []*events.CognitoEventUserPoolsChallengeResult
	customBlock string
	// refusal is what a wrong proof answers when it is not a password (a one-time code);
	// nil: "Incorrect username or password."
	refusal error
	// mfaDone: the first factor stands for MFA too (a passkey with user verification where the
	// pool's FactorConfiguration says so); the MFA phase is skipped.
	mfaDone bool
	// hosted completes the sign-in at the hosted pages (hosted.go): its commit writes what the
	// completion returns — an authorization code, the hosted session — and no tokens.
	hosted Completion
}

// userName is the userName the step's trigger events carry: the user's, or what was typed for
// a name that matches nobody.
func (st *signInStep) userName() string {
	if st.user == nil {
		return st.typed
	}
	return st.user.Username
}

// userAttributes are the step's user's attributes as trigger events carry them, and
// userNotFound for a name that matches nobody (no attributes then).
func (st *signInStep) userAttributes() (attrs map[string]string, userNotFound bool) {
	if st.user == nil {
		return map[string]string{}, true
	}
	return triggers.UserAttributes(st.user), false
}

// readPassword checks USER_PASSWORD_AUTH's parameters.
func readPassword(c *signInCall) error {
	if c.params["PASSWORD"] == "" {
		return msg.MissingParam("PASSWORD")
	}
	return nil
}

// decidePassword is USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password's verdict.
func decidePassword(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	return s.verifyPassword(ctx, c.step(), c.params["PASSWORD"]), nil
}

// countAttemptFor is the common case of a password sign-in in one store request after the name
// lookup: it finds the user's key from what was typed without reading the user — a username is
// its key; an email or phone number in a pool that signs in with them is one alias read — and
// counts the attempt while reading the user (limits.CountAttempt). nil sends the sign-in down the full
// path (preamble.Resolve, limits.ReserveAttempt), which also covers alias attributes, unknown users and a
// SECRET_HASH over the internal username: nothing is counted before the SECRET_HASH holds.
func (s *SignIn) countAttemptFor(ctx context.Context, p *model.Pool, c *model.Client, typed, secretHash string) *model.User {
	if c.Secret != "" && model.CheckSecretHash(c, secretHash, typed) != nil {
		return nil
	}
	key := model.UserKey(p, typed)
	if kind, value, ok := model.UsernameAlias(p, typed); ok {
		var err error
		if key, err = s.Repo.AliasOwner(ctx, p.Id, kind, value); err != nil {
			return nil
		}
	}
	return s.limits.CountAttempt(ctx, p, key)
}

// unknownUserPassword answers a password for a user that does not exist, after the same work as
// a real check so the answer's timing does not reveal the user (ENUM-03).
//
// With existence errors hidden, the pool's PreAuthentication function is asked first, told
// userNotFound, as Cognito does: its refusal is the answer, as it would be for a real user.
func unknownUserPassword(ctx context.Context, s *SignIn, c *signInCall) error {
	if c.client.HidesExistence() {
		if err := s.preAuthentication(ctx, c.step()); err != nil {
			return err
		}
	}
	return s.unknownPassword(ctx, c.pool, c.client, c.params["PASSWORD"])
}

func (s *SignIn) unknownPassword(ctx context.Context, p *model.Pool, c *model.Client, password string) error {
	if _, err := s.passwords.Check(ctx, p, nil, password); err != nil {
		return msg.Internal(err)
	}
	if c.HidesExistence() {
		return msg.Incorrect()
	}
	return msg.UserNotFound()
}

// verifyPassword is the decision on a plaintext password (USER_PASSWORD_AUTH and USER_AUTH's
// PASSWORD factor): its verdict.
func (s *SignIn) verifyPassword(ctx context.Context, st *signInStep, password string) *signInDecision {
	return &signInDecision{step: st, verdict: func(u *model.User) (bool, error) {
		return s.passwords.Check(ctx, st.pool, u, password)
	}}
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
func (s *SignIn) passwordVerdict(ctx context.Context, st *signInStep, verdict func(u *model.User) (bool, error)) (out *api.AuthOutput, err error) {
	u := st.user
	hide := st.client.HidesExistence()
	unjudged := !hide && (!u.Enabled || u.Status == model.StatusUnconfirmed)
	if st.reserved {
		// limits.CountAttempt counted this attempt before anything was looked at. One refused without a
		// verdict reaching the caller — the user disabled or unconfirmed (LEGACY), or the step's
		// Session spent (a replay, found only when the outcome commits) — is taken back.
		defer func() {
			if unjudged || errors.Is(err, msg.InvalidSession()) {
				s.limits.ReleaseAttempt(ctx, st.pool, u)
			}
		}()
	}
	if unjudged {
		return nil, accountStateErr(u)
	}
	// Lockout phase: the attempt is counted as failed before it is judged, atomically — by
	// limits.CountAttempt while the user was read, or here in one compare-and-swap — so concurrent
	// guesses cannot outrun the lock and a locked user is refused unjudged (AUTH-01..04). Every
	// flow's proof passes here — a password, an SRP PASSWORD_CLAIM_SIGNATURE (bad or stale) — and
	// a success clears the count in the transaction that commits the outcome.
	if !st.reserved {
		u, err = s.limits.ReserveAttempt(ctx, st.pool, u, st.attempt...)
		if errors.Is(err, store.ErrConditionFailed) {
			return nil, msg.InvalidSession() // the Session was spent already
		}
		if hide && errors.Is(err, msg.AttemptsExceeded()) {
			// "Password attempts exceeded" would name a real account: an unknown one never
			// locks. The lock holds all the same (nothing is judged against the user), after
			// the work a verdict costs.
			if _, err := verdict(&model.User{UserRecord: &model.UserRecord{}}); err != nil {
				return nil, msg.Internal(err)
			}
			return nil, msg.Incorrect()
		}
		if err != nil {
			return nil, err
		}
	}
	st.user = u
	ok, err := verdict(u)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if !ok {
		if st.refusal != nil {
			return nil, st.refusal
		}
		return nil, msg.Incorrect()
	}
	if !u.Enabled || u.Status == model.StatusUnconfirmed {
		// Hidden existence: the state is told only now, to whoever proved the password, which
		// must not count toward lockout.
		if _, err := s.limits.ClearFailures(ctx, st.pool, u); err != nil {
			return nil, err
		}
		return nil, accountStateErr(u)
	}
	change := st.change
	st.change = func(cur *model.User) ([]store.Op, error) {
		cur.Lock = nil
		if change == nil {
			return nil, nil
		}
		return change(cur)
	}
	switch u.Status {
	case model.StatusResetRequired:
		// The password was right: the reserved failure must not count toward lockout.
		if _, err := s.limits.ClearFailures(ctx, st.pool, u); err != nil {
			return nil, err
		}
		if st.client.HidesExistence() {
			return nil, msg.Incorrect()
		}
		return nil, cognito.PasswordResetRequired("Password reset required for the user")
	case model.StatusForceChangePassword:
		if s.passwords.TemporaryExpired(st.pool, u) {
			if _, err := s.limits.ClearFailures(ctx, st.pool, u); err != nil {
				return nil, err
			}
			return nil, cognito.NotAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		return s.newPasswordChallenge(ctx, st)
	}
	if st.custom != nil {
		// CUSTOM_AUTH with SRP: the password stands; Define decides what follows.
		history := append(st.custom, &events.CognitoEventUserPoolsChallengeResult{ChallengeName: challengePasswordVerifier, ChallengeResult: true})
		d, err := s.customRound(ctx, st, history, nil)
		if err != nil {
			return nil, err
		}
		return s.carry(ctx, d)
	}
	return s.mfaAndDevice(ctx, st)
}

// accountStateErr is the answer for a disabled or unconfirmed user.
func accountStateErr(u *model.User) error {
	if !u.Enabled {
		return msg.UserDisabled()
	}
	return msg.UserNotConfirmed()
}

// mfaAndDevice is the last phase before tokens: MFA, then the device. A remembered device of the
// user's skips MFA and is then proven with device SRP (so a stolen DEVICE_KEY alone skips
// nothing); otherwise the MFA phase (mfa.go) may pose a challenge, whose answer comes back to
// deviceAndTokens.
func (s *SignIn) mfaAndDevice(ctx context.Context, st *signInStep) (*api.AuthOutput, error) {
	dev, err := s.presentedDevice(ctx, st)
	if err != nil {
		return nil, err
	}
	if (dev == nil || !dev.Remembered) && !st.mfaDone {
		out, err := s.mfaPhase(ctx, st)
		if out != nil || err != nil {
			return out, err
		}
	}
	return s.deviceAndTokens(ctx, st)
}

// deviceAndTokens: a DEVICE_KEY of one of the user's confirmed devices must be proven with
// device SRP before tokens bound to it are issued; an unknown one is refused with the exact text
// clients look for, so they drop it and retry; with device tracking on and no device presented,
// the sign-in gets a new device key.
func (s *SignIn) deviceAndTokens(ctx context.Context, st *signInStep) (*api.AuthOutput, error) {
	dev, err := s.presentedDevice(ctx, st)
	if err != nil {
		return nil, err
	}
	if dev != nil {
		return s.deviceSRPChallenge(ctx, st, dev)
	}
	var meta *model.NewDeviceMetadataType
	// The hosted pages track no device: a browser sign-in makes none (docs/oauth.md,
	// "Passwordless and passkeys at the hosted pages").
	if st.pool.DeviceTracking() && st.hosted == nil {
		if meta, err = s.devices.NewMetadata(st.pool, st.user); err != nil {
			return nil, err
		}
	}
	return s.issueTokens(ctx, st, meta)
}

// issueTokens finishes a sign-in: tokens, bound to the new device when there is one.
func (s *SignIn) issueTokens(ctx context.Context, st *signInStep, meta *model.NewDeviceMetadataType) (*api.AuthOutput, error) {
	var device string
	if meta != nil {
		device = meta.DeviceKey
		st.newDevice = true
	}
	res, err := s.signIn(ctx, st, device, nil)
	if err != nil {
		return nil, err
	}
	res.NewDeviceMetadata = meta
	return &api.AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}

// requiredMissing lists the required attributes the user still lacks, as NEW_PASSWORD_REQUIRED
// names them ("userAttributes.<name>").
func requiredMissing(p *model.Pool, u *model.User) []string {
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
func (s *SignIn) newPasswordChallenge(ctx context.Context, st *signInStep) (*api.AuthOutput, error) {
	p, c, u := st.pool, st.client, st.user
	sess, err := s.nextChallenge(ctx, st, sessions.Session{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), Username: u.Username, Challenge: challengeNewPassword})
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range u.Attrs {
		attrs[k] = v
	}
	req, _ := json.Marshal(requiredMissing(p, u))
	cur, _ := json.Marshal(attrs)
	return &api.AuthOutput{ChallengeName: challengeNewPassword, Session: sess, ChallengeParameters: map[string]string{
		"USER_ID_FOR_SRP": u.Username, "requiredAttributes": string(req), "userAttributes": string(cur),
	}}, nil
}

// decideNewPassword answers NEW_PASSWORD_REQUIRED: the new password (and the required
// attributes still missing) commit with whatever comes next, tokens or the device challenge.
func decideNewPassword(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	p, u, resp := c.pool, c.user, c.params
	newPassword := resp["NEW_PASSWORD"]
	if newPassword == "" {
		return nil, msg.MissingParam("NEW_PASSWORD")
	}
	var given []model.AttributeType
	for k, v := range resp {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			given = append(given, model.AttributeType{Name: name, Value: model.Ptr(v)})
		}
	}
	attrs, err := model.CheckAttributes(p, given, false, model.ClientWritable(c.client))
	if err != nil {
		return nil, err
	}
	if err := model.CheckPasswordPolicy(p, newPassword); err != nil {
		return nil, err
	}
	pw, err := s.passwords.New(ctx, p, u.Username, u.Sub(), newPassword, false)
	if err != nil {
		return nil, msg.Internal(err)
	}
	st := c.step()
	st.tokenSource = trigger.TokenGenerationNewPasswordChallenge
	st.change = func(cur *model.User) ([]store.Op, error) {
		if cur.Status != model.StatusForceChangePassword {
			return nil, msg.InvalidSession()
		}
		for k, v := range attrs {
			cur.Attrs[k] = v
		}
		if missing := requiredMissing(p, cur); len(missing) > 0 {
			return nil, msg.MissingAttribute(strings.TrimPrefix(missing[0], "userAttributes."))
		}
		cur.Password = pw
		cur.Status = model.StatusConfirmed
		return nil, nil
	}
	// The missing-attribute check must answer before anything is consumed.
	probe := &model.User{UserRecord: &model.UserRecord{Attrs: map[string]string{}}}
	for k, v := range u.Attrs {
		probe.Attrs[k] = v
	}
	for k, v := range attrs {
		probe.Attrs[k] = v
	}
	if missing := requiredMissing(p, probe); len(missing) > 0 {
		return nil, msg.MissingAttribute(strings.TrimPrefix(missing[0], "userAttributes."))
	}
	return &signInDecision{step: st, proven: true}, nil
}

// nextChallenge stores the Session of the step that comes next and returns its token,
// committing it with the answered Session's consumption and the step's user change.
func (s *SignIn) nextChallenge(ctx context.Context, st *signInStep, sess sessions.Session) (string, error) {
	tok, err := s.sessions.NewToken()
	if err != nil {
		return "", msg.Internal(err)
	}
	if err := s.commitStep(ctx, st, s.sessions.Op(st.client, tok, sess)); err != nil {
		return "", err
	}
	return tok, nil
}

// commitStep writes a step's outcome ops (a new Session, a device) together with the step's
// consumed Session and user change, in one transaction.
func (s *SignIn) commitStep(ctx context.Context, st *signInStep, ops ...store.Op) error {
	ops = append(ops, st.consume...)
	if st.change == nil && len(ops) == 0 {
		return nil
	}
	if st.change == nil {
		err := s.Repo.Commit(ctx, ops...)
		if errors.Is(err, store.ErrConditionFailed) {
			return msg.InvalidSession()
		}
		return msg.Internal(err)
	}
	_, err := s.dir.UpdateUser(ctx, st.pool, st.user, func(cur *model.User) ([]store.Op, error) {
		extra, err := st.change(cur)
		if err != nil {
			return nil, err
		}
		return append(extra, ops...), nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return msg.InvalidSession()
	}
	return err
}
