#!/usr/bin/env node
// Generates vectors.json: SRP test vectors computed by amazon-cognito-identity-js itself, so the Go
// package is checked against the client that Amplify and most browsers use, not against our
// reading of it.
//
//   node pkg/srp/testdata/gen-vectors.js [out.json]     (default: vectors.json beside this script)
//
// Needs `npm ci` in infra/node (the Makefile does it); COGNATE_NODE_TOOLS may point elsewhere.
//
// How: the library's randomness (crypto.getRandomValues) and clock (Date) are replaced by fixed
// inputs, and the library's own code runs end to end — CognitoUser.authenticateUser for
// USER_SRP_AUTH, CognitoUser.getDeviceResponse for DEVICE_SRP_AUTH, both against a fake service
// that plays the server (the library has no server side, so B is computed here with the library's
// BigInteger), and AuthenticationHelper.generateHashDevice for verifiers. Wrapped (not replaced)
// helper methods report the intermediates x, u, S and the HKDF key. The recorded random bytes are
// exactly the bytes the library consumed, in order, so the Go side replays them through its
// io.Reader parameters. Output is deterministic; TestVectorsFromNode re-runs this script and
// compares.
'use strict';

const fs = require('fs');
const path = require('path');
const nodeCrypto = require('crypto');
const { createRequire } = require('module');

const toolsDir =
	process.env.COGNATE_NODE_TOOLS || path.resolve(__dirname, '../../../infra/node');
const requireTools = createRequire(path.join(toolsDir, 'package.json'));
const libPackage = requireTools('amazon-cognito-identity-js/package.json');

// --- fixed randomness: must be installed before the library loads (it captures global.crypto) ---

let rng = [];
Object.defineProperty(globalThis, 'crypto', {
	configurable: true,
	value: {
		getRandomValues(arr) {
			// The library only ever asks for one 32-bit word (utils/cryptoSecureRandomInt.js) and
			// reads its bytes most significant first (utils/WordArray.js).
			if (!(arr instanceof Uint32Array) || arr.length !== 1) {
				throw new Error('unexpected getRandomValues call');
			}
			if (rng.length < 4) throw new Error('fixed random bytes ran out');
			const [b0, b1, b2, b3] = rng.splice(0, 4);
			arr[0] = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
			return arr;
		},
	},
});

function feed(hex) {
	if (rng.length !== 0) throw new Error('previous random bytes not consumed');
	rng = Array.from(Buffer.from(hex, 'hex'));
}

function consumed(what) {
	if (rng.length !== 0) throw new Error(`${what}: ${rng.length} random bytes left unused`);
}

const {
	AuthenticationDetails,
	AuthenticationHelper,
	CognitoUser,
	CognitoUserPool,
} = requireTools('amazon-cognito-identity-js');
const BigInteger = requireTools('amazon-cognito-identity-js/lib/BigInteger').default;

// --- fixed clock ---

const RealDate = Date;
function atTime(iso, fn) {
	const fixed = RealDate.parse(iso);
	globalThis.Date = class extends RealDate {
		constructor(...args) {
			if (args.length === 0) super(fixed);
			else super(...args);
		}
		static now() {
			return fixed;
		}
	};
	try {
		return fn();
	} finally {
		globalThis.Date = RealDate;
	}
}

// --- probes on AuthenticationHelper: observe, never change ---

let probe = null;
const H = AuthenticationHelper.prototype;
const origSmallA = H.generateRandomSmallA;
H.generateRandomSmallA = function () {
	const a = origSmallA.call(this);
	if (probe) probe.a = a;
	return a;
};
const origS = H.calculateS;
H.calculateS = function (x, B, cb) {
	if (probe) probe.x = x;
	return origS.call(this, x, B, (err, S) => {
		if (probe) probe.S = S;
		cb(err, S);
	});
};
const origKey = H.getPasswordAuthenticationKey;
H.getPasswordAuthenticationKey = function (user, password, B, salt, cb) {
	return origKey.call(this, user, password, B, salt, (err, key) => {
		if (probe) {
			probe.u = this.UValue;
			probe.key = key;
		}
		cb(err, key);
	});
};

// --- helpers ---

// det gives reproducible "random" bytes: SHA-256(label#0) || SHA-256(label#1) || ...
function det(label, n) {
	const out = [];
	for (let i = 0; out.length < n; i++) {
		out.push(...nodeCrypto.createHash('sha256').update(`${label}#${i}`).digest());
	}
	return Buffer.from(out.slice(0, n)).toString('hex');
}

function assert(cond, msg) {
	if (!cond) throw new Error(`assertion failed: ${msg}`);
}

function sync(fn) {
	let out;
	let done = false;
	fn((err, v) => {
		if (err) throw err;
		out = v;
		done = true;
	});
	assert(done, 'library callback ran synchronously');
	return out;
}

// One helper for verifier generation. Its constructor draws a throw-away a.
feed(det('verifier-helper/a', 128));
const helper = new AuthenticationHelper('unused');
consumed('helper constructor');
const { N, g, k } = helper;

// generateHashDevice with the random device password replaced by a chosen one is exactly the
// verifier computation for a user: g^H(PAD(salt) || H(poolName || userId || ":" || password)).
function userVerifier(poolName, userId, password, saltHex) {
	const h = Object.create(helper);
	h.generateRandomString = () => password;
	feed(saltHex);
	sync(cb => h.generateHashDevice(poolName, userId, cb));
	consumed('generateHashDevice');
	return h.getVerifierDevices();
}

// The server side (not in the library): B = (k·v + g^b) mod N, and S = (A·v^u)^b mod N to check
// the client's S against.
function serverB(verifierHex, bHex) {
	const v = new BigInteger(verifierHex, 16);
	const gb = sync(cb => g.modPow(new BigInteger(bHex, 16), N, cb));
	return k.multiply(v).add(gb).mod(N);
}

function checkServer(c, v) {
	const A = new BigInteger(c.srpA, 16);
	const B = new BigInteger(c.srpB, 16);
	const b = new BigInteger(c.serverRandom, 16);
	const u = helper.calculateU(A, B);
	const vu = sync(cb => new BigInteger(v, 16).modPow(u, N, cb));
	const S = sync(cb => A.multiply(vu).mod(N).modPow(b, N, cb));
	assert(u.toString(16) === c.u, `${c.name}: server u equals client u`);
	assert(S.toString(16) === c.S, `${c.name}: server S equals client S`);
}

function fakeService(handlers) {
	return {
		request(op, params, cb) {
			const h = handlers.shift();
			if (!h || h.op !== op) throw new Error(`unexpected request ${op}`);
			return h.fn(params, cb);
		},
	};
}

const stop = { code: 'NotAuthorizedException', message: 'vector captured' };

// --- USER_SRP_AUTH via CognitoUser.authenticateUser ---

function userCase(spec) {
	const pool = new CognitoUserPool({ UserPoolId: spec.poolId, ClientId: 'vectorsclient' });
	const poolName = pool.getUserPoolName();
	const verifier = userVerifier(poolName, spec.userId, spec.password, spec.salt);
	const B = serverB(verifier, spec.serverRandom);
	const c = {
		name: spec.name,
		kind: 'user',
		why: spec.why,
		poolId: spec.poolId,
		poolName,
		username: spec.username,
		userId: spec.userId,
		password: spec.password,
		salt: spec.salt,
		verifier,
		clientRandom: spec.clientRandom,
		serverRandom: spec.serverRandom,
		srpB: B.toString(16),
		secretBlock: spec.secretBlock,
		time: spec.time,
	};
	run(c, spec, cognitoUser => {
		cognitoUser.authenticateUser(
			new AuthenticationDetails({ Username: spec.username, Password: spec.password }),
			callbacks(c)
		);
	}, [
		{
			op: 'InitiateAuth',
			fn(req, cb) {
				assert(req.AuthFlow === 'USER_SRP_AUTH', 'flow');
				c.srpA = req.AuthParameters.SRP_A;
				cb(null, {
					ChallengeName: 'PASSWORD_VERIFIER',
					Session: 'session',
					ChallengeParameters: {
						SALT: spec.salt,
						SRP_B: c.srpB,
						SECRET_BLOCK: spec.secretBlock,
						USERNAME: spec.userId,
						USER_ID_FOR_SRP: spec.userId,
					},
				});
			},
		},
		{
			op: 'RespondToAuthChallenge',
			fn(req, cb) {
				capture(c, req, 'PASSWORD_VERIFIER', spec.userId);
				cb(stop);
			},
		},
	], new CognitoUser({ Username: spec.username, Pool: pool }));
	return c;
}

// --- devices: ConfirmDevice's secret via generateHashDevice, DEVICE_SRP_AUTH via getDeviceResponse ---

function deviceCase(spec) {
	const h = Object.create(helper);
	feed(spec.deviceRandom);
	sync(cb => h.generateHashDevice(spec.deviceGroupKey, spec.deviceKey, cb));
	consumed('generateHashDevice');
	// As CognitoUser sends DeviceSecretVerifierConfig in ConfirmDevice:
	const confirmSalt = Buffer.from(h.getSaltDevices(), 'hex').toString('base64');
	const confirmVerifier = Buffer.from(h.getVerifierDevices(), 'hex').toString('base64');
	// The server stores those bytes and sends SALT as their hex.
	const salt = Buffer.from(confirmSalt, 'base64').toString('hex');
	const verifier = Buffer.from(confirmVerifier, 'base64').toString('hex');
	const B = serverB(verifier, spec.serverRandom);
	const c = {
		name: spec.name,
		kind: 'device',
		why: spec.why,
		poolName: spec.deviceGroupKey,
		username: spec.username,
		userId: spec.deviceKey,
		password: h.getRandomPassword(),
		deviceRandom: spec.deviceRandom,
		confirmDeviceSalt: confirmSalt,
		confirmDevicePasswordVerifier: confirmVerifier,
		salt,
		verifier,
		clientRandom: spec.clientRandom,
		serverRandom: spec.serverRandom,
		srpB: B.toString(16),
		secretBlock: spec.secretBlock,
		time: spec.time,
	};
	const pool = new CognitoUserPool({ UserPoolId: 'us-east-1_Devices1', ClientId: 'vectorsclient' });
	const cognitoUser = new CognitoUser({ Username: spec.username, Pool: pool });
	cognitoUser.deviceKey = spec.deviceKey;
	cognitoUser.deviceGroupKey = spec.deviceGroupKey;
	cognitoUser.randomPassword = c.password;
	cognitoUser.Session = 'session';
	run(c, spec, u => u.getDeviceResponse(callbacks(c)), [
		{
			op: 'RespondToAuthChallenge',
			fn(req, cb) {
				assert(req.ChallengeName === 'DEVICE_SRP_AUTH', 'device challenge');
				c.srpA = req.ChallengeResponses.SRP_A;
				cb(null, {
					ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
					Session: 'session',
					ChallengeParameters: {
						SALT: salt,
						SRP_B: c.srpB,
						SECRET_BLOCK: spec.secretBlock,
						USERNAME: spec.username,
						DEVICE_KEY: spec.deviceKey,
					},
				});
			},
		},
		{
			op: 'RespondToAuthChallenge',
			fn(req, cb) {
				capture(c, req, 'DEVICE_PASSWORD_VERIFIER', spec.username);
				assert(req.ChallengeResponses.DEVICE_KEY === spec.deviceKey, 'DEVICE_KEY echoed');
				cb(stop);
			},
		},
	], cognitoUser);
	return c;
}

function run(c, spec, start, handlers, cognitoUser) {
	cognitoUser.client = fakeService(handlers);
	probe = {};
	feed(spec.clientRandom);
	atTime(spec.time, () => start(cognitoUser));
	consumed(`${spec.name} client`);
	assert(handlers.length === 0, `${spec.name}: every request made`);
	assert(c.failure === 'vector captured', `${spec.name}: flow ended at the capture`);
	delete c.failure;
	// Intermediates, as the library holds them (lowercase hex, no padding).
	Object.assign(c, {
		a: probe.a.toString(16),
		u: probe.u.toString(16),
		x: probe.x.toString(16),
		S: probe.S.toString(16),
		key: Buffer.from(probe.key).toString('hex'),
	});
	probe = null;
	checkServer(c, c.verifier);
}

function capture(c, req, challenge, username) {
	const r = req.ChallengeResponses;
	assert(req.ChallengeName === challenge, challenge);
	assert(r.USERNAME === username, `${challenge} USERNAME`);
	assert(r.PASSWORD_CLAIM_SECRET_BLOCK === c.secretBlock, 'secret block echoed');
	c.timestamp = r.TIMESTAMP;
	c.signature = r.PASSWORD_CLAIM_SIGNATURE;
}

function callbacks(c) {
	return {
		onSuccess() {
			throw new Error('unexpected success');
		},
		onFailure(err) {
			c.failure = err && err.message;
		},
	};
}

// --- the cases: fixed inputs; det labels were chosen (by trying /0, /1, ...) so that each case
// hits the encoding edge named in `why` ---

const user = (name, o) => ({
	name,
	salt: det(`${name}/salt`, 16),
	clientRandom: det(`${name}/a`, 128),
	serverRandom: det(`${name}/b`, 32),
	secretBlock: Buffer.from(det(`${name}/secret`, 96), 'hex').toString('base64'),
	...o,
});

const cases = [
	userCase(user('basic', {
		why: 'plain ASCII user; day of month < 10 (unpadded in TIMESTAMP)',
		poolId: 'us-east-1_AbC123xyz',
		username: 'alice',
		userId: 'alice',
		password: 'Passw0rd!',
		time: '2024-03-05T09:04:03Z',
	})),
	userCase(user('salt-leading-zeros', {
		why: 'SALT has two leading zero bytes, which PAD(int(salt)) drops; USER_ID_FOR_SRP (a UUID) differs from the typed USERNAME',
		poolId: 'eu-west-1_Q1w2E3r4T',
		username: 'bob@example.com',
		userId: '6f1c2a9e-4b7d-4e3f-9a2c-1d5e8b7f0a34',
		password: 'S3cure-as-ever',
		salt: '00007a3c9d5e1f2b4c6d8e0f1a2b3c4d',
		time: '2024-12-25T23:59:59Z',
	})),
	userCase(user('pad-adds-zero', {
		why: 'salt, verifier, A, B, u and S all have the top bit set, so PAD prepends 0x00 to each',
		poolId: 'ap-southeast-2_Pad0',
		username: 'pad-user',
		userId: 'pad-user',
		password: 'Correct Horse 1!',
		salt: det('pad/salt/6', 16),
		clientRandom: det('pad/a/0', 128),
		serverRandom: det('pad/b/7', 32),
		time: '2023-01-01T00:00:00Z',
	})),
	userCase(user('short-B', {
		why: 'B and the verifier have a leading zero byte in their 384-byte form, so PAD(B) and PAD(v) are shorter',
		poolId: 'us-west-2_ShortB',
		username: 'short-b-user',
		userId: 'short-b-user',
		password: 'hunter2hunter2',
		salt: det('short-B/salt/89', 16),
		serverRandom: det('short-B/b/7', 32),
		time: '2025-07-09T12:30:07Z',
	})),
	userCase(user('short-u', {
		why: 'u = H(PAD(A)||PAD(B)) starts with a zero byte: as an integer it is 31 bytes, which matters for the HKDF salt PAD(u)',
		poolId: 'ca-central-1_ShortU',
		username: 'short-u-user',
		userId: 'short-u-user',
		password: 'p',
		serverRandom: det('short-u/b/97', 32),
		time: '2030-11-10T01:02:03Z',
	})),
	userCase(user('short-S', {
		why: 'S has a leading zero byte, so PAD(S) is shorter than N',
		poolId: 'sa-east-1_ShortS',
		username: 'short-s-user',
		userId: 'short-s-user',
		password: 'correct horse battery staple',
		serverRandom: det('short-S/b/95', 32),
		time: '2019-06-30T18:45:00Z',
	})),
	userCase(user('short-A', {
		why: 'A has a leading zero byte, so SRP_A has fewer than 768 hex digits',
		poolId: 'us-east-2_ShortA',
		username: 'short-a-user',
		userId: 'short-a-user',
		password: 'Tr0ub4dor&3',
		clientRandom: det('short-A/a/257', 128),
		time: '2026-02-01T05:06:07Z',
	})),
	userCase(user('unicode', {
		why: 'non-ASCII user id and password are hashed as UTF-8; leap day; one-byte secret block',
		poolId: 'eu-west-2_Zz9',
		username: 'josé.ñandú',
		userId: 'josé.ñandú',
		password: 'pässwörd✓ 🔑',
		secretBlock: Buffer.from([0xfb]).toString('base64'),
		time: '2000-02-29T00:00:00Z',
	})),
	deviceCase({
		name: 'device-salt-pad',
		why: 'device salt bytes start with a set top bit: ConfirmDevice sends a 17-byte salt (0x00 prepended)',
		username: '6f1c2a9e-4b7d-4e3f-9a2c-1d5e8b7f0a34',
		deviceGroupKey: '-AbCdEfGh1',
		deviceKey: 'us-east-1_0f8c6b7e-3d2a-4c1b-9e8f-7a6b5c4d3e2f',
		deviceRandom: det('device-pad/random/0', 56),
		clientRandom: det('device-pad/a', 128),
		serverRandom: det('device-pad/b', 32),
		secretBlock: Buffer.from(det('device-pad/secret', 1100), 'hex').toString('base64'),
		time: '2024-10-14T07:08:09Z',
	}),
	deviceCase({
		name: 'device-salt-short',
		why: 'device salt bytes start with 0x00: ConfirmDevice sends a 15-byte salt',
		username: 'carol',
		deviceGroupKey: '-ZyXwVuTs9',
		deviceKey: 'eu-central-1_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
		deviceRandom: det('device-short/random/182', 56),
		clientRandom: det('device-short/a', 128),
		serverRandom: det('device-short/b', 32),
		secretBlock: Buffer.from(det('device-short/secret', 48), 'hex').toString('base64'),
		time: '2027-08-03T22:11:00Z',
	}),
];

const out = {
	comment:
		'Generated by pkg/srp/testdata/gen-vectors.js from the library named below; do not edit. ' +
		'Integers are lowercase hex as the library prints them; random inputs are the exact bytes it consumed.',
	library: `amazon-cognito-identity-js@${libPackage.version}`,
	cases,
};

const file = process.argv[2] || path.join(__dirname, 'vectors.json');
fs.writeFileSync(file, JSON.stringify(out, null, '\t') + '\n');
