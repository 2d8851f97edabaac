// Amplify JS v6 against Cognate, unmodified, on a fresh pool that always remembers devices:
// ConfirmDevice after the first sign-in, refresh with the device key, device SRP on the next
// sign-in, and the retry without a forgotten device ("Device does not exist.").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, fetchAuthSession, signOut, fetchDevices, rememberDevice } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminListDevicesCommand, AdminForgetDeviceCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, latestCode, unique } from './helpers.mjs';

// Amplify names a new device after navigator.userAgent, which node 20 lacks; without it Amplify
// silently skips ConfirmDevice. A browser-like navigator is the environment Amplify expects.
globalThis.navigator ??= { userAgent: 'node-test' };

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });

const stored = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => { stored.set(k, v); },
  getItem: async (k) => stored.get(k) ?? null,
  removeItem: async (k) => { stored.delete(k); },
  clear: async () => { stored.clear(); },
});

test('Amplify v6: remembered device, device SRP, refresh with the device key, forgotten device', async () => {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('amplify-devices'), AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'],
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool.Id, ClientName: 'web' }));
  Amplify.configure({ Auth: { Cognito: { userPoolId: UserPool.Id, userPoolClientId: UserPoolClient.ClientId, userPoolEndpoint: endpoint, loginWith: { email: true } } } });
  const email = `${unique('turing')}@example.com`;
  const password = 'Enigma-Bombe-1940';
  const devices = async () => (await admin.send(new AdminListDevicesCommand({ UserPoolId: UserPool.Id, Username: email }))).Devices;

  await signUp({ username: email, password, options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });

  // First sign-in: Amplify confirms the new device on its own.
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  const first = await fetchAuthSession();
  const deviceKey = first.tokens.accessToken.payload.device_key;
  assert.match(deviceKey, /^us-east-1_[0-9a-f-]{36}$/);
  assert.deepEqual((await devices()).map((d) => d.DeviceKey), [deviceKey]);
  const listed = await fetchDevices();
  assert.equal(listed.length, 1);
  assert.equal(listed[0].id, deviceKey);
  assert.equal(listed[0].name, 'node-test');
  await rememberDevice();

  // The refresh token is bound to the device; Amplify sends its key.
  const refreshed = await fetchAuthSession({ forceRefresh: true });
  assert.equal(refreshed.tokens.accessToken.payload.device_key, deviceKey);

  // Next sign-in: PASSWORD_VERIFIER with DEVICE_KEY, then DEVICE_SRP_AUTH; same device.
  await signOut();
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  assert.equal((await fetchAuthSession()).tokens.accessToken.payload.device_key, deviceKey);
  assert.equal((await devices()).length, 1);

  // A device forgotten behind Amplify's back: "Device does not exist.", Amplify drops it, retries
  // the same answer without it, and confirms a new device.
  await signOut();
  await admin.send(new AdminForgetDeviceCommand({ UserPoolId: UserPool.Id, Username: email, DeviceKey: deviceKey }));
  assert.equal((await signIn({ username: email, password })).isSignedIn, true);
  const renewed = (await fetchAuthSession()).tokens.accessToken.payload.device_key;
  assert.notEqual(renewed, deviceKey);
  assert.deepEqual((await devices()).map((d) => d.DeviceKey), [renewed]);
  await signOut();
});
