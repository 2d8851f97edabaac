package model

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cognatehq/cognate/pkg/store"
)

// ListUsers searches an index (pkg/store/userindex.go), never the whole pool. These are the
// attributes Cognito lets ListUsers filter on; a pool may add custom attributes with the tag
// `cognate:searchable` (comma-separated names, e.g. "custom:tenant,custom:plan"), which
// keeps CreateUserPool and UpdateUserPool calls unchanged for any Cognito client.
var standardSearchable = []string{"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub"}

func (p *Pool) Searchable(attr string) bool {
	if slices.Contains(standardSearchable, attr) {
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

// FoldedSearch are matched case-insensitively, as Cognito does for them.
func FoldedSearch(attr string) bool {
	return attr == "email" || attr == "cognito:user_status" || attr == "status"
}

// IndexValue normalises a value for the index and for a filter alike.
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

// SearchValue is what the index holds for attr on a user.
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

// IndexOf lists the index entries of a user.
func IndexOf(p *Pool, u *User) []store.IndexEntry {
	attrs := slices.Clone(standardSearchable)
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

// searchableTag is the pool tag that names extra searchable custom attributes.
const searchableTag = "cognate:searchable"

// maxIndexedValue bounds index keys (DynamoDB sort keys are at most 1 KB); longer values are
// indexed by their prefix and matched exactly on the user record.
const maxIndexedValue = 256
