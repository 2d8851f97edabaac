package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/store"
)

// clientRecord is an app client at rest: the wire shape without the secret, and the secret sealed.
type clientRecord struct {
	Client       UserPoolClientType
	SealedSecret []byte `json:",omitempty"`
}

// clientState is an app client as the service uses it, with its effective settings.
type clientState struct {
	UserPoolClientType
	ID     string
	PoolID string
	secret string
}

var defaultAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}

var allowFlows = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
	"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
var legacyFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

// flowEnabled tells whether the client allows an AuthFlow. Legacy flow lists (without ALLOW_)
// implicitly allow SRP and refresh, as Cognito did before the ALLOW_ names.
func (c *clientState) flowEnabled(allow string) bool {
	flows := c.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = defaultAuthFlows
	}
	if slices.Contains(flows, allow) {
		return true
	}
	legacy := false
	for _, f := range flows {
		if slices.Contains(legacyFlows, f) {
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

func unitDuration(unit string, def time.Duration) time.Duration {
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

func (c *clientState) units() TokenValidityUnitsType {
	if c.TokenValidityUnits != nil {
		return *c.TokenValidityUnits
	}
	return TokenValidityUnitsType{}
}

func (c *clientState) accessTTL() time.Duration {
	return time.Duration(c.AccessTokenValidity) * unitDuration(c.units().AccessToken, time.Hour)
}

func (c *clientState) idTTL() time.Duration {
	return time.Duration(c.IdTokenValidity) * unitDuration(c.units().IdToken, time.Hour)
}

func (c *clientState) refreshTTL() time.Duration {
	return time.Duration(c.RefreshTokenValidity) * unitDuration(c.units().RefreshToken, 24*time.Hour)
}

func (c *clientState) sessionTTL() time.Duration {
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

func (c *clientState) preventUserExistenceErrors() bool {
	return c.PreventUserExistenceErrors == "ENABLED"
}

// client loads an app client by id with its pool, or answers ResourceNotFoundException.
func (s *Service) client(ctx context.Context, id string) (*clientState, *poolState, error) {
	c, ok := cacheGet(s.cache, s.cache.clients, id, s.now())
	if !ok {
		sc, err := s.repo.GetClient(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, clientNotFound(id)
		}
		if err != nil {
			return nil, nil, internal(err)
		}
		if c, err = s.decodeClient(ctx, sc); err != nil {
			return nil, nil, internal(err)
		}
		cachePut(s.cache, &s.cache.clients, id, c, s.now())
	}
	p, err := s.pool(ctx, c.PoolID)
	if err != nil {
		if errors.Is(err, cognito.ErrResourceNotFound) {
			return nil, nil, clientNotFound(id)
		}
		return nil, nil, err
	}
	return c, p, nil
}

// poolClient loads a client that must belong to the given pool (admin operations name both).
func (s *Service) poolClient(ctx context.Context, poolID, clientID string) (*clientState, *poolState, error) {
	p, err := s.pool(ctx, poolID)
	if err != nil {
		return nil, nil, err
	}
	c, _, err := s.client(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	if c.PoolID != poolID {
		return nil, nil, clientNotFound(clientID)
	}
	return c, p, nil
}

func (s *Service) decodeClient(ctx context.Context, sc *store.Client) (*clientState, error) {
	var rec clientRecord
	if err := json.Unmarshal(sc.Data, &rec); err != nil {
		return nil, err
	}
	c := &clientState{UserPoolClientType: rec.Client, ID: sc.ID, PoolID: sc.PoolID}
	if len(rec.SealedSecret) > 0 {
		sec, err := s.sealer.Open(ctx, rec.SealedSecret, []byte("cognate/client-secret/"+sc.ID))
		if err != nil {
			return nil, err
		}
		c.secret = string(sec)
	}
	return c, nil
}

func (s *Service) encodeClient(ctx context.Context, c *clientState) ([]byte, error) {
	rec := clientRecord{Client: c.UserPoolClientType}
	rec.Client.ClientSecret = ""
	if c.secret != "" {
		sealed, err := s.sealer.Seal(ctx, []byte(c.secret), []byte("cognate/client-secret/"+c.ID))
		if err != nil {
			return nil, err
		}
		rec.SealedSecret = sealed
	}
	return json.Marshal(rec)
}

// applyClientSettings copies settings with Cognito's defaults and checks them against the pool;
// verb ("creating", "updating") is the operation as Cognito's messages name it.
func applyClientSettings(c *UserPoolClientType, in *clientSettings, p *poolState, verb string) error {
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
	cs := clientState{UserPoolClientType: *c}
	if a := cs.accessTTL(); a < 5*time.Minute || a > 24*time.Hour {
		return invalidTokenValidity()
	}
	if a := cs.idTTL(); a < 5*time.Minute || a > 24*time.Hour {
		return invalidTokenValidity()
	}
	if r := cs.refreshTTL(); r < time.Hour || r > 3650*24*time.Hour {
		return invalidTokenValidity()
	}
	if cs.refreshTTL() <= cs.accessTTL() || cs.refreshTTL() <= cs.idTTL() {
		return cognito.InvalidParameter("Refresh token validity must be greater than the validity of the ID and access tokens.")
	}
	// Developer-only attributes are for administrators alone: no client may be granted them.
	for _, a := range in.ReadAttributes {
		if _, ok := p.schema[a]; !ok || developerOnly(a) {
			return cognito.InvalidParameter("Invalid read attributes specified while %s a client", verb)
		}
	}
	for _, a := range in.WriteAttributes {
		if _, ok := p.schema[a]; !ok || developerOnly(a) || a == "sub" || a == "email_verified" || a == "phone_number_verified" {
			return cognito.InvalidParameter("Invalid write attributes specified while %s a client", verb)
		}
	}
	c.ReadAttributes = in.ReadAttributes
	c.WriteAttributes = in.WriteAttributes
	hasAllow, hasLegacy := false, false
	for _, f := range in.ExplicitAuthFlows {
		switch {
		case slices.Contains(allowFlows, f):
			hasAllow = true
		case slices.Contains(legacyFlows, f):
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
		c.ExplicitAuthFlows = slices.Clone(defaultAuthFlows)
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
		c.EnableTokenRevocation = ptr(true)
	}
	c.EnablePropagateAdditionalUserContextData = in.EnablePropagateAdditionalUserContextData
	if c.EnablePropagateAdditionalUserContextData == nil {
		c.EnablePropagateAdditionalUserContextData = ptr(false)
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
			return nil, internal(err)
		}
	}
	now := s.now()
	c := &clientState{ID: id, PoolID: p.Id, UserPoolClientType: UserPoolClientType{UserPoolId: p.Id, ClientId: id,
		CreationDate: wireTime(now), LastModifiedDate: wireTime(now)}}
	if err := applyClientSettings(&c.UserPoolClientType, &in.clientSettings, p, "creating"); err != nil {
		return nil, err
	}
	switch {
	case in.ClientSecret != "":
		c.secret = in.ClientSecret
	case in.GenerateSecret:
		if c.secret, err = s.randomString(lowerAlnum, 51); err != nil {
			return nil, internal(err)
		}
	}
	data, err := s.encodeClient(ctx, c)
	if err != nil {
		return nil, internal(err)
	}
	if err := s.repo.CreateClient(ctx, &store.Client{ID: id, PoolID: p.Id, Data: data}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, poolNotFound(in.UserPoolId)
		}
		if errors.Is(err, store.ErrExists) {
			return nil, cognito.InvalidParameter("User pool client %s already exists.", id)
		}
		return nil, internal(err)
	}
	return &CreateUserPoolClientOutput{UserPoolClient: c.wire()}, nil
}

func (c *clientState) wire() *UserPoolClientType {
	out := c.UserPoolClientType
	out.ClientSecret = c.secret
	return &out
}

// DescribeUserPoolClient returns an app client, secret included.
func (s *Service) DescribeUserPoolClient(ctx context.Context, in *DescribeUserPoolClientInput) (*DescribeUserPoolClientOutput, error) {
	c, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return &DescribeUserPoolClientOutput{UserPoolClient: c.wire()}, nil
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
			return clientNotFound(in.ClientId)
		}
		c, err := s.decodeClient(ctx, sc)
		if err != nil {
			return err
		}
		settings := in.clientSettings
		if settings.ClientName == "" {
			settings.ClientName = c.ClientName
		}
		if err := applyClientSettings(&c.UserPoolClientType, &settings, p, "updating"); err != nil {
			return err
		}
		c.LastModifiedDate = wireTime(s.now())
		if sc.Data, err = s.encodeClient(ctx, c); err != nil {
			return err
		}
		out = c.wire()
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, clientNotFound(in.ClientId)
	}
	if err != nil {
		return nil, internal(err)
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
			return nil, clientNotFound(in.ClientId)
		}
		return nil, internal(err)
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
		var rec clientRecord
		if err := json.Unmarshal(sc.Data, &rec); err != nil {
			return nil, internal(err)
		}
		out.UserPoolClients = append(out.UserPoolClients, UserPoolClientDescription{ClientId: sc.ID, UserPoolId: sc.PoolID, ClientName: rec.Client.ClientName})
	}
	return out, nil
}
