// leafnodes { … } in nats.conf as nats-server reads it (opts.go parseLeafNodes, parseRemoteLeafNodes,
// leafnode.go validateLeafNode), file:line:col errors, the embedding API's checks, the ports file's
// `leafnode` entry, and the same verdicts as nats-server (-t, and starting with the file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/errors.js';
import { validateOptions } from '../../src/options-validate.js';
import { defaultOptions } from '../../src/options.js';
import { startServer } from '../../src/index.js';
import { hasNatsServer, natsServerBin, TSNATS_CLI } from '../helpers/servers.js';

const load = (src: string) => loadConfig(src, { file: 'a.conf', env: {} });
const errs = (r: LoadResult) => r.errors.map(formatIssue);

test('leafnodes block: every key and alias', () => {
  const r = load(`leafnodes {
  listen: 127.0.0.1:7422
  advertise: "10.0.0.1:7422"
  no_advertise: true
  reconnect: 2
  min_version: "2.8.0"
  authorization {
    timeout: 0.5
    users [ {user: leafapp, password: lp, account: APP}, {username: leafg, pass: lg} ]
  }
  remotes [
    { url: "nats-leaf://u:p@127.0.0.1:7422", account: APP, credentials: "/x/leaf.creds", deny_imports: ["a.>"], deny_exports: "b.>", hub: true, no_randomize: true }
    { urls: ["nats-leaf://h1:7422", "nats://h2:7422"], local: APP, creds: "/y.creds", deny_import: "c", deny_export: ["d"], dont_randomize: false }
  ]
}
accounts { APP {} }`);
  assert.deepEqual(errs(r), []);
  assert.deepEqual(r.options.leafnodes, {
    host: '127.0.0.1', port: 7422, advertise: '10.0.0.1:7422', noAdvertise: true, reconnect: 2000, minVersion: '2.8.0',
    authorization: { timeout: 500, users: [{ user: 'leafapp', password: 'lp', account: 'APP' }, { user: 'leafg', password: 'lg' }] },
    remotes: [
      { urls: ['nats-leaf://u:p@127.0.0.1:7422'], account: 'APP', credentials: '/x/leaf.creds', denyImports: ['a.>'], denyExports: ['b.>'], hub: true, noRandomize: true },
      { urls: ['nats-leaf://h1:7422', 'nats://h2:7422'], account: 'APP', credentials: '/y.creds', denyImports: ['c'], denyExports: ['d'], noRandomize: false },
    ],
  });
  assert.deepEqual(load('leaf { port: 7422, host: "0.0.0.0", leafnode_advertise: x, reconnect_delay: 3, authorization { user: a, password: b, account: "$G" } }').options.leafnodes, {
    port: 7422, host: '0.0.0.0', advertise: 'x', reconnect: 3000, authorization: { user: 'a', password: 'b', account: '$G' },
  });
});

test('leafnodes block: the reference refusals, at file:line:col', () => {
  assert.deepEqual(errs(load('leafnodes: 5')), ['a.conf:1:1: Expected map to define a leafnode, got int64']);
  assert.deepEqual(errs(load('leafnodes {\n  port: 7422\n  bogus: 1\n}')), ['a.conf:3:3: unknown field "bogus"']);
  assert.deepEqual(errs(load('leafnodes {\n  authorization { user: a, users: [{user: b}] }\n}')), ['a.conf:2:3: can not have a single user/pass and a users array']);
  assert.deepEqual(errs(load('leafnodes {\n  authorization { users: [{user: b}, {user: b}] }\n}')), ['a.conf:2:3: duplicate user "b" detected in leafnode authorization']);
  assert.deepEqual(errs(load('leafnodes {\n  authorization { users: [{user: b, permissions: {}}] }\n}')), ['a.conf:2:37: unknown field "permissions"']);
  assert.deepEqual(errs(load('leafnodes {\n  remotes: 5\n}')), ['a.conf:2:3: Expected remotes field to be an array, got int64']);
  assert.deepEqual(errs(load('leafnodes {\n  remotes: [ { url: "nats://[bad" } ]\n}')), ['a.conf:2:16: error parsing leafnode url ["nats://[bad"]']);
  assert.deepEqual(errs(load('leafnodes {\n  min_version: "2.7.0"\n}')), ['a.conf:2:3: the minimum version should be at least 2.8.0']);
  assert.deepEqual(errs(load('leafnodes {\n  port: 70000\n}')), ['a.conf:2:3: invalid port 70000']);
  // tls {}: the client port's block and its errors (a certificate without its key, a missing file).
  assert.deepEqual(errs(load('leafnodes {\n  tls { cert_file: x }\n}')), ['a.conf:2:3: missing \'key_file\' in TLS configuration']);
  assert.deepEqual(errs(load('leafnodes {\n  remotes [ { url: "nats://h:1", tls { insecure: 1 } } ]\n}')), ["a.conf:2:40: error parsing tls config, expected 'insecure' to be a boolean"]);
  assert.deepEqual(load('leafnodes {\n  remotes [ { url: "tls://h:1", tls { insecure: true, timeout: 3 } } ]\n}').options.leafnodes?.remotes?.[0]?.tls, { verify: false, verifyAndMap: false, insecure: true, timeoutMs: 3000 });
  assert.match(errs(load('leafnodes {\n  remotes [ { url: "ws://h:1" } ]\n}'))[0]!, /WebSocket leafnode connections \(ws:\/\/, wss:\/\/\) are not supported/);
  assert.match(errs(load('leafnodes {\n  remotes [ { url: "nats-leaf://h" } ]\n}'))[0]!, /missing port/);
  // Accounts must exist (validateLeafNode), in local configuration.
  assert.deepEqual(errs(load('leafnodes {\n  remotes [ { url: "nats://h:1", account: NOPE } ]\n}')), ['a.conf:1:1: cannot find local account "NOPE" specified in leafnode remote']);
  assert.deepEqual(errs(load('leafnodes {\n  port: 7422, authorization { users [ {user: a, account: NOPE} ] }\n}')), ['a.conf:1:1: cannot find local account "NOPE" specified in leafnode authorization']);
});

test('options: the embedding API refuses what the loader refuses; url or urls', () => {
  const v = (o: object) => validateOptions({ ...defaultOptions(), ...o }).map((i) => i.message);
  assert.deepEqual(v({ leafnodes: { remotes: [{ url: 'nats-leaf://127.0.0.1:7422' }] } }), []);
  assert.deepEqual(v({ leafnodes: { port: -1, remotes: [{ urls: ['nats://a:1', 'nats://b:2'], account: '$G' }] } }), []);
  assert.deepEqual(v({ leafnodes: { remotes: [{}] } }), ['leafnodes remote: url or urls must give at least one URL']);
  assert.deepEqual(v({ leafnodes: { port: 70000 } }), ['invalid leafnodes port 70000']);
  assert.deepEqual(v({ leafnodes: { remotes: [{ url: 'nats://[x' }] } }), ['error parsing leafnode url ["nats://[x"]']);
  assert.deepEqual(v({ leafnodes: { remotes: [{ url: 'nats://h:1', account: 'X' }] } }), ['cannot find local account "X" specified in leafnode remote']);
  assert.deepEqual(v({ leafnodes: { tls: 5 } }), ['leafnodes tls must be an object (a tls {} block)']);
  assert.deepEqual(v({ leafnodes: 'x' }), ['leafnodes must be an object, got "x"']);
  assert.deepEqual(v({ trustedOperators: ['x'], leafnodes: { remotes: [{ url: 'nats://h:1', account: 'APP' }] } }).filter((m) => m.startsWith('operator mode')), [
    "operator mode requires account nkeys in remotes. Please add an `account` key to each remote in your `leafnodes` section, to assign it to an account. Each account value should be a 56 character public key, starting with the letter 'A'",
  ]);
});

test('the ports file has a leafnode entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-leaf-ports-'));
  const srv = await startServer({ port: 0, portsFileDir: dir, leafnodes: { host: '127.0.0.1', port: -1 } });
  try {
    const f = readdirSync(dir).find((x) => x.endsWith('.ports'))!;
    const ports = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, string[]>;
    const lp = (srv.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
    assert.deepEqual(ports.leafnode, [`nats://127.0.0.1:${lp}`]);
    assert.deepEqual(Object.keys(ports), ['nats', 'leafnode']);
  } finally {
    await srv.shutdown();
  }
});

test('-t and start: leafnode configurations get the same verdict from tsnats and nats-server', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-leaf-conf-'));
  const parse = [
    'leafnodes { listen: 127.0.0.1:7422, authorization { users [ {user: a, password: b} ] } }',
    'leafnodes { port: 7422, bogus: 1 }',
    'leafnodes { authorization { user: a, users: [{user: b}] } }',
    'leafnodes { remotes: [ { url: "nats-leaf://h:7422", deny_imports: a, deny_exports: [b] } ] }',
    'leafnodes { remotes: [ { urls: ["nats://h:1", "nats://h:1"] } ] }',
    'leafnodes { min_version: "2.0.0" }',
    'leaf { reconnect: 5 }',
  ];
  parse.forEach((text, i) => {
    const f = join(dir, `p${i}.conf`);
    writeFileSync(f, text + '\n');
    const ours = spawnSync(process.execPath, [TSNATS_CLI, '-t', '-c', f], { encoding: 'utf8' });
    const ref = spawnSync(natsServerBin()!, ['-t', '-c', f], { encoding: 'utf8' });
    assert.equal(ours.status, ref.status, `${text}\nours: ${ours.stderr}\nref: ${ref.stderr}`);
  });
  // validateLeafNode runs when the server starts: both refuse to start, with the same words.
  const start = [
    ['leafnodes { remotes: [ { url: "nats://127.0.0.1:1", account: NOPE } ] }', 'cannot find local account "NOPE" specified in leafnode remote'],
    ['leafnodes { port: -1, authorization { account: NOPE } }', 'cannot find local account "NOPE" specified in leafnode authorization'],
  ];
  start.forEach(([text, msg], i) => {
    const f = join(dir, `s${i}.conf`);
    writeFileSync(f, `port: -1\n${text}\n`);
    for (const [bin, argv] of [[process.execPath, [TSNATS_CLI, '-c', f]], [natsServerBin()!, ['-c', f]]] as const) {
      const r = spawnSync(bin, argv, { encoding: 'utf8', timeout: 10_000 });
      assert.equal(r.status, 1, `${bin} ${text}`);
      assert.ok(r.stderr.includes(msg), `${bin}: ${r.stderr}`);
    }
  });
});
