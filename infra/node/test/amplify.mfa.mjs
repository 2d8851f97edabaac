// Amplify JS v6 against Cognate, unmodified, with software-token MFA (issue 13): TOTP set-up
// during sign-in (CONTINUE_SIGN_IN_WITH_TOTP_SETUP), the code at sign-in
// (CONFIRM_SIGN_IN_WITH_TOTP_CODE), and enrolment while signed in (setUpTOTP, verifyTOTPSetup,
// updateMFAPreference, fetchMFAPreference). Codes come from otplib (./totp.mjs), with the secret
// read from the otpauth:// URI an authenticator app would scan. Each test has its own pool and
// user. Run by cmd/cognate TestJavaScriptMFA.
//
// Not here: CONFIRM_SIGN_IN_WITH_SMS_CODE and CONFIRM_SIGN_IN_WITH_EMAIL_CODE (SMS and email MFA
// are not implemented yet), and CONTINUE_SIGN_IN_WITH_MFA_SELECTION, which needs a user with
// several factors enabled and none preferred — impossible with the software token alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import {
  signIn, confirmSignIn, signOut, fetchAuthSession, setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import {
  InitiateAuthCommand, AssociateSoftwareTokenCommand, VerifySoftwareTokenCommand, SetUserMFAPreferenceCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, rejectsWith } from './helpers.mjs';
import { admin, mfaPool, confirmedUser, totpCode } from './totp.mjs';

const stored = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => { stored.set(k, v); },
  getItem: async (k) => stored.get(k) ?? null,
  removeItem: async (k) => { stored.delete(k); },
  clear: async () => { stored.clear(); },
});

// amplifyOn configures Amplify for a new pool with MFA mode.
async function amplifyOn(mode) {
  const p = await mfaPool(mode);
  Amplify.configure({ Auth: { Cognito: { userPoolId: p.poolId, userPoolClientId: p.clientId, userPoolEndpoint: endpoint, loginWith: { email: true } } } });
  return p;
}

// scanned is the secret of an otpauth:// URI, as an authenticator app reads it from the QR code.
function scanned(uri, issuer, account) {
  const u = new URL(uri.toString());
  assert.equal(`${u.protocol}//${u.host}${decodeURIComponent(u.pathname)}`, `otpauth://totp/${issuer}:${account}`);
  assert.equal(u.searchParams.get('issuer'), issuer);
  return u.searchParams.get('secret');
}

const wrong = (code) => String((Number(code) + 500000) % 1000000).padStart(6, '0');

test('Amplify v6: MFA ON, signIn → CONTINUE_SIGN_IN_WITH_TOTP_SETUP → confirmSignIn with the code', async () => {
  const p = await amplifyOn('ON');
  const password = 'Authenticator-App-30s';
  const email = await confirmedUser(p, 'diffie', password);

  const setup = await signIn({ username: email, password });
  assert.equal(setup.isSignedIn, false);
  assert.equal(setup.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
  const details = setup.nextStep.totpSetupDetails;
  const secret = scanned(details.getSetupUri('Cognate', email), 'Cognate', email);
  assert.equal(secret, details.sharedSecret);
  assert.match(secret, /^[A-Z2-7]{32,}$/);

  // A wrong code: VerifySoftwareToken's error, and the sign-in can still go on.
  const code = await totpCode(secret);
  await rejectsWith(confirmSignIn({ challengeResponse: wrong(code) }), 'EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA');
  assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, email);
  assert.deepEqual(await fetchMFAPreference(), { preferred: 'TOTP', enabled: ['TOTP'] });
  await signOut();

  // Set up: the next sign-in asks for the code.
  const next = await signIn({ username: email, password });
  assert.deepEqual(next, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
});

test('Amplify v6: an enrolled user, signIn → CONFIRM_SIGN_IN_WITH_TOTP_CODE → confirmSignIn', async () => {
  const p = await amplifyOn('OPTIONAL');
  const password = 'One-Time-Password-4226';
  const email = await confirmedUser(p, 'hellman', password);
  // Enrolled with SDK v3, with the code of the step that just ended.
  const auth = await admin.send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }));
  const AccessToken = auth.AuthenticationResult.AccessToken;
  const { SecretCode: secret } = await admin.send(new AssociateSoftwareTokenCommand({ AccessToken }));
  const verified = await admin.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: await totpCode(secret, -1) }));
  assert.equal(verified.Status, 'SUCCESS');
  await admin.send(new SetUserMFAPreferenceCommand({ AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));

  const challenge = await signIn({ username: email, password });
  assert.deepEqual(challenge, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
  const code = await totpCode(secret);
  await rejectsWith(confirmSignIn({ challengeResponse: wrong(code) }), 'CodeMismatchException', 'Invalid code received for user');
  assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, email);
  await signOut();
});

test('Amplify v6: MFA OPTIONAL, setUpTOTP → verifyTOTPSetup → updateMFAPreference, then signIn asks for the code', async () => {
  const p = await amplifyOn('OPTIONAL');
  const password = 'Hash-Based-MAC-2104';
  const email = await confirmedUser(p, 'merkle', password);

  assert.deepEqual(await signIn({ username: email, password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.deepEqual(await fetchMFAPreference(), { preferred: undefined, enabled: undefined });
  const details = await setUpTOTP();
  const secret = scanned(details.getSetupUri('Cognate', email), 'Cognate', email);
  assert.equal(secret, details.sharedSecret);
  await rejectsWith(verifyTOTPSetup({ code: wrong(await totpCode(secret)) }), 'EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA');
  // The code of the step that just ended, so that the sign-in below can use the current one.
  await verifyTOTPSetup({ code: await totpCode(secret, -1), options: { friendlyDeviceName: 'phone' } });
  // Verified, not yet enabled (as on Cognito).
  assert.deepEqual(await fetchMFAPreference(), { preferred: undefined, enabled: undefined });
  await updateMFAPreference({ totp: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { preferred: 'TOTP', enabled: ['TOTP'] });
  await signOut();

  const challenge = await signIn({ username: email, password });
  assert.deepEqual(challenge, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
  assert.deepEqual(await confirmSignIn({ challengeResponse: await totpCode(secret) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, email);
  await signOut();
});
