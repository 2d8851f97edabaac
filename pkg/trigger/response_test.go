package trigger

import (
	"bytes"
	"encoding/json"
	"testing"
)

// topLevelResponse reads what decoding the output into a map reads, whenever it answers.
func FuzzTopLevelResponse(f *testing.F) {
	for _, s := range []string{
		`{"response":{"a":1}}`, `{"a":1,"response":null}`, ` { "x" : [1,{"response":2}] , "response" : "s\"}" } `,
		`{"response":1,"response":{"b":[true,false,null]}}`, `{"resp\u006fnse":{}}`, `null`, `[]`, `"x"`, `{}`, `{"a":-1.5e3}`,
		`{"request":{"userAttributes":{"email":"a@b"}},"response":{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"k":"v"}}}}}`,
		`{"response":{}}x`, `{"a":"\\","response":3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, output []byte) {
		raw, found, ok := topLevelResponse(output)
		if !ok {
			return
		}
		var whole map[string]json.RawMessage
		if err := json.Unmarshal(output, &whole); err != nil || whole == nil {
			t.Fatalf("%q: answered, but the decoder says %v (map %v)", output, err, whole)
		}
		want, wantFound := whole["response"]
		if found != wantFound || !bytes.Equal(bytes.TrimSpace(raw), bytes.TrimSpace(want)) {
			t.Fatalf("%q: got %q (%v), the decoder %q (%v)", output, raw, found, want, wantFound)
		}
	})
}

// BenchmarkFindResponse compares finding the response of a PreTokenGeneration V2_0 answer (about
// 1.3 KB) by topLevelResponse with decoding the whole answer into a map, as DecodeResponse did.
func BenchmarkFindResponse(b *testing.B) {
	ev, err := NewEvent(TokenGenerationAuthentication, "V2_0", Header{Region: "us-east-1", UserPoolID: "us-east-1_Bench", UserName: "5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10", ClientID: "benchclient000000000000001"})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	m["request"] = json.RawMessage(`{"userAttributes":{"sub":"5f1b0c8e-4d3a-4b7e-9a55-0d7c3f1e2a10","email":"u0000001@bench.example","email_verified":"true","cognito:user_status":"CONFIRMED"},"scopes":["aws.cognito.signin.user.admin"],"groupConfiguration":{"groupsToOverride":[],"iamRolesToOverride":[],"preferredRole":null},"clientMetadata":{}}`)
	m["response"] = json.RawMessage(`{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"bench_hook":"v1"},"claimsToSuppress":null},"accessTokenGeneration":{"claimsToAddOrOverride":{"bench_hook":"v1"},"claimsToSuppress":null,"scopesToAdd":null,"scopesToSuppress":null},"groupOverrideDetails":{"groupsToOverride":null,"iamRolesToOverride":null,"preferredRole":null}}}`)
	out, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var whole map[string]json.RawMessage
			if err := json.Unmarshal(out, &whole); err != nil || whole["response"] == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("topLevelResponse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, found, ok := topLevelResponse(out); !found || !ok {
				b.Fatal("not found")
			}
		}
	})
}
