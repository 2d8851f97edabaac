package hook

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandle(t *testing.T) {
	ctx := context.Background()
	pre := `{"version":"1","triggerSource":"PreAuthentication_Authentication","userPoolId":"p","userName":"u","callerContext":{"clientId":"c"},"request":{"userAttributes":{"email":"a@b"}},"response":{}}`
	out, err := Handle(ctx, json.RawMessage(pre))
	if err != nil {
		t.Fatal(err)
	}
	var pa events.CognitoEventUserPoolsPreAuthentication
	if err := json.Unmarshal(out, &pa); err != nil || pa.UserName != "u" || pa.Request.UserAttributes["email"] != "a@b" {
		t.Fatalf("PreAuthentication answer %s: %v", out, err)
	}
	tok := `{"version":"2","triggerSource":"TokenGeneration_Authentication","userPoolId":"p","userName":"u","request":{"userAttributes":{}},"response":{}}`
	out, err = Handle(ctx, json.RawMessage(tok))
	if err != nil {
		t.Fatal(err)
	}
	var pt events.CognitoEventUserPoolsPreTokenGenV2_0
	if err := json.Unmarshal(out, &pt); err != nil {
		t.Fatal(err)
	}
	o := pt.Response.ClaimsAndScopeOverrideDetails
	if o.IDTokenGeneration.ClaimsToAddOrOverride[Claim] != Value || o.AccessTokenGeneration.ClaimsToAddOrOverride[Claim] != Value {
		t.Fatalf("PreTokenGeneration answer lacks the claim: %s", out)
	}
	if _, err := Handle(ctx, json.RawMessage(`{"triggerSource":"PreSignUp_SignUp"}`)); err == nil {
		t.Fatal("an unexpected source is an error")
	}
}
