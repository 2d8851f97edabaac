package triggers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cognatehq/cognate/pkg/trigger"
)

// wireByName is wire as it was before the field index was cached: the request member and its
// ClientMetadata looked up by name on every call. wire must send the same bytes.
func wireByName(t trigger.Trigger, ev any) (json.RawMessage, error) {
	if req := requestByName(reflect.ValueOf(ev).Elem()); req.IsValid() {
		if cm := req.FieldByName("ClientMetadata"); cm.IsValid() && cm.Kind() == reflect.Map && cm.IsNil() {
			cm.Set(reflect.MakeMap(cm.Type()))
		}
	}
	raw, err := json.Marshal(ev)
	if err != nil || t != trigger.CustomMessage {
		return raw, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	m["response"] = json.RawMessage(`{"smsMessage":null,"emailMessage":null,"emailSubject":null}`)
	return json.Marshal(m)
}

func requestByName(ev reflect.Value) reflect.Value {
	for i := range ev.NumField() {
		if name, _, _ := strings.Cut(ev.Type().Field(i).Tag.Get("json"), ","); name == "request" {
			return ev.Field(i)
		}
	}
	return reflect.Value{}
}

func TestWireSendsWhatItSent(t *testing.T) {
	h := trigger.Header{Region: "us-east-1", UserPoolID: "us-east-1_Wire", UserName: "kim", ClientID: "c1"}
	for _, spec := range trigger.Catalogue() {
		for _, v := range spec.Versions {
			for _, meta := range []map[string]string{nil, {"app": "x"}} {
				a, err := trigger.NewEvent(spec.Source, v.LambdaVersion, h)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := trigger.NewEvent(spec.Source, v.LambdaVersion, h)
				for _, ev := range []any{a, b} {
					if req := requestByName(reflect.ValueOf(ev).Elem()); meta != nil && req.IsValid() {
						if cm := req.FieldByName("ClientMetadata"); cm.IsValid() {
							cm.Set(reflect.ValueOf(meta))
						}
					}
				}
				got, err := wire(spec.Trigger, a)
				if err != nil {
					t.Fatal(err)
				}
				want, err := wireByName(spec.Trigger, b)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s %s: sends\n%s\nwas\n%s", spec.Source, v.LambdaVersion, got, want)
				}
				if !bytes.Contains(got, []byte(`"clientMetadata":{`)) && bytes.Contains(got, []byte(`"clientMetadata"`)) {
					t.Errorf("%s %s: clientMetadata not an object: %s", spec.Source, v.LambdaVersion, got)
				}
			}
		}
	}
}
