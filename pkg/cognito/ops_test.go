package cognito_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// sdkOperations are the operation methods of the real SDK client: the source of truth for the table.
func sdkOperations() []string {
	t := reflect.TypeFor[*cip.Client]()
	var names []string
	for m := range t.Methods() {
		if m.Name != "Options" {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return names
}

func TestOperationsMatchSDK(t *testing.T) {
	ops := cognito.Operations()
	if len(ops) != 126 {
		t.Fatalf("len(Operations()) = %d, want 126", len(ops))
	}
	var names []string
	for _, op := range ops {
		names = append(names, op.Name)
	}
	if !slices.IsSorted(names) {
		t.Error("Operations() is not sorted by name")
	}
	if sdk := sdkOperations(); !slices.Equal(names, sdk) {
		t.Errorf("table differs from the SDK client's methods:\n table %v\n sdk   %v", names, sdk)
	}
	for _, name := range sdkOperations() {
		op, ok := cognito.Lookup(name)
		if !ok || op.Name != name {
			t.Errorf("Lookup(%q) = %v, %v", name, op, ok)
		}
		if got, ok := cognito.ParseTarget("AWSCognitoIdentityProviderService." + name); !ok || got != op {
			t.Errorf("ParseTarget(%s) = %v, %v", op.Target(), got, ok)
		}
	}
}

func TestFamiliesAndAuthKinds(t *testing.T) {
	perFamily := map[cognito.Family]int{}
	perAuth := map[cognito.AuthKind]int{}
	for _, op := range cognito.Operations() {
		perFamily[op.Family]++
		perAuth[op.Auth]++
		// The family rules of DESIGN §3, restated independently of the table.
		isAdminAuth := op.Name == "AdminInitiateAuth" || op.Name == "AdminRespondToAuthChallenge"
		if (op.Auth == cognito.AuthSigV4 && !isAdminAuth) != (op.Family == cognito.FamilyAdmin) {
			t.Errorf("%s: family %s, auth %s: admin family must be exactly the SigV4 ops but the auth pair", op.Name, op.Family, op.Auth)
		}
		if op.Auth == cognito.AuthAccessToken && op.Family != cognito.FamilyAccount {
			t.Errorf("%s: access-token op in family %s", op.Name, op.Family)
		}
	}
	for _, f := range cognito.Families() {
		if perFamily[f] == 0 {
			t.Errorf("family %s has no operations", f)
		}
	}
	want := map[cognito.Family]int{"signup": 3, "auth": 4, "token": 2, "account": 25, "admin": 92}
	if !reflect.DeepEqual(perFamily, want) {
		t.Errorf("per family = %v, want %v", perFamily, want)
	}
	wantAuth := map[cognito.AuthKind]int{cognito.AuthPublic: 10, cognito.AuthAccessToken: 22, cognito.AuthSigV4: 94}
	if !reflect.DeepEqual(perAuth, wantAuth) {
		t.Errorf("per auth kind = %v, want %v", perAuth, wantAuth)
	}
	for _, bad := range []string{"", "SignUp", "AWSCognitoIdentityProviderService.", "AWSCognitoIdentityProviderService.signUp",
		"AWSCognitoIdentityService.SignUp", "AWSCognitoIdentityProviderService.Nope"} {
		if op, ok := cognito.ParseTarget(bad); ok {
			t.Errorf("ParseTarget(%q) = %v, want not found", bad, op)
		}
	}
}

// TestAuthKindsMatchSDKSigning calls every operation with the real client and static credentials
// and checks that exactly the SigV4 operations arrive signed (the SDK sends the others anonymously).
func TestAuthKindsMatchSDKSigning(t *testing.T) {
	var mu sync.Mutex
	signed := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), cognito.TargetPrefix)
		mu.Lock()
		signed[name] = r.Header.Get("Authorization") != ""
		mu.Unlock()
		w.Header().Set("Content-Type", cognito.ContentType)
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	client := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			_, _ = s.Initialize.Remove("OperationInputValidation") // send empty inputs; absent when nothing is required
			return nil
		}},
	})
	cv := reflect.ValueOf(client)
	ctx := reflect.ValueOf(context.Background())
	for _, op := range cognito.Operations() {
		m := cv.MethodByName(op.Name)
		in := reflect.New(m.Type().In(1).Elem())
		res := m.Call([]reflect.Value{ctx, in})
		if err, _ := res[1].Interface().(error); err != nil {
			t.Fatalf("%s: %v", op.Name, err)
		}
	}
	for _, op := range cognito.Operations() {
		if signed[op.Name] != (op.Auth == cognito.AuthSigV4) {
			t.Errorf("%s: SDK signed=%v but table says %s", op.Name, signed[op.Name], op.Auth)
		}
	}
}
