package signin

import (
	"context"
	"fmt"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// The sign-in registry: every first factor InitiateAuth accepts (a flow) and every challenge
// RespondToAuthChallenge answers is one signInHandler, registered under its wire name from
// the file of its factor (password.go: passwords and NEW_PASSWORD_REQUIRED; srp.go: SRP;
// device.go: device SRP; user_auth.go: USER_AUTH's choice; refresh.go: refresh). The
// pipeline (pipeline.go) runs the shared phases a handler declares it needs and carries out
// what the handler decided.
//
// Adding a step (MFA, custom auth, WebAuthn): write its handler in the file of its factor and
// register it from that file's init with registerAnswer (or registerFlow); the name's
// "not implemented" placeholder below gives way to it, and no switch is edited. A challenge
// it poses is a decision with its next Session (signInDecision.next), answered by the handler
// registered under that Session's challenge. The MFA phase itself is the hook point in
// mfaAndDevice, where the next challenge is chosen after the password.

// signInCaller says which operations may start a flow.
type signInCaller int

const (
	callerAny    signInCaller = iota
	callerPublic              // InitiateAuth only
	callerAdmin               // AdminInitiateAuth only
)

// signInHandler is one registered step of a sign-in. Its fields declare what the step needs
// from the shared phases, which the pipeline runs in the documented order; decide then judges
// what only the step knows and returns what it decided. A handler never commits: the pipeline
// does, once, with the step's outcome (carry).
type signInHandler struct {
	// allow is the client's ExplicitAuthFlows entry a flow needs (flows only).
	allow string
	// caller restricts a flow to InitiateAuth or AdminInitiateAuth.
	caller signInCaller
	// username: the step names its user by USERNAME, which must be present; the pipeline then
	// resolves the user (from the step's Session when there is one, else from the typed name,
	// with existence hiding) and checks SECRET_HASH. Without it (REFRESH_TOKEN_AUTH) decide
	// gets the bare request.
	username bool
	// read checks the step's own parameters, after USERNAME and before anything is looked up,
	// so a missing or malformed one answers first.
	read func(c *signInCall) error
	// session is the challenge of the stored or sealed Session the step must carry (peekSession):
	// required of an answer; a flow that names one (USER_AUTH after sign-up) takes it when sent.
	session string
	// ticket opens step state that travels with the answer: besides the Session (the device
	// verifier's SECRET_BLOCK), or instead of it, setting c.sess and c.consume (PASSWORD_VERIFIER,
	// whose SECRET_BLOCK is its ticket and whose Session is optional).
	ticket func(ctx context.Context, s *SignIn, c *signInCall) error
	// hashName is the internal name SECRET_HASH may be computed over besides USERNAME, for a
	// step that has a Session; nil means the user's username.
	hashName func(c *signInCall) string
	// counts: the step carries a password proof, whose attempt the pipeline counts toward
	// lockout while it reads the user (limits.CountAttempt) in the common case — one store request
	// before the outcome — rather than in a separate reservation (passwordVerdict).
	counts bool
	// unknown answers a flow whose typed name matched nobody; nil means UserNotFound, or decide
	// with a nil user when existence errors are hidden (the flow simulates a real one).
	unknown func(ctx context.Context, s *SignIn, c *signInCall) error
	// decide judges the step for c.user and returns what it decided.
	decide func(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error)
}

// notImplemented stands for a challenge Cognito has and Cognate does not answer yet.
var notImplemented = &signInHandler{}

var (
	signInFlows   = map[string]*signInHandler{}
	signInAnswers = map[string]*signInHandler{
		"SMS_MFA": notImplemented, "SOFTWARE_TOKEN_MFA": notImplemented, "SELECT_MFA_TYPE": notImplemented,
		"MFA_SETUP": notImplemented, "CUSTOM_CHALLENGE": notImplemented, "ADMIN_NO_SRP_AUTH": notImplemented,
		"EMAIL_OTP": notImplemented, "SMS_OTP": notImplemented, "WEB_AUTHN": notImplemented,
	}
)

// registerFlow registers a first factor of InitiateAuth under its AuthFlow name.
func registerFlow(name string, h *signInHandler) {
	if cur, ok := signInFlows[name]; ok && cur.decide != nil {
		panic(fmt.Sprintf("userpool: sign-in flow %s registered twice", name))
	}
	signInFlows[name] = h
}

// registerAnswer registers the answer to a challenge under its ChallengeName. It may replace
// the challenge's not-implemented placeholder, never a real handler.
func registerAnswer(name string, h *signInHandler) {
	if cur, ok := signInAnswers[name]; ok && cur != notImplemented {
		panic(fmt.Sprintf("userpool: answer to %s registered twice", name))
	}
	signInAnswers[name] = h
}

// unknownChallenge is what a ChallengeName outside Cognito's enum gets: Cognito's own
// validation message, which lists the enum (not the registry: it names the challenges Cognate
// does not implement too).
func unknownChallenge(name string) error {
	return cognito.InvalidParameter("1 validation error detected: Value '%s' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: [SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, SELECT_CHALLENGE, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED, SMS_OTP, PASSWORD, WEB_AUTHN, PASSWORD_SRP]", name)
}
