package seslocal

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/cognatehq/cognate/infra/gate"
)

// Main stops whatever a failed test left running.
func TestMain(m *testing.M) { Main(m) }

func send(t *testing.T, endpoint, to, text string) {
	t.Helper()
	_, err := NewClient(endpoint).SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("no-reply@seslocal.example"),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("subject")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(text)}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStart: an emulator of the test's own receives mail, Messages reads it back by recipient,
// and the emulator is gone once the test ends.
func TestStart(t *testing.T) {
	var endpoint string
	var pid int
	t.Run("emulator", func(t *testing.T) {
		e := startFor(t)
		endpoint, pid = e.Endpoint, e.cmd.Process.Pid
		send(t, endpoint, "a@seslocal.example", "one")
		send(t, endpoint, "b@seslocal.example", "two")
		send(t, endpoint, "a@seslocal.example", "three")
		got := Messages(t, endpoint, "a@seslocal.example")
		if len(got) != 2 || got[0].Text() != "one" || got[1].Text() != "three" || got[0].Subject != "subject" ||
			got[0].From != "no-reply@seslocal.example" {
			t.Fatalf("Messages(a) = %+v", got)
		}
		if all := Messages(t, endpoint, ""); len(all) != 3 {
			t.Fatalf("Messages() = %d messages, want 3", len(all))
		}
	})
	if t.Failed() || t.Skipped() || endpoint == "" {
		return
	}
	if processExists(pid) {
		t.Errorf("the emulator (pid %d) is still there after its test", pid)
	}
	u, _ := url.Parse(endpoint)
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after its test", endpoint)
	}
}

// TestShared: Endpoint starts one emulator for the binary, and Stop ends it for good.
func TestShared(t *testing.T) {
	ep := Endpoint(t)
	if again := Endpoint(t); again != ep {
		t.Fatalf("second Endpoint %s, want %s", again, ep)
	}
	send(t, ep, "shared@seslocal.example", "hello")
	if got := Messages(t, ep, "shared@seslocal.example"); len(got) != 1 {
		t.Fatalf("Messages = %+v", got)
	}
	Stop()
	u, _ := url.Parse(ep)
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after Stop", ep)
	}
	shared.mu.Lock()
	err := shared.err
	shared.mu.Unlock()
	if err == nil {
		t.Error("after Stop, Endpoint would hand out a stopped emulator")
	}
}

// TestUnavailableSkipsOrFails: without node, Start skips, and fails under
// COGNATE_REQUIRE_CLIENTS=1 (`make test`), where a skip would pass the mail suites untested.
func TestUnavailableSkipsOrFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no node
	for _, require := range []string{"1", ""} {
		t.Run(RequireEnv+"="+require, func(t *testing.T) {
			t.Setenv(RequireEnv, require)
			o := gate.Observe(t, func(tb testing.TB) { Start(tb) })
			if o.Failed != (require == "1") || o.Skipped == (require == "1") || !o.Stopped || !strings.Contains(o.Log, "node") {
				t.Fatalf("Start without node: %v", o)
			}
		})
	}
}
