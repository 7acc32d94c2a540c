// Records what the official KV and object-store clients send and receive, through a logging proxy in
// front of a fresh nats-server, and writes test/jetstream/golden/clients/<flow>.json and .txt (the
// same, one line per protocol operation). PING/PONG are left out; payloads over 512 bytes are shown by
// size; values that vary (nuids, times, server ids, random consumer names) are normalised.
//   node dist/test/jetstream/harness/capture-clients.js [flow ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoggingProxy, type LoggedFrame } from '../../helpers/logproxy.js';
import { hasNatsServer } from '../../helpers/servers.js';
import { flows } from './clients/flows.js';
import { GOLDEN_DIR } from './golden.js';
import { parseJson, type Json } from './json.js';
import { Normaliser } from './normalise.js';
import { parseHeaders } from './proto.js';
import { startJsServer, type ServerKind } from './servers.js';

export interface ClientOp {
  dir: 'C' | 'S';
  op: string;
  conn?: number;
  subject?: string;
  reply?: string;
  sid?: string;
  queue?: string;
  status?: string;
  description?: string;
  headers?: [string, string][];
  body?: Json;
  text?: string;
  size?: number;
}

export interface ClientCapture {
  flow: string;
  description: string;
  sections: { label: string; ops: ClientOp[] }[];
}

const INFO_FIELDS = ['version', 'proto', 'headers', 'jetstream', 'max_payload'];

function payloadOf(p: Buffer | undefined, op: ClientOp): void {
  if (!p || p.length === 0) return;
  const text = p.toString('utf8');
  if (p.length <= 4096 && Buffer.from(text, 'utf8').equals(p)) {
    if (/^\s*[{[]/.test(text)) { try { op.body = parseJson(text); return; } catch { /* not JSON */ } }
    if (p.length <= 512 && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) { op.text = text; return; }
  }
  op.size = p.length;
}

/** Converts a proxy log into sections of operations (raw, before normalisation). */
export function toSections(log: LoggedFrame[]): { label: string; ops: ClientOp[] }[] {
  const sections: { label: string; ops: ClientOp[] }[] = [{ label: 'connect', ops: [] }];
  for (const e of log) {
    if (e.dir === 'M') { sections.push({ label: e.label!, ops: [] }); continue; }
    const f = e.frame!;
    if (f.op === 'PING' || f.op === 'PONG') continue;
    const op: ClientOp = { dir: e.dir, op: f.op };
    if (e.conn !== 1) op.conn = e.conn;
    if (f.op === 'INFO') {
      const info = JSON.parse(f.args[0] ?? '{}') as Record<string, Json>;
      op.body = Object.fromEntries(INFO_FIELDS.filter((k) => k in info).map((k) => [k, info[k]!]));
    } else if (f.op === 'CONNECT') {
      op.body = parseJson(f.args[0] ?? '{}');
    } else if (f.op === '-ERR' || f.op === '+OK') {
      if (f.args[0]) op.text = f.args[0];
    } else if (f.op === 'SUB') {
      op.subject = f.args[0];
      if (f.args.length === 3) op.queue = f.args[1];
      op.sid = f.sid;
    } else if (f.op === 'UNSUB') {
      op.sid = f.args[0];
      if (f.args[1]) op.text = `max ${f.args[1]}`;
    } else {
      op.subject = f.subject;
      if (f.sid) op.sid = f.sid;
      if (f.reply) op.reply = f.reply;
      if (f.hdr) {
        const h = parseHeaders(f.hdr);
        if (h.status) op.status = h.status;
        if (h.description) op.description = h.description;
        op.headers = h.fields;
      }
      payloadOf(f.payload, op);
    }
    sections[sections.length - 1]!.ops.push(op);
  }
  return sections.filter((s) => s.ops.length > 0 || s.label !== 'connect');
}

/** Server-chosen consumer names (8 characters) in consumer create responses: normalised by order. */
function randomNames(sections: { ops: ClientOp[] }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of sections) for (const op of s.ops) {
    const b = op.body as Record<string, Json> | undefined;
    if (op.dir === 'S' && b && typeof b === 'object' && b.type === 'io.nats.jetstream.api.v1.consumer_create_response' && typeof b.name === 'string' && /^[A-Za-z0-9]{8}$/.test(b.name)) {
      if (!m.has(b.name)) m.set(b.name, `<consumer${m.size + 1}>`);
    }
  }
  return m;
}

export function formatOp(op: ClientOp): string {
  const parts = [op.conn ? `${op.dir}${op.conn}` : op.dir, op.op];
  if (op.subject) parts.push(op.subject);
  if (op.queue) parts.push(`queue=${op.queue}`);
  if (op.sid && op.op !== 'UNSUB') parts.push(`sid=${op.sid}`);
  if (op.op === 'UNSUB') parts.push(`sid=${op.sid}`);
  if (op.reply) parts.push(`reply=${op.reply}`);
  if (op.status) parts.push(`[${op.status}${op.description ? ` ${op.description}` : ''}]`);
  if (op.headers?.length) parts.push(`{${op.headers.map(([k, v]) => `${k}: ${v}`).join('; ')}}`);
  if (op.body !== undefined) parts.push(JSON.stringify(op.body));
  if (op.text !== undefined) parts.push(JSON.stringify(op.text));
  if (op.size !== undefined) parts.push(`<${op.size} bytes>`);
  return parts.join(' ');
}

export async function captureFlow(name: string, kind: ServerKind = 'nats-server'): Promise<ClientCapture> {
  const flow = flows.find((f) => f.name === name)!;
  const srv = await startJsServer(kind, {});
  const proxy = await LoggingProxy.start(srv.port);
  try {
    await flow.run(`nats://127.0.0.1:${proxy.port}`, (l) => proxy.mark(l));
  } finally {
    await new Promise((r) => setTimeout(r, 50));
    await proxy.close();
    await srv.stop();
  }
  const sections = toSections(proxy.log);
  const n = new Normaliser({ randoms: randomNames(sections), storeDir: srv.storeDir });
  const norm = n.value(sections as unknown as Json) as unknown as ClientCapture['sections'];
  return JSON.parse(JSON.stringify({ flow: name, description: flow.description, sections: norm })) as ClientCapture;
}

async function main(): Promise<number> {
  if (!hasNatsServer()) { console.error('nats-server is not installed'); return 2; }
  const names = process.argv.slice(2);
  const list = names.length ? flows.filter((f) => names.includes(f.name)) : flows;
  const dir = join(GOLDEN_DIR, 'clients');
  mkdirSync(dir, { recursive: true });
  for (const f of list) {
    const cap = await captureFlow(f.name);
    writeFileSync(join(dir, `${f.name}.json`), JSON.stringify(cap, null, 2) + '\n');
    const lines = [`# ${cap.flow}: ${cap.description}`];
    for (const s of cap.sections) {
      lines.push('', `## ${s.label}`);
      for (const op of s.ops) lines.push(formatOp(op));
    }
    writeFileSync(join(dir, `${f.name}.txt`), lines.join('\n') + '\n');
    console.log(`${f.name}: ${cap.sections.reduce((a, s) => a + s.ops.length, 0)} operations`);
  }
  return 0;
}

if (process.argv[1]?.endsWith('capture-clients.js')) {
  main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
}
