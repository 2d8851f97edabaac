package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Endpoint serves one operation: it gets the raw JSON body (already size-limited and, for SigV4
// operations, authenticated) and returns the value to render, or an error (*Error for protocol
// errors; anything else becomes a 500).
type Endpoint func(ctx context.Context, body []byte) (any, error)

// Bind adapts a typed operation to an Endpoint: decode the body into a fresh *I, validate its
// `cognito` tags, call fn. A nil *O with a nil error renders as {} (Cognito's empty output).
//
// Bind parses I's tags immediately, so a bad tag panics when the server is wired, not on a request.
func Bind[I any, O any](fn func(context.Context, *I) (*O, error)) Endpoint {
	var flat *flatDecoder
	if t := reflect.TypeFor[I](); t.Kind() == reflect.Struct {
		planFor(t)
		flat = newFlatDecoder(t)
	}
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if flat == nil || !flat.decode(body, reflect.ValueOf(in).Elem()) {
			if err := Decode(body, in); err != nil {
				return nil, err
			}
		}
		if err := Validate(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return struct{}{}, nil // a typed nil in `any` would render as null
		}
		return out, nil
	}
}

// Decode reads a request body into v (a pointer) the way AWS JSON services do: an empty body is
// {}, null members are absent, unknown members are ignored. Malformed JSON (invalid UTF-8 and
// unpaired surrogate escapes included) and members of the wrong JSON type are
// SerializationExceptions (400) that name the member but never echo its value: bodies hold
// passwords.
func Decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := checkText(body); err != nil {
		return err
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		invalid   *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &syntaxErr):
		// encoding/json quotes the offending character; drop it, it may be part of a password.
		why := quotedChar.ReplaceAllString(syntaxErr.Error(), "")
		return SerializationError("Malformed JSON request body at offset %d: %s.", syntaxErr.Offset, why)
	case errors.As(err, &typeErr):
		return typeError(typeErr, reflect.TypeOf(v))
	case errors.As(err, &invalid):
		return Internal(err) // a programming error: v is not a pointer
	}
	return SerializationError("Malformed JSON request body.")
}

// checkText refuses what encoding/json would silently rewrite to U+FFFD: bytes that are not
// UTF-8, and \u escapes of UTF-16 surrogates that do not form a pair. Rewritten, different inputs
// would become one stored value ("bad\xff" and "bad\xfe" the same username), and a value would
// differ from what the client sent. Cognito's JSON layer refuses invalid UTF-8 too.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		off := 0
		for off < len(body) {
			r, n := utf8.DecodeRune(body[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return SerializationError("Malformed JSON request body at offset %d: invalid UTF-8.", off)
	}
	// Outside strings a backslash is a syntax error that encoding/json reports; inside, every
	// escape is a backslash and one character, or \uXXXX, so stepping over escapes whole never
	// mistakes an escaped backslash followed by "u" for an escape.
	for i := bytes.IndexByte(body, '\\'); i >= 0; {
		step := 2
		if r, ok := hex4(body, i+1); ok {
			step = 6
			if utf16.IsSurrogate(r) {
				if low, ok := hex4(body, i+7); r >= 0xDC00 || !ok || body[i+6] != '\\' || low < 0xDC00 || low > 0xDFFF {
					return SerializationError("Malformed JSON request body at offset %d: unpaired UTF-16 surrogate escape.", i)
				}
				step = 12
			}
		}
		if i += step; i >= len(body) {
			break
		}
		next := bytes.IndexByte(body[i:], '\\')
		if next < 0 {
			break
		}
		i += next
	}
	return nil
}

// hex4 reads the "uXXXX" of a \u escape starting at body[i].
func hex4(body []byte, i int) (rune, bool) {
	if i+5 > len(body) || body[i] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range body[i+1 : i+5] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

var quotedChar = regexp.MustCompile(` '(?:\\.|[^'\\])+'`)

func typeError(e *json.UnmarshalTypeError, root reflect.Type) *Error {
	got, _, _ := strings.Cut(e.Value, " ") // "number 1e999" -> "number": never echo the value
	if got == "bool" {
		got = "boolean"
	}
	if e.Field == "" {
		return SerializationError("Request body must be a JSON object, found %s.", got)
	}
	// encoding/json names the map, not the key, when a map value has the wrong type.
	if mt := memberType(root, e.Field); mt != nil && mt.Kind() == reflect.Map && mt.Elem() == e.Type {
		return SerializationError("Values in '%s' must each be %s, found %s.", e.Field, jsonKind(e.Type), got)
	}
	return SerializationError("Member '%s' must be %s, found %s.", e.Field, jsonKind(e.Type), got)
}

// memberType follows a dotted JSON member path (as encoding/json reports it) from root.
func memberType(t reflect.Type, path string) reflect.Type {
	for name := range strings.SplitSeq(path, ".") {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := t.FieldByNameFunc(func(goName string) bool {
			sf, _ := t.FieldByName(goName)
			n, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if n == "" {
				n = goName
			}
			return strings.EqualFold(n, name)
		})
		if !ok {
			return nil
		}
		t = f.Type
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Time]() {
		return "a number (epoch seconds)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}
