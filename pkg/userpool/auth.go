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
//	-> disabled / UNCONFIRMED -> [lockout] -> password -> RESET_REQUIRED / FORCE_CHANGE_PASSWORD
//	-> [MFA, device] -> [PostAuthentication, PreTokenGeneration triggers] -> tokens
//
// Bracketed phases are hook points that later work fills in (triggers, lockout, MFA, devices).

const (
	challengeNewPassword = "NEW_PASSWORD_REQUIRED"
)

// authRequest is what InitiateAuth and AdminInitiateAuth share once decoded.
type authRequest struct {
	admin  bool
	flow   string
	params map[string]string
	pool   *poolState
	client *clientState
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

func incorrect() error { return cognito.NotAuthorized("Incorrect username or password.") }

func missingParam(name string) error {
	return cognito.InvalidParameter("Missing required parameter %s", name)
}

// InitiateAuth starts a sign-in for a public client.
func (s *Service) InitiateAuth(ctx context.Context, in *InitiateAuthInput) (*InitiateAuthOutput, error) {
	c, p, err := s.client(ctx, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &authRequest{flow: in.AuthFlow, params: in.AuthParameters, pool: p, client: c})
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *Service) AdminInitiateAuth(ctx context.Context, in *AdminInitiateAuthInput) (*AdminInitiateAuthOutput, error) {
	c, p, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return s.initiate(ctx, &authRequest{admin: true, flow: in.AuthFlow, params: in.AuthParameters, pool: p, client: c})
}

func (s *Service) initiate(ctx context.Context, r *authRequest) (*AuthOutput, error) {
	switch r.flow {
	case "USER_PASSWORD_AUTH":
		if r.admin {
			return nil, cognito.InvalidParameter("Initiate Auth method not supported.")
		}
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if !r.admin {
			return nil, cognito.InvalidParameter("Initiate Auth method not supported.")
		}
	}
	allow, ok := flowAllow[r.flow]
	if !ok {
		return nil, cognito.InvalidParameter("Initiate Auth method not supported.")
	}
	if !r.client.flowEnabled(allow) {
		return nil, cognito.InvalidParameter("%s flow not enabled for this client", r.flow)
	}
	switch r.flow {
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		return s.passwordAuth(ctx, r)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		rt := r.params["REFRESH_TOKEN"]
		if rt == "" {
			return nil, missingParam("REFRESH_TOKEN")
		}
		res, err := s.refresh(ctx, r.pool, r.client, rt, func(username string) error {
			return checkSecretHash(r.client, r.params["SECRET_HASH"], username)
		})
		if err != nil {
			return nil, err
		}
		return &AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
	}
	// USER_SRP_AUTH, CUSTOM_AUTH and USER_AUTH join this pipeline in the SRP and custom-auth work.
	return nil, cognito.UnsupportedOperation("%s is not implemented by Cognate yet.", r.flow)
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
	u, err := s.findUser(ctx, r.pool, username, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	var internalName string
	if u != nil {
		internalName = u.Username
	}
	if err := checkSecretHash(r.client, r.params["SECRET_HASH"], username, internalName); err != nil {
		return nil, err
	}
	if u == nil {
		// Same work as a real check, so the answer's timing does not reveal the user (ENUM-03).
		if _, err := s.checkPassword(ctx, r.pool, nil, password); err != nil {
			return nil, internal(err)
		}
		if r.client.preventUserExistenceErrors() {
			return nil, incorrect()
		}
		return nil, userNotFound()
	}
	// PreAuthentication trigger point.
	ok, err := s.checkPassword(ctx, r.pool, u, password)
	if err != nil {
		return nil, internal(err)
	}
	if !u.Enabled {
		return nil, cognito.NotAuthorized("User is disabled.")
	}
	if u.Status == statusUnconfirmed {
		return nil, cognito.UserNotConfirmed("User is not confirmed.")
	}
	// Lockout phase point: failures are counted here (AUTH-01..04).
	if !ok {
		return nil, incorrect()
	}
	switch u.Status {
	case statusResetRequired:
		if r.client.preventUserExistenceErrors() {
			return nil, incorrect()
		}
		return nil, cognito.PasswordResetRequired("Password reset required for the user")
	case statusForceChangePassword:
		if s.tempPasswordExpired(r.pool, u) {
			return nil, cognito.NotAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		return s.newPasswordChallenge(ctx, r.pool, r.client, u)
	}
	// MFA and device phase point.
	res, err := s.signIn(ctx, r.pool, r.client, u, nil)
	if err != nil {
		return nil, err
	}
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

func (s *Service) newPasswordChallenge(ctx context.Context, p *poolState, c *clientState, u *userState) (*AuthOutput, error) {
	sess, err := s.newSession(ctx, c, authSession{PoolID: p.Id, ClientID: c.ID, UserKey: u.st.Key, Username: u.Username, Challenge: challengeNewPassword})
	if err != nil {
		return nil, internal(err)
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
	switch challenge {
	case challengeNewPassword:
		return s.respondNewPassword(ctx, p, c, session, resp)
	case "SMS_MFA", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE",
		"DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH", "EMAIL_OTP", "SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP", "SELECT_CHALLENGE":
		return nil, cognito.UnsupportedOperation("Challenge %s is not implemented by Cognate yet.", challenge)
	}
	return nil, cognito.InvalidParameter("1 validation error detected: Value '%s' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set: [SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, SELECT_CHALLENGE, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED, SMS_OTP, PASSWORD, WEB_AUTHN, PASSWORD_SRP]", challenge)
}

// peekSession reads a session without consuming it; the answer consumes it in the same
// transaction that applies its effect, so a retry after a policy error can use it again and a
// replay after success cannot.
func (s *Service) peekSession(ctx context.Context, c *clientState, token, challenge string) (*authSession, store.Op, error) {
	if token == "" {
		return nil, store.Op{}, missingParam("Session")
	}
	id := sessionID(token)
	it, err := s.repo.GetRecord(ctx, "session", id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Op{}, invalidSession()
	}
	if err != nil {
		return nil, store.Op{}, internal(err)
	}
	var sess authSession
	if err := json.Unmarshal(it.Data, &sess); err != nil {
		return nil, store.Op{}, internal(err)
	}
	if sess.ClientID != c.ID || sess.PoolID != c.PoolID || sess.Challenge != challenge {
		return nil, store.Op{}, invalidSession()
	}
	pk, sk := store.RecordKey("session", id)
	return &sess, store.Op{Kind: store.OpDelete, Item: store.Item{PK: pk, SK: sk}, Cond: store.Cond{Kind: store.CondVersion, Version: it.Version}}, nil
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
	u, err := s.findUser(ctx, p, username, false)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.st.Key != sess.UserKey) {
		return nil, invalidSession() // a session answers only for the user it was issued to
	}
	if err != nil {
		return nil, internal(err)
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
	res, err := s.signIn(ctx, p, c, u, func(cur *userState) ([]store.Op, error) {
		if cur.Status != statusForceChangePassword {
			return nil, invalidSession()
		}
		for k, v := range attrs {
			cur.Attrs[k] = v
		}
		if missing := requiredMissing(p, cur); len(missing) > 0 {
			return nil, cognito.InvalidParameter("Invalid attributes given, %s is missing", strings.TrimPrefix(missing[0], "userAttributes."))
		}
		cur.Password = pw
		cur.Status = statusConfirmed
		return []store.Op{consume}, nil
	})
	if err != nil {
		return nil, err
	}
	return &AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
}
