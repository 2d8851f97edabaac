package userpool

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/lineage"

	"github.com/cognatehq/cognate/pkg/userpool/devices"

	"github.com/cognatehq/cognate/pkg/userpool/limits"

	"github.com/cognatehq/cognate/pkg/userpool/sessions"

	"github.com/cognatehq/cognate/pkg/userpool/codes"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
)

// Records are bound to their user's sub; those written before the sub was kept (none) are judged
// by time: the user must have existed when the record was written.
func TestRecordOwnership(t *testing.T) {
	created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &model.User{UserRecord: &model.UserRecord{Created: created}, Stored: &store.User{Sub: "sub-now"}}
	before, after := created.Add(-time.Second), created.Add(time.Second)
	for _, tc := range []struct {
		what string
		got  bool
		want bool
	}{
		{"refresh: same sub", (&lineage.Record{Sub: "sub-now", AuthTime: before}).OwnedBy(u), true},
		{"refresh: other sub", (&lineage.Record{Sub: "sub-old", AuthTime: after}).OwnedBy(u), false},
		{"refresh: no sub, signed in after the user was created", (&lineage.Record{AuthTime: after}).OwnedBy(u), true},
		{"refresh: no sub, signed in as the user was created", (&lineage.Record{AuthTime: created}).OwnedBy(u), true},
		{"refresh: no sub, signed in before the user existed", (&lineage.Record{AuthTime: before}).OwnedBy(u), false},
		{"session: same sub", (&sessions.Session{Sub: "sub-now"}).OwnedBy(u), true},
		{"session: other sub", (&sessions.Session{Sub: "sub-old"}).OwnedBy(u), false},
		{"session: no sub", (&sessions.Session{}).OwnedBy(u), false},
		{"device: same sub", (&devices.Record{Sub: "sub-now", Created: before}).OwnedBy(u), true},
		{"device: other sub", (&devices.Record{Sub: "sub-old", Created: after}).OwnedBy(u), false},
		{"device: no sub, confirmed after the user was created", (&devices.Record{Created: after}).OwnedBy(u), true},
		{"device: no sub, confirmed before the user existed", (&devices.Record{Created: before}).OwnedBy(u), false},
		{"code: same sub", (&codes.Record{Sub: "sub-now"}).OwnedBy(u, before), true},
		{"code: other sub", (&codes.Record{Sub: "sub-old"}).OwnedBy(u, after.Add(codes.LongestTTL)), false},
		{"code: no sub, written after the user was created at the earliest", (&codes.Record{}).OwnedBy(u, after.Add(codes.LongestTTL)), true},
		{"code: no sub, maybe written before the user existed", (&codes.Record{}).OwnedBy(u, after.Add(time.Hour)), false},
		{"rate: same sub", (&limits.RateRecord{Sub: "sub-now", Start: before}).OwnedBy(u), true},
		{"rate: other sub", (&limits.RateRecord{Sub: "sub-old", Start: after}).OwnedBy(u), false},
		{"rate: no sub, window began after the user was created", (&limits.RateRecord{Start: after}).OwnedBy(u), true},
		{"rate: no sub, window began before the user existed", (&limits.RateRecord{Start: before}).OwnedBy(u), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: owned = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	for _, ttl := range []time.Duration{codes.SignUpTTL, codes.VerifyTTL, codes.ForgotTTL} {
		if ttl > codes.LongestTTL {
			t.Errorf("a code lives %v, longer than longestCodeTTL %v", ttl, codes.LongestTTL)
		}
	}
}

// A refresh token stored before refresh tokens kept the sub still refreshes for its user (an
// upgrade signs nobody out), and stops at the user's deletion: a user created afterwards under
// the same name gets nothing from it.
func TestRefreshRecordWithoutSub(t *testing.T) {
	f := newCacheFixture(t)
	ctx := context.Background()
	_, refresh := f.user(t, "lee")
	id := hex.EncodeToString(token.HashRefreshToken(refresh))
	k := store.RecordKey(store.RecordRefreshToken, id)
	it, err := f.s.Repo.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["s"] == nil {
		t.Fatalf("a refresh record without the sub: %s", it.Data)
	}
	delete(rec, "s")
	it.Data, _ = json.Marshal(rec)
	old := it.Version
	it.Version++
	if err := f.s.Repo.Commit(ctx, store.PutOp(k, it, store.Cond{Kind: store.CondVersion, Version: old})); err != nil {
		t.Fatal(err)
	}
	refreshes := func() error {
		_, err := f.s.InitiateAuth(ctx, &api.InitiateAuthInput{AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: f.client, AuthParameters: map[string]string{"REFRESH_TOKEN": refresh}})
		return err
	}
	if err := refreshes(); err != nil {
		t.Fatalf("a refresh token from before the sub was kept: %v", err)
	}
	f.clk.Advance(time.Second)
	if _, err := f.s.AdminDeleteUser(ctx, &api.AdminDeleteUserInput{UserPoolId: f.pool, Username: "lee"}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Second)
	f.user(t, "lee")
	wantNotAuthorized(t, refreshes(), "Invalid Refresh Token")
}
