package limits

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/store"
)

// Cognito's non-adjustable per-user hourly caps on code operations (AUTH-05). Exceeding one
// answers LimitExceededException.
var hourlyCaps = map[string]int{
	"ResendConfirmationCode":           5,
	"ConfirmSignUp":                    15,
	"ForgotPassword":                   5,
	"ConfirmForgotPassword":            20,
	"ChangePassword":                   5,
	"GetUserAttributeVerificationCode": 5,
	"VerifyUserAttribute":              15,
}

// RateRecord counts one operation's calls for one user in a fixed one-hour window.
type RateRecord struct {
	Start time.Time `json:"s"`
	Count int       `json:"n"`
	// Sub is the counted user's: the counter is a child of the user's key, which a user created
	// after a deletion can take again, and the deletion's sweep of children is best effort.
	Sub string `json:"u,omitempty"`
}

// OwnedBy tells whether the count is u's, not an earlier user's of the same name; one written
// before counters kept the sub is u's when its window began after u was created.
func (r *RateRecord) OwnedBy(u *model.User) bool {
	if r.Sub != "" {
		return r.Sub == u.Sub()
	}
	return !r.Start.Before(u.Created)
}

// CountHourly records one call of op for the user and refuses it past the cap. The counter is
// a compare-and-swap on its own item, so concurrent calls cannot both slip under the cap, and a
// store failure refuses the call (fail closed).
func (lim *Limits) CountHourly(ctx context.Context, p *model.Pool, u *model.User, op string) error {
	limit, ok := hourlyCaps[op]
	if !ok {
		return nil
	}
	k := store.ChildKey(p.Id, u.Stored.Key, store.ChildRate, op)
	for i := 0; i < 8; i++ {
		now := lim.Now()
		it, err := lim.Repo.Get(ctx, k)
		var rec RateRecord
		cond := store.Cond{Kind: store.CondNotExists}
		var version int64 = 1
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return msg.Internal(err)
		default:
			if err := json.Unmarshal(it.Data, &rec); err != nil {
				return msg.Internal(err)
			}
			cond = store.Cond{Kind: store.CondVersion, Version: it.Version}
			version = it.Version + 1
		}
		if rec.Start.IsZero() || !now.Before(rec.Start.Add(time.Hour)) || !rec.OwnedBy(u) {
			rec = RateRecord{Start: now, Sub: u.Sub()}
		}
		if rec.Count >= limit {
			return msg.LimitExceeded()
		}
		rec.Count++
		err = lim.Repo.Commit(ctx, store.PutOp(k, store.Item{Version: version, ExpiresAt: rec.Start.Add(time.Hour), Data: model.MustJSON(rec)}, cond))
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConditionFailed) {
			return msg.Internal(err)
		}
	}
	return msg.RateExceeded()
}
