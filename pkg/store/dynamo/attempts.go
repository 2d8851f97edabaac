package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognatehq/cognate/pkg/store"
)

// Attempt counters live in their own number attributes, absent while zero, so that one
// conditional UpdateItem can judge and count an attempt and return the item (AUTH-03):
//
//	af  N  Attempts.Failures
//	at  N  Attempts.Total
//	al  N  Attempts.Last (Unix ms)
//	au  N  Attempts.Until (Unix ms)
const (
	attrFailures = "af"
	attrTotal    = "at"
	attrLast     = "al"
	attrUntil    = "au"
)

// attemptUpdate is CountAttempt's UpdateItem: store.AttemptRule.Allows as a condition and
// Attempts.Counted as the update.
const (
	attemptCondition = "attribute_exists(#pk) AND (attribute_not_exists(#x) OR #x > :now)" +
		" AND (attribute_not_exists(#au) OR #au <= :nowms)" +
		" AND (attribute_not_exists(#at) OR #at < :maxTotal)" +
		" AND (attribute_not_exists(#af) OR #af = :zero OR (#af < :maxFailures AND #al >= :quiet))"
	attemptUpdate = "SET #af = if_not_exists(#af, :zero) + :one, #at = if_not_exists(#at, :zero) + :one, #al = :nowms, #v = #v + :one"
)

// CountAttempt is one conditional UpdateItem returning the item as written. An SDK retry after
// a lost response may count the attempt twice: that errs toward locking, never toward a guess.
func (t *Table) CountAttempt(ctx context.Context, pk, sk string, r store.AttemptRule) (store.Item, error) {
	if err := checkKey(pk, sk); err != nil {
		return store.Item{}, err
	}
	ctx, cancel, err := t.begin(ctx)
	if err != nil {
		return store.Item{}, err
	}
	defer cancel()
	in := &dynamodb.UpdateItemInput{
		TableName:           aws.String(t.name),
		Key:                 key(pk, sk),
		ConditionExpression: aws.String(attemptCondition),
		UpdateExpression:    aws.String(attemptUpdate),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#x": attrExpires, "#v": attrVersion,
			"#af": attrFailures, "#at": attrTotal, "#al": attrLast, "#au": attrUntil},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": number(t.clk.Now().UnixNano()), ":nowms": number(r.Now.UnixMilli()), ":quiet": number(r.QuietSince.UnixMilli()),
			":maxTotal": number(r.MaxTotal), ":maxFailures": number(r.MaxFailures), ":zero": number(0), ":one": number(1),
		},
		ReturnValues: types.ReturnValueAllNew,
	}
	for attempt := 1; ; attempt++ {
		out, err := t.api.UpdateItem(ctx, in)
		switch {
		case err == nil:
			return decode(out.Attributes)
		case isCode(err, "ConditionalCheckFailedException"):
			return store.Item{}, store.ErrConditionFailed
		case !isCode(err, "TransactionConflictException"):
			return store.Item{}, t.fail(ctx, "UpdateItem", err)
		case attempt == maxConflictAttempts:
			return store.Item{}, fmt.Errorf("dynamo: UpdateItem: still conflicting with other transactions after %d attempts: %w", attempt, err)
		}
		if err := t.backoff(ctx, attempt); err != nil {
			return store.Item{}, t.fail(ctx, "UpdateItem", err)
		}
	}
}

func encodeAttempts(m map[string]types.AttributeValue, a store.Attempts) {
	for name, v := range map[string]int64{attrFailures: a.Failures, attrTotal: a.Total, attrLast: a.Last, attrUntil: a.Until} {
		if v != 0 {
			m[name] = number(v)
		}
	}
}

func decodeAttempts(m map[string]types.AttributeValue) (store.Attempts, error) {
	var a store.Attempts
	for name, dst := range map[string]*int64{attrFailures: &a.Failures, attrTotal: &a.Total, attrLast: &a.Last, attrUntil: &a.Until} {
		if _, ok := m[name]; !ok {
			continue
		}
		v, err := numberAttr(m, name)
		if err != nil {
			return a, err
		}
		*dst = v
	}
	return a, nil
}
