package gate

import (
	"errors"
	"strings"
	"testing"
)

func TestMissing(t *testing.T) {
	const env = "COGNATE_REQUIRE_GATE_TEST"
	why := errors.New("no frobnicator on PATH")
	for _, tc := range []struct {
		value string
		fail  bool
	}{
		{"1", true},
		{"", false},
		{"0", false},
		{"true", false}, // only "1", as the Makefile sets it
	} {
		t.Run("env="+tc.value, func(t *testing.T) {
			t.Setenv(env, tc.value)
			returned := false
			o := Observe(t, func(tb testing.TB) {
				Missing(tb, env, "the frobnicator", why)
				returned = true
			})
			if returned || !o.Stopped {
				t.Fatalf("Missing returned: %v", o)
			}
			if o.Failed != tc.fail || o.Skipped == tc.fail {
				t.Fatalf("%s=%q: %v; want failed %v", env, tc.value, o, tc.fail)
			}
			for _, want := range []string{"the frobnicator", why.Error(), env} {
				if !strings.Contains(o.Log, want) {
					t.Errorf("the message %q does not say %q", o.Log, want)
				}
			}
		})
	}
}

func TestObserve(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fn    func(testing.TB)
		want  Outcome
		after bool // the function went on after the call
	}{
		{"returns", func(tb testing.TB) { tb.Log("fine") }, Outcome{Log: "fine\n"}, true},
		{"Errorf goes on", func(tb testing.TB) { tb.Errorf("bad %d", 1) }, Outcome{Failed: true, Log: "bad 1\n"}, true},
		{"Fatal stops", func(tb testing.TB) { tb.Fatal("stop") }, Outcome{Failed: true, Stopped: true, Log: "stop\n"}, false},
		{"Skipf stops", func(tb testing.TB) { tb.Skipf("later %s", "x") }, Outcome{Skipped: true, Stopped: true, Log: "later x\n"}, false},
		{"a skip after an error is a failure", func(tb testing.TB) { tb.Error("e"); tb.SkipNow() }, Outcome{Failed: true, Stopped: true, Log: "e\n"}, false},
		{"FailNow", func(tb testing.TB) { tb.FailNow() }, Outcome{Failed: true, Stopped: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := false
			got := Observe(t, func(tb testing.TB) {
				tc.fn(tb)
				after = true
			})
			if got != tc.want || after != tc.after {
				t.Fatalf("got %v (went on: %v), want %v (went on: %v)", got, after, tc.want, tc.after)
			}
		})
	}
	// What is not a failure or a skip reaches the real test.
	dir := ""
	Observe(t, func(tb testing.TB) { dir = tb.TempDir() })
	if dir == "" {
		t.Fatal("TempDir did not reach the real test")
	}
}
