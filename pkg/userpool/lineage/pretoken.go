package lineage

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// draft is a token pair before it is signed: what a pre-token-generation trigger may change.
type draft struct {
	idClaims     map[string]any
	accessClaims map[string]any
	groups       []string
	roles        []string
	preferred    string
	scopes       []string
}

const (
	claimRoles     = "cognito:roles"
	claimPreferred = "cognito:preferred_role"
)

func newDraft(groups []model.GroupType, idClaims map[string]any) *draft {
	names, extra := model.GroupClaims(groups)
	d := &draft{idClaims: idClaims, groups: names, scopes: []string{adminScope}}
	if r, ok := extra[claimRoles].([]string); ok {
		d.roles = r
	}
	if p, ok := extra[claimPreferred].(string); ok {
		d.preferred = p
	}
	d.setRoleClaims()
	return d
}

// setRoleClaims writes the roles into the ID token's claims as Cognito does.
func (d *draft) setRoleClaims() {
	delete(d.idClaims, claimRoles)
	delete(d.idClaims, claimPreferred)
	if len(d.roles) > 0 {
		d.idClaims[claimRoles] = d.roles
	}
	if d.preferred != "" {
		d.idClaims[claimPreferred] = d.preferred
	}
}

// overrideGroups applies a function's groupOverrideDetails when it gave any: it replaces
// cognito:groups in both tokens, and the roles (an empty override removes them).
func (d *draft) overrideGroups(groups, roles []string, preferred *string) {
	if groups == nil && roles == nil && preferred == nil {
		return
	}
	d.groups, d.roles, d.preferred = groups, roles, ""
	if preferred != nil {
		d.preferred = *preferred
	}
	d.setRoleClaims()
}

// edit adds, then suppresses, claims of one token (suppress beats add). Claims the token sets
// itself (sub, iss, exp, token_use, cognito:groups, ...) are left as they are.
func edit(claims map[string]any, use string, add map[string]any, suppress []string) map[string]any {
	if claims == nil && len(add) > 0 {
		claims = map[string]any{}
	}
	for k, v := range add {
		if !token.Reserved(use, k) {
			claims[k] = v
		}
	}
	for _, k := range suppress {
		if !token.Reserved(use, k) {
			delete(claims, k)
		}
	}
	return claims
}

// preTokenGeneration fires the pool's PreTokenGeneration trigger (src says for which step) and
// applies its answer to d: V1_0 may change the ID token's claims and the groups; V2_0 and V3_0
// the access token's claims and scopes too. A failure issues no token.
func (ls *Lineages) preTokenGeneration(ctx context.Context, p *model.Pool, c *model.Client, u *model.User, src trigger.Source, meta map[string]string, d *draft) error {
	call := triggers.Call{Source: src, UserName: u.Username, ClientID: c.ID}
	attrs := triggers.UserAttributes(u)
	var preferred *string
	if d.preferred != "" {
		preferred = &d.preferred
	}
	// Cognito sends empty lists, not null: functions read .length of them.
	groups, roles := d.groups, d.roles
	if groups == nil {
		groups = []string{}
	}
	if roles == nil {
		roles = []string{}
	}
	ev, err := ls.triggers.Run(ctx, p, call, func(ev any) {
		switch ev := ev.(type) {
		case *events.CognitoEventUserPoolsPreTokenGen:
			ev.Request.UserAttributes, ev.Request.ClientMetadata = attrs, meta
			ev.Request.GroupConfiguration = events.GroupConfiguration{GroupsToOverride: groups, IAMRolesToOverride: roles, PreferredRole: preferred}
		case *events.CognitoEventUserPoolsPreTokenGenV2_0:
			ev.Request.UserAttributes, ev.Request.ClientMetadata = attrs, meta
			ev.Request.Scopes = d.scopes
			ev.Request.GroupConfiguration = events.GroupConfigurationV2_0{GroupsToOverride: groups, IAMRolesToOverride: roles, PreferredRole: preferred}
		}
	})
	if err != nil || ev == nil {
		return err
	}
	switch ev := ev.(type) {
	case *events.CognitoEventUserPoolsPreTokenGen:
		o := ev.Response.ClaimsOverrideDetails
		g := o.GroupOverrideDetails
		d.overrideGroups(g.GroupsToOverride, g.IAMRolesToOverride, g.PreferredRole)
		add := make(map[string]any, len(o.ClaimsToAddOrOverride))
		for k, v := range o.ClaimsToAddOrOverride {
			add[k] = v
		}
		d.idClaims = edit(d.idClaims, token.UseID, add, o.ClaimsToSuppress)
	case *events.CognitoEventUserPoolsPreTokenGenV2_0:
		o := ev.Response.ClaimsAndScopeOverrideDetails
		g := o.GroupOverrideDetails
		d.overrideGroups(g.GroupsToOverride, g.IAMRolesToOverride, g.PreferredRole)
		d.idClaims = edit(d.idClaims, token.UseID, o.IDTokenGeneration.ClaimsToAddOrOverride, o.IDTokenGeneration.ClaimsToSuppress)
		a := o.AccessTokenGeneration
		d.accessClaims = edit(d.accessClaims, token.UseAccess, a.ClaimsToAddOrOverride, a.ClaimsToSuppress)
		for _, sc := range a.ScopesToAdd {
			if sc != "" && !slices.Contains(d.scopes, sc) {
				d.scopes = append(d.scopes, sc)
			}
		}
		d.scopes = slices.DeleteFunc(d.scopes, func(sc string) bool { return slices.Contains(a.ScopesToSuppress, sc) })
	}
	return nil
}

// scope is the access token's scope claim.
func (d *draft) scope() string { return strings.Join(d.scopes, " ") }
