package signin

import (
	"context"
	"errors"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Completion finishes a sign-in made at the hosted pages. Called inside the commit with the
// user as the commit leaves it, it returns the writes that stand for the sign-in (an
// authorization code, the hosted session), which commit with the step's own, or fail it whole.
type Completion func(u *model.User, authTime time.Time) ([]store.Op, error)

// Hosted is a sign-in step at the hosted pages: a password (Flow "USER_PASSWORD_AUTH"), a
// choice-based sign-in (Flow "USER_AUTH" with a PREFERRED_CHALLENGE: the passwordless and passkey
// pages) or the answer to a challenge the pages posed (Flow the ChallengeName, Session its
// Session). The pages hold no client secret, so SECRET_HASH is made here from the client's own.
// The hosted UI signs in with a password whatever the client's ExplicitAuthFlows, as Cognito's
// does; USER_AUTH it starts only for a client that allows ALLOW_USER_AUTH, as Cognito's managed
// login offers passwordless and passkey sign-in only to clients that allow choice-based sign-in.
type Hosted struct {
	ClientID string
	Flow     string
	Session  string
	Params   map[string]string
	Complete Completion
}

// HostedStep runs one hosted step through the same pipeline as the API's. Its answer is the next
// challenge (ChallengeName, Session, ChallengeParameters) or, when the sign-in is complete, an
// empty AuthenticationResult: the completion has committed, and no token was made.
func (s *SignIn) HostedStep(ctx context.Context, in Hosted) (*api.AuthOutput, error) {
	if in.Complete == nil {
		return nil, msg.Internal(errors.New("signin: a hosted step without a completion"))
	}
	c, p, err := s.dir.Client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	params := make(map[string]string, len(in.Params)+1)
	for k, v := range in.Params {
		params[k] = v
	}
	if c.Secret != "" && params["USERNAME"] != "" {
		params["SECRET_HASH"] = model.SecretHash(c.Secret, params["USERNAME"], c.ID)
	}
	call := &signInCall{name: in.Flow, params: params, token: in.Session, pool: p, client: c, hosted: in.Complete}
	switch in.Flow {
	case "USER_PASSWORD_AUTH":
		h := signInFlows[in.Flow]
		return s.runStep(ctx, h, call, false)
	case "USER_AUTH":
		return s.initiate(ctx, call) // ALLOW_USER_AUTH, the tier, the pool's factors: as the API's
	}
	return s.respond(ctx, call)
}

// completeHosted is signIn for a hosted step: the step's writes, the user's cleared lockout and
// the completion's grant in one transaction, and no lineage: the tokens come when the code is
// redeemed.
func (s *SignIn) completeHosted(ctx context.Context, st *signInStep, extra []store.Op, now time.Time) (*model.AuthenticationResultType, error) {
	_, err := s.dir.UpdateUser(ctx, st.pool, st.user, func(cur *model.User) ([]store.Op, error) {
		ops, err := st.commitOps(cur, extra)
		if err != nil {
			return nil, err
		}
		grant, err := st.hosted(cur, now)
		if err != nil {
			return nil, err
		}
		cur.Lock = nil
		return append(ops, grant...), nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.InvalidSession()
	}
	if err != nil {
		return nil, err
	}
	return &model.AuthenticationResultType{}, nil
}
