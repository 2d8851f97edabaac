// The sample email one-time-code sign-in (functions/hooks/email-otp-define, -create, -verify) seen
// from an unmodified amazon-cognito-identity-js: the three functions run under the AWS Lambda
// Runtime Interface Emulator, the create function mails the code through the SES emulator
// (aws-ses-v2-local), and this test reads it back from the emulator's store as a user reads
// their mail. Started by cmd/cognate TestJavaScriptSampleHooks, which passes SES_ENDPOINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoUserPool, CognitoUser, AuthenticationDetails } from 'amazon-cognito-identity-js';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, unique } from './helpers.mjs';

const sesEndpoint = process.env.SES_ENDPOINT;
assert.ok(sesEndpoint, 'SES_ENDPOINT is not set: run through go test ./cmd/cognate -run TestJavaScriptSampleHooks');
const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });
const arn = (name) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

// mails are what the SES emulator holds for an address, oldest first.
async function mails(to) {
  const res = await fetch(`${sesEndpoint}/store`);
  assert.equal(res.status, 200);
  const { emails } = await res.json();
  return emails.filter((m) => (m.destination?.to ?? []).includes(to));
}

async function latestCode(to) {
  const all = await mails(to);
  assert.ok(all.length > 0, `no mail to ${to}`);
  const m = /\b(\d{6})\b/.exec(all[all.length - 1].body.text ?? '');
  assert.ok(m, `no code in the newest mail to ${to}`);
  return m[1];
}

// otpUser makes a pool wired to the three sample functions, a client for CUSTOM_AUTH and a
// confirmed user with a verified address.
async function otpUser() {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('email-otp'), AutoVerifiedAttributes: ['email'],
    LambdaConfig: { DefineAuthChallenge: arn('email-otp-define'), CreateAuthChallenge: arn('email-otp-create'), VerifyAuthChallengeResponse: arn('email-otp-verify') },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const email = `${unique('otto')}@example.com`;
  await admin.send(new AdminCreateUserCommand({
    UserPoolId: UserPool.Id, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: UserPool.Id, Username: email, Password: 'Correct-Horse-9', Permanent: true }));
  const pool = new CognitoUserPool({ UserPoolId: UserPool.Id, ClientId: UserPoolClient.ClientId, endpoint });
  const user = new CognitoUser({ Username: email, Pool: pool });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  return { email, user };
}

// signIn runs initiateAuth with CUSTOM_AUTH, answering each challenge with answer(params, round).
function signIn(user, email, answer) {
  return new Promise((resolve, reject) => {
    let round = 0;
    user.initiateAuth(new AuthenticationDetails({ Username: email }), {
      customChallenge(params) {
        round += 1;
        Promise.resolve(answer(params, round)).then((a) => user.sendCustomChallengeAnswer(a, this), reject);
      },
      onSuccess: resolve,
      onFailure: reject,
    });
  });
}

test('amazon-cognito-identity-js: CUSTOM_AUTH signs in with the code mailed through SES, a typo forgiven', async () => {
  const { email, user } = await otpUser();
  let first;
  const session = await signIn(user, email, async (params, round) => {
    assert.equal(params.email, `${email[0]}***@example.com`);
    assert.equal(params.code, undefined);
    const code = await latestCode(email);
    if (round === 1) {
      first = code;
      return code === '000000' ? '000001' : '000000';
    }
    assert.equal(code, first, 'a wrong answer must not mail a new code');
    assert.equal((await mails(email)).length, 1);
    return code;
  });
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload().email, email);
});

test('amazon-cognito-identity-js: the third wrong code fails the sign-in', async () => {
  const { email, user } = await otpUser();
  let rounds = 0;
  await assert.rejects(signIn(user, email, async (_params, round) => {
    rounds = round;
    const code = await latestCode(email);
    return code === '000000' ? '000001' : '000000';
  }), (err) => err.code === 'NotAuthorizedException' && err.message === 'Incorrect username or password.');
  assert.equal(rounds, 3);
});
