// Regenerates the golden transcripts from a fresh nats-server, or compares a server against them.
//
//   node dist/test/jetstream/harness/capture.js [scenario|prefix ...]      write golden/<name>.json
//        --check            run twice on two fresh servers; write only scenarios whose runs agree
//        --server tsnats    run against tsnats instead (with --diff: compare with the golden files)
//        --diff             do not write: print the differences from the golden files
//        --print            print the transcripts to stdout
//        --list             list scenario names and descriptions
//        -j N               scenarios in parallel (default 6)
import { corpus } from './corpus.js';
import { diffTranscripts, formatDiff } from './diff.js';
import { readGolden, writeGolden } from './golden.js';
import type { Scenario } from './model.js';
import { runSuite } from './suite.js';
import { hasNatsServer } from '../../helpers/servers.js';
import type { ServerKind } from './servers.js';

function select(args: string[]): Scenario[] {
  if (args.length === 0) return corpus;
  const out = corpus.filter((s) => args.some((a) => s.name === a || (a.endsWith('-') || a.endsWith('*') ? s.name.startsWith(a.replace(/\*$/, '')) : false)));
  const unknown = args.filter((a) => !corpus.some((s) => s.name === a || s.name.startsWith(a.replace(/\*$/, ''))));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  return out;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let kind: ServerKind = 'nats-server';
  let check = false;
  let diff = false;
  let print = false;
  let conc = 6;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--server') kind = argv[++i] as ServerKind;
    else if (a === '--check') check = true;
    else if (a === '--diff') diff = true;
    else if (a === '--print') print = true;
    else if (a === '-j') conc = Number(argv[++i]);
    else if (a === '--list') {
      for (const s of corpus) console.log(`${s.name.padEnd(40)} ${s.description}`);
      return 0;
    } else names.push(a);
  }
  if (kind === 'nats-server' && !hasNatsServer()) {
    console.error('nats-server is not installed');
    return 2;
  }
  const list = select(names);
  const first = await runSuite(kind, list, conc);
  const second = check ? await runSuite(kind, list, conc) : undefined;
  let bad = 0;
  for (const [name, err] of [...first.errors, ...(second?.errors ?? [])]) {
    console.error(`${name}: did not run: ${err}`);
    bad++;
  }
  for (const sc of list) {
    const t = first.transcripts.get(sc.name);
    if (!t) continue;
    if (print) console.log(JSON.stringify(t, null, 2));
    if (second) {
      const t2 = second.transcripts.get(sc.name);
      const d = t2 ? diffTranscripts(t, t2) : ['second run missing'];
      if (d.length) {
        console.error(formatDiff(sc.name, d, ['run 1', 'run 2']));
        bad++;
        continue;
      }
    }
    if (diff || kind !== 'nats-server') {
      const g = readGolden(sc.name);
      if (!g) { console.log(`${sc.name}: no golden file`); bad++; continue; }
      const d = diffTranscripts(g, t);
      console.log(formatDiff(sc.name, d, ['golden', kind]));
      if (d.length) bad++;
      continue;
    }
    writeGolden(t);
    console.log(`${sc.name}: written (${t.steps.length} steps)`);
  }
  console.error(`${list.length} scenario(s), ${first.wallMs} ms${second ? ` + ${second.wallMs} ms` : ''}, ${bad} problem(s)`);
  return bad ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
