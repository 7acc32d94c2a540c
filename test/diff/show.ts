// Print the outcome of some transcripts against one server, for exploring behaviour while developing.
//   npm run build && node dist/test/diff/show.js [--kind tsnats|nats-server] [name-substring ...]
import type { ServerKind } from '../helpers/servers.js';
import { transcripts } from './transcripts.js';
import { runCorpus } from './harness.js';

const argv = process.argv.slice(2);
const k = argv.indexOf('--kind');
const kind = (k >= 0 ? argv[k + 1] : 'nats-server') as ServerKind;
const filters = argv.filter((a, i) => !a.startsWith('--') && (k < 0 || i !== k + 1));
const chosen = filters.length ? transcripts.filter((t) => filters.some((f) => t.name.includes(f))) : transcripts;

const { outcomes, errors, wallMs } = await runCorpus(kind, chosen);
for (const t of chosen) {
  console.log(`=== ${t.name} — ${t.about}${t.setup ? ` ${JSON.stringify(t.setup)}` : ''}`);
  for (const line of outcomes.get(t.name) ?? [`(not run) ${errors.get(t.name)}`]) console.log(`  ${line}`);
}
console.log(`${chosen.length} transcripts against ${kind} in ${wallMs}ms`);
