package cognito_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	smithytime "github.com/aws/smithy-go/time"

	"github.com/cognatehq/cognate/pkg/cognito"
)

func TestTimeMarshal(t *testing.T) {
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.UnixMilli(1715100742022), "1715100742.022"},
		{time.UnixMilli(1715100742020), "1715100742.02"},
		{time.UnixMilli(1715100742500), "1715100742.5"},
		{time.Unix(1715100742, 0), "1715100742"},
		{time.Unix(1715100742, 999_999_999), "1715100742.999"}, // truncated to the millisecond
		{time.UnixMilli(-1500), "-1.5"},
		{time.Unix(0, 0), "0"},
	}
	for _, tc := range cases {
		b, err := json.Marshal(cognito.Time{Time: tc.t})
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.t, b, err, tc.want)
		}
		var back cognito.Time
		if err := json.Unmarshal(b, &back); err != nil || back.UnixMilli() != tc.t.UnixMilli() {
			t.Errorf("round trip of %s = %v, %v", b, back, err)
		}
	}
}

func TestTimeUnmarshal(t *testing.T) {
	var tm cognito.Time
	for _, bad := range []string{`"1715100742"`, `true`, `{}`, `[]`, `1e300`} {
		if err := json.Unmarshal([]byte(bad), &tm); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
	if err := json.Unmarshal([]byte(`1715100742.0225`), &tm); err != nil || tm.UnixMilli() != 1715100742023 {
		t.Errorf("rounding: %v, %v", tm.UnixMilli(), err)
	}
	if err := json.Unmarshal([]byte(`1715100742`), &tm); err != nil || tm.Unix() != 1715100742 || tm.Location() != time.UTC {
		t.Errorf("integer: %v, %v", tm, err)
	}
}

func TestTimeOmitted(t *testing.T) {
	type out struct {
		Ptr   *cognito.Time `json:"Ptr,omitempty"`
		Value cognito.Time  `json:"Value,omitzero"`
	}
	b, _ := json.Marshal(out{Ptr: cognito.NewTime(time.Time{})})
	if string(b) != `{}` {
		t.Errorf("zero times = %s, want {}", b)
	}
	now := time.UnixMilli(1715100742022)
	b, _ = json.Marshal(out{Ptr: cognito.NewTime(now), Value: cognito.Time{Time: now}})
	if string(b) != `{"Ptr":1715100742.022,"Value":1715100742.022}` {
		t.Errorf("set times = %s", b)
	}
}

// TestTimeSDKParses decodes our output the way the SDK's generated deserializers do: json.Number
// -> Float64 -> smithytime.ParseEpochSeconds. A string would fail there.
func TestTimeSDKParses(t *testing.T) {
	now := time.UnixMilli(1715100742022)
	b, _ := json.Marshal(map[string]any{"UserCreateDate": cognito.Time{Time: now}})
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	n, ok := m["UserCreateDate"].(json.Number)
	if !ok {
		t.Fatalf("UserCreateDate is %T, the SDK requires a number", m["UserCreateDate"])
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	if got := smithytime.ParseEpochSeconds(f); !got.Equal(now) {
		t.Errorf("SDK reads %v, want %v", got, now)
	}
}
