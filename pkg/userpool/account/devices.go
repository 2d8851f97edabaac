package account

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/cognatehq/cognate/pkg/userpool/ports"

	"github.com/cognatehq/cognate/pkg/userpool/devices"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/userpool/model"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/store"
)

// ---- the device phase of a sign-in ----

// ---- device operations ----

// ConfirmDevice stores a new device's salt and verifier. The key must be the one the caller's
// access token was issued with (NewDeviceMetadata of that sign-in).
func (s *Accounts) ConfirmDevice(ctx context.Context, in *api.ConfirmDeviceInput) (*api.ConfirmDeviceOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p, u := a.Pool, a.User
	if !p.DeviceTracking() {
		return nil, msg.TrackingOff()
	}
	if a.Claims.DeviceKey != in.DeviceKey {
		return nil, msg.DeviceNotFound()
	}
	var salt, verifier []byte
	if cfg := in.DeviceSecretVerifierConfig; cfg != nil {
		if salt, err = base64.StdEncoding.DecodeString(cfg.Salt); err != nil || len(salt) == 0 || len(salt) > 64 {
			return nil, cognito.InvalidParameter("Invalid device salt.")
		}
		if verifier, err = base64.StdEncoding.DecodeString(cfg.PasswordVerifier); err != nil || srp.CheckVerifier(verifier) != nil {
			return nil, cognito.InvalidParameter("Invalid device password verifier.")
		}
	}
	now := s.Now()
	prompt := p.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt
	d := &devices.Record{Key: in.DeviceKey, GroupKey: s.devices.GroupKey(p, u), Salt: salt, Verifier: verifier, Name: in.DeviceName,
		Remembered: !prompt, Created: now, Modified: now, LastAuth: now}
	err = s.Repo.Commit(ctx, s.devices.PutOp(p, u, d, store.Item{}, store.Cond{Kind: store.CondNotExists}))
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, cognito.DeviceKeyExists("Device key already exists.")
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.ConfirmDeviceOutput{UserConfirmationNecessary: prompt}, nil
}

// deviceCaller authenticates an access token for a device operation.
func (s *Accounts) deviceCaller(ctx context.Context, accessToken string) (*model.Pool, *model.User, error) {
	a, err := s.lineages.Authenticate(ctx, accessToken)
	if err != nil {
		return nil, nil, err
	}
	if !a.Pool.DeviceTracking() {
		return nil, nil, msg.TrackingOff()
	}
	return a.Pool, a.User, nil
}

// deviceAdmin resolves the pool and user of an admin device operation.
func (s *Accounts) deviceAdmin(ctx context.Context, poolID, username string) (*model.Pool, *model.User, error) {
	p, err := s.dir.Pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	if !p.DeviceTracking() {
		return nil, nil, msg.TrackingOff()
	}
	u, err := s.dir.MustFindUser(ctx, p, username, true)
	if err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

func (s *Accounts) getDevice(ctx context.Context, p *model.Pool, u *model.User, key string) (*model.DeviceType, error) {
	d, _, err := s.devices.Live(ctx, p, u, key)
	if err != nil {
		return nil, err
	}
	out := devices.Wire(d)
	return &out, nil
}

// updateDeviceStatus sets a device remembered or not; an empty status means not remembered.
func (s *Accounts) updateDeviceStatus(ctx context.Context, p *model.Pool, u *model.User, key, status string) error {
	d, it, err := s.devices.Live(ctx, p, u, key)
	if err != nil {
		return err
	}
	d.Remembered = status == "remembered"
	d.Modified = s.Now()
	err = s.Repo.Commit(ctx, s.devices.PutOp(p, u, d, it, store.Cond{Kind: store.CondVersion, Version: it.Version}))
	if errors.Is(err, store.ErrConditionFailed) {
		return cognito.ConcurrentModification("The device was modified concurrently; try again.")
	}
	return msg.Internal(err)
}

// forgetDevice replaces a device with a tombstone, which ends the refresh tokens bound to it.
func (s *Accounts) forgetDevice(ctx context.Context, p *model.Pool, u *model.User, key string) error {
	_, it, err := s.devices.Live(ctx, p, u, key)
	if err != nil {
		return err
	}
	now := s.Now()
	it.ExpiresAt = now.Add(devices.ForgottenTTL)
	tomb := &devices.Record{Key: key, Forgotten: true, Created: now, Modified: now}
	err = s.Repo.Commit(ctx, s.devices.PutOp(p, u, tomb, it, store.Cond{Kind: store.CondVersion, Version: it.Version}))
	if errors.Is(err, store.ErrConditionFailed) {
		return msg.DeviceNotFound() // forgotten concurrently
	}
	return msg.Internal(err)
}

// listDevices pages through a user's live devices.
func (s *Accounts) listDevices(ctx context.Context, p *model.Pool, u *model.User, limit *int32, token string) ([]model.DeviceType, string, error) {
	scope := "devices/" + p.Id + "/" + u.Stored.Key
	cursor, err := s.OpenPageToken(token, scope)
	if err != nil {
		return nil, "", err
	}
	n := 60
	if limit != nil && *limit > 0 {
		n = int(*limit)
	}
	items, next, err := s.Repo.Query(ctx, store.ChildKey(p.Id, u.Stored.Key, store.ChildDevice, ""), cursor, n)
	if err != nil {
		return nil, "", ports.PageErr(err)
	}
	out := []model.DeviceType{}
	for _, it := range items {
		var d devices.Record
		if err := json.Unmarshal(it.Data, &d); err != nil {
			return nil, "", msg.Internal(err)
		}
		if !d.Forgotten && d.OwnedBy(u) {
			out = append(out, devices.Wire(&d))
		}
	}
	return out, s.PageToken(next, scope), nil
}

// GetDevice returns one of the caller's devices.
func (s *Accounts) GetDevice(ctx context.Context, in *api.GetDeviceInput) (*api.GetDeviceOutput, error) {
	p, u, err := s.deviceCaller(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	d, err := s.getDevice(ctx, p, u, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	return &api.GetDeviceOutput{Device: d}, nil
}

// ListDevices lists the caller's devices.
func (s *Accounts) ListDevices(ctx context.Context, in *api.ListDevicesInput) (*api.ListDevicesOutput, error) {
	p, u, err := s.deviceCaller(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	devs, next, err := s.listDevices(ctx, p, u, in.Limit, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	return &api.ListDevicesOutput{Devices: devs, PaginationToken: next}, nil
}

// ForgetDevice forgets one of the caller's devices.
func (s *Accounts) ForgetDevice(ctx context.Context, in *api.ForgetDeviceInput) (*api.ForgetDeviceOutput, error) {
	p, u, err := s.deviceCaller(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.forgetDevice(ctx, p, u, in.DeviceKey); err != nil {
		return nil, err
	}
	return &api.ForgetDeviceOutput{}, nil
}

// UpdateDeviceStatus remembers or stops remembering one of the caller's devices.
func (s *Accounts) UpdateDeviceStatus(ctx context.Context, in *api.UpdateDeviceStatusInput) (*api.UpdateDeviceStatusOutput, error) {
	p, u, err := s.deviceCaller(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.updateDeviceStatus(ctx, p, u, in.DeviceKey, in.DeviceRememberedStatus); err != nil {
		return nil, err
	}
	return &api.UpdateDeviceStatusOutput{}, nil
}

// AdminGetDevice returns a user's device.
func (s *Accounts) AdminGetDevice(ctx context.Context, in *api.AdminGetDeviceInput) (*api.AdminGetDeviceOutput, error) {
	p, u, err := s.deviceAdmin(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	d, err := s.getDevice(ctx, p, u, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	return &api.AdminGetDeviceOutput{Device: d}, nil
}

// AdminListDevices lists a user's devices.
func (s *Accounts) AdminListDevices(ctx context.Context, in *api.AdminListDevicesInput) (*api.AdminListDevicesOutput, error) {
	p, u, err := s.deviceAdmin(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	devs, next, err := s.listDevices(ctx, p, u, in.Limit, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	return &api.AdminListDevicesOutput{Devices: devs, PaginationToken: next}, nil
}

// AdminForgetDevice forgets a user's device.
func (s *Accounts) AdminForgetDevice(ctx context.Context, in *api.AdminForgetDeviceInput) (*api.AdminForgetDeviceOutput, error) {
	p, u, err := s.deviceAdmin(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.forgetDevice(ctx, p, u, in.DeviceKey); err != nil {
		return nil, err
	}
	return &api.AdminForgetDeviceOutput{}, nil
}

// AdminUpdateDeviceStatus remembers or stops remembering a user's device.
func (s *Accounts) AdminUpdateDeviceStatus(ctx context.Context, in *api.AdminUpdateDeviceStatusInput) (*api.AdminUpdateDeviceStatusOutput, error) {
	p, u, err := s.deviceAdmin(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.updateDeviceStatus(ctx, p, u, in.DeviceKey, in.DeviceRememberedStatus); err != nil {
		return nil, err
	}
	return &api.AdminUpdateDeviceStatusOutput{}, nil
}
