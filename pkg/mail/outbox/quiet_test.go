package outbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/outbox"
)

func TestQuietLogsNoText(t *testing.T) {
	var logs bytes.Buffer
	q := outbox.NewQuiet(slog.New(slog.NewTextHandler(&logs, nil)))
	for _, m := range []mail.Message{
		{Channel: mail.Email, To: "jane@example.com", Subject: "Code 918273", Body: "Your code is 918273", Code: "918273", Kind: mail.SignUp, PoolID: "us-east-1_P", Username: "jane"},
		{Channel: mail.SMS, To: "+12065551234", Body: "Your code is 918273", Code: "918273", Kind: mail.Authentication, PoolID: "us-east-1_P", Username: "jane"},
	} {
		if err := q.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	out := logs.String()
	for _, secret := range []string{"918273", "jane@example.com", "+12065551234"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "j***@e***") || !strings.Contains(out, "kind=Authentication") {
		t.Errorf("the log does not say what went undelivered:\n%s", out)
	}
	if err := q.Send(context.Background(), mail.Message{Channel: mail.Email}); err != outbox.ErrNoRecipient {
		t.Errorf("no recipient: %v", err)
	}
}
