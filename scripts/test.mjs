#!/usr/bin/env node
// Runs every dist/test/**/*.test.js with node:test, files in parallel.
// Usage: node scripts/test.mjs [substring filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = walk('dist/test').sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
// With no files, node --test would run every .js under any test/ directory (scripts too).
if (files.length === 0) {
  console.error(`no test file matches ${filters.map((f) => JSON.stringify(f)).join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '4';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
