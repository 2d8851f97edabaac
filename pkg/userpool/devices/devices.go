// Package devices owns remembered devices (protocol §2.8, §3.8, §4.6): their records, keys
// and tombstones. The device steps of a sign-in and the device operations use it.
//
// With the pool's DeviceConfiguration set, a sign-in that presents no device gets
// NewDeviceMetadata: a fresh DeviceKey (<region>_<uuid>) and the user's DeviceGroupKey. Its
// tokens are bound to that key from the start (device_key claim, refresh only with DEVICE_KEY),
// so ConfirmDevice needs no pending record: it accepts the key the caller's access token was
// issued for, and stores the device's salt and verifier. Later sign-ins present DEVICE_KEY and
// prove the device with DEVICE_SRP_AUTH -> DEVICE_PASSWORD_VERIFIER, the same SRP with the
// DeviceGroupKey as pool name and the DeviceKey as user id.
//
// Devices are child items of the user (store.ChildDevice), so deleting the user deletes them.
// Forgetting a device leaves a tombstone in its place: the refresh tokens bound to a forgotten
// device must stop working (as in Cognito), which needs the key remembered as forgotten, not
// merely gone (a device never confirmed is gone too, and its tokens stay good).
package devices

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Devices reads and writes users' remembered devices over the service's ports.
type Devices struct{ *ports.Ports }

// Record is a confirmed (or forgotten) device at rest. The verifier is kept unsealed,
// unlike a user's: it comes from a 40-byte random device password, so it offers nothing to an
// offline guesser, and it never proves anything without that password.
type Record struct {
	Key        string    `json:"k"`
	GroupKey   string    `json:"g,omitempty"`
	Salt       []byte    `json:"s,omitempty"`
	Verifier   []byte    `json:"v,omitempty"`
	Name       string    `json:"n,omitempty"`
	Remembered bool      `json:"r,omitempty"`
	Created    time.Time `json:"c"`
	Modified   time.Time `json:"m"`
	LastAuth   time.Time `json:"a,omitempty"`
	Forgotten  bool      `json:"x,omitempty"`
	// Sub is the owner's sub: a device is a child of the user's key, a name that a user created
	// after a deletion can take again, and the deletion's sweep of children is best effort
	// (ownedBy).
	Sub string `json:"u,omitempty"`
}

// OwnedBy tells whether the device is u's, not an earlier user's of the same name who has been
// deleted since (whose devices must neither list nor prove anything for u). Records written
// before the sub was kept have none; they are u's when u existed before the record was written
// (Created: the confirmation, or a tombstone's forgetting), which keeps remembered devices
// across an upgrade.
func (d *Record) OwnedBy(u *model.User) bool {
	if d.Sub != "" {
		return d.Sub == u.Sub()
	}
	return !u.Created.After(d.Created)
}

// ForgottenTTL keeps a forgotten device's tombstone as long as any refresh token can live
// (3650 days at most).
const ForgottenTTL = 3650 * 24 * time.Hour

// GroupKey is the user's DeviceGroupKey: opaque, stable per user and derived rather than
// stored (Cognito's look like "-AbCdEfGh1").
func (ds *Devices) GroupKey(p *model.Pool, u *model.User) string {
	h := ds.MAC("device-group", p.Id, u.Sub())
	out := []byte{'-'}
	for _, c := range h[:9] {
		out = append(out, ports.Alnum[int(c)%len(ports.Alnum)])
	}
	return string(out)
}

// NewMetadata draws the key of a device seen for the first time.
func (ds *Devices) NewMetadata(p *model.Pool, u *model.User) (*model.NewDeviceMetadataType, error) {
	id, err := ds.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	region, _, _ := strings.Cut(p.Id, "_")
	return &model.NewDeviceMetadataType{DeviceKey: region + "_" + id, DeviceGroupKey: ds.GroupKey(p, u)}, nil
}

// Load reads one of the user's devices; a forgotten one is reported as such, and one left
// by a deleted user of the same name as not found.
func (ds *Devices) Load(ctx context.Context, p *model.Pool, u *model.User, key string) (*Record, store.Item, error) {
	it, err := ds.Repo.Get(ctx, store.ChildKey(p.Id, u.Stored.Key, store.ChildDevice, key))
	if err != nil {
		return nil, it, err
	}
	var d Record
	if err := json.Unmarshal(it.Data, &d); err != nil {
		return nil, it, err
	}
	if !d.OwnedBy(u) {
		return nil, store.Item{}, store.ErrNotFound
	}
	return &d, it, nil
}

// Live returns one of the user's live devices, or ResourceNotFoundException with the exact
// text clients look for.
func (ds *Devices) Live(ctx context.Context, p *model.Pool, u *model.User, key string) (*Record, store.Item, error) {
	d, it, err := ds.Load(ctx, p, u, key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.Forgotten) {
		return nil, it, msg.DeviceNotFound()
	}
	if err != nil {
		return nil, it, msg.Internal(err)
	}
	return d, it, nil
}

// Forgotten tells whether a device key was forgotten (its refresh tokens are dead).
func (ds *Devices) Forgotten(ctx context.Context, p *model.Pool, u *model.User, key string) (bool, error) {
	d, _, err := ds.Load(ctx, p, u, key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, msg.Internal(err)
	}
	return d.Forgotten, nil
}

func (ds *Devices) PutOp(p *model.Pool, u *model.User, d *Record, it store.Item, cond store.Cond) store.Op {
	d.Sub = u.Sub()
	it.Data, it.Version = model.MustJSON(d), it.Version+1
	return store.PutOp(store.ChildKey(p.Id, u.Stored.Key, store.ChildDevice, d.Key), it, cond)
}

func Wire(d *Record) model.DeviceType {
	status := "not_remembered"
	if d.Remembered {
		status = "remembered"
	}
	attrs := []model.AttributeType{{Name: "device_status", Value: model.Ptr("valid")}}
	if d.Name != "" {
		attrs = append(attrs, model.AttributeType{Name: "device_name", Value: model.Ptr(d.Name)})
	}
	attrs = append(attrs, model.AttributeType{Name: "dev:device_remembered_status", Value: model.Ptr(status)})
	return model.DeviceType{DeviceKey: d.Key, DeviceAttributes: attrs, DeviceCreateDate: model.WireTime(d.Created),
		DeviceLastModifiedDate: model.WireTime(d.Modified), DeviceLastAuthenticatedDate: model.WireTime(d.LastAuth)}
}
