package userpool

import (
	"context"
	"errors"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
)

// searchUsers answers a filtered ListUsers page from the index: the index narrows, the user
// record decides (exact match beyond the indexed prefix, and case rules).
func (s *Service) searchUsers(ctx context.Context, p *model.Pool, f *userFilter, cursor string, limit int, add func(*model.User)) (string, error) {
	v, ok := model.IndexValue(f.attr, f.value)
	if !ok {
		return "", nil
	}
	// A value longer than the index keeps is found by its indexed prefix.
	prefix := f.prefix || len(v) < len(f.value)
	for found := 0; found < limit; {
		keys, next, err := s.repo.SearchUsers(ctx, p.Id, f.attr, v, prefix, cursor, limit-found)
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			su, err := s.repo.GetUser(ctx, p.Id, k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return "", err
			}
			u, err := model.DecodeUser(su)
			if err != nil {
				return "", err
			}
			if f.match(u) {
				add(u)
				found++
			}
		}
		cursor = next
		if next == "" {
			break
		}
	}
	return cursor, nil
}
