package account

import (
	"context"
	"strconv"

	"github.com/cognatehq/cognate/pkg/store"
	"github.com/cognatehq/cognate/pkg/userpool/api"
	"github.com/cognatehq/cognate/pkg/userpool/model"
	"github.com/cognatehq/cognate/pkg/userpool/msg"
	"github.com/cognatehq/cognate/pkg/userpool/passkeys"
)

// Passkeys with an access token (docs/mfa.md, "Passkeys"): the registration ceremony, and the
// caller's credentials listed and deleted. The ceremony checks are the passkeys room's; each
// operation commits the change it returns to the caller's record.

// StartWebAuthnRegistration returns the creation options of a new passkey for the caller; their
// challenge is kept with the caller, bound to the access token's client.
func (s *Accounts) StartWebAuthnRegistration(ctx context.Context, in *api.StartWebAuthnRegistrationInput) (*api.StartWebAuthnRegistrationOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	doc, keep, err := s.passkeys.BeginRegistration(a.Pool, a.User, a.Claims.ClientID)
	if err != nil {
		return nil, err
	}
	if err := s.applyPasskeys(ctx, a.Pool, a.User, keep); err != nil {
		return nil, err
	}
	return &api.StartWebAuthnRegistrationOutput{CredentialCreationOptions: doc}, nil
}

// CompleteWebAuthnRegistration verifies the authenticator's answer to the caller's pending
// registration and keeps the new passkey.
func (s *Accounts) CompleteWebAuthnRegistration(ctx context.Context, in *api.CompleteWebAuthnRegistrationInput) (*api.CompleteWebAuthnRegistrationOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	add, err := s.passkeys.CompleteRegistration(a.Pool, a.User, a.Claims.ClientID, in.Credential)
	if err != nil {
		return nil, err
	}
	if err := s.applyPasskeys(ctx, a.Pool, a.User, add); err != nil {
		return nil, err
	}
	return &api.CompleteWebAuthnRegistrationOutput{}, nil
}

// ListWebAuthnCredentials pages through the caller's passkeys, oldest first.
func (s *Accounts) ListWebAuthnCredentials(ctx context.Context, in *api.ListWebAuthnCredentialsInput) (*api.ListWebAuthnCredentialsOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	scope := "passkeys/" + a.Pool.Id + "/" + a.User.Sub()
	cursor, err := s.OpenPageToken(in.NextToken, scope)
	if err != nil {
		return nil, err
	}
	from := 0
	if cursor != "" {
		if from, err = strconv.Atoi(cursor); err != nil || from < 0 {
			return nil, msg.InvalidPageToken()
		}
	}
	n := model.MaxPasskeys
	if in.MaxResults != nil && *in.MaxResults > 0 {
		n = int(*in.MaxResults)
	}
	all := a.User.Passkeys()
	out := &api.ListWebAuthnCredentialsOutput{Credentials: []api.WebAuthnCredentialDescription{}}
	for i := from; i < len(all) && len(out.Credentials) < n; i++ {
		k := &all[i]
		out.Credentials = append(out.Credentials, api.WebAuthnCredentialDescription{CredentialId: passkeys.CredentialID(k),
			FriendlyCredentialName: k.Name, RelyingPartyId: k.RPID, AuthenticatorAttachment: k.Attachment,
			AuthenticatorTransports: append([]string{}, k.Transports...), CreatedAt: model.WireTime(k.Created)})
	}
	if next := from + len(out.Credentials); next < len(all) {
		out.NextToken = s.PageToken(strconv.Itoa(next), scope)
	}
	return out, nil
}

// DeleteWebAuthnCredential deletes one of the caller's passkeys.
func (s *Accounts) DeleteWebAuthnCredential(ctx context.Context, in *api.DeleteWebAuthnCredentialInput) (*api.DeleteWebAuthnCredentialOutput, error) {
	a, err := s.lineages.Authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	drop, err := passkeys.Delete(a.User, in.CredentialId)
	if err != nil {
		return nil, err
	}
	if err := s.applyPasskeys(ctx, a.Pool, a.User, drop); err != nil {
		return nil, err
	}
	return &api.DeleteWebAuthnCredentialOutput{}, nil
}

// applyPasskeys commits a passkeys change to the user on its own.
func (s *Accounts) applyPasskeys(ctx context.Context, p *model.Pool, u *model.User, change func(cur *model.User) error) error {
	_, err := s.dir.UpdateUser(ctx, p, u, func(cur *model.User) ([]store.Op, error) { return nil, change(cur) })
	return err
}
