package branding

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Look is what the hosted pages show of a client's branding: the managed-login style's colours
// and logo when the client has a style, else the classic customization's CSS and logo (the
// client's own, else the pool's ALL).
type Look struct {
	CSS     string
	Logo    []byte
	LogoExt string // png, jpg, jpeg, svg, ico, webp
	// Colors are CSS colours by role (background, surface, text, primary, on-primary, border),
	// from the style's settings.
	Colors map[string]string
	// Version changes whenever the look does, for the stylesheet's cache key.
	Version string
}

// LookFor reads a client's look.
func (b *Branding) LookFor(ctx context.Context, pool, client string) (*Look, error) {
	claim, err := b.Repo.Get(ctx, store.BrandingClientKey(pool, client))
	switch {
	case err == nil:
		rec, _, err := b.style(ctx, pool, string(claim.Data))
		if err != nil {
			return nil, err
		}
		return b.styleLook(ctx, pool, rec)
	case !errors.Is(err, store.ErrNotFound):
		return nil, msg.Internal(err)
	}
	for _, c := range []string{client, allClients} {
		it, err := b.Repo.Get(ctx, store.UICustomizationKey(pool, c))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		var rec uiRecord
		if err := json.Unmarshal(it.Data, &rec); err != nil {
			return nil, msg.Internal(err)
		}
		return &Look{CSS: rec.CSS, Logo: rec.Logo, LogoExt: rec.LogoExt, Version: "ui-" + rec.Modified.Format("20060102150405.000")}, nil
	}
	return &Look{}, nil
}

// styleColors maps the managed-login settings' colours (Cognito's branding editor writes them as
// RRGGBBAA hex without '#') to the pages' roles: the light mode's, which the pages show.
var styleColors = []struct {
	path []string
	role string
}{
	{[]string{"components", "pageBackground", "lightMode", "color"}, "background"},
	{[]string{"components", "form", "lightMode", "backgroundColor"}, "surface"},
	{[]string{"components", "form", "lightMode", "borderColor"}, "border"},
	{[]string{"components", "pageText", "lightMode", "bodyColor"}, "text"},
	{[]string{"components", "primaryButton", "lightMode", "defaults", "backgroundColor"}, "primary"},
	{[]string{"components", "primaryButton", "lightMode", "defaults", "textColor"}, "on-primary"},
}

var hexColor = regexp.MustCompile(`^[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$`)

// logoCategories are the asset categories that stand for the logo, in order of preference.
var logoCategories = []string{"FORM_LOGO", "PAGE_HEADER_LOGO", "FAVICON_SVG"}

func (b *Branding) styleLook(ctx context.Context, pool string, rec *styleRecord) (*Look, error) {
	l := &Look{Colors: map[string]string{}, Version: "mlb-" + rec.ID + "-" + rec.Modified.Format("20060102150405.000")}
	var settings map[string]any
	if len(rec.Settings) > 0 && json.Unmarshal(rec.Settings, &settings) == nil {
		for _, c := range styleColors {
			if v, ok := dig(settings, c.path).(string); ok && hexColor.MatchString(v) {
				l.Colors[c.role] = "#" + v
			}
		}
	}
	for _, cat := range logoCategories {
		for _, a := range rec.Assets {
			if a.Category != cat || (a.ColorMode != "LIGHT" && a.ColorMode != "DYNAMIC") {
				continue
			}
			data, err := b.blob(ctx, pool, rec.ID, a)
			if err != nil {
				return nil, err
			}
			l.Logo, l.LogoExt = data, a.Extension
			return l, nil
		}
	}
	return l, nil
}

func dig(m map[string]any, path []string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// UILogo is the logo of one classic customization, as its ImageUrl (LogoURL) names it: the
// client's own or the pool's ALL, nothing inherited. ok is false when there is none.
func (b *Branding) UILogo(ctx context.Context, pool, client string) (logo []byte, ext string, ok bool, err error) {
	it, err := b.Repo.Get(ctx, store.UICustomizationKey(pool, client))
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, msg.Internal(err)
	}
	var rec uiRecord
	if err := json.Unmarshal(it.Data, &rec); err != nil {
		return nil, "", false, msg.Internal(err)
	}
	return rec.Logo, rec.LogoExt, len(rec.Logo) > 0, nil
}
