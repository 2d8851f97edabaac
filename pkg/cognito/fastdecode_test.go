package cognito

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

type flatTarget struct {
	AccessToken string
	ClientId    string  `json:"ClientId,omitempty"`
	Named       string  `json:"other_name"`
	Quoted      string  `json:",string"`
	Skipped     string  `json:"-"`
	Ptr         *string `json:",omitempty"`
	Attrs       map[string]string
	N           int
	//lint:ignore U1000 deliberate: the decoders must leave an unexported field alone
	hidden string
}

// checkFlat fails when the fast path accepts body but encoding/json decodes it differently or
// rejects it.
func checkFlat(t *testing.T, d *flatDecoder, body []byte) {
	t.Helper()
	var fast, slow flatTarget
	if !d.decode(body, reflect.ValueOf(&fast).Elem()) {
		if !reflect.DeepEqual(fast, flatTarget{}) {
			t.Fatalf("%q: refused but changed the value: %+v", body, fast)
		}
		return
	}
	if err := Decode(body, &slow); err != nil {
		t.Fatalf("%q: fast path accepted what Decode rejects: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast path %+v, encoding/json %+v", body, fast, slow)
	}
}

var flatSeeds = []string{
	`{"AccessToken":"eyJraWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}`,
	` { "AccessToken" : "a" , "ClientId":"b" } `,
	"{\"AccessToken\":\"a\"}\n",
	`{"AccessToken":"a","AccessToken":"b"}`,
	`{"other_name":"x","AccessToken":""}`,
	`{"accesstoken":"a"}`,
	`{"Named":"a"}`,
	`{"Quoted":"\"a\""}`,
	`{"Skipped":"a"}`,
	`{"-":"a"}`,
	`{"hidden":"a"}`,
	`{"Ptr":"a"}`,
	`{"N":"1"}`,
	`{"AccessToken":null}`,
	`{"AccessToken":1}`,
	`{"AccessToken":"a\u0041"}`,
	`{"AccessToken":"a\"b"}`,
	"{\"AccessToken\":\"caf\xc3\xa9\"}",
	"{\"AccessToken\":\"a\tb\"}",
	`{"AccessToken":"a"}x`,
	`{"AccessToken":"a"}{}`,
	`{"AccessToken":"a",}`,
	`{"AccessToken":"a"`,
	`{"AccessToken" "a"}`,
	`{}`,
	``,
	`[]`,
	`{"Unknown":"a"}`,
	`{"AccessToken":"a","Attrs":{"k":"v"}}`,
	"\v{\"AccessToken\":\"a\"}",
	"{\"AccessToken\":\"a\"}\v",
	"\xef\xbb\xbf{\"AccessToken\":\"a\"}",
	"{\"AccessToken\":\"bad\xff\xfeuser\"}",
	`{"AccessToken":"bad\ud800user"}`,
}

func FuzzFlatDecoderAgreesWithJSON(f *testing.F) {
	d := newFlatDecoder(reflect.TypeFor[flatTarget]())
	for _, s := range flatSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFlat(t, d, body) })
}

// The same check on many mutations of the seeds, in every ordinary test run.
func TestFlatDecoderAgreesWithJSON(t *testing.T) {
	d := newFlatDecoder(reflect.TypeFor[flatTarget]())
	if d == nil {
		t.Fatal("no fast path for a struct of plain string members")
	}
	accepted := 0
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("{}[]:,\" \t\n\\u0aA-_.xN\x00\x7f\xc3\xa9")
	for _, s := range flatSeeds {
		for range 400 {
			b := []byte(s)
			for range 1 + rng.IntN(3) {
				switch op := rng.IntN(3); {
				case op == 0 && len(b) > 0:
					b = append(b[:rng.IntN(len(b))], b[rng.IntN(len(b)):]...)
				case op == 1:
					k := rng.IntN(len(b) + 1)
					b = append(b[:k], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[k:]...)...)
				case len(b) > 0:
					b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
				}
			}
			var probe flatTarget
			if d.decode(b, reflect.ValueOf(&probe).Elem()) {
				accepted++
			}
			checkFlat(t, d, b)
		}
		checkFlat(t, d, []byte(s))
	}
	if accepted == 0 {
		t.Fatal("the fast path accepted nothing")
	}
	var v flatTarget
	if !d.decode([]byte(flatSeeds[0]), reflect.ValueOf(&v).Elem()) || !strings.HasPrefix(v.AccessToken, "eyJ") {
		t.Fatalf("GetUser's body not on the fast path: %+v", v)
	}
}

func TestFlatDecoderOnlyForUnambiguousStructs(t *testing.T) {
	type embedded struct{ A string }
	for name, typ := range map[string]reflect.Type{
		"embedded":   reflect.TypeFor[struct{ embedded }](),
		"case twins": reflect.TypeFor[struct{ Foo, FOO string }](),
		"tag case twins": reflect.TypeFor[struct {
			A string `json:"x"`
			B string `json:"X"`
		}](),
		"odd tag name": reflect.TypeFor[struct {
			A string `json:"a b"`
		}](),
		"no strings": reflect.TypeFor[struct{ N int }](),
		"not struct": reflect.TypeFor[string](),
	} {
		if newFlatDecoder(typ) != nil {
			t.Errorf("%s: fast path built", name)
		}
	}
}
