package main

import (
	"testing"
)

func TestReportDurations(t *testing.T) {
	log := "START RequestId: a Version: $LATEST\n" +
		"REPORT RequestId: a\tInit Duration: 3.21 ms\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n" +
		"some function output with Duration: 9 ms\n" +
		"REPORT RequestId: b\tDuration: 0.42 ms\tBilled Duration: 1 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n" +
		"REPORT RequestId: c\tDuration: x ms\n"
	got := reportDurations([]byte(log))
	if len(got) != 2 || got[0] != 1.50 || got[1] != 0.42 {
		t.Fatalf("reportDurations = %v, want [1.5 0.42] (Init Duration and other lines skipped)", got)
	}
}

func TestMedianMean(t *testing.T) {
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("median = %v", m)
	}
	if m := median(nil); m != 0 {
		t.Fatalf("median of nothing = %v", m)
	}
	if m := mean([]float64{1, 2, 6}); m != 3 {
		t.Fatalf("mean = %v", m)
	}
}
