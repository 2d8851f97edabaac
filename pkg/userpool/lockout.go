package userpool

import (
	"context"
	"errors"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/store"
)

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
// quiet-period reset are decided by reserveAttempt on a full read).
func (s *Service) attemptRule() store.AttemptRule {
	now := s.Now()
	return store.AttemptRule{Now: now, QuietSince: now.Add(-quietReset), MaxFailures: freeFailures - 1, MaxTotal: hardCeiling}
}

// countAttempt is the one-request reservation: the attempt is counted as failed and the user
// read together. nil when the store leaves the decision to reserveAttempt (the user is missing,
// locked, at the fifth failure or past a quiet period), or when the store failed: the caller
// then takes the full path, which fails closed on its own.
func (s *Service) countAttempt(ctx context.Context, p *model.Pool, key string) *model.User {
	su, err := s.Repo.CountUserAttempt(ctx, p.Id, key, s.attemptRule())
	if err != nil {
		if !errors.Is(err, store.ErrConditionFailed) {
			// Not the store declining: a fault, or a missing right (dynamodb:UpdateItem).
			s.Log.WarnContext(ctx, "counting a sign-in attempt failed; taking the compare-and-swap path", "pool", p.Id, "err", err)
		}
		return nil
	}
	u, err := model.DecodeUser(su)
	if err != nil {
		return nil
	}
	return u
}

// releaseAttempt takes back an attempt counted by countAttempt that was never judged (the
// user turned out disabled or unconfirmed, or the step's Session was spent).
func (s *Service) releaseAttempt(ctx context.Context, p *model.Pool, u *model.User) {
	_, _ = s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
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

// reserveAttempt counts a password attempt as failed BEFORE the password is evaluated, in one
// compare-and-swap on the user. Of any number of concurrent attempts, only those that win a
// reservation are evaluated, and the lock set by the fifth stops the rest (AUTH-03); a success
// then clears the count (clearFailures or signIn). A store failure refuses the attempt (fail
// closed, DDB-09).
func (s *Service) reserveAttempt(ctx context.Context, p *model.Pool, u *model.User, with ...store.Op) (*model.User, error) {
	return s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		now := s.Now()
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

// clearFailures records a successful password check outside signIn (which clears it itself).
func (s *Service) clearFailures(ctx context.Context, p *model.Pool, u *model.User) (*model.User, error) {
	if u.Lock == nil {
		return u, nil
	}
	return s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) {
		cur.Lock = nil
		return nil, nil
	})
}
