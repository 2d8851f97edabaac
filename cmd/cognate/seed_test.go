package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cognatehq/cognate/pkg/app/local"
	"github.com/cognatehq/cognate/pkg/clock"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

func TestSeedFileIsAppliedOnceAndSignsIn(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`{"pools":[{"id":"us-east-1_Seeded001",
	  "pool":{"PoolName":"seeded","UsernameAttributes":["email"]},
	  "clients":[{"id":"seededclient00000000000001","client":{"ClientName":"web","ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}}],
	  "users":[{"username":"ann@example.com","password":"Seeded-Pass-1","attributes":{"email_verified":"true"}},
	           {"username":"tim@example.com","password":"Temp-Pass-123","temporary":true}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &serveConfig{addr: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"), seed: seed, region: "us-east-1", issuerBase: "http://127.0.0.1:0"}
	ctx := context.Background()
	for run := 0; run < 2; run++ { // a restart on the same data directory changes nothing
		l, err := openLocal(ctx, cfg, clock.System{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ready, err := prepare(ctx, l.app.Service, cfg)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if len(ready) != 2 || ready[0].PoolID != local.ReadyPoolID || ready[1].PoolID != "us-east-1_Seeded001" || ready[1].Clients[0] != "seededclient00000000000001" {
			t.Fatalf("run %d: ready pools %+v", run, ready)
		}
		svc := l.app.Service
		out, err := svc.InitiateAuth(ctx, &api.InitiateAuthInput{ClientId: "seededclient00000000000001", AuthFlow: "USER_PASSWORD_AUTH",
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "PASSWORD": "Seeded-Pass-1"}})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("run %d: seeded user cannot sign in: %v", run, err)
		}
		tim, err := svc.AdminGetUser(ctx, &api.AdminGetUserInput{UserPoolId: "us-east-1_Seeded001", Username: "tim@example.com"})
		if err != nil || tim.UserStatus != "FORCE_CHANGE_PASSWORD" {
			t.Fatalf("run %d: temporary seeded user: %+v %v", run, tim, err)
		}
		l.Close()
	}
}

func TestServeRefusesOpenAdminOffLoopback(t *testing.T) {
	_, err := openLocal(context.Background(), &serveConfig{addr: "0.0.0.0:9229", memory: true}, clock.System{}, nil)
	if err == nil {
		t.Fatal("listening beyond loopback without admin keys must be refused")
	}
}

// A data directory made before the hosted UI holds a ready client without OAuth settings: the
// next start gives it the hosted UI's settings (keeping its other settings), so the sign-in URL
// it prints works, and `Authorize` accepts the printed request.
func TestReadyClientGainsTheHostedUI(t *testing.T) {
	dir := t.TempDir()
	cfg := &serveConfig{addr: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"), region: "us-east-1", issuerBase: "http://127.0.0.1:0"}
	ctx := context.Background()
	l, err := openLocal(ctx, cfg, clock.System{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := local.ReadyPool(cfg.region) // as an earlier Cognate made it
	oc := &old.Clients[0].Client
	oc.AllowedOAuthFlowsUserPoolClient, oc.AllowedOAuthFlows, oc.AllowedOAuthScopes = false, nil, nil
	oc.CallbackURLs, oc.LogoutURLs, oc.SupportedIdentityProviders = nil, nil, nil
	thirty := int32(30)
	oc.AccessTokenValidity = &thirty
	oc.TokenValidityUnits = &model.TokenValidityUnitsType{AccessToken: "minutes"}
	if _, err := local.ApplySeed(ctx, l.app.Service, old); err != nil {
		t.Fatal(err)
	}
	l.Close()

	l, err = openLocal(ctx, cfg, clock.System{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := prepare(ctx, l.app.Service, cfg); err != nil {
		t.Fatal(err)
	}
	c, err := l.app.Service.DescribeUserPoolClient(ctx, &api.DescribeUserPoolClientInput{UserPoolId: local.ReadyPoolID, ClientId: local.ReadyClientID})
	if err != nil {
		t.Fatal(err)
	}
	uc := c.UserPoolClient
	if !uc.AllowedOAuthFlowsUserPoolClient || len(uc.CallbackURLs) == 0 || uc.AccessTokenValidity != 30 || len(uc.ExplicitAuthFlows) != len(oc.ExplicitAuthFlows) {
		t.Fatalf("the ready client after a restart: %+v", uc)
	}
}
