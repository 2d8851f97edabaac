package cognito

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The `cognito` tag grammar is documented in doc.go (the package documentation).

// patterns are the named regular expressions for pattern=NAME, as Cognito's model writes them (the
// text appears verbatim in messages).
var patterns = map[string]*namedPattern{}

type namedPattern struct {
	text string
	re   *regexp.Regexp
}

func init() {
	for name, expr := range map[string]string{
		"username":      `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"password":      `[\S]+`,
		"clientId":      `[\w+]+`,
		"clientSecret":  `[\w+]+`,
		"secretHash":    `[\w+=/]+`,
		"userPoolId":    `[\w-]+_[0-9a-zA-Z]+`,
		"token":         `[A-Za-z0-9-_=.]+`,
		"attrName":      `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"clientName":    `[\w\s+=,.@-]+`,
		"poolName":      `[\w\s+=,.@-]+`,
		"groupName":     `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"code":          `[\S]+`,
		"deviceKey":     `[\w-]+_[0-9a-f-]+`,
		"paginationKey": `[\S]+`,
		"softwareToken": `[0-9]+`,
		"arn":           `arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?`,
	} {
		RegisterPattern(name, expr)
	}
}

// RegisterPattern adds a named pattern for pattern=NAME, for init functions of packages that
// declare request types. It panics on a duplicate name or a bad expression.
func RegisterPattern(name, expr string) {
	planMu.Lock() // patterns are read while plans are built
	defer planMu.Unlock()
	if _, dup := patterns[name]; dup {
		panic("cognito: pattern " + name + " registered twice")
	}
	patterns[name] = &namedPattern{text: expr, re: regexp.MustCompile(`^(?:` + expr + `)$`)}
}

// structPlan is the parsed form of one struct type's tags, built once per type.
type structPlan struct{ fields []fieldPlan }

type fieldPlan struct {
	index  int
	name   string // Coral member name
	inline bool   // embedded struct: its members are promoted, as encoding/json does
	rules  rules
	member *rules      // rules for each element of a slice
	elem   *structPlan // plan of the struct inside (pointer, slice element), when it has checks
}

type rules struct {
	required, sensitive bool
	minLen, maxLen      int // -1 = none
	minVal, maxVal      *int64
	pattern             *namedPattern
	enum                []string
}

var (
	planMu sync.Mutex
	plans  = map[reflect.Type]*structPlan{}
)

// planFor returns the plan of struct type t, parsing its tags on first use. Bad tags are
// programming errors: it panics, and Bind calls it at wiring time so that happens at start-up.
// Plans are cached only once every type they reach has parsed, so a panic caches nothing.
func planFor(t reflect.Type) *structPlan {
	planMu.Lock()
	defer planMu.Unlock()
	if p, ok := plans[t]; ok {
		return p
	}
	building := map[reflect.Type]*structPlan{}
	p := buildPlan(t, building)
	maps.Copy(plans, building)
	return p
}

func buildPlan(t reflect.Type, building map[reflect.Type]*structPlan) *structPlan {
	if p, ok := plans[t]; ok {
		return p
	}
	if p, ok := building[t]; ok {
		return p
	}
	p := &structPlan{}
	building[t] = p // registered before its fields, so recursive types terminate
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, ok := memberName(sf)
		if !ok {
			continue
		}
		f := fieldPlan{index: i, name: name}
		if sf.Anonymous && deref(sf.Type).Kind() == reflect.Struct && !hasJSONName(sf) {
			if sp := buildPlan(deref(sf.Type), building); !sp.empty() {
				p.fields = append(p.fields, fieldPlan{index: i, inline: true, elem: sp})
			}
			continue
		}
		var err error
		if f.rules, f.member, err = parseTag(sf.Tag.Get("cognito"), sf.Type); err != nil {
			panic(fmt.Sprintf("cognito: %s.%s: %v", t, sf.Name, err))
		}
		if st := innerStruct(sf.Type); st != nil {
			if sp := buildPlan(st, building); !sp.empty() {
				f.elem = sp
			}
		}
		if f.rules.any() || f.member != nil || f.elem != nil {
			p.fields = append(p.fields, f)
		}
	}
	return p
}

// empty reports a plan with nothing to check. A plan still being built (recursive type) has no
// fields yet and would look empty; such types are not in Cognito's model, so that is acceptable.
func (p *structPlan) empty() bool { return len(p.fields) == 0 }

// memberName is the JSON member name with its first letter lower-cased, as Coral reports it.
func memberName(sf reflect.StructField) (string, bool) {
	name := sf.Name
	if tag, ok := sf.Tag.Lookup("json"); ok {
		n, _, _ := strings.Cut(tag, ",")
		if n == "-" {
			return "", false
		}
		if n != "" {
			name = n
		}
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[size:], true
}

func hasJSONName(sf reflect.StructField) bool {
	n, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return n != ""
}

// innerStruct is the struct type reached through pointers, slices and arrays, or nil.
func innerStruct(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		return t
	}
	return nil
}

func parseTag(tag string, t reflect.Type) (r rules, member *rules, err error) {
	r, m := noRules(), noRules()
	hasMember := false
	if tag == "" {
		return r, nil, nil
	}
	for item := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(item), "=")
		target, ft := &r, t
		if k, ok := strings.CutPrefix(key, "member."); ok {
			if deref(t).Kind() != reflect.Slice {
				return r, nil, fmt.Errorf("%q on a non-slice", key)
			}
			if k == "required" {
				return r, nil, fmt.Errorf("%q: list elements cannot be required", key)
			}
			key, target, ft, hasMember = k, &m, deref(t).Elem(), true
		}
		if err := target.set(key, val, ft); err != nil {
			return r, nil, fmt.Errorf("%q: %w", item, err)
		}
	}
	if hasMember {
		m.sensitive = r.sensitive
		return r, &m, nil
	}
	return r, nil, nil
}

func noRules() rules { return rules{minLen: -1, maxLen: -1} }

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func (r *rules) set(key, val string, t reflect.Type) error {
	k := deref(t).Kind()
	isInt := k >= reflect.Int && k <= reflect.Uint64
	hasLen := k == reflect.String || k == reflect.Slice || k == reflect.Map || k == reflect.Array
	switch key {
	case "required":
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.String:
			r.required = true
		default: // a plain bool or number is never absent after decoding: the rule could not fire
			return fmt.Errorf("needs a member that can be absent (pointer, slice, map or string)")
		}
	case "sensitive":
		r.sensitive = true
	case "min", "max":
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 || !hasLen {
			return fmt.Errorf("needs a length (string, slice or map) and a count")
		}
		if key == "min" {
			r.minLen = n
		} else {
			r.maxLen = n
		}
	case "minval", "maxval":
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil || !isInt {
			return fmt.Errorf("needs an integer member and an integer bound")
		}
		if key == "minval" {
			r.minVal = &n
		} else {
			r.maxVal = &n
		}
	case "pattern":
		p, ok := patterns[val]
		if !ok || k != reflect.String {
			return fmt.Errorf("needs a string member and a registered pattern name")
		}
		r.pattern = p
	case "enum":
		if val == "" || k != reflect.String {
			return fmt.Errorf("needs a string member and values")
		}
		r.enum = strings.Split(val, "|")
	default:
		return fmt.Errorf("unknown rule")
	}
	return nil
}

func (r *rules) any() bool {
	return r.required || r.minLen >= 0 || r.maxLen >= 0 || r.minVal != nil || r.maxVal != nil ||
		r.pattern != nil || r.enum != nil
}
