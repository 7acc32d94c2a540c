// The running program's name, as nats-server takes it from os.Args[0]: the command a user or a
// harness ran (`tsnats`, `nats-server` — both are this package's bins), without a .js/.mjs suffix.
import { basename } from 'node:path';

export function programName(): string {
  const a = process.argv[1];
  if (a === undefined || a === '' || a === '-e' || a === '[eval]') return 'tsnats';
  const n = basename(a).replace(/\.(m?js|cjs)$/, '');
  return n === 'main' ? 'tsnats' : n;
}
