package awsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store"
)

// Scheduled key rotation (functions/rotate-keys, template.yaml RotateKeysFunction).
const (
	// DefaultRotateAfterDays is the rotation period when COGNATE_ROTATE_AFTER_DAYS is unset.
	DefaultRotateAfterDays = 90
	// rotateReserve is the part of the invocation's time no new pool is started in, so the
	// function returns its report instead of being cut off.
	rotateReserve = 30 * time.Second
	// poolPage is the ListPools page size.
	poolPage = 60
)

// RotateSettings configure the scheduled rotation.
type RotateSettings struct {
	// After: a pool's key is rotated once its newest generation is this old
	// (COGNATE_ROTATE_AFTER_DAYS, whole days, default 90).
	After time.Duration
	// PublishLead: how long a new key is published before it signs
	// (COGNATE_ROTATE_PUBLISH_LEAD, a Go duration, default 10m, at least 5m).
	PublishLead time.Duration
}

// RotateSettingsFromEnv reads the settings through getenv (os.Getenv in the function).
func RotateSettingsFromEnv(getenv func(string) string) (RotateSettings, error) {
	s := RotateSettings{After: DefaultRotateAfterDays * 24 * time.Hour, PublishLead: signer.DefaultPublishLead}
	if v := getenv("COGNATE_ROTATE_AFTER_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return s, fmt.Errorf("COGNATE_ROTATE_AFTER_DAYS: %q is not a number of days between 1 and 3650", v)
		}
		s.After = time.Duration(n) * 24 * time.Hour
	}
	if v := getenv("COGNATE_ROTATE_PUBLISH_LEAD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < signer.MinPublishLead || d > 24*time.Hour {
			return s, fmt.Errorf("COGNATE_ROTATE_PUBLISH_LEAD: %q is not a duration between %v and 24h", v, signer.MinPublishLead)
		}
		s.PublishLead = d
	}
	return s, nil
}

// RotateReport is what one run did; the function returns it (and logs each key).
type RotateReport struct {
	Pools   int          `json:"pools"`
	Rotated []RotatedKey `json:"rotated"`
	// Pending counts keys due but already rotated (waiting for their NotBefore).
	Pending int `json:"pending"`
	Pruned  int `json:"pruned"`
	Failed  int `json:"failed"`
}

// RotatedKey is one new key.
type RotatedKey struct {
	Pool      string    `json:"pool"`
	Use       string    `json:"use"`
	Kid       string    `json:"kid"`
	NotBefore time.Time `json:"notBefore"`
}

// RotateKeysHandler is the scheduled function's handler (an EventBridge Scheduler or rule event,
// whose content is ignored).
func (rt *Runtime) RotateKeysHandler(s RotateSettings) func(context.Context, events.EventBridgeEvent) (RotateReport, error) {
	return func(ctx context.Context, _ events.EventBridgeEvent) (RotateReport, error) {
		return rt.RotateKeys(ctx, s)
	}
}

// RotateKeys visits every pool in the table: it prunes retired key generations and rotates each
// key whose newest generation is older than s.After. It goes on past a failing pool and returns
// the failures joined (the invocation then counts as an error, and EventBridge retries it: every
// step is idempotent). When the invocation's deadline nears it starts no new pool; the next run
// goes on.
func (rt *Runtime) RotateKeys(ctx context.Context, s RotateSettings) (RotateReport, error) {
	var rep RotateReport
	r, ok := rt.deps.Signer.(signer.Rotator)
	if !ok {
		return rep, errors.New("awsapp: this signer mode cannot rotate keys")
	}
	pools, err := allPools(ctx, store.NewRepo(rt.deps.Table))
	if err != nil {
		return rep, err
	}
	rep.Pools = len(pools)
	job := signer.RotateJob{
		Pools:     pools,
		OlderThan: s.After,
		Options:   signer.RotateOptions{PublishLead: s.PublishLead},
		Now:       rt.deps.Clock.Now,
		Report:    func(o signer.RotateOutcome) { rt.logOutcome(ctx, &rep, o) },
	}
	if dl, ok := ctx.Deadline(); ok {
		job.Deadline = dl.Add(-rotateReserve)
	}
	err = signer.RotatePools(ctx, r, job)
	rt.log.LogAttrs(ctx, slog.LevelInfo, "key rotation run",
		slog.Int("pools", rep.Pools), slog.Int("rotated", len(rep.Rotated)), slog.Int("pending", rep.Pending),
		slog.Int("pruned", rep.Pruned), slog.Int("failed", rep.Failed))
	return rep, err
}

func (rt *Runtime) logOutcome(ctx context.Context, rep *RotateReport, o signer.RotateOutcome) {
	attrs := []slog.Attr{slog.String("pool", o.PoolID), slog.String("use", string(o.Use))}
	rep.Pruned += len(o.Pruned)
	for _, kid := range o.Pruned {
		rt.log.LogAttrs(ctx, slog.LevelInfo, "retired key deleted", append(attrs, slog.String("kid", kid))...)
	}
	switch r := o.Rotation; {
	case o.Err != nil:
		rep.Failed++
		rt.log.LogAttrs(ctx, slog.LevelError, "key rotation failed", append(attrs, slog.Any("err", o.Err))...)
	case r != nil && r.Created:
		rep.Rotated = append(rep.Rotated, RotatedKey{Pool: o.PoolID, Use: string(o.Use), Kid: r.Kid, NotBefore: r.NotBefore})
		rt.log.LogAttrs(ctx, slog.LevelInfo, "key rotated", append(attrs, slog.String("kid", r.Kid),
			slog.Int("generation", r.Generation), slog.Time("notBefore", r.NotBefore))...)
	case r != nil:
		rep.Pending++
	}
}

// allPools lists every pool id (the store's pools index).
func allPools(ctx context.Context, repo *store.Repo) ([]string, error) {
	var ids []string
	cursor := ""
	for {
		pools, next, err := repo.ListPools(ctx, cursor, poolPage)
		if err != nil {
			return nil, fmt.Errorf("awsapp: listing pools: %w", err)
		}
		for _, p := range pools {
			ids = append(ids, p.ID)
		}
		if next == "" {
			return ids, nil
		}
		cursor = next
	}
}
