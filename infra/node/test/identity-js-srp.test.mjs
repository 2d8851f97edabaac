// amazon-cognito-identity-js against Cognate, unmodified, with its default flow (USER_SRP_AUTH)
// and a remembered device, on a fresh pool that tracks devices (user opt-in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminListDevicesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute } from 'amazon-cognito-identity-js';
import { endpoint, adminCredentials, latestCode, unique } from './helpers.mjs';

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });

const call = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

// authenticate runs authenticateUser and resolves with the session and whether the library was
// told to ask the user about remembering the device.
const authenticate = (user, password) => new Promise((resolve, reject) => user.authenticateUser(
  new AuthenticationDetails({ Username: user.getUsername(), Password: password }),
  { onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }), onFailure: reject },
));

test('amazon-cognito-identity-js: SRP sign-in, remembered device, device SRP, refresh, change password, sign out', async () => {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('srp'), AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'],
    UsernameConfiguration: { CaseSensitive: false },
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: true },
  }));
  // The default flows: SRP, refresh, custom.
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: UserPool.Id, ClientName: 'web' }));
  const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint });
  const email = `${unique('grace')}@example.com`;
  const password = 'Compiler-Pioneer-1952';

  const signUp = await call((cb) => pool.signUp(email, password, [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb));
  assert.equal(signUp.userConfirmed, false);
  const user = new CognitoUser({ Username: email, Pool: pool });
  const code = await latestCode(email);
  assert.equal(await call((cb) => user.confirmRegistration(code, true, cb)), 'SUCCESS');

  // A wrong password over SRP is Cognito's generic failure.
  await assert.rejects(authenticate(new CognitoUser({ Username: email, Pool: pool }), 'Wrong-Password-1'),
    (err) => err.code === 'NotAuthorizedException' && err.message === 'Incorrect username or password.');

  // First sign-in: SRP, a new device that the library confirms; the pool asks the user.
  const first = await authenticate(user, password);
  assert.ok(first.session.isValid());
  assert.equal(first.userConfirmationNecessary, true);
  assert.equal(user.getUsername(), signUp.userSub, 'the library adopts USER_ID_FOR_SRP');
  const deviceKey = first.session.getAccessToken().decodePayload().device_key;
  assert.match(deviceKey, /^us-east-1_[0-9a-f-]{36}$/);
  assert.equal(first.session.getIdToken().decodePayload().email, email);

  const current = await call((cb) => user.getSession(cb));
  assert.equal(current.getAccessToken().getJwtToken(), first.session.getAccessToken().getJwtToken());

  // Refresh: the library sends the device key, which the bound refresh token requires.
  const refreshed = await call((cb) => user.refreshSession(first.session.getRefreshToken(), cb));
  assert.ok(refreshed.isValid());
  assert.equal(refreshed.getAccessToken().decodePayload().device_key, deviceKey);
  assert.equal(refreshed.getAccessToken().decodePayload().origin_jti, first.session.getAccessToken().decodePayload().origin_jti);

  // Remember the device.
  await new Promise((resolve, reject) => user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  const { Device } = await new Promise((resolve, reject) => user.getDevice({ onSuccess: resolve, onFailure: reject }));
  assert.equal(Device.DeviceKey, deviceKey);
  assert.equal(Device.DeviceAttributes.find((a) => a.Name === 'dev:device_remembered_status').Value, 'remembered');

  // Second sign-in: the library finds the remembered device and proves it with device SRP, so the
  // tokens carry the same device key and no second device appears.
  const again = new CognitoUser({ Username: email.toUpperCase(), Pool: pool });
  const second = await authenticate(again, password);
  assert.ok(second.session.isValid());
  assert.equal(second.userConfirmationNecessary, undefined);
  assert.equal(second.session.getAccessToken().decodePayload().device_key, deviceKey);
  const { Devices } = await admin.send(new AdminListDevicesCommand({ UserPoolId: UserPool.Id, Username: email }));
  assert.equal(Devices.length, 1);
  assert.equal(Devices[0].DeviceKey, deviceKey);
  assert.ok(Devices[0].DeviceLastAuthenticatedDate instanceof Date);
  const listed = await new Promise((resolve, reject) => again.listDevices(10, null, { onSuccess: resolve, onFailure: reject }));
  assert.deepEqual(listed.Devices.map((d) => d.DeviceKey), [deviceKey]);

  // Change the password; the new one signs in (through the device again); then sign out everywhere.
  await call((cb) => again.changePassword(password, 'Compiler-Pioneer-1959', cb));
  const third = await authenticate(new CognitoUser({ Username: email, Pool: pool }), 'Compiler-Pioneer-1959');
  assert.equal(third.session.getAccessToken().decodePayload().device_key, deviceKey);
  await new Promise((resolve, reject) => again.globalSignOut({ onSuccess: resolve, onFailure: reject }));
  const stale = new CognitoUser({ Username: email, Pool: pool });
  stale.setSignInUserSession(third.session);
  await assert.rejects(call((cb) => stale.getUserAttributes(cb)),
    (err) => err.code === 'NotAuthorizedException' && err.message === 'Access Token has been revoked');
  await assert.rejects(authenticate(new CognitoUser({ Username: email, Pool: pool }), password),
    (err) => err.code === 'NotAuthorizedException' && err.message === 'Incorrect username or password.');
});
