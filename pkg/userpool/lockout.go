package userpool

import (
	"context"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
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

// lockState is kept on the user record, so reserving an attempt is one compare-and-swap.
type lockState struct {
	Failures int       `json:"f"`           // consecutive, reset by success or 15 quiet minutes
	Total    int       `json:"t"`           // consecutive, reset only by success or a new password
	Last     time.Time `json:"l"`           // last failure
	Until    time.Time `json:"u,omitempty"` // locked until
}

func attemptsExceeded() error { return cognito.NotAuthorized("Password attempts exceeded") }

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
func (s *Service) reserveAttempt(ctx context.Context, p *poolState, u *userState, with ...store.Op) (*userState, error) {
	return s.updateUser(ctx, p, u, func(cur *userState) ([]store.Op, error) {
		now := s.now()
		l := cur.Lock
		if l == nil {
			l = &lockState{}
		}
		if l.Total >= hardCeiling {
			return nil, attemptsExceeded()
		}
		if now.Before(l.Until) {
			return nil, attemptsExceeded()
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
func (s *Service) clearFailures(ctx context.Context, p *poolState, u *userState) (*userState, error) {
	if u.Lock == nil {
		return u, nil
	}
	return s.updateUser(ctx, p, u, func(cur *userState) ([]store.Op, error) {
		cur.Lock = nil
		return nil, nil
	})
}
