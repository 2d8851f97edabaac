// Package limits owns how often a user may try: the progressive lockout of password sign-in
// (Cognito's, AUTH-01, plus a persistent ceiling, AUTH-02), counted on the user's item before a
// password is judged, and Cognito's per-user hourly caps on code operations (AUTH-05).
package limits

import (
	"context"
	"errors"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/store"
)

// Limits counts what a user may try only so often: failed passwords (the lockout below) and
// the hourly caps on code operations (hourly.go).
type Limits struct {
	*ports.Ports
	dir *directory.Directory
}

// New builds the limits room; dir updates a user's lock counters under compare-and-swap.
func New(p *ports.Ports, dir *directory.Directory) *Limits { return &Limits{Ports: p, dir: dir} }

// Progressive lockout, as Cognito does it (AUTH-01): after 5 consecutive failed password
// checks a user is locked for 1 s, and each further failure doubles the lock, up to 15 minutes.
// Attempts during a lock are refused without being evaluated or counted; 15 quiet minutes reset
// the count; a success resets it. Beyond Cognito (checklist "parity vs standards"), a persistent
// count that the quiet period does not reset stops password sign-in after 100 consecutive
// failures until the password is reset (AUTH-02).
const (
	freeFailures = 5
	maxLock      = 15 * time.Minute
	quietReset   = 15 * time.Minute
	hardCeiling  = 100
)

// attemptRule lets the store count an attempt unread while it is one of the free ones: no lock,
// under the ceiling, failures recent or none, and a lock cannot follow (the fifth failure and the
// quiet-period reset are decided by ReserveAttempt on a full read).
func (lim *Limits) attemptRule() store.AttemptRule {
	now := lim.Now()
	return store.AttemptRule{Now: now, QuietSince: now.Add(-quietReset), MaxFailures: freeFailures - 1, MaxTotal: hardCeiling}
}

// CountAttempt is the one-request reservation: the attempt is counted as failed and the user
// read together. nil when the store leaves the decision to ReserveAttempt (the user is missing,
// locked, at the fifth failure or past a quiet period), or when the store failed: the caller
// then takes the full path, which fails closed on its own.
func (lim *Limits) CountAttempt(ctx context.Context, p *model.Pool, key string) *model.User {
	su, err := lim.Repo.CountUserAttempt(ctx, p.Id, key, lim.attemptRule())
	if err != nil {
		if !errors.Is(err, store.ErrConditionFailed) {
			// Not the store declining: a fault, or a missing right (dynamodb:UpdateItem).
			lim.Log.WarnContext(ctx, "counting a sign-in attempt failed; taking the compare-and-swap path", "pool", p.Id, "err", err)
		}
		return nil
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil
	}
	return u
}

// ReleaseAttempt takes back an attempt counted by CountAttempt that was never judged (the
// user turned out disabled or unconfirmed, or the step's Session was spent).
func (lim *Limits) ReleaseAttempt(ctx context.Context, p *model.Pool, u *model.User) {
	_, _ = lim.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		if cur.Lock == nil {
			return nil, nil
		}
		cur.Lock.Failures = max(cur.Lock.Failures-1, 0)
		cur.Lock.Total = max(cur.Lock.Total-1, 0)
		if cur.Lock.Failures == 0 && cur.Lock.Total == 0 {
			cur.Lock = nil
		}
		return nil, nil
	})
}

func lockFor(failures int) time.Duration {
	n := failures - freeFailures
	if n < 0 {
		return 0
	}
	if n >= 10 { // 2^10 s already exceeds the cap
		return maxLock
	}
	return min(time.Duration(1<<n)*time.Second, maxLock)
}

// ReserveAttempt counts a password attempt as failed BEFORE the password is evaluated, in one
// compare-and-swap on the user. Of any number of concurrent attempts, only those that win a
// reservation are evaluated, and the lock set by the fifth stops the rest (AUTH-03); a success
// then clears the count (clearFailures or signIn). A store failure refuses the attempt (fail
// closed, DDB-09).
func (lim *Limits) ReserveAttempt(ctx context.Context, p *model.Pool, u *model.User, with ...store.Op) (*model.User, error) {
	return lim.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		now := lim.Now()
		l := cur.Lock
		if l == nil {
			l = &model.LockState{}
		}
		if l.Total >= hardCeiling {
			return nil, msg.AttemptsExceeded()
		}
		if now.Before(l.Until) {
			return nil, msg.AttemptsExceeded()
		}
		if !l.Last.IsZero() && now.Sub(l.Last) >= quietReset {
			l.Failures = 0
		}
		l.Failures++
		l.Total++
		l.Last = now
		if d := lockFor(l.Failures); d > 0 {
			l.Until = now.Add(d)
		}
		cur.Lock = l
		return with, nil
	})
}

// ClearFailures records a successful password check outside signIn (which clears it itself).
func (lim *Limits) ClearFailures(ctx context.Context, p *model.Pool, u *model.User) (*model.User, error) {
	if u.Lock == nil {
		return u, nil
	}
	return lim.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Lock = nil
		return nil, nil
	})
}
