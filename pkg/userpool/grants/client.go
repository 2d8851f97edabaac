package grants

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/userpool/model"
)

// AuthenticateClient is client authentication at the token and revocation endpoints (RFC 6749
// §2.3): the client id names the client and so its pool; a client with a secret must present
// it (compared in constant time), a client without one must present none.
func (g *Grants) AuthenticateClient(ctx context.Context, id, secret string) (*model.Client, *model.Pool, error) {
	invalid := refuse("invalid_client", "Client authentication failed.")
	if id == "" || len(id) > 128 {
		return nil, nil, invalid
	}
	c, p, err := g.dir.Client(ctx, id)
	if errors.Is(err, cognito.ErrResourceNotFound) {
		return nil, nil, invalid
	}
	if err != nil {
		return nil, nil, err
	}
	if c.Secret == "" {
		if secret != "" {
			return nil, nil, invalid
		}
		return c, p, nil
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return nil, nil, invalid
	}
	return c, p, nil
}

// ClientCredentials answers the client_credentials grant (cognito-protocol.md §8, §6.3): a
// client with a secret, allowed OAuth and the client_credentials flow; the scopes asked for
// must be among its AllowedOAuthScopes (none asked: all of them). The access token is minted by
// the lineage room, PreTokenGeneration V3_0 included.
func (g *Grants) ClientCredentials(ctx context.Context, id, secret string, scope *string) (token.Tokens, error) {
	c, p, err := g.AuthenticateClient(ctx, id, secret)
	if err != nil {
		return token.Tokens{}, err
	}
	if c.Secret == "" {
		return token.Tokens{}, refuse("invalid_client", "Client authentication failed.")
	}
	if !c.AllowedOAuthFlowsUserPoolClient || !slices.Contains(c.AllowedOAuthFlows, "client_credentials") {
		return token.Tokens{}, refuse("unauthorized_client", "The client is not allowed the client_credentials grant.")
	}
	scopes := slices.Clone(c.AllowedOAuthScopes)
	if scope != nil {
		scopes = nil
		for _, sc := range strings.Fields(*scope) {
			if !slices.Contains(c.AllowedOAuthScopes, sc) {
				return token.Tokens{}, refuse("invalid_scope", "Invalid scope requested.")
			}
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
		if len(scopes) == 0 {
			scopes = slices.Clone(c.AllowedOAuthScopes)
		}
	}
	return g.lineages.MintClientCredentials(ctx, p, c, scopes)
}
