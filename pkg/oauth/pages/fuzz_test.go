package pages_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/oauth/pages"
	"github.com/cognatehq/cognate/pkg/oauth/pages/pagestest"
)

// FuzzRenderEscapes (WEB-02): whatever text reaches a page — a trigger's refusal, a reflected
// value, a field's label, a masked destination — the page parses to the same elements, with no
// script but its own and no event-handler attribute.
func FuzzRenderEscapes(f *testing.F) {
	f.Add(`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `'onfocus='alert(1)`, `%s%d%!`)
	f.Add(`</textarea></title><svg onload=alert(1)>`, `javascript:alert(1)`, "\x00\u2028<!--", `{{.}}`)
	f.Fuzz(func(t *testing.T, text, value, label, dest string) {
		for _, k := range []pages.Kind{pages.SignUp, pages.MFACode, pages.PasskeySignIn} {
			p := pagestest.Sample(k, "en")
			p.Error = pages.Message{Text: text}
			p.Notice = pages.Message{Key: pages.MsgCodeSent, Args: []any{dest}}
			p.Values = map[string]string{"username": value, "email": value}
			p.Fields = append(p.Fields, pages.Field{Name: value, Label: label})
			p.MFA.Destination = dest
			p.Passkey = `{"x":` + quoteJSON(text) + `}`
			_, doc := render(t, http.StatusOK, p)
			for _, tag := range []string{"script", "img", "svg", "iframe", "object", "style"} {
				want := 0
				if tag == "script" && k == pages.PasskeySignIn {
					want = 2 // passkey.js and the options block
				}
				if got := len(doc.all(tag)); got != want {
					t.Fatalf("%s: %d <%s> elements", k, got, tag)
				}
			}
			var walk func(*node)
			walk = func(n *node) {
				for a := range n.attrs {
					if strings.HasPrefix(strings.ToLower(a), "on") {
						t.Fatalf("%s: <%s %s>", k, n.tag, a)
					}
				}
				for _, c := range n.children {
					walk(c)
				}
			}
			walk(doc)
		}
	})
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
