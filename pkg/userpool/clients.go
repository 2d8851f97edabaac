package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/cognatehq/cognate/pkg/userpool/msg"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// clientRecord is an app client at rest: the wire shape without the secret, and the secret sealed.
type ClientRecord struct {
	Client       UserPoolClientType
	SealedSecret []byte `json:",omitempty"`
}

// clientState is an app client as the service uses it, with its effective settings.
type Client struct {
	UserPoolClientType
	ID     string
	PoolID string
	Secret string
}

var DefaultAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}

var AllowFlows = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
	"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
var LegacyFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

// flowEnabled tells whether the client allows an AuthFlow. Legacy flow lists (without ALLOW_)
// implicitly allow SRP and refresh, as Cognito did before the ALLOW_ names.
func (c *Client) FlowEnabled(allow string) bool {
	flows := c.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = DefaultAuthFlows
	}
	if slices.Contains(flows, allow) {
		return true
	}
	legacy := false
	for _, f := range flows {
		if slices.Contains(LegacyFlows, f) {
			legacy = true
		}
	}
	if !legacy {
		return false
	}
	switch allow {
	case "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH":
		return !slices.Contains(flows, "CUSTOM_AUTH_FLOW_ONLY")
	case "ALLOW_ADMIN_USER_PASSWORD_AUTH":
		return slices.Contains(flows, "ADMIN_NO_SRP_AUTH")
	case "ALLOW_USER_PASSWORD_AUTH":
		return slices.Contains(flows, "USER_PASSWORD_AUTH")
	case "ALLOW_CUSTOM_AUTH":
		return slices.Contains(flows, "CUSTOM_AUTH_FLOW_ONLY")
	}
	return false
}

func UnitDuration(unit string, def time.Duration) time.Duration {
	switch unit {
	case "seconds":
		return time.Second
	case "minutes":
		return time.Minute
	case "hours":
		return time.Hour
	case "days":
		return 24 * time.Hour
	}
	return def
}

func (c *Client) Units() TokenValidityUnitsType {
	if c.TokenValidityUnits != nil {
		return *c.TokenValidityUnits
	}
	return TokenValidityUnitsType{}
}

func (c *Client) AccessTTL() time.Duration {
	return time.Duration(c.AccessTokenValidity) * UnitDuration(c.Units().AccessToken, time.Hour)
}

func (c *Client) IDTTL() time.Duration {
	return time.Duration(c.IdTokenValidity) * UnitDuration(c.Units().IdToken, time.Hour)
}

func (c *Client) RefreshTTL() time.Duration {
	return time.Duration(c.RefreshTokenValidity) * UnitDuration(c.Units().RefreshToken, 24*time.Hour)
}

func (c *Client) SessionTTL() time.Duration {
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

func (c *Client) HidesExistence() bool {
	return c.PreventUserExistenceErrors == "ENABLED"
}

// client loads an app client by id with its pool, or answers ResourceNotFoundException.
func (s *Service) client(ctx context.Context, id string) (*Client, *Pool, error) {
	c, ok := cacheGet(s.cache, s.cache.clients, id, s.now())
	if !ok {
		sc, err := s.repo.GetClient(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, msg.ClientNotFound(id)
		}
		if err != nil {
			return nil, nil, msg.Internal(err)
		}
		if c, err = s.decodeClient(ctx, sc); err != nil {
			return nil, nil, msg.Internal(err)
		}
		cachePut(s.cache, &s.cache.clients, id, c, s.now())
	}
	p, err := s.pool(ctx, c.PoolID)
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil, nil, msg.ClientNotFound(id)
		}
		return nil, nil, err
	}
	return c, p, nil
}

// poolClient loads a client that must belong to the given pool (admin operations name both).
func (s *Service) poolClient(ctx context.Context, poolID, clientID string) (*Client, *Pool, error) {
	p, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	c, _, err := s.client(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	if c.PoolID != poolID {
		return nil, nil, msg.ClientNotFound(clientID)
	}
	return c, p, nil
}

func (s *Service) decodeClient(ctx context.Context, sc *store.Client) (*Client, error) {
	var rec ClientRecord
	if err := json.Unmarshal(sc.Data, &rec); err != nil {
		return nil, err
	}
	c := &Client{UserPoolClientType: rec.Client, ID: sc.ID, PoolID: sc.PoolID}
	if len(rec.SealedSecret) > 0 {
		sec, err := s.sealer.Open(ctx, rec.SealedSecret, []byte("cognate/client-secret/"+sc.ID))
		if err != nil {
			return nil, err
		}
		c.Secret = string(sec)
	}
	return c, nil
}

func (s *Service) encodeClient(ctx context.Context, c *Client) ([]byte, error) {
	rec := ClientRecord{Client: c.UserPoolClientType}
	rec.Client.ClientSecret = ""
	if c.Secret != "" {
		sealed, err := s.sealer.Seal(ctx, []byte(c.Secret), []byte("cognate/client-secret/"+c.ID))
		if err != nil {
			return nil, err
		}
		rec.SealedSecret = sealed
	}
	return json.Marshal(rec)
}

// applyClientSettings copies settings with Cognito's defaults and checks them against the pool;
// verb ("creating", "updating") is the operation as Cognito's messages name it.
func ApplyClientSettings(c *UserPoolClientType, in *ClientSettings, p *Pool, verb string) error {
	c.ClientName = in.ClientName
	c.RefreshTokenValidity = in.RefreshTokenValidity
	c.TokenValidityUnits = in.TokenValidityUnits
	units := TokenValidityUnitsType{}
	if in.TokenValidityUnits != nil {
		units = *in.TokenValidityUnits
	}
	if in.AccessTokenValidity != nil {
		c.AccessTokenValidity = *in.AccessTokenValidity
	} else {
		c.AccessTokenValidity = 60
		units.AccessToken = "minutes"
	}
	if in.IdTokenValidity != nil {
		c.IdTokenValidity = *in.IdTokenValidity
	} else {
		c.IdTokenValidity = 60
		units.IdToken = "minutes"
	}
	if c.RefreshTokenValidity == 0 {
		c.RefreshTokenValidity = 30
		units.RefreshToken = "days"
	}
	if units.AccessToken == "" {
		units.AccessToken = "hours"
	}
	if units.IdToken == "" {
		units.IdToken = "hours"
	}
	if units.RefreshToken == "" {
		units.RefreshToken = "days"
	}
	c.TokenValidityUnits = &units
	cs := Client{UserPoolClientType: *c}
	if a := cs.AccessTTL(); a < 5*time.Minute || a > 24*time.Hour {
		return msg.InvalidTokenValidity()
	}
	if a := cs.IDTTL(); a < 5*time.Minute || a > 24*time.Hour {
		return msg.InvalidTokenValidity()
	}
	if r := cs.RefreshTTL(); r < time.Hour || r > 3650*24*time.Hour {
		return msg.InvalidTokenValidity()
	}
	if cs.RefreshTTL() <= cs.AccessTTL() || cs.RefreshTTL() <= cs.IDTTL() {
		return cognito.InvalidParameter("Refresh token validity must be greater than the validity of the ID and access tokens.")
	}
	// Developer-only attributes are for administrators alone: no client may be granted them.
	for _, a := range in.ReadAttributes {
		if _, ok := p.Schema[a]; !ok || DeveloperOnly(a) {
			return cognito.InvalidParameter("Invalid read attributes specified while %s a client", verb)
		}
	}
	for _, a := range in.WriteAttributes {
		if _, ok := p.Schema[a]; !ok || DeveloperOnly(a) || a == "sub" || a == "email_verified" || a == "phone_number_verified" {
			return cognito.InvalidParameter("Invalid write attributes specified while %s a client", verb)
		}
	}
	c.ReadAttributes = in.ReadAttributes
	c.WriteAttributes = in.WriteAttributes
	hasAllow, hasLegacy := false, false
	for _, f := range in.ExplicitAuthFlows {
		switch {
		case slices.Contains(AllowFlows, f):
			hasAllow = true
		case slices.Contains(LegacyFlows, f):
			hasLegacy = true
		default:
			return cognito.InvalidParameter("1 validation error detected: Value '[%s]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_CUSTOM_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_AUTH]]", f)
		}
	}
	if hasAllow && hasLegacy {
		return cognito.InvalidParameter("ExplicitAuthFlows can not have both ALLOW_ prefixed and un-prefixed values.")
	}
	c.ExplicitAuthFlows = in.ExplicitAuthFlows
	if len(c.ExplicitAuthFlows) == 0 {
		c.ExplicitAuthFlows = slices.Clone(DefaultAuthFlows)
	}
	c.SupportedIdentityProviders = in.SupportedIdentityProviders
	c.CallbackURLs = in.CallbackURLs
	c.LogoutURLs = in.LogoutURLs
	c.DefaultRedirectURI = in.DefaultRedirectURI
	c.AllowedOAuthFlows = in.AllowedOAuthFlows
	c.AllowedOAuthScopes = in.AllowedOAuthScopes
	c.AllowedOAuthFlowsUserPoolClient = in.AllowedOAuthFlowsUserPoolClient
	c.AnalyticsConfiguration = in.AnalyticsConfiguration
	c.PreventUserExistenceErrors = in.PreventUserExistenceErrors
	if c.PreventUserExistenceErrors == "" {
		c.PreventUserExistenceErrors = "LEGACY"
	}
	c.EnableTokenRevocation = in.EnableTokenRevocation
	if c.EnableTokenRevocation == nil {
		c.EnableTokenRevocation = Ptr(true)
	}
	c.EnablePropagateAdditionalUserContextData = in.EnablePropagateAdditionalUserContextData
	if c.EnablePropagateAdditionalUserContextData == nil {
		c.EnablePropagateAdditionalUserContextData = Ptr(false)
	}
	c.AuthSessionValidity = 3
	if in.AuthSessionValidity != nil {
		c.AuthSessionValidity = *in.AuthSessionValidity
	}
	c.RefreshTokenRotation = in.RefreshTokenRotation
	return nil
}

// CreateUserPoolClient creates an app client, with a generated secret when asked.
func (s *Service) CreateUserPoolClient(ctx context.Context, in *CreateUserPoolClientInput) (*CreateUserPoolClientOutput, error) {
	return s.CreateUserPoolClientWithID(ctx, "", in)
}

// CreateUserPoolClientWithID is CreateUserPoolClient with a chosen client id (for seed files);
// "" draws a random one.
func (s *Service) CreateUserPoolClientWithID(ctx context.Context, id string, in *CreateUserPoolClientInput) (*CreateUserPoolClientOutput, error) {
	p, err := s.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.ClientName == "" {
		return nil, cognito.InvalidParameter("1 validation error detected: Value null at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	if id == "" {
		if id, err = s.randomString(lowerAlnum, 26); err != nil {
			return nil, msg.Internal(err)
		}
	}
	now := s.now()
	c := &Client{ID: id, PoolID: p.Id, UserPoolClientType: UserPoolClientType{UserPoolId: p.Id, ClientId: id,
		CreationDate: wireTime(now), LastModifiedDate: wireTime(now)}}
	if err := ApplyClientSettings(&c.UserPoolClientType, &in.ClientSettings, p, "creating"); err != nil {
		return nil, err
	}
	switch {
	case in.ClientSecret != "":
		c.Secret = in.ClientSecret
	case in.GenerateSecret:
		if c.Secret, err = s.randomString(lowerAlnum, 51); err != nil {
			return nil, msg.Internal(err)
		}
	}
	data, err := s.encodeClient(ctx, c)
	if err != nil {
		return nil, msg.Internal(err)
	}
	if err := s.repo.CreateClient(ctx, &store.Client{ID: id, PoolID: p.Id, Data: data}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.PoolNotFound(in.UserPoolId)
		}
		if errors.Is(err, store.ErrExists) {
			return nil, cognito.InvalidParameter("User pool client %s already exists.", id)
		}
		return nil, msg.Internal(err)
	}
	return &CreateUserPoolClientOutput{UserPoolClient: c.Wire()}, nil
}

func (c *Client) Wire() *UserPoolClientType {
	out := c.UserPoolClientType
	out.ClientSecret = c.Secret
	return &out
}

// DescribeUserPoolClient returns an app client, secret included.
func (s *Service) DescribeUserPoolClient(ctx context.Context, in *DescribeUserPoolClientInput) (*DescribeUserPoolClientOutput, error) {
	c, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return &DescribeUserPoolClientOutput{UserPoolClient: c.Wire()}, nil
}

// UpdateUserPoolClient replaces the client's settings; omitted ones return to their defaults.
func (s *Service) UpdateUserPoolClient(ctx context.Context, in *UpdateUserPoolClientInput) (*UpdateUserPoolClientOutput, error) {
	defer s.cache.dropClient(in.ClientId)
	p, err := s.pool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	var out *UserPoolClientType
	_, err = s.repo.UpdateClient(ctx, in.ClientId, func(sc *store.Client) error {
		if sc.PoolID != p.Id {
			return msg.ClientNotFound(in.ClientId)
		}
		c, err := s.decodeClient(ctx, sc)
		if err != nil {
			return err
		}
		settings := in.ClientSettings
		if settings.ClientName == "" {
			settings.ClientName = c.ClientName
		}
		if err := ApplyClientSettings(&c.UserPoolClientType, &settings, p, "updating"); err != nil {
			return err
		}
		c.LastModifiedDate = wireTime(s.now())
		if sc.Data, err = s.encodeClient(ctx, c); err != nil {
			return err
		}
		out = c.Wire()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, msg.ClientNotFound(in.ClientId)
	}
	if err != nil {
		return nil, msg.Internal(err)
	}
	return &UpdateUserPoolClientOutput{UserPoolClient: out}, nil
}

// DeleteUserPoolClient deletes an app client.
func (s *Service) DeleteUserPoolClient(ctx context.Context, in *DeleteUserPoolClientInput) (*DeleteUserPoolClientOutput, error) {
	defer s.cache.dropClient(in.ClientId)
	if _, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	if err := s.repo.DeleteClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, msg.ClientNotFound(in.ClientId)
		}
		return nil, msg.Internal(err)
	}
	return &DeleteUserPoolClientOutput{}, nil
}

// ListUserPoolClients pages through a pool's app clients.
func (s *Service) ListUserPoolClients(ctx context.Context, in *ListUserPoolClientsInput) (*ListUserPoolClientsOutput, error) {
	if _, err := s.pool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	scope := "clients/" + in.UserPoolId
	cursor, err := s.openPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	limit := int(in.MaxResults)
	if limit == 0 {
		limit = 60
	}
	clients, next, err := s.repo.ListClients(ctx, in.UserPoolId, cursor, limit)
	if err != nil {
		return nil, pageErr(err)
	}
	out := &ListUserPoolClientsOutput{UserPoolClients: []UserPoolClientDescription{}, NextToken: s.pageToken(next, scope)}
	for _, sc := range clients {
		var rec ClientRecord
		if err := json.Unmarshal(sc.Data, &rec); err != nil {
			return nil, msg.Internal(err)
		}
		out.UserPoolClients = append(out.UserPoolClients, UserPoolClientDescription{ClientId: sc.ID, UserPoolId: sc.PoolID, ClientName: rec.Client.ClientName})
	}
	return out, nil
}
