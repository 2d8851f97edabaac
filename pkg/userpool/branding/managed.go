package branding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// A style's assets are stored apart from it, each asset's bytes cut into chunks of chunkBytes
// (one item each, under DynamoDB's 400 KB), named by the bytes' SHA-256: an update writes the
// new chunks, swaps the style record, then deletes the chunks no asset names any more, so a
// reader never meets a style whose bytes are missing.
const (
	chunkBytes = 256 << 10
	// maxStyleAssetBytes bounds the bytes of all of a style's assets together (Cognate's own
	// limit): a Describe answers with every asset, and its answer must stay well inside a Lambda
	// response (6 MB) once base64-encoded. It is Cognito's request limit for one Create/Update.
	maxStyleAssetBytes = 2 << 20
)

// styleRecord is a stored style.
type styleRecord struct {
	ID                       string          `json:"id"`
	Client                   string          `json:"client"`
	UseCognitoProvidedValues bool            `json:"cognito,omitempty"`
	Settings                 json.RawMessage `json:"settings,omitempty"`
	Assets                   []assetRecord   `json:"assets,omitempty"`
	Created                  time.Time       `json:"c"`
	Modified                 time.Time       `json:"m"`
}

// assetRecord describes one asset; its bytes are the chunks under Digest.
type assetRecord struct {
	Category   string `json:"cat"`
	ColorMode  string `json:"mode"`
	Extension  string `json:"ext"`
	ResourceId string `json:"rid,omitempty"`
	Digest     string `json:"sha256"`
	Size       int    `json:"size"`
}

// CreateManagedLoginBranding creates a client's style; a client has at most one.
func (b *Branding) CreateManagedLoginBranding(ctx context.Context, in *api.CreateManagedLoginBrandingInput) (*api.CreateManagedLoginBrandingOutput, error) {
	if _, _, err := b.dir.PoolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	if _, err := b.Repo.Get(ctx, store.BrandingClientKey(in.UserPoolId, in.ClientId)); err == nil {
		return nil, msg.BrandingExists(in.ClientId)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, msg.Internal(err)
	}
	id, err := b.UUID()
	if err != nil {
		return nil, msg.Internal(err)
	}
	now := b.Now().UTC()
	rec := &styleRecord{ID: id, Client: in.ClientId, Created: now, Modified: now}
	blobs, err := apply(rec, in.UseCognitoProvidedValues, in.Settings, in.Assets, nil)
	if err != nil {
		return nil, err
	}
	if err := b.putChunks(ctx, in.UserPoolId, id, blobs); err != nil {
		return nil, err
	}
	err = b.Repo.Commit(ctx,
		store.CheckOf(store.PutOp(store.PoolKey(in.UserPoolId), store.Item{}, store.Cond{Kind: store.CondExists})),
		store.PutOp(store.BrandingClientKey(in.UserPoolId, in.ClientId), store.Item{Version: 1, Data: []byte(id)}, store.Cond{Kind: store.CondNotExists}),
		store.PutOp(store.BrandingKey(in.UserPoolId, id), store.Item{Version: 1, Data: model.MustJSON(rec)}, store.Cond{Kind: store.CondNotExists}))
	if err != nil {
		b.dropChunks(ctx, in.UserPoolId, id, nil)
		var tx *store.TxError
		switch {
		case errors.As(err, &tx) && tx.FailedAt(0):
			return nil, msg.PoolNotFound(in.UserPoolId)
		case errors.Is(err, store.ErrConditionFailed):
			return nil, msg.BrandingExists(in.ClientId)
		}
		return nil, msg.Internal(err)
	}
	return &api.CreateManagedLoginBrandingOutput{ManagedLoginBranding: b.styleType(in.UserPoolId, rec, blobs)}, nil
}

// DescribeManagedLoginBranding returns a style by its id.
func (b *Branding) DescribeManagedLoginBranding(ctx context.Context, in *api.DescribeManagedLoginBrandingInput) (*api.DescribeManagedLoginBrandingOutput, error) {
	if _, err := b.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	rec, _, err := b.style(ctx, in.UserPoolId, in.ManagedLoginBrandingId)
	if err != nil {
		return nil, err
	}
	t, err := b.describe(ctx, in.UserPoolId, rec)
	if err != nil {
		return nil, err
	}
	return &api.DescribeManagedLoginBrandingOutput{ManagedLoginBranding: t}, nil
}

// DescribeManagedLoginBrandingByClient returns a client's style.
func (b *Branding) DescribeManagedLoginBrandingByClient(ctx context.Context, in *api.DescribeManagedLoginBrandingByClientInput) (*api.DescribeManagedLoginBrandingByClientOutput, error) {
	if _, _, err := b.dir.PoolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	claim, err := b.Repo.Get(ctx, store.BrandingClientKey(in.UserPoolId, in.ClientId))
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.BrandingNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	rec, _, err := b.style(ctx, in.UserPoolId, string(claim.Data))
	if err != nil {
		return nil, err
	}
	t, err := b.describe(ctx, in.UserPoolId, rec)
	if err != nil {
		return nil, err
	}
	return &api.DescribeManagedLoginBrandingByClientOutput{ManagedLoginBranding: t}, nil
}

// UpdateManagedLoginBranding changes a style. UseCognitoProvidedValues resets it to Cognito's
// defaults (no settings, no assets); otherwise what is given is merged into what is kept:
// settings object by object, assets by category and color mode.
func (b *Branding) UpdateManagedLoginBranding(ctx context.Context, in *api.UpdateManagedLoginBrandingInput) (*api.UpdateManagedLoginBrandingOutput, error) {
	if _, err := b.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	for range 8 { // compare-and-swap; a lost round starts again from the stored style
		rec, version, err := b.style(ctx, in.UserPoolId, in.ManagedLoginBrandingId)
		if err != nil {
			return nil, err
		}
		before := referenced(rec)
		blobs, err := apply(rec, in.UseCognitoProvidedValues, in.Settings, in.Assets, before)
		if err != nil {
			return nil, err
		}
		if err := b.putChunks(ctx, in.UserPoolId, rec.ID, blobs); err != nil {
			return nil, err
		}
		rec.Modified = b.Now().UTC()
		err = b.Repo.Commit(ctx, store.PutOp(store.BrandingKey(in.UserPoolId, rec.ID),
			store.Item{Version: version + 1, Data: model.MustJSON(rec)}, store.Cond{Kind: store.CondVersion, Version: version}))
		if errors.Is(err, store.ErrConditionFailed) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		gone := map[string]bool{}
		for d := range before {
			if !referenced(rec)[d] {
				gone[d] = true
			}
		}
		b.dropChunks(ctx, in.UserPoolId, rec.ID, gone)
		t, err := b.describe(ctx, in.UserPoolId, rec)
		if err != nil {
			return nil, err
		}
		return &api.UpdateManagedLoginBrandingOutput{ManagedLoginBranding: t}, nil
	}
	return nil, msg.Internal(store.ErrConflict)
}

// DeleteManagedLoginBranding deletes a style, its client's claim on it and its assets.
func (b *Branding) DeleteManagedLoginBranding(ctx context.Context, in *api.DeleteManagedLoginBrandingInput) (*api.DeleteManagedLoginBrandingOutput, error) {
	if _, err := b.dir.Pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	for range 8 { // an update meanwhile changes the version: read again
		rec, version, err := b.style(ctx, in.UserPoolId, in.ManagedLoginBrandingId)
		if err != nil {
			return nil, err
		}
		err = b.Repo.Commit(ctx,
			store.DeleteOp(store.BrandingKey(in.UserPoolId, rec.ID), store.Cond{Kind: store.CondVersion, Version: version}),
			store.DeleteOp(store.BrandingClientKey(in.UserPoolId, rec.Client), store.Cond{}))
		if errors.Is(err, store.ErrConditionFailed) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		b.dropChunks(ctx, in.UserPoolId, rec.ID, nil)
		return &api.DeleteManagedLoginBrandingOutput{}, nil
	}
	return nil, msg.Internal(store.ErrConflict)
}

// style reads a stored style and its version.
func (b *Branding) style(ctx context.Context, pool, id string) (*styleRecord, int64, error) {
	it, err := b.Repo.Get(ctx, store.BrandingKey(pool, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, msg.BrandingNotFound()
	}
	if err != nil {
		return nil, 0, msg.Internal(err)
	}
	var rec styleRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, 0, msg.Internal(err)
	}
	return &rec, it.Version, nil
}

// apply checks a request's settings and assets and applies them to rec (a new style when kept
// is nil). It returns the bytes of the assets given, by digest, for putChunks.
func apply(rec *styleRecord, useCognito bool, settings json.RawMessage, assets []model.AssetType, kept map[string]bool) (map[string][]byte, error) {
	given := len(bytes.TrimSpace(settings)) > 0 && !bytes.Equal(bytes.TrimSpace(settings), []byte("null"))
	if useCognito {
		if given || len(assets) > 0 {
			return nil, msg.BrandingValuesConflict()
		}
		rec.UseCognitoProvidedValues, rec.Settings, rec.Assets = true, nil, nil
		return nil, nil
	}
	rec.UseCognitoProvidedValues = false
	if given {
		var obj map[string]any
		if err := json.Unmarshal(settings, &obj); err != nil || obj == nil {
			return nil, msg.BrandingSettingsInvalid()
		}
		if kept != nil && len(rec.Settings) > 0 {
			var old map[string]any
			if json.Unmarshal(rec.Settings, &old) == nil && old != nil {
				obj = mergeObjects(old, obj)
			}
		}
		rec.Settings = model.MustJSON(obj)
	}
	blobs := map[string][]byte{}
	seen := map[string]bool{}
	for i, a := range assets {
		slot := a.Category + "/" + a.ColorMode
		if seen[slot] {
			return nil, msg.AssetDuplicate(a.Category, a.ColorMode)
		}
		seen[slot] = true
		if err := checkAsset(i+1, &a); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(a.Bytes)
		ar := assetRecord{Category: a.Category, ColorMode: a.ColorMode, Extension: a.Extension, ResourceId: a.ResourceId,
			Digest: hex.EncodeToString(sum[:]), Size: len(a.Bytes)}
		blobs[ar.Digest] = a.Bytes
		replaced := false
		for j := range rec.Assets {
			if rec.Assets[j].Category == a.Category && rec.Assets[j].ColorMode == a.ColorMode {
				rec.Assets[j], replaced = ar, true
			}
		}
		if !replaced {
			rec.Assets = append(rec.Assets, ar)
		}
	}
	if len(rec.Assets) > 40 {
		return nil, msg.AssetInvalid(len(rec.Assets), "a style has at most 40 assets")
	}
	total := 0
	for _, a := range rec.Assets {
		total += a.Size
	}
	if total > maxStyleAssetBytes {
		return nil, msg.AssetsTooLarge(maxStyleAssetBytes)
	}
	return blobs, nil
}

// checkAsset checks what the API model does not: bytes are present and are the image the
// extension names, and the favicon categories have their own extensions.
func checkAsset(n int, a *model.AssetType) error {
	if len(a.Bytes) == 0 {
		return msg.AssetInvalid(n, "Bytes is required")
	}
	switch {
	case a.Category == "FAVICON_ICO" && a.Extension != "ICO":
		return msg.AssetInvalid(n, "a FAVICON_ICO asset must have extension ICO")
	case a.Category == "FAVICON_SVG" && a.Extension != "SVG":
		return msg.AssetInvalid(n, "a FAVICON_SVG asset must have extension SVG")
	}
	var ok bool
	switch a.Extension {
	case "PNG":
		ok = bytes.HasPrefix(a.Bytes, []byte("\x89PNG\r\n\x1a\n"))
	case "JPEG":
		ok = bytes.HasPrefix(a.Bytes, []byte{0xff, 0xd8, 0xff})
	case "ICO":
		ok = bytes.HasPrefix(a.Bytes, []byte{0, 0, 1, 0})
	case "WEBP":
		ok = len(a.Bytes) >= 12 && string(a.Bytes[:4]) == "RIFF" && string(a.Bytes[8:12]) == "WEBP"
	case "SVG":
		ok = bytes.Contains(a.Bytes[:min(len(a.Bytes), 4096)], []byte("<svg"))
	}
	if !ok {
		return msg.AssetInvalid(n, "Bytes is not a "+a.Extension+" image")
	}
	return nil
}

// mergeObjects merges patch into base: objects member by member, anything else replaced.
func mergeObjects(base, patch map[string]any) map[string]any {
	for k, v := range patch {
		if po, ok := v.(map[string]any); ok {
			if bo, ok := base[k].(map[string]any); ok {
				base[k] = mergeObjects(bo, po)
				continue
			}
		}
		base[k] = v
	}
	return base
}

func referenced(rec *styleRecord) map[string]bool {
	out := map[string]bool{}
	for _, a := range rec.Assets {
		out[a.Digest] = true
	}
	return out
}

// putChunks writes each blob's chunks, one item each (a blob already stored is written again:
// its chunks are the same bytes).
func (b *Branding) putChunks(ctx context.Context, pool, id string, blobs map[string][]byte) error {
	for digest, data := range blobs {
		for i := 0; i*chunkBytes < len(data); i++ {
			chunk := data[i*chunkBytes : min(len(data), (i+1)*chunkBytes)]
			if err := b.Repo.Commit(ctx, store.PutOp(store.BrandingAssetKey(pool, id, digest, i), store.Item{Version: 1, Data: chunk}, store.Cond{})); err != nil {
				return msg.Internal(err)
			}
		}
	}
	return nil
}

// dropChunks deletes the style's chunks: with gone nil all of them, else those of the digests
// in gone that the style as stored now does not name. Only digests an update took away are
// deleted, never chunks another update has just written for its own record. Failures are
// logged: a chunk left behind is unreachable, not wrong.
func (b *Branding) dropChunks(ctx context.Context, pool, id string, gone map[string]bool) {
	if gone != nil {
		if cur, _, err := b.style(ctx, pool, id); err == nil {
			for d := range referenced(cur) {
				delete(gone, d)
			}
		}
		if len(gone) == 0 {
			return
		}
	}
	cursor := ""
	for {
		items, next, err := b.Repo.Query(ctx, store.BrandingAssetPrefix(pool, id, ""), cursor, 100)
		if err != nil {
			b.Log.WarnContext(ctx, "branding: asset chunks left behind", "pool", pool, "style", id, "err", err)
			return
		}
		for _, it := range items {
			if gone != nil && (len(it.SK) < 64 || !gone[it.SK[:64]]) {
				continue
			}
			if err := b.Repo.Commit(ctx, store.DeleteItemOp(it, store.Cond{})); err != nil {
				b.Log.WarnContext(ctx, "branding: asset chunk left behind", "pool", pool, "style", id, "err", err)
			}
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// blob reads an asset's bytes back from its chunks and checks them against the digest.
func (b *Branding) blob(ctx context.Context, pool, id string, a assetRecord) ([]byte, error) {
	out := make([]byte, 0, a.Size)
	cursor := ""
	for {
		items, next, err := b.Repo.Query(ctx, store.BrandingAssetPrefix(pool, id, a.Digest), cursor, 8)
		if err != nil {
			return nil, msg.Internal(err)
		}
		for _, it := range items {
			out = append(out, it.Data...)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if sum := sha256.Sum256(out); hex.EncodeToString(sum[:]) != a.Digest {
		return nil, msg.Internal(fmt.Errorf("branding: asset %s of style %s: stored bytes do not match their digest", a.Digest, id))
	}
	return out, nil
}

// describe is the wire shape of a stored style, its assets' bytes read back.
func (b *Branding) describe(ctx context.Context, pool string, rec *styleRecord) (*model.ManagedLoginBrandingType, error) {
	blobs := map[string][]byte{}
	for _, a := range rec.Assets {
		if _, ok := blobs[a.Digest]; ok {
			continue
		}
		data, err := b.blob(ctx, pool, rec.ID, a)
		if err != nil {
			return nil, err
		}
		blobs[a.Digest] = data
	}
	return b.styleType(pool, rec, blobs), nil
}

func (b *Branding) styleType(pool string, rec *styleRecord, blobs map[string][]byte) *model.ManagedLoginBrandingType {
	t := &model.ManagedLoginBrandingType{ManagedLoginBrandingId: rec.ID, UserPoolId: pool,
		UseCognitoProvidedValues: rec.UseCognitoProvidedValues, Settings: rec.Settings,
		CreationDate: model.WireTime(rec.Created), LastModifiedDate: model.WireTime(rec.Modified)}
	for _, a := range rec.Assets {
		t.Assets = append(t.Assets, model.AssetType{Category: a.Category, ColorMode: a.ColorMode, Extension: a.Extension,
			Bytes: blobs[a.Digest], ResourceId: a.ResourceId})
	}
	return t
}
