package model

import (
	"testing"

	"github.com/cognatehq/cognate/pkg/cognito"
)

func TestCheckValueBooleanSpellings(t *testing.T) {
	def := SchemaAttributeType{Name: Ptr("custom:flag"), AttributeDataType: Ptr("Boolean")}
	for in, want := range map[string]string{"true": "true", "True": "true", "TRUE": "true", "tRUE": "true",
		"false": "false", "False": "false", "FALSE": "false", "fAlSe": "false"} {
		got, err := CheckValue(def, in)
		if err != nil || got != want {
			t.Errorf("checkValue(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "0", "yes", "no", "t", "f", " true", "true ", "truee", "ｔｒｕｅ"} {
		got, err := CheckValue(def, in)
		if ce := cognito.As(err); ce == nil || ce.Type != "InvalidParameterException" || got != "" {
			t.Errorf("checkValue(%q) = %q, %v; want InvalidParameterException", in, got, err)
		}
	}
}

func TestMergeSchemaDeveloperOnlyAndOverrides(t *testing.T) {
	in := []SchemaAttributeType{
		{Name: Ptr("tier"), AttributeDataType: Ptr("String"), DeveloperOnlyAttribute: Ptr(true)},
		{Name: Ptr("custom:plan"), AttributeDataType: Ptr("Number"), StringAttributeConstraints: &StringAttributeConstraintsType{MaxLength: Ptr("9999")}},
		{Name: Ptr("updated_at"), Required: Ptr(true), StringAttributeConstraints: &StringAttributeConstraintsType{MaxLength: Ptr("9999")}},
		{Name: Ptr("email"), NumberAttributeConstraints: &NumberAttributeConstraintsType{MinValue: Ptr("x")}},
	}
	out, err := MergeSchema(in, StandardSchema(), true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]SchemaAttributeType{}
	for _, a := range out {
		got[*a.Name] = a
	}
	if a, ok := got["dev:custom:tier"]; !ok || !*a.DeveloperOnlyAttribute {
		t.Fatalf("dev:custom:tier: %+v", a)
	}
	if _, ok := got["custom:tier"]; ok {
		t.Fatal("custom:tier exists beside dev:custom:tier")
	}
	// Constraints of the other type are ignored, for custom and standard attributes alike.
	if a := got["custom:plan"]; a.StringAttributeConstraints != nil || a.NumberAttributeConstraints == nil {
		t.Fatalf("custom:plan: %+v", a)
	}
	if a := got["updated_at"]; !*a.Required || a.StringAttributeConstraints != nil || *a.NumberAttributeConstraints.MinValue != "0" {
		t.Fatalf("updated_at: %+v", a)
	}
	if a := got["email"]; a.NumberAttributeConstraints != nil || *a.StringAttributeConstraints.MaxLength != "2048" {
		t.Fatalf("email: %+v", a)
	}
	// AddCustomAttributes counts developer-only attributes toward the 50 and refuses their names.
	if _, err := MergeSchema([]SchemaAttributeType{{Name: Ptr("tier"), AttributeDataType: Ptr("String")}}, out, false); err == nil {
		t.Fatal("custom:tier was added beside dev:custom:tier")
	}
	var many []SchemaAttributeType
	for i := range 49 {
		many = append(many, SchemaAttributeType{Name: Ptr("a" + string(rune('A'+i))), AttributeDataType: Ptr("String")})
	}
	if _, err := MergeSchema(many, out, false); cognito.As(err) == nil || cognito.As(err).Type != "LimitExceededException" {
		t.Fatalf("51 custom attributes: %v", err)
	}
}
