// Runs the same JWT connections against nats-server and tsnats started with the same operator
// configuration, for differential tests of claims: each probe is one raw connection that sends
// CONNECT (its nonce signed by the user's key), then a fixed script, then PING, and reports what it
// received, normalised. Many probes run at once on one server pair.
import type { KeyPair } from '@nats-io/nkeys';
import { startServer as startChild, hasNatsServer, type TestServer } from '../helpers/servers.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { RawConn } from '../helpers/raw.js';
import { tempDir, writeConf } from './helpers.js';
import type { TestContext } from 'node:test';
import type { ServerOptions } from '../../src/options.js';
import type { Server } from '../../src/index.js';

export interface Target {
  kind: 'nats-server' | 'tsnats';
  port: number;
  /** tsnats only: the in-process server. */
  srv?: Server;
  output(): string;
}

/** Starts nats-server with `conf` (nats.conf text) and tsnats with `opts`; both stopped when `t` ends. */
export async function startPair(t: TestContext, conf: string, opts: Partial<ServerOptions>): Promise<{ ref: Target | null; ts: Target }> {
  let ref: Target | null = null;
  if (hasNatsServer()) {
    const dir = tempDir(t);
    const child: TestServer = await startChild('nats-server', { config: writeConf(dir, 'nats.conf', conf) });
    t.after(() => child.stop());
    ref = { kind: 'nats-server', port: child.port, output: () => child.output() };
  }
  const logs = logCollector();
  const srv = await withServer(t, { ...opts, log: logs.log });
  return { ref, ts: { kind: 'tsnats', port: srv.port, srv, output: () => logs.lines.join('') } };
}

export interface ProbeResult {
  /** Normalised frames received after INFO, one per line; '<closed>' last when the server closed. */
  lines: string[];
  closed: boolean;
}

/**
 * One connection: CONNECT with `jwt` (the nonce signed with `kp` and encoded by `encodeSig`, unless
 * `extra` has a sig), then `script`, then PING; waits for the PONG (twice, so asynchronous answers
 * arrive) or the close. A null script sends CONNECT alone and waits for the close.
 */
export async function probe(
  port: number, jwt: string, kp: KeyPair | null, script: string | null = '', extra: Record<string, unknown> = {},
  encodeSig: (sig: Uint8Array) => string = (s) => Buffer.from(s).toString('base64url'),
): Promise<ProbeResult> {
  const { c, info } = await RawConn.openAndInfo(port);
  try {
    const o: Record<string, unknown> = { verbose: false, pedantic: false, protocol: 1, jwt, ...extra };
    if (kp && o.sig === undefined) o.sig = encodeSig(kp.sign(new TextEncoder().encode(String(info.nonce))));
    if (script === null) {
      // CONNECT alone: whatever the server says before closing (or nothing within 1 s).
      c.send(`CONNECT ${JSON.stringify(o)}\r\n`);
      await c.until((_b, closed) => closed, 1000);
      const lines = norm(c.take().toString('latin1'));
      if (c.closed) lines.push('<closed>');
      return { lines, closed: c.closed };
    }
    // CONNECT and a PING first, alone: a refused client is closed with nothing of ours unread, so
    // the close cannot turn into a reset that loses the -ERR. Then the script, and two PINGs.
    const pongs = (b: Buffer) => b.toString('latin1').split('PONG\r\n').length - 1;
    c.send(`CONNECT ${JSON.stringify(o)}\r\nPING\r\n`);
    if (await c.until((b, closed) => closed || pongs(b) >= 1, 15000) && !c.closed) {
      c.send(`${script}PING\r\n`);
      if (await c.until((b, closed) => closed || pongs(b) >= 2, 15000) && !c.closed) {
        c.send('PING\r\n');
        await c.until((b, closed) => closed || pongs(b) >= 3, 15000);
      }
    }
    // A close right after an -ERR: give it a moment to arrive (a connection at its subscription
    // limit is closed 20 ms after CONNECT: longer on a loaded machine).
    if (!c.closed && /-ERR/.test(c.pending().toString('latin1'))) {
      await c.until((_b, closed) => closed, /maximum subscriptions exceeded/.test(c.pending().toString('latin1')) ? 1000 : 100);
    }
    const lines = norm(c.take().toString('latin1'));
    if (c.closed) lines.push('<closed>');
    return { lines, closed: c.closed };
  } finally {
    c.close();
  }
}

function norm(raw: string): string[] {
  const out: string[] = [];
  for (const l of raw.split('\r\n')) {
    if (l === '' || l === 'PONG') continue;
    if (l.startsWith('INFO ')) {
      const info = JSON.parse(l.slice(5)) as Record<string, unknown>;
      out.push(`INFO max_payload=${String(info.max_payload)}`);
      continue;
    }
    out.push(l);
  }
  return out;
}

/** Runs `f` over `items` with at most `n` at a time. */
export async function pool<T, R>(items: T[], n: number, f: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i], i);
    }
  }));
  return out;
}
