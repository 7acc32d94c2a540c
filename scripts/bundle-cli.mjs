#!/usr/bin/env node
// The `tsnats` command as the package ships it (docs/performance.md, "Start-up"):
//   dist/pkg/cli/tsnats.cjs     the CLI and everything it may load, one CommonJS file: what a run does
//                               not use is still not evaluated (dynamic imports and the optional
//                               modules become lazily initialised parts of the bundle), and one file
//                               spares Node's ES module loader and its per-file work;
//   dist/pkg/cli/main.js        the loader (src/cli/loader.cts): runs tsnats.cjs from V8's code cache;
//   dist/pkg/cli/package.json   {"type": "commonjs"}, so that main.js, the path the bins name, is CommonJS.
// npm packages stay external.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { OPTIONAL_PATHS } from '../dist/src/optional.js';

const out = 'dist/pkg/cli';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// optional.ts inside the bundle: each module is a lazily initialised part of the same file.
const optionalInBundle = {
  name: 'optional-in-bundle',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/]optional\.js$/ }, () => ({
      resolveDir: resolve('dist/src'),
      loader: 'js',
      contents: `// src/optional.ts for the CLI bundle (scripts/bundle-cli.mjs)
const load = {
${Object.entries(OPTIONAL_PATHS).map(([k, p]) => `  ${k}: () => require(${JSON.stringify(p)}),`).join('\n')}
};
const loaded = {};
export const OPTIONAL_PATHS = ${JSON.stringify(OPTIONAL_PATHS)};
export function need(name) { return (loaded[name] ??= load[name]()); }
export function isLoaded(name) { return loaded[name] !== undefined; }
export function provide(mods) { Object.assign(loaded, mods); }
export function canRequireEsm() { return true; }
export async function preloadAll() {}
`,
    }));
  },
};

const r = await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: `${out}/tsnats.cjs`,
  bundle: true,
  format: 'cjs',
  // ASCII only (esbuild escapes the rest): the loader reads it as latin1, a plain copy of the bytes.
  charset: 'ascii',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // import.meta.url (createRequire in libs.ts, bcrypt-pool.ts) is the bundle's own file URL.
  define: { 'import.meta.url': '__tsnats_bundle_url' },
  banner: { js: 'const __tsnats_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [optionalInBundle],
  write: false,
  metafile: true,
  logLevel: 'warning',
});
// A script run through vm.Script has no module loader for import() (a code-cached one not even with
// importModuleDynamically): packages are required (src/libs.ts).
for (const [file, o] of Object.entries(r.metafile.outputs)) {
  const dyn = o.imports.filter((i) => i.kind === 'dynamic-import');
  if (dyn.length > 0) throw new Error(`bundle-cli: ${file} keeps import() of ${dyn.map((i) => i.path).join(', ')}: require it instead (src/libs.ts)`);
}
// The loader wraps the bundle in a function: no hashbang line in it. And it reads it as latin1 (a
// copy of the bytes, ~3 ms less than decoding 1.2 MB of UTF-8, and a one-byte string for V8): ASCII
// only. charset 'ascii' escapes strings and identifiers but leaves comments and template text; those
// are escaped here — \uXXXX is the same character in a template literal, a regular expression and
// a comment (the sources have no tagged template that reads .raw).
const code = r.outputFiles[0].text
  .replace(/^#!.*\n/, '')
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(`${out}/tsnats.cjs`, code);
const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
const loader = readFileSync('dist/src/cli/loader.cjs', 'utf8').replace(/^#!.*\n/, '');
if (!loader.includes('__TSNATS_CLI_BUILD__')) throw new Error('bundle-cli: the loader has no build placeholder');
writeFileSync(`${out}/main.js`, `#!/usr/bin/env node\n${loader.replace('__TSNATS_CLI_BUILD__', hash)}`);
chmodSync(`${out}/main.js`, 0o755);
writeFileSync(`${out}/package.json`, '{ "type": "commonjs" }\n');
