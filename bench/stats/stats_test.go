package stats

import (
	"testing"
	"time"
)

func ms(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Millisecond))
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	// 1..100 ms: p50 is the 50th sample, p99 the 99th, p100 the largest.
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := Summarize(ds)
	if s.Count != 100 || s.P50 != 50 || s.P90 != 90 || s.P99 != 99 || s.Max != 100 || s.Min != 1 || s.Mean != 50.5 {
		t.Fatalf("summary of 1..100 ms: %+v", s)
	}
	if got := Percentile(ms(7), 99); got != 7*time.Millisecond {
		t.Fatalf("one sample: %v", got)
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Fatalf("no samples: %v", got)
	}
	// Nearest rank never interpolates: p50 of {1, 2} is 1, p51 is 2.
	two := ms(1, 2)
	if Percentile(two, 50) != time.Millisecond || Percentile(two, 51) != 2*time.Millisecond {
		t.Fatal("nearest rank on two samples")
	}
	if (Summarize(nil) != Summary{}) {
		t.Fatal("empty summary")
	}
}

func TestLogBuckets(t *testing.T) {
	ds := ms(0.05, 0.05, 1, 1, 1, 10, 100)
	bs := LogBuckets(ds, 4)
	total := 0
	prev := 0.0
	for _, b := range bs {
		if b.UpperMs <= prev {
			t.Fatalf("bounds not increasing: %v", bs)
		}
		prev = b.UpperMs
		total += b.Count
	}
	if total != len(ds) {
		t.Fatalf("buckets hold %d of %d samples: %v", total, len(ds), bs)
	}
	if bs[0].Count != 2 || bs[len(bs)-1].UpperMs < 100 {
		t.Fatalf("first/last bucket: %v", bs)
	}
	xs, ys := CDF(bs)
	if len(xs) != len(bs) || ys[len(ys)-1] != 1 {
		t.Fatalf("CDF: %v %v", xs, ys)
	}
	if LogBuckets(nil, 4) != nil {
		t.Fatal("no samples, no buckets")
	}
}
