package codes

import (
	"context"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Delivery is where a code goes.
type Delivery struct {
	Attr    string // email | phone_number
	Value   string
	Channel mail.Channel
}

func (d Delivery) Details() *model.CodeDeliveryDetailsType {
	if d.Channel == mail.Email {
		return &model.CodeDeliveryDetailsType{Destination: mail.MaskEmail(d.Value), DeliveryMedium: "EMAIL", AttributeName: d.Attr}
	}
	return &model.CodeDeliveryDetailsType{Destination: mail.MaskPhone(d.Value), DeliveryMedium: "SMS", AttributeName: d.Attr}
}

// DeliveryTo is the channel for a code sent to an email or phone_number attribute.
func DeliveryTo(attr, value string) Delivery {
	if attr == "phone_number" {
		return Delivery{Attr: attr, Value: value, Channel: mail.SMS}
	}
	return Delivery{Attr: attr, Value: value, Channel: mail.Email}
}

// VerificationTarget picks where a sign-up code goes: the auto-verified attributes the user has,
// phone first as Cognito does when both are auto-verified.
func VerificationTarget(p *model.Pool, attrs map[string]string) (Delivery, bool) {
	if p.AutoVerified("phone_number") && attrs["phone_number"] != "" {
		return Delivery{Attr: "phone_number", Value: attrs["phone_number"], Channel: mail.SMS}, true
	}
	if p.AutoVerified("email") && attrs["email"] != "" {
		return Delivery{Attr: "email", Value: attrs["email"], Channel: mail.Email}, true
	}
	return Delivery{}, false
}

// Send renders and sends a message; failures become CodeDeliveryFailureException.
func (c *Codes) Send(ctx context.Context, p *model.Pool, kind mail.Kind, d Delivery, username, code string) error {
	subject, body, err := mail.Render(kind, d.Channel, p.Templates(), username, code)
	if err != nil {
		return msg.Internal(err)
	}
	err = c.Mail.Send(ctx, mail.Message{Channel: d.Channel, To: d.Value, Subject: subject, Body: body, Kind: kind,
		PoolID: p.Id, Username: username, Code: code})
	if err != nil {
		c.Log.WarnContext(ctx, "message delivery failed", "pool", p.Id, "kind", kind, "err", err)
		return cognito.CodeDeliveryFailure("Unable to deliver the verification message.").WithCause(err)
	}
	return nil
}

// SendCode stores a fresh code for the user (voiding older ones) and delivers it.
func (c *Codes) SendCode(ctx context.Context, p *model.Pool, u *model.User, purpose string, kind mail.Kind, d Delivery) error {
	code, err := c.SixDigits()
	if err != nil {
		return msg.Internal(err)
	}
	if err := c.Repo.Commit(ctx, c.Op(p, u, purpose, d.Attr, d.Value, code, SignUpTTL)); err != nil {
		return msg.Internal(err)
	}
	return c.Send(ctx, p, kind, d, u.Username, code)
}
