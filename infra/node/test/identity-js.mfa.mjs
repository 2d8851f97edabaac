// amazon-cognito-identity-js against Cognate, unmodified, with software-token MFA (issue 13):
// enrolment while signed in, the totpRequired callback and sendMFACode, and the mfaSetup callback
// with associateSoftwareToken / verifySoftwareToken on the sign-in's Session. Codes come from
// otplib (./totp.mjs). Run by cmd/cognate TestJavaScriptMFA.
//
// Not here: mfaRequired (SMS_MFA) and email MFA, which Cognate does not implement yet, and
// selectMFAType, which Cognate poses only when a user has several factors enabled and none
// preferred — impossible while the software token is the only factor it implements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoUserPool, CognitoUser, AuthenticationDetails } from 'amazon-cognito-identity-js';
import { endpoint } from './helpers.mjs';
import { mfaPool, confirmedUser, totpCode } from './totp.mjs';

const call = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

// signIn runs authenticateUser and resolves with the session, or with the MFA challenge the
// library handed to one of its callbacks.
const signIn = (user, password) => new Promise((resolve, reject) => user.authenticateUser(
  new AuthenticationDetails({ Username: user.getUsername(), Password: password }),
  {
    onSuccess: (session) => resolve({ session }),
    onFailure: reject,
    totpRequired: (challengeName, params) => resolve({ callback: 'totpRequired', challengeName, params }),
    mfaSetup: (challengeName, params) => resolve({ callback: 'mfaSetup', challengeName, params }),
    selectMFAType: (challengeName, params) => resolve({ callback: 'selectMFAType', challengeName, params }),
    mfaRequired: (challengeName, params) => resolve({ callback: 'mfaRequired', challengeName, params }),
  },
));

const sendMFACode = (user, code) => new Promise((resolve, reject) => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA'));

const mfaSettings = async (user) => {
  const data = await call((cb) => user.getUserData(cb, { bypassCache: true }));
  return { preferred: data.PreferredMfaSetting, list: data.UserMFASettingList };
};

// wrong is a six-digit code that is not code.
const wrong = (code) => String((Number(code) + 500000) % 1000000).padStart(6, '0');

test('amazon-cognito-identity-js: enrol a software token, then totpRequired and sendMFACode (SOFTWARE_TOKEN_MFA)', async () => {
  const p = await mfaPool('OPTIONAL');
  const pool = new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint });
  const password = 'Time-Based-OTP-6238';
  const email = await confirmedUser(p, 'rivest', password);

  // Signed in (SRP, the library's default): nothing asked in an OPTIONAL pool.
  const user = new CognitoUser({ Username: email, Pool: pool });
  const first = await signIn(user, password);
  assert.ok(first.session?.isValid(), `first sign-in: ${JSON.stringify(first)}`);
  assert.deepEqual(await mfaSettings(user), { preferred: undefined, list: undefined });

  // associateSoftwareToken with the access token; verifySoftwareToken; setUserMfaPreference.
  const secret = await new Promise((resolve, reject) => user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  assert.match(secret, /^[A-Z2-7]{32,}$/);
  const verify = (code) => new Promise((resolve, reject) => user.verifySoftwareToken(code, 'phone', { onSuccess: resolve, onFailure: reject }));
  await assert.rejects(verify(wrong(await totpCode(secret))),
    (err) => err.code === 'EnableSoftwareTokenMFAException' && err.message === 'Code mismatch and fail enable Software Token MFA');
  // The code of the step that just ended, so that the sign-in below can use the current one.
  const verified = await verify(await totpCode(secret, -1));
  assert.equal(verified.Status, 'SUCCESS');
  assert.equal(await call((cb) => user.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, cb)), 'SUCCESS');
  assert.deepEqual(await mfaSettings(user), { preferred: 'SOFTWARE_TOKEN_MFA', list: ['SOFTWARE_TOKEN_MFA'] });

  // The next sign-in asks for the code: a wrong one fails, the app's code signs in.
  const again = new CognitoUser({ Username: email, Pool: pool });
  const challenge = await signIn(again, password);
  assert.equal(challenge.callback, 'totpRequired');
  assert.equal(challenge.challengeName, 'SOFTWARE_TOKEN_MFA');
  const code = await totpCode(secret);
  await assert.rejects(sendMFACode(again, wrong(code)),
    (err) => err.code === 'CodeMismatchException' && err.message === 'Invalid code received for user');
  const session = await sendMFACode(again, code);
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);
  assert.equal(session.getAccessToken().decodePayload().username, first.session.getAccessToken().decodePayload().username);
});

test('amazon-cognito-identity-js: MFA ON, mfaSetup, associateSoftwareToken and verifySoftwareToken with the Session', async () => {
  const p = await mfaPool('ON');
  const pool = new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint });
  const password = 'Shared-Secret-HMAC-1';
  const email = await confirmedUser(p, 'shamir', password);

  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  const challenge = await signIn(user, password);
  assert.equal(challenge.callback, 'mfaSetup');
  assert.equal(challenge.challengeName, 'MFA_SETUP');
  assert.deepEqual(JSON.parse(challenge.params.MFAS_CAN_SETUP), ['SOFTWARE_TOKEN_MFA']);

  // No tokens yet: the library sends the sign-in's Session, and the next Session it is given.
  const secret = await new Promise((resolve, reject) => user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  assert.match(secret, /^[A-Z2-7]{32,}$/);
  const code = await totpCode(secret);
  const session = await new Promise((resolve, reject) => user.verifySoftwareToken(code, 'My TOTP device', { onSuccess: resolve, onFailure: reject }));
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);

  // Set up during sign-in: enabled and preferred; the next sign-in asks for the code.
  assert.deepEqual(await mfaSettings(user), { preferred: 'SOFTWARE_TOKEN_MFA', list: ['SOFTWARE_TOKEN_MFA'] });
  const next = new CognitoUser({ Username: email, Pool: pool });
  next.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  assert.equal((await signIn(next, password)).callback, 'totpRequired');
});
