// The AWS SDK for JavaScript v3 and aws-jwt-verify against Cognate, unmodified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SignUpCommand,
  ConfirmSignUpCommand, InitiateAuthCommand, GetUserCommand, GetTokensFromRefreshTokenCommand,
  ChangePasswordCommand, GlobalSignOutCommand, AdminCreateUserCommand, AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand, AdminDeleteUserCommand, RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { endpoint, adminCredentials, latestCode, unique, rejectsWith } from './helpers.mjs';

const client = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });

test('SDK v3: the whole life of a user, tokens verified with aws-jwt-verify', async () => {
  const { UserPool } = await client.send(new CreateUserPoolCommand({
    PoolName: unique('sdkv3'), AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'],
  }));
  assert.match(UserPool.Id, /^us-east-1_[0-9A-Za-z]{9}$/);
  const { UserPoolClient } = await client.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web',
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const ClientId = UserPoolClient.ClientId;
  const email = `${unique('ada')}@example.com`;
  const password = 'Analytical-Engine-1843';

  const signUp = await client.send(new SignUpCommand({ ClientId, Username: email, Password: password }));
  assert.equal(signUp.UserConfirmed, false);
  assert.equal(signUp.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  await rejectsWith(client.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })),
    'UserNotConfirmedException', 'User is not confirmed.');
  await client.send(new ConfirmSignUpCommand({ ClientId, Username: email, ConfirmationCode: await latestCode(email) }));

  const auth = await client.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const tokens = auth.AuthenticationResult;
  assert.equal(tokens.TokenType, 'Bearer');

  // Tokens verify against the published JWKS with a standard verifier.
  const issuer = `${endpoint}/${UserPool.Id}`;
  const idVerifier = JwtVerifier.create({ issuer, audience: ClientId, jwksUri: `${issuer}/.well-known/jwks.json` });
  const accessVerifier = JwtVerifier.create({
    issuer, audience: null, jwksUri: `${issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => { if (payload.token_use !== 'access' || payload.client_id !== ClientId) throw new Error('not our access token'); },
  });
  // aws-jwt-verify downloads JWKS over https only; against the plain-http local server the keys
  // are fetched once and handed to it, which is its documented way to preload a JWKS.
  const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
  assert.equal(jwks.keys.length, 2);
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  const idPayload = await idVerifier.verify(tokens.IdToken);
  assert.equal(idPayload.email, email);
  assert.equal(idPayload.email_verified, true);
  assert.equal(idPayload.sub, signUp.UserSub);
  const accessPayload = await accessVerifier.verify(tokens.AccessToken);
  assert.equal(accessPayload.username, signUp.UserSub);
  const [h, p] = tokens.AccessToken.split('.');
  await assert.rejects(accessVerifier.verify(`${h}.${p}.${Buffer.from('forged').toString('base64url')}`));

  const me = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  assert.equal(me.Username, signUp.UserSub);
  assert.equal(me.UserAttributes.find((a) => a.Name === 'email').Value, email);

  // Refresh both ways.
  const viaInitiate = await client.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken } }));
  assert.equal(viaInitiate.AuthenticationResult.RefreshToken, undefined);
  const viaGetTokens = await client.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: tokens.RefreshToken }));
  await accessVerifier.verify(viaGetTokens.AuthenticationResult.AccessToken);

  await client.send(new ChangePasswordCommand({ AccessToken: tokens.AccessToken, PreviousPassword: password, ProposedPassword: 'Difference-Engine-1822' }));
  await client.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken }));
  await rejectsWith(client.send(new GetUserCommand({ AccessToken: viaGetTokens.AuthenticationResult.AccessToken })),
    'NotAuthorizedException', 'Access Token has been revoked');
  await rejectsWith(client.send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken: tokens.RefreshToken })),
    'NotAuthorizedException', 'Refresh Token has been revoked');
  await client.send(new RevokeTokenCommand({ ClientId, Token: tokens.RefreshToken }));

  // An admin-created user through NEW_PASSWORD_REQUIRED.
  const invited = `${unique('grace')}@example.com`;
  await client.send(new AdminCreateUserCommand({ UserPoolId: UserPool.Id, Username: invited, TemporaryPassword: 'Temporary-Pass-1', MessageAction: 'SUPPRESS' }));
  const challenge = await client.send(new AdminInitiateAuthCommand({
    UserPoolId: UserPool.Id, ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: invited, PASSWORD: 'Temporary-Pass-1' },
  }));
  assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  const done = await client.send(new AdminRespondToAuthChallengeCommand({
    UserPoolId: UserPool.Id, ClientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session,
    ChallengeResponses: { USERNAME: invited, NEW_PASSWORD: 'Permanent-Pass-2' },
  }));
  await accessVerifier.verify(done.AuthenticationResult.AccessToken);
  await client.send(new AdminDeleteUserCommand({ UserPoolId: UserPool.Id, Username: invited }));
  await rejectsWith(client.send(new GetUserCommand({ AccessToken: done.AuthenticationResult.AccessToken })), 'UserNotFoundException', 'User does not exist.');
});
