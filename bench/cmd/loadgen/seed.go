package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/bench/report"
	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// seedAPI creates users from…to-1 (u0000000@bench.example …) through the API: SignUp then
// AdminConfirmSignUp, with workers concurrent clients, until to is reached or budget passes.
// It records the rate every stepEvery users, and returns how many users exist (from + done).
func seedAPI(ctx context.Context, t *target, from, to, workers int, budget time.Duration, stepEvery int, logf func(string, ...any)) (report.Seeding, int, error) {
	sd := report.Seeding{Method: "API: SignUp + AdminConfirmSignUp (" + itoa(workers) + " concurrent clients)", Target: to}
	start := time.Now()
	deadline := start.Add(budget)
	var next atomic.Int64
	next.Store(int64(from))
	var done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	lastT, lastN := start, from
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				octx, cancel := context.WithTimeout(ctx, 60*time.Second)
				err := t.signUp(octx, userEmail(i))
				cancel()
				var ae smithy.APIError
				if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "UsernameExistsException") {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("seeding user %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				n := int(done.Add(1)) + from
				if n%stepEvery == 0 {
					mu.Lock()
					now := time.Now()
					rate := float64(n-lastN) / now.Sub(lastT).Seconds()
					sd.Steps = append(sd.Steps, report.SeedStep{Users: n, UsersPerSec: round(rate, 1)})
					lastT, lastN = now, n
					mu.Unlock()
					if logf != nil && n%(stepEvery*5) == 0 {
						logf("  seeded %d users (%.0f users/s)", n, rate)
					}
				}
			}
		}()
	}
	wg.Wait()
	sd.Seconds = round(time.Since(start).Seconds(), 2)
	sd.Users = from + int(done.Load())
	if firstErr != nil {
		return sd, sd.Users, firstErr
	}
	if sd.Users < to {
		sd.Stopped = fmt.Sprintf("time budget of %v spent at %d users", budget, sd.Users)
	}
	return sd, sd.Users, ctx.Err()
}

// seedStore adds users from…to-1 to the pool of a stopped `cognate serve --data-dir dir`: it opens
// the same bbolt file and master key and calls the user-pool service in-process (SignUp then
// AdminConfirmSignUp, exactly what the API does, minus HTTP and SigV4), on every core.
func seedStore(ctx context.Context, dir string, from, to, workers int, logf func(string, ...any)) (report.Seeding, error) {
	sd := report.Seeding{Method: fmt.Sprintf("store: in-process userpool.Service SignUp + AdminConfirmSignUp on the stopped server's bbolt file (%d workers)", workers), Target: to}
	start := time.Now()
	l, err := local.Open(ctx, local.Options{DataDir: dir, IssuerBase: "http://127.0.0.1", Mail: discardMail{}})
	if err != nil {
		return sd, err
	}
	defer l.Close()
	svc := l.App.Service
	if err := ensureReadyPool(ctx, svc); err != nil {
		return sd, err
	}
	var next atomic.Int64
	next.Store(int64(from))
	var done atomic.Int64
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	lastT, lastN := start, from
	var mu sync.Mutex
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				email := userEmail(i)
				pw := password
				if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: local.ReadyClientID, Username: email, Password: &pw,
					UserAttributes: []model.AttributeType{{Name: "email", Value: &email}}}); err != nil {
					errc <- fmt.Errorf("seed SignUp %s: %w", email, err)
					return
				}
				if _, err := svc.AdminConfirmSignUp(ctx, &api.AdminConfirmSignUpInput{UserPoolId: local.ReadyPoolID, Username: email}); err != nil {
					errc <- fmt.Errorf("seed AdminConfirmSignUp %s: %w", email, err)
					return
				}
				n := int(done.Add(1)) + from
				if n%10000 == 0 {
					mu.Lock()
					now := time.Now()
					rate := float64(n-lastN) / now.Sub(lastT).Seconds()
					sd.Steps = append(sd.Steps, report.SeedStep{Users: n, UsersPerSec: round(rate, 1)})
					lastT, lastN = now, n
					mu.Unlock()
					if logf != nil {
						logf("  seeded %d users (%.0f users/s)", n, rate)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	sd.Users = from + int(done.Load())
	sd.Seconds = round(time.Since(start).Seconds(), 2)
	if err := <-errc; err != nil {
		return sd, err
	}
	return sd, ctx.Err()
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}
