package cognito_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

type attr struct {
	Name  *string `json:"Name" cognito:"required,min=1,max=32,pattern=attrName"`
	Value *string `json:"Value" cognito:"max=8"`
}

type meta struct {
	Endpoint string `cognito:"max=3"` // no json tag: the Go name is the member name
}

type Embedded struct {
	Tag string `json:"Tag" cognito:"max=2"`
}

type req struct {
	Embedded
	ClientID   *string           `json:"ClientId" cognito:"required,min=1,max=128,pattern=clientId"`
	Username   string            `json:"Username,omitempty" cognito:"required,pattern=username"`
	Password   *string           `json:"Password" cognito:"max=256,pattern=password,sensitive"`
	SecretHash *string           `json:"SecretHash" cognito:"min=1,max=128,pattern=secretHash"`
	Flow       string            `json:"AuthFlow" cognito:"enum=USER_SRP_AUTH|REFRESH_TOKEN_AUTH"`
	Limit      *int32            `json:"Limit" cognito:"minval=0,maxval=60"`
	Count      uint8             `json:"Count" cognito:"maxval=5"`
	Attrs      []attr            `json:"UserAttributes" cognito:"max=2"`
	AttrPtrs   []*attr           `json:"AttrPtrs"`
	Names      []string          `json:"UserAttributeNames" cognito:"max=3,member.min=1,member.max=4,member.pattern=attrName"`
	Mediums    []string          `json:"DesiredDeliveryMediums" cognito:"member.enum=SMS|EMAIL"`
	Meta       map[string]string `json:"ClientMetadata" cognito:"max=1"`
	Required   []string          `json:"Required" cognito:"required"`
	Analytics  *meta             `json:"AnalyticsMetadata"`
	Code       *string           `json:"Code" cognito:"pattern=code,sensitive,min=6"`
	Ignored    string            `json:"-" cognito:"required"`
}

func s(v string) *string { return &v }
func i32(v int32) *int32 { return &v }

// valid returns a request with every constraint satisfied.
func valid() *req {
	return &req{ClientID: s("abc123"), Username: "alice", Required: []string{}}
}

func TestValidate(t *testing.T) {
	const pre = "1 validation error detected: "
	cases := []struct {
		name string
		mod  func(r *req)
		want string // "" = valid
	}{
		{"valid", func(*req) {}, ""},
		{"required pointer", func(r *req) { r.ClientID = nil },
			pre + "Value null at 'clientId' failed to satisfy constraint: Member must not be null"},
		{"required plain string", func(r *req) { r.Username = "" },
			pre + "Value null at 'username' failed to satisfy constraint: Member must not be null"},
		{"required slice", func(r *req) { r.Required = nil },
			pre + "Value null at 'required' failed to satisfy constraint: Member must not be null"},
		{"empty pointer string: pattern and min", func(r *req) { r.ClientID = s("") },
			"2 validation errors detected: Value '' at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+; " +
				"Value '' at 'clientId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"max length", func(r *req) { r.ClientID = s(strings.Repeat("a", 129)) },
			pre + "Value '" + strings.Repeat("a", 129) + "' at 'clientId' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"length counts code points", func(r *req) { r.Tag = "éé" }, ""},
		{"pattern whole value", func(r *req) { r.ClientID = s("abc def") },
			pre + "Value 'abc def' at 'clientId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+"},
		{"unicode username", func(r *req) { r.Username = "José.Ünïcödé@例え" }, ""},
		{"username with space", func(r *req) { r.Username = "a b" },
			pre + "Value 'a b' at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"},
		{"sensitive hides value", func(r *req) { r.Password = s("has space") },
			pre + "Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"},
		{"sensitive length", func(r *req) { r.Code = s("12345") },
			pre + "Value at 'code' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{"secret hash alphabet", func(r *req) { r.SecretHash = s("ab+/=") }, ""},
		{"enum", func(r *req) { r.Flow = "PLAIN" },
			pre + "Value 'PLAIN' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH]"},
		{"enum ok", func(r *req) { r.Flow = "REFRESH_TOKEN_AUTH" }, ""},
		{"maxval", func(r *req) { r.Limit = i32(61) },
			pre + "Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"},
		{"minval", func(r *req) { r.Limit = i32(-1) },
			pre + "Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"maxval edge", func(r *req) { r.Limit = i32(60) }, ""},
		{"unsigned maxval", func(r *req) { r.Count = 6 },
			pre + "Value '6' at 'count' failed to satisfy constraint: Member must have value less than or equal to 5"},
		{"list max", func(r *req) { r.Attrs = []attr{{Name: s("a")}, {Name: s("b")}, {Name: s("c")}} },
			pre + "Value at 'userAttributes' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"nested list member", func(r *req) { r.Attrs = []attr{{Name: s("ok")}, {Name: s("x"), Value: s("123456789")}} },
			pre + "Value '123456789' at 'userAttributes.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 8"},
		{"nested required", func(r *req) { r.Attrs = []attr{{}} },
			pre + "Value null at 'userAttributes.1.member.name' failed to satisfy constraint: Member must not be null"},
		{"nested pointer elements", func(r *req) { r.AttrPtrs = []*attr{nil, {Name: s("")}} },
			"2 validation errors detected: Value '' at 'attrPtrs.2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+; " +
				"Value '' at 'attrPtrs.2.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"string list members", func(r *req) { r.Names = []string{"email", ""} },
			"3 validation errors detected: Value 'email' at 'userAttributeNames.1.member' failed to satisfy constraint: Member must have length less than or equal to 4; " +
				"Value '' at 'userAttributeNames.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+; " +
				"Value '' at 'userAttributeNames.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"string list length shows value", func(r *req) { r.Names = []string{"a", "b", "c", "d"} },
			pre + "Value '[a, b, c, d]' at 'userAttributeNames' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{"member enum", func(r *req) { r.Mediums = []string{"EMAIL", "FAX"} },
			pre + "Value 'FAX' at 'desiredDeliveryMediums.2.member' failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]"},
		{"map size", func(r *req) { r.Meta = map[string]string{"a": "1", "b": "2"} },
			pre + "Value at 'clientMetadata' failed to satisfy constraint: Member must have length less than or equal to 1"},
		{"nested struct pointer, no json tag", func(r *req) { r.Analytics = &meta{Endpoint: "abcd"} },
			pre + "Value 'abcd' at 'analyticsMetadata.endpoint' failed to satisfy constraint: Member must have length less than or equal to 3"},
		{"embedded struct is promoted", func(r *req) { r.Tag = "abc" },
			pre + "Value 'abc' at 'tag' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"several", func(r *req) { r.ClientID = nil; r.Limit = i32(100) },
			"2 validation errors detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null; " +
				"Value '100' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := valid()
			tc.mod(r)
			err := cognito.Validate(r)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			ce := cognito.As(err)
			if ce == nil || ce.Type != "InvalidParameterException" || ce.Status != 400 {
				t.Fatalf("Validate = %#v, want InvalidParameterException 400", err)
			}
			if ce.Message != tc.want {
				t.Errorf("message\n got %s\nwant %s", ce.Message, tc.want)
			}
		})
	}
}

func TestValidateCapsListedViolations(t *testing.T) {
	r := valid()
	r.Mediums = make([]string, 1000)
	for i := range r.Mediums {
		r.Mediums[i] = "X"
	}
	ce := cognito.As(cognito.Validate(r))
	if ce == nil || !strings.HasPrefix(ce.Message, "1000 validation errors detected: ") {
		t.Fatalf("got %v", ce)
	}
	if n := strings.Count(ce.Message, "; "); n != 9 {
		t.Errorf("listed %d violations, want 10", n+1)
	}
}

func TestValidateNonStructs(t *testing.T) {
	for _, v := range []any{nil, 3, "x", (*req)(nil), []req{{}}} {
		if err := cognito.Validate(v); err != nil {
			t.Errorf("Validate(%#v) = %v", v, err)
		}
	}
	if err := cognito.Validate(req{}); err == nil {
		t.Error("Validate(struct value) skipped the checks")
	}
}

func TestBadTagsPanic(t *testing.T) {
	str, num, strs := reflect.TypeFor[string](), reflect.TypeFor[int](), reflect.TypeFor[[]string]()
	cases := []struct {
		name string
		typ  reflect.Type
		tag  string
	}{
		{"unknown rule", str, "requird"},
		{"unknown pattern", str, "pattern=nope"},
		{"min on int", num, "min=1"},
		{"maxval on string", str, "maxval=1"},
		{"bad number", str, "max=x"},
		{"negative length", str, "max=-1"},
		{"member on string", str, "member.max=1"},
		{"enum on int", num, "enum=1|2"},
		{"member pattern on ints", reflect.TypeFor[[]int](), "member.pattern=code"},
		{"empty enum values", str, "enum="},
		{"required plain int", num, "required"},
		{"required plain bool", reflect.TypeFor[bool](), "required"},
		{"member required", strs, "member.required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ := reflect.StructOf([]reflect.StructField{{Name: "A", Type: tc.typ, Tag: reflect.StructTag(`cognito:"` + tc.tag + `"`)}})
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			_ = cognito.Validate(reflect.New(typ).Interface())
		})
	}
}

func TestRegisterPattern(t *testing.T) {
	cognito.RegisterPattern("testDigits", `[0-9]{3}`)
	type r struct {
		A string `json:"A" cognito:"pattern=testDigits"`
	}
	if err := cognito.Validate(r{A: "123"}); err != nil {
		t.Errorf("123: %v", err)
	}
	if err := cognito.Validate(r{A: "1234"}); err == nil {
		t.Error("1234 accepted: pattern must match the whole value")
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate registration did not panic")
		}
	}()
	cognito.RegisterPattern("testDigits", `x`)
}

func TestNamedPatterns(t *testing.T) {
	type p struct {
		UserPool  string `json:"UserPoolId" cognito:"pattern=userPoolId"`
		Token     string `json:"Token" cognito:"pattern=token"`
		Client    string `json:"ClientName" cognito:"pattern=clientName"`
		Pool      string `json:"PoolName" cognito:"pattern=poolName"`
		Group     string `json:"GroupName" cognito:"pattern=groupName"`
		DeviceKey string `json:"DeviceKey" cognito:"pattern=deviceKey"`
	}
	ok := p{"us-east-1_AbC123", "eyJ.a-b_c=.d", "My app, v2 @home", "pool+name=1", "admins", "us-east-1_1f2e3d4c-aaaa-bbbb"}
	if err := cognito.Validate(ok); err != nil {
		t.Errorf("valid values refused: %v", err)
	}
	bad := p{"us-east-1", "a b", "a*b", "a/b", "a b", "us-east-1_XYZ"}
	ce := cognito.As(cognito.Validate(bad))
	if ce == nil || !strings.HasPrefix(ce.Message, "6 validation errors detected: ") {
		t.Errorf("got %v", ce)
	}
}
