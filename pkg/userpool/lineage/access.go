package lineage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// Caller is the result of authenticating an access token.
type Caller struct {
	Pool   *model.Pool
	User   *model.User
	Claims *token.Claims
}

// peekIssuer reads the unverified iss claim only to pick the pool whose keys will verify the
// token; nothing else from an unverified token is used.
func peekIssuer(raw string) string {
	if len(raw) > 8192 {
		return ""
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	return c.Iss
}

// Authenticate verifies an access token for the access-token operations: our signature, this
// pool's key, iss, token_use, exp, scope, then revocation and the user's state (JWT-02..04,
// SES-01).
func (ls *Lineages) Authenticate(ctx context.Context, raw string) (*Caller, error) {
	return ls.AuthenticateFor(ctx, raw, adminScope)
}

// AuthenticateFor is Authenticate for an access token that must carry scope (userInfo's
// openid) instead of the user API's; scope "" asks for none, as a resource server checks its
// own (AuthenticateResource).
func (ls *Lineages) AuthenticateFor(ctx context.Context, raw, scope string) (*Caller, error) {
	invalid := cognito.NotAuthorized("Invalid Access Token")
	iss, known := ls.tokens.KnownIssuer(raw) // a token verified before: no need to parse it again
	if !known {
		iss = peekIssuer(raw)
	}
	prefix := ls.issuerBase + "/"
	if !strings.HasPrefix(iss, prefix) {
		return nil, invalid
	}
	poolID := strings.TrimPrefix(iss, prefix)
	p, err := ls.dir.Pool(ctx, poolID)
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil, invalid
		}
		return nil, err
	}
	claims, err := ls.tokens.Verify(ctx, raw, token.Expect{Issuer: ls.Issuer(p.Id), PoolID: p.Id, TokenUse: "access"})
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, cognito.NotAuthorized("Access Token has expired")
	case errors.Is(err, token.ErrInvalid):
		return nil, invalid
	case err != nil:
		return nil, msg.Internal(err)
	}
	if scope != "" && !slices.Contains(strings.Fields(claims.Scope), scope) {
		return nil, msg.MissingScope()
	}
	if claims.ClientCredentials() {
		if scope != "" {
			return nil, invalid // no user: no user operation, no userInfo
		}
		// A machine's token stands while its client does (Caller.User nil).
		if _, _, err := ls.dir.PoolClient(ctx, p.Id, claims.ClientID); err != nil {
			if errors.Is(err, cognito.ErrResourceNotFound) {
				return nil, invalid
			}
			return nil, err
		}
		return &Caller{Pool: p, Claims: claims}, nil
	}
	su, err := ls.Repo.GetUser(ctx, p.Id, model.UserKey(p, claims.Username))
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.UserNotFound()
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	u, err := ls.dir.DecodeUser(su) // decodeUser, without unmarshalling an unchanged record again
	if err != nil {
		return nil, msg.Internal(err)
	}
	if u.Sub() != claims.Subject {
		return nil, invalid
	}
	created, ok := timeOf(claims.OriginJTI)
	if !ok {
		created = claims.IssuedAt.UnixMilli()
	}
	if revoked(u, claims.OriginJTI, created) {
		return nil, cognito.NotAuthorized("Access Token has been revoked")
	}
	if !u.Enabled {
		return nil, msg.UserDisabled()
	}
	return &Caller{Pool: p, User: u, Claims: claims}, nil
}
