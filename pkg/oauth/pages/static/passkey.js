// Cognate's passkey pages: on the button's click, ask the browser for a passkey (sign-in) or
// a new one (registration) with the options the server put in #passkey-options, and post the
// answer in the "credential" field as the JSON go-webauthn parses (binary fields base64url).
// Plain ES2020 and no inline code, so the page's CSP stays script-src 'self'.
"use strict";

(() => {
  const form = document.getElementById("passkey-form");
  const button = document.getElementById("passkey-button");
  const optionsBlock = document.getElementById("passkey-options");
  const errorBox = document.getElementById("passkey-error");
  if (!form || !button || !optionsBlock || !errorBox) {
    return;
  }

  const showError = (kind) => {
    errorBox.textContent = errorBox.dataset[kind] || "";
    errorBox.hidden = false;
  };

  if (!window.PublicKeyCredential || !navigator.credentials) {
    showError("unsupported");
    button.disabled = true;
    return;
  }

  const fromB64url = (s) => {
    const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    return bytes.buffer;
  };

  const toB64url = (buf) => {
    if (!buf) {
      return undefined;
    }
    const bytes = new Uint8Array(buf);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };

  // go-webauthn sends {"publicKey": {...}} (and sometimes "mediation"); a bare options object
  // is taken as it is.
  const readOptions = () => {
    const parsed = JSON.parse(optionsBlock.textContent);
    if (!parsed || typeof parsed !== "object") {
      throw new Error("no passkey options");
    }
    const pk = { ...(parsed.publicKey || parsed) };
    pk.challenge = fromB64url(pk.challenge);
    const credentialList = (list) =>
      (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));
    if (pk.allowCredentials) {
      pk.allowCredentials = credentialList(pk.allowCredentials);
    }
    if (pk.excludeCredentials) {
      pk.excludeCredentials = credentialList(pk.excludeCredentials);
    }
    if (pk.user) {
      pk.user = { ...pk.user, id: fromB64url(pk.user.id) };
    }
    return pk;
  };

  const serialise = (cred) => {
    const r = cred.response;
    const response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      if (typeof r.getTransports === "function") {
        response.transports = r.getTransports();
      }
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle && r.userHandle.byteLength > 0) {
        response.userHandle = toB64url(r.userHandle);
      }
    }
    return JSON.stringify({
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response,
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
    });
  };

  button.addEventListener("click", async () => {
    errorBox.hidden = true;
    button.disabled = true;
    try {
      const publicKey = readOptions();
      const cred = form.dataset.mode === "create"
        ? await navigator.credentials.create({ publicKey })
        : await navigator.credentials.get({ publicKey });
      if (!cred) {
        throw new Error("no credential");
      }
      document.getElementById("passkey-credential").value = serialise(cred);
      form.submit();
    } catch (e) {
      showError("failed");
      button.disabled = false;
      button.focus();
    }
  });
})();
