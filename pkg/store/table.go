// Package store owns Cognate's persistent state: the narrow Table port that every backend
// implements (embedded bbolt for `cognate serve`, DynamoDB in Lambda), the repository of
// domain methods written once over it, and every item's key (keys.go). Uniqueness (usernames,
// aliases, subs) is enforced by items written in the same transaction as the user with a
// must-not-exist condition, never by query-then-put; updates are compare-and-swap on Version.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinels returned by every Table backend. The service decides which Cognito error a user sees.
var (
	// ErrNotFound: the item does not exist, or exists but is past its ExpiresAt.
	ErrNotFound = errors.New("store: not found")
	// ErrConditionFailed: a write's condition did not hold (see *TxError for which one).
	ErrConditionFailed = errors.New("store: condition failed")
	// ErrInvalidCursor: a Query cursor that this backend did not issue (or that was altered).
	ErrInvalidCursor = errors.New("store: invalid cursor")
)

// Item is one record. PK+SK identify it; Query reads a PK's items in SK order.
// Version is maintained by the caller (conditions compare it); ExpiresAt, when non-zero,
// makes the item invisible to Get and Query once passed (backends may also delete it lazily,
// as DynamoDB TTL does), so expiry never depends on TTL timing.
type Item struct {
	PK        string
	SK        string
	Version   int64
	ExpiresAt time.Time
	Data      []byte
	// Attempts is the item's failed-attempt counter, kept beside Data so that CountAttempt can
	// judge and count an attempt in the same request that reads the item. A Put replaces it
	// with the Put's value, like everything else.
	Attempts Attempts
}

// Attempts counts failed proofs against an item (a user's password: AUTH-01..03). Times are
// Unix milliseconds; the zero value is a clean record.
type Attempts struct {
	Failures int64 // consecutive failures since the last success or quiet period
	Total    int64 // consecutive failures since the last success or new password
	Last     int64 // when the last failure was counted
	Until    int64 // no attempt may be counted before this
}

// AttemptRule says when CountAttempt may count an attempt without the caller seeing the item
// first: the item is live, not locked (Until <= Now), below both ceilings, and its failures
// are recent (Last >= QuietSince) or none. Anything else is for the caller to decide on a full
// read (a compare-and-swap of the whole item).
type AttemptRule struct {
	Now         time.Time
	QuietSince  time.Time
	MaxFailures int64 // Failures must be below this
	MaxTotal    int64 // Total must be below this
}

// Allows applies the rule to a record, as every backend must.
func (r AttemptRule) Allows(a Attempts) bool {
	now := r.Now.UnixMilli()
	return a.Until <= now && a.Total < r.MaxTotal &&
		(a.Failures == 0 || (a.Failures < r.MaxFailures && a.Last >= r.QuietSince.UnixMilli()))
}

// Counted is the record after CountAttempt counts one more failure at now.
func (a Attempts) Counted(now time.Time) Attempts {
	a.Failures++
	a.Total++
	a.Last = now.UnixMilli()
	return a
}

// CondKind is the condition a write carries.
type CondKind int

const (
	CondNone      CondKind = iota
	CondNotExists          // no live item with this key (an expired item counts as absent)
	CondExists             // a live item with this key exists
	CondVersion            // a live item exists and its Version equals Cond.Version
)

// Cond is a per-item condition.
type Cond struct {
	Kind    CondKind
	Version int64
}

// OpKind is what a transactional write does to its item.
type OpKind int

const (
	OpPut    OpKind = iota // create or replace the whole item
	OpDelete               // delete the item (no error if absent, unless a condition says so)
	OpCheck                // write nothing; only evaluate Cond
)

// Op is one action of a transaction.
type Op struct {
	Kind OpKind
	Item Item // for OpDelete and OpCheck only PK and SK matter
	Cond Cond
}

// TxError reports a cancelled transaction: Failed[i] is true for every op whose condition failed.
// errors.Is(err, ErrConditionFailed) holds for it.
type TxError struct {
	Failed []bool
}

func (e *TxError) Error() string        { return "store: transaction cancelled: condition failed" }
func (e *TxError) Is(target error) bool { return target == ErrConditionFailed }

// FailedAt tells whether op i of the transaction failed its condition.
func (e *TxError) FailedAt(i int) bool { return i >= 0 && i < len(e.Failed) && e.Failed[i] }

// Table is the port every backend implements. All methods honour ctx deadlines.
type Table interface {
	// Get returns the live item or ErrNotFound. Reads are strongly consistent.
	Get(ctx context.Context, pk, sk string) (Item, error)
	// Query returns up to limit live items of pk whose SK starts with skPrefix, in ascending SK
	// order, starting after cursor ("" = from the start). next is "" when there is nothing more;
	// a page may be short (expired items are skipped) while next is still set.
	// Cursors are opaque to callers.
	Query(ctx context.Context, pk, skPrefix, cursor string, limit int) (items []Item, next string, err error)
	// Write applies all ops atomically, or none: when any condition fails it returns *TxError.
	// At most 100 ops, one per key.
	Write(ctx context.Context, ops ...Op) error
	// CountAttempt counts one failed attempt on the live item pk/sk — Attempts.Counted(r.Now),
	// Version + 1 — if r allows it, and returns the item as written, in one atomic request
	// (DynamoDB: a conditional UpdateItem). ErrConditionFailed when r does not allow it or the
	// item is absent: the caller then reads and decides itself.
	CountAttempt(ctx context.Context, pk, sk string, r AttemptRule) (Item, error)
	// Close releases the backend.
	Close() error
}
