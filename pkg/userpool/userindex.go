package userpool

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cognatehq/cognate/pkg/store"
)

// ListUsers searches an index (pkg/store/userindex.go), never the whole pool. These are the
// attributes Cognito lets ListUsers filter on; a pool may add custom attributes with the tag
// `cognate:searchable` (comma-separated names, e.g. "custom:tenant,custom:plan"), which
// keeps CreateUserPool and UpdateUserPool calls unchanged for any Cognito client.
var StandardSearchable = []string{"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub"}

// searchableTag is the pool tag that names extra searchable custom attributes.
const searchableTag = "cognate:searchable"

// maxIndexedValue bounds index keys (DynamoDB sort keys are at most 1 KB); longer values are
// indexed by their prefix and matched exactly on the user record.
const maxIndexedValue = 256

func (p *Pool) Searchable(attr string) bool {
	if slices.Contains(StandardSearchable, attr) {
		return true
	}
	if !strings.HasPrefix(attr, "custom:") {
		return false
	}
	for _, a := range strings.Split(p.UserPoolTags[searchableTag], ",") {
		if strings.TrimSpace(a) == attr {
			return true
		}
	}
	return false
}

// foldedSearch are matched case-insensitively, as Cognito does for them.
func FoldedSearch(attr string) bool {
	return attr == "email" || attr == "cognito:user_status" || attr == "status"
}

// indexValue normalises a value for the index and for a filter alike.
func IndexValue(attr, v string) (string, bool) {
	if strings.ContainsRune(v, 0) {
		return "", false
	}
	if FoldedSearch(attr) {
		v = strings.ToLower(v)
	}
	if len(v) > maxIndexedValue {
		cut := maxIndexedValue
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut]
	}
	return v, true
}

// searchValue is what the index holds for attr on a user.
func SearchValue(u *User, attr string) string {
	switch attr {
	case "username":
		return u.Username
	case "sub":
		return u.Sub()
	case "cognito:user_status":
		return u.Status
	case "status":
		if u.Enabled {
			return "Enabled"
		}
		return "Disabled"
	}
	return u.Attrs[attr]
}

// indexOf lists the index entries of a user.
func IndexOf(p *Pool, u *User) []store.IndexEntry {
	attrs := slices.Clone(StandardSearchable)
	for _, a := range strings.Split(p.UserPoolTags[searchableTag], ",") {
		if a = strings.TrimSpace(a); strings.HasPrefix(a, "custom:") {
			attrs = append(attrs, a)
		}
	}
	var out []store.IndexEntry
	for _, a := range attrs {
		v := SearchValue(u, a)
		if v == "" {
			continue
		}
		if iv, ok := IndexValue(a, v); ok {
			out = append(out, store.IndexEntry{Attr: a, Value: iv})
		}
	}
	return out
}

// searchUsers answers a filtered ListUsers page from the index: the index narrows, the user
// record decides (exact match beyond the indexed prefix, and case rules).
func (s *Service) searchUsers(ctx context.Context, p *Pool, f *userFilter, cursor string, limit int, add func(*User)) (string, error) {
	v, ok := IndexValue(f.attr, f.value)
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
			u, err := DecodeUser(su)
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
