package store

import (
	"reflect"
	"testing"
)

func TestUserEnvelope(t *testing.T) {
	u := &User{PoolID: "p", Key: "k", Sub: "s-1", Aliases: []Alias{{Kind: "email", Value: "a@example.com"}},
		Index: []IndexEntry{{Attr: "email", Value: "a@example.com"}}, Version: 3, Data: []byte(`{"u":"alice","at":{"x":"{\"d\":1}"}}`),
		Attempts: Attempts{Failures: 1, Total: 2, Last: 3}}
	data, err := encodeUser(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeUser("p", "k", Item{Version: 3, Data: data, Attempts: u.Attempts})
	if err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("round trip: %+v %v, want %+v", got, err, u)
	}
	// The first format, one JSON object, still reads.
	legacy := []byte(`{"s":"s-1","a":[{"Kind":"email","Value":"a@example.com"}],"d":{"u":"alice"}}`)
	got, err = decodeUser("p", "k", Item{Version: 1, Data: legacy})
	if err != nil || got.Sub != "s-1" || string(got.Data) != `{"u":"alice"}` {
		t.Fatalf("legacy: %+v %v", got, err)
	}
	for _, bad := range [][]byte{{userEnvelopeV2}, {userEnvelopeV2, 0x7f, '{'}, {userEnvelopeV2, 2, 'x', 'y'}, []byte("{")} {
		if _, err := decodeUser("p", "k", Item{Data: bad}); err == nil {
			t.Errorf("corrupt %q decoded", bad)
		}
	}
}
