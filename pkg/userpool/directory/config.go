package directory

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Pool loads a pool or answers ResourceNotFoundException.
// The result is shared through the config cache: callers only read it.
func (d *Directory) Pool(ctx context.Context, id string) (*model.Pool, error) {
	if ps, ok := cacheGet(d.cache, d.cache.pools, id, d.Now()); ok {
		return ps, nil
	}
	p, err := d.Repo.GetPool(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.PoolNotFound(id)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	ps, err := model.DecodePool(p)
	if err != nil {
		return nil, msg.Internal(err)
	}
	cachePut(d.cache, &d.cache.pools, id, ps, d.Now())
	return ps, nil
}

// Client loads an app client by id with its pool, or answers ResourceNotFoundException.
func (d *Directory) Client(ctx context.Context, id string) (*model.Client, *model.Pool, error) {
	c, ok := cacheGet(d.cache, d.cache.clients, id, d.Now())
	if !ok {
		sc, err := d.Repo.GetClient(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, msg.ClientNotFound(id)
		}
		if err != nil {
			return nil, nil, msg.Internal(err)
		}
		if c, err = d.DecodeClient(ctx, sc); err != nil {
			return nil, nil, msg.Internal(err)
		}
		cachePut(d.cache, &d.cache.clients, id, c, d.Now())
	}
	p, err := d.Pool(ctx, c.PoolID)
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil, nil, msg.ClientNotFound(id)
		}
		return nil, nil, err
	}
	return c, p, nil
}

// PoolClient loads a client that must belong to the given pool (admin operations name both).
func (d *Directory) PoolClient(ctx context.Context, poolID, clientID string) (*model.Client, *model.Pool, error) {
	p, err := d.Pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	c, _, err := d.Client(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	if c.PoolID != poolID {
		return nil, nil, msg.ClientNotFound(clientID)
	}
	return c, p, nil
}

func (d *Directory) DecodeClient(ctx context.Context, sc *store.Client) (*model.Client, error) {
	var rec model.ClientRecord
	if err := json.Unmarshal(sc.Data, &rec); err != nil {
		return nil, err
	}
	c := &model.Client{UserPoolClientType: rec.Client, ID: sc.ID, PoolID: sc.PoolID}
	if len(rec.SealedSecret) > 0 {
		sec, err := d.Sealer.Open(ctx, rec.SealedSecret, []byte("cognate/client-secret/"+sc.ID))
		if err != nil {
			return nil, err
		}
		c.Secret = string(sec)
	}
	return c, nil
}

func (d *Directory) EncodeClient(ctx context.Context, c *model.Client) ([]byte, error) {
	rec := model.ClientRecord{Client: c.UserPoolClientType}
	rec.Client.ClientSecret = ""
	if c.Secret != "" {
		sealed, err := d.Sealer.Seal(ctx, []byte(c.Secret), []byte("cognate/client-secret/"+c.ID))
		if err != nil {
			return nil, err
		}
		rec.SealedSecret = sealed
	}
	return json.Marshal(rec)
}
