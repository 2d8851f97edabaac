package userpool

import (
	"context"

	"github.com/cognatehq/cognate/pkg/userpool/api"
)

// The sign-in operations are the sign-in pipeline's (pkg/userpool/signin): where each flow and
// challenge lives, the order of its phases, and its commit.

// InitiateAuth starts a sign-in for a public client.
func (s *Service) InitiateAuth(ctx context.Context, in *api.InitiateAuthInput) (*api.InitiateAuthOutput, error) {
	return s.signin.InitiateAuth(ctx, in)
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *Service) AdminInitiateAuth(ctx context.Context, in *api.AdminInitiateAuthInput) (*api.AdminInitiateAuthOutput, error) {
	return s.signin.AdminInitiateAuth(ctx, in)
}

// RespondToAuthChallenge answers a challenge for a public client.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in *api.RespondToAuthChallengeInput) (*api.RespondToAuthChallengeOutput, error) {
	return s.signin.RespondToAuthChallenge(ctx, in)
}

// AdminRespondToAuthChallenge answers a challenge from a trusted back end.
func (s *Service) AdminRespondToAuthChallenge(ctx context.Context, in *api.AdminRespondToAuthChallengeInput) (*api.AdminRespondToAuthChallengeOutput, error) {
	return s.signin.AdminRespondToAuthChallenge(ctx, in)
}
