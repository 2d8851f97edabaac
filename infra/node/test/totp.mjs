// Helpers for the MFA tests (*.mfa.mjs): pools with MFA factors (the software token, SMS, email)
// and passwordless first factors, created with admin keys through SDK v3; TOTP codes computed by
// otplib — not by Cognate's code — from the SecretCode, as an authenticator app computes them;
// and SMS and email sign-in codes read from the local outbox (signInCode).
//
// Cognate runs on the real clock here and accepts each 30-second step once per user, the step
// before and after included (docs/mfa.md, TOTP-01). A test that enrols a user and then signs in
// with the same user therefore enrols with the code of the step that just ended (what the app
// still shows to someone typing slowly) and signs in with the current one, so no test waits for
// a new step.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { generate } from 'otplib';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SetUserPoolMfaConfigCommand,
  SignUpCommand, AdminConfirmSignUpCommand, AdminUpdateUserAttributesCommand,
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
// MfaConfiguration is mode ('ON', 'OPTIONAL' or 'OFF') with the factors asked for — by default
// the software token alone — and an app client with USER_PASSWORD_AUTH besides the default flows
// (SRP, refresh, custom). firstFactors, when given, is the pool's
// Policies.SignInPolicy.AllowedFirstAuthFactors, and the client allows USER_AUTH too.
export async function mfaPool(mode, { totp = true, sms = false, email = false, firstFactors } = {}) {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique(`mfa-${mode.toLowerCase()}`), AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'],
    Policies: firstFactors && { SignInPolicy: { AllowedFirstAuthFactors: firstFactors } },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH',
      ...(firstFactors ? ['ALLOW_USER_AUTH'] : [])],
  }));
  if (mode !== 'OFF') {
    const set = await admin.send(new SetUserPoolMfaConfigCommand({
      UserPoolId: UserPool.Id, MfaConfiguration: mode,
      SoftwareTokenMfaConfiguration: totp ? { Enabled: true } : undefined,
      SmsMfaConfiguration: sms ? { SmsAuthenticationMessage: 'Your sign-in code is {####}' } : undefined,
      EmailMfaConfiguration: email ? { Subject: 'Your sign-in code', Message: 'Your sign-in code is {####}.' } : undefined,
    }));
    if (set.MfaConfiguration !== mode) throw new Error(`SetUserPoolMfaConfig answered ${JSON.stringify(set)}`);
  }
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

// confirmedUser signs up a user with an email address and confirms them (admin), with no MFA.
export async function confirmedUser({ poolId, clientId }, prefix, password) {
  const email = `${unique(prefix)}@example.com`;
  await admin.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
  await admin.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  return email;
}

// uniquePhone is a North American number no other test uses (the outbox is shared).
export function uniquePhone() {
  return `+1206${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

// withPhone gives a user a phone_number (admin), verified if asked.
export async function withPhone({ poolId }, username, { verified = false } = {}) {
  const phone = uniquePhone();
  const UserAttributes = [{ Name: 'phone_number', Value: phone }];
  if (verified) UserAttributes.push({ Name: 'phone_number_verified', Value: 'true' });
  await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: username, UserAttributes }));
  return phone;
}

// signInCode is the newest sign-in code (MFA or passwordless) the local outbox holds for to (an
// email address or a phone number): the message's kind is Authentication, its channel the one
// expected, its code of digits digits (six for MFA, eight for a passwordless first factor) and
// in its body.
export async function signInCode(to, { channel, digits = 6 }) {
  const res = await fetch(`${endpoint}/_local/outbox?to=${encodeURIComponent(to)}&kind=Authentication&limit=1`);
  assert.equal(res.status, 200);
  const { messages } = await res.json();
  assert.equal(messages.length, 1, `no sign-in code to ${to}`);
  const [m] = messages;
  assert.equal(m.channel, channel);
  assert.match(m.code, new RegExp(`^\\d{${digits}}$`));
  assert.ok(m.body.includes(m.code), `the code is not in the message: ${JSON.stringify(m)}`);
  return m.code;
}

// wrongCode is a code of the same length that is not code.
export function wrongCode(code) {
  const n = 10 ** code.length;
  return String((Number(code) + n / 2) % n).padStart(code.length, '0');
}
