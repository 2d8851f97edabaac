// The proof that a custom sender function written for Cognito works unchanged with Cognate: the
// code in a CustomEmailSender event is decrypted exactly as AWS's own sample function decrypts
// it, with the official AWS Encryption SDK (@aws-crypto/client-node, buildClient with
// REQUIRE_ENCRYPT_ALLOW_DECRYPT and a KmsKeyringNode over the pool's key), against local-kms;
// and what it decrypts is the code that confirms the sign-up, or the temporary password that
// signs the user in. The function runs under the Lambda Runtime Interface Emulator
// (infra/lambda/testhook, recording its events in HOOK_DIR), started by the Go test
// (cmd/cognate TestJavaScriptCustomSenders), which also starts local-kms and makes the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildClient, CommitmentPolicy, KmsKeyringNode, getClient, KMS } from '@aws-crypto/client-node';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, SignUpCommand, ConfirmSignUpCommand,
  InitiateAuthCommand, AdminCreateUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, unique } from './helpers.mjs';

const keyArn = process.env.KMS_KEY_ARN;
const hookDir = process.env.HOOK_DIR;
const senderArn = 'arn:aws:lambda:us-east-1:123456789012:function:custom-email-sender';

// As in AWS's CustomEmailSender sample, only the KMS client points at local-kms.
const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const keyring = new KmsKeyringNode({
  generatorKeyId: keyArn,
  keyIds: [keyArn],
  clientProvider: getClient(KMS, { endpoint: process.env.KMS_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
});

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });
const client = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });

async function senderPool() {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('senders'), AutoVerifiedAttributes: ['email'],
    LambdaConfig: { CustomEmailSender: { LambdaVersion: 'V1_0', LambdaArn: senderArn }, KMSKeyID: keyArn },
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId };
}

// sentTo waits for the sender's event for this user: the invocation is asynchronous, so the
// API call has returned before the function has necessarily run.
async function sentTo(userName, triggerSource) {
  const file = join(hookDir, 'events.jsonl');
  for (let i = 0; i < 500; i++) {
    if (existsSync(file)) {
      const ev = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
        .find((e) => e.userName === userName && e.triggerSource === triggerSource);
      if (ev) return ev;
    }
    await sleep(20);
  }
  throw new Error(`no ${triggerSource} event for ${userName}`);
}

// The sample function's decryption, word for word but for the KMS endpoint.
async function decryptCode(event) {
  const { plaintext, messageHeader } = await decrypt(keyring, Buffer.from(event.request.code, 'base64'));
  return { code: plaintext.toString('utf8'), header: messageHeader };
}

test('the Encryption SDK decrypts a CustomEmailSender_SignUp code, and the code confirms the sign-up', async () => {
  const { poolId, clientId } = await senderPool();
  const username = unique('ada');
  const email = `${username}@example.com`;
  const out = await client.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: 'Correct-Horse-9',
    UserAttributes: [{ Name: 'email', Value: email }], ClientMetadata: { app: 'node' } }));
  assert.equal(out.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');

  const event = await sentTo(username, 'CustomEmailSender_SignUp');
  assert.equal(event.request.type, 'customEmailSenderRequestV1');
  assert.equal(event.request.userAttributes.email, email);
  assert.equal(event.request.clientMetadata.app, 'node');
  const { code, header } = await decryptCode(event);
  assert.match(code, /^\d{6}$/);
  assert.equal(header.encryptionContext['userpool-id'], poolId);
  assert.equal(header.encryptedDataKeys[0].providerInfo, keyArn);

  await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }));
  const auth = await client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: 'Correct-Horse-9' } }));
  assert.ok(auth.AuthenticationResult.IdToken);
});

test('the Encryption SDK decrypts a CustomEmailSender_AdminCreateUser temporary password, and it signs the user in', async () => {
  const { poolId, clientId } = await senderPool();
  const username = unique('bo');
  // A temporary password without the characters Cognito HTML-escapes for the senders (<>&'").
  await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, DesiredDeliveryMediums: ['EMAIL'],
    TemporaryPassword: 'Temp-Pass-123',
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'email_verified', Value: 'true' }] }));
  const { code: temporary } = await decryptCode(await sentTo(username, 'CustomEmailSender_AdminCreateUser'));
  assert.equal(temporary, 'Temp-Pass-123');
  const auth = await client.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: temporary } }));
  assert.equal(auth.ChallengeName, 'NEW_PASSWORD_REQUIRED');
});
