// One validateOptions(): the config loader, the CLI and startServer() refuse the same combinations
// with the same text (server.go validateOptions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/index.js';
import { loadConfig } from '../../src/config/index.js';
import { validateOptions } from '../../src/options-validate.js';
import { defaultOptions } from '../../src/options.js';
import { TSNATS_CLI } from '../helpers/servers.js';

const PAYLOAD_OVER_PENDING = 'max_payload (134217728) cannot be higher than max_pending (1024)';

test('startServer refuses max_payload over max_pending, as a config file does', async () => {
  await assert.rejects(startServer({ maxPayload: 2 ** 27, maxPending: 1024 }), (e: Error) => e.message === PAYLOAD_OVER_PENDING);
  const r = loadConfig('max_payload: 134217728\nmax_pending: 1024\n', { file: 'x.conf' });
  assert.deepEqual(r.errors.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`), [`x.conf:1:1: ${PAYLOAD_OVER_PENDING}`]);
});

test('the CLI refuses a combination that flags make over a valid file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-opts-'));
  const conf = join(dir, 'a.conf');
  writeFileSync(conf, 'max_pending: 1024\nmax_payload: 512\n');
  // -t checks the file alone: valid.
  const ok = spawnSync(process.execPath, [TSNATS_CLI, '-t', '-c', conf], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  // Running with the file and a lame duck grace period over the duration: refused before listening.
  const lame = join(dir, 'b.conf');
  writeFileSync(lame, 'lame_duck_duration: "30s"\nlame_duck_grace_period: "40s"\n');
  const r = spawnSync(process.execPath, [TSNATS_CLI, '-c', lame, '-p', '-1'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /lame duck grace period \(40s\) should be strictly lower than lame duck duration \(30s\)/);
});

test('types and ranges of API options are checked, never trusted', async () => {
  const bad = (o: object) => validateOptions({ ...defaultOptions(), ...o }).map((i) => i.message);
  assert.deepEqual(bad({ port: 70000 }), ['invalid port 70000']);
  assert.deepEqual(bad({ maxPayload: '1MB' }), ['max_payload must be an integer, got "1MB"']);
  assert.deepEqual(bad({ pingInterval: -1 }), ['ping_interval must be a non-negative duration in milliseconds, got -1']);
  assert.deepEqual(bad({ pingInterval: 40 * 24 * 3600 * 1000 }), [], 'a delay past the timer limit is valid (timers.ts)');
  await assert.rejects(startServer({ maxControlLine: -5 }), /max_control_line must be at least 0, got -5/);
});

test('reload refuses invalid options and changes nothing', async (t) => {
  const srv = await startServer({});
  t.after(() => srv.shutdown());
  const r = srv.reload({ ...srv.opts, maxPayload: 4096, maxPending: 1024 });
  assert.equal(r.ok, false);
  assert.equal(r.error, 'max_payload (4096) cannot be higher than max_pending (1024)');
  assert.equal(srv.opts.maxPayload, 1024 * 1024);
});
