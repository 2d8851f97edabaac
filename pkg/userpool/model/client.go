package model

import (
	"slices"
	"time"

	"github.com/cognatehq/cognate/pkg/cognito"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
)

// ClientRecord is an app client at rest: the wire shape without the secret, and the secret sealed.
type ClientRecord struct {
	Client       UserPoolClientType
	SealedSecret []byte `json:",omitempty"`
}

// Client is an app client as the service uses it, with its effective settings.
type Client struct {
	UserPoolClientType
	ID     string
	PoolID string
	Secret string
}

var defaultAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}

var allowFlows = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
	"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}

var legacyFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

// FlowEnabled tells whether the client allows an AuthFlow. Legacy flow lists (without ALLOW_)
// implicitly allow SRP and refresh, as Cognito did before the ALLOW_ names.
func (c *Client) FlowEnabled(allow string) bool {
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

func (c *Client) Units() TokenValidityUnitsType {
	if c.TokenValidityUnits != nil {
		return *c.TokenValidityUnits
	}
	return TokenValidityUnitsType{}
}

func (c *Client) AccessTTL() time.Duration {
	return time.Duration(c.AccessTokenValidity) * unitDuration(c.Units().AccessToken, time.Hour)
}

func (c *Client) IDTTL() time.Duration {
	return time.Duration(c.IdTokenValidity) * unitDuration(c.Units().IdToken, time.Hour)
}

func (c *Client) RefreshTTL() time.Duration {
	return time.Duration(c.RefreshTokenValidity) * unitDuration(c.Units().RefreshToken, 24*time.Hour)
}

func (c *Client) SessionTTL() time.Duration {
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

func (c *Client) HidesExistence() bool {
	return c.PreventUserExistenceErrors == "ENABLED"
}

// ApplyClientSettings copies settings with Cognito's defaults and checks them against the pool;
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

func (c *Client) Wire() *UserPoolClientType {
	out := c.UserPoolClientType
	out.ClientSecret = c.Secret
	return &out
}
