package directory

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

func DecodeGroup(g *store.Group) (*model.GroupType, error) {
	var out model.GroupType
	if err := json.Unmarshal(g.Data, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (d *Directory) Group(ctx context.Context, pool, name string) (*model.GroupType, error) {
	g, err := d.Repo.GetGroup(ctx, pool, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.GroupNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	out, err := DecodeGroup(g)
	if err != nil {
		return nil, msg.Internal(err)
	}
	return out, nil
}

// UserGroups reads the groups a user is in, ordered as Cognito orders cognito:groups: by
// precedence (lowest first; groups without one last), then by name.
func (d *Directory) UserGroups(ctx context.Context, p *model.Pool, u *model.User) ([]model.GroupType, error) {
	out := make([]model.GroupType, 0, len(u.Groups))
	for _, name := range u.Groups {
		g, err := d.Group(ctx, p.Id, name)
		if err != nil {
			if errors.Is(err, cognito.ErrResourceNotFound) {
				continue // deleted while the user was being read
			}
			return nil, err
		}
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].Precedence, out[j].Precedence
		switch {
		case pi == nil && pj == nil:
			return out[i].GroupName < out[j].GroupName
		case pi == nil:
			return false
		case pj == nil:
			return true
		case *pi != *pj:
			return *pi < *pj
		}
		return out[i].GroupName < out[j].GroupName
	})
	return out, nil
}
