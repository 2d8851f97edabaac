// Runs static/passkey.js under Node against a fake page and a fake navigator.credentials, for
// passkey_test.go. stdin: {"script", "options", "mode", "credential"} where credential's binary
// fields are base64url. stdout: what the form would post and what the browser was asked.
"use strict";

const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));

const buf = (s) => {
  const b = Buffer.from(s, "base64url");
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const b64 = (ab) => Buffer.from(new Uint8Array(ab)).toString("base64url");

let clickHandler = null;
let submitted = false;
const el = (props) => ({ dataset: {}, hidden: false, textContent: "", value: "", ...props });
const elements = {
  "passkey-form": el({ dataset: { mode: input.mode }, submit: () => { submitted = true; } }),
  "passkey-button": el({ addEventListener: (type, fn) => { if (type === "click") clickHandler = fn; }, focus: () => {} }),
  "passkey-options": el({ textContent: input.options }),
  "passkey-error": el({ hidden: true, dataset: { failed: "failed", unsupported: "unsupported" } }),
  "passkey-credential": el({}),
};
globalThis.document = { getElementById: (id) => elements[id] || null };
globalThis.window = { PublicKeyCredential: function PublicKeyCredential() {} };

let asked = null;
const answer = async (opts) => {
  asked = opts.publicKey;
  const c = input.credential;
  if (!c) {
    throw new Error("NotAllowedError: the user cancelled");
  }
  const response = { clientDataJSON: buf(c.response.clientDataJSON) };
  if (c.response.attestationObject) {
    response.attestationObject = buf(c.response.attestationObject);
    response.getTransports = () => ["internal"];
  } else {
    response.authenticatorData = buf(c.response.authenticatorData);
    response.signature = buf(c.response.signature);
    response.userHandle = c.response.userHandle ? buf(c.response.userHandle) : null;
  }
  return {
    id: c.id,
    rawId: buf(c.rawId),
    type: c.type,
    response,
    authenticatorAttachment: "platform",
    getClientExtensionResults: () => ({}),
  };
};
Object.defineProperty(globalThis, "navigator", {
  value: { credentials: { get: answer, create: answer } },
  configurable: true,
});

require(input.script);

(async () => {
  if (!clickHandler) {
    throw new Error("passkey.js did not listen for the button's click");
  }
  await clickHandler();
  const seen = asked && {
    challenge: b64(asked.challenge),
    userId: asked.user ? b64(asked.user.id) : undefined,
    allowCredentials: (asked.allowCredentials || []).map((c) => b64(c.id)),
  };
  process.stdout.write(JSON.stringify({
    submitted,
    credential: elements["passkey-credential"].value,
    error: elements["passkey-error"].hidden ? "" : elements["passkey-error"].textContent,
    seen,
  }));
})().catch((e) => { console.error(e); process.exit(1); });
