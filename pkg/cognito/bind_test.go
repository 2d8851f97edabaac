package cognito_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

type signUpIn struct {
	ClientID *string            `json:"ClientId" cognito:"required,min=1,max=128,pattern=clientId"`
	Username *string            `json:"Username" cognito:"required,min=1,max=128,pattern=username,sensitive"`
	Password *string            `json:"Password" cognito:"max=256,pattern=password,sensitive"`
	Attrs    []attr             `json:"UserAttributes"`
	Meta     map[string]string  `json:"ClientMetadata"`
	Limit    *int32             `json:"Limit"`
	Flag     *bool              `json:"Flag"`
	When     *cognito.Time      `json:"When"`
	Settings *struct{ On bool } `json:"Settings"`
}

type signUpOut struct {
	UserSub string `json:"UserSub"`
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, body string
		wantErr    string // substring of the SerializationException message; "" = success
		check      func(t *testing.T, in *signUpIn)
	}{
		{"empty body", "", "", nil},
		{"whitespace body", " \n\t", "", nil},
		{"empty object", "{}", "", nil},
		{"top-level null", "null", "", nil},
		{"null members are absent", `{"ClientId":null,"UserAttributes":null,"Limit":null,"When":null}`, "", func(t *testing.T, in *signUpIn) {
			if in.ClientID != nil || in.Attrs != nil || in.Limit != nil || in.When != nil {
				t.Errorf("null decoded as a value: %+v", in)
			}
		}},
		{"unknown members ignored", `{"ClientId":"c","Nope":{"deep":[1,2]},"Other":1}`, "", func(t *testing.T, in *signUpIn) {
			if in.ClientID == nil || *in.ClientID != "c" {
				t.Errorf("ClientId = %v", in.ClientID)
			}
		}},
		{"time member", `{"When":1715100742.022}`, "", func(t *testing.T, in *signUpIn) {
			if in.When == nil || in.When.UnixMilli() != 1715100742022 {
				t.Errorf("When = %v", in.When)
			}
		}},
		{"malformed", `{"ClientId":`, "Malformed JSON request body", nil},
		{"garbage", `hello`, "Malformed JSON request body at offset 1", nil},
		{"trailing data", `{}{}`, "Malformed JSON request body", nil},
		{"top-level array", `[]`, "Request body must be a JSON object, found array.", nil},
		{"top-level string", `"x"`, "Request body must be a JSON object, found string.", nil},
		{"string expected", `{"ClientId":5}`, "Member 'ClientId' must be a string, found number.", nil},
		{"number expected", `{"Limit":"5"}`, "Member 'Limit' must be an integer number in range, found string.", nil},
		{"number out of range", `{"Limit":1e99}`, "Member 'Limit' must be an integer number in range, found number.", nil},
		{"boolean expected", `{"Flag":"true"}`, "Member 'Flag' must be a boolean, found string.", nil},
		{"array expected", `{"UserAttributes":{}}`, "Member 'UserAttributes' must be an array, found object.", nil},
		{"nested member", `{"UserAttributes":[{"Name":1}]}`, "Member 'UserAttributes.Name' must be a string, found number.", nil},
		{"map value", `{"ClientMetadata":{"k":[]}}`, "Values in 'ClientMetadata' must each be a string, found array.", nil},
		{"object expected", `{"Settings":true}`, "Member 'Settings' must be an object, found boolean.", nil},
		{"time as string", `{"When":"2024-05-07T00:00:00Z"}`, "Member 'When' must be a number (epoch seconds), found string.", nil},
		{"invalid UTF-8 in a string", "{\"Username\":\"bad\xff\xfeuser\"}", "Malformed JSON request body at offset 16: invalid UTF-8.", nil},
		{"invalid UTF-8 in a member name", "{\"User\xffname\":\"u\"}", "invalid UTF-8", nil},
		{"invalid UTF-8 in a nested value", "{\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"\xc3\"}]}", "invalid UTF-8", nil},
		{"UTF-8 encoded surrogate", "{\"Username\":\"\xed\xa0\x80\"}", "invalid UTF-8", nil},
		{"lone high surrogate escape", `{"Username":"bad\ud800user"}`, "Malformed JSON request body at offset 16: unpaired UTF-16 surrogate escape.", nil},
		{"lone low surrogate escape", `{"Username":"\uDC00"}`, "unpaired UTF-16 surrogate escape", nil},
		{"high surrogate then a letter", `{"Username":"\ud83dx"}`, "unpaired UTF-16 surrogate escape", nil},
		{"two high surrogates", `{"Username":"\ud83d\ud83d"}`, "unpaired UTF-16 surrogate escape", nil},
		{"surrogate escape in a map key", `{"ClientMetadata":{"\udfff":"v"}}`, "unpaired UTF-16 surrogate escape", nil},
		{"valid UTF-8 and escapes", "{\"Username\":\"caf\xc3\xa9 \\ud83d\\ude00 \\\\ud800 \\ufffd\"}", "", func(t *testing.T, in *signUpIn) {
			if *in.Username != "café 😀 \\ud800 \ufffd" {
				t.Errorf("Username = %q", *in.Username)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in signUpIn
			err := cognito.Decode([]byte(tc.body), &in)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Decode = %v", err)
				}
				if tc.check != nil {
					tc.check(t, &in)
				}
				return
			}
			ce := cognito.As(err)
			if ce == nil || ce.Type != "SerializationException" || ce.Status != 400 {
				t.Fatalf("Decode = %#v, want SerializationException 400", err)
			}
			if !strings.Contains(ce.Message, tc.wantErr) {
				t.Errorf("message %q does not contain %q", ce.Message, tc.wantErr)
			}
		})
	}
}

func TestDecodeNeverEchoesValues(t *testing.T) {
	for _, body := range []string{
		`{"Password":"hunter2`,                 // truncated
		`{"Password":"hunter2"x}`,              // junk after a value
		`{"Password":"hunter2` + "\x01" + `"}`, // control character inside the string
		`{"Limit":12345678901234567890}`,       // overflow
		`{"Password":["hunter2"]}`,             // wrong type
	} {
		err := cognito.Decode([]byte(body), new(signUpIn))
		ce := cognito.As(err)
		if ce == nil {
			t.Fatalf("%s: no error", body)
		}
		for _, secret := range []string{"hunter2", "12345678901234567890", "\x01", `'\x01'`} {
			if strings.Contains(ce.Message, secret) {
				t.Errorf("%s: message echoes %q: %s", body, secret, ce.Message)
			}
		}
	}
}

func TestBind(t *testing.T) {
	ctx := context.Background()
	var seen *signUpIn
	ep := cognito.Bind(func(_ context.Context, in *signUpIn) (*signUpOut, error) {
		seen = in
		if *in.Username == "fail" {
			return nil, cognito.NotAuthorized("Incorrect username or password.")
		}
		if *in.Username == "empty" {
			return nil, nil
		}
		return &signUpOut{UserSub: "sub-" + *in.Username}, nil
	})

	out, err := ep(ctx, []byte(`{"ClientId":"c1","Username":"bob"}`))
	if err != nil || out.(*signUpOut).UserSub != "sub-bob" {
		t.Fatalf("ok call = %v, %v", out, err)
	}

	out, err = ep(ctx, []byte(`{"ClientId":"c1","Username":"empty"}`))
	if err != nil || out != struct{}{} {
		t.Fatalf("nil output = %#v, %v; want struct{}{} (renders {})", out, err)
	}

	_, err = ep(ctx, []byte(`{"ClientId":"c1","Username":"fail"}`))
	if !errors.Is(err, cognito.NotAuthorized("")) {
		t.Fatalf("endpoint error = %v", err)
	}

	seen = nil
	_, err = ep(ctx, []byte(`{"ClientId":"c1"}`))
	if ce := cognito.As(err); ce == nil || ce.Type != "InvalidParameterException" ||
		ce.Message != "1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("validation = %v", err)
	}
	if seen != nil {
		t.Error("endpoint ran despite a validation error")
	}

	_, err = ep(ctx, []byte(`{"ClientId":`))
	if ce := cognito.As(err); ce == nil || ce.Type != "SerializationException" {
		t.Fatalf("malformed = %v", err)
	}
	if seen != nil {
		t.Error("endpoint ran despite a decode error")
	}
}

func TestBindPanicsOnBadTagsAtWiring(t *testing.T) {
	type bad struct {
		A string `cognito:"pattern=missing"`
	}
	defer func() {
		if recover() == nil {
			t.Error("Bind accepted a bad tag")
		}
	}()
	cognito.Bind(func(context.Context, *bad) (*signUpOut, error) { return nil, nil })
}

// A surrogate escape at the very end of a body (truncated JSON) is refused, not a panic.
func TestDecodeTruncatedSurrogate(t *testing.T) {
	for _, body := range []string{`{"U":"\ud800`, `{"U":"\ud800\`, `{"U":"\ud800\u`, `{"U":"\ud800\udc0`, `\ud800`, `\`, `{"U":"\u12`} {
		if ce := cognito.As(cognito.Decode([]byte(body), new(signUpIn))); ce == nil || ce.Type != "SerializationException" {
			t.Errorf("%s: %v", body, ce)
		}
	}
}
