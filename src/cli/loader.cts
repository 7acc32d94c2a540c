// The `tsnats` and `nats-server` commands as the package ships them (dist/pkg/cli/main.js, a
// CommonJS file: dist/pkg/cli/package.json). It runs the CLI's single-file bundle (tsnats.cjs,
// scripts/bundle-cli.mjs) through vm.Script with a V8 code cache, so a start does not parse and
// compile what the last start already compiled (docs/performance.md, "Start-up").
//
// The cache never changes what runs, only how fast:
// - its file is named after the bundle's build hash, size and mtime, the Node version and flags: a
//   rebuilt or edited bundle, another Node or other V8 flags never meet an old cache (and V8 itself
//   rejects a cache made by another V8, other flags or for a source of another length);
// - it carries its length and a sampled checksum (V8 verifies none in release builds), checked before
//   use: a file cut short or with zeroed blocks, what a crash can leave, is not used;
// - a cache that is missing, unreadable, damaged or rejected means compiling as without one;
// - it is written once the server is up (what ran by then is what the next start runs): 200 ms
//   later, or at exit if that comes first; whole, to a temporary file synced and renamed into place, next to the bundle or, where that is read-only, in the user's
//   cache directory ($XDG_CACHE_HOME/tsnats or ~/.cache/tsnats); a failed write is ignored.
// TSNATS_CODE_CACHE=0 turns it off; TSNATS_CODE_CACHE=<dir> puts it in <dir>.
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import Module = require('node:module');

/** The bundle's content hash, written in by scripts/bundle-cli.mjs. */
const BUILD = '__TSNATS_CLI_BUILD__';
const BUNDLE = path.join(__dirname, 'tsnats.cjs');
/** Where the CLI says the server is up (src/cli/main.ts). */
const READY = Symbol.for('tsnats.cli.ready');
const MAGIC = 0x3154_5354; // "TST1"
const HEADER = 12; // magic, checksum, length (uint32 LE each)

/**
 * FNV-1a over one byte in every `stride` and the last one: ~0.1 ms for a 500 KB cache at stride 64
 * (every byte took ~2 ms), enough to tell a cut or zero-filled file from the one written.
 */
function checksum(b: Uint8Array, stride = 64): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i += stride) h = Math.imul(h ^ b[i]!, 0x01000193);
  if (b.length > 0) h = Math.imul(h ^ b[b.length - 1]!, 0x01000193);
  return h >>> 0;
}

function cacheDirs(): string[] {
  const env = process.env.TSNATS_CODE_CACHE;
  if (env === '0' || env === 'off' || env === 'false') return [];
  if (env) return [path.resolve(env)];
  const dirs = [path.join(__dirname, '.cache')];
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME;
  if (xdg && path.isAbsolute(xdg)) dirs.push(path.join(xdg, 'tsnats'));
  else if (home && path.isAbsolute(home)) dirs.push(path.join(home, '.cache', 'tsnats'));
  return dirs;
}

function cacheName(st: fs.Stats): string {
  const flags = checksum(Buffer.from(process.execArgv.join('\0')), 1).toString(16);
  return `tsnats-${BUILD}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}-${flags}.v8`;
}

/** The cache's data, or undefined when there is none or it is damaged. */
function readCache(file: string): Buffer | undefined {
  let b: Buffer;
  try {
    b = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (b.length < HEADER || b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(8) !== b.length - HEADER) return undefined;
  const data = b.subarray(HEADER);
  return checksum(data) === b.readUInt32LE(4) ? data : undefined;
}

function writeCache(dirs: string[], name: string, data: Buffer): void {
  const head = Buffer.alloc(HEADER);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(checksum(data), 4);
  head.writeUInt32LE(data.length, 8);
  for (const dir of dirs) {
    const tmp = path.join(dir, `${name}.${process.pid}.tmp`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, Buffer.concat([head, data]));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path.join(dir, name));
      prune(dir, name);
      return;
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not created */
      }
    }
  }
}

/** Caches of other builds or Node versions not used for a week go. */
function prune(dir: string, keep: string): void {
  const old = Date.now() - 7 * 86_400_000;
  for (const f of fs.readdirSync(dir)) {
    if (f === keep || !f.startsWith('tsnats-') || !f.endsWith('.v8')) continue;
    try {
      const p = path.join(dir, f);
      if (fs.statSync(p).mtimeMs < old) fs.unlinkSync(p);
    } catch {
      /* gone or not ours to remove */
    }
  }
}

function main(): void {
  // ASCII only (scripts/bundle-cli.mjs): latin1 is a plain copy of the bytes.
  const source = fs.readFileSync(BUNDLE, 'latin1');
  const dirs = cacheDirs();
  let name = '';
  let cachedData: Buffer | undefined;
  if (dirs.length > 0) {
    name = cacheName(fs.statSync(BUNDLE));
    for (const d of dirs) if ((cachedData = readCache(path.join(d, name))) !== undefined) break;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: BUNDLE,
    lineOffset: -1,
    cachedData,
    // No importModuleDynamically: the bundle has no import() (scripts/bundle-cli.mjs checks).
  });
  if (dirs.length > 0 && (cachedData === undefined || script.cachedDataRejected === true)) {
    let written = false;
    const save = () => {
      if (written) return;
      written = true;
      try {
        writeCache(dirs, name, script.createCachedData());
      } catch {
        /* no cache this time */
      }
    };
    (globalThis as { [READY]?: () => void })[READY] = () => {
      setTimeout(save, 200).unref();
      process.once('exit', save);
    };
  }
  const run = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  const mod = { exports: {} };
  run.call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, __dirname);
}

main();
