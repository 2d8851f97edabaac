package route_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/mail/route"
)

type recorder struct {
	got []mail.Message
	err error
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.got = append(r.got, m)
	return r.err
}

func TestChannels(t *testing.T) {
	email, sms := &recorder{}, &recorder{}
	c := route.Channels{Email: email, SMS: sms}
	ctx := context.Background()
	if err := c.Send(ctx, mail.Message{Channel: mail.Email, To: "a@b.example"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, mail.Message{Channel: mail.SMS, To: "+12065551234"}); err != nil {
		t.Fatal(err)
	}
	if len(email.got) != 1 || email.got[0].To != "a@b.example" || len(sms.got) != 1 || sms.got[0].To != "+12065551234" {
		t.Fatalf("email %v, sms %v", email.got, sms.got)
	}

	// The chosen sender's error comes back unchanged (the service maps it).
	boom := errors.New("boom")
	sms.err = boom
	if err := c.Send(ctx, mail.Message{Channel: mail.SMS}); err != boom {
		t.Errorf("err %v, want the sender's own", err)
	}

	if err := c.Send(ctx, mail.Message{Channel: "PIGEON"}); !errors.Is(err, mail.ErrUnknownChannel) {
		t.Errorf("unknown channel: %v", err)
	}
	if err := c.Send(ctx, mail.Message{}); !errors.Is(err, mail.ErrUnknownChannel) {
		t.Errorf("empty channel: %v", err)
	}
	emailOnly := route.Channels{Email: email}
	if err := emailOnly.Send(ctx, mail.Message{Channel: mail.SMS, To: "+12065551234"}); !errors.Is(err, route.ErrNoSender) {
		t.Errorf("no SMS sender: %v", err)
	}
	if len(email.got) != 1 || len(sms.got) != 2 {
		t.Errorf("a refused message reached a sender: email %d, sms %d", len(email.got), len(sms.got))
	}
	if err := (route.Channels{}).Send(ctx, mail.Message{Channel: mail.Email}); !errors.Is(err, route.ErrNoSender) {
		t.Errorf("no email sender: %v", err)
	}
}
