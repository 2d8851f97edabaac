package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func send(t *testing.T, o *outbox.Outbox, m mail.Message) {
	t.Helper()
	if err := o.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func tos(ms []outbox.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.To
	}
	return out
}

func TestSendStoresAndStamps(t *testing.T) {
	clk := clock.NewFake(t0)
	o := outbox.New(clk, nil, 0)
	m := mail.Message{Channel: mail.Email, To: "jane@example.com", Subject: "s", Body: "b 123456",
		Kind: mail.SignUp, PoolID: "us-east-1_abc", Username: "jane", Code: "123456"}
	send(t, o, m)
	clk.Advance(time.Second)
	send(t, o, mail.Message{Channel: mail.SMS, To: "+12065551234", Body: "x", Kind: mail.Authentication})

	got := o.Messages(outbox.Filter{})
	if len(got) != 2 {
		t.Fatalf("Messages = %d, want 2", len(got))
	}
	if got[0].Message != m || !got[0].SentAt.Equal(t0) {
		t.Errorf("first = %+v", got[0])
	}
	if !got[1].SentAt.Equal(t0.Add(time.Second)) {
		t.Errorf("second SentAt = %v", got[1].SentAt)
	}

	// Returned slices are copies.
	got[0].Body = "changed"
	if o.Messages(outbox.Filter{})[0].Body != "b 123456" {
		t.Error("Messages returned a reference into the outbox")
	}
}

func TestSendErrors(t *testing.T) {
	o := outbox.New(clock.NewFake(t0), nil, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, mail.Message{To: "a@b.c"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
	if err := o.Send(context.Background(), mail.Message{Body: "x"}); !errors.Is(err, outbox.ErrNoRecipient) {
		t.Errorf("no recipient: %v", err)
	}
	if o.Len() != 0 {
		t.Errorf("failed sends were stored: %d", o.Len())
	}
}

func TestFilters(t *testing.T) {
	o := outbox.New(clock.NewFake(t0), nil, 0)
	for _, m := range []mail.Message{
		{To: "jane@example.com", PoolID: "p1", Kind: mail.SignUp},
		{To: "bob@example.com", PoolID: "p1", Kind: mail.ForgotPassword},
		{To: "Jane@Example.com", PoolID: "p2", Kind: mail.ForgotPassword},
		{To: "+12065551234", PoolID: "p1", Kind: mail.Authentication},
		{To: "jane@example.com", PoolID: "p1", Kind: mail.ForgotPassword},
	} {
		send(t, o, m)
	}
	tests := []struct {
		name string
		f    outbox.Filter
		want []string
	}{
		{"all", outbox.Filter{}, []string{"jane@example.com", "bob@example.com", "Jane@Example.com", "+12065551234", "jane@example.com"}},
		{"to is case-insensitive", outbox.Filter{To: "JANE@example.COM"}, []string{"jane@example.com", "Jane@Example.com", "jane@example.com"}},
		{"to is a whole value", outbox.Filter{To: "jane@example"}, []string{}},
		{"pool", outbox.Filter{PoolID: "p2"}, []string{"Jane@Example.com"}},
		{"pool is exact", outbox.Filter{PoolID: "P2"}, []string{}},
		{"kind", outbox.Filter{Kind: mail.ForgotPassword}, []string{"bob@example.com", "Jane@Example.com", "jane@example.com"}},
		{"combined", outbox.Filter{To: "jane@example.com", PoolID: "p1", Kind: mail.ForgotPassword}, []string{"jane@example.com"}},
		{"limit keeps the newest", outbox.Filter{Limit: 2}, []string{"+12065551234", "jane@example.com"}},
		{"limit after filtering", outbox.Filter{Kind: mail.ForgotPassword, Limit: 1}, []string{"jane@example.com"}},
		{"limit above count", outbox.Filter{PoolID: "p2", Limit: 10}, []string{"Jane@Example.com"}},
		{"phone", outbox.Filter{To: "+12065551234"}, []string{"+12065551234"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tos(o.Messages(tc.f))
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Messages(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
}

func TestRingBound(t *testing.T) {
	o := outbox.New(clock.NewFake(t0), nil, 3)
	for i := range 8 {
		send(t, o, mail.Message{To: fmt.Sprintf("u%d@x", i)})
		wantLen := min(i+1, 3)
		if o.Len() != wantLen {
			t.Fatalf("after %d sends Len = %d, want %d", i+1, o.Len(), wantLen)
		}
	}
	if got := strings.Join(tos(o.Messages(outbox.Filter{})), ","); got != "u5@x,u6@x,u7@x" {
		t.Errorf("kept %s, want the newest three oldest first", got)
	}
	if got := strings.Join(tos(o.Messages(outbox.Filter{Limit: 2})), ","); got != "u6@x,u7@x" {
		t.Errorf("limit 2 after wrap = %s", got)
	}
	if _, ok := o.Latest("u4@x"); ok {
		t.Error("Latest found a dropped message")
	}
}

func TestDefaultCapacity(t *testing.T) {
	o := outbox.New(clock.NewFake(t0), nil, -1)
	for i := range outbox.DefaultCapacity + 5 {
		send(t, o, mail.Message{To: fmt.Sprintf("u%d@x", i)})
	}
	all := o.Messages(outbox.Filter{})
	if len(all) != outbox.DefaultCapacity || all[0].To != "u5@x" || all[len(all)-1].To != "u1004@x" {
		t.Errorf("len %d, first %s, last %s", len(all), all[0].To, all[len(all)-1].To)
	}
}

func TestLatestAndClear(t *testing.T) {
	clk := clock.NewFake(t0)
	o := outbox.New(clk, nil, 0)
	if _, ok := o.Latest("jane@example.com"); ok {
		t.Fatal("Latest on an empty outbox")
	}
	send(t, o, mail.Message{To: "jane@example.com", Code: "111111"})
	send(t, o, mail.Message{To: "bob@example.com", Code: "222222"})
	send(t, o, mail.Message{To: "JANE@example.com", Code: "333333"})
	m, ok := o.Latest("Jane@Example.com")
	if !ok || m.Code != "333333" {
		t.Errorf("Latest = %+v, %v", m, ok)
	}
	o.Clear()
	if o.Len() != 0 || len(o.Messages(outbox.Filter{})) != 0 {
		t.Error("Clear left messages")
	}
	if _, ok := o.Latest("jane@example.com"); ok {
		t.Error("Latest after Clear")
	}
	send(t, o, mail.Message{To: "jane@example.com", Code: "444444"})
	if m, _ := o.Latest("jane@example.com"); m.Code != "444444" {
		t.Errorf("after Clear and Send: %+v", m)
	}
}

func TestLogsOneLinePerMessage(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	o := outbox.New(clock.NewFake(t0), logger, 0)
	send(t, o, mail.Message{Channel: mail.Email, To: "jane@example.com", Subject: "Your verification code",
		Body: "Your verification code is 123456.\nThanks", Kind: mail.SignUp, PoolID: "p1", Username: "jane"})
	send(t, o, mail.Message{Channel: mail.SMS, To: "+12065551234", Body: "Your authentication code is 654321. ", Kind: mail.Authentication})

	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{"to=jane@example.com", "kind=SignUp", `subject="Your verification code"`,
		`body="Your verification code is 123456.\nThanks"`, "channel=EMAIL", "poolId=p1", "username=jane"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %q", lines[0], want)
		}
	}
	if !strings.Contains(lines[1], "654321") || !strings.Contains(lines[1], "kind=Authentication") {
		t.Errorf("second line %q", lines[1])
	}
}

// Run with -race: writers, readers, HTTP reads and clears at once.
func TestConcurrentUse(t *testing.T) {
	clk := clock.NewFake(t0)
	o := outbox.New(clk, slog.New(slog.DiscardHandler), 50)
	h := o.Handler()
	const writers, perWriter = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				to := fmt.Sprintf("w%d@example.com", w)
				if err := o.Send(context.Background(), mail.Message{To: to, Kind: mail.SignUp, Code: fmt.Sprint(i)}); err != nil {
					t.Error(err)
					return
				}
				clk.Advance(time.Millisecond)
			}
		}()
	}
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				switch (r + i) % 4 {
				case 0:
					if ms := o.Messages(outbox.Filter{Kind: mail.SignUp, Limit: 10}); len(ms) > 10 {
						t.Errorf("limit ignored: %d", len(ms))
					}
				case 1:
					o.Latest("w1@example.com")
				case 2:
					get(t, h, "/_local/outbox?limit=5")
				case 3:
					if i%20 == 3 {
						o.Clear()
					}
					_ = o.Len()
				}
			}
		}()
	}
	wg.Wait()
	if n := o.Len(); n > 50 {
		t.Errorf("Len = %d, over capacity", n)
	}
}
