package outbox_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

type listBody struct {
	Messages []map[string]any `json:"messages"`
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) listBody {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var b listBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("decode %q: %v", rec.Body, err)
	}
	if b.Messages == nil {
		t.Fatalf("messages is not an array: %s", rec.Body)
	}
	return b
}

// seeded builds an outbox with one message of each channel, rendered by mail.Render as the
// service will, at a fake time given in a non-UTC zone (the wire shows UTC).
func seeded(t *testing.T) *outbox.Outbox {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 3, 1, 13, 0, 0, 123000000, time.FixedZone("CET", 3600)))
	o := outbox.New(clk, nil, 0)
	msg := func(kind mail.Kind, ch mail.Channel, tpl mail.Templates, to, username, code string) mail.Message {
		subject, body, err := mail.Render(kind, ch, tpl, username, code)
		if err != nil {
			t.Fatal(err)
		}
		return mail.Message{Channel: ch, To: to, Subject: subject, Body: body, Kind: kind,
			PoolID: "us-east-1_Example1", Username: username, Code: code}
	}
	send(t, o, msg(mail.SignUp, mail.Email, mail.Templates{}, "jane@example.com", "jane", "123456"))
	clk.Advance(1500 * time.Millisecond)
	send(t, o, msg(mail.AdminCreateUser, mail.Email,
		mail.Templates{InviteEmailMessage: "<p>Hello {username},</p><p>your temporary password is <b>{####}</b></p>"},
		"bob@example.com", "bob", "Tmp&Pass<1"))
	clk.Advance(time.Minute)
	send(t, o, msg(mail.Authentication, mail.SMS, mail.Templates{}, "+12065551234", "jane", "654321"))
	return o
}

func TestHTTPGolden(t *testing.T) {
	rec := get(t, seeded(t).Handler(), outbox.Path)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	golden := filepath.Join("testdata", "list.golden.json")
	if *update {
		if err := os.WriteFile(golden, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Errorf("GET %s differs from %s:\n got: %s\nwant: %s", outbox.Path, golden, rec.Body, want)
	}
}

func TestHTTPFilters(t *testing.T) {
	h := seeded(t).Handler()
	tests := []struct {
		query string
		want  []string // "to" of each message
	}{
		{"", []string{"jane@example.com", "bob@example.com", "+12065551234"}},
		{"?to=JANE@EXAMPLE.COM", []string{"jane@example.com"}},
		{"?to=%2B12065551234", []string{"+12065551234"}},
		{"?poolId=us-east-1_Example1", []string{"jane@example.com", "bob@example.com", "+12065551234"}},
		{"?poolId=us-east-1_Other", []string{}},
		{"?kind=adminCreateUser", []string{"bob@example.com"}},
		{"?kind=Authentication&to=%2B12065551234", []string{"+12065551234"}},
		{"?limit=2", []string{"bob@example.com", "+12065551234"}},
		{"?limit=0", []string{"jane@example.com", "bob@example.com", "+12065551234"}},
		{"?limit=1&poolId=us-east-1_Example1", []string{"+12065551234"}},
		{"?unknown=1", []string{"jane@example.com", "bob@example.com", "+12065551234"}},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			b := decode(t, get(t, h, outbox.Path+tc.query))
			var got []string
			for _, m := range b.Messages {
				got = append(got, m["to"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHTTPBadQuery(t *testing.T) {
	h := seeded(t).Handler()
	for _, q := range []string{"?limit=-1", "?limit=ten", "?limit=1.5", "?kind=Welcome"} {
		rec := get(t, h, outbox.Path+q)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", q, rec.Code)
			continue
		}
		var e map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] == "" {
			t.Errorf("%s: body %q", q, rec.Body)
		}
	}
}

func TestHTTPEmptyIsArray(t *testing.T) {
	rec := get(t, outbox.New(nil, nil, 0).Handler(), outbox.Path)
	if got := strings.Join(strings.Fields(rec.Body.String()), ""); got != `{"messages":[]}` {
		t.Errorf("empty outbox = %s", rec.Body)
	}
}

func TestHTTPDelete(t *testing.T) {
	o := seeded(t)
	h := o.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, outbox.Path, nil))
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("DELETE: %d %q", rec.Code, rec.Body)
	}
	if o.Len() != 0 || len(decode(t, get(t, h, outbox.Path)).Messages) != 0 {
		t.Error("DELETE did not clear")
	}
}

func TestHTTPRouting(t *testing.T) {
	h := seeded(t).Handler()
	for _, tc := range []struct {
		method, target string
		want           int
	}{
		{http.MethodPost, outbox.Path, http.StatusMethodNotAllowed},
		{http.MethodPut, outbox.Path, http.StatusMethodNotAllowed},
		{http.MethodGet, "/_local/outbox/", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodHead, outbox.Path, http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.target, rec.Code, tc.want)
		}
	}
}
