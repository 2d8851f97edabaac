package signin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/sessions"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// CUSTOM_AUTH (cognito-protocol.md §3.6): the pool's DefineAuthChallenge function decides, round
// by round, from the history of the challenges so far, whether to issue tokens, to fail, or to
// pose another challenge; CreateAuthChallenge makes that challenge (public parameters for the
// client, private ones kept server side), VerifyAuthChallengeResponse judges the answer. The
// history and the private parameters travel in the step's stored Session, bound and single use
// like every other; tokens go through the same phases as a password sign-in (disabled,
// unconfirmed, status, MFA, device).
func init() {
	registerFlow("CUSTOM_AUTH", &signInHandler{allow: "ALLOW_CUSTOM_AUTH", username: true, read: readCustomAuth,
		unknown: unknownCustomUser, decide: decideCustomAuth})
	registerAnswer(challengeCustom, &signInHandler{username: true, session: challengeCustom, read: readCustomAnswer, decide: decideCustomAnswer})
}

const challengeCustom = "CUSTOM_CHALLENGE"

// Keys of a custom-auth Session's Data.
const (
	sessHistory = "history" // the rounds so far: JSON of []*events.CognitoEventUserPoolsChallengeResult
	sessPrivate = "private" // the current challenge's privateChallengeParameters, JSON
	sessName    = "name"    // the current challenge's name, as Define chose it
	sessMeta    = "meta"    // the current challenge's challengeMetadata
)

// maxCustomRounds bounds a custom sign-in's challenges, as Cognito bounds the session.
const maxCustomRounds = 10

// readCustomAuth reads SRP_A when the custom flow starts with SRP (CHALLENGE_NAME=SRP_A,
// Amplify's CUSTOM_WITH_SRP).
func readCustomAuth(c *signInCall) (err error) {
	if c.params["CHALLENGE_NAME"] == "SRP_A" {
		c.srpA, err = readSRPA(c.params)
	}
	return err
}

func readCustomAnswer(c *signInCall) error {
	if _, ok := c.params["ANSWER"]; !ok {
		return msg.MissingParam("ANSWER")
	}
	return nil
}

// unknownCustomUser answers CUSTOM_AUTH for a name that matches nobody. With existence errors
// hidden the flow goes on with no user (nil), as Cognito's does: the triggers are told
// userNotFound, so a function can pose the challenge it would pose a real user, and the sign-in
// can only end as a failed one does (customRound).
func unknownCustomUser(ctx context.Context, s *SignIn, c *signInCall) error {
	if c.client.HidesExistence() {
		return nil
	}
	return msg.UserNotFound()
}

// decideCustomAuth is CUSTOM_AUTH's InitiateAuth: PreAuthentication, then the first round, for
// a user who may sign in (a disabled or unconfirmed one is told so before any trigger runs).
func decideCustomAuth(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st := c.step()
	if u := st.user; u != nil && (!u.Enabled || u.Status == model.StatusUnconfirmed) {
		return nil, accountStateErr(u)
	}
	// The one PreAuthentication of a custom sign-in; a PASSWORD_VERIFIER inside it does not
	// fire another (carry).
	if err := s.preAuthentication(ctx, st); err != nil {
		return nil, err
	}
	if c.srpA != nil {
		// Define sees the SRP_A round as passed and answers PASSWORD_VERIFIER; the verifier's
		// answer then comes back here through the SECRET_BLOCK (passwordVerdict).
		return s.customRound(ctx, st, []*events.CognitoEventUserPoolsChallengeResult{{ChallengeName: "SRP_A", ChallengeResult: true}}, c)
	}
	return s.customRound(ctx, st, nil, nil)
}

// decideCustomAnswer judges a CUSTOM_CHALLENGE answer with VerifyAuthChallengeResponse, adds the
// result to the history and lets Define decide the next round.
func decideCustomAnswer(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	st := c.step()
	var history []*events.CognitoEventUserPoolsChallengeResult
	var private map[string]string
	if err := json.Unmarshal([]byte(c.sess.Data[sessHistory]), &history); err != nil {
		return nil, msg.Internal(err)
	}
	if err := json.Unmarshal([]byte(c.sess.Data[sessPrivate]), &private); err != nil {
		return nil, msg.Internal(err)
	}
	if st.user == nil {
		st.typed = c.sess.Username // the name the simulated round was posed to
	}
	ev, err := s.triggers.Run(ctx, st.pool, s.customCall(trigger.VerifyAuthChallengeResponseAuthentication, st), func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsVerifyAuthChallenge).Request
		req.UserAttributes, req.UserNotFound = st.userAttributes()
		req.PrivateChallengeParameters = private
		req.ChallengeAnswer = c.params["ANSWER"]
		req.ClientMetadata = st.meta
	})
	if err != nil {
		return nil, err
	}
	if ev == nil {
		return nil, missingCustomTrigger(trigger.VerifyAuthChallengeResponse)
	}
	correct := ev.(*events.CognitoEventUserPoolsVerifyAuthChallenge).Response.AnswerCorrect
	history = append(history, &events.CognitoEventUserPoolsChallengeResult{ChallengeName: c.sess.Data[sessName],
		ChallengeResult: correct, ChallengeMetadata: c.sess.Data[sessMeta]})
	return s.customRound(ctx, st, history, nil)
}

// customCall is a custom-auth trigger call for the step's user.
func (s *SignIn) customCall(src trigger.Source, st *signInStep) triggers.Call {
	return triggers.Call{Source: src, UserName: st.userName(), ClientID: st.client.ID}
}

// missingCustomTrigger is the answer when a pool has no function for a custom-auth trigger.
func missingCustomTrigger(t trigger.Trigger) error {
	return trigger.Failure(t, &trigger.InvocationError{Reason: trigger.ReasonNotFound,
		Cause: fmt.Errorf("the pool configures no %s function", t)})
}

// customRound asks Define what follows history: tokens (through the rest of the pipeline), a
// failure, or the next challenge, made by Create and posed with a new Session.
//
// srp is the InitiateAuth that began with SRP_A: only then may Define answer PASSWORD_VERIFIER.
func (s *SignIn) customRound(ctx context.Context, st *signInStep, history []*events.CognitoEventUserPoolsChallengeResult, srp *signInCall) (*signInDecision, error) {
	if history == nil {
		history = []*events.CognitoEventUserPoolsChallengeResult{}
	}
	ev, err := s.triggers.Run(ctx, st.pool, s.customCall(trigger.DefineAuthChallengeAuthentication, st), func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsDefineAuthChallenge).Request
		req.UserAttributes, req.UserNotFound = st.userAttributes()
		req.Session = history
		req.ClientMetadata = st.meta
	})
	if err != nil {
		return nil, err
	}
	if ev == nil {
		return nil, missingCustomTrigger(trigger.DefineAuthChallenge)
	}
	define := ev.(*events.CognitoEventUserPoolsDefineAuthChallenge).Response
	switch {
	case define.FailAuthentication, define.IssueTokens && st.user == nil:
		// Tokens for a name that matches nobody end as a wrong answer does. Either way the
		// answered Session is spent: a failed sign-in cannot be answered again.
		if err := s.commitStep(ctx, st); err != nil {
			return nil, err
		}
		return nil, msg.Incorrect()
	case define.IssueTokens:
		return &signInDecision{step: st, proven: true}, nil
	case define.ChallengeName == challengePasswordVerifier && srp != nil:
		hist, err := json.Marshal(history)
		if err != nil {
			return nil, msg.Internal(err)
		}
		st.customBlock = string(hist)
		return s.passwordVerifierChallenge(ctx, st, srp.username, srp.srpA, true)
	case define.ChallengeName != challengeCustom:
		// Define may name the built-in challenges too (PASSWORD_VERIFIER after SRP_A, MFA);
		// Cognate poses only CUSTOM_CHALLENGE so far.
		return nil, msg.InvalidLambdaResponse(fmt.Sprintf("DefineAuthChallenge named %q, which Cognate does not pose in a custom sign-in yet.", define.ChallengeName))
	case len(history) >= maxCustomRounds:
		return nil, msg.Incorrect()
	}
	ev, err = s.triggers.Run(ctx, st.pool, s.customCall(trigger.CreateAuthChallengeAuthentication, st), func(ev any) {
		req := &ev.(*events.CognitoEventUserPoolsCreateAuthChallenge).Request
		req.UserAttributes, req.UserNotFound = st.userAttributes()
		req.ChallengeName = define.ChallengeName
		req.Session = history
		req.ClientMetadata = st.meta
	})
	if err != nil {
		return nil, err
	}
	if ev == nil {
		return nil, missingCustomTrigger(trigger.CreateAuthChallenge)
	}
	create := ev.(*events.CognitoEventUserPoolsCreateAuthChallenge).Response
	hist, err := json.Marshal(history)
	if err != nil {
		return nil, msg.Internal(err)
	}
	priv, err := json.Marshal(create.PrivateChallengeParameters)
	if err != nil {
		return nil, msg.Internal(err)
	}
	params := map[string]string{}
	for k, v := range create.PublicChallengeParameters {
		params[k] = v
	}
	params["USERNAME"] = st.userName()
	next := &sessions.Session{PoolID: st.pool.Id, ClientID: st.client.ID, Username: st.userName(),
		Challenge: challengeCustom, Data: map[string]string{sessHistory: string(hist), sessPrivate: string(priv),
			sessName: define.ChallengeName, sessMeta: create.ChallengeMetadata}}
	if u := st.user; u != nil {
		next.UserKey, next.Sub = u.Stored.Key, u.Sub()
	} else {
		next.Data[sessions.KeyTyped] = st.typed // a simulated session (UserKey ""), answered by that name
	}
	return &signInDecision{step: st, next: next, out: &api.AuthOutput{ChallengeName: challengeCustom, ChallengeParameters: params}}, nil
}
