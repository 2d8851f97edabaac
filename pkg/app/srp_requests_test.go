package app_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/cognatehq/cognate/pkg/srp"
	"github.com/cognatehq/cognate/pkg/userpool/api"
)

// An SRP sign-in by email in an email-as-username pool is four store requests (docs/benchmarks.md):
// USER_SRP_AUTH reads the alias and the user; PASSWORD_VERIFIER counts the attempt while reading
// the user, then commits the outcome with the SECRET_BLOCK's used marker. The block carries the
// step, so issuing it writes nothing, with or without a Session.
func TestSRPSignInRequests(t *testing.T) {
	e, counted := startCounted(t)
	ctx := context.Background()
	svc := e.App.Service
	pool, client := emailPool(t, svc)
	up := &api.UpdateUserPoolClientInput{UserPoolId: pool, ClientId: client}
	up.ExplicitAuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	if _, err := svc.UpdateUserPoolClient(ctx, up); err != nil {
		t.Fatal(err)
	}
	password := "Correct-Horse-9"
	if _, err := svc.SignUp(ctx, &api.SignUpInput{ClientId: client, Username: "ann@example.com", Password: &password}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AdminConfirmSignUp(ctx, &api.AdminConfirmSignUpInput{UserPoolId: pool, Username: "ann@example.com"}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		counted.reset()
		c, err := srp.NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := svc.InitiateAuth(ctx, &api.InitiateAuthInput{ClientId: client, AuthFlow: "USER_SRP_AUTH",
			AuthParameters: map[string]string{"USERNAME": "ann@example.com", "SRP_A": c.SRPA()}})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Session != "" {
			t.Fatalf("PASSWORD_VERIFIER came with a Session")
		}
		p := ch.ChallengeParameters
		ts := srp.FormatTimestamp(e.Clock.Now())
		sig, err := c.PasswordClaim(srp.PoolName(pool), p["USER_ID_FOR_SRP"], password, srp.Challenge{Salt: p["SALT"], B: p["SRP_B"], SecretBlock: p["SECRET_BLOCK"]}, ts)
		if err != nil {
			t.Fatal(err)
		}
		out, err := svc.RespondToAuthChallenge(ctx, &api.RespondToAuthChallengeInput{ClientId: client, ChallengeName: "PASSWORD_VERIFIER",
			ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
				"PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": ts}})
		if err != nil || out.AuthenticationResult == nil {
			t.Fatalf("sign-in %d: %+v, %v", i, out, err)
		}
		if got := counted.requests(); got != 4 {
			t.Fatalf("SRP sign-in %d: %d store requests (gets %d, queries %d, writes %d, counted attempts %d), want 4", i, got,
				counted.gets.Load(), counted.queries.Load(), counted.writes.Load(), counted.counts.Load())
		}
	}
}
