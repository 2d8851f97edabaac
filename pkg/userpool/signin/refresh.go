package signin

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/lineage"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// signIn finishes a successful authentication: it signs the tokens, then in one transaction
// records the new lineage on the user, stores the refresh token's hash, and commits the step's
// user change, consumed Session and extra ops (a device's last sign-in). device binds the
// lineage to a device: the access token's device_key, and the DEVICE_KEY refreshes must present.
func (s *SignIn) signIn(ctx context.Context, st *signInStep, device string, extra []store.Op) (*model.AuthenticationResultType, error) {
	if err := s.postAuthentication(ctx, st); err != nil {
		return nil, err // nothing of the step commits: its Session can be answered again
	}
	p, c, u := st.pool, st.client, st.user
	now := s.Now()
	if st.hosted != nil {
		return s.completeHosted(ctx, st, extra, now)
	}
	refresh, hash := token.NewRefreshToken(s.Rand)
	expires := now.Add(c.RefreshTTL())
	k := store.RecordKey(store.RecordRefreshToken, hex.EncodeToString(hash))
	var minted token.Tokens
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		// The lineage is named on the record this transaction replaces, so that it falls after
		// any sign-out committed before it.
		origin, at, err := s.lineages.Begin(cur)
		if err != nil {
			return nil, err
		}
		l := lineage.Lineage{OriginJTI: origin, AuthTime: now, DeviceKey: device}
		rec := lineage.Record{PoolID: p.Id, ClientID: c.ID, UserKey: u.Stored.Key, Sub: u.Sub(), OriginJTI: origin, Lineage: at, AuthTime: now, Expires: expires, DeviceKey: device}
		ops, err := st.commitOps(cur, extra)
		if err != nil {
			return nil, err
		}
		// Tokens carry the attributes as they will be after this change.
		src := st.tokenSource
		if src == "" {
			src = trigger.TokenGenerationAuthentication
		}
		t, err := s.lineages.Mint(ctx, p, c, cur, l, src, st.meta)
		if err != nil {
			return nil, err
		}
		minted = t
		cur.Lock = nil // a completed sign-in clears failed attempts
		lineage.Prune(cur, now)
		return append(ops, store.PutOp(k, store.Item{Version: 1, ExpiresAt: expires.Add(lineage.RefreshGrace), Data: model.MustJSON(rec)}, store.Cond{Kind: store.CondNotExists})), nil
	})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.InvalidSession()
	}
	if err != nil {
		return nil, err
	}
	return &model.AuthenticationResultType{AccessToken: minted.AccessToken, IdToken: minted.IDToken, RefreshToken: refresh,
		ExpiresIn: int32(minted.ExpiresIn), TokenType: "Bearer"}, nil
}

func init() {
	refresh := &signInHandler{allow: "ALLOW_REFRESH_TOKEN_AUTH", decide: decideRefresh}
	registerFlow("REFRESH_TOKEN_AUTH", refresh)
	registerFlow("REFRESH_TOKEN", refresh)
}

// decideRefresh is REFRESH_TOKEN_AUTH. It names no user, so it takes none of the pipeline's user
// phases: the refresh token leads to its lineage, whose user SECRET_HASH is checked against,
// and the lineage's own rotation is its commit (refresh).
func decideRefresh(ctx context.Context, s *SignIn, c *signInCall) (*signInDecision, error) {
	rt := c.params["REFRESH_TOKEN"]
	if rt == "" {
		return nil, msg.MissingParam("REFRESH_TOKEN")
	}
	res, err := s.lineages.Refresh(ctx, c.pool, c.client, rt, c.params["DEVICE_KEY"], c.meta, func(username string) error {
		return model.CheckSecretHash(c.client, c.params["SECRET_HASH"], username)
	})
	if err != nil {
		return nil, err
	}
	return &signInDecision{out: &api.AuthOutput{AuthenticationResult: res, ChallengeParameters: map[string]string{}}}, nil
}

// commitOps are the writes a completed step commits with: its change to the user (as cur
// becomes), the spent Session and the extra ops.
func (st *signInStep) commitOps(cur *model.User, extra []store.Op) ([]store.Op, error) {
	var ops []store.Op
	if st.change != nil {
		var err error
		if ops, err = st.change(cur); err != nil {
			return nil, err
		}
	}
	ops = append(ops, st.consume...)
	return append(ops, extra...), nil
}
