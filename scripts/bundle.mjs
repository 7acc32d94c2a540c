#!/usr/bin/env node
// The package as users run it: dist/pkg/index.js (the API) and dist/pkg/cli/main.js (the `tsnats`
// and `nats-server` commands), bundled from tsc's output (dist/src) so that a start loads a few
// files instead of ~60 (import('tsnats') ~55 ms → ~25 ms; CLI start ~75 ms less on this machine:
// docs/performance.md). Parts most runs never use (the monitor, doctor, dashboard) stay separate
// chunks, loaded on demand. npm packages stay external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist/pkg', { recursive: true, force: true });
await build({
  entryPoints: { index: 'dist/src/index.js', 'cli/main': 'dist/src/cli/main.js' },
  outdir: 'dist/pkg',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
