package tokenclaims

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
)

func TestMain(m *testing.M) { ddbproc.Main(m) }

func event(version, sub string) events.CognitoEventUserPoolsPreTokenGenV2_0 {
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	ev.Version, ev.TriggerSource, ev.UserName = version, "TokenGeneration_Authentication", "ann"
	ev.Request.UserAttributes = map[string]string{"email": "ann@example.com"}
	if sub != "" {
		ev.Request.UserAttributes["sub"] = sub
	}
	ev.Request.Scopes = []string{"aws.cognito.signin.user.admin"}
	return ev
}

func TestHandler(t *testing.T) {
	db, _ := hooktest.DynamoDB(t)
	table := hooktest.Table(t, db, "sub")
	hooktest.Put(t, db, table, map[string]any{"sub": "sub-pro", "tenant_id": "acme", "plan": "pro", "scopes": []string{"orders/read", "orders/write"}})
	hooktest.Put(t, db, table, map[string]any{"sub": "sub-plain", "tenant_id": "globex"})
	hooktest.Put(t, db, table, map[string]any{"sub": "sub-bad-scope", "tenant_id": "acme", "scopes": []string{"orders read"}})
	h := Handler(Config{Table: table, CallTimeout: hooktest.CallTimeout}, db)

	for _, tc := range []struct {
		name, version, sub string
		claims             map[string]any // nil: the response is left alone
		scopes             []string
		err                string
	}{
		{name: "claims and scopes", version: "2", sub: "sub-pro",
			claims: map[string]any{"tenant_id": "acme", "plan": "pro"}, scopes: []string{"orders/read", "orders/write"}},
		{name: "version 3 is answered the same way", version: "3", sub: "sub-pro",
			claims: map[string]any{"tenant_id": "acme", "plan": "pro"}, scopes: []string{"orders/read", "orders/write"}},
		{name: "only the attributes the item has", version: "2", sub: "sub-plain", claims: map[string]any{"tenant_id": "globex"}},
		{name: "no item: tokens as Cognito makes them", version: "2", sub: "sub-unknown"},
		{name: "no user (client credentials)", version: "3", sub: ""},
		{name: "a scope with a space is refused", version: "2", sub: "sub-bad-scope", err: `"orders read" is not a scope`},
		{name: "version 1 is refused", version: "1", sub: "sub-pro", err: ErrNotV2.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := event(tc.version, tc.sub)
			out, err := h(context.Background(), in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := out.Response.ClaimsAndScopeOverrideDetails
			if tc.claims == nil {
				if !reflect.DeepEqual(out, in) {
					t.Fatalf("the event changed: %+v", out.Response)
				}
				return
			}
			if !reflect.DeepEqual(o.IDTokenGeneration.ClaimsToAddOrOverride, tc.claims) || !reflect.DeepEqual(o.AccessTokenGeneration.ClaimsToAddOrOverride, tc.claims) {
				t.Errorf("claims %v / %v, want %v in both", o.IDTokenGeneration.ClaimsToAddOrOverride, o.AccessTokenGeneration.ClaimsToAddOrOverride, tc.claims)
			}
			if !reflect.DeepEqual(o.AccessTokenGeneration.ScopesToAdd, tc.scopes) {
				t.Errorf("scopes %v, want %v", o.AccessTokenGeneration.ScopesToAdd, tc.scopes)
			}
			if o.IDTokenGeneration.ClaimsToSuppress != nil || o.AccessTokenGeneration.ScopesToSuppress != nil || o.GroupOverrideDetails.GroupsToOverride != nil {
				t.Errorf("suppresses or overrides something: %+v", o)
			}
			if out.UserName != in.UserName || !reflect.DeepEqual(out.Request, in.Request) {
				t.Error("the request must come back as it came")
			}
		})
	}

	t.Run("a table that is not there fails the sign-in", func(t *testing.T) {
		h := Handler(Config{Table: "no-such-table", CallTimeout: hooktest.CallTimeout}, db)
		if _, err := h(context.Background(), event("2", "sub-pro")); err == nil || !strings.Contains(err.Error(), "no-such-table") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "" for valid
	}{
		{map[string]string{"CLAIMS_TABLE": "claims"}, ""},
		{map[string]string{"CLAIMS_TABLE": "claims", "CALL_TIMEOUT": "500ms"}, ""},
		{map[string]string{}, "CLAIMS_TABLE is not set"},
		{map[string]string{"CLAIMS_TABLE": "claims", "CALL_TIMEOUT": "soon"}, `CALL_TIMEOUT="soon"`},
	} {
		cfg, err := FromEnv(func(k string) string { return tc.env[k] })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: err %v, want %q", tc.env, err, tc.want)
		case tc.want == "" && (cfg.Table != "claims" || cfg.CallTimeout <= 0):
			t.Errorf("%v: %+v", tc.env, cfg)
		}
	}
}
