package limits

import (
	"testing"
	"time"
)

func TestLockForDoublesFromTheFifthFailureUpToFifteenMinutes(t *testing.T) {
	for failures, want := range map[int]time.Duration{
		1: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 7: 4 * time.Second, 14: 512 * time.Second,
		15: 15 * time.Minute, 16: 15 * time.Minute, 60: 15 * time.Minute, 1000: 15 * time.Minute,
	} {
		if got := lockFor(failures); got != want {
			t.Errorf("lockFor(%d) = %v, want %v", failures, got, want)
		}
	}
}
