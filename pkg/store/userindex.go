package store

import (
	"context"
	"strings"
)

// The user index answers ListUsers filters without reading the whole pool: for every searchable
// (attribute, value) of a user there is one item (SearchKey: partition I#<pool>#<attribute>,
// SK <value>\x00<userkey>) written, changed and deleted in the same transaction as the user.
// `attr = "v"` is a Query with prefix "v\x00"; `attr ^= "v"` a Query with prefix "v". The NUL separator cannot occur in
// attribute values (the service refuses it) so a value never runs into the next one.
//
// One partition per (pool, attribute) caps index writes per pool at DynamoDB's per-partition
// rate (1,000 writes/s): far above Cognito's 50 sign-ups/s, noted for DDB-08.

// IndexEntry is one searchable value of a user, already normalised by the service.
type IndexEntry struct {
	Attr  string `json:"a"`
	Value string `json:"v"`
}

const indexSep = "\x00"

func indexPut(pool, userKey string, e IndexEntry) Op {
	return Op{Kind: OpPut, Item: SearchKey(pool, e.Attr, e.Value, userKey).item(Item{Version: 1})}
}

func indexDelete(pool, userKey string, e IndexEntry) Op {
	return Op{Kind: OpDelete, Item: SearchKey(pool, e.Attr, e.Value, userKey).item(Item{})}
}

// indexOps moves a user's index items from old to cur.
func indexOps(pool, userKey string, old, cur []IndexEntry) []Op {
	var ops []Op
	in := func(list []IndexEntry, e IndexEntry) bool {
		for _, x := range list {
			if x == e {
				return true
			}
		}
		return false
	}
	for _, e := range old {
		if !in(cur, e) {
			ops = append(ops, indexDelete(pool, userKey, e))
		}
	}
	for _, e := range cur {
		if !in(old, e) {
			ops = append(ops, indexPut(pool, userKey, e))
		}
	}
	return ops
}

// SearchUsers pages through the keys of users whose attr equals value (prefix false) or starts
// with it (prefix true), in value order.
func (r *Repo) SearchUsers(ctx context.Context, pool, attr, value string, prefix bool, cursor string, limit int) ([]string, string, error) {
	p := value
	if !prefix {
		p += indexSep
	}
	items, next, err := r.t.Query(ctx, SearchKey(pool, attr, "", "").pk, p, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if i := strings.LastIndex(it.SK, indexSep); i >= 0 {
			out = append(out, it.SK[i+1:])
		}
	}
	return out, next, nil
}
