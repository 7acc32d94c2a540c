// nats.js v2 (`nats` on npm) adapter for the interop driver (driver.ts).
import { connect, headers, ErrorCode, NatsError, AckPolicy, consumerOpts, createInbox, type NatsConnection } from 'nats';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { main, type Conn, type Event, type Hdrs, type JsLib, type JsOps } from './driver.js';

const te = new TextEncoder();
const td = new TextDecoder();

async function jsOps(conn: Conn): Promise<JsOps> {
  const nc = conn as unknown as NatsConnection;
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const made = new Set<string>();
  return {
    async addStream(name, subjects) {
      await jsm.streams.add({ name, subjects });
    },
    async publish(subject, data, msgId) {
      const pa = await js.publish(subject, te.encode(data), msgId ? { msgID: msgId } : undefined);
      return { seq: pa.seq, duplicate: pa.duplicate };
    },
    async fetch(stream, durable, subject, n) {
      if (!made.has(durable)) {
        await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: subject });
        made.add(durable);
      }
      const c = await js.consumers.get(stream, durable);
      const out: string[] = [];
      for await (const m of await c.fetch({ max_messages: n, expires: 2000 })) {
        out.push(td.decode(m.data));
        await m.ackAck();
      }
      return out;
    },
    async push(_stream, durable, subject, n) {
      // The v2 push API: js.subscribe with a durable, a deliver subject and manual acks.
      const opts = consumerOpts().durable(durable).deliverTo(createInbox()).manualAck().ackExplicit();
      const sub = await js.subscribe(subject, opts);
      const out: string[] = [];
      for await (const m of sub) {
        out.push(td.decode(m.data));
        await m.ackAck();
        if (out.length >= n) break;
      }
      sub.unsubscribe();
      return out;
    },
    async kv(bucket) {
      const kv = await js.views.kv(bucket, { history: 5 });
      await kv.put('a', te.encode('1'));
      await kv.put('a', te.encode('2'));
      await kv.put('b', te.encode('x'));
      const e = await kv.get('a');
      const w = await kv.watch();
      const watch: string[] = [];
      for await (const x of w) {
        watch.push(`${x.key}=${td.decode(x.value)}`);
        if (watch.length >= 2) break;
      }
      w.stop();
      await kv.delete('b');
      const g = await kv.get('b');
      return { get: e ? td.decode(e.value) : '', revision: e?.revision ?? 0, watch, deleted: g === null || g.operation === 'DEL' };
    },
  };
}

// The package's own version (its package.json; `exports` does not expose it).
const req = createRequire(import.meta.url);
const version = (JSON.parse(readFileSync(join(dirname(req.resolve('nats')), 'package.json'), 'utf8')) as { version: string }).version;

function kind(err: unknown): string {
  const code = (err as NatsError)?.code;
  if (code === ErrorCode.AuthorizationViolation || code === ErrorCode.BadAuthentication) return 'auth';
  if (code === ErrorCode.NoResponders) return 'no_responders';
  if (code === ErrorCode.Timeout) return 'timeout';
  return 'other';
}

function text(err: unknown): string {
  const e = err as NatsError;
  if (!(e instanceof Error)) return String(err);
  return e.code ? `${e.name}: ${e.message} (code ${e.code})` : `${e.name}: ${e.message}`;
}

async function* statusEvents(nc: Conn): AsyncIterable<Event | null> {
  for await (const s of (nc as unknown as NatsConnection).status()) {
    switch (s.type) {
      case 'disconnect': yield { ev: 'disconnected', server: s.data }; break;
      case 'reconnect': yield { ev: 'reconnected', url: s.data }; break;
      case 'staleConnection': yield { ev: 'stale' }; break;
      // v2 reports an async error as its code string in `data` (e.g. AUTHORIZATION_VIOLATION).
      case 'error': yield { ev: 'error', err: String(s.data), kind: kind({ code: s.data }) }; break;
      case 'ldm': yield { ev: 'ldm', server: s.data }; break;
      default: yield null; // pingTimer, reconnecting, update: not scenario events
    }
  }
}

const lib: JsLib = {
  lib: 'nats.js-v2',
  version,
  connect: async (o) => (await connect(o)) as unknown as Conn,
  headers: () => headers() as unknown as Hdrs,
  kind,
  text,
  statusEvents,
  jetstream: jsOps,
};
await main(lib);
