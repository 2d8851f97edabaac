package pages_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// node is a parsed element: enough of a DOM to ask the pages structural questions. The pages
// are written to parse as lenient XML (encoding/xml with HTML's void elements and entities),
// which keeps golang.org/x/net out of go.mod.
type node struct {
	tag      string
	attrs    map[string]string
	children []*node
	text     strings.Builder
	parent   *node
}

func parseHTML(t *testing.T, body string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	root := &node{tag: "#document", attrs: map[string]string{}}
	cur := root
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the page does not parse: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{tag: tok.Name.Local, attrs: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			cur.children = append(cur.children, n)
			cur = n
		case xml.EndElement:
			if cur.tag != tok.Name.Local {
				t.Fatalf("</%s> closes <%s>", tok.Name.Local, cur.tag)
			}
			cur = cur.parent
		case xml.CharData:
			for n := cur; n != nil; n = n.parent {
				n.text.Write(tok)
			}
		}
	}
	if cur != root {
		t.Fatalf("<%s> is never closed", cur.tag)
	}
	return root
}

// all is every element under n (n included) with the tag.
func (n *node) all(tag string) []*node {
	var found []*node
	var walk func(*node)
	walk = func(m *node) {
		if m.tag == tag {
			found = append(found, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return found
}

func (n *node) Text() string { return strings.Join(strings.Fields(n.text.String()), " ") }
