package pages_test

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/oauth/pages/pagestest"
)

var update = flag.Bool("update", false, "rewrite the golden pages in testdata")

func render(t *testing.T, status int, p pages.Page) (*httptest.ResponseRecorder, *node) {
	t.Helper()
	rec := httptest.NewRecorder()
	pages.Render(rec, status, p)
	return rec, parseHTML(t, rec.Body.String())
}

// TestEveryKindEveryLanguage renders each sample page in each language and checks what every
// page owes: a complete catalogue, the language, one h1, forms that post with the CSRF token
// to the page's action, a label for every input, and the autofill hints.
func TestEveryKindEveryLanguage(t *testing.T) {
	for _, lang := range pages.Languages() {
		for _, k := range pages.Kinds() {
			t.Run(lang+"/"+string(k), func(t *testing.T) {
				p := pagestest.Sample(k, lang)
				missing, err := pages.Check(p)
				if err != nil || len(missing) > 0 {
					t.Fatalf("Check: missing %v, err %v", missing, err)
				}
				rec, doc := render(t, http.StatusOK, p)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d", rec.Code)
				}
				if html := doc.all("html"); len(html) != 1 || html[0].attrs["lang"] != lang {
					t.Errorf("<html lang> is not %q", lang)
				}
				if h1 := doc.all("h1"); len(h1) != 1 || h1[0].Text() == "" {
					t.Errorf("want one non-empty h1, got %d", len(h1))
				}
				checkForms(t, doc, p)
				checkInputs(t, doc, p)
			})
		}
	}
}

func checkForms(t *testing.T, doc *node, p pages.Page) {
	t.Helper()
	forms := doc.all("form")
	if (p.Kind == pages.Error || p.Kind == pages.SignedOut) != (len(forms) == 0) {
		t.Errorf("%s has %d forms", p.Kind, len(forms))
	}
	for i, f := range forms {
		if f.attrs["method"] != "post" {
			t.Errorf("form %d: method %q", i, f.attrs["method"])
		}
		want := p.Action
		if i == 1 && p.Kind == pages.Confirm {
			want = p.ResendAction
		}
		if f.attrs["action"] != want {
			t.Errorf("form %d: action %q, want %q", i, f.attrs["action"], want)
		}
		var csrf int
		for _, in := range f.all("input") {
			if in.attrs["name"] == "csrf" {
				csrf++
				if in.attrs["type"] != "hidden" || in.attrs["value"] != p.CSRF {
					t.Errorf("form %d: csrf input %v", i, in.attrs)
				}
			}
		}
		if csrf != 1 {
			t.Errorf("form %d has %d csrf fields", i, csrf)
		}
	}
}

// wantFields are the names each kind's form posts (page.go's Kind comments), besides csrf.
var wantFields = map[pages.Kind][]string{
	pages.Login:             {"username", "password"},
	pages.SignUp:            {"username", "email", "given_name", "custom:team", "password"},
	pages.Confirm:           {"code"},
	pages.ForgotPassword:    {"username"},
	pages.ResetPassword:     {"code", "password"},
	pages.NewPassword:       {"password", "name"},
	pages.MFACode:           {"code"},
	pages.SelectMFA:         {"method", "method", "method"},
	pages.SetupTOTP:         {"code"},
	pages.SetupEmail:        {"email"},
	pages.RememberDevice:    {"remember", "remember"},
	pages.PasswordlessStart: {"username", "method", "method"},
	pages.PasswordlessCode:  {"code"},
	pages.PasskeySignIn:     {"credential"},
	pages.PasskeyRegister:   {"credential"},
}

func checkInputs(t *testing.T, doc *node, p pages.Page) {
	t.Helper()
	labels := map[string]bool{}
	for _, l := range doc.all("label") {
		labels[l.attrs["for"]] = l.Text() != ""
	}
	var names []string
	for _, in := range append(doc.all("input"), doc.all("button")...) {
		name := in.attrs["name"]
		if name == "" || name == "csrf" {
			continue
		}
		names = append(names, name)
		typ := in.attrs["type"]
		if in.tag == "button" || typ == "hidden" {
			continue
		}
		if id := in.attrs["id"]; id == "" || !labels[id] {
			t.Errorf("input %q has no label", name)
		}
		switch name {
		case "code":
			if in.attrs["autocomplete"] != "one-time-code" || in.attrs["inputmode"] != "numeric" {
				t.Errorf("code input: %v", in.attrs)
			}
		case "username":
			if in.attrs["autocomplete"] != "username" {
				t.Errorf("username input: %v", in.attrs)
			}
		case "password":
			want := "new-password"
			if p.Kind == pages.Login {
				want = "current-password"
			}
			if typ != "password" || in.attrs["autocomplete"] != want {
				t.Errorf("password input: %v, want autocomplete %s", in.attrs, want)
			}
		}
	}
	// Inputs come before buttons in names; compare as sets of the order each kind lists.
	want := slices.Clone(wantFields[p.Kind])
	slices.Sort(want)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
}

func TestHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		https          bool
		formAction     string
	}{
		{"no redirect", "", false, "form-action 'self';"},
		{"https client", "https://App.Example.com:8443/cb?x=1", true, "form-action 'self' https://app.example.com:8443;"},
		{"loopback", "http://127.0.0.1:3000/cb", false, "form-action 'self' http://127.0.0.1:3000;"},
		{"native app", "myapp://callback", false, "form-action 'self' myapp:;"},
		{"directive injection", "https://a.example;script-src *", false, "form-action 'self';"},
		{"space", "https://a.example /x", false, "form-action 'self';"},
		{"ipv6", "http://[::1]:3000/cb", false, "form-action 'self';"},
		{"not a URL", "::", false, "form-action 'self';"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pagestest.Sample(pages.Login, "en")
			p.RedirectURI, p.HTTPS = tc.redirect, tc.https
			rec, _ := render(t, http.StatusUnauthorized, p)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d", rec.Code)
			}
			h := rec.Header()
			for k, v := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
			} {
				if got := h.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none';", "script-src 'self';", "style-src 'self';", "img-src 'self' data:;", tc.formAction, "base-uri 'none';", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if got := h.Get("Strict-Transport-Security"); (got != "") != tc.https {
				t.Errorf("HSTS %q on https=%v", got, tc.https)
			}
		})
	}
}

func TestUnknownKindIsAnErrorPage(t *testing.T) {
	rec, doc := render(t, http.StatusOK, pages.Page{Kind: "nope", Lang: "de", CSRF: "x"})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d", rec.Code)
	}
	if doc.all("form") != nil || !strings.Contains(rec.Body.String(), "Etwas ist schiefgelaufen") {
		t.Errorf("not the German error page:\n%s", rec.Body)
	}
}

const evil = `<script>alert(1)</script>"'&`

func TestEscaping(t *testing.T) {
	p := pagestest.Sample(pages.SignUp, "en")
	p.Error = pages.Message{Text: evil}
	p.Notice = pages.Message{Key: pages.MsgCodeSent, Args: []any{evil}}
	p.Values = map[string]string{"username": evil, "custom:team": evil}
	p.Fields = append(p.Fields, pages.Field{Name: `x"><script>`, Label: evil})
	p.CSRF = `"><script>`
	p.Links.SignIn = "javascript:alert(1)"
	rec, doc := render(t, http.StatusOK, p)
	body := rec.Body.String()
	if strings.Contains(body, "<script>") {
		t.Fatalf("unescaped markup in the page:\n%s", body)
	}
	if strings.Contains(body, "javascript:") {
		t.Errorf("a javascript: link survived")
	}
	// Escaped is not lost: the parsed page holds the text as it was.
	if got := doc.all("div")[0].Text(); got != evil {
		t.Errorf("error text %q, want %q", got, evil)
	}
	var values []string
	for _, in := range doc.all("input") {
		if in.attrs["value"] == evil {
			values = append(values, in.attrs["name"])
		}
	}
	if !slices.Equal(values, []string{"username", "custom:team"}) {
		t.Errorf("values kept for %v", values)
	}
	labelled := false
	for _, l := range doc.all("label") {
		labelled = labelled || strings.HasPrefix(l.Text(), evil+" (optional)")
	}
	if !labelled {
		t.Errorf("the field label lost its text")
	}
}

func TestPasskeyOptionsStayInTheirBlock(t *testing.T) {
	p := pagestest.Sample(pages.PasskeySignIn, "en")
	p.Passkey = `{"publicKey":{"challenge":"AA","rpId":"</script><script>alert(1)</script>"}}`
	rec, doc := render(t, http.StatusOK, p)
	if strings.Contains(rec.Body.String(), "<script>alert") {
		t.Fatalf("the options ended their script block:\n%s", rec.Body)
	}
	blocks := doc.all("script")
	var options string
	for _, s := range blocks {
		if s.attrs["id"] == "passkey-options" {
			options = s.Text()
		}
	}
	if !strings.Contains(options, `\u003c/script\u003e`) {
		t.Errorf("options block %q", options)
	}

	p.Passkey = "not json"
	rec, _ = render(t, http.StatusOK, p)
	if !strings.Contains(rec.Body.String(), `id="passkey-options"> null </script>`) {
		t.Errorf("invalid options are not null:\n%s", rec.Body)
	}
}

func TestSetupTOTPShowsQRAndSecret(t *testing.T) {
	p := pagestest.Sample(pages.SetupTOTP, "en")
	_, doc := render(t, http.StatusOK, p)
	if len(doc.all("svg")) != 1 || len(doc.all("path")) != 1 {
		t.Errorf("no QR code")
	}
	if got := strings.ReplaceAll(doc.all("code")[0].Text(), " ", ""); got != p.MFA.Secret {
		t.Errorf("secret shown as %q", got)
	}
	p.MFA.URI = ""
	_, doc = render(t, http.StatusOK, p)
	if len(doc.all("svg")) != 0 || len(doc.all("code")) != 1 {
		t.Errorf("without a URI: want the secret and no QR code")
	}
}

func TestBrandingLinkedNotInlined(t *testing.T) {
	p := pagestest.Sample(pages.Login, "en")
	p.Branding = pagestest.Branded()
	rec, doc := render(t, http.StatusOK, p)
	if strings.Contains(rec.Body.String(), "<style") || strings.Contains(rec.Body.String(), "style=") {
		t.Errorf("inline style in the page")
	}
	var hrefs []string
	for _, l := range doc.all("link") {
		if l.attrs["rel"] == "stylesheet" {
			hrefs = append(hrefs, l.attrs["href"])
		}
	}
	if len(hrefs) != 2 || !strings.HasPrefix(hrefs[0], "/static/cognate.css?v=") || hrefs[1] != "/branding.css" {
		t.Errorf("stylesheets %v", hrefs)
	}
	if imgs := doc.all("img"); len(imgs) != 1 || !strings.HasPrefix(imgs[0].attrs["src"], "data:image/svg+xml;base64,") {
		t.Errorf("logo %v", imgs)
	}
}

func TestBrandingCSS(t *testing.T) {
	rec := httptest.NewRecorder()
	pages.BrandingCSS(rec, pages.Branding{
		Colors: map[string]string{
			"primary":    "#6d28d9",
			"background": "rgb(10 20 30 / 50%)",
			"text":       "red; } body { display: none",
			"Bad Role":   "#000",
			"muted":      "#111 /* eat the rest",
		},
		CSS: ".card { padding: 0; }",
	})
	want := ":root {\n  --cg-background: rgb(10 20 30 / 50%);\n  --cg-primary: #6d28d9;\n}\n.card { padding: 0; }"
	if got := rec.Body.String(); got != want {
		t.Errorf("stylesheet\n%s\nwant\n%s", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}
}

func TestAssets(t *testing.T) {
	h := pages.AssetHandler()
	// The URLs the pages link must resolve.
	_, doc := render(t, http.StatusOK, pagestest.Sample(pages.PasskeySignIn, "en"))
	var urls []string
	for _, l := range doc.all("link") {
		if l.attrs["rel"] == "icon" {
			// An empty data: icon, so the browser asks the server for no /favicon.ico.
			if l.attrs["href"] != "data:," {
				t.Errorf("icon %q", l.attrs["href"])
			}
			continue
		}
		urls = append(urls, l.attrs["href"])
	}
	for _, s := range doc.all("script") {
		if src := s.attrs["src"]; src != "" {
			urls = append(urls, src)
		}
	}
	if len(urls) != 2 {
		t.Fatalf("asset URLs %v", urls)
	}
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	for _, u := range urls {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
		path, _, _ := strings.Cut(u, "?")
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("%s: %d", u, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != types[filepath.Ext(path)] {
			t.Errorf("%s: Content-Type %q", u, got)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(rec.Header().Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: headers %v", u, rec.Header())
		}
		etag := rec.Header().Get("ETag")
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("If-None-Match", etag)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d", u, rec.Code)
		}
	}
	for path, want := range map[string]int{"/static/": 404, "/static/nope.css": 404, "/static/../render.go": 404, "/other/cognate.css": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/static/cognate.css", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// assetVersion is the content hash in asset URLs, blanked in the golden pages so that a change
// to the stylesheet alone does not touch them.
var assetVersion = regexp.MustCompile(`\?v=[0-9a-f]+`)

// TestGolden pins two whole pages; go test -run TestGolden -update rewrites them after a
// deliberate change.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		kind pages.Kind
		lang string
	}{{pages.Login, "en"}, {pages.MFACode, "de"}} {
		name := filepath.Join("testdata", string(tc.kind)+"."+tc.lang+".golden.html")
		rec, _ := render(t, http.StatusOK, pagestest.Sample(tc.kind, tc.lang))
		got := assetVersion.ReplaceAllString(rec.Body.String(), "?v=VERSION")
		if *update {
			if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the page rendered now (run with -update if meant):\n%s", name, got)
		}
	}
}
