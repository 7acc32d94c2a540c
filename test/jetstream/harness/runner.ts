// Runs one scenario against one server URL and returns its transcript (normalised unless opts.raw).
// Nothing here knows which server it talks to: the same scenario runs against nats-server and tsnats.
import { HarnessConn, type Delivered } from './conn.js';
import { BigLiteral, parseJson, toJsonText, type Json } from './json.js';
import type { Body, CollectStep, Headers, RecordMode, ReqStep, Scenario, Step, WaitStep } from './model.js';
import { normaliseTranscript } from './normalise.js';
import type { RecordedMsg, Transcript, TranscriptStep } from './transcript.js';

export interface RunOptions {
  /** http://127.0.0.1:<port> of the monitor, for `http` steps. */
  monitorUrl?: string;
  /** The server's store directory: replaced by <store_dir> in transcripts. */
  storeDir?: string;
  /** Return the transcript without normalisation. */
  raw?: boolean;
  /** Default wait for a reply or a collect, ms (default 2000). */
  defaultTimeoutMs?: number;
}


/** "MSG <subject> <sid> [reply] <size>" with the sid and sizes as placeholders, spacing kept. */
function wirePattern(line: string): string {
  const hmsg = line.startsWith('HMSG');
  const re = hmsg ? /^(\S+ \S+ )\d+( .*? )\d+ \d+$/ : /^(\S+ \S+ )\d+( .*? )\d+$/;
  return line.replace(re, hmsg ? '$1<sid>$2<hsize> <size>' : '$1<sid>$2<size>');
}

/** Replaces the values at these dotted paths of a recorded JSON body by "<varies>" (racy state). */
function markVarying(m: RecordedMsg, paths: string[]): void {
  for (const p of paths) {
    const keys = p.split('.');
    let o: unknown = m.body;
    for (const k of keys.slice(0, -1)) o = (o as Record<string, unknown> | undefined)?.[k];
    const last = keys[keys.length - 1]!;
    if (o && typeof o === 'object' && last in o) (o as Record<string, unknown>)[last] = '<varies>';
  }
}

/** Request strings over 2 KB are recorded as their length and first characters (golden files stay small). */
function shorten(s: string): string {
  return s.length > 2048 ? `<${s.length} chars: ${s.slice(0, 16)}...>` : s;
}

function shortenJson(v: Json): Json {
  if (typeof v === 'string') return shorten(v);
  if (Array.isArray(v)) return v.map(shortenJson);
  if (v && typeof v === 'object' && !(v instanceof BigLiteral)) {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) o[k] = shortenJson(x);
    return o;
  }
  return v;
}

/** Messages sorted by subject, then payload: for deliveries whose order the server does not define. */
function sortRecorded(recs: RecordedMsg[]): RecordedMsg[] {
  const key = (r: RecordedMsg) => `${r.subject}\u0000${JSON.stringify(r.body ?? r.text ?? r.base64 ?? '')}`;
  return [...recs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

class Runner {
  private conns = new Map<string, HarnessConn>();
  private inboxSeq = new Map<string, number>();
  private inboxBuf = new Map<string, Delivered[]>();
  private inboxWake = new Map<string, () => void>();
  private subBuf = new Map<string, { conn: string; sid: string; msgs: Delivered[]; wake?: () => void }>();
  readonly vars = new Map<string, string>();
  private payloads = new Map<string, Buffer>();
  readonly steps: TranscriptStep[] = [];
  serverInfo = '';

  constructor(private url: string, private sc: Scenario, private opts: RunOptions) {}

  private async conn(name = 'c'): Promise<HarnessConn> {
    let c = this.conns.get(name);
    if (c && !c.closed) return c;
    const spec = this.sc.connections?.[name] ?? {};
    c = await HarnessConn.open(this.url, { ...spec, name: `js-harness-${name}` });
    this.conns.set(name, c);
    if (!this.serverInfo) this.serverInfo = String(c.info.version ?? '?');
    return c;
  }

  private tpl(s: string): string {
    return s.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, v: string) => this.vars.get(v) ?? m);
  }

  private tplJson(v: Json): Json {
    if (typeof v === 'string') return this.tpl(v);
    if (Array.isArray(v)) return v.map((x) => this.tplJson(x));
    if (v && typeof v === 'object' && !(v instanceof BigLiteral)) {
      const o: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) o[k] = this.tplJson(x);
      return o;
    }
    return v;
  }

  private body(b: Body | undefined): { bytes: Buffer; recorded?: Json } {
    if (b === undefined) return { bytes: Buffer.alloc(0) };
    if (b && typeof b === 'object' && !Array.isArray(b) && !(b instanceof BigLiteral) && '$var' in b && typeof b.$var === 'string' && Object.keys(b).length === 1) {
      const p = this.payloads.get(b.$var) ?? Buffer.alloc(0);
      return { bytes: p, recorded: `<payload ${b.$var}>` };
    }
    if (typeof b === 'string') {
      const s = this.tpl(b);
      return { bytes: Buffer.from(s, 'utf8'), recorded: shorten(s) };
    }
    const v = this.tplJson(b as Json);
    return { bytes: Buffer.from(toJsonText(v), 'utf8'), recorded: shortenJson(v) };
  }

  private headers(h: Headers | undefined): [string, string][] | undefined {
    if (!h) return undefined;
    const list = Array.isArray(h) ? h : Object.entries(h);
    return list.map(([k, v]) => [k, this.tpl(v)]);
  }

  private record(m: Delivered, mode: RecordMode): RecordedMsg {
    const r: RecordedMsg = { subject: m.subject };
    if (m.reply) r.reply = m.reply;
    // The control line as sent, when it is not the canonical single-spaced form (e.g. the two
    // spaces of "MSG <inbox> <sid>  <size>" in pub acks).
    if (m.line.split(' ').some((t) => t === '')) r.line = wirePattern(m.line);
    if (m.headers) {
      if (m.headers.status) r.status = m.headers.status;
      if (m.headers.description) r.description = m.headers.description;
      r.headers = m.headers.fields;
    }
    if (mode === 'omit') return r;
    if (mode === 'size') { r.size = m.payload.length; return r; }
    if (mode === 'presence') { r.size = m.payload.length > 0 ? 1 : 0; return r; }
    if (m.payload.length === 0) { r.text = ''; return r; }
    const text = m.payload.toString('utf8');
    if (mode === 'text') { r.text = text; return r; }
    if (Buffer.from(text, 'utf8').equals(m.payload) && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) {
      // Only objects and arrays are parsed: a payload "1" stays the text "1".
      if (/^\s*[{[]/.test(text)) {
        try {
          r.body = parseJson(text);
          return r;
        } catch { /* not JSON: kept as text */ }
      }
      r.text = text;
      return r;
    }
    r.base64 = m.payload.toString('base64');
    r.size = m.payload.length;
    return r;
  }

  private saveFrom(msgs: Delivered[], save: Record<string, [number, string]> | undefined, saveReply?: Record<string, number>, savePayload?: Record<string, number>): void {
    for (const [v, [idx, path]] of Object.entries(save ?? {})) {
      const m = msgs[idx];
      if (!m) continue;
      try {
        let x: unknown = parseJson(m.payload.toString('utf8'));
        for (const k of path.split('.')) x = (x as Record<string, unknown> | undefined)?.[k];
        if (x === undefined) continue;
        // Objects are saved as JSON text, to be spliced into a later string body with ${v}.
        this.vars.set(v, x instanceof BigLiteral ? x.literal : typeof x === 'object' ? toJsonText(x) : String(x));
      } catch { /* not JSON: nothing saved */ }
    }
    for (const [v, idx] of Object.entries(saveReply ?? {})) {
      const m = msgs[idx];
      if (m?.reply) this.vars.set(v, m.reply);
    }
    for (const [v, idx] of Object.entries(savePayload ?? {})) {
      // -1: every payload concatenated (all snapshot chunks as one restore chunk).
      if (idx === -1) { this.payloads.set(v, Buffer.concat(msgs.map((m) => m.payload))); continue; }
      const m = msgs[idx];
      if (m) this.payloads.set(v, m.payload);
    }
  }

  /** Waits until `buf` has `count` messages (or a stop condition), then quietMs more. */
  private async gather(buf: Delivered[], setWake: (w: (() => void) | undefined) => void, count: number, timeoutMs: number, quietMs: number, stop: (m: Delivered) => boolean): Promise<boolean> {
    const done = () => buf.length >= count || buf.some(stop);
    let timedOut = false;
    if (!done()) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { timedOut = true; setWake(undefined); resolve(); }, timeoutMs);
        setWake(() => { if (done()) { clearTimeout(t); setWake(undefined); resolve(); } });
      });
    }
    if (quietMs > 0) await new Promise((r) => setTimeout(r, quietMs));
    return timedOut;
  }

  private async req(s: ReqStep, out: TranscriptStep, fixedInbox?: string): Promise<void> {
    const name = s.conn ?? 'c';
    const c = await this.conn(name);
    let inbox = fixedInbox;
    if (!inbox) {
      const n = (this.inboxSeq.get(name) ?? 0) + 1;
      this.inboxSeq.set(name, n);
      inbox = `_INBOX.${name}.${n}`;
    }
    const buf: Delivered[] = [];
    this.inboxBuf.set(inbox, buf);
    // One subscription per request on its own inbox, as JetStream clients do for pulls: a pulled
    // message arrives with the stream subject as its MSG subject, only the sid says where it belongs.
    const sid = c.subscribe(inbox, (m) => { buf.push(m); this.inboxWake.get(inbox)?.(); });
    const subject = this.tpl(s.subject);
    const { bytes, recorded } = this.body(s.body);
    const hdrs = this.headers(s.headers);
    out.subject = subject;
    out.reply = inbox;
    if (hdrs) out.headers = hdrs;
    if (recorded !== undefined) out.request = recorded;
    c.publish(subject, bytes, inbox, hdrs);
    const count = s.count ?? 1;
    const until = new Set(s.untilStatus ?? []);
    const timedOut = await this.gather(buf, (w) => { if (w) this.inboxWake.set(inbox, w); else this.inboxWake.delete(inbox); },
      count, s.timeoutMs ?? this.opts.defaultTimeoutMs ?? 2000, s.quietMs ?? 0, (m) => until.has(m.headers?.status ?? ''));
    c.unsubscribe(sid);
    this.inboxBuf.delete(inbox);
    this.inboxWake.delete(inbox);
    out.messages = buf.map((m) => this.record(m, s.record ?? 'auto'));
    if (s.vary) for (const m of out.messages) markVarying(m, s.vary);
    if (s.sort) out.messages = sortRecorded(out.messages);
    if (timedOut) out.timedOut = true;
    const save: Record<string, [number, string]> = {};
    for (const [v, p] of Object.entries(s.save ?? {})) save[v] = [0, p];
    this.saveFrom(buf, save, s.saveReply, s.savePayload);
  }

  private async collect(s: CollectStep, out: TranscriptStep): Promise<void> {
    const sb = this.subBuf.get(s.id);
    if (!sb) throw new Error(`collect: no subscription ${s.id}`);
    const pick = () => (s.subjectPrefix ? sb.msgs.filter((m) => m.subject.startsWith(s.subjectPrefix!)) : sb.msgs);
    const view: Delivered[] = [];
    const refresh = () => { view.length = 0; view.push(...pick()); };
    refresh();
    const count = s.count ?? 1;
    const timedOut = await this.gather(view, (w) => { sb.wake = w ? () => { refresh(); w(); } : undefined; },
      count, s.timeoutMs ?? this.opts.defaultTimeoutMs ?? 2000, s.quietMs ?? 0,
      (m) => !!s.untilEmpty && m.payload.length === 0 && !m.headers);
    refresh();
    let taken = view.slice();
    if (s.untilEmpty) {
      const eof = taken.findIndex((m) => m.payload.length === 0 && !m.headers);
      if (eof >= 0) taken = taken.slice(0, eof + 1);
    } else if (!s.quietMs) {
      taken = taken.slice(0, count);
    }
    const takenSet = new Set(taken);
    sb.msgs = sb.msgs.filter((m) => !takenSet.has(m));
    let recs = taken.map((m) => this.record(m, s.record ?? 'auto'));
    if (s.sort) recs = sortRecorded(recs);
    // Keep the first and the last message only (snapshot chunks: their number depends on how the
    // server's pipe reads happen to split the data).
    if (s.collapse && recs.length > 2) recs = [recs[0]!, recs[recs.length - 1]!];
    out.messages = recs;
    if (timedOut) out.timedOut = true;
    this.saveFrom(taken, s.save, s.saveReply, s.savePayload);
  }

  private async wait(s: WaitStep, out: TranscriptStep): Promise<void> {
    const deadline = Date.now() + (s.timeoutMs ?? 3000);
    const want = JSON.stringify(s.equals);
    const name = s.conn ?? 'c';
    // Probes use their own inboxes (the number of attempts varies); the transcript shows one.
    const shown = `_INBOX.${name}.w${out.i}`;
    for (let attempt = 1; ; attempt++) {
      const probe: TranscriptStep = { i: out.i, op: 'req' };
      await this.req({ op: 'req', subject: s.subject, body: s.body, conn: s.conn, timeoutMs: 1000 }, probe, `_INBOX.${name}.w${out.i}x${attempt}`);
      out.subject = probe.subject;
      out.reply = shown;
      if (probe.request !== undefined) out.request = probe.request;
      const fix = (x: string) => x.replace(new RegExp(`_INBOX\\.${name}\\.w${out.i}x\\d+`), shown);
      out.messages = (probe.messages ?? []).map((m) => ({ ...m, subject: fix(m.subject), ...(m.line ? { line: fix(m.line) } : {}) }));
      let v: unknown = probe.messages?.[0]?.body;
      for (const k of s.path.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
      if (JSON.stringify(v instanceof BigLiteral ? v.literal : v) === want) { delete out.timedOut; return; }
      if (Date.now() > deadline) { out.timedOut = true; return; }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async step(s: Step, i: number): Promise<void> {
    const out: TranscriptStep = { i, op: s.op };
    if (s.note) out.note = s.note;
    if (s.conn && s.conn !== 'c') out.conn = s.conn;
    this.steps.push(out);
    switch (s.op) {
      case 'req':
        await this.req(s, out);
        break;
      case 'pub': {
        const c = await this.conn(s.conn);
        const subject = this.tpl(s.subject);
        const { bytes, recorded } = this.body(s.body);
        const hdrs = this.headers(s.headers);
        out.subject = subject;
        if (s.reply) out.reply = this.tpl(s.reply);
        if (hdrs) out.headers = hdrs;
        if (recorded !== undefined) out.request = recorded;
        c.publish(subject, bytes, s.reply ? this.tpl(s.reply) : undefined, hdrs);
        break;
      }
      case 'sub': {
        const c = await this.conn(s.conn);
        const subject = this.tpl(s.subject);
        out.id = s.id;
        out.subject = subject;
        const entry: { conn: string; sid: string; msgs: Delivered[]; wake?: () => void } = { conn: s.conn ?? 'c', sid: '', msgs: [] };
        entry.sid = c.subscribe(subject, (m) => { entry.msgs.push(m); entry.wake?.(); }, s.queue);
        this.subBuf.set(s.id, entry);
        await c.flush();
        break;
      }
      case 'collect':
        out.id = s.id;
        await this.collect(s, out);
        break;
      case 'unsub': {
        const sb = this.subBuf.get(s.id);
        out.id = s.id;
        if (sb) (await this.conn(sb.conn)).unsubscribe(sb.sid);
        break;
      }
      case 'sleep':
        out.ms = s.ms;
        await new Promise((r) => setTimeout(r, s.ms));
        break;
      case 'flush':
        await (await this.conn(s.conn)).flush();
        break;
      case 'close': {
        const c = this.conns.get(s.conn ?? 'c');
        if (c) await c.close();
        break;
      }
      case 'wait':
        out.note = out.note ?? `until ${s.path} = ${JSON.stringify(s.equals)}`;
        await this.wait(s, out);
        break;
      case 'set':
        for (const [k, v] of Object.entries(s.vars)) this.vars.set(k, v);
        break;
      case 'http': {
        out.subject = s.path;
        if (!this.opts.monitorUrl) throw new Error(`scenario ${this.sc.name}: http step without a monitor (setup.monitor)`);
        const res = await fetch(this.opts.monitorUrl + this.tpl(s.path));
        out.httpStatus = res.status;
        const text = await res.text();
        let j: Json;
        try { j = parseJson(text); } catch { j = text; }
        if (s.pick && j && typeof j === 'object' && !Array.isArray(j) && !(j instanceof BigLiteral)) {
          const o: { [k: string]: Json } = {};
          for (const k of s.pick) if (k in j) o[k] = j[k]!;
          j = o;
        }
        out.json = j;
        break;
      }
    }
  }

  async close(): Promise<string[]> {
    const errors: string[] = [];
    for (const c of this.conns.values()) {
      errors.push(...c.errors);
      await c.close();
    }
    return errors;
  }
}

/** Runs `scenario` against the server at `url` (nats://host:port). */
export async function runScenario(url: string, scenario: Scenario, opts: RunOptions = {}): Promise<Transcript> {
  const r = new Runner(url, scenario, opts);
  let errors: string[] = [];
  try {
    let i = 0;
    for (const s of scenario.steps) await r.step(s, ++i);
  } finally {
    errors = await r.close();
  }
  const t: Transcript = {
    scenario: scenario.name,
    description: scenario.description,
    ...(scenario.issue ? { issue: scenario.issue } : {}),
    server: r.serverInfo,
    steps: r.steps,
    errors,
  };
  if (opts.raw) return t;
  const randoms = new Map<string, string>();
  for (const v of scenario.randomVars ?? []) {
    const val = r.vars.get(v);
    if (val) randoms.set(val, `<${v}>`);
  }
  return normaliseTranscript(t, { randoms, storeDir: opts.storeDir });
}
