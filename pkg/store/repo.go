package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Repository sentinels. The service maps them to Cognito errors.
var (
	ErrExists         = errors.New("store: already exists")
	ErrUsernameExists = errors.New("store: username exists")
	ErrSubExists      = errors.New("store: sub exists")
	// ErrConflict: a compare-and-swap lost every retry.
	ErrConflict = errors.New("store: concurrent modification")
)

// AliasTakenError says which alias another user already holds.
type AliasTakenError struct{ Kind, Value string }

func (e *AliasTakenError) Error() string { return "store: alias taken: " + e.Kind }

// maxCASRetries bounds compare-and-swap rounds. Each lost round backs off a little longer
// with jitter, so twenty writers to one user all land within a few hundred milliseconds (DDB-04)
// instead of colliding round after round.
const maxCASRetries = 24

// casBackoff waits before CAS round i (none before the first); it returns early with the
// context's error.
func casBackoff(ctx context.Context, i int) error {
	if i == 0 {
		return nil
	}
	d := time.Duration(min(i, 8)) * 2 * time.Millisecond
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Repo is the repository of domain methods over a Table. Record contents (Data) belong to the
// service; the repository owns keys (keys.go), uniqueness and concurrency. The table is
// reached only through it.
type Repo struct {
	t Table
}

// NewRepo wraps a table.
func NewRepo(t Table) *Repo { return &Repo{t: t} }

// Pool is a user pool's stored record.
type Pool struct {
	ID      string
	Version int64
	Data    []byte
}

// Client is an app client's stored record.
type Client struct {
	ID      string
	PoolID  string
	Version int64
	Data    []byte
}

// Alias is a uniqueness claim a user holds (email, phone_number, preferred_username), already
// normalised by the service.
type Alias struct{ Kind, Value string }

// User is a user's stored record. Key is the canonical lookup key of the username (case-folded
// in case-insensitive pools); Sub and Aliases are unique within the pool.
type User struct {
	PoolID  string
	Key     string
	Sub     string
	Aliases []Alias
	// Index lists the (attribute, value) pairs ListUsers can search this user by; each is an
	// index item kept in step with the user in the same transaction (userindex.go).
	Index   []IndexEntry
	Version int64
	Data    []byte
	// Attempts is the user's failed-password counter (store.Attempts), beside Data so that
	// CountUserAttempt can count an attempt in the request that reads the user.
	Attempts Attempts
}

// ---- pools ----

// CreatePool writes a new pool; ErrExists if the id is taken.
func (r *Repo) CreatePool(ctx context.Context, p *Pool) error {
	p.Version = 1
	err := r.t.Write(ctx,
		Op{Kind: OpPut, Item: PoolKey(p.ID).item(Item{Version: 1, Data: p.Data}), Cond: Cond{Kind: CondNotExists}},
		Op{Kind: OpPut, Item: PoolIndexKey(p.ID).item(Item{Version: 1})},
	)
	if errors.Is(err, ErrConditionFailed) {
		return ErrExists
	}
	return err
}

// GetPool reads a pool or ErrNotFound.
func (r *Repo) GetPool(ctx context.Context, id string) (*Pool, error) {
	it, err := r.get(ctx, PoolKey(id))
	if err != nil {
		return nil, err
	}
	return &Pool{ID: id, Version: it.Version, Data: it.Data}, nil
}

// UpdatePool applies fn to the pool under compare-and-swap. fn may run more than once and must
// change the record it is given.
func (r *Repo) UpdatePool(ctx context.Context, id string, fn func(p *Pool) error) (*Pool, error) {
	return r.UpdatePoolWith(ctx, id, func(p *Pool) ([]Op, error) { return nil, fn(p) })
}

// UpdatePoolWith is UpdatePool with more ops, which fn returns, committed in the same
// transaction as the pool's write: a pool and the items it claims (its domains, its resource
// servers) change together or not at all. Every write bumps the pool's version, so two such
// updates of one pool are serialised. An extra op whose condition fails gives *ExtraOpError
// (its index among fn's ops); fn may run more than once.
func (r *Repo) UpdatePoolWith(ctx context.Context, id string, fn func(p *Pool) ([]Op, error)) (*Pool, error) {
	for i := 0; i < maxCASRetries; i++ {
		if err := casBackoff(ctx, i); err != nil {
			return nil, err
		}
		p, err := r.GetPool(ctx, id)
		if err != nil {
			return nil, err
		}
		old := p.Version
		extra, err := fn(p)
		if err != nil {
			return nil, err
		}
		p.Version = old + 1
		ops := append([]Op{{Kind: OpPut, Item: PoolKey(id).item(Item{Version: p.Version, Data: p.Data}), Cond: Cond{Kind: CondVersion, Version: old}}}, extra...)
		err = r.t.Write(ctx, ops...)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, ErrConditionFailed) {
			return nil, err
		}
		var tx *TxError
		if errors.As(err, &tx) && !tx.FailedAt(0) {
			for j := range extra {
				if tx.FailedAt(j + 1) {
					return nil, &ExtraOpError{Index: j}
				}
			}
		}
	}
	return nil, ErrConflict
}

// DeletePool removes the pool and its index entry. Users and clients of a deleted pool become
// unreachable (every lookup starts from the pool); their items are left for a sweeper.
func (r *Repo) DeletePool(ctx context.Context, id string) error {
	err := r.t.Write(ctx,
		Op{Kind: OpDelete, Item: PoolKey(id).item(Item{}), Cond: Cond{Kind: CondExists}},
		Op{Kind: OpDelete, Item: PoolIndexKey(id).item(Item{})},
	)
	if errors.Is(err, ErrConditionFailed) {
		return ErrNotFound
	}
	return err
}

// ListPools pages through pool ids and reads each pool.
func (r *Repo) ListPools(ctx context.Context, cursor string, limit int) ([]*Pool, string, error) {
	items, next, err := r.query(ctx, PoolIndexKey(""), cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]*Pool, 0, len(items))
	for _, it := range items {
		p, err := r.GetPool(ctx, it.SK)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	return out, next, nil
}

// ---- clients ----

// CreateClient writes a new app client; ErrExists if the id is taken.
func (r *Repo) CreateClient(ctx context.Context, c *Client) error {
	c.Version = 1
	err := r.t.Write(ctx,
		Op{Kind: OpCheck, Item: PoolKey(c.PoolID).item(Item{}), Cond: Cond{Kind: CondExists}},
		Op{Kind: OpPut, Item: ClientKey(c.ID).item(Item{Version: 1, Data: clientItemData(c)}), Cond: Cond{Kind: CondNotExists}},
		Op{Kind: OpPut, Item: ClientIndexKey(c.PoolID, c.ID).item(Item{Version: 1})},
	)
	var tx *TxError
	if errors.As(err, &tx) {
		if tx.FailedAt(0) {
			return ErrNotFound
		}
		return ErrExists
	}
	return err
}

// GetClient reads an app client by id alone, or ErrNotFound.
func (r *Repo) GetClient(ctx context.Context, id string) (*Client, error) {
	it, err := r.get(ctx, ClientKey(id))
	if err != nil {
		return nil, err
	}
	// The item holds "<pool id>\x00<data>": the pool id is needed before the data is decoded.
	i := bytes.IndexByte(it.Data, 0)
	if i < 0 {
		return nil, fmt.Errorf("store: corrupt client %s", id)
	}
	return &Client{ID: id, PoolID: string(it.Data[:i]), Version: it.Version, Data: it.Data[i+1:]}, nil
}

func clientItemData(c *Client) []byte {
	out := make([]byte, 0, len(c.PoolID)+1+len(c.Data))
	out = append(out, c.PoolID...)
	out = append(out, 0)
	return append(out, c.Data...)
}

// UpdateClient applies fn under compare-and-swap.
func (r *Repo) UpdateClient(ctx context.Context, id string, fn func(c *Client) error) (*Client, error) {
	for i := 0; i < maxCASRetries; i++ {
		if err := casBackoff(ctx, i); err != nil {
			return nil, err
		}
		c, err := r.GetClient(ctx, id)
		if err != nil {
			return nil, err
		}
		old := c.Version
		if err := fn(c); err != nil {
			return nil, err
		}
		c.Version = old + 1
		err = r.t.Write(ctx, Op{Kind: OpPut, Item: ClientKey(id).item(Item{Version: c.Version, Data: clientItemData(c)}), Cond: Cond{Kind: CondVersion, Version: old}})
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrConditionFailed) {
			return nil, err
		}
	}
	return nil, ErrConflict
}

// DeleteClient removes an app client and its index entry.
func (r *Repo) DeleteClient(ctx context.Context, poolID, id string) error {
	err := r.t.Write(ctx,
		Op{Kind: OpDelete, Item: ClientKey(id).item(Item{}), Cond: Cond{Kind: CondExists}},
		Op{Kind: OpDelete, Item: ClientIndexKey(poolID, id).item(Item{})},
	)
	if errors.Is(err, ErrConditionFailed) {
		return ErrNotFound
	}
	return err
}

// ListClients pages through a pool's app clients.
func (r *Repo) ListClients(ctx context.Context, poolID, cursor string, limit int) ([]*Client, string, error) {
	items, next, err := r.query(ctx, ClientIndexKey(poolID, ""), cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]*Client, 0, len(items))
	for _, it := range items {
		c, err := r.GetClient(ctx, it.SK)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, next, nil
}

// ---- users ----

// A stored user is the repository's part — sub, aliases, index entries, as JSON — followed by
// the service's record, which the repository never parses: userEnvelopeV2, the JSON's length as
// a uvarint, the JSON, then Data. Reading a user thus scans a few hundred bytes, not the whole
// record (the first format, one JSON object with Data inside it, is still read).
type userEnvelope struct {
	Sub     string          `json:"s"`
	Aliases []Alias         `json:"a,omitempty"`
	Index   []IndexEntry    `json:"i,omitempty"`
	Data    json.RawMessage `json:"d,omitempty"`
}

const userEnvelopeV2 = 0x02

func encodeUser(u *User) ([]byte, error) {
	meta, err := json.Marshal(userEnvelope{Sub: u.Sub, Aliases: u.Aliases, Index: u.Index})
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(meta)+len(u.Data))
	out = append(out, userEnvelopeV2)
	out = binary.AppendUvarint(out, uint64(len(meta)))
	out = append(out, meta...)
	return append(out, u.Data...), nil
}

func decodeUser(pool, key string, it Item) (*User, error) {
	var env userEnvelope
	raw := it.Data
	if len(raw) > 0 && raw[0] == userEnvelopeV2 {
		n, w := binary.Uvarint(raw[1:])
		if w <= 0 || n > uint64(len(raw)-1-w) {
			return nil, fmt.Errorf("store: corrupt user %s: bad envelope", key)
		}
		meta := raw[1+w : 1+w+int(n)]
		if err := json.Unmarshal(meta, &env); err != nil {
			return nil, fmt.Errorf("store: corrupt user %s: %w", key, err)
		}
		env.Data = raw[1+w+int(n):]
	} else if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("store: corrupt user %s: %w", key, err)
	}
	return &User{PoolID: pool, Key: key, Sub: env.Sub, Aliases: env.Aliases, Index: env.Index, Version: it.Version, Data: env.Data, Attempts: it.Attempts}, nil
}

// CountUserAttempt counts a failed-password attempt on a user and reads the user, in one
// request, when rule allows it without a full read (Table.CountAttempt); ErrConditionFailed
// otherwise (or when the user does not exist).
func (r *Repo) CountUserAttempt(ctx context.Context, pool, key string, rule AttemptRule) (*User, error) {
	it, err := r.countAttempt(ctx, UserKey(pool, key), rule)
	if err != nil {
		return nil, err
	}
	return decodeUser(pool, key, it)
}

// AliasOwner returns the key of the user an alias belongs to, or ErrNotFound.
func (r *Repo) AliasOwner(ctx context.Context, pool, kind, value string) (string, error) {
	it, err := r.get(ctx, AliasKey(pool, kind, value))
	if err != nil {
		return "", err
	}
	return string(it.Data), nil
}

// CreateUser writes a user with its sub, alias and index items in one transaction. Errors:
// ErrUsernameExists, ErrSubExists, *AliasTakenError.
//
// extra ops (the confirmation code, a session) commit in the same transaction; when one of them
// fails its condition the error is an *ExtraOpError.
func (r *Repo) CreateUser(ctx context.Context, u *User, extra ...Op) error {
	u.Version = 1
	data, err := encodeUser(u)
	if err != nil {
		return err
	}
	// No condition on the pool item: every sign-up in a pool would then touch that one item, and
	// DynamoDB cancels concurrent transactions on a shared item. The caller has read the pool, and
	// the users of a deleted pool are unreachable anyway.
	ops := []Op{
		{Kind: OpPut, Item: UserKey(u.PoolID, u.Key).item(Item{Version: 1, Data: data, Attempts: u.Attempts}), Cond: Cond{Kind: CondNotExists}},
		{Kind: OpPut, Item: SubKey(u.PoolID, u.Sub).item(Item{Version: 1, Data: []byte(u.Key)}), Cond: Cond{Kind: CondNotExists}},
		{Kind: OpPut, Item: UserIndexKey(u.PoolID, u.Key).item(Item{Version: 1})},
	}
	for _, a := range u.Aliases {
		ops = append(ops, Op{Kind: OpPut, Item: AliasKey(u.PoolID, a.Kind, a.Value).item(Item{Version: 1, Data: []byte(u.Key)}), Cond: Cond{Kind: CondNotExists}})
	}
	for _, e := range u.Index {
		ops = append(ops, indexPut(u.PoolID, u.Key, e))
	}
	firstExtra := len(ops)
	ops = append(ops, extra...)
	err = r.t.Write(ctx, ops...)
	var tx *TxError
	if errors.As(err, &tx) {
		switch {
		case tx.FailedAt(0):
			return ErrUsernameExists
		case tx.FailedAt(1):
			return ErrSubExists
		}
		for i, a := range u.Aliases {
			if tx.FailedAt(3 + i) {
				return &AliasTakenError{Kind: a.Kind, Value: a.Value}
			}
		}
		for j := firstExtra; j < len(ops); j++ {
			if tx.FailedAt(j) {
				return &ExtraOpError{Index: j - firstExtra}
			}
		}
	}
	return err
}

// GetUser reads a user by canonical key, or ErrNotFound.
func (r *Repo) GetUser(ctx context.Context, pool, key string) (*User, error) {
	it, err := r.get(ctx, UserKey(pool, key))
	if err != nil {
		return nil, err
	}
	return decodeUser(pool, key, it)
}

// GetUserBySub resolves a sub to its user.
func (r *Repo) GetUserBySub(ctx context.Context, pool, sub string) (*User, error) {
	it, err := r.get(ctx, SubKey(pool, sub))
	if err != nil {
		return nil, err
	}
	return r.GetUser(ctx, pool, string(it.Data))
}

// GetUserByAlias resolves a normalised alias to its user.
func (r *Repo) GetUserByAlias(ctx context.Context, pool, kind, value string) (*User, error) {
	it, err := r.get(ctx, AliasKey(pool, kind, value))
	if err != nil {
		return nil, err
	}
	return r.GetUser(ctx, pool, string(it.Data))
}

// UpdateUserFrom applies fn to the user under compare-and-swap, retrying on conflict; fn may run
// more than once and must change the record it is given, and the ops it returns (e.g. consuming a
// code, writing a refresh record) commit atomically with the user. The first attempt starts from a
// copy of start, the user as the caller last read it, which saves a read when nobody wrote in
// between; a stale start costs one failed condition and the loop reads afresh.
//
// Alias changes are written in the same transaction; dropped ones are deleted only if still
// ours. With release nil, an added alias must be free (*AliasTakenError otherwise). With release
// (ForceAliasCreation), an added alias that another user holds is moved to this user in the same
// transaction (DDB-03): the alias item is rewritten under a version condition, and release
// updates each previous owner (it must drop the lost aliases from owner.Aliases). Either
// everything moves or nothing does.
func (r *Repo) UpdateUserFrom(ctx context.Context, start *User, fn func(u *User) ([]Op, error), release func(owner *User, lost []Alias) error) (*User, error) {
	return r.updateUser(ctx, start.PoolID, start.Key, start, fn, release)
}

// updateUser is the compare-and-swap loop of UpdateUserFrom.
func (r *Repo) updateUser(ctx context.Context, pool, key string, start *User, fn func(u *User) ([]Op, error), release func(owner *User, lost []Alias) error) (*User, error) {
	for i := 0; i < maxCASRetries; i++ {
		if err := casBackoff(ctx, i); err != nil {
			return nil, err
		}
		var u *User
		if i == 0 && start != nil {
			c := *start // fn changes its copy; the caller's record stays as read
			u = &c
		} else {
			var err error
			if u, err = r.GetUser(ctx, pool, key); err != nil {
				return nil, err
			}
		}
		oldVersion, oldAliases, oldIndex := u.Version, append([]Alias(nil), u.Aliases...), append([]IndexEntry(nil), u.Index...)
		extra, err := fn(u)
		if err != nil {
			return nil, err
		}
		u.Version = oldVersion + 1
		data, err := encodeUser(u)
		if err != nil {
			return nil, err
		}
		ops := []Op{{Kind: OpPut, Item: UserKey(pool, key).item(Item{Version: u.Version, Data: data, Attempts: u.Attempts}), Cond: Cond{Kind: CondVersion, Version: oldVersion}}}
		added, removed := diffAliases(oldAliases, u.Aliases)
		for _, a := range removed {
			ops = append(ops, Op{Kind: OpDelete, Item: AliasKey(pool, a.Kind, a.Value).item(Item{})})
		}
		firstAdded := len(ops)
		lost := map[string][]Alias{}
		for _, a := range added {
			k := AliasKey(pool, a.Kind, a.Value)
			put := Op{Kind: OpPut, Item: k.item(Item{Version: 1, Data: []byte(key)}), Cond: Cond{Kind: CondNotExists}}
			if release != nil {
				it, err := r.get(ctx, k)
				switch {
				case errors.Is(err, ErrNotFound):
				case err != nil:
					return nil, err
				default:
					put.Item.Version, put.Cond = it.Version+1, Cond{Kind: CondVersion, Version: it.Version}
					if owner := string(it.Data); owner != key {
						lost[owner] = append(lost[owner], a)
					}
				}
			}
			ops = append(ops, put)
		}
		for ownerKey, aliases := range lost {
			ownerOps, err := r.releaseAliases(ctx, pool, ownerKey, aliases, release)
			if err != nil {
				return nil, err
			}
			ops = append(ops, ownerOps...)
		}
		ops = append(ops, indexOps(pool, key, oldIndex, u.Index)...)
		firstExtra := len(ops)
		ops = append(ops, extra...)
		err = r.t.Write(ctx, ops...)
		if err == nil {
			return u, nil
		}
		var tx *TxError
		if !errors.As(err, &tx) {
			return nil, err
		}
		if tx.FailedAt(0) {
			// The user changed since it was read (or the start was stale): whatever else failed
			// may be a consequence, so decide again on a fresh read.
			continue
		}
		if release == nil {
			for j, a := range added {
				if tx.FailedAt(firstAdded + j) {
					return nil, &AliasTakenError{Kind: a.Kind, Value: a.Value}
				}
			}
		}
		for j := firstExtra; j < len(ops); j++ {
			if tx.FailedAt(j) {
				return nil, &ExtraOpError{Index: j - firstExtra}
			}
		}
		// Only a version (or a moved alias's) condition failed: someone wrote in between.
	}
	return nil, ErrConflict
}

// releaseAliases builds the ops that update a previous owner losing aliases to ForceAliasCreation.
func (r *Repo) releaseAliases(ctx context.Context, pool, ownerKey string, lost []Alias, release func(owner *User, lost []Alias) error) ([]Op, error) {
	o, err := r.GetUser(ctx, pool, ownerKey)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // a dangling alias item: the rewrite takes it over
	}
	if err != nil {
		return nil, err
	}
	oVersion, oAliases, oIndex := o.Version, append([]Alias(nil), o.Aliases...), append([]IndexEntry(nil), o.Index...)
	if err := release(o, lost); err != nil {
		return nil, err
	}
	o.Version = oVersion + 1
	data, err := encodeUser(o)
	if err != nil {
		return nil, err
	}
	ops := []Op{{Kind: OpPut, Item: UserKey(pool, ownerKey).item(Item{Version: o.Version, Data: data, Attempts: o.Attempts}), Cond: Cond{Kind: CondVersion, Version: oVersion}}}
	_, removed := diffAliases(oAliases, o.Aliases)
	for _, a := range removed {
		if !slices.Contains(lost, a) { // the moved ones are rewritten by the taker; one op per item
			ops = append(ops, Op{Kind: OpDelete, Item: AliasKey(pool, a.Kind, a.Value).item(Item{})})
		}
	}
	return append(ops, indexOps(pool, ownerKey, oIndex, o.Index)...), nil
}

// ExtraOpError says an op added by UpdateUserFrom's fn failed its condition (e.g. a code already used).
type ExtraOpError struct{ Index int }

func (e *ExtraOpError) Error() string {
	return fmt.Sprintf("store: extra op %d failed its condition", e.Index)
}
func (e *ExtraOpError) Is(target error) bool { return target == ErrConditionFailed }

func diffAliases(old, cur []Alias) (added, removed []Alias) {
	in := func(list []Alias, a Alias) bool {
		for _, b := range list {
			if a == b {
				return true
			}
		}
		return false
	}
	for _, a := range cur {
		if !in(old, a) {
			added = append(added, a)
		}
	}
	for _, a := range old {
		if !in(cur, a) {
			removed = append(removed, a)
		}
	}
	return added, removed
}

// DeleteUser removes a user, its uniqueness items, its index entry and every child item in its
// partition (codes and the like). The user, sub, aliases and index go in one transaction.
func (r *Repo) DeleteUser(ctx context.Context, pool, key string) error {
	u, err := r.GetUser(ctx, pool, key)
	if err != nil {
		return err
	}
	ops := []Op{
		{Kind: OpDelete, Item: UserKey(pool, key).item(Item{}), Cond: Cond{Kind: CondVersion, Version: u.Version}},
		{Kind: OpDelete, Item: SubKey(pool, u.Sub).item(Item{})},
		{Kind: OpDelete, Item: UserIndexKey(pool, key).item(Item{})},
	}
	for _, a := range u.Aliases {
		ops = append(ops, Op{Kind: OpDelete, Item: AliasKey(pool, a.Kind, a.Value).item(Item{})})
	}
	ops = append(ops, indexOps(pool, key, u.Index, nil)...)
	if err := r.t.Write(ctx, ops...); err != nil {
		if errors.Is(err, ErrConditionFailed) {
			return ErrConflict
		}
		return err
	}
	// Children are unreachable once the user item is gone; delete them best effort.
	cursor := ""
	for {
		items, next, err := r.t.Query(ctx, UserKey(pool, key).pk, "", cursor, 100)
		if err != nil {
			return nil
		}
		for _, it := range items {
			_ = r.t.Write(ctx, DeleteItemOp(it, Cond{}))
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// ListUsers pages through a pool's users in key order.
func (r *Repo) ListUsers(ctx context.Context, pool, cursor string, limit int) ([]*User, string, error) {
	items, next, err := r.query(ctx, UserIndexKey(pool, ""), cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]*User, 0, len(items))
	for _, it := range items {
		u, err := r.GetUser(ctx, pool, it.SK)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	return out, next, nil
}
