package cognito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// fuzzIn exercises every decoder and validator path: pointers, plain values, nested lists of
// structs, maps, times, enums, bounds.
type fuzzIn struct {
	ClientID *string           `json:"ClientId" cognito:"required,min=1,max=128,pattern=clientId"`
	Username string            `json:"Username" cognito:"min=1,max=128,pattern=username,sensitive"`
	Flow     *string           `json:"AuthFlow" cognito:"enum=USER_SRP_AUTH|USER_PASSWORD_AUTH"`
	Params   map[string]string `json:"AuthParameters" cognito:"max=20"`
	Attrs    []attr            `json:"UserAttributes" cognito:"max=60"`
	Names    []string          `json:"UserAttributeNames" cognito:"member.min=1,member.max=32,member.pattern=attrName"`
	Limit    *int32            `json:"Limit" cognito:"minval=0,maxval=60"`
	Big      int64             `json:"Big" cognito:"minval=-5,maxval=5"`
	Flag     bool              `json:"Flag"`
	When     *cognito.Time     `json:"When"`
	Doc      json.RawMessage   `json:"Doc"`
	Any      any               `json:"Any"`
	Nested   *struct {
		Inner []*attr `json:"Inner" cognito:"required"`
	} `json:"Nested"`
}

type fuzzOut struct {
	Echo *fuzzIn       `json:"Echo"`
	When *cognito.Time `json:"When,omitempty"`
}

func fuzzServer() http.Handler {
	echo := cognito.Bind(func(_ context.Context, in *fuzzIn) (*fuzzOut, error) {
		return &fuzzOut{Echo: in, When: in.When}, nil
	})
	return cognito.NewServer(cognito.ServerOptions{
		Admin: &fakeAdmin{},
		Endpoints: map[string]cognito.Endpoint{
			"SignUp":       echo,
			"InitiateAuth": echo,
			"AdminGetUser": echo,
			"RevokeToken":  cognito.Bind(func(context.Context, *fuzzIn) (*struct{}, error) { return nil, nil }),
		},
		MaxBodyBytes: 4 << 10,
	})
}

var coralMessage = regexp.MustCompile(`(?s)^[0-9]+ validation errors? detected: Value .*at '[a-zA-Z0-9.]+' failed to satisfy constraint: Member must `)

func FuzzDecode(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzDecode.
	f.Add("AWSCognitoIdentityProviderService.SignUp", []byte(`{"ClientId":"c","Username":"u"}`))
	f.Add("AWSCognitoIdentityProviderService.AdminGetUser", []byte(`{}`))
	h := fuzzServer()
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if strings.Contains(target, "Admin") {
			r.Header.Set("Authorization", "ok")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Header().Get("X-Amzn-RequestId") == "" {
			t.Fatal("no x-amzn-RequestId")
		}
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if w.Code == 200 {
			if !utf8.Valid(body) {
				t.Fatalf("200 for a body that is not UTF-8: %q", body)
			}
			// Nothing was rewritten to U+FFFD (an unpaired surrogate escape would be).
			if out := strings.ToLower(w.Body.String()); (strings.Contains(out, "\ufffd") || strings.ContainsRune(out, utf8.RuneError)) &&
				!strings.Contains(strings.ToLower(string(body)), "\ufffd") && !bytes.ContainsRune(body, utf8.RuneError) {
				t.Fatalf("200 whose answer holds a U+FFFD the body did not: %q -> %s", body, w.Body)
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("200 with invalid JSON: %s", w.Body)
			}
			return
		}
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type == "" || e.Type != w.Header().Get("X-Amzn-ErrorType") {
			t.Fatalf("status %d with bad error body %q (%v)", w.Code, w.Body, err)
		}
		if e.Type == "InvalidParameterException" && !coralMessage.MatchString(e.Message) {
			t.Fatalf("validation message not in Coral form: %q", e.Message)
		}
	})
}

// FuzzValidate feeds arbitrary JSON through Decode and Validate: no panics, and every refusal is
// a well-formed Coral message.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"ClientId":""}`, `{"UserAttributes":[{"Name":"","Value":"x"},{}]}`,
		`{"UserAttributeNames":["","a",""],"Limit":-1,"Big":99}`, `{"Nested":{"Inner":[null,{"Name":"é"}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in fuzzIn
		if err := cognito.Decode(body, &in); err != nil {
			if ce := cognito.As(err); ce == nil || ce.Type != "SerializationException" {
				t.Fatalf("Decode error %v", err)
			}
			return
		}
		err := cognito.Validate(&in)
		if err == nil {
			return
		}
		ce := cognito.As(err)
		if ce == nil || ce.Type != "InvalidParameterException" || !coralMessage.MatchString(ce.Message) {
			t.Fatalf("Validate error %v", err)
		}
	})
}
