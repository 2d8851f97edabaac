package main

import (
	"context"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/userpool"
)

// prepare creates the ready pool on a first start and applies the seed file (--seed; the format
// is local.SeedFile).
func prepare(ctx context.Context, svc *userpool.Service, c *serveConfig) ([]local.Seeded, error) {
	var pools []local.SeedPool
	if !c.noReady {
		pools = append(pools, local.ReadyPool(c.region))
		if err := local.UpgradeReadyClient(ctx, svc, c.region); err != nil {
			return nil, err
		}
	}
	if c.seed != "" {
		s, err := local.LoadSeed(c.seed)
		if err != nil {
			return nil, err
		}
		pools = append(pools, s.Pools...)
	}
	var out []local.Seeded
	for _, sp := range pools {
		r, err := local.ApplySeed(ctx, svc, sp)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
