// amazon-cognito-identity-js against Cognate, unmodified, with MFA (issue 13): software-token
// enrolment while signed in, the totpRequired callback and sendMFACode, and the mfaSetup callback
// with associateSoftwareToken / verifySoftwareToken on the sign-in's Session; SMS MFA
// (setUserMfaPreference, the mfaRequired callback, sendMFACode) and the selectMFAType callback
// with sendMFASelectionAnswer. TOTP codes come from otplib, SMS codes from the local outbox
// (./totp.mjs). Run by cmd/cognate TestJavaScriptMFA.
//
// Not here: email MFA (EMAIL_OTP). identity-js 6.3 has no callback for it: authenticateUserInternal
// knows SMS_MFA, SELECT_MFA_TYPE, MFA_SETUP, SOFTWARE_TOKEN_MFA, CUSTOM_CHALLENGE,
// NEW_PASSWORD_REQUIRED and DEVICE_SRP_AUTH, and takes any other challenge for tokens (a TypeError
// on the missing AuthenticationResult); sendMFASelectionAnswer('EMAIL_OTP') calls no callback;
// sendMFACode sends the code only as SMS_MFA_CODE (or SOFTWARE_TOKEN_MFA_CODE), never
// EMAIL_OTP_CODE; setUserMfaPreference has no email settings. Nor USER_AUTH (passwordless), which
// identity-js does not offer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoUserPool, CognitoUser, AuthenticationDetails } from 'amazon-cognito-identity-js';
import { endpoint } from './helpers.mjs';
import { AdminSetUserMFAPreferenceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { admin, mfaPool, confirmedUser, totpCode, withPhone, signInCode, wrongCode } from './totp.mjs';

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

// sendMFACode answers SOFTWARE_TOKEN_MFA, or with mfaType null the library's default, SMS_MFA.
const sendMFACode = (user, code, mfaType = 'SOFTWARE_TOKEN_MFA') => new Promise((resolve, reject) => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, mfaType ?? undefined));

const mfaSettings = async (user) => {
  const data = await call((cb) => user.getUserData(cb, { bypassCache: true }));
  return { preferred: data.PreferredMfaSetting, list: data.UserMFASettingList };
};


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
  await assert.rejects(verify(wrongCode(await totpCode(secret))),
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
  await assert.rejects(sendMFACode(again, wrongCode(code)),
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

test('amazon-cognito-identity-js: SMS MFA, setUserMfaPreference, then mfaRequired and sendMFACode (SMS_MFA)', async () => {
  const p = await mfaPool('OPTIONAL', { totp: false, sms: true, email: true });
  const pool = new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint });
  const password = 'Short-Message-Service-160';
  const email = await confirmedUser(p, 'hamming', password);
  const phone = await withPhone(p, email);

  // Signed in (SRP): nothing asked yet; the user prefers SMS.
  const user = new CognitoUser({ Username: email, Pool: pool });
  assert.ok((await signIn(user, password)).session?.isValid());
  assert.equal(await call((cb) => user.setUserMfaPreference({ Enabled: true, PreferredMfa: true }, null, cb)), 'SUCCESS');
  assert.deepEqual(await mfaSettings(user), { preferred: 'SMS_MFA', list: ['SMS_MFA'] });

  // The next sign-in: mfaRequired, the code texted to the phone.
  const again = new CognitoUser({ Username: email, Pool: pool });
  const challenge = await signIn(again, password);
  assert.equal(challenge.callback, 'mfaRequired');
  assert.equal(challenge.challengeName, 'SMS_MFA');
  assert.equal(challenge.params.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
  assert.equal(challenge.params.CODE_DELIVERY_DESTINATION, `+*******${phone.slice(-4)}`);
  const code = await signInCode(phone, { channel: 'SMS' });
  await assert.rejects(sendMFACode(again, wrongCode(code), null),
    (err) => err.code === 'CodeMismatchException' && err.message === 'Invalid code or auth state for the user.');
  // sendMFACode(code, callbacks): the library's default answer, SMS_MFA with SMS_MFA_CODE.
  const session = await sendMFACode(again, code, null);
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);
  assert.equal(session.getIdToken().decodePayload().phone_number, phone);
});

test('amazon-cognito-identity-js: SMS and email MFA enabled, none preferred: selectMFAType, sendMFASelectionAnswer(SMS_MFA), mfaRequired', async () => {
  const p = await mfaPool('OPTIONAL', { totp: false, sms: true, email: true });
  const pool = new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint });
  const password = 'Pick-1-Factor-Any-Factor';
  const email = await confirmedUser(p, 'lamport', password);
  const phone = await withPhone(p, email);
  await admin.send(new AdminSetUserMFAPreferenceCommand({
    UserPoolId: p.poolId, Username: email, SMSMfaSettings: { Enabled: true }, EmailMfaSettings: { Enabled: true },
  }));

  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  const challenge = await signIn(user, password);
  assert.equal(challenge.callback, 'selectMFAType');
  assert.equal(challenge.challengeName, 'SELECT_MFA_TYPE');
  assert.deepEqual(JSON.parse(challenge.params.MFAS_CAN_CHOOSE).sort(), ['EMAIL_OTP', 'SMS_MFA']);

  const chosen = await new Promise((resolve, reject) => user.sendMFASelectionAnswer('SMS_MFA', {
    mfaRequired: (challengeName, params) => resolve({ callback: 'mfaRequired', challengeName, params }),
    totpRequired: (challengeName, params) => resolve({ callback: 'totpRequired', challengeName, params }),
    onFailure: reject,
  }));
  assert.equal(chosen.callback, 'mfaRequired');
  assert.equal(chosen.challengeName, 'SMS_MFA');
  assert.equal(chosen.params.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
  assert.equal(chosen.params.CODE_DELIVERY_DESTINATION, `+*******${phone.slice(-4)}`);
  const session = await sendMFACode(user, await signInCode(phone, { channel: 'SMS' }), null);
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);
});
