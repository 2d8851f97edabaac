package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/store"
)

// Code purposes. A code is bound to its purpose, its user and the value it was sent to (CODE-05).
const (
	purposeSignUp = "signup"
)

const (
	signUpCodeTTL   = 24 * time.Hour
	maxCodeAttempts = 5
	// longestCodeTTL bounds every code's lifetime (sign-up, attribute verification, password
	// reset): a code expiring at t was written no earlier than t - longestCodeTTL.
	longestCodeTTL = 24 * time.Hour
)

// codeRecord is a one-time code at rest: only a keyed hash of the code is kept (CODE-02). Its
// attempts are counted on the item (store.Item.Attempts), so that one request counts an attempt
// and reads the code (reserveCodeAttempt).
type codeRecord struct {
	Hash   []byte `json:"h"`
	Target string `json:"t"` // attribute name the code verifies (email / phone_number)
	Value  string `json:"v"` // the value it was sent to
	// Sub is the sub of the user the code was sent to (ownedBy).
	Sub string `json:"s,omitempty"`
	// Attempts is where versions before the atomic count kept it: read, never written.
	Attempts int  `json:"a,omitempty"`
	Spent    bool `json:"x,omitempty"`
}

// ownedBy tells whether the code was sent to u, not to an earlier user of the same name who has
// been deleted since: codes are children of the user's key, a name that a new user can take
// again, and the deletion's sweep of children is best effort. A code written before codes kept
// the sub has none; it is u's when u existed by the earliest time it can have been written
// (its expiry less the longest lifetime of a code), and otherwise void: a user created within a
// day of the upgrade asks for a code again, at worst.
func (r *codeRecord) ownedBy(u *model.User, expires time.Time) bool {
	if r.Sub != "" {
		return r.Sub == u.Sub()
	}
	return !u.Created.After(expires.Add(-longestCodeTTL))
}

func (s *Service) codeHash(poolID, userKey, purpose, target, value, code string) []byte {
	return s.MAC("code", poolID, userKey, purpose, target, value, code)
}

// sixDigits draws a code from the CSPRNG.
func (s *Service) sixDigits() (string, error) {
	n, err := rand.Int(s.Rand, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeOp builds the write that stores a fresh code, replacing (and so voiding) any older one;
// the put starts its attempt count afresh.
func (s *Service) codeOp(p *model.Pool, u *model.User, purpose, target, value, code string, ttl time.Duration) store.Op {
	rec := codeRecord{Hash: s.codeHash(p.Id, u.Stored.Key, purpose, target, value, code), Target: target, Value: value, Sub: u.Sub()}
	return store.PutOp(store.ChildKey(p.Id, u.Stored.Key, store.ChildCode, purpose), store.Item{Version: 1, ExpiresAt: s.Now().Add(ttl), Data: model.MustJSON(rec)}, store.Cond{})
}

// checkCode verifies a code and returns the op that consumes it (a put of a spent marker
// conditioned on the version read, so of two concurrent correct submissions exactly one
// commits). Every submission is counted as an attempt before it is judged; after
// maxCodeAttempts the code is void, the right code included (CODE-04).
func (s *Service) checkCode(ctx context.Context, p *model.Pool, u *model.User, purpose, code string) (*codeRecord, store.Op, error) {
	k := store.ChildKey(p.Id, u.Stored.Key, store.ChildCode, purpose)
	it, err := s.reserveCodeAttempt(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Op{}, msg.CodeExpired()
	}
	if err != nil {
		return nil, store.Op{}, err
	}
	var rec codeRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, store.Op{}, msg.Internal(err)
	}
	if rec.Spent || !rec.ownedBy(u, it.ExpiresAt) || int(it.Attempts.Total)+rec.Attempts > maxCodeAttempts {
		return nil, store.Op{}, msg.CodeExpired()
	}
	want := s.codeHash(p.Id, u.Stored.Key, purpose, rec.Target, rec.Value, code)
	if !hmac.Equal(want, rec.Hash) {
		return nil, store.Op{}, msg.CodeMismatch()
	}
	// Consuming overwrites the code with a spent marker rather than deleting it, so functions that
	// confirm codes need no delete permission on the user's partition.
	spent := codeRecord{Spent: true}
	return &rec, store.PutOp(k, store.Item{Version: it.Version + 1, ExpiresAt: it.ExpiresAt, Data: model.MustJSON(spent)},
		store.Cond{Kind: store.CondVersion, Version: it.Version}), nil
}

// codeAttemptRule lets the store count an attempt at a code while it has tries left.
func (s *Service) codeAttemptRule() store.AttemptRule {
	return store.AttemptRule{Now: s.Now(), MaxFailures: maxCodeAttempts, MaxTotal: maxCodeAttempts}
}

// reserveCodeAttempt counts an attempt at the code k BEFORE it is judged, as reserveAttempt
// does for passwords: of any number of concurrent guesses, only those counted while the code had
// tries left are judged. In one request, which also reads the code, in the common case
// (CountAttempt); when the store cannot (a fault, or a function without dynamodb:UpdateItem) by
// a compare-and-swap of the item, retried when another attempt wins the race. It returns the
// item as counted, or store.ErrNotFound when there is no code with tries left. A store failure
// refuses the attempt (fail closed).
func (s *Service) reserveCodeAttempt(ctx context.Context, k store.Key) (store.Item, error) {
	it, err := s.Repo.CountAttempt(ctx, k, s.codeAttemptRule())
	if err == nil {
		return it, nil
	}
	if !errors.Is(err, store.ErrConditionFailed) {
		s.Log.WarnContext(ctx, "counting a code attempt failed; taking the compare-and-swap path", "err", err)
	}
	// Declined (no code, or no tries left: the read below tells) or failed: read and decide.
	// Each lost race is another attempt counted or a new code written, so this ends.
	for range 4 * maxCodeAttempts {
		it, err := s.Repo.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			return store.Item{}, err
		}
		if err != nil {
			return store.Item{}, msg.Internal(err)
		}
		rule := s.codeAttemptRule()
		if !rule.Allows(it.Attempts) {
			return store.Item{}, store.ErrNotFound
		}
		read := it.Version
		it.Attempts = it.Attempts.Counted(rule.Now)
		it.Version++
		err = s.Repo.Commit(ctx, store.PutOp(k, it, store.Cond{Kind: store.CondVersion, Version: read}))
		if err == nil {
			return it, nil
		}
		if !errors.Is(err, store.ErrConditionFailed) {
			return store.Item{}, msg.Internal(err)
		}
	}
	return store.Item{}, msg.RateExceeded()
}

// delivery is where a code goes.
type delivery struct {
	attr    string // email | phone_number
	value   string
	channel mail.Channel
}

func (d delivery) details() *model.CodeDeliveryDetailsType {
	if d.channel == mail.Email {
		return &model.CodeDeliveryDetailsType{Destination: mail.MaskEmail(d.value), DeliveryMedium: "EMAIL", AttributeName: d.attr}
	}
	return &model.CodeDeliveryDetailsType{Destination: mail.MaskPhone(d.value), DeliveryMedium: "SMS", AttributeName: d.attr}
}

// deliveryTo is the channel for a code sent to an email or phone_number attribute.
func deliveryTo(attr, value string) delivery {
	if attr == "phone_number" {
		return delivery{attr: attr, value: value, channel: mail.SMS}
	}
	return delivery{attr: attr, value: value, channel: mail.Email}
}

// verificationTarget picks where a sign-up code goes: the auto-verified attributes the user has,
// phone first as Cognito does when both are auto-verified.
func verificationTarget(p *model.Pool, attrs map[string]string) (delivery, bool) {
	if p.AutoVerified("phone_number") && attrs["phone_number"] != "" {
		return delivery{attr: "phone_number", value: attrs["phone_number"], channel: mail.SMS}, true
	}
	if p.AutoVerified("email") && attrs["email"] != "" {
		return delivery{attr: "email", value: attrs["email"], channel: mail.Email}, true
	}
	return delivery{}, false
}

// send renders and sends a message; failures become CodeDeliveryFailureException.
func (s *Service) send(ctx context.Context, p *model.Pool, kind mail.Kind, d delivery, username, code string) error {
	subject, body, err := mail.Render(kind, d.channel, p.Templates(), username, code)
	if err != nil {
		return msg.Internal(err)
	}
	err = s.Mail.Send(ctx, mail.Message{Channel: d.channel, To: d.value, Subject: subject, Body: body, Kind: kind,
		PoolID: p.Id, Username: username, Code: code})
	if err != nil {
		s.Log.WarnContext(ctx, "message delivery failed", "pool", p.Id, "kind", kind, "err", err)
		return cognito.CodeDeliveryFailure("Unable to deliver the verification message.").WithCause(err)
	}
	return nil
}

// ---- small encoding helpers ----

func encodeB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func decodeB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }

func itoa(n int) string { return strconv.Itoa(n) }

// atoiStrict parses a non-negative decimal integer.
func atoiStrict(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a non-negative integer: %q", s)
	}
	return n, nil
}
