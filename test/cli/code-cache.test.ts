// The CLI's V8 code cache (src/cli/loader.cts): written after a start, used by the next one, and
// never able to change what runs — a missing, cut, zero-filled or foreign cache, or a directory it
// cannot write, only means compiling without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync, truncateSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { TSNATS_CLI } from '../helpers/servers.js';
import { cliPort } from '../helpers/cli.js';

/** Starts the CLI, reads its INFO through the ports file's port, stops it with SIGTERM; returns its stderr. */
async function runOnce(cacheEnv: string): Promise<string> {
  const portsDir = mkdtempSync(join(tmpdir(), 'tsnats-cc-ports-'));
  const proc = spawn(process.execPath, [TSNATS_CLI, '-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', portsDir], {
    env: { ...process.env, TSNATS_CODE_CACHE: cacheEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  try {
    const port = await cliPort(proc, portsDir, () => stderr);
    const info = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    assert.match(info, /^INFO \{.*"server_id":"N[A-Z0-9]+"/);
  } finally {
    proc.kill('SIGTERM');
  }
  // SIGTERM: shutdown, then exit status 1, as nats-server (signal.go).
  assert.equal(await exited, 1, `exit status; stderr: ${stderr}`);
  assert.match(stderr, /Server Exiting/);
  rmSync(portsDir, { recursive: true, force: true });
  return stderr;
}

/** A whole cache file as the loader writes it: magic, then the checksum and length of what follows. */
function assertWhole(file: string): Buffer {
  const b = readFileSync(file);
  assert.equal(b.readUInt32LE(0), 0x3154_5354, 'magic');
  assert.equal(b.readUInt32LE(8), b.length - 12, 'length');
  assert.ok(b.length > 10_000, `a real cache (${b.length} bytes)`);
  return b;
}

function cacheFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8')) : [];
}

test('the CLI code cache: written once, reused, and harmless when damaged or unwritable', { timeout: 120_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tsnats-cc-')), 'cache');

  // First start: compiles, then writes the cache (a header of magic, checksum and length).
  await runOnce(dir);
  const files = cacheFiles(dir);
  assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
  const file = join(dir, files[0]!);
  const b = assertWhole(file);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');

  // Second start: the cache is accepted, so it is not written again (same inode: no rename onto it).
  const ino = statSync(file).ino;
  await runOnce(dir);
  assert.equal(statSync(file).ino, ino, 'an accepted cache is not rewritten');

  // Cut short (what a crash can leave): ignored, the server starts, a whole cache replaces it.
  truncateSync(file, Math.floor(b.length / 2));
  const inoCut = statSync(file).ino;
  await runOnce(dir);
  assert.notEqual(statSync(file).ino, inoCut, 'a cut cache is replaced');
  assertWhole(file);

  // Zero-filled blocks inside, length intact: the checksum refuses it.
  const z = readFileSync(file);
  z.fill(0, 12 + 4096, 12 + 3 * 4096);
  writeFileSync(file, z);
  const inoZ = statSync(file).ino;
  await runOnce(dir);
  assert.notEqual(statSync(file).ino, inoZ, 'a damaged cache is replaced');
  assertWhole(file);

  // Garbage with a valid header (V8 rejects it): still starts, and writes a good one.
  const junk = Buffer.alloc(b.length);
  junk.writeUInt32LE(0x3154_5354, 0);
  junk.writeUInt32LE(0, 4);
  junk.writeUInt32LE(b.length - 12, 8);
  let h = 0x811c9dc5;
  const data = junk.subarray(12);
  for (let i = 0; i < data.length; i += 64) h = Math.imul(h ^ data[i]!, 0x01000193);
  h = Math.imul(h ^ data[data.length - 1]!, 0x01000193);
  junk.writeUInt32LE(h >>> 0, 4);
  writeFileSync(file, junk);
  const inoJunk = statSync(file).ino;
  await runOnce(dir);
  assert.notEqual(statSync(file).ino, inoJunk, 'a cache V8 rejected is replaced');
  assert.ok(assertWhole(file).subarray(12).some((x) => x !== 0), 'by a real one');

  // Off (TSNATS_CODE_CACHE=0), and a directory that cannot be made: the server starts all the same.
  await runOnce('0');
  const blocker = join(mkdtempSync(join(tmpdir(), 'tsnats-cc-blk-')), 'file');
  writeFileSync(blocker, 'not a directory');
  const stderr = await runOnce(join(blocker, 'cache'));
  assert.doesNotMatch(stderr, /Error|ENOTDIR/);
});
