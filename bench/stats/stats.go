// Package stats summarises latency samples: exact percentiles over all samples (a bench point
// keeps every latency; at most a few hundred thousand), and a log-bucketed distribution for the
// latency plots.
package stats

import (
	"math"
	"slices"
	"time"
)

// Summary of one set of latencies, in milliseconds.
type Summary struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean_ms"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P95   float64 `json:"p95_ms,omitempty"` // absent from results written before it was added
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

// Ms converts a duration to float milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted, ascending samples:
// the smallest sample such that at least p% of the samples are at or below it. It is 0 for no
// samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summarize sorts ds in place and summarises it.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Summary{
		Count: len(ds),
		Mean:  Ms(sum) / float64(len(ds)),
		Min:   Ms(ds[0]),
		P50:   Ms(Percentile(ds, 50)),
		P90:   Ms(Percentile(ds, 90)),
		P95:   Ms(Percentile(ds, 95)),
		P99:   Ms(Percentile(ds, 99)),
		P999:  Ms(Percentile(ds, 99.9)),
		Max:   Ms(ds[len(ds)-1]),
	}
}

// Bucket is one bin of a latency distribution: Count samples in (previous UpperMs, UpperMs].
type Bucket struct {
	UpperMs float64 `json:"le_ms"`
	Count   int     `json:"n"`
}

// LogBuckets bins samples on a log scale, perDecade bins per factor of ten from 10 µs up to the
// largest sample; empty leading and trailing bins are dropped.
func LogBuckets(ds []time.Duration, perDecade int) []Bucket {
	if len(ds) == 0 || perDecade <= 0 {
		return nil
	}
	const lowMs = 0.01
	maxMs := 0.0
	for _, d := range ds {
		maxMs = max(maxMs, Ms(d))
	}
	step := math.Pow(10, 1/float64(perDecade))
	var bounds []float64
	for b := lowMs; ; b *= step {
		bounds = append(bounds, b)
		if b >= maxMs {
			break
		}
	}
	counts := make([]int, len(bounds))
	for _, d := range ds {
		ms := Ms(d)
		i, _ := slices.BinarySearch(bounds, ms) // first bound >= ms
		counts[min(i, len(bounds)-1)]++
	}
	first, last := 0, len(counts)-1
	for first < last && counts[first] == 0 {
		first++
	}
	for last > first && counts[last] == 0 {
		last--
	}
	out := make([]Bucket, 0, last-first+1)
	for i := first; i <= last; i++ {
		out = append(out, Bucket{UpperMs: round3(bounds[i]), Count: counts[i]})
	}
	return out
}

// CDF turns buckets into (upper bound, cumulative fraction) pairs.
func CDF(bs []Bucket) (xs, ys []float64) {
	total := 0
	for _, b := range bs {
		total += b.Count
	}
	if total == 0 {
		return nil, nil
	}
	acc := 0
	for _, b := range bs {
		acc += b.Count
		xs = append(xs, b.UpperMs)
		ys = append(ys, float64(acc)/float64(total))
	}
	return xs, ys
}

func round3(v float64) float64 {
	if v == 0 {
		return 0
	}
	mag := math.Pow(10, 3-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*mag) / mag
}
