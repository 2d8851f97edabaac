package lineage

import (
	"crypto/rand"
	"regexp"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/clock"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// With the clock standing still, sign-in / sign-out / sign-in ends exactly the first lineage:
// a new lineage always falls after the last mark, and a mark always covers the last lineage.
func TestLineagesAroundSignOutInOneMillisecond(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC)
	s := &Lineages{Ports: &ports.Ports{Clock: clock.NewFake(now), Rand: rand.Reader}}
	u := &model.User{UserRecord: &model.UserRecord{}}
	var lineages []string
	var times []int64
	for i := 0; i < 3; i++ {
		origin, at, err := s.Begin(u)
		if err != nil {
			t.Fatal(err)
		}
		if !uuidV7.MatchString(origin) {
			t.Fatalf("origin_jti %q is not a UUIDv7", origin)
		}
		if got, ok := timeOf(origin); !ok || got != at {
			t.Fatalf("lineageTime(%q) = %d, %v; want %d", origin, got, ok, at)
		}
		lineages, times = append(lineages, origin), append(times, at)
		RevokeAll(u, now) // a global sign-out after each sign-in
		for j := range lineages {
			if !revoked(u, lineages[j], times[j]) {
				t.Fatalf("lineage %d survives the sign-out after sign-in %d", j, i)
			}
		}
		next, at2, _ := s.Begin(u)
		if revoked(u, next, at2) {
			t.Fatalf("a lineage created after sign-out %d is born revoked", i)
		}
		lineages, times = append(lineages, next), append(times, at2)
		RevokeAll(u, now)
	}
	if times[0] != now.UnixMilli() {
		t.Fatalf("first lineage at %d, want the clock's %d", times[0], now.UnixMilli())
	}
	if _, ok := timeOf("0f96ef7a-8e1e-4048-8a59-5c4c5740ba94"); ok {
		t.Fatal("a UUIDv4 read as a lineage time")
	}
}
