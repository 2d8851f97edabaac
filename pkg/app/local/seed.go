package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/cognatehq/cognate/pkg/cognito"
	"os"

	"github.com/cognatehq/cognate/pkg/userpool"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// SeedFile describes pools, clients and users to create at start (`cognate serve --seed`), so
// a team can reproduce a setup. Pool and client ids may be fixed; things that already exist are
// left alone.
//
//	{"pools": [{"id": "us-east-1_Example01", "pool": {CreateUserPool input},
//	  "clients": [{"id": "...26 chars...", "client": {CreateUserPoolClient input}}],
//	  "users": [{"username": "jane@example.com", "password": "...", "attributes": {"email": "..."}}]}]}
type SeedFile struct {
	Pools []SeedPool `json:"pools"`
}

// SeedPool is one pool of a seed, with its clients and users.
type SeedPool struct {
	ID      string                  `json:"id"`
	Pool    api.CreateUserPoolInput `json:"pool"`
	Clients []SeedClient            `json:"clients"`
	Users   []SeedUser              `json:"users"`
}

// SeedClient is one app client of a seeded pool.
type SeedClient struct {
	ID     string                        `json:"id"`
	Client api.CreateUserPoolClientInput `json:"client"`
}

// SeedUser is one user of a seeded pool.
type SeedUser struct {
	Username   string            `json:"username"`
	Password   string            `json:"password"`
	Attributes map[string]string `json:"attributes"`
	// Temporary leaves the user in FORCE_CHANGE_PASSWORD; the default is a confirmed user.
	Temporary bool `json:"temporary"`
}

// Seeded is what a seed pool became: its id and its clients' ids.
type Seeded struct {
	PoolID  string
	Name    string
	Clients []string
}

// The ready pool `cognate serve` creates on a first start, and the bench signs up into: email
// as username, case-insensitive, codes by email, and a public client that allows every password
// flow, with fixed ids so scripts can hard-code them.
const (
	ReadyPoolID   = "us-east-1_Cognate01"
	ReadyClientID = "cognatelocalclient00000001"
)

// ReadyPool is the ready pool of a region (ReadyPoolID in us-east-1).
func ReadyPool(region string) SeedPool {
	id := ReadyPoolID
	if region != "us-east-1" {
		id = region + "_Cognate01"
	}
	sp := SeedPool{
		ID: id,
		Pool: api.CreateUserPoolInput{PoolName: "cognate-local", UsernameAttributes: []string{"email"},
			UsernameConfiguration: &model.UsernameConfigurationType{CaseSensitive: ptr(false)}},
		Clients: []SeedClient{{ID: ReadyClientID}},
	}
	sp.Pool.AutoVerifiedAttributes = []string{"email"}
	sp.Clients[0].Client.ClientName = "cognate-local-client"
	sp.Clients[0].Client.ExplicitAuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH",
		"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH"}
	// The hosted UI, with the callback `cognate serve` answers (demo.go).
	sp.Clients[0].Client.AllowedOAuthFlowsUserPoolClient = true
	sp.Clients[0].Client.AllowedOAuthFlows = []string{"code"}
	sp.Clients[0].Client.AllowedOAuthScopes = []string{"openid", "email", "profile", "aws.cognito.signin.user.admin"}
	sp.Clients[0].Client.SupportedIdentityProviders = []string{"COGNITO"}
	sp.Clients[0].Client.CallbackURLs = demoCallbacks
	sp.Clients[0].Client.LogoutURLs = demoLogouts
	return sp
}

func ptr[T any](v T) *T { return &v }

// LoadSeed reads a seed file.
func LoadSeed(path string) (*SeedFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s SeedFile
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return &s, nil
}

// ApplySeed creates what of sp does not exist yet through the service.
func ApplySeed(ctx context.Context, svc *userpool.Service, sp SeedPool) (Seeded, error) {
	r := Seeded{PoolID: sp.ID, Name: sp.Pool.PoolName}
	if sp.ID == "" || !exists(svc.DescribeUserPool(ctx, &api.DescribeUserPoolInput{UserPoolId: sp.ID})) {
		out, err := svc.CreateUserPoolWithID(ctx, sp.ID, &sp.Pool)
		if err != nil {
			return r, fmt.Errorf("seed pool %q: %w", sp.Pool.PoolName, err)
		}
		r.PoolID = out.UserPool.Id
	}
	for _, sc := range sp.Clients {
		sc.Client.UserPoolId = r.PoolID
		if sc.ID != "" && exists(svc.DescribeUserPoolClient(ctx, &api.DescribeUserPoolClientInput{UserPoolId: r.PoolID, ClientId: sc.ID})) {
			r.Clients = append(r.Clients, sc.ID)
			continue
		}
		out, err := svc.CreateUserPoolClientWithID(ctx, sc.ID, &sc.Client)
		if err != nil {
			return r, fmt.Errorf("seed client %q: %w", sc.Client.ClientName, err)
		}
		r.Clients = append(r.Clients, out.UserPoolClient.ClientId)
	}
	for _, su := range sp.Users {
		if exists(svc.AdminGetUser(ctx, &api.AdminGetUserInput{UserPoolId: r.PoolID, Username: su.Username})) {
			continue
		}
		var attrs []model.AttributeType
		for k, v := range su.Attributes {
			attrs = append(attrs, model.AttributeType{Name: k, Value: ptr(v)})
		}
		if _, err := svc.AdminCreateUser(ctx, &api.AdminCreateUserInput{UserPoolId: r.PoolID, Username: su.Username,
			UserAttributes: attrs, TemporaryPassword: ptr(su.Password), MessageAction: "SUPPRESS"}); err != nil {
			return r, fmt.Errorf("seed user %q: %w", su.Username, err)
		}
		if !su.Temporary {
			if _, err := svc.AdminSetUserPassword(ctx, &api.AdminSetUserPasswordInput{UserPoolId: r.PoolID,
				Username: su.Username, Password: su.Password, Permanent: true}); err != nil {
				return r, fmt.Errorf("seed user %q: %w", su.Username, err)
			}
		}
	}
	return r, nil
}

func exists[T any](_ T, err error) bool { return err == nil }

// UpgradeReadyClient gives a ready client made before the hosted UI the hosted UI's settings
// (ReadyPool's OAuth flows, scopes, callback and logout URLs), keeping every other setting, so
// that the sign-in URL `cognate serve` prints works on an old data directory too. A client that
// already allows OAuth is left as it is; so is a ready pool or client that is not there.
func UpgradeReadyClient(ctx context.Context, svc *userpool.Service, region string) error {
	sp := ReadyPool(region)
	out, err := svc.DescribeUserPoolClient(ctx, &api.DescribeUserPoolClientInput{UserPoolId: sp.ID, ClientId: ReadyClientID})
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil
		}
		return err
	}
	c := out.UserPoolClient
	if c.AllowedOAuthFlowsUserPoolClient {
		return nil
	}
	// The described client's fields are the update's, by Cognito's names.
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	in := &api.UpdateUserPoolClientInput{UserPoolId: sp.ID, ClientId: ReadyClientID}
	if err := json.Unmarshal(raw, &in.ClientSettings); err != nil {
		return err
	}
	want := sp.Clients[0].Client
	in.AllowedOAuthFlowsUserPoolClient = want.AllowedOAuthFlowsUserPoolClient
	in.AllowedOAuthFlows, in.AllowedOAuthScopes = want.AllowedOAuthFlows, want.AllowedOAuthScopes
	in.SupportedIdentityProviders = want.SupportedIdentityProviders
	in.CallbackURLs, in.LogoutURLs = want.CallbackURLs, want.LogoutURLs
	if _, err := svc.UpdateUserPoolClient(ctx, in); err != nil {
		return fmt.Errorf("giving the ready client the hosted UI: %w", err)
	}
	return nil
}
