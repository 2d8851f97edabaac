// Shared helpers for the JavaScript client tests. The Go test in cmd/cognate starts a local
// Cognate and passes its address in the environment.
import assert from 'node:assert/strict';

export const endpoint = process.env.COGNATE_ENDPOINT;
export const adminCredentials = {
  accessKeyId: process.env.COGNATE_ADMIN_KEY_ID,
  secretAccessKey: process.env.COGNATE_ADMIN_SECRET,
};
if (!endpoint) {
  throw new Error('COGNATE_ENDPOINT is not set: run these tests through `make test` (go test ./cmd/cognate)');
}

// latestCode reads the newest code sent to an address from the local outbox.
export async function latestCode(to) {
  const res = await fetch(`${endpoint}/_local/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(res.status, 200);
  const { messages } = await res.json();
  assert.ok(messages.length > 0, `no message to ${to}`);
  const code = messages[messages.length - 1].code;
  assert.match(code, /^\S{6,}$/);
  return code;
}

export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

// rejectsWith asserts a Cognito error by name and message.
export async function rejectsWith(promise, name, message) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name ?? err.code, name, `error ${err.name ?? err.code}: ${err.message}`);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}
