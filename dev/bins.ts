// Where the programs tests and benchmarks start live: the tsnats CLI (built) and the reference
// nats-server (Debian's). Shared by test/ and bench/ (dev/ is neither).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
/** The shipped CLI (the bundle, scripts/bundle.mjs): dist/pkg/cli/main.js, resolved from dist/dev; TSNATS_CLI=<path> runs another build (A/B benchmarks). */
export const TSNATS_CLI = process.env.TSNATS_CLI ?? join(here, '..', 'pkg', 'cli', 'main.js');

let natsServerPath: string | null | undefined;
/** The reference binary, or null when it is not installed. */
export function natsServerBin(): string | null {
  if (natsServerPath !== undefined) return natsServerPath;
  for (const p of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(p)) return (natsServerPath = p);
  }
  const r = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  natsServerPath = r.status === 0 ? r.stdout.trim() : null;
  return natsServerPath;
}

export function hasNatsServer(): boolean {
  return natsServerBin() !== null;
}

