// A connection to a server's system account with the official client (@nats-io/transport-node),
// for `$SYS.REQ.SERVER.<id>.<EP>` requests (doctor, conns) and KICK. Loaded only when a command
// needs it, so the server itself never imports the client.
import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';

export interface SysAuth {
  user?: string;
  password?: string;
  /** A .creds file (user JWT + seed). */
  creds?: string;
}

export interface SysConn {
  nc: NatsConnection;
  /** The id of the server this connection landed on (its INFO). */
  serverId: string;
  /** This connection's cid on that server (INFO client_id). */
  cid?: number;
  /** Request `subject` with a JSON body; resolves the answer's `data`, rejects with its `error`. */
  request(subject: string, body: unknown, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export class SysError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export async function sysConnect(url: string, auth: SysAuth, timeoutMs = 5000, tls: { caFile?: string; certFile?: string; keyFile?: string } = {}): Promise<SysConn> {
  const mod = await import('@nats-io/transport-node');
  const opts: Record<string, unknown> = { servers: url, name: 'tsnats-doctor', timeout: timeoutMs, reconnect: false, maxReconnectAttempts: 0 };
  // TLS when the server asks for it (the client upgrades on its own), with our CA and certificate if given.
  if (tls.caFile || tls.certFile || /^tls:/i.test(url)) opts.tls = { ...(tls.caFile ? { caFile: tls.caFile } : {}), ...(tls.certFile ? { certFile: tls.certFile } : {}), ...(tls.keyFile ? { keyFile: tls.keyFile } : {}) };
  if (auth.creds) opts.authenticator = mod.credsAuthenticator(new Uint8Array(readFileSync(auth.creds)));
  else if (auth.user !== undefined) {
    opts.user = auth.user;
    opts.pass = auth.password ?? '';
  }
  const nc = await mod.connect(opts);
  const info = nc.info;
  const serverId = info?.server_id ?? '';
  return {
    nc,
    serverId,
    cid: info?.client_id,
    async request(subject, body, t = timeoutMs) {
      let msg;
      try {
        msg = await nc.request(subject, JSON.stringify(body ?? {}), { timeout: t });
      } catch (e) {
        const err = e as Error;
        // No one subscribed: not a system user, or a server without this request (KICK < 2.10).
        if (/no responders|503/i.test(err.message) || err.constructor.name === 'NoRespondersError') {
          throw new SysError(`no server answered ${subject} (is the user in the system account? does the server support it?)`, 503);
        }
        throw new SysError(`${subject}: ${err.message}`);
      }
      const ans = msg.json<{ data?: unknown; error?: { code?: number; description?: string } }>();
      if (ans.error) throw new SysError(ans.error.description ?? 'error', ans.error.code);
      return ans.data;
    },
    async close() {
      await nc.close().catch(() => {});
    },
  };
}
