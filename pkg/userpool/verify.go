package userpool

import (
	"context"

	"github.com/cognatehq/cognate/pkg/token"
)

// VerifyAccessToken authenticates an access token exactly as the access-token operations do —
// our signature with this pool's key, issuer, token_use, expiry, scope, revocation and the
// user's state — for resource servers such as the API Gateway authorizer. The claims may be
// shared with other calls presenting the same token (token.Issuer.Verify): do not modify them.
func (s *Service) VerifyAccessToken(ctx context.Context, raw string) (*token.Claims, error) {
	a, err := s.lineages.Authenticate(ctx, raw)
	if err != nil {
		return nil, err
	}
	return a.Claims, nil
}
