package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// StaticPrefix is where AssetHandler must be mounted: the pages link their assets by absolute
// path, because they are served at several paths (/login, /signup, /oauth2/...).
const StaticPrefix = "/static/"

// asset is one embedded file with what its answers need.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

var assets = loadAssets()

// assetTypes names the content type of each kind of file in static/; a file of another kind is
// a mistake that stops the program at start-up.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
}

func loadAssets() map[string]asset {
	entries, err := staticFS.ReadDir("static")
	if err != nil {
		panic(err)
	}
	m := make(map[string]asset)
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		ct, ok := assetTypes[path.Ext(e.Name())]
		if !ok {
			panic("pages: no content type for static/" + e.Name())
		}
		sum := sha256.Sum256(body)
		m[e.Name()] = asset{body: body, contentType: ct, etag: hex.EncodeToString(sum[:6])}
	}
	return m
}

// assetURL is the path pages link an asset at, with its content hash as the version: a year's
// caching is then safe, because a new release changes the URL.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("pages: no asset " + name)
	}
	return StaticPrefix + name + "?v=" + a.etag
}

// AssetHandler serves the pages' stylesheet and script under StaticPrefix (mount it there:
// mux.Handle(pages.StaticPrefix, pages.AssetHandler())). Answers are cached for a year — the
// pages link them with a content version — typed exactly and never sniffed.
func AssetHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, StaticPrefix)
		a, found := assets[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+a.etag+`"`)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}

// Roles the default stylesheet reads as custom properties (--cg-<role>); Branding.Colors may
// set any of them. Others are written too, for the client's own CSS to use.
//
//	background  the page behind the card      surface     the card
//	text        body text                     muted       secondary text
//	primary     buttons and links             on-primary  text on buttons
//	border      input borders                 focus       the focus ring
//	error       error text                    error-bg    the error box
//	notice-bg   the notice box

var (
	roleName  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)
	colorText = regexp.MustCompile(`^[#a-zA-Z0-9(),.%/ -]{1,100}$`)
)

// BrandingCSS answers the stylesheet of a client's branding: its colours as custom properties
// on :root, then the client's CSS. The caller serves it at the Branding.StylesheetURL it puts in
// the pages. The colours were checked when they were stored; a role or value that could still
// leave its declaration (a ";", a brace, a quote) is dropped here all the same.
func BrandingCSS(w http.ResponseWriter, b Branding) {
	var buf bytes.Buffer
	if len(b.Colors) > 0 {
		buf.WriteString(":root {\n")
		for _, role := range sortedKeys(b.Colors) {
			value := b.Colors[role]
			if !roleName.MatchString(role) || !colorText.MatchString(value) || strings.Contains(value, "/*") {
				continue
			}
			buf.WriteString("  --cg-" + role + ": " + value + ";\n")
		}
		buf.WriteString("}\n")
	}
	buf.WriteString(b.CSS)
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Branding changes whenever the client's owner saves it; the URL need not carry a version.
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
