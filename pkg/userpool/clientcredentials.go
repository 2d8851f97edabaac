package userpool

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/token"
)

// GrantError is a refusal of an OAuth 2.0 grant, in RFC 6749's terms: Code is the §5.2 error
// code (invalid_client, unauthorized_client, invalid_scope, ...), which the token endpoint
// (pkg/oauth) renders. The user pool decides; the endpoint only speaks the protocol.
type GrantError struct {
	Code        string
	Description string
}

func (e *GrantError) Error() string { return e.Code + ": " + e.Description }

// ClientCredentialsInput is a client_credentials grant as the token endpoint read it: the
// client's authentication and the scope parameter (Scope nil: none was sent).
type ClientCredentialsInput struct {
	ClientID     string
	ClientSecret string
	Scope        *string
}

// ClientCredentialsOutput is the token the grant yields.
type ClientCredentialsOutput struct {
	AccessToken string
	ExpiresIn   int
	Claims      *token.Claims
}

// ClientCredentials answers the client_credentials grant (cognito-protocol.md §8, §6.3): the
// client id names the client and so its pool; the secret must be the client's (compared in
// constant time); the client must allow OAuth and the client_credentials flow; the scopes asked
// for must be among its AllowedOAuthScopes (none asked: all of them). The access token is minted
// by the lineage room, PreTokenGeneration V3_0 included.
func (s *Service) ClientCredentials(ctx context.Context, in ClientCredentialsInput) (*ClientCredentialsOutput, error) {
	invalidClient := &GrantError{Code: "invalid_client", Description: "Client authentication failed."}
	if in.ClientID == "" || len(in.ClientID) > 128 {
		return nil, invalidClient
	}
	c, p, err := s.dir.Client(ctx, in.ClientID)
	if errors.Is(err, cognito.ErrResourceNotFound) {
		return nil, invalidClient
	}
	if err != nil {
		return nil, err
	}
	if c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(in.ClientSecret)) != 1 {
		return nil, invalidClient
	}
	if !c.AllowedOAuthFlowsUserPoolClient || !slices.Contains(c.AllowedOAuthFlows, "client_credentials") {
		return nil, &GrantError{Code: "unauthorized_client", Description: "The client is not allowed the client_credentials grant."}
	}
	scopes := slices.Clone(c.AllowedOAuthScopes)
	if in.Scope != nil {
		scopes = nil
		for _, sc := range strings.Fields(*in.Scope) {
			if !slices.Contains(c.AllowedOAuthScopes, sc) {
				return nil, &GrantError{Code: "invalid_scope", Description: "Invalid scope requested."}
			}
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		if len(scopes) == 0 {
			scopes = slices.Clone(c.AllowedOAuthScopes)
		}
	}
	t, err := s.lineages.MintClientCredentials(ctx, p, c, scopes)
	if err != nil {
		return nil, err
	}
	return &ClientCredentialsOutput{AccessToken: t.AccessToken, ExpiresIn: t.ExpiresIn, Claims: t.AccessClaims}, nil
}
