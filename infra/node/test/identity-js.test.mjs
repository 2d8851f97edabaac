// amazon-cognito-identity-js against Cognate, unmodified, with USER_PASSWORD_AUTH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute } from 'amazon-cognito-identity-js';
import { endpoint, latestCode, unique } from './helpers.mjs';

const poolData = { UserPoolId: process.env.COGNATE_POOL_ID, ClientId: process.env.COGNATE_CLIENT_ID, endpoint };

const call = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

test('amazon-cognito-identity-js: sign up, confirm, sign in, refresh, change password, sign out', async () => {
  const pool = new CognitoUserPool(poolData);
  const email = `${unique('linus')}@example.com`;
  const password = 'Kernel-Hacker-1991';
  const signUp = await call((cb) => pool.signUp(email, password, [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb));
  assert.equal(signUp.userConfirmed, false);

  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  const code = await latestCode(email);
  await assert.rejects(call((cb) => user.confirmRegistration(code === '000000' ? '111111' : '000000', true, cb)),
    (err) => err.code === 'CodeMismatchException');
  assert.equal(await call((cb) => user.confirmRegistration(code, true, cb)), 'SUCCESS');

  const session = await new Promise((resolve, reject) => user.authenticateUser(
    new AuthenticationDetails({ Username: email, Password: password }),
    { onSuccess: resolve, onFailure: reject },
  ));
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);

  const attrs = await call((cb) => user.getUserAttributes(cb));
  assert.equal(attrs.find((a) => a.getName() === 'email_verified').getValue(), 'true');

  const refreshed = await call((cb) => user.refreshSession(session.getRefreshToken(), cb));
  assert.ok(refreshed.isValid());
  assert.equal(refreshed.getAccessToken().decodePayload().origin_jti, session.getAccessToken().decodePayload().origin_jti);

  await call((cb) => user.changePassword(password, 'Kernel-Hacker-2024', cb));
  await new Promise((resolve, reject) => user.globalSignOut({ onSuccess: resolve, onFailure: reject }));
  await assert.rejects(call((cb) => user.getUserAttributes(cb)), (err) => err.code === 'NotAuthorizedException' || err.name === 'NotAuthorizedException');

  const again = new CognitoUser({ Username: email, Pool: pool });
  again.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  await assert.rejects(new Promise((resolve, reject) => again.authenticateUser(
    new AuthenticationDetails({ Username: email, Password: password }), { onSuccess: resolve, onFailure: reject },
  )), (err) => err.code === 'NotAuthorizedException' && err.message === 'Incorrect username or password.');
});
