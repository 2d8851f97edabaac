// Amplify JS v6 against Cognate, unmodified, with MFA and passwordless sign-in (issue 13): TOTP
// set-up during sign-in (CONTINUE_SIGN_IN_WITH_TOTP_SETUP), the code at sign-in
// (CONFIRM_SIGN_IN_WITH_TOTP_CODE), enrolment while signed in (setUpTOTP, verifyTOTPSetup,
// updateMFAPreference, fetchMFAPreference); SMS and email MFA (CONFIRM_SIGN_IN_WITH_SMS_CODE,
// CONFIRM_SIGN_IN_WITH_EMAIL_CODE, updateMFAPreference with sms / email) and the choice among
// them (CONTINUE_SIGN_IN_WITH_MFA_SELECTION); USER_AUTH for a user signed up without a password
// (preferredChallenge EMAIL_OTP or SMS_OTP, and CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION).
// TOTP codes come from otplib (./totp.mjs), with the secret read from the otpauth:// URI an
// authenticator app would scan; SMS and email codes from the local outbox. Each test has its own
// pool and user. Run by cmd/cognate TestJavaScriptMFA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import {
  signIn, confirmSignIn, signOut, fetchAuthSession, setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference,
  signUp, confirmSignUp, autoSignIn,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import {
  InitiateAuthCommand, AssociateSoftwareTokenCommand, VerifySoftwareTokenCommand, SetUserMFAPreferenceCommand,
  AdminSetUserMFAPreferenceCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, latestCode, rejectsWith, unique } from './helpers.mjs';
import { admin, mfaPool, confirmedUser, totpCode, withPhone, signInCode, wrongCode } from './totp.mjs';

const stored = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => { stored.set(k, v); },
  getItem: async (k) => stored.get(k) ?? null,
  removeItem: async (k) => { stored.delete(k); },
  clear: async () => { stored.clear(); },
});

// amplifyOn configures Amplify for a new pool with MFA mode (and mfaPool's options).
async function amplifyOn(mode, options) {
  const p = await mfaPool(mode, options);
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
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(code) }), 'EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA');
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
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(code) }), 'CodeMismatchException', 'Invalid code received for user');
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
  await rejectsWith(verifyTOTPSetup({ code: wrongCode(await totpCode(secret)) }), 'EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA');
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

test('Amplify v6: updateMFAPreference({ sms: PREFERRED }), then signIn → CONFIRM_SIGN_IN_WITH_SMS_CODE → confirmSignIn', async () => {
  const p = await amplifyOn('OPTIONAL', { totp: false, sms: true, email: true });
  const password = 'Text-Me-The-Code-160';
  const email = await confirmedUser(p, 'shannon', password);
  const phone = await withPhone(p, email);

  assert.deepEqual(await signIn({ username: email, password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await updateMFAPreference({ sms: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { preferred: 'SMS', enabled: ['SMS'] });
  await signOut();

  const challenge = await signIn({ username: email, password });
  assert.deepEqual(challenge, { isSignedIn: false, nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE', codeDeliveryDetails: { deliveryMedium: 'SMS', destination: `+*******${phone.slice(-4)}` },
  } });
  const code = await signInCode(phone, { channel: 'SMS' });
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(code) }), 'CodeMismatchException', 'Invalid code or auth state for the user.');
  assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.phone_number, phone);
  await signOut();
});

test('Amplify v6: updateMFAPreference({ email: PREFERRED }), then signIn → CONFIRM_SIGN_IN_WITH_EMAIL_CODE → confirmSignIn', async () => {
  const p = await amplifyOn('OPTIONAL', { totp: false, email: true });
  const password = 'Mail-Me-The-Code-5321';
  const email = await confirmedUser(p, 'postel', password);

  assert.deepEqual(await signIn({ username: email, password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await updateMFAPreference({ email: 'PREFERRED' });
  assert.deepEqual(await fetchMFAPreference(), { preferred: 'EMAIL', enabled: ['EMAIL'] });
  await signOut();

  const challenge = await signIn({ username: email, password });
  assert.deepEqual(challenge, { isSignedIn: false, nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: `${email[0]}***@e***` },
  } });
  const code = await signInCode(email, { channel: 'EMAIL' });
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(code) }), 'CodeMismatchException', 'Invalid code or auth state for the user.');
  assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, email);

  // Disabled again: the next sign-in asks for nothing.
  await updateMFAPreference({ email: 'DISABLED' });
  assert.deepEqual(await fetchMFAPreference(), { preferred: undefined, enabled: undefined });
  await signOut();
  assert.deepEqual(await signIn({ username: email, password }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await signOut();
});

test('Amplify v6: SMS and email MFA enabled, none preferred: CONTINUE_SIGN_IN_WITH_MFA_SELECTION → EMAIL → the code', async () => {
  const p = await amplifyOn('OPTIONAL', { totp: false, sms: true, email: true });
  const password = 'Either-Will-Do-1984';
  const email = await confirmedUser(p, 'kahn', password);
  await withPhone(p, email);
  await admin.send(new AdminSetUserMFAPreferenceCommand({
    UserPoolId: p.poolId, Username: email, SMSMfaSettings: { Enabled: true }, EmailMfaSettings: { Enabled: true },
  }));

  const select = await signIn({ username: email, password });
  assert.equal(select.isSignedIn, false);
  assert.equal(select.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION');
  assert.deepEqual([...select.nextStep.allowedMFATypes].sort(), ['EMAIL', 'SMS']);
  // Amplify answers SELECT_MFA_TYPE with 'SMS', 'TOTP' or 'EMAIL', sent as SMS_MFA, SOFTWARE_TOKEN_MFA or EMAIL_OTP.
  const chosen = await confirmSignIn({ challengeResponse: 'EMAIL' });
  assert.deepEqual(chosen, { isSignedIn: false, nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: `${email[0]}***@e***` },
  } });
  assert.deepEqual(await confirmSignIn({ challengeResponse: await signInCode(email, { channel: 'EMAIL' }) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, email);
  const pref = await fetchMFAPreference();
  assert.equal(pref.preferred, undefined);
  assert.deepEqual([...pref.enabled].sort(), ['EMAIL', 'SMS']);
  await signOut();
});

test('Amplify v6: signUp without a password, then USER_AUTH with preferredChallenge EMAIL_OTP, SMS_OTP, and the first-factor choice', async () => {
  const p = await amplifyOn('OFF', { firstFactors: ['PASSWORD', 'EMAIL_OTP', 'SMS_OTP'] });
  const email = `${unique('baran')}@example.com`;

  // Amplify's signUp leaves Password out when none is given.
  const up = await signUp({ username: email, options: { userAttributes: { email } } });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  assert.deepEqual(await confirmSignUp({ username: email, confirmationCode: await latestCode(email) }),
    { isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } });

  // preferredChallenge EMAIL_OTP: the eight-digit code mailed to the verified address.
  const userAuth = (preferredChallenge) => signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge } });
  const mailed = await userAuth('EMAIL_OTP');
  assert.deepEqual(mailed, { isSignedIn: false, nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE', codeDeliveryDetails: { deliveryMedium: 'EMAIL', destination: `${email[0]}***@e***` },
  } });
  const code = await signInCode(email, { channel: 'EMAIL', digits: 8 });
  await rejectsWith(confirmSignIn({ challengeResponse: wrongCode(code) }), 'CodeMismatchException', 'Invalid code or auth state for the user.');
  assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.email, email);
  await signOut();

  // No preferred challenge: the user chooses among the first factors they have — no PASSWORD,
  // and no SMS_OTP without a phone number.
  const select = await userAuth(undefined);
  assert.deepEqual(select, { isSignedIn: false, nextStep: { signInStep: 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION', availableChallenges: ['EMAIL_OTP'] } });
  const chosen = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
  assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
  assert.deepEqual(await confirmSignIn({ challengeResponse: await signInCode(email, { channel: 'EMAIL', digits: 8 }) }),
    { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  await signOut();

  // preferredChallenge SMS_OTP, once the user has a verified phone number.
  const phone = await withPhone(p, email, { verified: true });
  const texted = await userAuth('SMS_OTP');
  assert.deepEqual(texted, { isSignedIn: false, nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE', codeDeliveryDetails: { deliveryMedium: 'SMS', destination: `+*******${phone.slice(-4)}` },
  } });
  assert.deepEqual(await confirmSignIn({ challengeResponse: await signInCode(phone, { channel: 'SMS', digits: 8 }) }),
    { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  assert.equal((await fetchAuthSession()).tokens.idToken.payload.phone_number, phone);
  await signOut();
});

test('Amplify v6: signUp without a password with autoSignIn (USER_AUTH), confirmSignUp → COMPLETE_AUTO_SIGN_IN → autoSignIn', async () => {
  await amplifyOn('OFF', { firstFactors: ['PASSWORD', 'EMAIL_OTP'] });
  const email = `${unique('metcalfe')}@example.com`;
  // signUp with autoSignIn arms a 3-minute timeout nothing clears (amplify.test.mjs): unref'd.
  const real = globalThis.setTimeout;
  globalThis.setTimeout = (...args) => { const t = real(...args); t.unref?.(); return t; };
  let up;
  try {
    up = await signUp({ username: email, options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } } });
  } finally {
    globalThis.setTimeout = real;
  }
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const confirmed = await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  // The confirmation's Session signs in: no code asked.
  assert.deepEqual(await autoSignIn(), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await fetchAuthSession();
  assert.equal(session.userSub, up.userId);
  assert.equal(session.tokens.idToken.payload.email, email);
  await signOut();
});
