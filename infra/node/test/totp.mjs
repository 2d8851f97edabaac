// Helpers for the MFA tests (*.mfa.mjs): pools with a software-token factor, created with admin
// keys through SDK v3, and TOTP codes computed by otplib — not by Cognate's code — from the
// SecretCode, as an authenticator app computes them.
//
// Cognate runs on the real clock here and accepts each 30-second step once per user, the step
// before and after included (docs/mfa.md, TOTP-01). A test that enrols a user and then signs in
// with the same user therefore enrols with the code of the step that just ended (what the app
// still shows to someone typing slowly) and signs in with the current one, so no test waits for
// a new step.
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from 'otplib';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SetUserPoolMfaConfigCommand,
  SignUpCommand, AdminConfirmSignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, unique } from './helpers.mjs';

export const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });

const period = 30;

// totpCode is the six-digit code for secret (base32) at the current step, or steps away from it.
// A code one step off is computed only well inside a step (steadyStep), so it cannot fall out of
// the server's ±1 window between here and the server.
export async function totpCode(secret, steps = 0) {
  if (steps !== 0) await steadyStep();
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * period });
}

// steadyStep waits, at most two seconds, until the current step has more than two seconds left.
async function steadyStep() {
  const left = period * 1000 - (Date.now() % (period * 1000));
  if (left < 2000) await sleep(left + 100);
}

// mfaPool creates a pool (email as username, email verified on confirmation) whose
// MfaConfiguration is mode ('ON' or 'OPTIONAL') with the software token as its only factor, and
// an app client with USER_PASSWORD_AUTH besides the default flows (SRP, refresh, custom).
export async function mfaPool(mode) {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique(`mfa-${mode.toLowerCase()}`), AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'],
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
  }));
  const set = await admin.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: UserPool.Id, MfaConfiguration: mode, SoftwareTokenMfaConfiguration: { Enabled: true },
  }));
  if (set.MfaConfiguration !== mode) throw new Error(`SetUserPoolMfaConfig answered ${JSON.stringify(set)}`);
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

// confirmedUser signs up a user with an email address and confirms them (admin), with no MFA.
export async function confirmedUser({ poolId, clientId }, prefix, password) {
  const email = `${unique(prefix)}@example.com`;
  await admin.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
  await admin.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  return email;
}
