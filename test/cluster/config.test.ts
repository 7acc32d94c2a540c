// cluster { … } in nats.conf and the cluster flags, as nats-server reads them (opts.go
// parseCluster, overrideCluster, RoutesFromStr), with file:line:col errors; and -t differential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/errors.js';
import { mergeOptions, parseArgs } from '../../src/cli/flags.js';
import { validateOptions } from '../../src/options-validate.js';
import { defaultOptions } from '../../src/options.js';
import { hasNatsServer, natsServerBin, TSNATS_CLI } from '../helpers/servers.js';

const load = (src: string) => loadConfig(src, { file: 'a.conf', env: {} });
const errs = (r: LoadResult) => r.errors.map(formatIssue);
const warns = (r: LoadResult) => r.warnings.map(formatIssue);

test('cluster block: every key, aliases, routes with credentials', () => {
  const r = load(`cluster {
  name: C1
  listen: 127.0.0.1:6222
  advertise: "10.0.0.1:6222"
  no_advertise: true
  connect_retries: 3
  authorization { user: ruser, password: rpass, timeout: 0.5 }
  permissions { import: "foo.>", export: { allow: ["bar.>"], deny: ["bar.x"] } }
  routes: [
    nats-route://ruser:rpass@127.0.0.1:6223
    "nats://127.0.0.1:6224"
  ]
}`);
  assert.deepEqual(errs(r), []);
  assert.deepEqual(r.options.cluster, {
    name: 'C1', host: '127.0.0.1', port: 6222, advertise: '10.0.0.1:6222', noAdvertise: true, connectRetries: 3,
    username: 'ruser', password: 'rpass', authTimeout: 500,
    permissions: { import: { allow: ['foo.>'] }, export: { allow: ['bar.>'], deny: ['bar.x'] } },
  });
  assert.deepEqual(r.options.routes, ['nats-route://ruser:rpass@127.0.0.1:6223', 'nats://127.0.0.1:6224']);
  assert.deepEqual(load('cluster { port: 6222, host: "0.0.0.0", cluster_advertise: "x" }').options.cluster, { port: 6222, host: '0.0.0.0', advertise: 'x' });
});

test('cluster block: the reference refusals, at file:line:col', () => {
  assert.deepEqual(errs(load('cluster: 5')), ['a.conf:1:1: Expected map to define cluster, got int64']);
  assert.deepEqual(errs(load('cluster {\n  port: 6222\n  bogus: 1\n}')), ['a.conf:3:3: unknown field "bogus"']);
  assert.deepEqual(errs(load('cluster {\n  authorization { users: [{user: a, password: b}] }\n}')), ['a.conf:2:3: Cluster authorization does not allow multiple users']);
  assert.deepEqual(errs(load('cluster {\n  authorization { token: abc }\n}')), ['a.conf:2:3: Cluster authorization does not support tokens']);
  assert.deepEqual(errs(load('cluster {\n  permissions { publish: { allow: "a" }, allow_responses: true }\n}')), ['a.conf:2:3: Cluster permissions do not support dynamic responses']);
  assert.deepEqual(errs(load('cluster {\n  routes: ["nats://127.0.0.1:1", "nats://[bad"]\n}')), ['a.conf:2:35: error parsing route url ["nats://[bad"]']);
  assert.deepEqual(errs(load('cluster {\n  port: 70000\n}')), ['a.conf:2:3: invalid port 70000']);
  // cluster.tls: parseTLS + GenTLSConfig, the errors at the field or at the `tls` key.
  assert.deepEqual(errs(load('cluster {\n  tls { cert_file: x }\n}')), ["a.conf:2:3: missing 'key_file' in TLS configuration"]);
  assert.deepEqual(errs(load('cluster {\n  tls { verify: 1 }\n}')), ["a.conf:2:9: error parsing tls config, expected 'verify' to be a boolean"]);
  assert.deepEqual(errs(load('cluster {\n  tls { handshake_first: true }\n}')), ['a.conf:2:9: error parsing tls config, unknown field ["handshake_first"]']);
});

test('cluster block: the reference warnings (duplicate route, permissions in authorization)', () => {
  const r = load('cluster {\n  routes: ["nats://127.0.0.1:1", "nats://127.0.0.1:1"]\n}');
  assert.deepEqual(warns(r), ['a.conf:2:35: invalid use of field "nats://127.0.0.1:1": Duplicate route entry detected']);
  assert.deepEqual(r.options.routes, ['nats://127.0.0.1:1']);
  const p = load('cluster {\n  authorization { user: a, password: b, permissions { import: "x" } }\n}');
  assert.deepEqual(warns(p), ['a.conf:2:3: invalid use of field "authorization": setting "permissions" within cluster authorization block is deprecated']);
  assert.deepEqual(p.options.cluster?.permissions, { import: { allow: ['x'] }, export: undefined });
});

test('flags: --cluster (with credentials, :-1), --routes, --cluster_name, --cluster_advertise, --no_advertise, --connect_retries', () => {
  const c = parseArgs(['--cluster', 'nats://u:p@127.0.0.1:6222', '--routes', 'nats://a:1, nats://b:2', '--cluster_name', 'X', '--cluster_advertise', 'h:1', '--no_advertise', '--connect_retries', '2']);
  assert.equal(c.kind, 'run');
  assert.deepEqual(c.options.cluster, { host: '127.0.0.1', port: 6222, username: 'u', password: 'p', name: 'X', advertise: 'h:1', noAdvertise: true, connectRetries: 2 });
  assert.deepEqual(c.options.routes, ['nats://a:1', 'nats://b:2']);
  assert.deepEqual(parseArgs(['--cluster_listen', 'nats://0.0.0.0:-1']).options.cluster, { host: '0.0.0.0', port: -1, username: '', password: '' });
  assert.deepEqual(parseArgs(['--cluster', '']).options.cluster, { port: 0 });
  const bad = parseArgs(['--cluster', 'nats://u@127.0.0.1:6222']);
  assert.ok(bad.kind === 'error');
  assert.equal(bad.stderr, 'tsnats: expected cluster password to be set\n');
  const noport = parseArgs(['--cluster', 'nats://127.0.0.1']);
  assert.ok(noport.kind === 'error');
  assert.equal(noport.stderr, 'tsnats: address 127.0.0.1: missing port in address\n');
});

test('flags over the file: the cluster flags change single fields of the cluster block', () => {
  const merged = mergeOptions({ cluster: { name: 'C1', port: 6222, username: 'a', password: 'b' }, routes: ['nats://x:1'] }, parseArgs(['--cluster_name', 'C2', '--routes', 'nats://y:2']).options);
  assert.deepEqual(merged.options.cluster, { name: 'C2', port: 6222, username: 'a', password: 'b' });
  assert.deepEqual(merged.options.routes, ['nats://y:2']);
});

test('options: the embedding API refuses what the loader refuses', () => {
  const v = (o: object) => validateOptions({ ...defaultOptions(), ...o }).map((i) => i.message);
  assert.deepEqual(v({ cluster: { port: 6222 }, routes: ['nats-route://127.0.0.1:6223'] }), []);
  assert.deepEqual(v({ cluster: { port: 70000 } }), ['invalid cluster port 70000']);
  assert.deepEqual(v({ routes: ['nats://[bad'] }), ['error parsing route url ["nats://[bad"]']);
  assert.deepEqual(v({ cluster: { port: 1, advertise: 'a:b' } }), ['invalid Cluster.Advertise value of a:b, err=invalid port "b"']);
});

test('CLI: --routes without a cluster listener is refused as the reference refuses it', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  for (const [bin, prog] of [[process.execPath, 'tsnats'], [natsServerBin()!, 'nats-server']] as const) {
    const argv = bin === process.execPath ? [TSNATS_CLI, '--routes', 'nats://127.0.0.1:1', '-p', '-1'] : ['--routes', 'nats://127.0.0.1:1', '-p', '-1'];
    const r = spawnSync(bin, argv, { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1, prog);
    assert.match(r.stderr, /solicited routes require cluster capabilities, e\.g\. --cluster\n$/, prog);
  }
});

test('-t: cluster configurations get the same verdict from tsnats and nats-server', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-cluster-conf-'));
  const cases = [
    'cluster { name: C1, listen: 127.0.0.1:6222, routes: [nats://127.0.0.1:6223] }',
    'cluster { port: 6222, bogus: 1 }',
    'cluster { authorization { token: x } }',
    'cluster { authorization { users: [{user: a, password: b}] } }',
    'cluster { routes: [nats://127.0.0.1:1, nats://127.0.0.1:1] }',
    'cluster { permissions { import: "a", export: "b" }, no_advertise: true, connect_retries: 2 }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'cluster { port: 6222, tls { verify: 1 } }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'cluster { port: 6222, tls { handshake_first: true } }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'cluster { port: 6222, tls { cert_file: x } }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'cluster { port: 6222, tls { cert_file: /nonexistent.pem, key_file: /nonexistent-key.pem } }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'cluster { port: 6222, tls { verify_cert_and_check_known_urls: true, insecure: true, timeout: 1 } }',
    '# on line 2 (line 1 columns differ by one for every key, a lexer matter of its own)\n' + 'tls { verify_cert_and_check_known_urls: true }',
  ];
  cases.forEach((text, i) => {
    const f = join(dir, `c${i}.conf`);
    writeFileSync(f, text + '\n');
    const ours = spawnSync(process.execPath, [TSNATS_CLI, '-t', '-c', f], { encoding: 'utf8' });
    const ref = spawnSync(natsServerBin()!, ['-t', '-c', f], { encoding: 'utf8' });
    assert.equal(ours.status, ref.status, `${text}\nours: ${ours.stderr}\nref: ${ref.stderr}`);
    // The same message (the program's name aside) for a refusal.
    if (ref.status !== 0 && text.includes('tls')) assert.equal(ours.stderr.replace(/^tsnats: /, ''), ref.stderr.replace(/^nats-server: /, ''), text);
  });
});
