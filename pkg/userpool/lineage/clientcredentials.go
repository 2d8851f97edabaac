package lineage

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/trigger"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/triggers"
)

// MintClientCredentials signs the access token of the client_credentials grant (the token
// endpoint; cognito-protocol.md §6.3): sub and client_id are the client, scope the granted custom
// scopes, version 2, no user claims and no ID or refresh token. The pool's PreTokenGeneration
// trigger shapes it first when configured with LambdaVersion V3_0 (TokenGeneration_
// ClientCredentials is sent in no other version); its failure mints nothing. Nothing is written.
func (ls *Lineages) MintClientCredentials(ctx context.Context, p *model.Pool, c *model.Client, scopes []string) (token.Tokens, error) {
	d := &draft{scopes: slices.Clone(scopes)}
	if err := ls.preTokenClientCredentials(ctx, p, c, d); err != nil {
		return token.Tokens{}, err
	}
	now := ls.Now()
	t, err := ls.tokens.Issue(ctx, token.IssueInput{
		Issuer: ls.Issuer(p.Id), PoolID: p.Id, ClientID: c.ID, Subject: c.ID,
		Scope: strings.Join(d.scopes, " "), AuthTime: now, AccessTTL: c.AccessTTL(), AccessVersion: 2,
		AccessClaims: d.accessClaims, ClientCredentials: true,
	})
	if err != nil {
		return token.Tokens{}, msg.Internal(err)
	}
	return t, nil
}

// preTokenClientCredentials fires TokenGeneration_ClientCredentials. The event is the V2_0/V3_0
// shape; there is no user, so userName is the client id (the token's sub) and userAttributes is
// empty, and there are no groups. Only accessTokenGeneration is applied: there is no ID token.
func (ls *Lineages) preTokenClientCredentials(ctx context.Context, p *model.Pool, c *model.Client, d *draft) error {
	call := triggers.Call{Source: trigger.TokenGenerationClientCredentials, UserName: c.ID, ClientID: c.ID}
	ev, err := ls.triggers.Run(ctx, p, call, func(ev any) {
		if ev, ok := ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0); ok {
			ev.Request.UserAttributes = map[string]string{}
			ev.Request.Scopes = slices.Clone(d.scopes)
			ev.Request.GroupConfiguration = events.GroupConfigurationV2_0{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}}
		}
	})
	if err != nil || ev == nil {
		return err
	}
	v, ok := ev.(*events.CognitoEventUserPoolsPreTokenGenV2_0)
	if !ok {
		return nil
	}
	a := v.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration
	d.accessClaims = edit(d.accessClaims, token.UseAccess, a.ClaimsToAddOrOverride, a.ClaimsToSuppress)
	for _, sc := range a.ScopesToAdd {
		if sc != "" && !slices.Contains(d.scopes, sc) {
			d.scopes = append(d.scopes, sc)
		}
	}
	d.scopes = slices.DeleteFunc(d.scopes, func(sc string) bool { return slices.Contains(a.ScopesToSuppress, sc) })
	return nil
}
