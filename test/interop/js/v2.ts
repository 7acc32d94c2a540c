// nats.js v2 (`nats` on npm) adapter for the interop driver (driver.ts).
import { connect, headers, ErrorCode, NatsError, type NatsConnection } from 'nats';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { main, type Conn, type Event, type Hdrs, type JsLib } from './driver.js';

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
};
await main(lib);
