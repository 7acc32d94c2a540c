// The scenarios of the interop driver for nats.js, shared by v2 (`nats`) and v3 (`@nats-io/transport-node`):
// each entry file (v2.ts, v3.ts) passes an adapter over its library. The two APIs share these method
// names and shapes; status events and error classes differ and are normalised by the adapter.
// Usage: node v3.js SCENARIO URL[,URL...] [key=value ...]; prints one JSON object per line (see ../README.md).
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export interface Hdrs {
  set(k: string, v: string): void;
  append(k: string, v: string): void;
  keys(): string[];
  values(k: string): string[];
}
export interface Msg {
  subject: string;
  data: Uint8Array;
  headers?: Hdrs;
  respond(data?: Uint8Array): boolean;
}
export interface Sub extends AsyncIterable<Msg> {
  unsubscribe(): void;
}
/** The part of NatsConnection (v2 and v3 alike) that the scenarios use. */
export interface Conn {
  subscribe(subject: string, opts?: { queue?: string; callback?: (err: Error | null, m: Msg) => void }): Sub;
  publish(subject: string, data?: Uint8Array, opts?: { headers?: Hdrs }): void;
  request(subject: string, data?: Uint8Array, opts?: { timeout: number }): Promise<Msg>;
  flush(): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  closed(): Promise<void | Error>;
  getServer(): string;
}
export interface ConnectOpts {
  servers: string[];
  name: string;
  noRandomize: boolean;
  timeout: number;
  reconnectTimeWait: number;
  maxReconnectAttempts: number;
  pingInterval: number;
  maxPingOut: number;
  user?: string;
  pass?: string;
  token?: string;
  /** TLS: the CA of the server's certificate, a client certificate, the handshake before INFO (v3). */
  tls?: { caFile: string; certFile?: string; keyFile?: string; handshakeFirst?: boolean };
}
/** A status event already normalised to a driver event ({ev: 'disconnected' | 'reconnected' | 'stale' | 'error' ...}), or null to ignore. */
export type Event = Record<string, unknown> & { ev: string };

/** JetStream through the library's own APIs (the jetstream scenario); every call awaits the server. */
export interface JsOps {
  addStream(name: string, subjects: string[]): Promise<void>;
  publish(subject: string, data: string, msgId?: string): Promise<{ seq: number; duplicate: boolean }>;
  /** Fetch up to `n` from a durable pull consumer (created on first use), acking each (ack with reply). */
  fetch(stream: string, durable: string, subject: string, n: number): Promise<string[]>;
  /** Consume `n` from a durable push consumer, acking each; stops it after. */
  push(stream: string, durable: string, subject: string, n: number): Promise<string[]>;
  /** Key-value: put a=1, a=2, b=x; get a; watch all (initial values); delete b, get it. */
  kv(bucket: string): Promise<{ get: string; revision: number; watch: string[]; deleted: boolean }>;
}

export interface JsLib {
  /** JetStream operations, for the jetstream scenario. */
  jetstream?(nc: Conn): Promise<JsOps>;
  lib: string;
  version: string;
  connect(o: ConnectOpts): Promise<Conn>;
  headers(): Hdrs;
  /** 'auth' | 'no_responders' | 'stale' | 'timeout' | 'other', by the library's own error classes/codes. */
  kind(err: unknown): string;
  /** Text the library gives for the error (message, with the code where the library has one). */
  text(err: unknown): string;
  statusEvents(nc: Conn): AsyncIterable<Event | null>;
}

export function emit(ev: string, kv: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ ev, ...kv }) + '\n');
}

const te = new TextEncoder();
const td = new TextDecoder();

/** Resolves when counter `k` reaches `n`, or false after `ms`; message callbacks call inc(). */
class Counters {
  private n = new Map<string, number>();
  private waiters = new Set<() => void>();
  inc(k: string) {
    this.n.set(k, (this.n.get(k) ?? 0) + 1);
    for (const w of [...this.waiters]) w();
  }
  get(k: string) { return this.n.get(k) ?? 0; }
  waitFor(k: string, n: number, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.get(k) < n) return false;
        clearTimeout(t); this.waiters.delete(check); resolve(true); return true;
      };
      const t = setTimeout(() => { this.waiters.delete(check); resolve(this.get(k) >= n); }, ms);
      if (!check()) this.waiters.add(check);
    });
  }
}

function hdrMap(h?: Hdrs): Record<string, string[]> | null {
  if (!h) return null;
  const out: Record<string, string[]> = {};
  for (const k of h.keys()) out[k] = h.values(k);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`${what} timed out after ${ms}ms`)), ms); })])
    .finally(() => clearTimeout(t));
}

export async function main(lib: JsLib): Promise<void> {
  const [scenario, urls, ...rest] = process.argv.slice(2);
  if (!scenario || !urls) { console.error('usage: driver SCENARIO URL[,URL] [key=value ...]'); process.exit(2); }
  const o: Record<string, string> = { name: `interop-${lib.lib}` };
  for (const kv of rest) { const i = kv.indexOf('='); if (i > 0) o[kv.slice(0, i)] = kv.slice(i + 1); }
  const num = (k: string, d: number) => (o[k] !== undefined ? Number(o[k]) : d);
  let sigterm: () => void = () => {};
  const sigtermP = new Promise<void>((r) => { sigterm = r; });
  process.on('SIGTERM', () => sigterm()); // replaces Node's default exit: the drain scenario handles it

  emit('client', { lib: lib.lib, version: lib.version });
  let nc: Conn;
  try {
    nc = await lib.connect({
      servers: urls.split(','),
      name: o.name,
      noRandomize: true,
      timeout: num('timeout_ms', 2000),
      reconnectTimeWait: num('reconnect_wait_ms', 100),
      maxReconnectAttempts: num('max_reconnect', 10),
      pingInterval: num('ping_ms', 120_000),
      maxPingOut: num('max_pings', 2),
      ...(o.user !== undefined ? { user: o.user, pass: o.pass ?? '' } : {}),
      ...(o.token !== undefined ? { token: o.token } : {}),
      ...(o.tls_ca !== undefined ? {
        tls: {
          caFile: o.tls_ca,
          ...(o.tls_cert !== undefined ? { certFile: o.tls_cert, keyFile: o.tls_key } : {}),
          ...(o.tls_first === '1' ? { handshakeFirst: true } : {}),
        },
      } : {}),
    });
  } catch (err) {
    emit('connect_failed', { err: lib.text(err), kind: lib.kind(err) });
    emit('done');
    process.exit(0);
  }
  emit('connected', { url: nc.getServer() });
  void (async () => {
    for await (const e of lib.statusEvents(nc)) {
      if (!e) continue;
      const { ev, ...rest } = e;
      emit(ev, rest);
    }
  })().catch(() => {});
  const closedP = nc.closed().then((err) => {
    emit('closed', { err: err ? lib.text(err) : null, kind: err ? lib.kind(err) : '' });
  });

  switch (scenario) {
    case 'pubsub': await pubsub(lib, nc); await closedP; break;
    case 'drain': await drain(nc, num('handler_ms', 20), sigtermP); await closedP; break;
    case 'jetstream': await jetstreamScenario(lib, nc); await closedP; break;
    case 'connect': case 'reconnect': case 'ping': case 'auth-user': case 'auth-token': case 'tls': case 'tls-fail':
      await session(lib, nc); await closedP; break;
    default: emit('fatal', { err: `unknown scenario ${scenario}` }); process.exit(2);
  }
  emit('done');
  process.exit(0);
}

/** session: subscribe interop.rc, then obey stdin commands (flush | close) until EOF. */
async function session(lib: JsLib, nc: Conn): Promise<void> {
  nc.subscribe('interop.rc', { callback: (_e, m) => emit('msg', { sub: 'rc', subject: m.subject, data: td.decode(m.data) }) });
  await withTimeout(nc.flush(), 2000, 'flush');
  emit('ready');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'flush') {
      try {
        await withTimeout(nc.flush(), 2000, 'flush');
        emit('flushed', { ok: true, err: null, url: nc.getServer() });
      } catch (err) {
        emit('flushed', { ok: false, err: lib.text(err), kind: lib.kind(err), url: nc.getServer() });
      }
    } else if (cmd === 'close') break;
  }
  rl.close();
  await nc.close();
}

async function pubsub(lib: JsLib, nc: Conn): Promise<void> {
  const c = new Counters();
  const record = (name: string, counter: string) => (_e: Error | null, m: Msg) => {
    const data = td.decode(m.data);
    emit('msg', { sub: name, subject: m.subject, data, hdr: hdrMap(m.headers) });
    if (counter !== 'END' || data === 'END') c.inc(counter);
  };
  nc.subscribe('wild.a.b', { callback: record('lit', 'END') });
  nc.subscribe('wild.a.*', { callback: record('star', 'END') });
  nc.subscribe('wild.>', { callback: record('gt', 'END') });
  nc.subscribe('wild.a.>', { callback: record('agt', 'END') });
  nc.subscribe('q.work', { queue: 'g1', callback: record('g1a', 'q') });
  nc.subscribe('q.work', { queue: 'g1', callback: record('g1b', 'q') });
  nc.subscribe('q.work', { queue: 'g2', callback: record('g2a', 'q') });
  nc.subscribe('q.work', { queue: 'g2', callback: record('g2b', 'q') });
  nc.subscribe('q.work', { callback: record('qplain', 'q') });
  nc.subscribe('hdr.test', { callback: record('hdr', 'hdr') });
  nc.subscribe('svc.echo', { callback: (_e, m) => { m.respond(te.encode('re:' + td.decode(m.data))); } });
  await nc.flush();

  for (const [s, d] of [['wild.a.b', '1'], ['wild.a.c', '2'], ['wild.a.b.c', '3'], ['wild.x', '4'], ['other.a.b', '5'], ['wild.a.b', 'END']]) {
    nc.publish(s!, te.encode(d!));
  }
  emit('result', { name: 'wild_wait', ok: await c.waitFor('END', 4, 5000) });

  for (let i = 0; i < 20; i++) nc.publish('q.work', te.encode(`q${i}`));
  const ok = await c.waitFor('q', 60, 5000);
  // A duplicate delivery has no event to wait for: one more round trip and a short settle.
  await nc.flush();
  await delay(100);
  emit('result', { name: 'queue_wait', ok });

  const h = lib.headers();
  h.set('X-Interop', 'one');
  h.append('X-Two', 'a');
  h.append('X-Two', 'b');
  try {
    nc.publish('hdr.test', te.encode('with headers'), { headers: h });
  } catch (err) {
    emit('result', { name: 'hdr_publish', err: lib.text(err) });
  }
  emit('result', { name: 'hdr_wait', ok: await c.waitFor('hdr', 1, 5000) });

  try {
    const rep = await nc.request('svc.echo', te.encode('ping'), { timeout: 2000 });
    emit('result', { name: 'request', err: null, kind: '', data: td.decode(rep.data) });
  } catch (err) {
    emit('result', { name: 'request', err: lib.text(err), kind: lib.kind(err) });
  }
  try {
    await nc.request('nobody.here', te.encode('x'), { timeout: 2000 });
    emit('result', { name: 'noresponders', err: null, kind: '' });
  } catch (err) {
    emit('result', { name: 'noresponders', err: lib.text(err), kind: lib.kind(err) });
  }
  try {
    await withTimeout(nc.flush(), 2000, 'flush');
    emit('result', { name: 'flush', ok: true, err: null });
  } catch (err) {
    emit('result', { name: 'flush', ok: false, err: lib.text(err) });
  }
  await nc.close();
}

/** drain: a slow subscriber; SIGTERM → nc.drain() → every delivered message handled → exit 0. */
async function drain(nc: Conn, handlerMs: number, sigterm: Promise<void>): Promise<void> {
  let handled = 0;
  const sub = nc.subscribe('interop.drain');
  const loop = (async () => {
    for await (const m of sub) {
      await delay(handlerMs);
      handled++;
      emit('msg', { sub: 'drain', subject: m.subject, data: td.decode(m.data) });
    }
  })();
  await nc.flush();
  emit('ready');
  // The harness keeps stdin open; EOF means it is gone, so do not linger as an orphan.
  process.stdin.on('end', () => process.exit(3)).resume();
  await sigterm;
  emit('sigterm', { handled });
  let err: string | null = null;
  try {
    await withTimeout(Promise.all([nc.drain(), loop]), 10_000, 'drain');
  } catch (e) {
    err = String(e);
  }
  emit('drained', { handled, err });
}

/** jetstream: publish with acks (and a duplicate by message id), pull fetch, push consume, key-value. */
async function jetstreamScenario(lib: JsLib, nc: Conn): Promise<void> {
  if (!lib.jetstream) { emit('fatal', { err: 'no JetStream in this adapter' }); process.exit(1); }
  const ops = await lib.jetstream(nc);
  await ops.addStream('JSI', ['jsi.>']);
  emit('ready');
  const step = async (name: string, fn: () => Promise<Record<string, unknown>>, partial: Record<string, unknown>) => {
    try {
      emit('result', { ...(await withTimeout(fn(), 10_000, name)), name, err: null, kind: '' });
    } catch (err) {
      emit('result', { ...partial, name, err: lib.text(err), kind: lib.kind(err) });
    }
  };
  await step('js_publish', async () => {
    const seqs: number[] = [];
    for (let i = 1; i <= 5; i++) seqs.push((await ops.publish('jsi.a', `m${i}`)).seq);
    return { seqs };
  }, { seqs: [] });
  await step('js_dedupe', async () => {
    const a = await ops.publish('jsi.a', 'd', 'dup-1');
    const b = await ops.publish('jsi.a', 'd', 'dup-1');
    return { seqs: [a.seq, b.seq], duplicate: b.duplicate };
  }, { seqs: [] });
  await step('pull_fetch', async () => ({ data: await ops.fetch('JSI', 'PULL', 'jsi.a', 3) }), { data: [] });
  await step('pull_fetch2', async () => ({ data: await ops.fetch('JSI', 'PULL', 'jsi.a', 3) }), { data: [] });
  await step('push_consume', async () => ({ data: await ops.push('JSI', 'PUSH', 'jsi.a', 6) }), { data: [] });
  await step('kv', async () => ({ ...(await ops.kv('IKV')) }), {});
  await nc.close();
}
