// Ask the reference nats-server about a config: `nats-server -c FILE -t`, parsed into a verdict.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsServerBin } from '../helpers/servers.js';
import type { RefVerdict } from './cases.js';
import type { LoadResult } from '../../src/config/load.js';
import { passesCheck } from '../../src/config/load.js';

/** test/fixtures/conf (tests run from dist/test/config). */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/conf/', import.meta.url));

/** Run `nats-server -c <file> -t` in the file's directory. */
export function natsServerCheckFile(file: string, env: Record<string, string> = {}): RefVerdict {
  const bin = natsServerBin();
  if (!bin) throw new Error('nats-server is not installed');
  const name = basename(file);
  const r = spawnSync(bin, ['-c', name, '-t'], { cwd: dirname(file), encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env } });
  const first = (r.stderr ?? '').split('\n')[0]!;
  if (r.status === 0 && /is valid$/.test(first)) return { valid: true };
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let m = new RegExp(`^nats-server: ${esc}:(\\d+):(\\d+): (.*)$`).exec(first);
  if (m) return { valid: false, line: Number(m[1]), col: Number(m[2]), message: m[3]! };
  m = /^nats-server: Parse error on line (\d+): '(.*)'$/.exec(first);
  if (m) return { valid: false, line: Number(m[1]), message: m[2]! };
  return { valid: false, message: first.replace(/^nats-server: /, '') };
}

/** Same, for config text written to a temporary case.conf. */
export function natsServerCheck(text: string, env: Record<string, string> = {}): RefVerdict {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-conf-'));
  try {
    const file = join(dir, 'case.conf');
    writeFileSync(file, text);
    return natsServerCheckFile(file, env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our loader's verdict in the reference's terms (its column convention included). */
export function ourVerdict(r: LoadResult): RefVerdict {
  if (passesCheck(r)) return { valid: true };
  const e = r.errors[0] ?? r.warnings.find((w) => w.code === 'deprecated')!;
  return { valid: false, line: e.line, col: e.col, message: e.message };
}

/** nats-server's column for one of ours: its token columns are 0-based on the first line only. */
export function refCol(line: number, col: number): number {
  return line === 1 ? col - 1 : col;
}
