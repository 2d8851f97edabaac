// Lambda triggers seen from unmodified JavaScript clients (amazon-cognito-identity-js, Amplify v6,
// aws-jwt-verify): the functions run under the AWS Lambda
// Runtime Interface Emulator (infra/lambda/testhook, one per function), started by the Go test
// (cmd/cognate TestJavaScriptTriggers), which passes each function's script directory here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute } from 'amazon-cognito-identity-js';
import { CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { Amplify } from 'aws-amplify';
import { signIn, confirmSignIn, fetchAuthSession } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { endpoint, adminCredentials, unique } from './helpers.mjs';

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
// script tells the named function how to answer (see infra/lambda/testhook).
const script = (name, s) => writeFileSync(join(process.env[`HOOK_${name.toUpperCase().replaceAll('-', '_')}`], 'script.json'), JSON.stringify(s));
const call = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

async function triggeredPool() {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('triggers'), AutoVerifiedAttributes: ['email'],
    LambdaConfig: {
      PreSignUp: arn('pre-sign-up'), DefineAuthChallenge: arn('define'), CreateAuthChallenge: arn('create'),
      VerifyAuthChallengeResponse: arn('verify'), PreTokenGeneration: arn('pre-token'),
    },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

test('amazon-cognito-identity-js: a PreSignUp refusal is UserLambdaValidationException with Cognito\'s message', async () => {
  const { poolId, clientId } = await triggeredPool();
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  script('pre-sign-up', { error: 'Only example.com addresses may sign up' });
  const email = `${unique('mallory')}@example.org`;
  await assert.rejects(call((cb) => pool.signUp(email, 'Correct-Horse-9', [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb)),
    (err) => err.code === 'UserLambdaValidationException' && err.message === 'PreSignUp failed with error Only example.com addresses may sign up.');
});

test('amazon-cognito-identity-js: CUSTOM_AUTH with sendCustomChallengeAnswer, and a pre-token claim aws-jwt-verify accepts', async () => {
  const { poolId, clientId } = await triggeredPool();
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  const email = `${unique('otto')}@example.com`;
  script('pre-sign-up', { response: { autoConfirmUser: true, autoVerifyEmail: true } });
  script('pre-token', { response: { claimsOverrideDetails: { claimsToAddOrOverride: { tenant: 'acme' } } } });
  const signedUp = await call((cb) => pool.signUp(email, 'Correct-Horse-9', [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb));
  assert.equal(signedUp.userConfirmed, true);

  script('define', { response: { challengeName: 'CUSTOM_CHALLENGE' } });
  script('create', { response: { publicChallengeParameters: { sentTo: 'o***@example.com' }, privateChallengeParameters: { code: '731904' } } });
  script('verify', { response: { answerCorrect: true } });
  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  const session = await new Promise((resolve, reject) => user.initiateAuth(new AuthenticationDetails({ Username: email }), {
    customChallenge(params) {
      assert.equal(params.sentTo, 'o***@example.com');
      assert.equal(params.code, undefined);
      script('define', { response: { issueTokens: true } });
      user.sendCustomChallengeAnswer('731904', this);
    },
    onSuccess: resolve,
    onFailure: reject,
  }));
  assert.ok(session.isValid());

  const issuer = `${endpoint}/${poolId}`;
  const verifier = JwtVerifier.create({ issuer, audience: clientId, jwksUri: `${issuer}/.well-known/jwks.json` });
  verifier.cacheJwks(await (await fetch(`${issuer}/.well-known/jwks.json`)).json());
  const payload = await verifier.verify(session.getIdToken().getJwtToken());
  assert.equal(payload.tenant, 'acme');
  assert.equal(payload.email, email);
});

test('Amplify v6: signIn with CUSTOM_WITH_SRP, then confirmSignIn with the custom challenge', async () => {
  const { poolId, clientId } = await triggeredPool();
  Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint } } });
  const stored = new Map();
  cognitoUserPoolsTokenProvider.setKeyValueStorage({
    setItem: async (k, v) => { stored.set(k, v); },
    getItem: async (k) => stored.get(k) ?? null,
    removeItem: async (k) => { stored.delete(k); },
    clear: async () => { stored.clear(); },
  });
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
  const email = `${unique('ava')}@example.com`;
  script('pre-sign-up', { response: { autoConfirmUser: true, autoVerifyEmail: true } });
  script('pre-token', {});
  await call((cb) => pool.signUp(email, 'Correct-Horse-9', [new CognitoUserAttribute({ Name: 'email', Value: email })], null, cb));

  // Round 1 (SRP_A passed): ask for the password; round 2 (password right): a custom challenge;
  // round 3 (answer right): tokens.
  script('define', { byRound: {
    1: { challengeName: 'PASSWORD_VERIFIER' },
    2: { challengeName: 'CUSTOM_CHALLENGE' },
    3: { issueTokens: true },
  } });
  script('create', { response: { publicChallengeParameters: { question: 'favourite colour?' }, privateChallengeParameters: { answer: 'teal' } } });
  script('verify', { response: { answerCorrect: true } });
  const first = await signIn({ username: email, password: 'Correct-Horse-9', options: { authFlowType: 'CUSTOM_WITH_SRP' } });
  assert.equal(first.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE');
  assert.equal(first.nextStep.additionalInfo.question, 'favourite colour?');
  const done = await confirmSignIn({ challengeResponse: 'teal' });
  assert.equal(done.isSignedIn, true);
  const { tokens } = await fetchAuthSession();
  assert.equal(tokens.idToken.payload.email, email);
});
