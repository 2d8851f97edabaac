// Package signin is the sign-in pipeline. InitiateAuth starts a flow, RespondToAuthChallenge
// answers a challenge; both find the step's handler in the registry (registry.go) and run the
// same phases in the same order, so no step can skip one (check order per protocol §3.1):
//
//	client and flow enabled -> USERNAME and the step's own parameters -> Session (or the step's
//	ticket) -> user lookup and SECRET_HASH -> [PreAuthentication trigger] -> the step's decision
//	-> password verdict -> disabled / UNCONFIRMED -> [lockout] -> verdict applied
//	-> RESET_REQUIRED / FORCE_CHANGE_PASSWORD -> [MFA] -> device -> [PostAuthentication,
//	PreTokenGeneration triggers] -> commit: tokens, or the next challenge
//
// With existence errors hidden, disabled / UNCONFIRMED is told only after a right password;
// with LEGACY, before the password is looked at, as Cognito does (passwordVerdict). A name that
// matches nobody then goes on as a simulated user (nil) whose proof fails like a wrong password.
//
// Steps differ only in what they decide: USER_PASSWORD_AUTH (and USER_AUTH's PASSWORD factor)
// reach a verdict on the password by recomputing its verifier, PASSWORD_VERIFIER (USER_SRP_AUTH,
// PASSWORD_SRP) by checking the PASSWORD_CLAIM_SIGNATURE, a sign-up Session vouches for a user
// who just proved their address; NEW_PASSWORD_REQUIRED proves nothing new and goes on to MFA and
// the device; the others pose the next challenge or, for a device proof, issue tokens. The
// pipeline carries out the decision (carry): a verdict goes through passwordVerdict, which runs
// everything after it in the one order above, and every write of the step — the answered
// Session spent, the next one stored, the user changed, tokens — commits there, once
// (commitStep, signIn). Bracketed phases are hook points that later work fills in.
//
// Where each step lives: password.go (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
// NEW_PASSWORD_REQUIRED, and the phases from the password verdict on), srp.go (USER_SRP_AUTH and
// PASSWORD_VERIFIER), user_auth.go (USER_AUTH, SELECT_CHALLENGE and its first factors; otp.go
// and passkey.go, its one-time codes and passkeys),
// device.go (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER), refresh.go (REFRESH_TOKEN_AUTH, and
// signIn, the commit of a completed sign-in). Each registers its handlers from its own init.
package signin

import (
	"context"
	"math/big"

	"github.com/aws/aws-lambda-go/events"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/codes"
	"github.com/cognatehq/cognate/pkg/userpool/devices"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/limits"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/mfa"
	"github.com/cognatehq/cognate/pkg/userpool/migration"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
	"github.com/cognatehq/cognate/pkg/userpool/passwords"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
	"github.com/cognatehq/cognate/pkg/userpool/preamble"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// SignIn runs the sign-in pipeline over the service's ports and the rooms it uses.
type SignIn struct {
	*ports.Ports
	dir       *directory.Directory
	sessions  *sessions.Sessions
	limits    *limits.Limits
	devices   *devices.Devices
	lineages  *lineage.Lineages
	passwords *passwords.Passwords
	triggers  *triggers.Triggers
	// migrations moves unknown users in through the pool's UserMigration function.
	migrations *migration.Migrations
	// mfa chooses and judges the second factor; codes sends and checks SMS and email codes.
	mfa   *mfa.MFA
	codes *codes.Codes
	// passkeys poses and judges the WEB_AUTHN first factor.
	passkeys *passkeys.Passkeys
}

// Rooms are the rooms the pipeline uses.
type Rooms struct {
	Directory  *directory.Directory
	Sessions   *sessions.Sessions
	Limits     *limits.Limits
	Devices    *devices.Devices
	Lineages   *lineage.Lineages
	Passwords  *passwords.Passwords
	Triggers   *triggers.Triggers
	Migrations *migration.Migrations
	MFA        *mfa.MFA
	Codes      *codes.Codes
	Passkeys   *passkeys.Passkeys
}

// New builds the sign-in pipeline.
func New(p *ports.Ports, r Rooms) *SignIn {
	return &SignIn{Ports: p, dir: r.Directory, sessions: r.Sessions, limits: r.Limits, devices: r.Devices,
		lineages: r.Lineages, passwords: r.Passwords, triggers: r.Triggers, migrations: r.Migrations, mfa: r.MFA, codes: r.Codes, passkeys: r.Passkeys}
}

// signInCall is one InitiateAuth or RespondToAuthChallenge on its way through the pipeline.
type signInCall struct {
	admin  bool
	name   string            // the AuthFlow or ChallengeName
	params map[string]string // AuthParameters or ChallengeResponses, never nil
	token  string            // the Session sent
	// meta is RespondToAuthChallenge's ClientMetadata, which Cognito forwards to the triggers
	// of the step (Define, Create, Verify, PostAuthentication, PreTokenGeneration); validation
	// is InitiateAuth's, which it forwards only to PreAuthentication (as validationData) and
	// UserMigration. Each is nil in the other call.
	meta       map[string]string
	validation map[string]string
	pool       *model.Pool
	client     *model.Client
	// hosted, set for the hosted pages, completes the sign-in with a grant instead of tokens.
	hosted Completion

	// Set by the phases.
	username string            // USERNAME
	sess     *sessions.Session // the step's Session (or the view of its ticket); nil for none
	consume  []store.Op        // spends sess with the step's outcome
	user     *model.User       // nil: a simulated user (existence hidden)
	reserved bool              // user was read by limits.CountAttempt, which counted this attempt

	// Set by a handler's read and ticket for its decide.
	srpA     *big.Int
	proof    *srpProof
	block    *secretBlock
	blockRaw []byte
}

// step is the signInStep the call's decision starts from.
func (c *signInCall) step() *signInStep {
	return &signInStep{pool: c.pool, client: c.client, user: c.user, typed: c.username, device: c.params["DEVICE_KEY"], consume: c.consume,
		reserved: c.reserved, meta: c.meta, validation: c.validation, hosted: c.hosted}
}

// signInDecision is what a handler decided; carry carries it out. Exactly one of verdict,
// proven, tokens, next or step-with-out applies, tried in that order; out alone is a result
// that needs nothing more.
type signInDecision struct {
	step *signInStep
	// verdict judges the password proof the step received: the rest of the pipeline follows.
	verdict func(u *model.User) (bool, error)
	// proven: the first factor stands (a new password set); MFA and the device follow.
	proven bool
	// secondFactor: the MFA challenge was answered; the device and tokens follow.
	secondFactor bool
	// tokens: the sign-in is complete, bound to device, with ops committed alongside.
	tokens bool
	device string
	// out is a challenge to pose; next, when set, is its Session to store (its token goes to
	// out.Session), and ops commit with it.
	out  *api.AuthOutput
	next *sessions.Session
	ops  []store.Op
}

// InitiateAuth starts a sign-in for a public client.
func (s *SignIn) InitiateAuth(ctx context.Context, in *api.InitiateAuthInput) (*api.InitiateAuthOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &signInCall{name: in.AuthFlow, params: in.AuthParameters, token: in.Session, pool: p, client: c, validation: in.ClientMetadata})
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *SignIn) AdminInitiateAuth(ctx context.Context, in *api.AdminInitiateAuthInput) (*api.AdminInitiateAuthOutput, error) {
	c, p, err := s.dir.PoolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &signInCall{admin: true, name: in.AuthFlow, params: in.AuthParameters, token: in.Session, pool: p, client: c, validation: in.ClientMetadata})
}

// RespondToAuthChallenge answers a challenge for a public client.
func (s *SignIn) RespondToAuthChallenge(ctx context.Context, in *api.RespondToAuthChallengeInput) (*api.RespondToAuthChallengeOutput, error) {
	c, p, err := s.dir.Client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, &signInCall{name: in.ChallengeName, params: in.ChallengeResponses, token: in.Session, pool: p, client: c, meta: in.ClientMetadata})
}

// AdminRespondToAuthChallenge answers a challenge from a trusted back end.
func (s *SignIn) AdminRespondToAuthChallenge(ctx context.Context, in *api.AdminRespondToAuthChallengeInput) (*api.AdminRespondToAuthChallengeOutput, error) {
	c, p, err := s.dir.PoolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, &signInCall{admin: true, name: in.ChallengeName, params: in.ChallengeResponses, token: in.Session, pool: p, client: c, meta: in.ClientMetadata})
}

// initiate is the flow phase: the flow exists for this caller and the client enables it.
func (s *SignIn) initiate(ctx context.Context, c *signInCall) (*api.AuthOutput, error) {
	h, ok := signInFlows[c.name]
	if !ok || (h.caller == callerPublic && c.admin) || (h.caller == callerAdmin && !c.admin) {
		return nil, msg.FlowNotSupported()
	}
	if !c.client.FlowEnabled(h.allow) {
		return nil, cognito.InvalidParameter("%s flow not enabled for this client", c.name)
	}
	if c.params == nil {
		c.params = map[string]string{}
	}
	if h.decide == nil {
		return nil, msg.NotImplementedYet(c.name)
	}
	return s.runStep(ctx, h, c, false)
}

// respond finds the answer's handler.
func (s *SignIn) respond(ctx context.Context, c *signInCall) (*api.AuthOutput, error) {
	if c.params == nil {
		c.params = map[string]string{}
	}
	h, ok := signInAnswers[c.name]
	if !ok {
		return nil, unknownChallenge(c.name)
	}
	if h == notImplemented {
		return nil, msg.ChallengeNotImplemented(c.name)
	}
	return s.runStep(ctx, h, c, true)
}

// runStep runs the phases a handler needs, its decision, and the decision's outcome. answer:
// the step answers a challenge, so its Session is required.
func (s *SignIn) runStep(ctx context.Context, h *signInHandler, c *signInCall, answer bool) (*api.AuthOutput, error) {
	if h.username {
		if c.username = c.params["USERNAME"]; c.username == "" {
			return nil, msg.MissingParam("USERNAME")
		}
	}
	if h.read != nil {
		if err := h.read(c); err != nil {
			return nil, err
		}
	}
	if h.username {
		if err := s.userPhase(ctx, h, c, answer); err != nil {
			return nil, err
		}
	}
	d, err := h.decide(ctx, s, c)
	if err != nil {
		return nil, err
	}
	return s.carry(ctx, d)
}

// userPhase resolves the step's user: from its Session (or ticket) when it has one, which the
// USERNAME must name (sessionUser), else from the typed name with existence hiding
// (preamble.Resolve); SECRET_HASH is checked on the way. A password proof is counted toward
// lockout while its user is read when the name leads straight to the user's key.
func (s *SignIn) userPhase(ctx context.Context, h *signInHandler, c *signInCall, answer bool) error {
	if h.session != "" && (answer || c.token != "") {
		sess, consume, err := s.sessions.Peek(ctx, c.client, c.token, h.session)
		if err != nil {
			return err
		}
		c.sess, c.consume = sess, []store.Op{consume}
	}
	if h.ticket != nil {
		if err := h.ticket(ctx, s, c); err != nil {
			return err
		}
	}
	if c.sess != nil {
		return s.sessionUserPhase(ctx, h, c)
	}
	if h.counts {
		if u := s.countAttemptFor(ctx, c.pool, c.client, c.username, c.params["SECRET_HASH"]); u != nil {
			c.user, c.reserved = u, true
			return nil
		}
	}
	u, err := preamble.Resolve(ctx, s.dir, c.pool, c.client, c.username, c.params["SECRET_HASH"])
	if err != nil {
		return err
	}
	if u == nil {
		if h.unknown != nil {
			return h.unknown(ctx, s, c)
		}
		if !c.client.HidesExistence() {
			return msg.UserNotFound()
		}
	}
	c.user = u
	return nil
}

// sessionUserPhase loads the user a step's Session is bound to and checks SECRET_HASH over the
// USERNAME and the name the Session records (hashName).
func (s *SignIn) sessionUserPhase(ctx context.Context, h *signInHandler, c *signInCall) error {
	p, sess := c.pool, c.sess
	hashName := func() string {
		if h.hashName != nil {
			return h.hashName(c)
		}
		if c.user == nil {
			return ""
		}
		return c.user.Username
	}
	// The common case in one store request before the outcome: the answer names the Session's
	// user by its key, so the attempt is counted while that user is read (limits.CountAttempt). The
	// Session's spending is then only checked by the outcome's commit; passwordVerdict takes
	// back the attempt of an answer refused there (a replay), so a replay is never counted.
	if h.counts && sess.UserKey != "" && model.UserKey(p, c.username) == sess.UserKey && model.CheckSecretHash(c.client, c.params["SECRET_HASH"], c.username, hashName()) == nil {
		if u := s.limits.CountAttempt(ctx, p, sess.UserKey); u != nil {
			if u.Sub() != sess.Sub {
				// The name's user was deleted and another registered under it since the step
				// began: not the user it answers for, nor their attempt.
				s.limits.ReleaseAttempt(ctx, p, u)
				return msg.InvalidSession()
			}
			c.user, c.reserved = u, true
			return nil
		}
	}
	u, err := s.sessions.User(ctx, p, sess, c.username)
	if err != nil {
		return err
	}
	c.user = u
	return model.CheckSecretHash(c.client, c.params["SECRET_HASH"], c.username, hashName())
}

// carry carries out a step's decision: the one place a sign-in step's outcome commits.
func (s *SignIn) carry(ctx context.Context, d *signInDecision) (*api.AuthOutput, error) {
	switch {
	case d.verdict != nil:
		// PreAuthentication: the user is known, the password not judged yet (SRP reaches its
		// password with the PASSWORD_VERIFIER answer, not at InitiateAuth). A refusal is no
		// failed password: the attempt counted while the user was read is taken back. A password
		// inside a custom sign-in (CUSTOM_WITH_SRP) had its PreAuthentication when that began.
		if d.step.custom != nil {
			return s.passwordVerdict(ctx, d.step, d.verdict)
		}
		if err := s.preAuthentication(ctx, d.step); err != nil {
			if d.step.reserved {
				s.limits.ReleaseAttempt(ctx, d.step.pool, d.step.user)
			}
			return nil, err
		}
		return s.passwordVerdict(ctx, d.step, d.verdict)
	case d.proven:
		return s.mfaAndDevice(ctx, d.step)
	case d.secondFactor:
		return s.deviceAndTokens(ctx, d.step)
	case d.tokens:
		res, err := s.signIn(ctx, d.step, d.device, d.ops)
		if err != nil {
			return nil, err
		}
		return &api.AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
	case d.next != nil:
		tok, err := s.nextChallenge(ctx, d.step, *d.next)
		if err != nil {
			return nil, err
		}
		d.out.Session = tok
		return d.out, nil
	case d.step != nil:
		if err := s.commitStep(ctx, d.step, d.ops...); err != nil {
			return nil, err
		}
	}
	return d.out, nil
}

// preAuthentication fires the pool's PreAuthentication trigger for the step's user, or, for a
// name that matches nobody with existence errors hidden (st.user nil), told userNotFound as
// Cognito tells it; a refusal (the function's error) is the sign-in's answer.
func (s *SignIn) preAuthentication(ctx context.Context, st *signInStep) error {
	_, err := s.triggers.Run(ctx, st.pool, triggers.Call{Source: trigger.PreAuthenticationAuthentication,
		UserName: st.userName(), ClientID: st.client.ID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPreAuthentication).Request
		req.UserAttributes, req.UserNotFound = st.userAttributes()
		req.ValidationData = st.validation // InitiateAuth's ClientMetadata, as Cognito forwards it
	})
	return err
}

// postAuthentication fires the pool's PostAuthentication trigger once the step's user has
// authenticated, before any token is made; its failure is the sign-in's answer and nothing of
// the step commits.
func (s *SignIn) postAuthentication(ctx context.Context, st *signInStep) error {
	_, err := s.triggers.Run(ctx, st.pool, triggers.Call{Source: trigger.PostAuthenticationAuthentication,
		UserName: st.user.Username, ClientID: st.client.ID}, func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsPostAuthentication).Request
		req.UserAttributes = triggers.UserAttributes(st.user)
		req.ClientMetadata = st.meta
		req.NewDeviceUsed = st.newDevice
	})
	return err
}
