// Command-line flags: Go flag package syntax, nats-server's flags and messages, tsnats's refusals,
// flags over the config file. The error paths are compared with the real nats-server when installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mergeOptions, overrideTls, parseArgs, parseGoInt, usage, versionText } from '../../src/cli/flags.js';
import { hasNatsServer, natsServerBin } from '../helpers/servers.js';

const run = (...argv: string[]) => parseArgs(argv);

test('server, logging and auth flags in every spelling', () => {
  const table: [string[], Record<string, unknown>][] = [
    [['-a', '127.0.0.1', '-p', '4223'], { host: '127.0.0.1', port: 4223 }],
    [['--addr=127.0.0.1', '--port=4223'], { host: '127.0.0.1', port: 4223 }],
    [['-net', '0.0.0.0', '--port', '-1'], { host: '0.0.0.0', port: -1 }],
    [['-p', '0'], { port: 4222 }], // 0 is "not set" in nats-server: the default port
    [['-n', 'a'], { serverName: 'a' }],
    [['--name', 'a'], { serverName: 'a' }],
    [['--server_name=a'], { serverName: 'a' }],
    [['-P', '/tmp/p.pid', '--ports_file_dir', '/tmp'], { pidFile: '/tmp/p.pid', portsFileDir: '/tmp' }],
    [['--pid=/tmp/p.pid'], { pidFile: '/tmp/p.pid' }],
    [['-m', '8222'], { httpPort: 8222 }],
    [['--http_port', '-1'], { httpPort: -1 }],
    [['--client_advertise', 'x:4222'], { clientAdvertise: 'x:4222' }],
    [['-l', '/tmp/log', '--log_size_limit', '1000', '--max_traced_msg_len=32'], { logFile: '/tmp/log', logSizeLimit: 1000, maxTracedMsgLen: 32 }],
    [['--log', '/tmp/log'], { logFile: '/tmp/log' }],
    [['-D'], { debug: true }],
    [['--debug'], { debug: true }],
    [['-V'], { trace: true }],
    [['--trace'], { trace: true }],
    [['-VV'], { trace: true, traceVerbose: true }],
    [['-DV'], { debug: true, trace: true }],
    [['-DVV'], { debug: true, trace: true, traceVerbose: true }],
    [['-DV=false'], { debug: false, trace: false }],
    [['-T=false'], { logtime: false }],
    [['--logtime=0'], { logtime: false }],
    [['-T'], { logtime: true }],
    [['--user', 'u', '--pass', 'p'], { username: 'u', password: 'p' }],
    [['--auth', 's3cr3t'], { authorization: 's3cr3t' }],
    [['--ping_timeout', '30s'], { pingTimeout: 30_000 }],
    [['--ping_timeout=45'], { pingTimeout: 45_000 }],
    [['--busy_poll', '250us'], { busyPoll: 0.25 }],
    [['--busy_poll=0'], { busyPoll: 0 }],
    [['-p', '1', '-p', '2'], { port: 2 }], // the last one wins
  ];
  for (const [argv, options] of table) {
    const c = parseArgs(argv);
    assert.equal(c.kind, 'run', argv.join(' '));
    assert.deepEqual(c.options, options, argv.join(' '));
    assert.deepEqual(c.flagFields.sort(), Object.keys(options).sort(), argv.join(' '));
  }
});

test('integers as Go parses them: sign, 0x/0o/0b/0 prefixes, underscores only after a prefix', () => {
  assert.deepEqual(['4222', '+5', '-1', '0x10', '0o17', '017', '0b101', '0x_1F', '0_10'].map(parseGoInt), [4222, 5, -1, 16, 15, 15, 5, 31, 8]);
  assert.deepEqual(['1_000', 'abc', '', '0x', '12a', '1__0'].map(parseGoInt), Array(6).fill('parse error'));
  assert.equal(parseGoInt('9223372036854775808'), 'value out of range');
});

test('config file, -t, signals, version and help', () => {
  const c = run('-c', 'a.conf', '-p', '1');
  assert.equal(c.kind, 'run');
  assert.equal(c.configFile, 'a.conf');
  assert.deepEqual(c.options, { port: 1 });
  const t = run('--config=a.conf', '-t');
  assert.deepEqual([t.kind, t.configFile], ['test-config', 'a.conf']);
  const s = run('-sl', 'reload=/var/run/nats.pid');
  assert.ok(s.kind === 'signal');
  assert.deepEqual(s.signal, { name: 'reload', target: '/var/run/nats.pid' });
  const s2 = run('--signal', 'ldm');
  assert.ok(s2.kind === 'signal');
  assert.deepEqual(s2.signal, { name: 'ldm' });
  for (const argv of [['-v'], ['--version'], ['version'], ['-c', 'x', 'VERSION'], ['-h', '-v']]) {
    const v = parseArgs(argv);
    assert.ok(v.kind === 'version', argv.join(' '));
    assert.equal(v.stdout, versionText());
  }
  for (const argv of [['-h'], ['--help'], ['help'], ['-help']]) {
    const h = parseArgs(argv);
    assert.ok(h.kind === 'help', argv.join(' '));
    assert.equal(h.stdout, usage('tsnats'));
  }
});

test('version: the reference line first (scripts grep "nats-server: v"), then what this is', () => {
  assert.match(versionText(), /^nats-server: v2\.9\.10 \(tsnats \d+\.\d+\.\d+\)\n$/);
});

test('help: nats-server\'s layout, with tsnats\'s flags and extensions', () => {
  const h = usage('tsnats');
  assert.ok(h.startsWith('\nUsage: tsnats [options]\n\nServer Options:\n    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)\n'));
  for (const section of ['Server Options:', 'Logging Options:', 'Authorization Options:', 'Connection Health Options (tsnats):', 'Common Options:'])
    assert.ok(h.includes(`\n${section}\n`), section);
  assert.match(h, /--ping_timeout <duration>/);
  assert.match(h, /--busy_poll <duration>/);
  assert.match(h, /\nJetStream Options:\n    -js, --jetstream {17}Enable JetStream functionality\n    -sd, --store_dir <dir> {11}Set the storage directory\n/);
  // TLS flags are implemented: their section, as nats-server's
  assert.match(h, /\nTLS Options:\n        --tls                        Enable TLS, do not verify clients \(default: false\)\n/);
  assert.match(h, /-ms,--https_port <port>/);
  assert.doesNotMatch(h.split('Not supported yet')[1]!, /--tls|https_port|--cluster|--routes/);
  assert.match(h, /\nCluster Options:\n        --routes <rurl-1, rurl-2> /);
});

test('errors: messages and outputs as nats-server; flag syntax errors exit 1 (nats-server: 0)', () => {
  const table: [string[], string, number, boolean][] = [
    [['--bogus'], 'flag provided but not defined: -bogus\n', 1, true],
    [['-x=1'], 'flag provided but not defined: -x\n', 1, true],
    [['-p'], 'flag needs an argument: -p\n', 1, true],
    [['-p', 'abc'], 'invalid value "abc" for flag -p: parse error\n', 1, true],
    [['--port=abc'], 'invalid value "abc" for flag -port: parse error\n', 1, true],
    [['-p', '99999999999999999999'], 'invalid value "99999999999999999999" for flag -p: value out of range\n', 1, true],
    [['---port'], 'bad flag syntax: ---port\n', 1, true],
    [['-=x'], 'bad flag syntax: -=x\n', 1, true],
    [['-T=maybe'], 'invalid boolean value "maybe" for -T: parse error\n', 1, true],
    [['-t'], 'tsnats: must specify [-c, --config] option to check configuration file syntax\n', 1, false],
    [['extra'], 'tsnats: unrecognized command: "extra"\n', 1, false],
    [['-T', 'false'], 'tsnats: unrecognized command: "false"\n', 1, false], // a boolean takes no separate value
    [['--', '-t'], 'tsnats: unrecognized command: "-t"\n', 1, false],
    [['--signal', 'reload=1=2'], 'tsnats: invalid signal parameters: [2]\n', 1, false],
    [['--signal', 'bogus=1'], 'tsnats: unknown signal "bogus"\n', 1, false],
    [['-p', '70000'], 'tsnats: invalid port 70000 for -p\n', 1, false],
    [['--busy_poll', '20ms'], 'invalid value "20ms" for flag -busy_poll: at most 10ms\n', 1, true],
  ];
  for (const [argv, stderr, exitCode, printsUsage] of table) {
    const c = parseArgs(argv);
    assert.ok(c.kind === 'error', argv.join(' '));
    assert.equal(c.stderr, stderr, argv.join(' '));
    assert.equal(c.exitCode, exitCode, argv.join(' '));
    assert.equal(c.stdout, printsUsage ? usage('tsnats') : '', argv.join(' '));
  }
});

test('nats-server flags tsnats does not implement: a clear error, exit 1; turning them off is fine', () => {
  for (const argv of [['-s'], ['-r', 'udp://x:514'], ['--profile', '6060']]) {
    const c = parseArgs(argv);
    assert.ok(c.kind === 'error', argv.join(' '));
    assert.equal(c.exitCode, 1);
    assert.match(c.stderr, /^tsnats: flag -\w+ is not supported yet: .+\n$/, argv.join(' '));
  }
  assert.equal(parseArgs(['--tls=false', '-p', '1']).kind, 'run');
});

test('JetStream flags: -js/--jetstream turn it on, -sd/--store_dir set the store directory, over a config block', () => {
  for (const f of ['-js', '--jetstream', '-jetstream']) assert.equal(parseArgs([f]).options.jetstream, true, f);
  assert.equal(parseArgs(['-js=false']).options.jetstream, false);
  for (const f of ['-sd', '--store_dir']) assert.equal(parseArgs([f, '/data']).options.storeDir, '/data', f);
  // -js over a jetstream { } block keeps the block's settings; -sd wins over its store_dir.
  const file = { jetstream: { maxMemoryStore: 1024, storeDir: '/file' } };
  const m = mergeOptions(file, parseArgs(['-js', '-sd', '/flag']).options).options;
  assert.deepEqual(m.jetstream, { maxMemoryStore: 1024, storeDir: '/flag', enabled: true });
  assert.equal(m.storeDir, '/flag');
  assert.deepEqual(mergeOptions(file, parseArgs(['-js=false']).options).options.jetstream, { maxMemoryStore: 1024, storeDir: '/file', enabled: false });
});

test('TLS flags: collected as given, replacing the file\'s TLS as nats-server overrideTLS does', () => {
  const c = parseArgs(['--tlscert', 'c.pem', '--tlskey', 'k.pem', '--tlsverify', '--tlscacert', 'ca.pem', '-ms', '8443']);
  assert.equal(c.kind, 'run');
  assert.deepEqual(c.tlsFlags, { cert: 'c.pem', key: 'k.pem', verify: true, ca: 'ca.pem' });
  assert.equal(c.options.httpsPort, 8443);
  assert.equal(parseArgs(['-p', '1']).tlsFlags, undefined);
  const file = { certFile: 'f.pem', keyFile: 'fk.pem', timeoutMs: 500, verifyAndMap: true, verify: true, pinnedCerts: ['a'.repeat(64)], cipherSuites: ['TLS_AES_128_GCM_SHA256'] };
  // the file's timeout, verify_and_map and pinned_certs stay; certificates, CA, verify and ciphers come from the flags
  assert.deepEqual(overrideTls(file, { cert: 'c.pem', key: 'k.pem' }), {
    tls: { certFile: 'c.pem', keyFile: 'k.pem', verify: true, verifyAndMap: true, insecure: false, timeoutMs: 500, pinnedCerts: ['a'.repeat(64)] },
  });
  assert.deepEqual(overrideTls(undefined, { tls: true }), { error: 'TLS Server certificate must be present and valid' });
  assert.deepEqual(overrideTls(undefined, { verify: true }), { error: 'TLS Server certificate must be present and valid' });
  assert.deepEqual(overrideTls(undefined, { tls: true, cert: 'c.pem' }), { error: 'TLS Server private key must be present and valid' });
  assert.deepEqual(overrideTls(file, { tls: false }), { tls: null });
  const help = parseArgs(['--help_tls']);
  assert.equal(help.kind, 'help_tls');
  assert.match((help as { stdout: string }).stdout, /Available cipher suites include:\n    TLS_RSA_WITH_RC4_128_SHA\n[\s\S]*\nAvailable curve preferences include:\n    X25519\n    CurveP256\n    CurveP384\n    CurveP521\n$/);
});

test('mergeOptions: every flag given wins over the file; the flag fields are reported', () => {
  const file = { port: 4222, host: '0.0.0.0', debug: true, logtime: true, pingInterval: 1000, username: 'file' };
  const flags = parseArgs(['-p', '5000', '-T=false', '--user', 'flag']).options;
  const { options, flagFields } = mergeOptions(file, flags);
  assert.deepEqual(options, { port: 5000, host: '0.0.0.0', debug: true, logtime: false, pingInterval: 1000, username: 'flag' });
  assert.deepEqual(flagFields.sort(), ['logtime', 'port', 'username']);
  assert.deepEqual(file.port, 4222, 'inputs are not modified');
});

const skip = hasNatsServer() ? false : 'nats-server is not installed (apt-get install -y nats-server)';

test('flag errors behave as nats-server 2.9.10: same stderr, exit code, usage on stdout', { skip }, () => {
  const cases = [['--bogus'], ['-x=1'], ['-p'], ['-p', 'abc'], ['--port=abc'], ['---port'], ['-T=maybe'], ['-p', '99999999999999999999'], ['-t'], ['extra'], ['-T', 'false'], ['--signal', 'reload=1=2'], ['-v'], ['version'], ['-h']];
  for (const argv of cases) {
    const ref = spawnSync(natsServerBin()!, argv, { encoding: 'utf8', timeout: 10_000 });
    const ours = parseArgs(argv);
    const what = argv.join(' ');
    const out = 'stdout' in ours ? ours.stdout : '';
    const err = 'stderr' in ours ? ours.stderr : '';
    const code = 'exitCode' in ours ? ours.exitCode : -1;
    // A flag syntax error exits 1 in tsnats where nats-server 2.9.10 exits 0 (docs/compatibility.md).
    const refCode = ref.status === 0 && ref.stdout.startsWith('\nUsage:') && ref.stderr !== '' ? 1 : ref.status;
    assert.equal(code, refCode, `${what}: exit code`);
    assert.equal(err, ref.stderr.replace(/^nats-server: /, 'tsnats: '), `${what}: stderr`);
    if (ref.stdout.startsWith('\nUsage: nats-server [options]\n')) assert.ok(out.startsWith('\nUsage: tsnats [options]\n'), `${what}: usage`);
    else if (argv[0] === '-v' || argv[0] === 'version') assert.ok(out.startsWith(ref.stdout.trimEnd() + ' '), `${what}: ${out} vs ${ref.stdout}`);
    else assert.equal(out, ref.stdout, `${what}: stdout`);
  }
});
