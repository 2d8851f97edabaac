package directory

import (
	"context"
	"errors"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
)

// SearchUsers answers a filtered ListUsers page from the index: the index narrows, the user
// record decides (exact match beyond the indexed prefix, and case rules).
func (d *Directory) SearchUsers(ctx context.Context, p *model.Pool, f *Filter, cursor string, limit int, add func(*model.User)) (string, error) {
	v, ok := model.IndexValue(f.attr, f.value)
	if !ok {
		return "", nil
	}
	// A value longer than the index keeps is found by its indexed prefix.
	prefix := f.prefix || len(v) < len(f.value)
	for found := 0; found < limit; {
		keys, next, err := d.Repo.SearchUsers(ctx, p.Id, f.attr, v, prefix, cursor, limit-found)
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			su, err := d.Repo.GetUser(ctx, p.Id, k)
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
			if f.Match(u) {
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

// Filter is a parsed ListUsers Filter: `attr = "value"` or `attr ^= "value"`.
type Filter struct {
	attr, value string
	prefix      bool
}

func ParseFilter(f string) (*Filter, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return nil, nil
	}
	bad := cognito.InvalidParameter("Error while parsing filter.")
	i := strings.IndexAny(f, "^=")
	if i <= 0 {
		return nil, bad
	}
	attr := strings.TrimSpace(f[:i])
	rest := f[i:]
	prefix := strings.HasPrefix(rest, "^=")
	if prefix {
		rest = rest[2:]
	} else {
		rest = rest[1:]
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
		return nil, bad
	}
	var val strings.Builder
	body := rest[1 : len(rest)-1]
	for j := 0; j < len(body); j++ {
		switch body[j] {
		case '\\':
			if j+1 >= len(body) {
				return nil, bad
			}
			j++
			val.WriteByte(body[j])
		case '"':
			return nil, bad
		default:
			val.WriteByte(body[j])
		}
	}
	if attr == "" {
		return nil, bad
	}
	return &Filter{attr: attr, value: val.String(), prefix: prefix}, nil
}

func (f *Filter) Match(u *model.User) bool {
	if f == nil {
		return true
	}
	v, want := model.SearchValue(u, f.attr), f.value
	if model.FoldedSearch(f.attr) {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	if f.prefix {
		return strings.HasPrefix(v, want)
	}
	return v == want
}

// Attr is the attribute the filter searches.
func (f *Filter) Attr() string { return f.attr }
