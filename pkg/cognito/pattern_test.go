package cognito

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// The "[class]+" fast path must accept exactly what the regexp accepts: every ASCII byte, a
// sample of every Unicode plane, invalid UTF-8, and random mixes of them.
func TestPatternFastPathAgreesWithRegexp(t *testing.T) {
	planMu.Lock()
	defer planMu.Unlock()
	for _, name := range []string{"token", "password", "clientId", "secretHash", "username", "attrName", "code"} {
		if patterns[name].class == nil {
			t.Errorf("pattern %s lost its fast path", name)
		}
	}
	var atoms []string
	for b := range 256 {
		atoms = append(atoms, string([]byte{byte(b)})) // bytes >= 0x80 alone are invalid UTF-8
	}
	for r := rune(0x80); r <= utf8.MaxRune; r += 97 {
		atoms = append(atoms, string(r)) // surrogates become U+FFFD, as in any Go string
	}
	atoms = append(atoms, "\u00a0", "\u2028", "\u3000", "\ufeff", "\U0001F600", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf")
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"", "a", "ab", "a b", "eyJ.abc_-=.x"}
	inputs = append(inputs, atoms...)
	for _, a := range atoms {
		inputs = append(inputs, "a"+a, a+"a", a+a)
	}
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			if rng.IntN(3) == 0 {
				b.WriteString(atoms[rng.IntN(len(atoms))])
			} else {
				b.WriteByte(byte('!' + rng.IntN(94)))
			}
		}
		inputs = append(inputs, b.String())
	}
	for name, p := range patterns {
		if p.class == nil {
			continue
		}
		for _, s := range inputs {
			if got, want := p.class.matchAll(s), p.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: fast path %v, regexp %v", name, s, got, want)
			}
		}
	}
}

func TestClassPlusOnlyForSingleClass(t *testing.T) {
	for _, expr := range []string{`[\w-]+_[0-9a-zA-Z]+`, `[0-9]*`, `a|b`, `(?i)[a-z]+x`, `.+`} {
		if classPlus(expr) != nil {
			t.Errorf("%s read as a single class", expr)
		}
	}
	for _, expr := range []string{`[A-Za-z0-9-_=.]+`, `[\S]+`, `\d+`, `[\p{L}]+`} {
		if classPlus(expr) == nil {
			t.Errorf("%s not read as a single class", expr)
		}
	}
}
