// Amplify JS v6's signInWithRedirect in Chromium against the hosted UI (issue 14), unmodified.
// Amplify always speaks https to its OAuth domain (cognito-protocol.md §8), so this file puts a
// small https reverse proxy in front of Cognate (a self-signed certificate made with openssl at
// start; the browser context ignores certificate errors) that adds X-Forwarded-Proto: https and
// keeps the browser's Host (127.0.0.1:<proxy port>, which `cognate serve` answers: loopback).
// The page is a tiny app bundled by esbuild from aws-amplify and served from a loopback server;
// Amplify redeems the code in the page (CORS on /oauth2/token), signs out through /logout, and
// the API calls (refresh, RevokeToken) go to Cognate directly through userPoolEndpoint.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createHTTPSServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { build } from 'esbuild';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand,
  AdminSetUserPasswordCommand, GetTokensFromRefreshTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { endpoint, adminCredentials, unique, rejectsWith } from './helpers.mjs';

const admin = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: adminCredentials, maxAttempts: 1 });
const sdk = new CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
const password = 'Correct-Horse-9';

// The app: one page that configures Amplify from window.COGNATE (written into index.html by the
// app server) and shows what fetchAuthSession and getCurrentUser say in <pre id="result">.
const appSource = `
import { Amplify } from 'aws-amplify';
import { Hub } from 'aws-amplify/utils';
import { signInWithRedirect, signOut, fetchAuthSession, getCurrentUser } from 'aws-amplify/auth';
import 'aws-amplify/auth/enable-oauth-listener';

const c = window.COGNATE;
Amplify.configure({ Auth: { Cognito: {
  userPoolId: c.userPoolId, userPoolClientId: c.userPoolClientId, userPoolEndpoint: c.userPoolEndpoint,
  loginWith: { oauth: { domain: c.domain, scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
    redirectSignIn: [location.origin + '/'], redirectSignOut: [location.origin + '/bye'], responseType: 'code' } },
} } });

const out = document.getElementById('result');
const say = (v) => { out.textContent = JSON.stringify(v); out.dataset.state = v.state; };
// A failure goes to <pre id="error">, apart from the session's state, which may settle after it.
const fail = (err) => { document.getElementById('error').textContent = String(err?.name) + ': ' + String(err?.message ?? err); };
let customState;
async function show() {
  try {
    const { tokens } = await fetchAuthSession();
    if (!tokens) return say({ state: 'signed-out' });
    const user = await getCurrentUser();
    say({ state: 'signed-in', email: tokens.idToken.payload.email, username: user.username, userId: user.userId,
      idToken: tokens.idToken.toString(), accessToken: tokens.accessToken.toString(), customState });
  } catch (err) {
    say({ state: 'error', error: String(err?.name) + ': ' + String(err?.message) });
  }
}
Hub.listen('auth', ({ payload }) => {
  if (payload.event === 'customOAuthState') customState = payload.data;
  if (payload.event === 'signInWithRedirect') show();
  if (payload.event === 'signInWithRedirect_failure') fail(payload.data?.error);
});
const signIn = (input) => { signInWithRedirect(input).catch(fail); };
document.getElementById('signin').onclick = () => signIn();
document.getElementById('signout').onclick = () => signOut({ global: false }).catch(fail);
// For the test: signInWithRedirect with options, and a forced refresh.
window.app = {
  signIn,
  refresh: async () => {
    const { tokens } = await fetchAuthSession({ forceRefresh: true });
    return { accessToken: tokens.accessToken.toString(), idToken: tokens.idToken.toString() };
  },
};
show();
`;

let tmp, browser, app, appBase, proxy, proxyBase, bundle;
let config = {};

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cognate-amplify-'));
  // A certificate for 127.0.0.1, good for the run.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem')], { stdio: 'pipe' });

  // The https front: every request to Cognate as it came, plus X-Forwarded-Proto.
  const upstream = new URL(endpoint);
  proxy = createHTTPSServer({ key: readFileSync(join(tmp, 'key.pem')), cert: readFileSync(join(tmp, 'cert.pem')) }, (req, res) => {
    const headers = { ...req.headers, 'x-forwarded-proto': 'https' };
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
    req.pipe(up);
  });
  await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));
  proxyBase = `https://127.0.0.1:${proxy.address().port}`;

  const root = fileURLToPath(new URL('..', import.meta.url)); // infra/node, where node_modules is
  await build({
    stdin: { contents: appSource, resolveDir: root, sourcefile: 'app.mjs', loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', target: 'chrome120', outfile: join(tmp, 'app.js'), logLevel: 'silent',
  });
  bundle = readFileSync(join(tmp, 'app.js'));

  // The app's origin: every path but /app.js is the page, so / and /bye both load the app.
  app = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>app</title>
<script>window.COGNATE = ${JSON.stringify(config)};</script>
<script type="module" src="/app.js"></script></head>
<body><button id="signin">Sign in</button> <button id="signout">Sign out</button><pre id="result"></pre><pre id="error"></pre></body></html>`);
  });
  await new Promise((ok) => app.listen(0, '127.0.0.1', ok));
  appBase = `http://127.0.0.1:${app.address().port}`;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  app?.close();
  proxy?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// result waits for the page's <pre id="result"> to reach a state and returns what it says.
async function result(page, state) {
  await page.waitForSelector(`#result[data-state="${state}"], #result[data-state="error"]`);
  const v = JSON.parse(await page.textContent('#result'));
  assert.equal(v.state, state, `the page says ${JSON.stringify(v)}`);
  return v;
}

const isProxy = (path) => (u) => u.origin === proxyBase && u.pathname === path;

// webApp creates a pool with email as username, a public client with the code flow for the app's
// loopback origin, and a confirmed user, and points the app's page at them.
async function webApp() {
  const { UserPool } = await admin.send(new CreateUserPoolCommand({
    PoolName: unique('amplify'), UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'],
  }));
  const { UserPoolClient } = await admin.send(new CreateUserPoolClientCommand({
    UserPoolId: UserPool.Id, ClientName: 'spa', AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'], SupportedIdentityProviders: ['COGNITO'],
    CallbackURLs: ['http://127.0.0.1/'], LogoutURLs: ['http://127.0.0.1/bye'], ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const email = `${unique('a')}@example.com`;
  const { User } = await admin.send(new AdminCreateUserCommand({ UserPoolId: UserPool.Id, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] }));
  await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: UserPool.Id, Username: email, Password: password, Permanent: true }));
  const sub = User.Attributes.find((a) => a.Name === 'sub').Value;
  const issuer = `${endpoint}/${UserPool.Id}`;
  config = { userPoolId: UserPool.Id, userPoolClientId: UserPoolClient.ClientId, userPoolEndpoint: endpoint, domain: new URL(proxyBase).host };
  return { UserPool, UserPoolClient, email, sub, issuer };
}

async function newPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 480, height: 820 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  return { context, page, pageErrors };
}

// signInOnPage fills the hosted login page and waits for the browser to come back to the app.
async function signInOnPage(page, email) {
  await page.fill('[name="username"]', email);
  await page.fill('[name="password"]', password);
  await Promise.all([page.waitForURL((u) => u.origin === appBase), page.click('form[method="post"] button[type="submit"]')]);
}

test('Amplify v6 signInWithRedirect through the hosted UI over https, tokens in the page, signOut through /logout', async () => {
  const { UserPool, UserPoolClient, email, sub, issuer } = await webApp();
  const { context, page, pageErrors } = await newPage();
  // What the page's own scripts send (fetch), with the answers' status and CORS header.
  const calls = [];
  page.on('requestfinished', async (req) => {
    if (req.resourceType() !== 'fetch') return;
    const res = await req.response();
    calls.push({ method: req.method(), url: req.url(), target: req.headers()['x-amz-target'], status: res?.status(),
      cors: (await res?.allHeaders())?.['access-control-allow-origin'] });
  });
  await page.goto(`${appBase}/`);
  await result(page, 'signed-out');

  // The button sends the browser to https://<domain>/oauth2/authorize, which sends it to /login.
  await Promise.all([page.waitForURL(isProxy('/login')), page.click('#signin')]);
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('client_id'), UserPoolClient.ClientId);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${appBase}/`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  await signInOnPage(page, email);

  // Amplify redeems the code from the page and stores the tokens.
  const shown = await result(page, 'signed-in');
  assert.equal(shown.email, email);
  assert.equal(shown.userId, sub);
  assert.equal(shown.username, sub); // Amplify reads the access token's username: the sub in an email-as-username pool
  assert.equal(new URL(page.url()).search, '', 'Amplify clears ?code and ?state from the address');
  // The code was redeemed by the page, cross-origin, at https://<domain>/oauth2/token.
  assert.deepEqual(calls.filter((c) => c.url.startsWith(`${proxyBase}/oauth2/`)),
    [{ method: 'POST', url: `${proxyBase}/oauth2/token`, target: undefined, status: 200, cors: '*' }]);
  // Behind X-Forwarded-Proto: https, the hosted session's cookie is Secure.
  const session = (await context.cookies(proxyBase)).find((c) => c.name === `cognate-session-${UserPool.Id}`);
  assert.ok(session, 'a hosted session cookie');
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);

  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const idVerifier = JwtRsaVerifier.create({ issuer, audience: UserPoolClient.ClientId, jwksUri,
    customJwtCheck: ({ payload }) => assert.equal(payload.token_use, 'id') });
  const accessVerifier = JwtRsaVerifier.create({ issuer, audience: null, jwksUri, customJwtCheck: ({ payload }) => {
    assert.equal(payload.client_id, UserPoolClient.ClientId);
    assert.equal(payload.token_use, 'access');
  } });
  // The JWKS is served over http locally, which aws-jwt-verify will not fetch: hand it over.
  const jwks = await (await fetch(jwksUri)).json();
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  const id = await idVerifier.verify(shown.idToken);
  assert.equal(id.iss, issuer);
  assert.equal(id.email, email);
  const access = await accessVerifier.verify(shown.accessToken);
  assert.equal(access.scope, 'openid email profile aws.cognito.signin.user.admin');
  assert.ok(access.origin_jti, 'a revocable session (origin_jti), so signOut revokes its refresh token');

  // A reload keeps the session (tokens in localStorage).
  await page.reload();
  assert.equal((await result(page, 'signed-in')).email, email);
  const refreshToken = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith('.refreshToken'))?.[1]);
  assert.ok(refreshToken, 'Amplify stored a refresh token');

  // signOut revokes the refresh token at userPoolEndpoint and goes through /logout to /bye.
  await Promise.all([page.waitForURL(`${appBase}/bye`), page.click('#signout')]);
  await result(page, 'signed-out');
  assert.ok(calls.some((c) => c.url === `${endpoint}/` && c.target === 'AWSCognitoIdentityProviderService.RevokeToken' && c.status === 200),
    `RevokeToken at userPoolEndpoint: ${JSON.stringify(calls)}`);
  assert.equal((await context.cookies(proxyBase)).find((c) => c.name === `cognate-session-${UserPool.Id}`), undefined,
    '/logout cleared the hosted session cookie');
  await rejectsWith(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: UserPoolClient.ClientId, RefreshToken: refreshToken })),
    'NotAuthorizedException', 'Invalid Refresh Token');

  // The hosted session ended too: signing in again shows the login page, not a code.
  await page.goto(`${appBase}/`);
  await result(page, 'signed-out');
  await Promise.all([page.waitForURL(isProxy('/login')), page.click('#signin')]);
  assert.ok(await page.isVisible('[name="password"]'), 'the login page asks for the password again');
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test('Amplify v6 signInWithRedirect options: customState, loginHint, lang, prompt NONE and LOGIN; a forced refresh in the page', async () => {
  const { email } = await webApp();
  const { context, page, pageErrors } = await newPage();
  await page.goto(`${appBase}/`);
  await result(page, 'signed-out');

  // loginHint fills the username, lang picks the page's language; customState comes back.
  const custom = 'to /settings?tab=1&x=ü';
  await Promise.all([page.waitForURL(isProxy('/login')),
    page.evaluate(([c, e]) => window.app.signIn({ customState: c, options: { loginHint: e, lang: 'de' } }), [custom, email])]);
  assert.equal(await page.getAttribute('html', 'lang'), 'de');
  assert.equal(await page.inputValue('[name="username"]'), email);
  await signInOnPage(page, email);
  const first = await result(page, 'signed-in');
  assert.equal(first.email, email);
  assert.equal(first.customState, custom);
  assert.equal(await page.textContent('#error'), '');

  // A forced refresh: Amplify calls Cognate's API cross-origin with the OAuth refresh token.
  const refreshed = await page.evaluate(() => window.app.refresh());
  const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
  const [before, after] = [claims(first.accessToken), claims(refreshed.accessToken)];
  assert.notEqual(after.jti, before.jti);
  assert.equal(after.origin_jti, before.origin_jti);
  assert.equal(after.scope, before.scope);
  assert.equal(claims(refreshed.idToken).email, email);

  // Amplify forgets its tokens; the hosted session stands, so prompt NONE signs in without a page.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await result(page, 'signed-out');
  const visited = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(new URL(f.url()).pathname); });
  await page.evaluate(() => window.app.signIn({ options: { prompt: 'NONE' } }));
  assert.equal((await result(page, 'signed-in')).email, email);
  assert.ok(!visited.includes('/login'), `no login page: ${visited}`);

  // prompt LOGIN asks for the password even though the hosted session stands.
  await Promise.all([page.waitForURL(isProxy('/login')), page.evaluate(() => window.app.signIn({ options: { prompt: 'LOGIN' } }))]);
  await signInOnPage(page, email);
  assert.equal((await result(page, 'signed-in')).email, email);
  assert.deepEqual(pageErrors, []);
  await context.close();

  // In a browser without a hosted session, prompt NONE comes back with login_required.
  const fresh = await newPage();
  await fresh.page.goto(`${appBase}/`);
  await result(fresh.page, 'signed-out');
  await fresh.page.evaluate(() => window.app.signIn({ options: { prompt: 'NONE' } }));
  await fresh.page.waitForFunction(() => document.getElementById('error').textContent !== '');
  const back = new URL(fresh.page.url());
  assert.equal(back.origin, appBase);
  assert.equal(back.searchParams.get('error'), 'login_required');
  // Amplify shows error_description (error when there is none) in an OAuthSignInException.
  assert.equal(await fresh.page.textContent('#error'), `OAuthSignInException: ${back.searchParams.get('error_description') ?? 'login_required'}`);
  // (In Amplify 6.22.1 a fetchAuthSession begun while that flow was in flight can stay parked
  // after the failure until Amplify's in-flight deadline passes: the state is read after a reload.)
  await fresh.page.goto(`${appBase}/`);
  await result(fresh.page, 'signed-out');
  assert.deepEqual(fresh.pageErrors, []);
  await fresh.context.close();
});
