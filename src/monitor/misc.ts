// /healthz, and the endpoints of features tsnats has not built yet, in the reference's shape for
// "none": /gatewayz (no gateways), /jsz (disabled). /leafz is in leafz.ts.
import type { Server } from '../server/server.js';
import type { JetStreamService } from '../services.js';
import type { JetStream } from '../jetstream/service.js';
import type { JszOptions } from '../jetstream/monitor.js';
import { goTime, nowMs } from './format.js';

export interface HealthStatus {
  status: 'ok' | 'error' | 'unavailable';
  error?: string;
}

export interface HealthzOptions {
  'js-enabled-only'?: boolean;
  'js-server-only'?: boolean;
}

/** `{"status":"ok"}` while the server accepts connections (readyForConnections): not in lame duck mode. */
export function healthz(srv: Server, _opts: HealthzOptions = {}): HealthStatus {
  if (!srv.running || !srv.accepting) return { status: 'error', error: 'failed to be ready for connections after 1ms: server' };
  return { status: 'ok' };
}

export interface Gatewayz {
  server_id: string;
  now: string;
  outbound_gateways: Record<string, unknown>;
  inbound_gateways: Record<string, unknown>;
}

export function gatewayz(srv: Server): Gatewayz {
  return { server_id: srv.id, now: goTime(nowMs()), outbound_gateways: {}, inbound_gateways: {} };
}

/** The running JetStream of a server, or null. */
export function jetStreamOf(srv: Server): JetStream | null {
  return srv.service<JetStreamService>('jetstream')?.js ?? null;
}

/** /jsz: JetStream's answer (jetstream/monitor.ts), or the reference's "disabled" shape. */
export function jsz(srv: Server, opts: JszOptions = {}): Record<string, unknown> {
  const js = jetStreamOf(srv);
  if (js !== null && js.running) return js.jsz(opts);
  return {
    server_id: srv.id,
    now: goTime(nowMs()),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}
