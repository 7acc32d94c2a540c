// Golden files: the reference's outcome for each transcript, committed under test/diff/golden/, so the
// suite can check tsnats without nats-server and reviewers can read the reference's exact bytes.
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsServerBin } from '../helpers/servers.js';
import type { Setup, Transcript } from './model.js';

/** The source directory (this module runs from dist/test/diff). */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'diff', 'golden');

export interface Golden {
  name: string;
  about: string;
  /** `nats-server --version` of the recording. */
  reference: string;
  setup: Setup;
  outcome: string[];
}

export function goldenPath(name: string): string {
  return join(GOLDEN_DIR, `${name}.json`);
}

export function readGolden(name: string): Golden | null {
  const p = goldenPath(name);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Golden) : null;
}

export function writeGolden(t: Transcript, reference: string, outcome: string[]): void {
  const g: Golden = { name: t.name, about: t.about, reference, setup: t.setup ?? {}, outcome };
  writeFileSync(goldenPath(t.name), JSON.stringify(g, null, 2) + '\n');
}

/** Golden files whose transcript no longer exists; removed by the recorder. */
export function staleGoldens(names: Set<string>, remove = false): string[] {
  if (!existsSync(GOLDEN_DIR)) return [];
  const stale = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json') && !names.has(f.slice(0, -5)));
  if (remove) for (const f of stale) unlinkSync(join(GOLDEN_DIR, f));
  return stale;
}

/** e.g. "nats-server: v2.9.10", or null when nats-server is not installed. */
export function referenceVersion(): string | null {
  const bin = natsServerBin();
  if (!bin) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr).trim() || null;
}
