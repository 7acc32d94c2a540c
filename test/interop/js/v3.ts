// nats.js v3 (@nats-io/transport-node) adapter for the interop driver (driver.ts).
import { connect, headers, errors, RequestError, type NatsConnection } from '@nats-io/transport-node';
import { VERSION } from '@nats-io/transport-node/lib/node_transport.js';
import { main, type Conn, type Event, type Hdrs, type JsLib } from './driver.js';

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
};
await main(lib);
