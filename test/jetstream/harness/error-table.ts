// Prints the markdown table of nats-server's generated JetStream errors (server/errors.json at v2.9.10)
// with the golden scenarios each one was observed in: section 10.2 of docs/reference/jetstream-2.9.10.md.
//   node dist/test/jetstream/harness/error-table.js [errors.json]
// Without an argument it reads errors.json from the nats-server mirror (git show v2.9.10:server/errors.json).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR } from './golden.js';

interface GenErr { constant: string; code: number; error_code: number; description: string }

const MIRROR = '/work/.mirror/nats-io+nats-server/repo';
const file = process.argv[2];
const text = file ? readFileSync(file, 'utf8') : execFileSync('git', ['-C', MIRROR, 'show', 'v2.9.10:server/errors.json'], { encoding: 'utf8' });
const errors = (JSON.parse(text) as GenErr[]).sort((a, b) => a.error_code - b.error_code);

const seen = new Map<number, Set<string>>();
const walk = (v: unknown, where: string): void => {
  if (Array.isArray(v)) { for (const x of v) walk(x, where); return; }
  if (!v || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  const e = o.error as Record<string, unknown> | undefined;
  if (e && typeof e === 'object' && typeof e.err_code === 'number') {
    if (!seen.has(e.err_code)) seen.set(e.err_code, new Set());
    seen.get(e.err_code)!.add(where);
  }
  for (const x of Object.values(o)) walk(x, where);
};
for (const f of readdirSync(GOLDEN_DIR).filter((n) => n.endsWith('.json')).sort()) {
  walk(JSON.parse(readFileSync(join(GOLDEN_DIR, f), 'utf8')), f.replace(/\.json$/, ''));
}
const clients = join(GOLDEN_DIR, 'clients');
for (const f of readdirSync(clients).filter((n) => n.endsWith('.json')).sort()) {
  walk(JSON.parse(readFileSync(join(clients, f), 'utf8')), `clients/${f.replace(/\.json$/, '')}`);
}

const lines = ['| code | err_code | constant | description template | observed in |', '|---|---|---|---|---|'];
for (const e of errors) {
  const w = [...(seen.get(e.error_code) ?? [])].sort();
  const where = w.length ? `${w.slice(0, 2).join(', ')}${w.length > 2 ? ` (+${w.length - 2})` : ''}` : '—';
  lines.push(`| ${e.code} | ${e.error_code} | \`${e.constant}\` | ${e.description.replace(/\|/g, '\\|')} | ${where} |`);
}
lines.push('', `${errors.length} errors; ${errors.filter((e) => seen.has(e.error_code)).length} observed in the golden files.`);
console.log(lines.join('\n'));
