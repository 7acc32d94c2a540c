// nats.js v3 (@nats-io/transport-node) adapter for the interop driver (driver.ts).
import { connect, headers, errors, RequestError, type NatsConnection } from '@nats-io/transport-node';
import { VERSION } from '@nats-io/transport-node/lib/node_transport.js';
import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { main, type Conn, type Event, type Hdrs, type JsLib, type JsOps } from './driver.js';

const te = new TextEncoder();
const td = new TextDecoder();

async function jsOps(conn: Conn): Promise<JsOps> {
  const nc = conn as unknown as NatsConnection;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
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
    async push(stream, durable, subject, n) {
      await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: subject, deliver_subject: `_INBOX.push.${durable}` });
      const c = await js.consumers.getPushConsumer(stream, durable);
      const out: string[] = [];
      const it = await c.consume();
      for await (const m of it) {
        out.push(td.decode(m.data));
        await m.ackAck();
        if (out.length >= n) break;
      }
      await it.close();
      return out;
    },
    async kv(bucket) {
      const kv = await new Kvm(nc).create(bucket, { history: 5 });
      await kv.put('a', te.encode('1'));
      await kv.put('a', te.encode('2'));
      await kv.put('b', te.encode('x'));
      const e = await kv.get('a');
      const w = await kv.watch();
      const watch: string[] = [];
      const pending = (await kv.status()).values;
      for await (const x of w) {
        watch.push(`${x.key}=${td.decode(x.value)}`);
        if (watch.length >= 2 || watch.length >= pending) break;
      }
      w.stop();
      await kv.delete('b');
      const g = await kv.get('b');
      return { get: e ? td.decode(e.value) : '', revision: e?.revision ?? 0, watch, deleted: g === null || g.operation === 'DEL' };
    },
  };
}

function kind(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  if (e instanceof errors.AuthorizationError || e?.cause instanceof errors.AuthorizationError) return 'auth';
  if (e instanceof RequestError && e.isNoResponders()) return 'no_responders';
  if (e instanceof errors.NoRespondersError) return 'no_responders';
  if (e instanceof errors.TimeoutError || e?.cause instanceof errors.TimeoutError) return 'timeout';
  return 'other';
}

function text(err: unknown): string {
  const e = err as Error & { cause?: Error };
  if (!(e instanceof Error)) return String(err);
  return e.cause instanceof Error ? `${e.name}: ${e.message} (cause ${e.cause.name}: ${e.cause.message})` : `${e.name}: ${e.message}`;
}

async function* statusEvents(nc: Conn): AsyncIterable<Event | null> {
  for await (const s of (nc as unknown as NatsConnection).status()) {
    switch (s.type) {
      case 'disconnect': yield { ev: 'disconnected', server: s.server }; break;
      case 'reconnect': yield { ev: 'reconnected', url: s.server }; break;
      case 'staleConnection': yield { ev: 'stale' }; break;
      case 'error': yield { ev: 'error', err: text(s.error), kind: kind(s.error) }; break;
      case 'ldm': yield { ev: 'ldm', server: s.server }; break;
      case 'slowConsumer': yield { ev: 'slow_consumer', pending: s.pending }; break;
      default: yield null; // ping, reconnecting, update, forceReconnect, close: not scenario events
    }
  }
}

const lib: JsLib = {
  lib: 'nats.js-v3',
  version: VERSION,
  connect: async (o) => (await connect(o)) as unknown as Conn,
  headers: () => headers() as unknown as Hdrs,
  kind,
  text,
  statusEvents,
  jetstream: jsOps,
};
await main(lib);
