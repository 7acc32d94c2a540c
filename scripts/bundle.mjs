#!/usr/bin/env node
// The package as users run it (docs/performance.md, "Start-up"):
//   dist/pkg/index.js        the API: the engine — everything index.js imports statically — in one
//                            chunk; the parts most runs never use (the monitor, routes, leafnodes,
//                            JetStream) load on demand (import()), and the optional modules of
//                            src/optional.ts are entries at their own paths (dist/pkg/transport/tls.js,
//                            …) so that need() finds them where it finds them in dist/src.
//   dist/pkg/index-eager.js  the same API with every optional module loaded up front: the `default`
//                            export condition, for a Node without require(esm).
// npm packages stay external. The CLI is bundled by scripts/bundle-cli.mjs.
//
// One engine chunk: esbuild puts each module in a chunk shared by exactly the entries that reach it,
// so with a dozen entries the engine came out as ~25 small chunks (each a file Node's ES module
// loader resolves, reads and links: import ~30 → ~15 ms on this machine with one). Every module
// outside the engine is made to import index.js (which it can only ever run after: the engine is what
// loads it), so every entry reaches the whole engine and esbuild keeps it in one chunk.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { OPTIONAL_PATHS } from '../dist/src/optional.js';

rmSync('dist/pkg', { recursive: true, force: true });
const optional = Object.fromEntries(Object.values(OPTIONAL_PATHS).map((p) => [p.slice(2, -3), `dist/src/${p.slice(2)}`]));
const options = {
  entryPoints: { index: 'dist/src/index.js', 'index-eager': 'dist/src/index-eager.js', ...optional },
  outdir: 'dist/pkg',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
};
// The engine: index.js's static import closure.
const first = await build({ ...options, write: false, sourcemap: false });
const inputs = first.metafile.inputs;
const engine = new Set();
for (const q = ['dist/src/index.js']; q.length > 0; ) {
  const f = q.pop();
  if (engine.has(f)) continue;
  engine.add(f);
  for (const i of inputs[f].imports) if (i.kind === 'import-statement' && !i.external) q.push(i.path);
}
const indexFile = resolve('dist/src/index.js');
const oneEngineChunk = {
  name: 'one-engine-chunk',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (a) => {
      const rel = relative('.', a.path).split('\\').join('/');
      if (engine.has(rel) || rel === 'dist/src/index-eager.js') return undefined;
      // Appended: tsc's source map comment stays where it was, and imports are hoisted anyway.
      return { loader: 'js', resolveDir: dirname(a.path), contents: `${readFileSync(a.path, 'utf8')}\nimport ${JSON.stringify(indexFile)};\n` };
    });
  },
};
const r = await build({ ...options, plugins: [oneEngineChunk] });
// need() resolves its paths from the output that holds optional.js: it must sit at dist/pkg's root.
const holder = Object.entries(r.metafile.outputs).find(([, o]) => Object.keys(o.inputs).includes('dist/src/optional.js'))?.[0];
if (holder === undefined || relative('dist/pkg', dirname(holder)) !== '') {
  console.error(`bundle: src/optional.ts ended up in ${holder}, not at dist/pkg's root: need() would not find its modules`);
  process.exit(1);
}
