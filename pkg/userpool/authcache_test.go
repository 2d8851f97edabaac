package userpool

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/api"

	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/envelope"
	"github.com/cognatehq/cognate/pkg/mail"
	"github.com/cognatehq/cognate/pkg/signer"
	"github.com/cognatehq/cognate/pkg/store/embedded"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// ---- the caches behind authenticate, end to end ----

type dropMail struct{}

func (dropMail) Send(context.Context, mail.Message) error { return nil }

// cacheFixture is a Service on a temporary embedded store with a fake clock, one pool, one client
// allowing USER_PASSWORD_AUTH, and a helper that creates and signs in users.
type cacheFixture struct {
	s      *Service
	clk    *clock.Fake
	pool   string
	client string
}

func newCacheFixture(t *testing.T) *cacheFixture {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	tbl, err := embedded.OpenTemp(clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	mk, err := envelope.NewLocalMasterKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealer := envelope.NewSealer(mk, rand.Reader)
	s, err := New(ctx, Config{IssuerBase: "http://127.0.0.1:9229"}, Deps{Table: tbl, Signer: signer.NewLocal(tbl, sealer, clk, rand.Reader),
		Sealer: sealer, Mail: dropMail{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateUserPool(ctx, &api.CreateUserPoolInput{PoolName: "cache"})
	if err != nil {
		t.Fatal(err)
	}
	cin := &api.CreateUserPoolClientInput{UserPoolId: p.UserPool.Id}
	cin.ClientName = "cache"
	cin.ExplicitAuthFlows = []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	c, err := s.CreateUserPoolClient(ctx, cin)
	if err != nil {
		t.Fatal(err)
	}
	return &cacheFixture{s: s, clk: clk, pool: p.UserPool.Id, client: c.UserPoolClient.ClientId}
}

const cachePassword = "Cache-Passw0rd!"

// user creates name and signs it in: its access and refresh tokens.
func (f *cacheFixture) user(t *testing.T, name string) (access, refresh string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.s.AdminCreateUser(ctx, &api.AdminCreateUserInput{UserPoolId: f.pool, Username: name, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AdminSetUserPassword(ctx, &api.AdminSetUserPasswordInput{UserPoolId: f.pool, Username: name, Password: cachePassword, Permanent: true}); err != nil {
		t.Fatal(err)
	}
	return f.signIn(t, name)
}

func (f *cacheFixture) signIn(t *testing.T, name string) (access, refresh string) {
	t.Helper()
	out, err := f.s.InitiateAuth(context.Background(), &api.InitiateAuthInput{AuthFlow: "USER_PASSWORD_AUTH", ClientId: f.client,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": cachePassword}})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("sign-in of %s: %+v, %v", name, out, err)
	}
	return out.AuthenticationResult.AccessToken, out.AuthenticationResult.RefreshToken
}

// getUser calls GetUser twice, so the second call is answered from the warm caches, and
// returns the second error.
func (f *cacheFixture) getUser(access string) error {
	ctx := context.Background()
	_, _ = f.s.GetUser(ctx, &api.GetUserInput{AccessToken: access})
	_, err := f.s.GetUser(ctx, &api.GetUserInput{AccessToken: access})
	return err
}

func wantNotAuthorized(t *testing.T, err error, msg string) {
	t.Helper()
	if ce := cognito.As(err); ce == nil || ce.Type != "NotAuthorizedException" || ce.Message != msg {
		t.Fatalf("err = %v, want NotAuthorizedException %q", err, msg)
	}
}

// Revocation takes effect on the very next call although the token's verification and the
// user's decoding are both cached.
func TestRevocationImmediateWithWarmCaches(t *testing.T) {
	ctx := context.Background()
	f := newCacheFixture(t)
	for name, revoke := range map[string]func(t *testing.T, user, access, refresh string){
		"GlobalSignOut": func(t *testing.T, _, access, _ string) {
			if _, err := f.s.GlobalSignOut(ctx, &api.GlobalSignOutInput{AccessToken: access}); err != nil {
				t.Fatal(err)
			}
		},
		"RevokeToken": func(t *testing.T, _, _, refresh string) {
			if _, err := f.s.RevokeToken(ctx, &api.RevokeTokenInput{ClientId: f.client, Token: refresh}); err != nil {
				t.Fatal(err)
			}
		},
		"AdminUserGlobalSignOut": func(t *testing.T, user, _, _ string) {
			if _, err := f.s.AdminUserGlobalSignOut(ctx, &api.AdminUserGlobalSignOutInput{UserPoolId: f.pool, Username: user}); err != nil {
				t.Fatal(err)
			}
		},
		"AdminDisableUser": func(t *testing.T, user, _, _ string) {
			if _, err := f.s.AdminDisableUser(ctx, &api.AdminDisableUserInput{UserPoolId: f.pool, Username: user}); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			user := "user-" + name
			access, refresh := f.user(t, user)
			if err := f.getUser(access); err != nil {
				t.Fatal(err)
			}
			revoke(t, user, access, refresh)
			_, err := f.s.GetUser(ctx, &api.GetUserInput{AccessToken: access})
			wantNotAuthorized(t, err, "Access Token has been revoked")
		})
	}
}

// Expiry is judged by the service's clock on every call, cached or not.
func TestAccessTokenExpiryWithWarmCaches(t *testing.T) {
	f := newCacheFixture(t)
	access, _ := f.user(t, "expiring")
	if err := f.getUser(access); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Hour - time.Second)
	if err := f.getUser(access); err != nil {
		t.Fatalf("a second before exp: %v", err)
	}
	f.clk.Advance(time.Second)
	wantNotAuthorized(t, f.getUser(access), "Access Token has expired")
}

// A change to the user (here an attribute) shows in the next GetUser.
func TestUserChangeVisibleWithWarmCaches(t *testing.T) {
	ctx := context.Background()
	f := newCacheFixture(t)
	access, _ := f.user(t, "changing")
	if err := f.getUser(access); err != nil {
		t.Fatal(err)
	}
	v := "Ada"
	if _, err := f.s.UpdateUserAttributes(ctx, &api.UpdateUserAttributesInput{AccessToken: access, UserAttributes: []model.AttributeType{{Name: "given_name", Value: &v}}}); err != nil {
		t.Fatal(err)
	}
	out, err := f.s.GetUser(ctx, &api.GetUserInput{AccessToken: access})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.UserAttributes {
		if a.Name == "given_name" && a.Value != nil && *a.Value == v {
			return
		}
	}
	t.Fatalf("GetUser after the change: %+v", out.UserAttributes)
}
