package userpool

import (
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

func TestCheckValueBooleanSpellings(t *testing.T) {
	def := SchemaAttributeType{Name: ptr("custom:flag"), AttributeDataType: ptr("Boolean")}
	for in, want := range map[string]string{"true": "true", "True": "true", "TRUE": "true", "tRUE": "true",
		"false": "false", "False": "false", "FALSE": "false", "fAlSe": "false"} {
		got, err := checkValue(def, in)
		if err != nil || got != want {
			t.Errorf("checkValue(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "0", "yes", "no", "t", "f", " true", "true ", "truee", "ｔｒｕｅ"} {
		got, err := checkValue(def, in)
		if ce := cognito.As(err); ce == nil || ce.Type != "InvalidParameterException" || got != "" {
			t.Errorf("checkValue(%q) = %q, %v; want InvalidParameterException", in, got, err)
		}
	}
}
