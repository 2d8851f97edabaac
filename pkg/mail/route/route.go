// Package route owns choosing the Sender for a message's channel: Channels composes an email
// Sender (SES, package mail/ses) and an SMS Sender (SNS, package mail/sns) into one mail.Sender,
// so that the service keeps a single Sender port whatever the deployment wires behind it.
//
// It decides nothing else: no retries, no fallback from one channel to the other (a code meant
// for a phone must never go to an inbox, nor the reverse), no logging. The chosen Sender's error
// comes back unchanged.
package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/cognatehq/cognate/pkg/mail"
)

// ErrNoSender is returned (wrapped) for a message whose channel has no Sender configured, e.g.
// SMS in a deployment without SNS.
var ErrNoSender = errors.New("route: no sender for this channel")

// Channels sends email through Email and SMS through SMS. A nil field means that channel is not
// configured. Safe for concurrent use if the Senders are.
type Channels struct {
	Email, SMS mail.Sender
}

var _ mail.Sender = Channels{}

// Send hands m to the Sender of m.Channel. An unknown channel fails with mail.ErrUnknownChannel,
// a channel without a Sender with ErrNoSender; neither reaches any Sender.
func (c Channels) Send(ctx context.Context, m mail.Message) error {
	var s mail.Sender
	switch m.Channel {
	case mail.Email:
		s = c.Email
	case mail.SMS:
		s = c.SMS
	default:
		return fmt.Errorf("route: %w: %q", mail.ErrUnknownChannel, m.Channel)
	}
	if s == nil {
		return fmt.Errorf("%w: %s (kind %s, pool %s)", ErrNoSender, m.Channel, m.Kind, m.PoolID)
	}
	return s.Send(ctx, m)
}
