// Package outbox is the mail.Sender for local mode (`cognate serve`): instead of delivering
// anything it keeps the most recent messages in memory, logs one line per message, and serves
// them over HTTP at /_local/outbox so that developers and end-to-end tests can read the codes.
//
// LOCAL ONLY. The outbox logs and serves message bodies, which carry verification codes and
// temporary passwords: that is its purpose, and the reason it must never be wired into a Lambda,
// nor exposed beyond loopback unless the operator says so (`cognate serve --expose-outbox`). It
// is the one documented exception to "never log a code". Where it is off, Quiet takes its place.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/mail"
)

// DefaultCapacity is how many messages an Outbox keeps when New is given no positive capacity.
const DefaultCapacity = 1000

// ErrNoRecipient is returned by Send for a message without a destination, as a real sender
// would fail.
var ErrNoRecipient = errors.New("outbox: message has no recipient")

// Message is a sent message and when the outbox accepted it.
type Message struct {
	mail.Message
	SentAt time.Time
}

// Filter selects messages. Zero fields match everything.
type Filter struct {
	To     string    // destination, compared case-insensitively, whole value
	PoolID string    // exact
	Kind   mail.Kind // exact
	Limit  int       // when > 0, only the newest Limit matches (still oldest first)
}

func (f Filter) match(m *Message) bool {
	return (f.To == "" || strings.EqualFold(f.To, m.To)) &&
		(f.PoolID == "" || f.PoolID == m.PoolID) &&
		(f.Kind == "" || f.Kind == m.Kind)
}

// Outbox keeps the last N messages sent through it, oldest first. Safe for concurrent use.
type Outbox struct {
	clock clock.Clock
	log   *slog.Logger
	max   int

	mu   sync.Mutex
	buf  []Message // len(buf) <= max; once full, buf[head] is the oldest
	head int
}

var _ mail.Sender = (*Outbox)(nil)

// New returns an empty Outbox that stamps messages with clk, logs through logger (nil: no
// logging) and keeps at most capacity messages (<= 0: DefaultCapacity), dropping the oldest.
func New(clk clock.Clock, logger *slog.Logger, capacity int) *Outbox {
	if clk == nil {
		clk = clock.System{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Outbox{clock: clk, log: logger, max: capacity}
}

// Send records m and logs it: channel, to, kind, pool, username, subject and body (local mode
// only, see the package doc). It fails only for a done context or a message without To.
func (o *Outbox) Send(ctx context.Context, m mail.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.To == "" {
		return ErrNoRecipient
	}
	sent := Message{Message: m, SentAt: o.clock.Now()}

	o.mu.Lock()
	if len(o.buf) < o.max {
		o.buf = append(o.buf, sent)
	} else {
		o.buf[o.head] = sent
		o.head = (o.head + 1) % o.max
	}
	o.mu.Unlock()

	o.log.LogAttrs(ctx, slog.LevelInfo, "local outbox: message sent",
		slog.String("channel", string(m.Channel)),
		slog.String("to", m.To),
		slog.String("kind", string(m.Kind)),
		slog.String("poolId", m.PoolID),
		slog.String("username", m.Username),
		slog.String("subject", m.Subject),
		slog.String("body", m.Body),
	)
	return nil
}

// each calls fn for every stored message, oldest first, until fn returns false. o.mu is held.
func (o *Outbox) each(fn func(*Message) bool) {
	for i := range o.buf {
		if !fn(&o.buf[(o.head+i)%len(o.buf)]) {
			return
		}
	}
}

// Messages returns copies of the stored messages that match f, oldest first.
func (o *Outbox) Messages(f Filter) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Message
	o.each(func(m *Message) bool {
		if f.match(m) {
			out = append(out, *m)
		}
		return true
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// Latest returns the newest message sent to to (compared case-insensitively).
func (o *Outbox) Latest(to string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.buf) - 1; i >= 0; i-- {
		m := &o.buf[(o.head+i)%len(o.buf)]
		if strings.EqualFold(m.To, to) {
			return *m, true
		}
	}
	return Message{}, false
}

// Len is the number of stored messages.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf)
}

// Clear drops every stored message.
func (o *Outbox) Clear() {
	o.mu.Lock()
	o.buf, o.head = nil, 0
	o.mu.Unlock()
}
