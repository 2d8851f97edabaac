package migration

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/crypto/bcrypt"

	"github.com/cognatehq/cognate/infra/dynamodb/ddblocal/ddbproc"
	"github.com/cognatehq/cognate/pkg/hooks/hooktest"
)

func TestMain(m *testing.M) { ddbproc.Main(m) }

// Hash is a legacy bcrypt hash of password (the lowest cost: tests need speed, not strength;
// the hash carries its cost, so the function checks any).
func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestHandler(t *testing.T) {
	db, _ := hooktest.DynamoDB(t)
	table := hooktest.Table(t, db, "username")
	hooktest.Put(t, db, table, map[string]any{"username": "olga", "email": "olga@example.com", "password_hash": hash(t, "Legacy-Secret-7")})
	hooktest.Put(t, db, table, map[string]any{"username": "piet", "email": "piet@example.com", "email_verified": false, "password_hash": hash(t, "Piet-Secret-8")})
	hooktest.Put(t, db, table, map[string]any{"username": "nomail", "password_hash": hash(t, "Legacy-Secret-7")})
	hooktest.Put(t, db, table, map[string]any{"username": "nohash", "email": "nohash@example.com"})
	h := Handler(Config{Table: table, CallTimeout: hooktest.CallTimeout}, db)

	confirmed := events.CognitoEventUserPoolsMigrateUserResponse{UserAttributes: map[string]string{"email": "olga@example.com", "email_verified": "true"},
		FinalUserStatus: "CONFIRMED", MessageAction: "SUPPRESS"}
	for _, tc := range []struct {
		name, source, user, password string
		want                         events.CognitoEventUserPoolsMigrateUserResponse
		err                          error
	}{
		{"the right password moves the user in, confirmed", "UserMigration_Authentication", "olga", "Legacy-Secret-7", confirmed, nil},
		{"names compare without case", "UserMigration_Authentication", "Olga", "Legacy-Secret-7", confirmed, nil},
		{"a wrong password", "UserMigration_Authentication", "olga", "legacy-secret-7", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrBadPassword},
		{"no password", "UserMigration_Authentication", "olga", "", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrBadPassword},
		{"an unknown name", "UserMigration_Authentication", "quinn", "Legacy-Secret-7", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrUserNotFound},
		{"a legacy user without an address cannot move in", "UserMigration_Authentication", "nomail", "Legacy-Secret-7", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrUserNotFound},
		{"a legacy user without a hash cannot sign in", "UserMigration_Authentication", "nohash", "", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrBadPassword},
		{"a reset moves the user in for the code; status is Cognito's", "UserMigration_ForgotPassword", "olga", "",
			events.CognitoEventUserPoolsMigrateUserResponse{UserAttributes: map[string]string{"email": "olga@example.com", "email_verified": "true"}, MessageAction: "SUPPRESS"}, nil},
		{"an unverified legacy address stays unverified", "UserMigration_ForgotPassword", "piet", "",
			events.CognitoEventUserPoolsMigrateUserResponse{UserAttributes: map[string]string{"email": "piet@example.com", "email_verified": "false"}, MessageAction: "SUPPRESS"}, nil},
		{"a reset for an unknown name", "UserMigration_ForgotPassword", "quinn", "", events.CognitoEventUserPoolsMigrateUserResponse{}, ErrUserNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events.CognitoEventUserPoolsMigrateUser
			ev.Version, ev.TriggerSource, ev.UserName = "1", tc.source, tc.user
			ev.CognitoEventUserPoolsMigrateUserRequest.Password = tc.password
			out, err := h(context.Background(), ev)
			if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err == nil && !reflect.DeepEqual(out.CognitoEventUserPoolsMigrateUserResponse, tc.want) {
				t.Fatalf("response %+v, want %+v", out.CognitoEventUserPoolsMigrateUserResponse, tc.want)
			}
		})
	}

	t.Run("another trigger source", func(t *testing.T) {
		var ev events.CognitoEventUserPoolsMigrateUser
		ev.TriggerSource, ev.UserName = "PreSignUp_SignUp", "olga"
		if _, err := h(context.Background(), ev); err == nil {
			t.Fatal("answered")
		}
	})
}

func TestFromEnv(t *testing.T) {
	if _, err := FromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "LEGACY_USERS_TABLE is not set") {
		t.Fatalf("err %v", err)
	}
	cfg, err := FromEnv(func(k string) string { return map[string]string{"LEGACY_USERS_TABLE": "legacy-users"}[k] })
	if err != nil || cfg.Table != "legacy-users" {
		t.Fatalf("%+v %v", cfg, err)
	}
}
