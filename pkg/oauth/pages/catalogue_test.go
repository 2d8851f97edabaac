package pages

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCataloguesMatchEnglish: every language has exactly English's keys, and each text takes
// the same arguments (a translation that drops the %s would print "%!(EXTRA ...)").
func TestCataloguesMatchEnglish(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	for _, lang := range languages[1:] {
		cat := catalogues[lang]
		for key, en := range catalogueEN {
			s, ok := cat[key]
			if !ok {
				t.Errorf("%s lacks %q", lang, key)
				continue
			}
			if got, want := len(verbs.FindAllString(s, -1)), len(verbs.FindAllString(en, -1)); got != want {
				t.Errorf("%s %q takes %d arguments, English %d", lang, key, got, want)
			}
		}
		for key := range cat {
			if _, ok := catalogueEN[key]; !ok {
				t.Errorf("%s has %q, which English lacks", lang, key)
			}
		}
	}
	if len(catalogues) != len(languages) {
		t.Errorf("%d catalogues for %d languages", len(catalogues), len(languages))
	}
}

// TestEveryKeyUsedIsInEnglish reads the keys out of the templates and the Go that looks words
// up, so a key on a branch no sample page takes (the TOTP text, a passkey error) is checked too.
func TestEveryKeyUsedIsInEnglish(t *testing.T) {
	uses := regexp.MustCompile(`\.T "([^"]+)"|v\.T\("([^"]+)"|Msg\w+ += "([^"]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	files = append(files, "render.go", "i18n.go")
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			if k := m[1] + m[2] + m[3]; !strings.HasSuffix(k, ".") { // a prefix: its keys are below
				keys = append(keys, k)
			}
		}
	}
	for _, k := range headings {
		keys = append(keys, k)
	}
	for _, o := range []string{"SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"} {
		keys = append(keys, "mfa.option."+o)
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys: the pattern no longer matches the sources", len(keys))
	}
	for _, k := range keys {
		if _, ok := catalogueEN[k]; !ok {
			t.Errorf("%q is used but not in the English catalogue", k)
		}
	}
}

// TestMissingKeysAreReported: a key the language lacks is reported and English stands in; a
// key nobody has is reported and shown as itself.
func TestMissingKeysAreReported(t *testing.T) {
	saved := catalogueDE["button.signin"]
	delete(catalogueDE, "button.signin")
	defer func() { catalogueDE["button.signin"] = saved }()

	body, missing, err := render(Page{Kind: Login, Lang: "de", Error: Message{Key: "no-such-key"}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(missing)
	if want := []string{"de:button.signin", "de:no-such-key"}; !slices.Equal(missing, want) {
		t.Errorf("missing %v, want %v", missing, want)
	}
	if !strings.Contains(string(body), ">Sign in</button>") || !strings.Contains(string(body), "no-such-key") {
		t.Errorf("fallbacks not shown:\n%s", body)
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct{ lang, accept, want string }{
		{"", "", "en"},
		{"de", "fr", "de"},
		{"DE", "", "de"},
		{"de-AT", "", "de"},
		{"pt-BR", "fr", "fr"},
		{"xx", "", "en"},
		{"", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"},
		{"", "da, en-GB;q=0.8, en;q=0.7", "en"},
		{"", "en;q=0.5, ja;q=0.9", "ja"},
		{"", "es;q=0.8, de;q=0.8", "es"},
		{"", "ja_JP", "ja"},
		{"", "de;q=0, fr;q=0.1", "fr"},
		{"", "de;q=0", "en"},
		{"", "de;q=2", "en"},
		{"", "de;q=NaN, es", "es"},
		{"", "de;q=abc, fr;q=0.3", "fr"},
		{"", "*", "en"},
		{"", " ,, ;q=1,", "en"},
		{"", "zh-CN, ja;q=0.1", "ja"},
		{"", "  Es-MX ; q=0.9 ", "es"},
	} {
		if got := Negotiate(tc.lang, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.lang, tc.accept, got, tc.want)
		}
	}
}

// FuzzNegotiate: whatever the request says, the answer is a language the pages speak, and a
// lang they speak always wins.
func FuzzNegotiate(f *testing.F) {
	f.Add("", "de-DE,de;q=0.9,en;q=0.8")
	f.Add("fr", "ja")
	f.Add("xx", "es;q=0.5,*;q=0.1")
	f.Fuzz(func(t *testing.T, lang, accept string) {
		got := Negotiate(lang, accept)
		if !slices.Contains(languages, got) {
			t.Fatalf("Negotiate(%q, %q) = %q", lang, accept, got)
		}
		if l := strings.ToLower(lang); slices.Contains(languages, l) && got != l {
			t.Fatalf("Negotiate(%q, %q) = %q, not the lang asked for", lang, accept, got)
		}
	})
}
