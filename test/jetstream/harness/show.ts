// Prints golden transcripts compactly, one line per request and per message (for reading captures).
//   node dist/test/jetstream/harness/show.js [--full] scenario...
import { readGolden } from './golden.js';
import type { RecordedMsg, Transcript } from './transcript.js';

const full = process.argv.includes('--full');

function cut(s: string): string {
  return full || s.length <= 400 ? s : `${s.slice(0, 397)}...`;
}

function msgLine(m: RecordedMsg): string {
  const parts = [m.subject];
  if (m.reply) parts.push(`reply=${m.reply}`);
  if (m.status) parts.push(`[${m.status}${m.description ? ` ${m.description}` : ''}]`);
  if (m.headers?.length) parts.push(`{${m.headers.map(([k, v]) => `${k}: ${v}`).join('; ')}}`);
  if (m.body !== undefined) parts.push(JSON.stringify(m.body));
  if (m.text !== undefined) parts.push(JSON.stringify(m.text));
  if (m.base64 !== undefined) parts.push(`base64(${m.size} bytes)`);
  else if (m.size !== undefined) parts.push(`(${m.size} bytes)`);
  return cut(parts.join(' '));
}

export function showTranscript(t: Transcript): string {
  const out = [`== ${t.scenario}: ${t.description}`];
  for (const s of t.steps) {
    const head = [`#${s.i} ${s.op}`];
    if (s.conn) head.push(`(${s.conn})`);
    if (s.id) head.push(`[${s.id}]`);
    if (s.subject) head.push(s.subject);
    if (s.headers?.length) head.push(`{${s.headers.map(([k, v]) => `${k}: ${v}`).join('; ')}}`);
    if (s.request !== undefined) head.push(typeof s.request === 'string' ? JSON.stringify(s.request) : `${JSON.stringify(s.request)}`);
    if (s.ms !== undefined) head.push(`${s.ms}ms`);
    if (s.note) head.push(`  -- ${s.note}`);
    out.push(cut(head.join(' ')));
    for (const m of s.messages ?? []) out.push(`    <- ${msgLine(m)}`);
    if (s.json !== undefined) out.push(`    <- HTTP ${s.httpStatus} ${cut(JSON.stringify(s.json))}`);
    if (s.timedOut) out.push('    -- timed out');
  }
  if (t.errors.length) out.push(`-ERR: ${t.errors.join(' | ')}`);
  return out.join('\n');
}

const isMain = process.argv[1]?.endsWith('show.js');
if (isMain) {
  for (const name of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
    const t = readGolden(name);
    console.log(t ? showTranscript(t) : `${name}: no golden file`);
  }
}
