// Tests the generated CloudFront Function (router.js) under node, against the routing table the
// generator writes from pkg/cognito (routes.json). Run: node --test infra/edge/router.test.mjs
// (pkg/edge's Go tests run it too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('./router.js', import.meta.url), 'utf8');
const routes = JSON.parse(readFileSync(new URL('./routes.json', import.meta.url), 'utf8'));
const H = routes.headers;

// A CloudFront Function is a script, not a module, and runs with no require, no process and no
// network: evaluate it in an empty context so that any reliance on those fails here.
function load() {
  const context = vm.createContext({});
  vm.runInContext(source, context, { filename: 'router.js' });
  assert.equal(typeof context.handler, 'function', 'router.js must define a global handler');
  return context.handler;
}
const handler = load();

// viewerRequest builds a cloudfront-js-2.0 viewer-request event. headers maps lower-case names to
// a value, or to an array for a repeated header (CloudFront's multiValue form).
function viewerRequest({ method = 'POST', uri = '/', headers = {}, querystring = {}, ip = '203.0.113.7', host = 'auth.example.com' } = {}) {
  const h = {};
  if (host !== null) h.host = { value: host };
  for (const [name, v] of Object.entries(headers)) {
    h[name] = Array.isArray(v) ? { value: v[0], multiValue: v.map((value) => ({ value })) } : { value: v };
  }
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'EXAMPLE-request-id',
    },
    viewer: { ip },
    request: { method, uri, querystring, headers: h, cookies: {} },
  };
}

const target = (name) => routes.targetPrefix + name;

function route(opts) {
  const event = viewerRequest(opts);
  const out = handler(event);
  assert.equal(out, event.request, 'the handler returns the (modified) request, never a response');
  return out;
}

test('the function is small and self-contained', () => {
  assert.ok(Buffer.byteLength(source) < 10 * 1024, `router.js is ${Buffer.byteLength(source)} bytes; CloudFront allows 10 KB`);
  assert.doesNotMatch(source, /\brequire\s*\(|^\s*(import|export)\b/m, 'CloudFront Functions have no modules');
});

test('the routing table covers every family', () => {
  const ops = Object.entries(routes.operations);
  assert.ok(ops.length >= 126, `only ${ops.length} operations in routes.json`);
  const paths = new Set(Object.values(routes.families));
  for (const [name, path] of ops) assert.ok(paths.has(path), `${name} routes to ${path}, not a family path`);
  for (const path of paths) assert.ok(ops.some(([, p]) => p === path), `no operation routes to ${path}`);
});

test('every operation is routed to its family path', async (t) => {
  for (const [name, path] of Object.entries(routes.operations)) {
    await t.test(name, () => {
      const r = route({ headers: { 'x-amz-target': target(name), 'content-type': 'application/x-amz-json-1.1' }, querystring: { a: { value: '1' } } });
      assert.equal(r.uri, path);
      assert.equal(r.method, 'POST');
      assert.deepEqual(r.querystring, { a: { value: '1' } });
      assert.equal(r.headers['x-amz-target'].value, target(name));
      assert.equal(r.headers['content-type'].value, 'application/x-amz-json-1.1');
      assert.equal(r.headers[H.originalHost].value, 'auth.example.com');
      assert.equal(r.headers[H.originalPath].value, '/');
      assert.equal(r.headers[H.originalIp].value, '203.0.113.7');
    });
  }
});

test('targets that name no operation stay on the default path', async (t) => {
  const cases = {
    'missing target': {},
    'empty target': { 'x-amz-target': '' },
    'unknown operation': { 'x-amz-target': target('NoSuchOperation') },
    'prefix only': { 'x-amz-target': routes.targetPrefix },
    'foreign service': { 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
    'no prefix': { 'x-amz-target': 'SignUp' },
    'lower-case prefix': { 'x-amz-target': routes.targetPrefix.toLowerCase() + 'SignUp' },
    'lower-case operation': { 'x-amz-target': target('signUp') },
    'trailing junk': { 'x-amz-target': target('SignUp') + ' ' },
    'prototype: constructor': { 'x-amz-target': target('constructor') },
    'prototype: __proto__': { 'x-amz-target': target('__proto__') },
    'prototype: hasOwnProperty': { 'x-amz-target': target('hasOwnProperty') },
    'prototype: toString': { 'x-amz-target': target('toString') },
    'repeated header': { 'x-amz-target': [target('SignUp'), target('AdminCreateUser')] },
  };
  for (const [name, headers] of Object.entries(cases)) {
    await t.test(name, () => {
      const r = route({ headers });
      assert.equal(r.uri, routes.defaultPath);
      assert.equal(r.headers[H.originalPath].value, '/');
    });
  }
});

test('a repeated header with one value is routed', () => {
  assert.equal(route({ headers: { 'x-amz-target': [target('SignUp')] } }).uri, routes.operations.SignUp);
});

test('only POST / is rewritten', async (t) => {
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    await t.test(method, () => {
      assert.equal(route({ method, headers: { 'x-amz-target': target('SignUp') } }).uri, '/');
    });
  }
});

test('OPTIONS preflight passes through with its CORS headers', () => {
  const r = route({
    method: 'OPTIONS',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' },
  });
  assert.equal(r.uri, '/');
  assert.equal(r.method, 'OPTIONS');
  assert.equal(r.headers['access-control-request-headers'].value, 'content-type,x-amz-target,x-amz-user-agent');
});

test('other paths pass through untouched', async (t) => {
  const cases = [
    ['POST', '/oauth2/token'],
    ['POST', '/oauth2/revoke'],
    ['GET', '/oauth2/authorize'],
    ['GET', '/oauth2/userInfo'],
    ['GET', '/.well-known/openid-configuration'],
    ['GET', '/us-east-1_Example1/.well-known/jwks.json'],
    ['GET', '/us-east-1_Example1/.well-known/openid-configuration'],
    ['GET', '/login'],
    ['POST', '/login'],
    ['GET', '/logout'],
    // Cognito's hosted pages: /signup is the sign-up page (GET and the form's POST), not the
    // signup family, whose path is under the reserved prefix.
    ['GET', '/signup'],
    ['POST', '/signup'],
    ['POST', '/confirmUser'],
    ['GET', '/forgotPassword'],
    ['POST', '/confirmForgotPassword'],
    ['POST', '/challenge'],
    ['GET', '/static/cognate.css'],
    ['POST', '/admin'], // no longer a family path: the origin has no such route
    ['GET', '/x_cognate/admin'],
    ['GET', '/_cognatex/admin'],
    ['POST', '//'],
    ['POST', '/?'],
  ];
  for (const [method, uri] of cases) {
    await t.test(`${method} ${uri}`, () => {
      const qs = { client_id: { value: 'abc' }, scope: { value: 'openid', multiValue: [{ value: 'openid' }, { value: 'email' }] } };
      const r = route({ method, uri, querystring: structuredClone(qs), headers: { 'x-amz-target': target('InitiateAuth'), authorization: 'Basic YWJjOmRlZg==' } });
      assert.equal(r.uri, uri);
      assert.deepEqual(r.querystring, qs);
      assert.equal(r.headers.authorization.value, 'Basic YWJjOmRlZg==');
      assert.equal(r.headers[H.originalPath].value, uri);
      assert.equal(r.headers[H.originalHost].value, 'auth.example.com');
    });
  }
});

test('every family path is under the reserved prefix', () => {
  assert.equal(routes.internalPrefix, '/_cognate/');
  for (const path of Object.values(routes.families)) {
    assert.ok(path.startsWith(routes.internalPrefix), `${path} is not under ${routes.internalPrefix}`);
  }
});

// The family paths are reachable only by way of the rewrite: a client that addresses them
// directly, in any spelling the origin might decode to the same route, is answered here.
test('client requests for the reserved prefix are answered 404 at the edge', async (t) => {
  const uris = [
    '/_cognate', '/_cognate/', '/_cognate/admin', '/_cognate/signup', '/_cognate/auth', '/_cognate/token',
    '/_cognate/account', '/_cognate/nothing', '/_COGNATE/admin', '/_Cognate/Admin', '/%5Fcognate/admin',
    '/%5fcognate/admin', '/_cognat%65/admin', '//_cognate/admin', '/a/../_cognate/admin', '/x/_cognate',
    '/_cognate%2Fadmin', '/%ZZ/_cognate/admin',
  ];
  for (const method of ['POST', 'GET', 'OPTIONS']) {
    for (const uri of uris) {
      await t.test(`${method} ${uri}`, () => {
        const event = viewerRequest({ method, uri, headers: { 'x-amz-target': target('AdminGetUser'), authorization: 'AWS4-HMAC-SHA256 x' } });
        const out = handler(event);
        assert.notEqual(out, event.request, 'must answer, not forward');
        assert.equal(out.statusCode, 404);
        assert.equal(out.headers['x-amzn-errortype'].value, 'UnknownOperationException');
        assert.equal(out.headers['cache-control'].value, 'no-store');
        assert.equal(out.body.encoding, 'text');
        assert.equal(JSON.parse(out.body.data).__type, 'UnknownOperationException');
        assert.equal(out.body.data.includes(uri), false, 'the answer does not echo the URI');
      });
    }
  }
});

test('client-sent x-cognate-original-* headers are replaced by the edge', () => {
  const r = route({
    headers: {
      'x-amz-target': target('AdminGetUser'),
      [H.originalHost]: 'evil.example.net',
      [H.originalPath]: '/evil',
      [H.originalIp]: '198.51.100.66',
      'x-cognate-original-anything': 'x',
      'x-cognate-other': 'kept',
    },
  });
  assert.equal(r.uri, routes.operations.AdminGetUser);
  assert.equal(r.headers[H.originalHost].value, 'auth.example.com');
  assert.equal(r.headers[H.originalPath].value, '/');
  assert.equal(r.headers[H.originalIp].value, '203.0.113.7');
  assert.equal(r.headers['x-cognate-original-anything'], undefined);
  assert.equal(r.headers['x-cognate-other'].value, 'kept', 'only the x-cognate-original- prefix is reserved');
  for (const name of Object.keys(r.headers)) {
    if (name.startsWith('x-cognate-original-')) assert.ok(r.headers[name].multiValue === undefined, `${name} kept a client value`);
  }
});

test('stripping also applies to requests that are not rewritten', () => {
  const r = route({ method: 'GET', uri: '/oauth2/authorize', headers: { [H.originalHost]: 'evil.example.net', [H.originalIp]: ['1.1.1.1', '2.2.2.2'] } });
  assert.equal(r.headers[H.originalHost].value, 'auth.example.com');
  assert.equal(r.headers[H.originalIp].value, '203.0.113.7');
  assert.equal(r.headers[H.originalIp].multiValue, undefined);
});

test('without a Host header the distribution domain is the original host', () => {
  const r = route({ host: null, headers: { 'x-amz-target': target('SignUp') } });
  assert.equal(r.headers[H.originalHost].value, 'd111111abcdef8.cloudfront.net');
  assert.equal(r.uri, routes.operations.SignUp);
});

test('IPv6 viewers', () => {
  assert.equal(route({ ip: '2001:db8::7' }).headers[H.originalIp].value, '2001:db8::7');
});

test('the documented families', () => {
  // The DESIGN.md examples, as a cross-check on the generated table.
  const S = '/_cognate/signup', A = '/_cognate/auth', T = '/_cognate/token', U = '/_cognate/account', D = '/_cognate/admin';
  const want = {
    SignUp: S, ConfirmSignUp: S, ResendConfirmationCode: S,
    InitiateAuth: A, RespondToAuthChallenge: A, AdminInitiateAuth: A, AdminRespondToAuthChallenge: A,
    GetTokensFromRefreshToken: T, RevokeToken: T,
    GetUser: U, ChangePassword: U, ForgotPassword: U, ConfirmForgotPassword: U,
    AdminGetUser: D, CreateUserPool: D, ListUsers: D,
  };
  for (const [name, path] of Object.entries(want)) {
    assert.equal(route({ headers: { 'x-amz-target': target(name) } }).uri, path, name);
  }
});
