package codes

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Code purposes. A code is bound to its purpose, its user and the value it was sent to (CODE-05).
const (
	PurposeSignUp = "signup"
)

const (
	SignUpTTL   = 24 * time.Hour
	MaxAttempts = 5
	// LongestTTL bounds every code's lifetime (sign-up, attribute verification, password
	// reset): a code expiring at t was written no earlier than t - longestCodeTTL.
	LongestTTL = 24 * time.Hour
)

// Record is a one-time code at rest: only a keyed hash of the code is kept (CODE-02). Its
// attempts are counted on the item (store.Item.Attempts), so that one request counts an attempt
// and reads the code (reserveCodeAttempt).
type Record struct {
	Hash   []byte `json:"h"`
	Target string `json:"t"` // attribute name the code verifies (email / phone_number)
	Value  string `json:"v"` // the value it was sent to
	// Sub is the sub of the user the code was sent to (ownedBy).
	Sub string `json:"s,omitempty"`
	// Attempts is where versions before the atomic count kept it: read, never written.
	Attempts int  `json:"a,omitempty"`
	Spent    bool `json:"x,omitempty"`
}

// OwnedBy tells whether the code was sent to u, not to an earlier user of the same name who has
// been deleted since: codes are children of the user's key, a name that a new user can take
// again, and the deletion's sweep of children is best effort. A code written before codes kept
// the sub has none; it is u's when u existed by the earliest time it can have been written
// (its expiry less the longest lifetime of a code), and otherwise void: a user created within a
// day of the upgrade asks for a code again, at worst.
func (r *Record) OwnedBy(u *model.User, expires time.Time) bool {
	if r.Sub != "" {
		return r.Sub == u.Sub()
	}
	return !u.Created.After(expires.Add(-LongestTTL))
}

func (c *Codes) codeHash(poolID, userKey, purpose, target, value, code string) []byte {
	return c.MAC("code", poolID, userKey, purpose, target, value, code)
}

// SixDigits draws a code from the CSPRNG.
func (c *Codes) SixDigits() (string, error) {
	n, err := rand.Int(c.Rand, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// Op builds the write that stores a fresh code, replacing (and so voiding) any older one;
// the put starts its attempt count afresh.
func (c *Codes) Op(p *model.Pool, u *model.User, purpose, target, value, code string, ttl time.Duration) store.Op {
	rec := Record{Hash: c.codeHash(p.Id, u.Stored.Key, purpose, target, value, code), Target: target, Value: value, Sub: u.Sub()}
	return store.PutOp(store.ChildKey(p.Id, u.Stored.Key, store.ChildCode, purpose), store.Item{Version: 1, ExpiresAt: c.Now().Add(ttl), Data: model.MustJSON(rec)}, store.Cond{})
}

// Check verifies a code and returns the op that consumes it (a put of a spent marker
// conditioned on the version read, so of two concurrent correct submissions exactly one
// commits). Every submission is counted as an attempt before it is judged; after
// maxCodeAttempts the code is void, the right code included (CODE-04).
func (c *Codes) Check(ctx context.Context, p *model.Pool, u *model.User, purpose, code string) (*Record, store.Op, error) {
	k := store.ChildKey(p.Id, u.Stored.Key, store.ChildCode, purpose)
	it, err := c.reserveCodeAttempt(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Op{}, msg.CodeExpired()
	}
	if err != nil {
		return nil, store.Op{}, err
	}
	var rec Record
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	if rec.Spent || !rec.OwnedBy(u, it.ExpiresAt) || int(it.Attempts.Total)+rec.Attempts > MaxAttempts {
		return nil, store.Op{}, msg.CodeExpired()
	}
	want := c.codeHash(p.Id, u.Stored.Key, purpose, rec.Target, rec.Value, code)
	if !hmac.Equal(want, rec.Hash) {
		return nil, store.Op{}, msg.CodeMismatch()
	}
	// Consuming overwrites the code with a spent marker rather than deleting it, so functions that
	// confirm codes need no delete permission on the user's partition.
	spent := Record{Spent: true}
	return &rec, store.PutOp(k, store.Item{Version: it.Version + 1, ExpiresAt: it.ExpiresAt, Data: model.MustJSON(spent)},
		store.Cond{Kind: store.CondVersion, Version: it.Version}), nil
}

// codeAttemptRule lets the store count an attempt at a code while it has tries left.
func (c *Codes) codeAttemptRule() store.AttemptRule {
	return store.AttemptRule{Now: c.Now(), MaxFailures: MaxAttempts, MaxTotal: MaxAttempts}
}

// reserveCodeAttempt counts an attempt at the code k BEFORE it is judged, as limits.ReserveAttempt
// does for passwords: of any number of concurrent guesses, only those counted while the code had
// tries left are judged. In one request, which also reads the code, in the common case
// (CountAttempt); when the store cannot (a fault, or a function without dynamodb:UpdateItem) by
// a compare-and-swap of the item, retried when another attempt wins the race. It returns the
// item as counted, or store.ErrNotFound when there is no code with tries left. A store failure
// refuses the attempt (fail closed).
func (c *Codes) reserveCodeAttempt(ctx context.Context, k store.Key) (store.Item, error) {
	it, err := c.Repo.CountAttempt(ctx, k, c.codeAttemptRule())
	if err == nil {
		return it, nil
	}
	if !errors.Is(err, store.ErrConditionFailed) {
		c.Log.WarnContext(ctx, "counting a code attempt failed; taking the compare-and-swap path", "err", err)
	}
	// Declined (no code, or no tries left: the read below tells) or failed: read and decide.
	// Each lost race is another attempt counted or a new code written, so this ends.
	for range 4 * MaxAttempts {
		it, err := c.Repo.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			return store.Item{}, err
		}
		if err != nil {
			return store.Item{}, msg.Internal(err)
		}
		rule := c.codeAttemptRule()
		if !rule.Allows(it.Attempts) {
			return store.Item{}, store.ErrNotFound
		}
		read := it.Version
		it.Attempts = it.Attempts.Counted(rule.Now)
		it.Version++
		err = c.Repo.Commit(ctx, store.PutOp(k, it, store.Cond{Kind: store.CondVersion, Version: read}))
		if err == nil {
			return it, nil
		}
		if !errors.Is(err, store.ErrConditionFailed) {
			return store.Item{}, msg.Internal(err)
		}
	}
	return store.Item{}, msg.RateExceeded()
}

const (
	PurposeForgot = "forgot"
	ForgotTTL     = time.Hour
)

// A passwordless sign-in code (USER_AUTH's EMAIL_OTP and SMS_OTP): eight digits, where MFA
// codes have six, living as long as the sign-in's Session.
const (
	PurposeOTP = "otp"
	OTPTTL     = 3 * time.Minute
	OTPDigits  = 8
)

// Digits draws a code of n decimal digits from the CSPRNG.
func (c *Codes) Digits(n int) (string, error) {
	max := big.NewInt(1)
	for range n {
		max.Mul(max, big.NewInt(10))
	}
	v, err := rand.Int(c.Rand, max)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", n, v.Int64()), nil
}

// An SMS or email MFA code: one per user at a time (a new challenge voids the last), living as
// long as the sign-in's Session (AuthSessionValidity's default, three minutes).
const (
	PurposeMFA = "mfa"
	MFATTL     = 3 * time.Minute
)

const VerifyTTL = 24 * time.Hour

func PurposeVerify(attr string) string { return "verify-" + attr }
