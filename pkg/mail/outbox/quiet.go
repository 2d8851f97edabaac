package outbox

import (
	"context"
	"log/slog"

	"github.com/cognatehq/cognate/pkg/mail"
)

// Quiet is the mail.Sender of a local server whose outbox is off (`cognate serve` beyond
// loopback without --expose-outbox): it delivers nothing, keeps nothing, and logs that a message
// went nowhere without its subject, body or code, so no code can be read off the server at all.
type Quiet struct {
	log *slog.Logger
}

var _ mail.Sender = (*Quiet)(nil)

// NewQuiet returns a Quiet that logs through logger (nil: no logging).
func NewQuiet(logger *slog.Logger) *Quiet {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Quiet{log: logger}
}

// Send drops m. Like Outbox.Send it fails only for a done context or a message without To, so
// the callers' answers are the same as with the outbox on.
func (q *Quiet) Send(ctx context.Context, m mail.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.To == "" {
		return ErrNoRecipient
	}
	to := mail.MaskEmail(m.To)
	if m.Channel == mail.SMS {
		to = mail.MaskPhone(m.To)
	}
	q.log.LogAttrs(ctx, slog.LevelInfo, "local outbox is off: message not delivered (start with --expose-outbox to read it)",
		slog.String("channel", string(m.Channel)),
		slog.String("to", to),
		slog.String("kind", string(m.Kind)),
		slog.String("poolId", m.PoolID),
	)
	return nil
}
