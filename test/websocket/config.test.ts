// The `websocket {}` block in nats.conf (opts.go parseWebsocket, validateWebsocketOptions): keys and
// aliases, units, positions, the startup checks with nats-server's texts; and differentially, the
// same verdicts and texts from nats-server 2.9.10 (parse errors by `-t`, startup checks by starting it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import { formatIssue } from '../../src/config/errors.js';
import { validateOptions } from '../../src/options-validate.js';
import { defaultOptions } from '../../src/options.js';
import { hasNatsServer, startServer } from '../helpers/servers.js';
import { natsServerCheck, refCol } from '../config/reference.js';
import { tempDir } from '../auth/helpers.js';

const load = (src: string) => loadConfig(src, { file: 'a.conf', env: {} });
const errs = (r: LoadResult) => r.errors.map(formatIssue);
const skip = hasNatsServer() ? false : 'nats-server is not installed';

test('the block: every key and alias, in tsnats units', () => {
  const r = load(`websocket {
  host: 127.0.0.1, port: -1, advertise: "ws.example.com:443", no_tls: true, same_origin: true
  allowed_origins: ["http://example.com"], handshake_timeout: "800ms", compression: true
  authorization { user: wsu, password: wsp, timeout: 0.5 }
}`);
  assert.deepEqual(errs(r), []);
  assert.deepEqual(r.options.websocket, {
    host: '127.0.0.1', port: -1, advertise: 'ws.example.com:443', noTls: true, sameOrigin: true,
    allowedOrigins: ['http://example.com'], handshakeTimeout: 800, compression: true,
    authorization: { user: 'wsu', password: 'wsp', timeout: 500 },
  });
  // Aliases: ws, listen, net, compress, origin(s)/allow_origin(s)/allowed_origin, authentication, username, pass.
  for (const [src, want] of [
    ['ws { listen: "127.0.0.1:8080", no_tls: true }', { host: '127.0.0.1', port: 8080, noTls: true }],
    ['websocket { net: "::1", port: 8080, no_tls: true, compress: true }', { host: '::1', port: 8080, noTls: true, compression: true }],
    ['websocket { port: 8080, no_tls: true, origins: "http://a.b" }', { host: '0.0.0.0', port: 8080, noTls: true, allowedOrigins: ['http://a.b'] }],
    ['websocket { port: 8080, no_tls: true, allow_origin: ["http://a.b", "https://c.d:1"] }', { host: '0.0.0.0', port: 8080, noTls: true, allowedOrigins: ['http://a.b', 'https://c.d:1'] }],
    ['websocket { port: 8080, no_tls: true, handshake_timeout: 3 }', { host: '0.0.0.0', port: 8080, noTls: true, handshakeTimeout: 3000 }],
    ['websocket { port: 8080, no_tls: true, authentication { username: u, pass: p } }', { host: '0.0.0.0', port: 8080, noTls: true, authorization: { user: 'u', password: 'p' } }],
    ['websocket { port: 8080, no_tls: true, authorization { token: t } }', { host: '0.0.0.0', port: 8080, noTls: true, authorization: { token: 't' } }],
    ['WebSocket { PORT: 8080, No_Tls: true }', { host: '0.0.0.0', port: 8080, noTls: true }],
  ] as const) {
    const x = load(src);
    assert.deepEqual(errs(x), [], src);
    assert.deepEqual(x.options.websocket, Object.assign({ host: '0.0.0.0' }, want), src);
  }
  // No port, or 0: no listener, and nothing else is checked (not even TLS), as the reference.
  for (const src of ['websocket {}', 'websocket { port: 0 }', 'websocket { host: 127.0.0.1, compression: true }', 'websocket { port: 0, no_auth_user: zz, jwt_cookie: x }']) {
    const x = load(src);
    assert.deepEqual(errs(x), [], src);
    assert.equal(x.options.websocket, undefined, src);
    assert.equal(x.warnings.length, 0, src);
  }
});

test('problems, at their position, in the reference\'s words', () => {
  const cases: [string, string][] = [
    ['websocket: 5', 'a.conf:1:1: Expected websocket to be a map, got int64'],
    ['websocket { port: 18090 }', 'a.conf:1:1: websocket requires TLS configuration'],
    ['websocket { port: 1, no_tls: true, foo: 1 }', 'a.conf:1:36: unknown field "foo"'],
    ['websocket { port: 1, no_tls: true, handshake_timeout: "abc" }', 'a.conf:1:36: time: invalid duration "abc"'],
    ['websocket { port: 1, no_tls: true, handshake_timeout: 1.5 }', 'a.conf:1:36: error parsing handshake timeout: unsupported type float64'],
    ['websocket { port: 1, no_tls: true, allowed_origins: ["http://[::1"] }', 'a.conf:1:1: unable to parse allowed origin: parse "http://[::1": missing \']\' in host'],
    ['websocket { port: 1, no_tls: true, no_auth_user: zz }', 'a.conf:1:1: no_auth_user: "zz" present, but users are not defined'],
    ['authorization { users: [{user: a, password: b}] }\nwebsocket { port: 1, no_tls: true, no_auth_user: zz }', 'a.conf:2:1: no_auth_user: "zz" not present as user in authorization block or account configuration'],
    ['authorization { users: [{user: a, password: b}] }\nwebsocket { port: 1, no_tls: true, authorization { user: x, password: y } }', 'a.conf:2:1: websocket authentication username not compatible with presence of users/nkeys'],
    ['authorization { users: [{user: a, password: b}] }\nwebsocket { port: 1, no_tls: true, authorization { token: y } }', 'a.conf:2:1: websocket authentication token not compatible with presence of users/nkeys'],
    ['websocket { port: 1, no_tls: true, jwt_cookie: "x" }', 'a.conf:1:1: trusted operators or trusted keys configuration is required for JWT authentication via cookie "x"'],
    ['websocket { port: 1, no_tls: true, authorization { bad: 1 } }', 'a.conf:1:52: unknown field "bad"'],
    ['websocket { port: 70000, no_tls: true }', 'a.conf:1:1: invalid websocket port 70000'],
    ['websocket { port: "x", no_tls: true }', 'a.conf:1:13: "port" must be an integer, got string "x"'],
  ];
  for (const [src, want] of cases) assert.deepEqual(errs(load(src)), [want], src);
  // websocket.tls is the client port's tls {} block: its errors, at their positions (missing files here).
  const t = load('websocket { port: 1, tls { cert_file: a, key_file: b } }');
  assert.equal(t.errors.length, 1);
  assert.match(formatIssue(t.errors[0]!), /^a\.conf:1:22: .*\ba\b/);
});

test('the API: the same checks on startServer() options, and their types', () => {
  const check = (ws: unknown, more: object = {}) => validateOptions({ ...defaultOptions(), ...more, websocket: ws as never }).map((i) => i.message);
  assert.deepEqual(check({ port: 0 }), [], 'port 0 = a free port; no TLS required in the API');
  assert.deepEqual(check({ port: 0, noTls: false }), ['websocket requires TLS configuration']);
  assert.deepEqual(check({ port: 'x' }), ['websocket port must be an integer from -1 to 65535, got "x"']);
  assert.deepEqual(check({ port: 0, handshakeTimeout: -1 }), ['websocket handshake_timeout must be a non-negative duration in milliseconds, got -1']);
  assert.deepEqual(check({ port: 0, compression: 'yes' }), ['websocket compression must be a boolean, got "yes"']);
  assert.deepEqual(check({ port: 0, authorization: 5 }), ['websocket authorization must be an object, got 5']);
  assert.deepEqual(check({ port: 0, allowedOrigins: 'http://a' }), ['websocket allowed_origins must be an array of strings, got "http://a"']);
  assert.deepEqual(check(null), ['websocket must be an object, got null']);
  assert.deepEqual(check({ port: 0, noAuthUser: 'a' }, { users: [{ user: 'a', password: 'b' }] }), []);
});

test('parse errors: nats-server -t gives the same text at the same place', { skip }, () => {
  for (const src of [
    'websocket: 5\n',
    'websocket { port: 1, no_tls: true, foo: 1 }\n',
    'websocket { port: 1, no_tls: true, handshake_timeout: "abc" }\n',
    'websocket { port: 1, no_tls: true, authorization { bad: 1 } }\n',
    'websocket {\n  port: 1\n  no_tls: true\n  bogus: 2\n}\n',
  ]) {
    const ref = natsServerCheck(src);
    const ours = loadConfig(src, { file: 'case.conf', env: {} }).errors[0]!;
    assert.equal(ours.message, ref.message, src);
    assert.equal(ours.line, ref.line, src);
    if (ref.col !== undefined) assert.equal(refCol(ours.line, ours.col), ref.col, src);
  }
  // And what -t accepts, we accept (startup checks aside).
  for (const src of ['ws { listen: "127.0.0.1:8080", no_tls: true, compress: true, origins: "http://a.b" }\n', 'websocket { port: 0 }\n']) {
    assert.equal(natsServerCheck(src).valid, true, src);
    assert.deepEqual(errs(load(src)), [], src);
  }
});

test('startup checks: nats-server refuses to start with the same text', { skip }, async (t) => {
  const dir = tempDir(t);
  const cases = [
    'websocket { host: 127.0.0.1, port: 18090 }\n',
    'websocket { host: 127.0.0.1, port: 18090, no_tls: true, allowed_origins: ["http://[::1"] }\n',
    'websocket { host: 127.0.0.1, port: 18090, no_tls: true, no_auth_user: zz }\n',
    'authorization { users: [{user: a, password: b}] }\nwebsocket { host: 127.0.0.1, port: 18090, no_tls: true, no_auth_user: zz }\n',
    'authorization { users: [{user: a, password: b}] }\nwebsocket { host: 127.0.0.1, port: 18090, no_tls: true, authorization { user: x, password: y } }\n',
    'authorization { users: [{user: a, password: b}] }\nwebsocket { host: 127.0.0.1, port: 18090, no_tls: true, authorization { token: y } }\n',
    'websocket { host: 127.0.0.1, port: 18090, no_tls: true, jwt_cookie: "x" }\n',
  ];
  await Promise.all(cases.map(async (text, i) => {
    const file = join(dir, `s${i}.conf`);
    writeFileSync(file, text);
    await assert.rejects(startServer('nats-server', { config: file }), (e: Error) => {
      const ours = loadConfig(text).errors.map((x) => x.message);
      assert.equal(ours.length, 1, text);
      assert.ok(e.message.includes(`nats-server: ${ours[0]}`), `${text}: nats-server said ${e.message}`);
      return true;
    });
  }));
});

test('reload: a changed websocket block is refused (reload.go), an unchanged one is fine', async () => {
  const { diffOptions } = await import('../../src/config/reload.js');
  const opts = (src: string) => ({ ...defaultOptions(), ...load(src).options });
  const a = 'websocket { port: -1, no_tls: true, compression: true }';
  assert.deepEqual(diffOptions(opts(a), opts(a)), { changes: [], refused: [] });
  const d = diffOptions(opts(a), opts('websocket { port: -1, no_tls: true, compression: false }'));
  assert.deepEqual(d.refused.map((r) => r.field), ['websocket']);
  assert.match(d.refused[0]!.message, /^config reload not supported for Websocket: old=/);
  assert.deepEqual(diffOptions(opts(''), opts(a)).refused.map((r) => r.field), ['websocket']);
});
