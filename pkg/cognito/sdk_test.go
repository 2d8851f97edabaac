package cognito_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/sigv4"
)

// Minimal request/response shapes, as pkg/userpool will declare them.
type (
	sdkSignUpIn struct {
		ClientID       *string `json:"ClientId" cognito:"required,min=1,max=128,pattern=clientId"`
		Username       *string `json:"Username" cognito:"required,min=1,max=128,pattern=username,sensitive"`
		Password       *string `json:"Password" cognito:"max=256,pattern=password,sensitive"`
		UserAttributes []attr  `json:"UserAttributes"`
	}
	sdkSignUpOut struct {
		UserConfirmed bool   `json:"UserConfirmed"`
		UserSub       string `json:"UserSub"`
	}
	sdkInitiateAuthIn struct {
		AuthFlow       string            `json:"AuthFlow" cognito:"required"`
		ClientID       *string           `json:"ClientId" cognito:"required"`
		AuthParameters map[string]string `json:"AuthParameters"`
	}
	sdkAdminGetUserOut struct {
		Username             string        `json:"Username"`
		UserAttributes       []attrOut     `json:"UserAttributes"`
		UserCreateDate       *cognito.Time `json:"UserCreateDate,omitempty"`
		UserLastModifiedDate cognito.Time  `json:"UserLastModifiedDate,omitzero"`
		Enabled              bool          `json:"Enabled"`
		UserStatus           string        `json:"UserStatus"`
	}
)

var created = time.UnixMilli(1715100742022)

func sdkServer(t *testing.T) *httptest.Server {
	t.Helper()
	h := cognito.NewServer(cognito.ServerOptions{
		Admin: &sigv4.Verifier{Keys: map[string]string{"AKIDCOGNATE": "s3cr3t"}},
		Endpoints: map[string]cognito.Endpoint{
			"SignUp": cognito.Bind(func(_ context.Context, in *sdkSignUpIn) (*sdkSignUpOut, error) {
				return &sdkSignUpOut{UserConfirmed: false, UserSub: "sub-" + *in.Username}, nil
			}),
			"InitiateAuth": cognito.Bind(func(_ context.Context, in *sdkInitiateAuthIn) (*struct{}, error) {
				if in.AuthParameters["USERNAME"] == "custom" {
					return nil, &cognito.Error{Type: "CognateCustomException", Message: "custom failure", Status: 400}
				}
				return nil, cognito.NotAuthorized("Incorrect username or password.")
			}),
			"AdminGetUser": cognito.Bind(func(_ context.Context, in *adminGetUserIn) (*sdkAdminGetUserOut, error) {
				return &sdkAdminGetUserOut{
					Username:       *in.Username,
					UserAttributes: []attrOut{{"email", "a@example.com"}},
					UserCreateDate: cognito.NewTime(created),
					Enabled:        true,
					UserStatus:     "CONFIRMED",
				}, nil
			}),
			"AdminDeleteUser": func(context.Context, []byte) (any, error) { return nil, nil },
		},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func sdkClient(url string, creds aws.CredentialsProvider) *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      creds,
		RetryMaxAttempts: 1,
	})
}

func TestRealSDKClient(t *testing.T) {
	srv := sdkServer(t)
	ctx := context.Background()
	anon := sdkClient(srv.URL, aws.AnonymousCredentials{})
	admin := sdkClient(srv.URL, credentials.NewStaticCredentialsProvider("AKIDCOGNATE", "s3cr3t", ""))

	t.Run("public success", func(t *testing.T) {
		out, err := anon.SignUp(ctx, &cip.SignUpInput{
			ClientId: aws.String("client1"), Username: aws.String("alice"), Password: aws.String("Passw0rd!"),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("a@b.co")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.UserSub) != "sub-alice" || out.UserConfirmed {
			t.Errorf("SignUp = %+v", out)
		}
	})

	t.Run("typed error", func(t *testing.T) {
		_, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String("client1"),
			AuthParameters: map[string]string{"USERNAME": "alice", "PASSWORD": "x"},
		})
		var na *types.NotAuthorizedException
		if !errors.As(err, &na) || na.ErrorMessage() != "Incorrect username or password." {
			t.Fatalf("err = %v, want *types.NotAuthorizedException", err)
		}
	})

	t.Run("unmodelled error code", func(t *testing.T) {
		_, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String("client1"),
			AuthParameters: map[string]string{"USERNAME": "custom"},
		})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "CognateCustomException" || api.ErrorMessage() != "custom failure" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("not implemented", func(t *testing.T) {
		_, err := anon.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String("t")})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "UnsupportedOperationException" ||
			api.ErrorMessage() != "Operation GetUser is not implemented by Cognate yet." {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("sigv4 success with timestamps", func(t *testing.T) {
		out, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Pool1"), Username: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		if out.UserCreateDate == nil || !out.UserCreateDate.Equal(created) {
			t.Errorf("UserCreateDate = %v, want %v", out.UserCreateDate, created)
		}
		if out.UserLastModifiedDate != nil {
			t.Errorf("zero UserLastModifiedDate was sent: %v", out.UserLastModifiedDate)
		}
		if aws.ToString(out.Username) != "alice" || !out.Enabled || out.UserStatus != types.UserStatusTypeConfirmed ||
			len(out.UserAttributes) != 1 || aws.ToString(out.UserAttributes[0].Value) != "a@example.com" {
			t.Errorf("AdminGetUser = %+v", out)
		}
	})

	t.Run("sigv4 empty output", func(t *testing.T) {
		if _, err := admin.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String("us-east-1_Pool1"), Username: aws.String("alice")}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sigv4 validation error", func(t *testing.T) {
		_, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("nounderscore"), Username: aws.String("alice")})
		var ip *types.InvalidParameterException
		if !errors.As(err, &ip) || ip.ErrorMessage() != "1 validation error detected: Value 'nounderscore' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("sigv4 unsigned", func(t *testing.T) {
		_, err := anon.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Pool1"), Username: aws.String("alice")})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "MissingAuthenticationTokenException" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("sigv4 wrong secret", func(t *testing.T) {
		bad := sdkClient(srv.URL, credentials.NewStaticCredentialsProvider("AKIDCOGNATE", "wrong", ""))
		_, err := bad.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Pool1"), Username: aws.String("alice")})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("sigv4 unknown key", func(t *testing.T) {
		bad := sdkClient(srv.URL, credentials.NewStaticCredentialsProvider("AKIDOTHER", "s3cr3t", ""))
		_, err := bad.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Pool1"), Username: aws.String("alice")})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "UnrecognizedClientException" ||
			api.ErrorMessage() != "The security token included in the request is invalid." {
			t.Fatalf("err = %v", err)
		}
	})
}
