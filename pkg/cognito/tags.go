package cognito

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
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
	// class is set when the whole pattern is one or more runes of a single character class
	// ("[…]+", the shape of most of Cognito's patterns): checked rune by rune, it costs a small
	// fraction of the regexp engine, and access tokens (about 1 KB, pattern=token) are checked
	// on every access-token call.
	class *runeClass
}

// match reports whether all of s matches the pattern.
func (p *namedPattern) match(s string) bool {
	if p.class != nil {
		return p.class.matchAll(s)
	}
	return p.re.MatchString(s)
}

// runeClass is a character class: a bitmap for ASCII, sorted [lo, hi] pairs for the rest.
type runeClass struct {
	ascii  [2]uint64
	ranges []rune
}

// classPlus returns the class of expr when expr is exactly "class+", parsed with the flags
// regexp.Compile uses, so both readings agree (TestPatternFastPathAgreesWithRegexp); nil otherwise.
func classPlus(expr string) *runeClass {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpPlus || len(re.Sub) != 1 || re.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	rs := re.Sub[0].Rune
	if len(rs)%2 != 0 {
		return nil
	}
	for i := 0; i < len(rs); i += 2 {
		if rs[i] > rs[i+1] || (i > 0 && rs[i] <= rs[i-1]) {
			return nil // not the canonical sorted form containsWide assumes
		}
	}
	c := &runeClass{ranges: slices.Clone(rs)}
	for i := 0; i+1 < len(rs); i += 2 {
		for r := rs[i]; r <= rs[i+1] && r < utf8.RuneSelf; r++ {
			c.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	return c
}

// matchAll is ^class+$: at least one rune, every rune in the class. Invalid UTF-8 reads as
// U+FFFD one byte at a time, as the regexp engine reads it.
func (c *runeClass) matchAll(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if c.ascii[b>>6]&(1<<(b&63)) == 0 {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !c.containsWide(r) {
			return false
		}
		i += size
	}
	return true
}

// containsWide looks r up among the ranges by binary search.
func (c *runeClass) containsWide(r rune) bool {
	lo, hi := 0, len(c.ranges)/2
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case r < c.ranges[2*m]:
			hi = m
		case r > c.ranges[2*m+1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

func init() {
	for name, expr := range map[string]string{
		"username":        `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"password":        `[\S]+`,
		"clientId":        `[\w+]+`,
		"clientSecret":    `[\w+]+`,
		"secretHash":      `[\w+=/]+`,
		"userPoolId":      `[\w-]+_[0-9a-zA-Z]+`,
		"token":           `[A-Za-z0-9-_=.]+`,
		"attrName":        `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"clientName":      `[\w\s+=,.@-]+`,
		"poolName":        `[\w\s+=,.@-]+`,
		"groupName":       `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`,
		"code":            `[\S]+`,
		"deviceKey":       `[\w-]+_[0-9a-f-]+`,
		"paginationKey":   `[\S]+`,
		"softwareToken":   `[0-9]+`,
		"assetResourceId": `[\w\- ]+`,
		"brandingId":      `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[4][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`,
		"arn":             `arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?`,
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
	patterns[name] = &namedPattern{text: expr, re: regexp.MustCompile(`^(?:` + expr + `)$`), class: classPlus(expr)}
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
	// readyPlans holds the same finished plans for the per-request lookup, which takes no lock.
	readyPlans sync.Map // reflect.Type -> *structPlan
)

// planFor returns the plan of struct type t, parsing its tags on first use. Bad tags are
// programming errors: it panics, and Bind calls it at wiring time so that happens at start-up.
// Plans are cached only once every type they reach has parsed, so a panic caches nothing.
func planFor(t reflect.Type) *structPlan {
	if p, ok := readyPlans.Load(t); ok {
		return p.(*structPlan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	if p, ok := plans[t]; ok {
		return p
	}
	building := map[reflect.Type]*structPlan{}
	p := buildPlan(t, building)
	maps.Copy(plans, building)
	for bt, bp := range building {
		readyPlans.Store(bt, bp)
	}
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
