package cognito

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Validation walks a request with the plan parsed from its `cognito` tags (tags.go, which also
// documents the tag grammar) and words every violation as Coral does.

// maxListedViolations bounds the message: a 256 KiB list of bad elements must not become a
// megabyte error body. The count stays exact.
const maxListedViolations = 10

// Validate checks v (a struct or a pointer to one) against its `cognito` tags and returns nil or an
// InvalidParameterException worded as Coral words it.
func Validate(v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	var c collector
	planFor(rv.Type()).check(rv, "", &c)
	return c.err()
}

type collector struct {
	n    int
	msgs []string
}

func (c *collector) add(value, path, constraint string) {
	c.n++
	if len(c.msgs) < maxListedViolations {
		c.msgs = append(c.msgs, "Value "+value+"at '"+path+"' failed to satisfy constraint: "+constraint)
	}
}

func (c *collector) err() error {
	switch c.n {
	case 0:
		return nil
	case 1:
		return InvalidParameter("%s", "1 validation error detected: "+c.msgs[0])
	}
	return InvalidParameter("%d validation errors detected: %s", c.n, strings.Join(c.msgs, "; "))
}

func (p *structPlan) check(v reflect.Value, prefix string, c *collector) {
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if f.inline {
			if fv = derefValue(fv); fv.Kind() == reflect.Struct {
				f.elem.check(fv, prefix, c)
			}
			continue
		}
		path := prefix + f.name
		if !f.rules.check(fv, path, true, c) {
			continue // absent: nothing inside to check
		}
		fv = derefValue(fv)
		switch fv.Kind() {
		case reflect.Struct:
			if f.elem != nil {
				f.elem.check(fv, path+".", c)
			}
		case reflect.Slice, reflect.Array:
			for j := range fv.Len() {
				ev := fv.Index(j)
				epath := path + "." + strconv.Itoa(j+1) + ".member"
				if f.member != nil {
					f.member.check(ev, epath, false, c)
				}
				if ev = derefValue(ev); f.elem != nil && ev.Kind() == reflect.Struct {
					f.elem.check(ev, epath+".", c)
				}
			}
		}
	}
}

func derefValue(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

// check applies the rules to one value and reports whether it was present. emptyIsAbsent is set
// for struct members (see absent) and not for list elements, where "" is a real value.
func (r *rules) check(v reflect.Value, path string, emptyIsAbsent bool, c *collector) bool {
	if absent(v, emptyIsAbsent) {
		if r.required {
			c.add("null ", path, "Member must not be null")
		}
		return false
	}
	v = derefValue(v)
	shown := r.display(v)
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if r.enum != nil && !slices.Contains(r.enum, s) {
			c.add(shown, path, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
		}
		if r.pattern != nil && !r.pattern.match(s) {
			c.add(shown, path, "Member must satisfy regular expression pattern: "+r.pattern.text)
		}
		r.checkLen(utf8.RuneCountInString(s), shown, path, c)
	case reflect.Slice, reflect.Map, reflect.Array:
		r.checkLen(v.Len(), shown, path, c)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		r.checkVal(v.Int(), shown, path, c)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := v.Uint()
		if n > 1<<63-1 {
			n = 1<<63 - 1
		}
		r.checkVal(int64(n), shown, path, c)
	}
	return true
}

// absent is JSON null or a missing member: nil pointers, slices and maps, and the empty string in
// a plain string field (where the decoder cannot tell "" from absent).
func absent(v reflect.Value, emptyIsAbsent bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return v.IsNil()
	case reflect.String:
		return emptyIsAbsent && v.Len() == 0
	}
	return false
}

func (r *rules) checkLen(n int, shown, path string, c *collector) {
	if r.minLen >= 0 && n < r.minLen {
		c.add(shown, path, "Member must have length greater than or equal to "+strconv.Itoa(r.minLen))
	}
	if r.maxLen >= 0 && n > r.maxLen {
		c.add(shown, path, "Member must have length less than or equal to "+strconv.Itoa(r.maxLen))
	}
}

func (r *rules) checkVal(n int64, shown, path string, c *collector) {
	if r.minVal != nil && n < *r.minVal {
		c.add(shown, path, "Member must have value greater than or equal to "+strconv.FormatInt(*r.minVal, 10))
	}
	if r.maxVal != nil && n > *r.maxVal {
		c.add(shown, path, "Member must have value less than or equal to "+strconv.FormatInt(*r.maxVal, 10))
	}
}

// display is the "'value' " part of a message: strings, numbers and lists of strings are shown as
// Coral shows them; sensitive members and structured values are not.
func (r *rules) display(v reflect.Value) string {
	if r.sensitive {
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		return "'" + v.String() + "' "
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "'" + strconv.FormatInt(v.Int(), 10) + "' "
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "'" + strconv.FormatUint(v.Uint(), 10) + "' "
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() != reflect.String {
			return ""
		}
		items := make([]string, v.Len())
		for i := range items {
			items[i] = v.Index(i).String()
		}
		return "'[" + strings.Join(items, ", ") + "]' "
	}
	return ""
}
