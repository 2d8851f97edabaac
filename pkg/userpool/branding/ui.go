// Package branding owns the look of the hosted pages: the classic hosted UI's customization
// (SetUICustomization, GetUICustomization: CSS and a logo, per client or for "ALL") and
// managed-login branding styles (Create/Describe/Update/DeleteManagedLoginBranding,
// DescribeManagedLoginBrandingByClient: a settings document and image assets, one style per
// app client). It stores what they are given; serving it is the hosted pages' work.
package branding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/directory"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/ports"
)

// Branding carries out the branding operations.
type Branding struct {
	*ports.Ports
	dir *directory.Directory
	// issuerBase is the URL the pool's issuers live under; a logo's ImageUrl is beneath it.
	issuerBase string
}

// New builds the branding room.
func New(p *ports.Ports, dir *directory.Directory, issuerBase string) *Branding {
	return &Branding{Ports: p, dir: dir, issuerBase: strings.TrimRight(issuerBase, "/")}
}

// allClients names the pool-wide customization, which every client without its own uses.
const allClients = "ALL"

const (
	maxLogoBytes = 100 << 10 // the classic hosted UI's logo limit
	maxCSSChars  = 131072
)

// uiRecord is a stored customization: the wire shape's own fields, and the logo itself.
type uiRecord struct {
	CSS      string    `json:"css,omitempty"`
	Logo     []byte    `json:"logo,omitempty"`
	LogoExt  string    `json:"ext,omitempty"` // "png" or "jpg"
	Created  time.Time `json:"c"`
	Modified time.Time `json:"m"`
}

// SetUICustomization sets the CSS and logo of one client, or of every client without its own
// (ClientId absent or "ALL"). CSS and logo are set together: what is absent is cleared.
func (b *Branding) SetUICustomization(ctx context.Context, in *api.SetUICustomizationInput) (*api.SetUICustomizationOutput, error) {
	client, err := b.customizable(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	rec := uiRecord{}
	if in.CSS != nil {
		if err := checkCSS(*in.CSS); err != nil {
			return nil, err
		}
		rec.CSS = *in.CSS
	}
	if len(in.ImageFile) > 0 {
		if len(in.ImageFile) > maxLogoBytes {
			return nil, msg.ImageTooLarge(maxLogoBytes)
		}
		switch {
		case bytes.HasPrefix(in.ImageFile, []byte("\x89PNG\r\n\x1a\n")):
			rec.LogoExt = "png"
		case bytes.HasPrefix(in.ImageFile, []byte{0xff, 0xd8, 0xff}):
			rec.LogoExt = "jpg"
		default:
			return nil, msg.ImageNotPNGOrJPEG()
		}
		rec.Logo = in.ImageFile
	}
	now := b.Now().UTC()
	rec.Created, rec.Modified = now, now
	key := store.UICustomizationKey(in.UserPoolId, client)
	if old, err := b.Repo.Get(ctx, key); err == nil {
		var prev uiRecord
		if json.Unmarshal(old.Data, &prev) == nil && !prev.Created.IsZero() {
			rec.Created = prev.Created
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, msg.Internal(err)
	}
	// The pool must still exist when the customization lands (a deleted pool's items are swept).
	err = b.Repo.Commit(ctx,
		store.CheckOf(store.PutOp(store.PoolKey(in.UserPoolId), store.Item{}, store.Cond{Kind: store.CondExists})),
		store.PutOp(key, store.Item{Version: 1, Data: model.MustJSON(rec)}, store.Cond{}))
	if errors.Is(err, store.ErrConditionFailed) {
		return nil, msg.PoolNotFound(in.UserPoolId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &api.SetUICustomizationOutput{UICustomization: b.uiType(in.UserPoolId, client, &rec)}, nil
}

// GetUICustomization returns a client's customization, or the pool's ("ALL") when the client
// has none; with neither, a customization with no CSS and no logo.
func (b *Branding) GetUICustomization(ctx context.Context, in *api.GetUICustomizationInput) (*api.GetUICustomizationOutput, error) {
	client, err := b.customizable(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{client, allClients} {
		it, err := b.Repo.Get(ctx, store.UICustomizationKey(in.UserPoolId, c))
		if errors.Is(err, store.ErrNotFound) {
			if c == allClients {
				break
			}
			continue
		}
		if err != nil {
			return nil, msg.Internal(err)
		}
		var rec uiRecord
		if err := json.Unmarshal(it.Data, &rec); err != nil {
			return nil, msg.Internal(err)
		}
		return &api.GetUICustomizationOutput{UICustomization: b.uiType(in.UserPoolId, c, &rec)}, nil
	}
	return &api.GetUICustomizationOutput{UICustomization: &model.UICustomizationType{UserPoolId: in.UserPoolId, ClientId: client}}, nil
}

// customizable checks the pool, and the client unless it is "ALL"; it returns the client's
// name in the store.
func (b *Branding) customizable(ctx context.Context, pool, client string) (string, error) {
	if client == "" || client == allClients {
		if _, err := b.dir.Pool(ctx, pool); err != nil {
			return "", err
		}
		return allClients, nil
	}
	if _, _, err := b.dir.PoolClient(ctx, pool, client); err != nil {
		return "", err
	}
	return client, nil
}

func (b *Branding) uiType(pool, client string, rec *uiRecord) *model.UICustomizationType {
	t := &model.UICustomizationType{UserPoolId: pool, ClientId: client, CSS: rec.CSS,
		CreationDate: model.WireTime(rec.Created), LastModifiedDate: model.WireTime(rec.Modified)}
	if rec.CSS != "" {
		t.CSSVersion = rec.Modified.Format("20060102150405")
	}
	if len(rec.Logo) > 0 {
		t.ImageUrl = LogoURL(b.issuerBase, pool, client, rec.LogoExt)
	}
	return t
}

// LogoURL is where the hosted pages serve a customization's logo: beneath the pool's issuer,
// `<issuer base>/<pool>/ui/<client or ALL>/logo.<png|jpg>`. The URL is Cognate's own (Cognito
// serves logos from its CloudFront distribution).
func LogoURL(issuerBase, pool, client, ext string) string {
	return issuerBase + "/" + pool + "/ui/" + client + "/logo." + ext
}

// customClasses are the classes the classic hosted UI lets CSS style (Cognito's developer
// guide, "Customizing hosted UI (classic) branding"). Properties are not checked: Cognito
// ignores those its template does not name.
var customClasses = map[string]bool{}

func init() {
	for _, c := range []string{"background", "banner", "errorMessage", "idpButton", "idpButton-customizable:hover",
		"idpDescription", "inputField", "inputField-customizable:focus", "label", "legalText", "logo",
		"passwordCheck-notValid", "passwordCheck-valid", "socialButton", "submitButton",
		"submitButton-customizable:hover", "textDescription"} {
		if !strings.Contains(c, ":") {
			c += "-customizable"
		}
		customClasses["."+c] = true
	}
}

var cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)

// checkCSS holds CSS to the classic hosted UI's rules: at most 131072 characters, rules whose
// selectors are only the customizable classes, and no at-rules (@import, @media, ...) or script.
func checkCSS(css string) error {
	if len([]rune(css)) > maxCSSChars {
		return msg.CSSTooLarge(maxCSSChars)
	}
	s := cssComment.ReplaceAllString(css, " ")
	lower := strings.ToLower(s)
	for _, bad := range []string{"@", "javascript:", "<script", "expression("} {
		if strings.Contains(lower, bad) {
			return msg.CSSInvalid("it may not contain " + strings.TrimSuffix(bad, "(") + " (at-rules and script are not allowed)")
		}
	}
	for {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		open := strings.IndexByte(s, '{')
		if open < 0 {
			return msg.CSSInvalid("text outside a rule")
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return msg.CSSInvalid("a rule is not closed")
		}
		if strings.ContainsRune(s[open+1:open+end], '{') {
			return msg.CSSInvalid("nested blocks are not allowed")
		}
		for sel := range strings.SplitSeq(s[:open], ",") {
			sel = strings.Join(strings.Fields(sel), " ")
			if !customClasses[sel] {
				return msg.CSSInvalid("selector " + clip(sel) + " is not one of the customizable classes")
			}
		}
		s = s[open+end+1:]
	}
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
