package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/store"
)

type recordingTB struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

type acceptAll struct{ store.Table }

func (acceptAll) Write(context.Context, ...store.Op) error { return nil }

func TestDocumentedKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    store.Op
		stray bool
	}{
		{"user", store.PutOp(store.UserKey("p", "alice"), store.Item{Version: 1}, store.Cond{}), false},
		{"code", store.DeleteOp(store.ChildKey("p", "alice", store.ChildCode, "signup"), store.Cond{}), false},
		{"check of a session", store.CheckOf(store.DeleteOp(store.RecordKey(store.RecordSession, strings.Repeat("ab", 32)), store.Cond{})), false},
		{"a made-up child", store.Op{Kind: store.OpPut, Item: store.Item{PK: "U#p#alice", SK: "MFA#totp"}}, true},
		{"a made-up record", store.Op{Kind: store.OpPut, Item: store.Item{PK: "X#otp#1", SK: "X"}}, true},
		{"a check elsewhere", store.Op{Kind: store.OpCheck, Item: store.Item{PK: "Z", SK: "Z"}}, true},
	} {
		rec := &recordingTB{TB: t}
		tb := DocumentedKeys(rec, acceptAll{})
		if err := tb.Write(t.Context(), tc.op); err != nil {
			t.Fatal(err)
		}
		for _, f := range rec.cleanups {
			f()
		}
		if got := len(rec.errs) > 0; got != tc.stray {
			t.Errorf("%s: reported %v, want %v", tc.name, got, tc.stray)
		}
	}
}
