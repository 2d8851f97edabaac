package userpool

import (
	"context"

	"github.com/cognatehq/cognate/pkg/token"
	"github.com/cognatehq/cognate/pkg/userpool/api"
)

// Every operation of the service, by the room that carries it out. Each method here only hands
// the typed request to its room; the rules are the room's (see docs/architecture.md, "Where to
// add").

// ---- pools and app clients: pkg/userpool/pools ----

// CreateUserPoolClient creates an app client, with a generated secret when asked.
func (s *Service) CreateUserPoolClient(ctx context.Context, in *api.CreateUserPoolClientInput) (*api.CreateUserPoolClientOutput, error) {
	return s.pools.CreateUserPoolClient(ctx, in)
}

// CreateUserPoolClientWithID is CreateUserPoolClient with a chosen client id (for seed files);
// "" draws a random one.
func (s *Service) CreateUserPoolClientWithID(ctx context.Context, id string, in *api.CreateUserPoolClientInput) (*api.CreateUserPoolClientOutput, error) {
	return s.pools.CreateUserPoolClientWithID(ctx, id, in)
}

// DescribeUserPoolClient returns an app client, secret included.
func (s *Service) DescribeUserPoolClient(ctx context.Context, in *api.DescribeUserPoolClientInput) (*api.DescribeUserPoolClientOutput, error) {
	return s.pools.DescribeUserPoolClient(ctx, in)
}

// UpdateUserPoolClient replaces the client's settings; omitted ones return to their defaults.
func (s *Service) UpdateUserPoolClient(ctx context.Context, in *api.UpdateUserPoolClientInput) (*api.UpdateUserPoolClientOutput, error) {
	return s.pools.UpdateUserPoolClient(ctx, in)
}

// DeleteUserPoolClient deletes an app client.
func (s *Service) DeleteUserPoolClient(ctx context.Context, in *api.DeleteUserPoolClientInput) (*api.DeleteUserPoolClientOutput, error) {
	return s.pools.DeleteUserPoolClient(ctx, in)
}

// ListUserPoolClients pages through a pool's app clients.
func (s *Service) ListUserPoolClients(ctx context.Context, in *api.ListUserPoolClientsInput) (*api.ListUserPoolClientsOutput, error) {
	return s.pools.ListUserPoolClients(ctx, in)
}

// CreateUserPool creates a pool with Cognito's defaults and its signing keys.
func (s *Service) CreateUserPool(ctx context.Context, in *api.CreateUserPoolInput) (*api.CreateUserPoolOutput, error) {
	return s.pools.CreateUserPool(ctx, in)
}

// CreateUserPoolWithID is CreateUserPool with a chosen id (seed files and the local server's
// ready pool use it so a setup can be reproduced); "" draws a random id as Cognito does.
func (s *Service) CreateUserPoolWithID(ctx context.Context, id string, in *api.CreateUserPoolInput) (*api.CreateUserPoolOutput, error) {
	return s.pools.CreateUserPoolWithID(ctx, id, in)
}

// DescribeUserPool returns the pool.
func (s *Service) DescribeUserPool(ctx context.Context, in *api.DescribeUserPoolInput) (*api.DescribeUserPoolOutput, error) {
	return s.pools.DescribeUserPool(ctx, in)
}

// UpdateUserPool replaces the pool's mutable settings (omitted ones return to their defaults).
func (s *Service) UpdateUserPool(ctx context.Context, in *api.UpdateUserPoolInput) (*api.UpdateUserPoolOutput, error) {
	return s.pools.UpdateUserPool(ctx, in)
}

// DeleteUserPool deletes a pool unless deletion protection is on.
func (s *Service) DeleteUserPool(ctx context.Context, in *api.DeleteUserPoolInput) (*api.DeleteUserPoolOutput, error) {
	return s.pools.DeleteUserPool(ctx, in)
}

// ListUserPools pages through pools.
func (s *Service) ListUserPools(ctx context.Context, in *api.ListUserPoolsInput) (*api.ListUserPoolsOutput, error) {
	return s.pools.ListUserPools(ctx, in)
}

// AddCustomAttributes appends custom attributes to a pool's schema.
func (s *Service) AddCustomAttributes(ctx context.Context, in *api.AddCustomAttributesInput) (*api.AddCustomAttributesOutput, error) {
	return s.pools.AddCustomAttributes(ctx, in)
}

// ---- domains and resource servers: pkg/userpool/pools (docs/oauth.md) ----

// CreateUserPoolDomain gives a pool a prefix domain or a custom domain.
func (s *Service) CreateUserPoolDomain(ctx context.Context, in *api.CreateUserPoolDomainInput) (*api.CreateUserPoolDomainOutput, error) {
	return s.pools.CreateUserPoolDomain(ctx, in)
}

// DescribeUserPoolDomain describes a domain (empty for a domain no pool has).
func (s *Service) DescribeUserPoolDomain(ctx context.Context, in *api.DescribeUserPoolDomainInput) (*api.DescribeUserPoolDomainOutput, error) {
	return s.pools.DescribeUserPoolDomain(ctx, in)
}

// UpdateUserPoolDomain changes a domain's managed-login version or certificate.
func (s *Service) UpdateUserPoolDomain(ctx context.Context, in *api.UpdateUserPoolDomainInput) (*api.UpdateUserPoolDomainOutput, error) {
	return s.pools.UpdateUserPoolDomain(ctx, in)
}

// DeleteUserPoolDomain removes a pool's domain.
func (s *Service) DeleteUserPoolDomain(ctx context.Context, in *api.DeleteUserPoolDomainInput) (*api.DeleteUserPoolDomainOutput, error) {
	return s.pools.DeleteUserPoolDomain(ctx, in)
}

// CreateResourceServer adds a resource server and its scopes to a pool.
func (s *Service) CreateResourceServer(ctx context.Context, in *api.CreateResourceServerInput) (*api.CreateResourceServerOutput, error) {
	return s.pools.CreateResourceServer(ctx, in)
}

// DescribeResourceServer returns a resource server.
func (s *Service) DescribeResourceServer(ctx context.Context, in *api.DescribeResourceServerInput) (*api.DescribeResourceServerOutput, error) {
	return s.pools.DescribeResourceServer(ctx, in)
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Service) UpdateResourceServer(ctx context.Context, in *api.UpdateResourceServerInput) (*api.UpdateResourceServerOutput, error) {
	return s.pools.UpdateResourceServer(ctx, in)
}

// DeleteResourceServer removes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, in *api.DeleteResourceServerInput) (*api.DeleteResourceServerOutput, error) {
	return s.pools.DeleteResourceServer(ctx, in)
}

// ListResourceServers pages through a pool's resource servers.
func (s *Service) ListResourceServers(ctx context.Context, in *api.ListResourceServersInput) (*api.ListResourceServersOutput, error) {
	return s.pools.ListResourceServers(ctx, in)
}

// ---- sign-in and tokens: pkg/userpool/signin ----

// InitiateAuth starts a sign-in for a public client.
func (s *Service) InitiateAuth(ctx context.Context, in *api.InitiateAuthInput) (*api.InitiateAuthOutput, error) {
	return s.signin.InitiateAuth(ctx, in)
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *Service) AdminInitiateAuth(ctx context.Context, in *api.AdminInitiateAuthInput) (*api.AdminInitiateAuthOutput, error) {
	return s.signin.AdminInitiateAuth(ctx, in)
}

// RespondToAuthChallenge answers a challenge for a public client.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in *api.RespondToAuthChallengeInput) (*api.RespondToAuthChallengeOutput, error) {
	return s.signin.RespondToAuthChallenge(ctx, in)
}

// AdminRespondToAuthChallenge answers a challenge from a trusted back end.
func (s *Service) AdminRespondToAuthChallenge(ctx context.Context, in *api.AdminRespondToAuthChallengeInput) (*api.AdminRespondToAuthChallengeOutput, error) {
	return s.signin.AdminRespondToAuthChallenge(ctx, in)
}

// GetTokensFromRefreshToken refreshes with the raw client secret (Amplify v6's refresh).
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, in *api.GetTokensFromRefreshTokenInput) (*api.GetTokensFromRefreshTokenOutput, error) {
	return s.signin.GetTokensFromRefreshToken(ctx, in)
}

// RevokeToken revokes a refresh token and every token of its lineage.
func (s *Service) RevokeToken(ctx context.Context, in *api.RevokeTokenInput) (*api.RevokeTokenOutput, error) {
	return s.signin.RevokeToken(ctx, in)
}

// ---- groups: pkg/userpool/groups ----

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *api.CreateGroupInput) (*api.CreateGroupOutput, error) {
	return s.groups.CreateGroup(ctx, in)
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, in *api.GetGroupInput) (*api.GetGroupOutput, error) {
	return s.groups.GetGroup(ctx, in)
}

// UpdateGroup changes the fields given.
func (s *Service) UpdateGroup(ctx context.Context, in *api.UpdateGroupInput) (*api.UpdateGroupOutput, error) {
	return s.groups.UpdateGroup(ctx, in)
}

// DeleteGroup removes a group and takes every member out of it.
func (s *Service) DeleteGroup(ctx context.Context, in *api.DeleteGroupInput) (*api.DeleteGroupOutput, error) {
	return s.groups.DeleteGroup(ctx, in)
}

// ListGroups pages through a pool's groups.
func (s *Service) ListGroups(ctx context.Context, in *api.ListGroupsInput) (*api.ListGroupsOutput, error) {
	return s.groups.ListGroups(ctx, in)
}

// AdminAddUserToGroup puts a user in a group (idempotent).
func (s *Service) AdminAddUserToGroup(ctx context.Context, in *api.AdminAddUserToGroupInput) (*api.AdminAddUserToGroupOutput, error) {
	return s.groups.AdminAddUserToGroup(ctx, in)
}

// AdminRemoveUserFromGroup takes a user out of a group.
func (s *Service) AdminRemoveUserFromGroup(ctx context.Context, in *api.AdminRemoveUserFromGroupInput) (*api.AdminRemoveUserFromGroupOutput, error) {
	return s.groups.AdminRemoveUserFromGroup(ctx, in)
}

// AdminListGroupsForUser lists a user's groups.
func (s *Service) AdminListGroupsForUser(ctx context.Context, in *api.AdminListGroupsForUserInput) (*api.AdminListGroupsForUserOutput, error) {
	return s.groups.AdminListGroupsForUser(ctx, in)
}

// ListUsersInGroup pages through a group's members.
func (s *Service) ListUsersInGroup(ctx context.Context, in *api.ListUsersInGroupInput) (*api.ListUsersInGroupOutput, error) {
	return s.groups.ListUsersInGroup(ctx, in)
}

// ---- sign-up: pkg/userpool/signup ----

// SignUp registers a user (UNCONFIRMED) and sends a confirmation code to an auto-verified
// attribute.
func (s *Service) SignUp(ctx context.Context, in *api.SignUpInput) (*api.SignUpOutput, error) {
	return s.signup.SignUp(ctx, in)
}

// ConfirmSignUp confirms a user with the emailed or texted code.
func (s *Service) ConfirmSignUp(ctx context.Context, in *api.ConfirmSignUpInput) (*api.ConfirmSignUpOutput, error) {
	return s.signup.ConfirmSignUp(ctx, in)
}

// ResendConfirmationCode sends a new code (the old one stops working).
func (s *Service) ResendConfirmationCode(ctx context.Context, in *api.ResendConfirmationCodeInput) (*api.ResendConfirmationCodeOutput, error) {
	return s.signup.ResendConfirmationCode(ctx, in)
}

// AdminConfirmSignUp confirms a user without a code.
func (s *Service) AdminConfirmSignUp(ctx context.Context, in *api.AdminConfirmSignUpInput) (*api.AdminConfirmSignUpOutput, error) {
	return s.signup.AdminConfirmSignUp(ctx, in)
}

// ---- recovery: pkg/userpool/recovery ----

// ForgotPassword sends a one-hour reset code to the user's verified recovery channel.
func (s *Service) ForgotPassword(ctx context.Context, in *api.ForgotPasswordInput) (*api.ForgotPasswordOutput, error) {
	return s.recovery.ForgotPassword(ctx, in)
}

// ConfirmForgotPassword sets a new password with the reset code; the user becomes CONFIRMED.
func (s *Service) ConfirmForgotPassword(ctx context.Context, in *api.ConfirmForgotPasswordInput) (*api.ConfirmForgotPasswordOutput, error) {
	return s.recovery.ConfirmForgotPassword(ctx, in)
}

// AdminResetUserPassword puts a user in RESET_REQUIRED (sign-in then answers
// PasswordResetRequiredException) and sends a reset code to a verified channel when there is one.
func (s *Service) AdminResetUserPassword(ctx context.Context, in *api.AdminResetUserPasswordInput) (*api.AdminResetUserPasswordOutput, error) {
	return s.recovery.AdminResetUserPassword(ctx, in)
}

// ---- a user's account: pkg/userpool/account ----

// GetUser returns the caller's own profile.
func (s *Service) GetUser(ctx context.Context, in *api.GetUserInput) (*api.GetUserOutput, error) {
	return s.account.GetUser(ctx, in)
}

// ChangePassword changes the caller's password; existing tokens stay valid, as in Cognito.
func (s *Service) ChangePassword(ctx context.Context, in *api.ChangePasswordInput) (*api.ChangePasswordOutput, error) {
	return s.account.ChangePassword(ctx, in)
}

// GlobalSignOut revokes every token of the caller.
func (s *Service) GlobalSignOut(ctx context.Context, in *api.GlobalSignOutInput) (*api.GlobalSignOutOutput, error) {
	return s.account.GlobalSignOut(ctx, in)
}

// DeleteUser deletes the caller.
func (s *Service) DeleteUser(ctx context.Context, in *api.DeleteUserInput) (*api.DeleteUserOutput, error) {
	return s.account.DeleteUser(ctx, in)
}

// UpdateUserAttributes changes the caller's attributes; a changed auto-verified email or phone
// becomes unverified and gets a code (or stays pending, with the old value active, when the pool
// requires verification before update).
func (s *Service) UpdateUserAttributes(ctx context.Context, in *api.UpdateUserAttributesInput) (*api.UpdateUserAttributesOutput, error) {
	return s.account.UpdateUserAttributes(ctx, in)
}

// AdminUpdateUserAttributes changes a user's attributes as an administrator.
func (s *Service) AdminUpdateUserAttributes(ctx context.Context, in *api.AdminUpdateUserAttributesInput) (*api.AdminUpdateUserAttributesOutput, error) {
	return s.account.AdminUpdateUserAttributes(ctx, in)
}

// DeleteUserAttributes deletes attributes of the caller.
func (s *Service) DeleteUserAttributes(ctx context.Context, in *api.DeleteUserAttributesInput) (*api.DeleteUserAttributesOutput, error) {
	return s.account.DeleteUserAttributes(ctx, in)
}

// AdminDeleteUserAttributes deletes attributes of a user.
func (s *Service) AdminDeleteUserAttributes(ctx context.Context, in *api.AdminDeleteUserAttributesInput) (*api.AdminDeleteUserAttributesOutput, error) {
	return s.account.AdminDeleteUserAttributes(ctx, in)
}

// GetUserAttributeVerificationCode sends a code to verify the caller's email or phone (the
// pending value when one waits for verification).
func (s *Service) GetUserAttributeVerificationCode(ctx context.Context, in *api.GetUserAttributeVerificationCodeInput) (*api.GetUserAttributeVerificationCodeOutput, error) {
	return s.account.GetUserAttributeVerificationCode(ctx, in)
}

// VerifyUserAttribute verifies the caller's email or phone with a code: a pending value becomes
// the active one (and its alias moves with it, atomically).
func (s *Service) VerifyUserAttribute(ctx context.Context, in *api.VerifyUserAttributeInput) (*api.VerifyUserAttributeOutput, error) {
	return s.account.VerifyUserAttribute(ctx, in)
}

// SetUserSettings sets the caller's legacy MFA options (SMS only).
func (s *Service) SetUserSettings(ctx context.Context, in *api.SetUserSettingsInput) (*api.SetUserSettingsOutput, error) {
	return s.account.SetUserSettings(ctx, in)
}

// AssociateSoftwareToken gives the caller a new software-token secret, pending verification.
func (s *Service) AssociateSoftwareToken(ctx context.Context, in *api.AssociateSoftwareTokenInput) (*api.AssociateSoftwareTokenOutput, error) {
	if in.Session != "" {
		return s.signin.AssociateSoftwareToken(ctx, in)
	}
	return s.account.AssociateSoftwareToken(ctx, in)
}

// VerifySoftwareToken checks a code from the pending software token and makes it the user's.
func (s *Service) VerifySoftwareToken(ctx context.Context, in *api.VerifySoftwareTokenInput) (*api.VerifySoftwareTokenOutput, error) {
	if in.Session != "" {
		return s.signin.VerifySoftwareToken(ctx, in)
	}
	return s.account.VerifySoftwareToken(ctx, in)
}

// SetUserMFAPreference sets the caller's MFA factors and the preferred one.
func (s *Service) SetUserMFAPreference(ctx context.Context, in *api.SetUserMFAPreferenceInput) (*api.SetUserMFAPreferenceOutput, error) {
	return s.account.SetUserMFAPreference(ctx, in)
}

// StartWebAuthnRegistration begins registering a passkey for the caller.
func (s *Service) StartWebAuthnRegistration(ctx context.Context, in *api.StartWebAuthnRegistrationInput) (*api.StartWebAuthnRegistrationOutput, error) {
	return s.account.StartWebAuthnRegistration(ctx, in)
}

// CompleteWebAuthnRegistration verifies and keeps the caller's new passkey.
func (s *Service) CompleteWebAuthnRegistration(ctx context.Context, in *api.CompleteWebAuthnRegistrationInput) (*api.CompleteWebAuthnRegistrationOutput, error) {
	return s.account.CompleteWebAuthnRegistration(ctx, in)
}

// ListWebAuthnCredentials pages through the caller's passkeys.
func (s *Service) ListWebAuthnCredentials(ctx context.Context, in *api.ListWebAuthnCredentialsInput) (*api.ListWebAuthnCredentialsOutput, error) {
	return s.account.ListWebAuthnCredentials(ctx, in)
}

// DeleteWebAuthnCredential deletes one of the caller's passkeys.
func (s *Service) DeleteWebAuthnCredential(ctx context.Context, in *api.DeleteWebAuthnCredentialInput) (*api.DeleteWebAuthnCredentialOutput, error) {
	return s.account.DeleteWebAuthnCredential(ctx, in)
}

// AdminSetUserMFAPreference sets a user's MFA factors as an administrator.
func (s *Service) AdminSetUserMFAPreference(ctx context.Context, in *api.AdminSetUserMFAPreferenceInput) (*api.AdminSetUserMFAPreferenceOutput, error) {
	return s.account.AdminSetUserMFAPreference(ctx, in)
}

// GetUserAuthFactors lists the caller's USER_AUTH first factors and MFA settings.
func (s *Service) GetUserAuthFactors(ctx context.Context, in *api.GetUserAuthFactorsInput) (*api.GetUserAuthFactorsOutput, error) {
	return s.signin.GetUserAuthFactors(ctx, in)
}

// SetUserPoolMfaConfig sets the pool's MFA configuration.
func (s *Service) SetUserPoolMfaConfig(ctx context.Context, in *api.SetUserPoolMfaConfigInput) (*api.SetUserPoolMfaConfigOutput, error) {
	return s.pools.SetUserPoolMfaConfig(ctx, in)
}

// GetUserPoolMfaConfig returns the pool's MFA configuration.
func (s *Service) GetUserPoolMfaConfig(ctx context.Context, in *api.GetUserPoolMfaConfigInput) (*api.GetUserPoolMfaConfigOutput, error) {
	return s.pools.GetUserPoolMfaConfig(ctx, in)
}

// AdminSetUserSettings sets a user's legacy MFA options.
func (s *Service) AdminSetUserSettings(ctx context.Context, in *api.AdminSetUserSettingsInput) (*api.AdminSetUserSettingsOutput, error) {
	return s.account.AdminSetUserSettings(ctx, in)
}

// ConfirmDevice stores a new device's salt and verifier. The key must be the one the caller's
// access token was issued with (NewDeviceMetadata of that sign-in).
func (s *Service) ConfirmDevice(ctx context.Context, in *api.ConfirmDeviceInput) (*api.ConfirmDeviceOutput, error) {
	return s.account.ConfirmDevice(ctx, in)
}

// GetDevice returns one of the caller's devices.
func (s *Service) GetDevice(ctx context.Context, in *api.GetDeviceInput) (*api.GetDeviceOutput, error) {
	return s.account.GetDevice(ctx, in)
}

// ListDevices lists the caller's devices.
func (s *Service) ListDevices(ctx context.Context, in *api.ListDevicesInput) (*api.ListDevicesOutput, error) {
	return s.account.ListDevices(ctx, in)
}

// ForgetDevice forgets one of the caller's devices.
func (s *Service) ForgetDevice(ctx context.Context, in *api.ForgetDeviceInput) (*api.ForgetDeviceOutput, error) {
	return s.account.ForgetDevice(ctx, in)
}

// UpdateDeviceStatus remembers or stops remembering one of the caller's devices.
func (s *Service) UpdateDeviceStatus(ctx context.Context, in *api.UpdateDeviceStatusInput) (*api.UpdateDeviceStatusOutput, error) {
	return s.account.UpdateDeviceStatus(ctx, in)
}

// AdminGetDevice returns a user's device.
func (s *Service) AdminGetDevice(ctx context.Context, in *api.AdminGetDeviceInput) (*api.AdminGetDeviceOutput, error) {
	return s.account.AdminGetDevice(ctx, in)
}

// AdminListDevices lists a user's devices.
func (s *Service) AdminListDevices(ctx context.Context, in *api.AdminListDevicesInput) (*api.AdminListDevicesOutput, error) {
	return s.account.AdminListDevices(ctx, in)
}

// AdminForgetDevice forgets a user's device.
func (s *Service) AdminForgetDevice(ctx context.Context, in *api.AdminForgetDeviceInput) (*api.AdminForgetDeviceOutput, error) {
	return s.account.AdminForgetDevice(ctx, in)
}

// AdminUpdateDeviceStatus remembers or stops remembering a user's device.
func (s *Service) AdminUpdateDeviceStatus(ctx context.Context, in *api.AdminUpdateDeviceStatusInput) (*api.AdminUpdateDeviceStatusOutput, error) {
	return s.account.AdminUpdateDeviceStatus(ctx, in)
}

// ---- administrators on users: pkg/userpool/admin ----

// AdminDisableUser disables a user and ends every session at once.
func (s *Service) AdminDisableUser(ctx context.Context, in *api.AdminDisableUserInput) (*api.AdminDisableUserOutput, error) {
	return s.admin.AdminDisableUser(ctx, in)
}

// AdminEnableUser enables a user again; tokens revoked by the disable stay revoked.
func (s *Service) AdminEnableUser(ctx context.Context, in *api.AdminEnableUserInput) (*api.AdminEnableUserOutput, error) {
	return s.admin.AdminEnableUser(ctx, in)
}

// AdminGetUser returns a user by username, alias or sub.
func (s *Service) AdminGetUser(ctx context.Context, in *api.AdminGetUserInput) (*api.AdminGetUserOutput, error) {
	return s.admin.AdminGetUser(ctx, in)
}

// AdminCreateUser creates a user with a temporary password (FORCE_CHANGE_PASSWORD) and sends
// the invitation, or re-sends it (MessageAction RESEND).
func (s *Service) AdminCreateUser(ctx context.Context, in *api.AdminCreateUserInput) (*api.AdminCreateUserOutput, error) {
	return s.admin.AdminCreateUser(ctx, in)
}

// AdminDeleteUser deletes a user; its tokens stop working at once.
func (s *Service) AdminDeleteUser(ctx context.Context, in *api.AdminDeleteUserInput) (*api.AdminDeleteUserOutput, error) {
	return s.admin.AdminDeleteUser(ctx, in)
}

// AdminSetUserPassword sets a permanent (CONFIRMED) or temporary (FORCE_CHANGE_PASSWORD) password.
func (s *Service) AdminSetUserPassword(ctx context.Context, in *api.AdminSetUserPasswordInput) (*api.AdminSetUserPasswordOutput, error) {
	return s.admin.AdminSetUserPassword(ctx, in)
}

// AdminUserGlobalSignOut revokes every token of a user.
func (s *Service) AdminUserGlobalSignOut(ctx context.Context, in *api.AdminUserGlobalSignOutInput) (*api.AdminUserGlobalSignOutOutput, error) {
	return s.admin.AdminUserGlobalSignOut(ctx, in)
}

// ListUsers pages through a pool's users, optionally filtered. Pages may be short while a
// token is still returned, as in Cognito.
func (s *Service) ListUsers(ctx context.Context, in *api.ListUsersInput) (*api.ListUsersOutput, error) {
	return s.admin.ListUsers(ctx, in)
}

// ---- access tokens for resource servers: pkg/userpool/lineage ----

// VerifyAccessToken authenticates an access token for resource servers such as the API Gateway
// authorizer: our signature with this pool's key, issuer, token_use, expiry, then, for a user's
// token, its revocation and the user's state, and for a client_credentials token, that its
// client still exists. Scopes are the resource server's to require (any token the pool issued
// may be presented: the API's, the hosted flow's with custom scopes, a machine's). The claims may
// be shared with other calls presenting the same token (token.Issuer.Verify): do not modify them.
func (s *Service) VerifyAccessToken(ctx context.Context, raw string) (*token.Claims, error) {
	a, err := s.lineages.AuthenticateFor(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	return a.Claims, nil
}

// ---- branding ----

// SetUICustomization sets the classic hosted UI's CSS and logo of a client or of ALL.
func (s *Service) SetUICustomization(ctx context.Context, in *api.SetUICustomizationInput) (*api.SetUICustomizationOutput, error) {
	return s.branding.SetUICustomization(ctx, in)
}

// GetUICustomization returns a client's classic hosted-UI customization, or ALL's.
func (s *Service) GetUICustomization(ctx context.Context, in *api.GetUICustomizationInput) (*api.GetUICustomizationOutput, error) {
	return s.branding.GetUICustomization(ctx, in)
}

// CreateManagedLoginBranding creates a client's managed-login branding style.
func (s *Service) CreateManagedLoginBranding(ctx context.Context, in *api.CreateManagedLoginBrandingInput) (*api.CreateManagedLoginBrandingOutput, error) {
	return s.branding.CreateManagedLoginBranding(ctx, in)
}

// DescribeManagedLoginBranding returns a branding style by its id.
func (s *Service) DescribeManagedLoginBranding(ctx context.Context, in *api.DescribeManagedLoginBrandingInput) (*api.DescribeManagedLoginBrandingOutput, error) {
	return s.branding.DescribeManagedLoginBranding(ctx, in)
}

// DescribeManagedLoginBrandingByClient returns a client's branding style.
func (s *Service) DescribeManagedLoginBrandingByClient(ctx context.Context, in *api.DescribeManagedLoginBrandingByClientInput) (*api.DescribeManagedLoginBrandingByClientOutput, error) {
	return s.branding.DescribeManagedLoginBrandingByClient(ctx, in)
}

// UpdateManagedLoginBranding changes a branding style.
func (s *Service) UpdateManagedLoginBranding(ctx context.Context, in *api.UpdateManagedLoginBrandingInput) (*api.UpdateManagedLoginBrandingOutput, error) {
	return s.branding.UpdateManagedLoginBranding(ctx, in)
}

// DeleteManagedLoginBranding deletes a branding style and its assets.
func (s *Service) DeleteManagedLoginBranding(ctx context.Context, in *api.DeleteManagedLoginBrandingInput) (*api.DeleteManagedLoginBrandingOutput, error) {
	return s.branding.DeleteManagedLoginBranding(ctx, in)
}
