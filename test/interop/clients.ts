// The official clients under test and how to get a runnable driver for each. A client whose toolchain
// is missing is reported as SKIPPED with the reason (never silently dropped); a client whose driver
// fails to build is an error (its rows fail with the compiler output).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverCommand } from './driver-proc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root, from dist/test/interop. */
export const ROOT = join(here, '..', '..', '..');
/** Driver sources live in the repository (test/interop/go, test/interop/c); the JS drivers are compiled into dist. */
const SRC = join(ROOT, 'test', 'interop');
const CACHE = join(tmpdir(), 'tsnats-interop');

export interface ClientDef {
  /** Row label, e.g. 'nats.go'. */
  name: string;
  /** What the driver reports as lang in CONNECT (checked in /connz). */
  lang: string;
  /**
   * Whether the client tells the application that a disconnect was its ping's stale-connection
   * verdict. nats.c 3.4 does not (its disconnected callback comes with no last error while it
   * reconnects), so for it the ping row asserts on the timely disconnect alone.
   */
  namesStale: boolean;
  /** Returns how to run the driver, or { skip } with the reason; throws when a build fails. */
  prepare(): Promise<DriverCommand | { skip: string }>;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env } });
}

function has(cmd: string): boolean {
  const r = run('sh', ['-c', `command -v ${cmd}`]);
  return r.status === 0;
}

function hashOf(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Build once into the cache keyed by `key`; concurrent runs build to a temp name and rename atomically. */
function buildCached(key: string, build: (out: string) => { status: number | null; output: string }): string {
  const dir = join(CACHE, key);
  const bin = join(dir, 'driver');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = build(tmp);
  if (r.status !== 0) throw new Error(`driver build failed (${key}):\n${r.output}`);
  renameSync(tmp, bin);
  return bin;
}

function jsClient(name: string, entry: string, pkg: string): ClientDef {
  return {
    name,
    lang: 'nats.js',
    namesStale: true,
    async prepare() {
      try {
        createRequire(import.meta.url).resolve(pkg);
      } catch {
        return { skip: `npm package ${pkg} is not installed (npm install)` };
      }
      return { cmd: process.execPath, argv: [join(here, 'js', entry)] };
    },
  };
}

const GOPATH = '/usr/share/gocode';
const NATS_GO = join(GOPATH, 'src', 'github.com', 'nats-io', 'nats.go');

const goClient: ClientDef = {
  name: 'nats.go',
  lang: 'go',
  namesStale: true,
  async prepare() {
    if (!has('go')) return { skip: 'go toolchain not found (apt-get install golang-go; see scripts/ci-deps.sh)' };
    if (!existsSync(join(NATS_GO, 'nats.go'))) return { skip: `nats.go not found at ${NATS_GO} (apt-get install golang-github-nats-io-go-nats-dev)` };
    const src = join(SRC, 'go', 'main.go');
    // GOPATH mode against Debian's packaged sources (no module download).
    const env = { GO111MODULE: 'off', GOPATH, GOCACHE: join(CACHE, 'gocache'), GOFLAGS: '' };
    const goVersion = run('go', ['version']).stdout.trim();
    const lib = statSync(join(NATS_GO, 'nats.go'));
    const key = `go-${hashOf(readFileSync(src, 'utf8'), goVersion, String(lib.mtimeMs), String(lib.size))}`;
    const bin = buildCached(key, (out) => {
      const r = run('go', ['build', '-o', out, 'main.go'], { cwd: dirname(src), env });
      return { status: r.status, output: r.stdout + r.stderr };
    });
    return { cmd: bin, argv: [] };
  },
};

const NATS_H = '/usr/include/nats/nats.h';

const cClient: ClientDef = {
  name: 'nats.c',
  lang: 'C',
  namesStale: false,
  async prepare() {
    if (!has('cc')) return { skip: 'no C compiler (apt-get install gcc)' };
    if (!existsSync(NATS_H)) return { skip: `${NATS_H} not found (apt-get install libnats-dev)` };
    const src = join(SRC, 'c', 'main.c');
    const ccVersion = run('cc', ['--version']).stdout.split('\n')[0] ?? '';
    const ver = readFileSync('/usr/include/nats/version.h', 'utf8');
    const key = `c-${hashOf(readFileSync(src, 'utf8'), ccVersion, ver)}`;
    const bin = buildCached(key, (out) => {
      const r = run('cc', ['-O1', '-Wall', '-o', out, src, '-lnats', '-lpthread']);
      return { status: r.status, output: r.stdout + r.stderr };
    });
    return { cmd: bin, argv: [] };
  },
};

export const CLIENTS: ClientDef[] = [
  jsClient('nats.js v3', 'v3.js', '@nats-io/transport-node'),
  jsClient('nats.js v2', 'v2.js', 'nats'),
  goClient,
  cClient,
];
