package welcome

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/cognatehq/cognate/infra/ses/seslocal"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
)

func TestMain(m *testing.M) { seslocal.Main(m) }

func event(source string, attrs map[string]string) events.CognitoEventUserPoolsPostConfirmation {
	var ev events.CognitoEventUserPoolsPostConfirmation
	ev.Version, ev.TriggerSource, ev.UserPoolID, ev.UserName = "1", source, "us-east-1_EXAMPLE1", "someone"
	ev.Request.UserAttributes = attrs
	return ev
}

func TestHandler(t *testing.T) {
	endpoint := seslocal.Endpoint(t)
	cfg := Config{From: "Acme <hello@acme.example>", AppName: "Acme & Co", CallTimeout: hooktest.CallTimeout}
	h := Handler(cfg, seslocal.NewClient(endpoint))

	for _, tc := range []struct {
		name, source string
		attrs        map[string]string
		mailed       bool
	}{
		{"a confirmed sign-up is welcomed", "PostConfirmation_ConfirmSignUp",
			map[string]string{"email": "ann@welcome.example", "email_verified": "true", "given_name": "Ann <3"}, true},
		{"a password reset is not", "PostConfirmation_ConfirmForgotPassword",
			map[string]string{"email": "bob@welcome.example", "email_verified": "true"}, false},
		{"nor an address nobody proved", "PostConfirmation_ConfirmSignUp",
			map[string]string{"email": "cy@welcome.example", "email_verified": "false"}, false},
		{"nor a user without an address", "PostConfirmation_ConfirmSignUp",
			map[string]string{"phone_number": "+15555550100", "phone_number_verified": "true"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := event(tc.source, tc.attrs)
			out, err := h(context.Background(), in)
			if err != nil || !reflect.DeepEqual(out, in) {
				t.Fatalf("err %v; the event must come back unchanged: %+v", err, out)
			}
			to := tc.attrs["email"]
			if to == "" {
				return
			}
			got := seslocal.Messages(t, endpoint, to)
			if !tc.mailed {
				if len(got) != 0 {
					t.Fatalf("mailed %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d mails to %s", len(got), to)
			}
			m := got[0]
			if m.From != cfg.From || m.Subject != "Welcome to Acme & Co" || !strings.HasPrefix(m.Text(), "Hello Ann <3,") || m.Body.HTML == nil ||
				!strings.Contains(*m.Body.HTML, "Hello Ann &lt;3,") || !strings.Contains(*m.Body.HTML, "Acme &amp; Co") {
				t.Fatalf("mail %+v (html %q)", m, aws.ToString(m.Body.HTML))
			}
		})
	}

	t.Run("SES failing does not fail the confirmation", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + l.Addr().String()
		_ = l.Close()
		var logs bytes.Buffer
		cfg := cfg
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		h := Handler(cfg, seslocal.NewClient(closed, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 }))
		in := event("PostConfirmation_ConfirmSignUp", map[string]string{"sub": "sub-1", "email": "dee@welcome.example", "email_verified": "true"})
		out, err := h(context.Background(), in)
		if err != nil || !reflect.DeepEqual(out, in) {
			t.Fatalf("err %v, event %+v", err, out)
		}
		if !strings.Contains(logs.String(), "welcome mail not sent") || !strings.Contains(logs.String(), "sub-1") {
			t.Fatalf("log %q", logs.String())
		}
	})
}

func TestFromEnv(t *testing.T) {
	_, err := FromEnv(func(k string) string { return map[string]string{"FROM_ADDRESS": "nobody"}[k] })
	for _, want := range []string{`FROM_ADDRESS="nobody" is not an email address`, "APP_NAME is not set"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want %q", err, want)
		}
	}
	cfg, err := FromEnv(func(k string) string {
		return map[string]string{"FROM_ADDRESS": "hello@acme.example", "APP_NAME": "Acme"}[k]
	})
	if err != nil || cfg.From != "hello@acme.example" || cfg.AppName != "Acme" {
		t.Fatalf("%+v %v", cfg, err)
	}
}
