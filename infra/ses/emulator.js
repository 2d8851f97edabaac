#!/usr/bin/env node
// Starts aws-ses-v2-local (the SES v2 emulator, installed under infra/node) for Go tests
// (pkg/mail/ses): loopback only, on the port given as the first argument or, by default, a free
// one chosen by the kernel, so parallel test runs never collide. When it listens it prints one
// line to stdout:
//
//   {"endpoint":"http://127.0.0.1:PORT"}
//
// It exits when stdin closes, so the emulator dies with the test process even if the test is
// killed before it can stop it (the test also kills the process group when it ends).
'use strict';

const path = require('path');

let server;
try {
  const modPath = require.resolve('aws-ses-v2-local', { paths: [path.join(__dirname, '..', 'node')] });
  server = require(modPath).default;
} catch (err) {
  console.error('aws-ses-v2-local is not installed under infra/node (run `make node-deps`): ' + err.message);
  process.exit(3);
}

const port = process.argv[2] ? Number(process.argv[2]) : 0;

server({ host: '127.0.0.1', port })
  .then((s) => {
    s.on('error', (err) => {
      console.error(err);
      process.exit(1);
    });
    process.stdout.write(JSON.stringify({ endpoint: `http://127.0.0.1:${s.address().port}` }) + '\n');
  })
  .catch((err) => {
    console.error('aws-ses-v2-local failed to start:', err);
    process.exit(1);
  });

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
