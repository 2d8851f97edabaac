// Package dynamo implements the store.Table port on one Amazon DynamoDB table. It is the store
// behind Cognate's Lambda functions; the embedded package is the same port on bbolt, and both
// pass the store/storetest conformance suite (this one against DynamoDB Local).
//
// # Table and items
//
// The table has a string partition key "pk" and a string sort key "sk" (on-demand billing; TTL
// on "exp"). A store.Item is one DynamoDB item:
//
//	pk   S  Item.PK (1–2048 bytes of UTF-8)
//	sk   S  Item.SK (1–1024 bytes of UTF-8); string sort keys order by UTF-8 bytes, as the port wants
//	v    N  Item.Version
//	x    N  Item.ExpiresAt in Unix nanoseconds; absent when the item does not expire
//	exp  N  Item.ExpiresAt in Unix seconds, rounded up: the table's TTL attribute
//	d    B  Item.Data; absent when empty
//	af, at, al, au  N  Item.Attempts (attempts.go); each absent while zero
//
// Expiry is decided by "x" against the Table's clock on every read and in every condition
// (DDB-07): an item whose x <= now reads as absent and counts as absent for conditions, even
// while it is still stored. TTL deletion (which may lag by days) only reclaims space, and since
// "exp" is rounded up it never deletes an item that is still live.
//
// The key pk="_cognate#meta", sk="cursor-key#v1" is reserved (see Cursors); Get, Query and Write
// refuse that partition.
//
// # Reads
//
// Get is a GetItem and Query a Query, both with ConsistentRead. Query's key condition is
// pk = :pk AND begins_with(sk, :prefix) (no begins_with for an empty prefix). Query asks for
// limit+1 items: when the extra one arrives it is dropped and the cursor points after item
// limit, so — as in the embedded backend — next is set exactly when another item follows, and
// limit counts the items examined, expired ones included (the page may be short). When
// DynamoDB stops early at its 1 MB page size, the cursor is its LastEvaluatedKey.
//
// # Cursors
//
// A cursor is base64url(nonce ‖ AES-256-GCM(sk)), the sort key to start after, sealed with
// the table name, pk and prefix as associated data: it cannot be forged, altered or replayed
// against another table, partition or prefix (store.ErrInvalidCursor), and reveals nothing of
// the sort key. The AES key comes from one of:
//
//   - WithCursorSecret: derived with HKDF-SHA256 from a secret the caller holds (e.g. one kept
//     under KMS envelope encryption); no table access.
//   - by default, the table itself: a random 32-byte key stored under the reserved key, created
//     once with attribute_not_exists (so concurrent cold starts agree on the winner) and read
//     with a consistent GetItem the first time a Table needs it. Cursors therefore survive
//     Lambda cold starts and are shared by every function on the table. The key sits in the
//     table in clear: whoever can read the table can forge cursors, which lets them do nothing
//     they could not already do — a cursor only selects where a Query on a (pk, prefix) the
//     caller already chose resumes.
//
// # Writes
//
// A Write is validated first (1–100 ops, one per key, valid keys and conditions, items under
// 400 KB counted as the embedded backend counts them, 4 MB per transaction); misuse is a plain
// error and nothing is sent. Conditions, with :now = the clock in Unix nanoseconds:
//
//	CondNotExists  attribute_not_exists(pk) OR x <= :now            (an expired item is absent;
//	                                                                  a Put then replaces it whole)
//	CondExists     attribute_exists(pk) AND (attribute_not_exists(x) OR x > :now)
//	CondVersion    the same AND v = :v
//
// One unconditional Put or Delete is a PutItem or DeleteItem (idempotent by nature). Anything
// else — several ops, or one op with a condition — is a TransactWriteItems, even for a single
// op: only TransactWriteItems takes a ClientRequestToken, and a conditional PutItem whose
// response is lost cannot be retried safely (the retry would fail its own condition: a false
// "exists"). This costs a transactional write (2 WCU per KB) for single conditional writes.
//
// A TransactionCanceledException whose reasons are all None or ConditionalCheckFailed becomes
// *store.TxError, Failed[i] = reason i is ConditionalCheckFailed (a ConditionalCheckFailedException
// from PutItem/DeleteItem would map to Failed[0], though those calls carry no condition).
// Reasons that include TransactionConflict (another
// transaction held one of the items) and TransactionConflictException on PutItem/DeleteItem are
// retried here with jittered exponential backoff, at most 16 attempts and within the call's
// deadline, so concurrent writers see either success or a failed condition, never a conflict.
// Every other reason (throttling, validation, item collection size…) is an error: fail closed
// (DDB-09); throttling errors also match ErrThrottled.
//
// # Idempotency (DDB-06)
//
// The ClientRequestToken is fixed before the first attempt: hex(SHA-256(table, a 128-bit nonce
// drawn once per Write call, the ops, :now, the conflict round))[:36]. The SDK's retryer resends
// the very same input, so a transaction that committed but whose response was lost (or timed
// out) is acknowledged by DynamoDB on the retry instead of being applied twice or failing its
// own condition; TransactionInProgressException (the first attempt still running) is retried
// with the same token. A conflict-cancelled attempt was definitely not applied, so the next
// round may take a new token.
//
// The token is deliberately not a pure function of the ops: two different callers that issue
// byte-identical writes (easy with a fixed clock: two redemptions of one code that both read
// version 3 and both write version 4) must not share a token, or the second would be told
// "success" for a write DynamoDB never applied (with such a token, storetest's compare-and-swap
// counter loses most of its updates on DynamoDB Local). And no token can make a re-run of a whole
// request idempotent at this layer, because a re-run carries a different :now and fresh ids.
// What remains ambiguous — the SDK gives up or the deadline passes while the outcome is
// unknown — is returned as an error, never as success or as a failed condition.
//
// # Deadlines (LAM-01)
//
// Every Table call runs under a deadline (WithTimeout, default 3 s), covering all its AWS calls
// and retries, so a slow or stuck DynamoDB fails the call in time. A transaction is atomic, so a
// deadline never leaves a record half-written. The SDK client's retryer runs inside that
// deadline: give it short backoffs (the standard retryer's default waits up to 2 s, then 4 s,
// between attempts) so that its retries — which are what make a lost response harmless — fit.
//
// # Testing
//
// The tests run the store/storetest and app/apptest suites against DynamoDB Local (started by
// infra/dynamodb/dynamodb-local.mjs), one fresh table per test. DynamoDB Local has no TTL and
// no throttling, and it serialises transactions instead of cancelling them with
// TransactionConflict, so those paths are tested by fault injection through API and through
// the SDK client's HTTP transport.
package dynamo

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/store"
)

// API is the part of *dynamodb.Client the package uses; tests wrap it to inject faults.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTimeToLive(ctx context.Context, in *dynamodb.DescribeTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTimeToLiveOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Attribute names.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrVersion = "v"
	attrExpires = "x"
	attrTTL     = "exp"
	attrData    = "d"
	attrKey     = "k" // the cursor key, in the reserved item
)

// The reserved item that holds the cursor key.
const (
	metaPK        = "_cognate#meta"
	metaCursorSK  = "cursor-key#v1"
	cursorKeySize = 32
)

const (
	// DefaultTimeout bounds every Table call (LAM-01); keep it below the Lambda timeout.
	DefaultTimeout = 3 * time.Second

	maxOps       = 100
	maxPKBytes   = 2048
	maxSKBytes   = 1024
	maxItemBytes = 400 << 10 // DynamoDB's item limit, counted as the embedded backend counts it:
	itemOverhead = 100       // PK + SK + Data + 100 (our six attribute names and three numbers are under 75 bytes).
	maxTxBytes   = 4 << 20   // DynamoDB's limit on a transaction's aggregate item size

	defaultLimit = 100
	maxLimit     = math.MaxInt32 - 1

	maxConflictAttempts = 16
	backoffBase         = 5 * time.Millisecond
	backoffCap          = 200 * time.Millisecond

	createTableWait = 5 * time.Minute
)

var (
	cursorDomain = []byte("cognate/dynamo/cursor/v1\x00")
	tokenDomain  = []byte("cognate/dynamo/token/v1\x00")

	// ErrThrottled matches errors caused by DynamoDB throttling (after the SDK's own retries):
	// the write did not happen, the read did not answer. Callers answer 5xx or
	// TooManyRequestsException; they never treat it as "absent" (DDB-09).
	ErrThrottled = errors.New("dynamo: throttled")
	// ErrClosed is returned by every method after Close.
	ErrClosed  = errors.New("dynamo: table closed")
	errCorrupt = errors.New("dynamo: corrupt item")
)

// Option configures a Table.
type Option func(*Table)

// WithTimeout sets the deadline of each Table call (all of its AWS calls and retries).
// Non-positive values keep DefaultTimeout: every call has a deadline.
func WithTimeout(d time.Duration) Option {
	return func(t *Table) {
		if d > 0 {
			t.timeout = d
		}
	}
}

// WithCursorSecret derives the cursor-sealing key from secret (HKDF-SHA256, bound to the table
// name) instead of keeping a random key in the table. Every Table on the same table must use
// the same secret for cursors to carry over. It should hold at least 32 random bytes.
func WithCursorSecret(secret []byte) Option {
	return func(t *Table) { t.cursorSecret = bytes.Clone(secret) }
}

// Table is a store.Table on one DynamoDB table. It is safe for concurrent use.
type Table struct {
	api          API
	name         string
	clk          clock.Clock
	timeout      time.Duration
	cursorSecret []byte
	closed       atomic.Bool

	mu   sync.Mutex  // guards aead while it is loaded
	aead cipher.AEAD // seals Query cursors; nil until first needed
}

var _ store.Table = (*Table)(nil)

// New returns a Table on the DynamoDB table tableName. A nil clk means the system clock. It
// makes no AWS call: the table must exist (CreateTable makes one for local runs and tests).
func New(api API, tableName string, clk clock.Clock, opts ...Option) *Table {
	if clk == nil {
		clk = clock.System{}
	}
	t := &Table{api: api, name: tableName, clk: clk, timeout: DefaultTimeout}
	for _, o := range opts {
		o(t)
	}
	if t.cursorSecret != nil {
		key, err := hkdf.Key(sha256.New, t.cursorSecret, nil, "cognate/dynamo/cursor-key/v1\x00"+tableName, cursorKeySize)
		if err == nil {
			t.aead, err = newAEAD(key)
		}
		if err != nil { // cannot happen for these parameters
			panic("dynamo: cursor key: " + err.Error())
		}
	}
	return t
}

// Name is the DynamoDB table's name.
func (t *Table) Name() string { return t.name }

// Close marks the Table closed; the API client belongs to the caller. Calling it again is harmless.
func (t *Table) Close() error {
	t.closed.Store(true)
	return nil
}

// begin checks the call may proceed and gives it its deadline.
func (t *Table) begin(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if t.closed.Load() {
		return nil, nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	return ctx, cancel, nil
}

// Get returns the live item at pk/sk, or store.ErrNotFound.
func (t *Table) Get(ctx context.Context, pk, sk string) (store.Item, error) {
	if err := checkKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	ctx, cancel, err := t.begin(ctx)
	if err != nil {
		return store.Item{}, err
	}
	defer cancel()
	out, err := t.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(t.name),
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return store.Item{}, t.fail(ctx, "GetItem", err)
	}
	if out.Item == nil {
		return store.Item{}, store.ErrNotFound
	}
	it, err := decode(out.Item)
	if err != nil {
		return store.Item{}, err
	}
	if !live(it, t.clk.Now()) {
		return store.Item{}, store.ErrNotFound
	}
	return it, nil
}

// Query returns up to limit live items of pk whose SK starts with skPrefix, in SK byte order.
// limit counts the items examined, expired ones included, so a page may be short.
func (t *Table) Query(ctx context.Context, pk, skPrefix, cursor string, limit int) ([]store.Item, string, error) {
	if err := checkPK(pk); err != nil {
		return nil, "", err
	}
	if !utf8.ValidString(skPrefix) || len(skPrefix) > maxSKBytes {
		return nil, "", fmt.Errorf("dynamo: sk prefix must be at most %d bytes of UTF-8", maxSKBytes)
	}
	ctx, cancel, err := t.begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)

	in := &dynamodb.QueryInput{
		TableName:                aws.String(t.name),
		ConsistentRead:           aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
		},
		Limit: aws.Int32(int32(limit + 1)), // one more, to know whether another item follows
	}
	if skPrefix != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :prefix)")
		in.ExpressionAttributeNames["#sk"] = attrSK
		in.ExpressionAttributeValues[":prefix"] = &types.AttributeValueMemberS{Value: skPrefix}
	}
	if cursor != "" {
		after, err := t.openCursor(ctx, pk, skPrefix, cursor)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = key(pk, after)
	}
	out, err := t.api.Query(ctx, in)
	if err != nil {
		return nil, "", t.fail(ctx, "Query", err)
	}
	raw := out.Items
	var lastSK string
	switch {
	case len(raw) > limit:
		raw = raw[:limit]
		if lastSK, err = stringAttr(raw[limit-1], attrSK); err != nil {
			return nil, "", err
		}
	case out.LastEvaluatedKey != nil: // DynamoDB's 1 MB page limit
		if lastSK, err = stringAttr(out.LastEvaluatedKey, attrSK); err != nil {
			return nil, "", err
		}
	}
	now := t.clk.Now()
	items := make([]store.Item, 0, len(raw))
	for _, av := range raw {
		it, err := decode(av)
		if err != nil {
			return nil, "", err
		}
		if it.PK != pk || !strings.HasPrefix(it.SK, skPrefix) {
			return nil, "", fmt.Errorf("%w: Query returned %q/%q", errCorrupt, it.PK, it.SK)
		}
		if live(it, now) {
			items = append(items, it)
		}
	}
	var next string
	if lastSK != "" {
		if next, err = t.sealCursor(ctx, pk, skPrefix, lastSK); err != nil {
			return nil, "", err
		}
	}
	return items, next, nil
}

// Write applies ops atomically: it returns *store.TxError, having changed nothing, when any
// condition fails, and a plain error for misuse (no ops, more than 100, a key used twice, an
// invalid key, an oversized item or transaction, an OpCheck without a condition) or when
// DynamoDB fails (throttling, deadline, …) — in which case nothing was applied unless the
// outcome is unknown (the deadline passed after the request was sent).
func (t *Table) Write(ctx context.Context, ops ...store.Op) error {
	if err := validate(ops); err != nil {
		return err
	}
	ctx, cancel, err := t.begin(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	now := t.clk.Now().UnixNano()
	if len(ops) == 1 && ops[0].Cond.Kind == store.CondNone && ops[0].Kind != store.OpCheck {
		return t.writeSingle(ctx, ops[0])
	}
	return t.transact(ctx, ops, now)
}

// writeSingle applies one unconditional Put or Delete.
func (t *Table) writeSingle(ctx context.Context, op store.Op) error {
	call, name := func() error {
		_, err := t.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(t.name), Item: encode(op.Item)})
		return err
	}, "PutItem"
	if op.Kind == store.OpDelete {
		call, name = func() error {
			_, err := t.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(t.name), Key: key(op.Item.PK, op.Item.SK)})
			return err
		}, "DeleteItem"
	}
	for attempt := 1; ; attempt++ {
		err := call()
		switch {
		case err == nil:
			return nil
		case isCode(err, "ConditionalCheckFailedException"):
			return &store.TxError{Failed: []bool{true}}
		case !isCode(err, "TransactionConflictException"):
			return t.fail(ctx, name, err)
		case attempt == maxConflictAttempts:
			return fmt.Errorf("dynamo: %s: still conflicting with other transactions after %d attempts: %w", name, attempt, err)
		}
		if err := t.backoff(ctx, attempt); err != nil {
			return t.fail(ctx, name, err)
		}
	}
}

// transact applies ops with TransactWriteItems, retrying transaction conflicts.
func (t *Table) transact(ctx context.Context, ops []store.Op, now int64) error {
	items := make([]types.TransactWriteItem, len(ops))
	for i, op := range ops {
		items[i] = t.transactItem(op, now)
	}
	base := tokenBase(t.name, ops, now)
	for attempt := 1; ; attempt++ {
		in := &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(token(base, attempt))}
		_, err := t.api.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		switch {
		case errors.As(err, &tce):
			failed, retry, rerr := reasons(tce.CancellationReasons, len(ops))
			if rerr != nil {
				return t.fail(ctx, "TransactWriteItems", fmt.Errorf("%w: %w", rerr, err))
			}
			if !retry {
				return &store.TxError{Failed: failed}
			}
		case isCode(err, "TransactionConflictException"):
		case isCode(err, "TransactionInProgressException"):
			// The first attempt of this very token may still commit: keep the token.
			attempt--
		default:
			return t.fail(ctx, "TransactWriteItems", err)
		}
		if attempt >= maxConflictAttempts {
			return fmt.Errorf("dynamo: TransactWriteItems: still conflicting with other transactions after %d attempts: %w", attempt, err)
		}
		if err := t.backoff(ctx, max(attempt, 1)); err != nil {
			return t.fail(ctx, "TransactWriteItems", err)
		}
	}
}

// reasons maps cancellation reasons to TxError.Failed. retry is true when a reason is a
// transaction conflict (and no other reason is an error); err is set for any reason that is
// neither None, ConditionalCheckFailed nor TransactionConflict.
func reasons(rs []types.CancellationReason, n int) (failed []bool, retry bool, err error) {
	if len(rs) != n {
		return nil, false, fmt.Errorf("dynamo: %d cancellation reasons for %d ops", len(rs), n)
	}
	failed = make([]bool, n)
	var other []string
	anyFailed := false
	for i, r := range rs {
		switch code := aws.ToString(r.Code); code {
		case "", "None":
		case "ConditionalCheckFailed":
			failed[i], anyFailed = true, true
		case "TransactionConflict":
			retry = true
		default:
			other = append(other, fmt.Sprintf("op %d: %s", i, code))
		}
	}
	switch {
	case other != nil:
		err = fmt.Errorf("dynamo: transaction cancelled: %s", strings.Join(other, ", "))
		if slicesContainThrottle(rs) {
			err = fmt.Errorf("%w: %w", ErrThrottled, err)
		}
		return nil, false, err
	case !retry && !anyFailed:
		return nil, false, errors.New("dynamo: transaction cancelled without a reason")
	}
	return failed, retry, nil
}

func slicesContainThrottle(rs []types.CancellationReason) bool {
	for _, r := range rs {
		switch aws.ToString(r.Code) {
		case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
			return true
		}
	}
	return false
}

// backoff sleeps before retry number attempt (1-based): full jitter over an exponential ceiling.
func (t *Table) backoff(ctx context.Context, attempt int) error {
	ceil := min(backoffBase<<min(attempt-1, 10), backoffCap)
	d := ceil/2 + mrand.N(ceil/2+1)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *Table) transactItem(op store.Op, now int64) types.TransactWriteItem {
	expr, names, values := condition(op.Cond, now)
	table := aws.String(t.name)
	switch op.Kind {
	case store.OpPut:
		return types.TransactWriteItem{Put: &types.Put{TableName: table, Item: encode(op.Item),
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	case store.OpDelete:
		return types.TransactWriteItem{Delete: &types.Delete{TableName: table, Key: key(op.Item.PK, op.Item.SK),
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	default: // OpCheck; validate guarantees a condition
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: table, Key: key(op.Item.PK, op.Item.SK),
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	}
}

// condition renders c; an item is live when it has no x or x > :now.
func condition(c store.Cond, now int64) (*string, map[string]string, map[string]types.AttributeValue) {
	const liveExpr = "(attribute_not_exists(#x) OR #x > :now)"
	names := map[string]string{"#pk": attrPK, "#x": attrExpires}
	values := map[string]types.AttributeValue{":now": number(now)}
	switch c.Kind {
	case store.CondNotExists:
		return aws.String("attribute_not_exists(#pk) OR #x <= :now"), names, values
	case store.CondExists:
		return aws.String("attribute_exists(#pk) AND " + liveExpr), names, values
	case store.CondVersion:
		names["#v"] = attrVersion
		values[":v"] = number(c.Version)
		return aws.String("attribute_exists(#pk) AND " + liveExpr + " AND #v = :v"), names, values
	}
	return nil, nil, nil
}

// tokenBase hashes what identifies one Write call: a fresh nonce, the table, the ops and :now.
func tokenBase(table string, ops []store.Op, now int64) []byte {
	h := sha256.New()
	var nonce [16]byte
	rand.Read(nonce[:])
	h.Write(tokenDomain)
	h.Write(nonce[:])
	var b []byte
	str := func(s string) { b = append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	str(table)
	b = binary.BigEndian.AppendUint64(b, uint64(now))
	for _, op := range ops {
		b = append(b, byte(op.Kind), byte(op.Cond.Kind))
		b = binary.BigEndian.AppendUint64(b, uint64(op.Cond.Version))
		str(op.Item.PK)
		str(op.Item.SK)
		if op.Kind == store.OpPut {
			b = binary.BigEndian.AppendUint64(b, uint64(op.Item.Version))
			b = binary.BigEndian.AppendUint64(b, uint64(expiresNanos(op.Item)))
			str(string(op.Item.Data))
		}
		h.Write(b)
		b = b[:0]
	}
	return h.Sum(nil)
}

// token is the ClientRequestToken of conflict round attempt: 36 hex characters.
func token(base []byte, attempt int) string {
	sum := sha256.Sum256(binary.BigEndian.AppendUint32(bytes.Clone(base), uint32(attempt)))
	return hex.EncodeToString(sum[:18])
}

// fail wraps an AWS error: with the context's error when the deadline or a cancellation
// caused it, and with ErrThrottled for throttling.
func (t *Table) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("dynamo: %s: %w: %w", op, cerr, err)
	}
	if isCode(err, "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded") && !errors.Is(err, ErrThrottled) {
		return fmt.Errorf("dynamo: %s: %w: %w", op, ErrThrottled, err)
	}
	return fmt.Errorf("dynamo: %s: %w", op, err)
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// ---- items ----

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func expiresNanos(it store.Item) int64 {
	if it.ExpiresAt.IsZero() {
		return 0
	}
	return it.ExpiresAt.UnixNano()
}

func encode(it store.Item) map[string]types.AttributeValue {
	m := key(it.PK, it.SK)
	m[attrVersion] = number(it.Version)
	if !it.ExpiresAt.IsZero() {
		ns := it.ExpiresAt.UnixNano()
		secs := ns / 1e9
		if ns%1e9 > 0 {
			secs++ // round up: TTL must not delete a live item
		}
		m[attrExpires] = number(ns)
		m[attrTTL] = number(secs)
	}
	if len(it.Data) > 0 {
		m[attrData] = &types.AttributeValueMemberB{Value: it.Data}
	}
	encodeAttempts(m, it.Attempts)
	return m
}

func decode(m map[string]types.AttributeValue) (store.Item, error) {
	var it store.Item
	var err error
	if it.PK, err = stringAttr(m, attrPK); err != nil {
		return it, err
	}
	if it.SK, err = stringAttr(m, attrSK); err != nil {
		return it, err
	}
	if it.Version, err = numberAttr(m, attrVersion); err != nil {
		return it, err
	}
	if _, ok := m[attrExpires]; ok {
		ns, err := numberAttr(m, attrExpires)
		if err != nil {
			return it, err
		}
		it.ExpiresAt = time.Unix(0, ns).UTC()
	}
	switch d := m[attrData].(type) {
	case nil:
	case *types.AttributeValueMemberB:
		it.Data = d.Value // a fresh slice from the decoder: not shared with anyone
	default:
		return it, fmt.Errorf("%w: %q/%q: attribute %s is %T", errCorrupt, it.PK, it.SK, attrData, d)
	}
	it.Attempts, err = decodeAttempts(m)
	return it, err
}

func stringAttr(m map[string]types.AttributeValue, name string) (string, error) {
	s, ok := m[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", fmt.Errorf("%w: attribute %s is %T", errCorrupt, name, m[name])
	}
	return s.Value, nil
}

func numberAttr(m map[string]types.AttributeValue, name string) (int64, error) {
	n, ok := m[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%w: attribute %s is %T", errCorrupt, name, m[name])
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: attribute %s: %v", errCorrupt, name, err)
	}
	return v, nil
}

// live: no expiry, or an expiry still in the future.
func live(it store.Item, now time.Time) bool {
	return it.ExpiresAt.IsZero() || it.ExpiresAt.After(now)
}

// ---- validation ----

func validate(ops []store.Op) error {
	if len(ops) == 0 || len(ops) > maxOps {
		return fmt.Errorf("dynamo: a write takes 1 to %d ops, got %d", maxOps, len(ops))
	}
	type k struct{ pk, sk string }
	seen := make(map[k]int, len(ops))
	total := 0
	for i, op := range ops {
		it := op.Item
		if err := checkKey(it.PK, it.SK); err != nil {
			return fmt.Errorf("op %d: %w", i, err)
		}
		if op.Cond.Kind < store.CondNone || op.Cond.Kind > store.CondVersion {
			return fmt.Errorf("dynamo: op %d: unknown condition %d", i, op.Cond.Kind)
		}
		switch op.Kind {
		case store.OpPut:
			n := len(it.PK) + len(it.SK) + len(it.Data) + itemOverhead
			if n > maxItemBytes {
				return fmt.Errorf("dynamo: op %d: item of about %d bytes exceeds %d", i, n, maxItemBytes)
			}
			if !it.ExpiresAt.IsZero() && !time.Unix(0, it.ExpiresAt.UnixNano()).Equal(it.ExpiresAt) {
				return fmt.Errorf("dynamo: op %d: ExpiresAt %v outside the years 1678–2262", i, it.ExpiresAt)
			}
			total += n
		case store.OpDelete:
			total += len(it.PK) + len(it.SK)
		case store.OpCheck:
			if op.Cond.Kind == store.CondNone {
				return fmt.Errorf("dynamo: op %d: OpCheck without a condition", i)
			}
			total += len(it.PK) + len(it.SK)
		default:
			return fmt.Errorf("dynamo: op %d: unknown kind %d", i, op.Kind)
		}
		if j, dup := seen[k{it.PK, it.SK}]; dup {
			return fmt.Errorf("dynamo: ops %d and %d both touch %q/%q", j, i, it.PK, it.SK)
		}
		seen[k{it.PK, it.SK}] = i
	}
	if total > maxTxBytes {
		return fmt.Errorf("dynamo: a transaction of about %d bytes exceeds DynamoDB's %d", total, maxTxBytes)
	}
	return nil
}

func checkPK(pk string) error {
	if err := checkString("pk", pk, maxPKBytes); err != nil {
		return err
	}
	if pk == metaPK {
		return fmt.Errorf("dynamo: pk %q is reserved", pk)
	}
	return nil
}

func checkKey(pk, sk string) error {
	if err := checkPK(pk); err != nil {
		return err
	}
	return checkString("sk", sk, maxSKBytes)
}

func checkString(name, s string, max int) error {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return fmt.Errorf("dynamo: %s must be 1 to %d bytes of UTF-8", name, max)
	}
	return nil
}

// ---- cursors ----

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// cursorAEAD returns the cursor cipher, loading (or creating) the key in the table the first
// time. A failure is not cached: the next call tries again.
func (t *Table) cursorAEAD(ctx context.Context) (cipher.AEAD, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aead != nil {
		return t.aead, nil
	}
	key, err := t.loadCursorKey(ctx)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	t.aead = aead
	return aead, nil
}

func (t *Table) loadCursorKey(ctx context.Context) ([]byte, error) {
	for range 2 {
		out, err := t.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.name), Key: key(metaPK, metaCursorSK), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, t.fail(ctx, "GetItem (cursor key)", err)
		}
		if out.Item != nil {
			b, ok := out.Item[attrKey].(*types.AttributeValueMemberB)
			if !ok || len(b.Value) != cursorKeySize {
				return nil, fmt.Errorf("%w: the cursor key item", errCorrupt)
			}
			return b.Value, nil
		}
		k := make([]byte, cursorKeySize)
		rand.Read(k)
		item := key(metaPK, metaCursorSK)
		item[attrKey] = &types.AttributeValueMemberB{Value: k}
		_, err = t.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(t.name), Item: item,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		})
		if err == nil {
			return k, nil
		}
		if !isCode(err, "ConditionalCheckFailedException") {
			return nil, t.fail(ctx, "PutItem (cursor key)", err)
		}
		// Another Table created it first (or our own put's response was lost): read it.
	}
	return nil, errors.New("dynamo: the cursor key item vanished")
}

// sealCursor: base64url(nonce ‖ AES-GCM(lastSK)), bound to the table, pk and prefix.
func (t *Table) sealCursor(ctx context.Context, pk, skPrefix, lastSK string) (string, error) {
	aead, err := t.cursorAEAD(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(lastSK)+aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(lastSK), t.cursorAD(pk, skPrefix))), nil
}

func (t *Table) openCursor(ctx context.Context, pk, skPrefix, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(raw) < 12+16 {
		return "", store.ErrInvalidCursor
	}
	aead, err := t.cursorAEAD(ctx)
	if err != nil {
		return "", err
	}
	n := aead.NonceSize()
	sk, err := aead.Open(nil, raw[:n], raw[n:], t.cursorAD(pk, skPrefix))
	if err != nil || len(sk) == 0 || !strings.HasPrefix(string(sk), skPrefix) {
		return "", store.ErrInvalidCursor
	}
	return string(sk), nil
}

func (t *Table) cursorAD(pk, skPrefix string) []byte {
	ad := bytes.Clone(cursorDomain)
	for _, s := range []string{t.name, pk} {
		ad = append(binary.AppendUvarint(ad, uint64(len(s))), s...)
	}
	return append(ad, skPrefix...)
}

// ---- setup ----

// CreateTable creates the table (on-demand billing, pk/sk string keys, TTL on "exp") for local
// runs and tests, and waits until it is active. It is idempotent: an existing table with the
// right key schema is accepted, and TTL is enabled only if it is not already. Production tables
// come from infrastructure code (PITR, deletion protection, SSE-KMS: DESIGN §4).
func (t *Table) CreateTable(ctx context.Context) error {
	if t.closed.Load() {
		return ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, createTableWait)
	defer cancel()
	call := func(f func(ctx context.Context) error) error {
		cctx, ccancel := context.WithTimeout(ctx, t.timeout)
		defer ccancel()
		return f(cctx)
	}
	for created := false; ; {
		var desc *types.TableDescription
		err := call(func(ctx context.Context) error {
			out, err := t.api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.name)})
			if err == nil {
				desc = out.Table
			}
			return err
		})
		switch {
		case isCode(err, "ResourceNotFoundException") && !created:
			err = call(func(ctx context.Context) error {
				_, err := t.api.CreateTable(ctx, &dynamodb.CreateTableInput{
					TableName:   aws.String(t.name),
					BillingMode: types.BillingModePayPerRequest,
					AttributeDefinitions: []types.AttributeDefinition{
						{AttributeName: aws.String(attrPK), AttributeType: types.ScalarAttributeTypeS},
						{AttributeName: aws.String(attrSK), AttributeType: types.ScalarAttributeTypeS},
					},
					KeySchema: []types.KeySchemaElement{
						{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
						{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
					},
				})
				return err
			})
			if err != nil && !isCode(err, "ResourceInUseException") {
				return t.fail(ctx, "CreateTable", err)
			}
			created = true
			continue
		case isCode(err, "ResourceNotFoundException"):
			// created but not yet visible: wait
		case err != nil:
			return t.fail(ctx, "DescribeTable", err)
		default:
			if err := checkSchema(desc); err != nil {
				return err
			}
			if desc.TableStatus == types.TableStatusActive {
				return t.enableTTL(ctx, call)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("dynamo: waiting for table %s: %w", t.name, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func checkSchema(d *types.TableDescription) error {
	var hash, rng string
	for _, k := range d.KeySchema {
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			rng = aws.ToString(k.AttributeName)
		}
	}
	attrTypes := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		attrTypes[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	if hash != attrPK || rng != attrSK || attrTypes[attrPK] != types.ScalarAttributeTypeS || attrTypes[attrSK] != types.ScalarAttributeTypeS {
		return fmt.Errorf("dynamo: table %s has key schema %s/%s; want %s (S) hash and %s (S) range", aws.ToString(d.TableName), hash, rng, attrPK, attrSK)
	}
	return nil
}

func (t *Table) enableTTL(ctx context.Context, call func(func(context.Context) error) error) error {
	var ttl *types.TimeToLiveDescription
	err := call(func(ctx context.Context) error {
		out, err := t.api.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(t.name)})
		if err == nil {
			ttl = out.TimeToLiveDescription
		}
		return err
	})
	if err != nil {
		return t.fail(ctx, "DescribeTimeToLive", err)
	}
	if ttl != nil {
		switch ttl.TimeToLiveStatus {
		case types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling:
			if a := aws.ToString(ttl.AttributeName); a != attrTTL {
				return fmt.Errorf("dynamo: table %s has TTL on %q; want %q", t.name, a, attrTTL)
			}
			return nil
		}
	}
	err = call(func(ctx context.Context) error {
		_, err := t.api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(t.name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attrTTL), Enabled: aws.Bool(true)},
		})
		return err
	})
	if err != nil {
		return t.fail(ctx, "UpdateTimeToLive", err)
	}
	return nil
}

// Verify checks that the table is there and is one this package can use (pk HASH, sk RANGE),
// with one DescribeTable: a function checks it at cold start, so a wrong COGNATE_TABLE fails the
// start with a clear message rather than every request. The error names the problem, not the
// setting; ErrTableMissing marks a table that is not there.
func (t *Table) Verify(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	out, err := t.api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.name)})
	if isCode(err, "ResourceNotFoundException") {
		return fmt.Errorf("%w: %v", ErrTableMissing, err)
	}
	if err != nil {
		return err
	}
	var hash, rng string
	for _, k := range out.Table.KeySchema {
		switch k.KeyType {
		case types.KeyTypeHash:
			hash = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			rng = aws.ToString(k.AttributeName)
		}
	}
	if hash != attrPK || rng != attrSK {
		return fmt.Errorf("its key is (%q, %q); Cognate's table has %s (HASH) and %s (RANGE)", hash, rng, attrPK, attrSK)
	}
	return nil
}

// ErrTableMissing: the table Verify was asked about does not exist (in that account, region and
// endpoint).
var ErrTableMissing = errors.New("no such table")
