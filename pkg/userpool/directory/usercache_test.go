package directory

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
)

func storedUser(t *testing.T, pool, key string, r *model.UserRecord) *store.User {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return &store.User{PoolID: pool, Key: key, Sub: "sub-" + key, Version: 1, Data: data}
}

func TestUserCacheHitsOnlyUnchangedBytes(t *testing.T) {
	c := newUserCache(1 << 20)
	rec := &model.UserRecord{Username: "alice", Status: model.StatusConfirmed, Enabled: true, Attrs: map[string]string{"email": "a@example.com"},
		Revoked: map[string]int64{"origin-1": 2e9}}
	su := storedUser(t, "p", "alice", rec)
	first, err := c.decode(su)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.decode(storedUser(t, "p", "alice", rec))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first.UserRecord, second.UserRecord) || second.Stored.Sub != "sub-alice" {
		t.Fatalf("hit decoded %+v, want %+v", second.UserRecord, first.UserRecord)
	}
	// Callers may change what they get: neither the cache nor the next caller sees it.
	second.Attrs["email"] = "mallory@example.com"
	second.Revoked["origin-2"] = 1
	third, _ := c.decode(storedUser(t, "p", "alice", rec))
	if third.Attrs["email"] != "a@example.com" || len(third.Revoked) != 1 {
		t.Fatalf("a caller's change leaked into the cache: %+v", third.UserRecord)
	}
	// Any write changes the bytes: a revocation, a disable, a global sign-out are seen at once.
	for name, change := range map[string]func(r *model.UserRecord){
		"revoked lineage":   func(r *model.UserRecord) { r.Revoked = map[string]int64{"origin-1": 2e9, "origin-3": 2e9} },
		"disabled":          func(r *model.UserRecord) { r.Enabled = false },
		"global sign-out":   func(r *model.UserRecord) { r.RevokedThrough = time.Now().UnixMilli() },
		"attribute changed": func(r *model.UserRecord) { r.Attrs = map[string]string{"email": "b@example.com"} },
	} {
		changed := *rec.Clone()
		change(&changed)
		got, err := c.decode(storedUser(t, "p", "alice", &changed))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := model.DecodeUser(storedUser(t, "p", "alice", &changed))
		if !reflect.DeepEqual(got.UserRecord, want.UserRecord) {
			t.Errorf("%s: decoded %+v, want %+v", name, got.UserRecord, want.UserRecord)
		}
	}
	// Other users, pools and corrupt records are their own.
	if _, err := c.decode(&store.User{PoolID: "p", Key: "bob", Data: []byte("{")}); err == nil {
		t.Fatal("corrupt record decoded")
	}
}

func TestUserCacheBound(t *testing.T) {
	rec := &model.UserRecord{Username: "u", Attrs: map[string]string{"email": "u@example.com"}}
	one := storedUser(t, "p", "u000", rec)
	budget := 5 * (2*len(one.Data) + 512)
	c := newUserCache(budget)
	for i := range 50 {
		key := fmt.Sprintf("u%03d", i)
		u, err := c.decode(storedUser(t, "p", key, rec))
		if err != nil || u.Username != "u" || u.Stored.Key != key {
			t.Fatalf("%s: %+v, %v", key, u, err)
		}
		sum := 0
		for _, e := range c.m {
			sum += e.cost
		}
		if c.bytes > budget || len(c.m) > 5 || sum != c.bytes {
			t.Fatalf("cache holds %d entries, %d bytes (entries sum to %d), budget %d", len(c.m), c.bytes, sum, budget)
		}
	}
	big := &model.UserRecord{Username: "big", Attrs: map[string]string{"x": string(make([]byte, maxDecodedUserRecord))}}
	if _, err := c.decode(storedUser(t, "p", "big", big)); err != nil {
		t.Fatal(err)
	}
	if c.m[userCacheKey{"p", "big"}] != nil {
		t.Fatal("an oversize record was cached")
	}
}

// clone must copy every map, slice and pointer of userRecord, at every depth, or a caller's change
// to its copy would reach the cache. Filling every field by reflection makes a new field that
// clone does not copy fail here.
func TestUserRecordCloneSharesNothing(t *testing.T) {
	var r model.UserRecord
	fill(reflect.ValueOf(&r).Elem())
	c := r.Clone()
	if !reflect.DeepEqual(&r, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", r, *c)
	}
	shared(t, "userRecord", reflect.ValueOf(r), reflect.ValueOf(*c))
}

// fill gives every exported field of v a non-zero value, with one element in maps and slices.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(1700000000, 0).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		v.SetMapIndex(k, e)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	}
}

// shared fails when a and b (equal values) share memory through a map, slice or pointer.
func shared(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if !a.IsNil() && a.UnsafePointer() == b.UnsafePointer() {
			t.Errorf("%s is shared between a record and its clone", path)
			return
		}
	}
	switch a.Kind() {
	case reflect.Pointer:
		if !a.IsNil() {
			shared(t, path, a.Elem(), b.Elem())
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				shared(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	case reflect.Slice:
		for i := range a.Len() {
			shared(t, path+"[]", a.Index(i), b.Index(i))
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			shared(t, path+"[k]", a.MapIndex(k), b.MapIndex(k))
		}
	}
}
