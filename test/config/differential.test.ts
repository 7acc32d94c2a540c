// Live differential checks against the reference binary (skipped, and said so, when nats-server is
// not installed): the recorded verdicts still hold; our parser types values like nats-server's; string
// and size values come out the same; checks nats-server makes at startup are ours at load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNatsServer, startServer } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';
import { parseConfig, type ConfNode } from '../../src/config/parse.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { CASES } from './cases.js';
import { DOC_CASES } from './docs-cases.js';
import { FIXTURES, natsServerCheck, natsServerCheckFile } from './reference.js';

const skip = hasNatsServer() ? false : 'nats-server is not installed (apt-get install -y nats-server)';

test('recorded verdicts of the snippet corpus still match nats-server', { skip }, () => {
  for (const c of CASES) {
    const ref = natsServerCheck(c.text);
    if (c.ref.col === undefined) delete ref.col;
    assert.deepEqual(ref, c.ref, JSON.stringify(c.text));
  }
});

test('recorded verdicts of the nats.docs examples still match nats-server', { skip }, () => {
  for (const d of DOC_CASES) assert.deepEqual(natsServerCheckFile(join(FIXTURES, 'docs', d.file), d.env), d.ref, d.file);
});

/** The Go type nats-server reports for `port: <value>` (an int64 is the only valid one). */
function refKind(value: string): string {
  const v = natsServerCheck(`port: ${value}\n`);
  if (v.valid) return 'integer';
  const m = /interface \{\} is (.+), not int64/.exec(v.message ?? '');
  if (!m) return 'error';
  const kinds: Record<string, string> = { string: 'string', bool: 'bool', float64: 'float', 'time.Time': 'datetime', '[]interface {}': 'array', 'map[string]interface {}': 'map' };
  return kinds[m[1]!] ?? m[1]!;
}
function ourKind(value: string): string {
  try {
    const n: ConfNode | undefined = parseConfig(`port: ${value}\n`, { env: {} }).value.get('port');
    return n ? n.kind : 'missing';
  } catch (e) {
    if (e instanceof ConfigError) return 'error';
    throw e;
  }
}

const VALUES = [
  '4222', '-5', '+5', '0x10', '1_000', '10k', '10K', '10kb', '10KiB', '10Gb', '2T', '1P', '1e', '1E', '1eb', '10x', '12abc',
  '-5k', '-5s', '30s', '"30s"', "'30s'", '1h30m', '1.5h', '500ms', 'abc', 'true', 'Yes', 'OFF', 'on', 'no', '1.5', '-1.5',
  '1.5.3', '127.0.0.1', '127.0.0.1:4222', '::1', 'nats://host:4222', '2023-01-02T03:04:05Z', '2023-13-02T03:04:05Z',
  '[1 ]', '[a, b]', '{a: 1}', '(\nraw\n)', '"a\\tb"', '"a\\x41"', 'a\\tb', "'a\\tb'", '.5', '5.', 'a b', '$2a$11$x',
  '"$HOME"', '-', '--5', '0', '00012', '9223372036854775807', '9223372036854775808', '8e', '1kk', '1kbb', '1kib2',
];

test('values get the same type as in nats-server', { skip }, () => {
  const diffs: string[] = [];
  for (const v of VALUES) {
    const ref = refKind(v);
    const ours = ourKind(v);
    // nats-server silently drops a value with an unknown size suffix (and mis-assigns the next one); we refuse it.
    if (v === '1kbb' && ref === 'integer' && ours === 'error') continue;
    if (ref !== ours) diffs.push(`${JSON.stringify(v)}: nats-server ${ref}, ours ${ours}`);
  }
  assert.deepEqual(diffs, []);
});

test('string values come out the same (server_name, as nats-server logs it)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-diff-'));
  try {
    for (const v of ['abc', '"a\\tb\\x41\\\\"', "'a\\tb'", 'a\\x41b', '127.0.0.1:4222', '30s', '12abc', '"$2a$11$x"', '$2a$11$xyz']) {
      const file = join(dir, 's.conf');
      writeFileSync(file, `server_name: ${v}\n`);
      const srv = await startServer('nats-server', { config: file });
      try {
        const m = /\[INF\]\s+Name:\s+(.*)\n/.exec(srv.output());
        assert.ok(m, srv.output());
        const ours = loadConfig(`server_name: ${v}\n`, { env: {} }).options.serverName;
        assert.equal(ours, m[1], v);
      } finally {
        await srv.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sizes come out the same (max_payload, as nats-server announces it in INFO)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-diff-'));
  try {
    for (const v of ['1k', '1K', '1kb', '1Ki', '1KiB', '2m', '2MB', '3mi', '1000']) {
      const file = join(dir, 's.conf');
      writeFileSync(file, `max_payload: ${v}\n`);
      const srv = await startServer('nats-server', { config: file });
      try {
        const { c, info } = await RawConn.openAndInfo(srv.port);
        c.sock.destroy();
        assert.equal(loadConfig(`max_payload: ${v}\n`).options.maxPayload, info['max_payload'], v);
      } finally {
        await srv.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what nats-server refuses when starting, we refuse when loading, with its message', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-diff-'));
  try {
    for (const text of [
      'max_payload: 2MB\nmax_pending: 1MB\n',
      'lame_duck_duration: "30s"\nlame_duck_grace_period: "40s"\n',
      'no_auth_user: x\n',
      'no_auth_user: z\nauthorization { users: [{user: a, password: b}] }\n',
    ]) {
      const file = join(dir, 's.conf');
      writeFileSync(file, text);
      assert.equal(natsServerCheckFile(file).valid, true, 'nats-server -t passes it');
      await assert.rejects(startServer('nats-server', { config: file }), (e: Error) => {
        const ours = loadConfig(text).errors.map((i) => i.message);
        assert.equal(ours.length, 1, text);
        assert.ok(e.message.includes(`nats-server: ${ours[0]}`), `${text}: nats-server said ${e.message}`);
        return true;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A small deterministic generator (the same inputs every run). */
function lcg(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}
const PIECES = ['{', '}', '[', ']', ',', ';', ':', '=', ' ', '\n', '"', "'", '#', '//', '$', 'x', '1', '.', '-', '(', ')', '\\', 'k', 'b', 's'];

/** Mutate corpus snippets at random; nats-server and our parser must agree on whether they parse, and on the line. */
export function mutants(seed: number, count: number): string[] {
  const rnd = lcg(seed);
  const out: string[] = [];
  while (out.length < count) {
    let t = CASES[rnd(CASES.length)]!.text;
    for (let m = 1 + rnd(3); m > 0; m--) {
      const p = rnd(t.length + 1);
      const piece = PIECES[rnd(PIECES.length)]!;
      const op = rnd(3);
      t = op === 0 ? t.slice(0, p) + piece + t.slice(p) : op === 1 ? t.slice(0, p) + t.slice(p + 1) : t.slice(0, p) + piece + t.slice(p + 1);
    }
    if (!t.toLowerCase().includes('include')) out.push(t);
  }
  return out;
}

test('mutated snippets: nats-server and our parser agree on syntax errors and their line', { skip }, () => {
  const diffs: string[] = [];
  for (const t of mutants(7, 300)) {
    let ours: string;
    try {
      parseConfig(t, { env: {} });
      ours = 'ok';
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      ours = e.issues[0]!.code === 'syntax' ? `line ${e.issues[0]!.line}` : 'value error';
    }
    const ref = natsServerCheck(t);
    // A syntax error has a line and no column ("Parse error on line N"); option errors parsed fine.
    const refWhat = ref.valid
      ? 'ok'
      : ref.line !== undefined && ref.col === undefined
        ? `line ${ref.line}`
        : /variable reference|out of the range|expected integer|Expected Zulu/.test(ref.message ?? '')
          ? 'value error'
          : 'ok';
    if (refWhat !== ours) diffs.push(`${JSON.stringify(t)}: nats-server ${refWhat} (${ref.message}), ours ${ours}`);
  }
  assert.deepEqual(diffs, []);
});
