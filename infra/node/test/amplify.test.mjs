// Amplify JS v6 against Cognate, unmodified, configured only with Auth.Cognito.userPoolEndpoint,
// on the ready pool (email as username). Its default sign-in is USER_SRP_AUTH and its refresh is
// GetTokensFromRefreshToken. Node has no browser storage; the test hands Amplify a Map-backed
// KeyValueStorage (its documented hook), which also lets it look at the stored refresh token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, fetchAuthSession, signOut, getCurrentUser, autoSignIn } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { CognitoIdentityProviderClient, GetTokensFromRefreshTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, latestCode, unique, rejectsWith } from './helpers.mjs';

const userPoolId = process.env.COGNATE_POOL_ID;
const userPoolClientId = process.env.COGNATE_CLIENT_ID;
Amplify.configure({ Auth: { Cognito: { userPoolId, userPoolClientId, userPoolEndpoint: endpoint, loginWith: { email: true } } } });
const stored = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => { stored.set(k, v); },
  getItem: async (k) => stored.get(k) ?? null,
  removeItem: async (k) => { stored.delete(k); },
  clear: async () => { stored.clear(); },
});
const storedRefreshToken = () => [...stored].find(([k]) => k.endsWith('.refreshToken'))?.[1];

// signUp with autoSignIn arms a 3-minute browser-style timeout that nothing clears after a
// successful auto sign-in; in node it would hold the process open for those minutes. Timers
// created during that one call are unref'd so they cannot keep node alive.
async function unrefTimers(fn) {
  const real = globalThis.setTimeout;
  globalThis.setTimeout = (...args) => { const t = real(...args); t.unref?.(); return t; };
  try {
    return await fn();
  } finally {
    globalThis.setTimeout = real;
  }
}

const sdk = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });

test('Amplify v6: sign up, confirm, sign in (SRP), forced refresh, sign out', async () => {
  const email = `${unique('hopper')}@example.com`;
  const password = 'Nanosecond-Wire-30cm';
  const up = await signUp({ username: email, password, options: { userAttributes: { email } } });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const confirmed = await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  assert.equal(confirmed.isSignUpComplete, true);

  // A wrong password: Amplify surfaces Cognito's error.
  await rejectsWith(signIn({ username: email, password: 'Wrong-Password-1' }), 'NotAuthorizedException', 'Incorrect username or password.');

  const signedIn = await signIn({ username: email, password });
  assert.deepEqual(signedIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const me = await getCurrentUser();
  assert.equal(me.userId, up.userId);
  assert.equal(me.signInDetails.authFlowType, 'USER_SRP_AUTH');

  const before = await fetchAuthSession();
  const after = await fetchAuthSession({ forceRefresh: true });
  assert.ok(after.tokens.accessToken);
  assert.notEqual(after.tokens.accessToken.toString(), before.tokens.accessToken.toString());
  assert.equal(after.tokens.accessToken.payload.origin_jti, before.tokens.accessToken.payload.origin_jti);
  assert.equal(after.tokens.idToken.payload.email, email);
  assert.equal(after.userSub, up.userId);

  // Sign-out revokes the refresh token (origin_jti is present: RevokeToken) and forgets the tokens.
  const refreshToken = storedRefreshToken();
  assert.ok(refreshToken);
  await signOut();
  const gone = await fetchAuthSession();
  assert.equal(gone.tokens, undefined);
  await assert.rejects(getCurrentUser());
  await rejectsWith(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: userPoolClientId, RefreshToken: refreshToken })),
    'NotAuthorizedException', 'Invalid Refresh Token');
});

test('Amplify v6: auto sign-in after confirmation (USER_AUTH with the sign-up Session)', async () => {
  const email = `${unique('lovelace')}@example.com`;
  const password = 'Bernoulli-Numbers-1843';
  const up = await unrefTimers(() => signUp({ username: email, password, options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } } }));
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  const confirmed = await confirmSignUp({ username: email, confirmationCode: await latestCode(email) });
  assert.equal(confirmed.nextStep.signUpStep, 'COMPLETE_AUTO_SIGN_IN');
  const signedIn = await autoSignIn();
  assert.deepEqual(signedIn, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  const session = await fetchAuthSession();
  assert.equal(session.userSub, up.userId);
  assert.equal(session.tokens.idToken.payload.email, email);
  await signOut();

  // USER_AUTH with a preferred factor signs in with the password alone.
  const direct = await signIn({ username: email, password, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD_SRP' } });
  assert.equal(direct.isSignedIn, true);
  assert.equal((await getCurrentUser()).signInDetails.authFlowType, 'USER_AUTH');
  await signOut();
});
