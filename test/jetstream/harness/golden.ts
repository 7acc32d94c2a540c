// Golden transcripts: test/jetstream/golden/<scenario>.json, written by capture.ts from nats-server.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transcript } from './transcript.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The source directory test/jetstream/golden (from dist/test/jetstream/harness or test/jetstream/harness). */
export const GOLDEN_DIR = here.includes(`${'/dist/'}`)
  ? join(here, '..', '..', '..', '..', 'test', 'jetstream', 'golden')
  : join(here, '..', 'golden');

export function goldenPath(name: string, dir = GOLDEN_DIR): string {
  return join(dir, `${name}.json`);
}

export function readGolden(name: string, dir = GOLDEN_DIR): Transcript | undefined {
  const p = goldenPath(name, dir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as Transcript;
}

export function writeGolden(t: Transcript, dir = GOLDEN_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(goldenPath(t.scenario, dir), JSON.stringify(t, null, 2) + '\n');
}
