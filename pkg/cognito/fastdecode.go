package cognito

import (
	"reflect"
	"strings"
)

// flatDecoder decodes the commonest request body without encoding/json: one flat object whose
// members are all plain strings (printable ASCII, no escapes) naming string fields exactly, such
// as GetUser's {"AccessToken":"eyJ…"}. encoding/json reads such a body twice (validation, then
// decoding) at a few µs per KB; this reads it once. Anything else — another kind of value, an
// escape, non-ASCII, an unknown or case-folded member name, a syntax error — is left to Decode,
// so the result, errors included, is always encoding/json's (FuzzFlatDecoderAgreesWithJSON), and
// invalid UTF-8 or a surrogate escape always meets Decode's refusal.
type flatDecoder struct {
	fields map[string]int // exact JSON member name -> index of a string field
}

// newFlatDecoder returns the decoder for struct type t, or nil when t's members cannot be
// matched by exact name alone: embedded structs, or names that differ only in case (where
// encoding/json's preference rules would apply).
func newFlatDecoder(t reflect.Type) *flatDecoder {
	if t.Kind() != reflect.Struct {
		return nil
	}
	d := &flatDecoder{fields: map[string]int{}}
	folded := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		}) >= 0 {
			return nil // encoding/json has its own rules for unusual tag names; do not second-guess them
		}
		if folded[strings.ToLower(name)] {
			return nil
		}
		folded[strings.ToLower(name)] = true
		if sf.Type.Kind() == reflect.String && !strings.Contains(","+opts+",", ",string,") {
			d.fields[name] = i
		}
	}
	if len(d.fields) == 0 {
		return nil
	}
	return d
}

// maxFlatMembers bounds the members one body may set on the fast path; more go to Decode.
const maxFlatMembers = 8

// decode sets v's fields (v is an addressable struct of the decoder's type) from body and
// reports true, or reports false having changed nothing.
func (d *flatDecoder) decode(body []byte, v reflect.Value) bool {
	type member struct {
		field int
		value string
	}
	var set [maxFlatMembers]member
	n := 0
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return false // {} is rare; leave it to Decode
	}
	for {
		key, next, ok := plainString(body, i)
		if !ok {
			return false
		}
		field, known := d.fields[key]
		if !known {
			return false
		}
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		value, next, ok := plainString(body, skipSpace(body, i+1))
		if !ok || n == maxFlatMembers {
			return false
		}
		set[n] = member{field, value}
		n++
		i = skipSpace(body, next)
		if i >= len(body) {
			return false
		}
		if body[i] == '}' {
			break
		}
		if body[i] != ',' {
			return false
		}
		i = skipSpace(body, i+1)
	}
	if skipSpace(body, i+1) != len(body) {
		return false
	}
	for _, m := range set[:n] { // in order: a repeated member keeps its last value, as in encoding/json
		v.Field(m.field).SetString(m.value)
	}
	return true
}

// plainString reads a JSON string at body[i] made only of printable ASCII without escapes, and
// returns its contents and the index after its closing quote.
func plainString(body []byte, i int) (string, int, bool) {
	if i >= len(body) || body[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(body); j++ {
		switch c := body[j]; {
		case c == '"':
			return string(body[i+1 : j]), j + 1, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", 0, false
		}
	}
	return "", 0, false
}

// skipSpace returns the index of the first byte at or after i that is not JSON whitespace.
func skipSpace(body []byte, i int) int {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	return i
}
