// Leafnode topologies of child-process servers, any mix of tsnats and nats-server: each server gets
// a config file (nats-server has no leafnode flags), a client port, a monitor port and, for a hub,
// a leafnode port on 127.0.0.1. `waitLeafs` polls /leafz until the connections are up. Every server
// started here must be stopped by the test.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.js';
import { startServer, type ServerKind, type TestServer } from './servers.js';

const dir = mkdtempSync(join(tmpdir(), 'tsnats-leaf-'));
let n = 0;

export interface LeafServer {
  server: TestServer;
  name: string;
  /** The leafnode listener's port (0 when the server has none). */
  leafPort: number;
  url: string;
}

export interface LeafInfoJSON {
  account: string;
  ip: string;
  port: number;
  rtt?: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

/**
 * Starts `kind` with a config made of `body` (which may use `$LEAFPORT` for the leafnode port this
 * helper picks): server_name and monitor set here; the client port by flags.
 */
export async function startConf(kind: ServerKind, name: string, body: string, opts: { leafPort?: number; args?: string[] } = {}): Promise<LeafServer> {
  const leafPort = body.includes('$LEAFPORT') ? (opts.leafPort ?? (await freePort())) : 0;
  const file = join(dir, `${name}-${++n}.conf`);
  writeFileSync(file, `server_name: ${name}\n${body.replaceAll('$LEAFPORT', String(leafPort))}\n`);
  const server = await startServer(kind, { config: file, monitor: true, args: opts.args });
  // nats-server logs "Server is ready" before its remotes connect; the leafnode listener is up by then.
  return { server, name, leafPort, url: server.url };
}

/** Restarts a server started by startConf on the same ports with the same config. */
export async function restartConf(s: LeafServer): Promise<LeafServer> {
  const server = await s.server.restart();
  return { ...s, server, url: server.url };
}

export async function leafz(s: LeafServer, subs = false): Promise<{ leafnodes: number; leafs: LeafInfoJSON[] | null }> {
  const r = await fetch(`http://127.0.0.1:${s.server.httpPort}/leafz${subs ? '?subs=1' : ''}`);
  return (await r.json()) as { leafnodes: number; leafs: LeafInfoJSON[] | null };
}

export async function varz(s: LeafServer): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${s.server.httpPort}/varz`);
  return (await r.json()) as Record<string, unknown>;
}

/** Resolves when `s` has `count` leaf connections (and, with `pred`, they satisfy it). */
export async function waitLeafs(s: LeafServer, count: number, ms = 10_000, pred?: (l: LeafInfoJSON[]) => boolean): Promise<LeafInfoJSON[]> {
  const t0 = Date.now();
  for (;;) {
    const z = await leafz(s, true).catch(() => null);
    const l = z?.leafs ?? [];
    if (z !== null && z.leafnodes === count && (pred === undefined || pred(l))) return l;
    if (Date.now() - t0 > ms) throw new Error(`${s.name}: ${count} leaf connection(s) expected, have ${JSON.stringify(z)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when `pred()` holds (polling), rejects after `ms`. */
export async function eventually(pred: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
