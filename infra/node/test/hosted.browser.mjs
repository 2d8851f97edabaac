// The hosted pages in a real browser (issue 14): Debian's Chromium driven by playwright-core,
// an OpenID-certified relying party (openid-client) doing discovery, the code flow with PKCE,
// the token exchange and userInfo, aws-jwt-verify checking the tokens against the pool's JWKS,
// TOTP codes from otplib. The Go test in cmd/cognate (TestBrowser) starts Cognate, a trigger
// webhook address (COGNATE_HOOK_PORT, served here) and, with COGNATE_SCREENSHOTS set, keeps a
// PNG of every page it passes (docs/oauth.md shows them; `make screenshots`).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import * as oidc from 'openid-client';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { generate } from 'otplib';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand,
  SetUserPoolMfaConfigCommand, CreateManagedLoginBrandingCommand, AdminSetUserPasswordCommand, AdminSetUserMFAPreferenceCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, latestCode, unique } from './helpers.mjs';

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });
const password = 'Correct-Horse-9';
const shots = process.env.COGNATE_SCREENSHOTS;
const hookArn = 'arn:aws:lambda:us-east-1:123456789012:function:gatekeeper';

// The client's side: a loopback server whose /cb and /bye the pages redirect to. Any port of a
// registered loopback URI matches (RFC 8252 §7.3), so the URIs are registered without one.
let app, appBase, hook;
const callback = (path) => `http://127.0.0.1${path}`;

let browser;
before(async () => {
  app = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`client page ${req.url}`); });
  await new Promise((ok) => app.listen(0, '127.0.0.1', ok));
  appBase = `http://127.0.0.1:${app.address().port}`;
  // The PreSignUp webhook refuses addresses at example.org, as a domain allow-list would.
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const ev = JSON.parse(body);
      if (ev.request.userAttributes.email?.endsWith('@example.org')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errorMessage: 'Sign-ups from example.org are closed' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ev));
    });
  });
  await new Promise((ok) => hook.listen(Number(process.env.COGNATE_HOOK_PORT), '127.0.0.1', ok));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (shots) mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  app?.close();
  hook?.close();
});

// webApp creates a pool (email as username) and a public OAuth client for the pages.
async function webApp({ pool = {}, client = {} } = {}) {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('hosted'), UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], ...pool,
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'web', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'], SupportedIdentityProviders: ['COGNITO'],
    CallbackURLs: [callback('/cb')], LogoutURLs: [callback('/bye')], ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'], ...client,
  }));
  const issuer = `${endpoint}/${UserPool.Id}`;
  const config = await oidc.discovery(new URL(issuer), UserPoolClient.ClientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId, issuer, config };
}

// authorize builds an authorization request with PKCE, state and nonce through openid-client.
async function authorize(w, extra = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(w.config, {
    redirect_uri: `${appBase}/cb`, scope: 'openid email profile', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url, verifier, state, nonce };
}

// redeem lets openid-client check the callback and exchange its code.
async function redeem(w, req, callbackURL) {
  return oidc.authorizationCodeGrant(w.config, new URL(callbackURL), {
    pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce, idTokenExpected: true,
  });
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function newPage(locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 480, height: 820 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => { throw err; });
  return page;
}

// submit fills the named fields of the page's form and sends it.
async function submit(page, fields) {
  for (const [name, value] of Object.entries(fields)) await page.fill(`[name="${name}"]`, value);
  await Promise.all([page.waitForLoadState('load'), page.click('form[method="post"] button[type="submit"]')]);
}

const toApp = (page) => page.waitForURL((u) => u.href.startsWith(`${appBase}/`));

test('sign-up, confirmation, sign-in, code + PKCE by openid-client, userInfo, logout', async () => {
  const w = await webApp();
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  assert.match(new URL(page.url()).pathname, /^\/login$/);
  await shot(page, 'login');
  await page.click('a[href^="/signup"]');
  await shot(page, 'signup');
  const email = `${unique('u')}@example.com`;
  await submit(page, { username: email, password });
  assert.match(new URL(page.url()).pathname, /^\/confirmUser$/);
  await shot(page, 'confirm');
  await submit(page, { code: await latestCode(email) });
  assert.match(await page.textContent('[role="status"]'), /confirmed/i);
  await submit(page, { username: email, password });
  await toApp(page);
  const tokens = await redeem(w, req, page.url());
  const claims = tokens.claims();
  assert.equal(claims.email, email);
  assert.equal(claims.aud, w.clientId);
  assert.ok(tokens.refresh_token, 'a refresh token');

  // aws-jwt-verify checks both tokens against the pool's published keys.
  const jwksUri = `${w.issuer}/.well-known/jwks.json`;
  const idVerifier = JwtRsaVerifier.create({ issuer: w.issuer, audience: w.clientId, jwksUri });
  const accessVerifier = JwtRsaVerifier.create({ issuer: w.issuer, audience: null, jwksUri, customJwtCheck: ({ payload }) => {
    assert.equal(payload.client_id, w.clientId);
    assert.equal(payload.token_use, 'access');
  } });
  // The JWKS is served over http locally, which aws-jwt-verify will not fetch: hand it over.
  const jwks = await (await fetch(jwksUri)).json();
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  assert.equal((await idVerifier.verify(tokens.id_token)).email, email);
  assert.equal((await accessVerifier.verify(tokens.access_token)).scope, 'openid email profile');

  const info = await oidc.fetchUserInfo(w.config, tokens.access_token, claims.sub);
  assert.equal(info.email, email);
  assert.equal(info.email_verified, 'true');

  // A second authorization in the same browser needs no sign-in; the logout ends that.
  const again = await authorize(w);
  await page.goto(again.url.href);
  await toApp(page);
  await redeem(w, again, page.url());
  await page.goto(`${endpoint}/logout?client_id=${w.clientId}&logout_uri=${encodeURIComponent(`${appBase}/bye`)}`);
  await page.waitForURL(`${appBase}/bye`);
  const third = await authorize(w);
  await page.goto(third.url.href);
  assert.match(new URL(page.url()).pathname, /^\/login$/);
  await page.context().close();
});

test('forgotten password and reset', async () => {
  const w = await webApp();
  const email = `${unique('f')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, TemporaryPassword: password, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  // A temporary password leads to the new-password page first.
  await submit(page, { username: email, password });
  await shot(page, 'new-password');
  await submit(page, { password: `${password}-n` });
  await toApp(page);
  await redeem(w, req, page.url());

  const page2 = await newPage();
  const req2 = await authorize(w);
  await page2.goto(req2.url.href);
  await page2.click('a[href^="/forgotPassword"]');
  await shot(page2, 'forgot');
  await submit(page2, { username: email });
  await shot(page2, 'reset');
  await submit(page2, { code: await latestCode(email), password: `${password}-r` });
  await submit(page2, { username: email, password: `${password}-r` });
  await toApp(page2);
  await redeem(w, req2, page2.url());
  await page.context().close();
  await page2.context().close();
});

test('TOTP set-up with a QR code, then sign-in with a code', async () => {
  const w = await webApp();
  await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: w.poolId, MfaConfiguration: 'ON',
    SoftwareTokenMfaConfiguration: { Enabled: true } }));
  const email = `${unique('t')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, TemporaryPassword: password, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  await submit(page, { username: email, password });
  await submit(page, { password: `${password}-t` });
  assert.ok(await page.isVisible('.qr svg'), 'the set-up page shows a QR code');
  await shot(page, 'setup-totp');
  const secret = (await page.textContent('code.secret')).replace(/\s+/g, '');
  // The step that just ended, as an app still shows it to someone typing slowly; the sign-in
  // below uses the current one (each step is accepted once per user).
  await submit(page, { code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }) });
  await toApp(page);
  await redeem(w, req, page.url());

  const page2 = await newPage();
  const req2 = await authorize(w);
  await page2.goto(req2.url.href);
  await submit(page2, { username: email, password: `${password}-t` });
  await shot(page2, 'mfa');
  await submit(page2, { code: '000000' });
  assert.ok(await page2.isVisible('[role="alert"]'), 'a wrong code is said');
  await submit(page2, { code: await generate({ secret }) });
  await toApp(page2);
  await redeem(w, req2, page2.url());
  await page.context().close();
  await page2.context().close();
});

test("a PreSignUp trigger's refusal shows on the page", async () => {
  const w = await webApp({ pool: { LambdaConfig: { PreSignUp: hookArn } } });
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  await page.click('a[href^="/signup"]');
  await submit(page, { username: `${unique('x')}@example.org`, password });
  assert.match(await page.textContent('[role="alert"]'), /PreSignUp failed with error Sign-ups from example\.org are closed\./);
  await shot(page, 'signup-refused');
  await page.context().close();
});

test('branding and another language are visible', async () => {
  const w = await webApp();
  await admin.send(new CreateManagedLoginBrandingCommand({ UserPoolId: w.poolId, ClientId: w.clientId,
    Settings: { components: { primaryButton: { lightMode: { defaults: { backgroundColor: 'b00b1eff', textColor: 'ffffffff' } } } } },
    Assets: [{ Category: 'FORM_LOGO', ColorMode: 'LIGHT', Extension: 'SVG',
      Bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#b00b1e"/></svg>') }] }));
  const page = await newPage('de-DE');
  const req = await authorize(w);
  await page.goto(req.url.href);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  assert.equal(await page.textContent('h1'), 'Mit Benutzername und Passwort anmelden');
  const button = await page.$('form[method="post"] button[type="submit"]');
  assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(176, 11, 30)');
  assert.ok(await page.isVisible('img.logo'), 'the logo shows');
  await shot(page, 'login-branded-de');
  // lang= wins over the browser's language.
  await page.goto(`${req.url.href}&lang=ja`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await shot(page, 'login-ja');
  await page.context().close();
});

test('an unknown redirect_uri gets an error page, never a redirect', async () => {
  const w = await webApp();
  const page = await newPage();
  const req = await authorize(w, { redirect_uri: 'https://evil.example.com/cb' });
  const res = await page.goto(req.url.href);
  assert.equal(res.status(), 400);
  assert.equal(new URL(page.url()).origin, endpoint);
  await shot(page, 'error');
  await page.context().close();
});

test('keyboard only: the sign-in form in focus order, sent with Enter', async () => {
  const w = await webApp();
  const email = `${unique('k')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, TemporaryPassword: password, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  const page = await newPage();
  const req = await authorize(w, { login_hint: email });
  await page.goto(req.url.href);
  // The username is filled from login_hint, so the focus waits in the password field, after
  // the username in the tab order.
  assert.equal(await page.inputValue('[name="username"]'), email);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'username');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password');
  await page.keyboard.type(password);
  await Promise.all([page.waitForURL((u) => u.pathname === '/challenge'), page.keyboard.press('Enter')]);
  // A temporary password: the new-password page, its field focused, also by keyboard.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password');
  await page.keyboard.type(`${password}-k`);
  await page.keyboard.press('Enter');
  await toApp(page);
  await redeem(w, req, page.url());
  await page.context().close();
});

test("a passkey registered and used through Chromium's virtual authenticator", async () => {
  // WebAuthn needs a secure context: http only on localhost, whose relying party id is
  // "localhost". The pages are opened at localhost (the server answers that name too).
  const w = await webApp({
    pool: { UserPoolTier: 'ESSENTIALS', Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } } },
    client: { ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_AUTH'] },
  });
  await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: w.poolId, MfaConfiguration: 'OFF',
    WebAuthnConfiguration: { RelyingPartyId: 'localhost', UserVerification: 'preferred' } }));
  const email = `${unique('p')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: w.poolId, Username: email, Password: password, Permanent: true }));
  const page = await newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
    protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
    automaticPresenceSimulation: true,
  } });
  const local = (u) => { const x = new URL(u); x.hostname = 'localhost'; return x.href; };

  // A password sign-in, then the offer to add a passkey: the page's script asks the authenticator.
  const req = await authorize(w);
  await page.goto(local(req.url.href));
  await submit(page, { username: email, password });
  assert.ok(await page.isVisible('#passkey-button'), 'the passkey offer after the password');
  await shot(page, 'passkey-register');
  await Promise.all([toApp(page), page.click('#passkey-button')]);
  await redeem(w, req, page.url());
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1, 'the authenticator holds one passkey');

  // Signed out, then in with the passkey alone.
  await page.goto(`${endpoint.replace('127.0.0.1', 'localhost')}/logout?client_id=${w.clientId}&logout_uri=${encodeURIComponent(`${appBase}/bye`)}`);
  await page.waitForURL(`${appBase}/bye`);
  const req2 = await authorize(w);
  await page.goto(local(req2.url.href));
  await page.click('a[href^="/passkey"]');
  await submit(page, { username: email });
  await shot(page, 'passkey');
  await Promise.all([toApp(page), page.click('#passkey-button')]);
  const tokens = await redeem(w, req2, page.url());
  assert.equal(tokens.claims().email, email);
  await page.context().close();
});

test('passwordless: a one-time code by email', async () => {
  const w = await webApp({
    pool: { UserPoolTier: 'ESSENTIALS', Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] } } },
    client: { ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_AUTH'] },
  });
  const email = `${unique('o')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: w.poolId, Username: email, Password: password, Permanent: true }));
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  await page.click('a[href^="/passwordless"]');
  await page.fill('[name="username"]', email);
  await shot(page, 'passwordless');
  await Promise.all([page.waitForURL((u) => u.pathname === '/challenge'), page.click('button[name="method"][value="EMAIL_OTP"]')]);
  await shot(page, 'passwordless-code');
  await submit(page, { code: await latestCode(email) });
  await toApp(page);
  assert.equal((await redeem(w, req, page.url())).claims().email, email);
  await page.context().close();
});

test('SELECT_MFA_TYPE: the user picks email among two second factors', async () => {
  const w = await webApp({ pool: { UserPoolTier: 'ESSENTIALS' } });
  await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: w.poolId, MfaConfiguration: 'OPTIONAL',
    SmsMfaConfiguration: { SmsAuthenticationMessage: 'Sign-in code {####}' },
    EmailMfaConfiguration: { Subject: 'Your sign-in code', Message: 'Your code is {####}.' } }));
  const email = `${unique('s')}@example.com`;
  await admin.send(new AdminCreateUserCommand({ UserPoolId: w.poolId, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' },
      { Name: 'phone_number', Value: '+12065550199' }, { Name: 'phone_number_verified', Value: 'true' }] }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: w.poolId, Username: email, Password: password, Permanent: true }));
  await admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: w.poolId, Username: email,
    SMSMfaSettings: { Enabled: true }, EmailMfaSettings: { Enabled: true } }));
  const page = await newPage();
  const req = await authorize(w);
  await page.goto(req.url.href);
  await submit(page, { username: email, password });
  await shot(page, 'select-mfa');
  await page.check('input[name="method"][value="EMAIL_OTP"]');
  await Promise.all([page.waitForLoadState('load'), page.click('form[method="post"] button[type="submit"]')]);
  await page.waitForSelector('[name="code"]');
  await submit(page, { code: await latestCode(email) });
  await toApp(page);
  await redeem(w, req, page.url());
  await page.context().close();
});
