// What the harness does on the server's side without any client library: read the monitor (/connz)
// and publish over a raw protocol connection, so the client under test is the only client involved.
import { RawConn } from '../helpers/raw.js';
import type { TestServer } from '../helpers/servers.js';

export interface ConnzConn {
  cid: number;
  name?: string;
  lang?: string;
  version?: string;
  reason?: string;
  [k: string]: unknown;
}

export type Connz =
  | { ok: true; connections: ConnzConn[] }
  /** The monitor is not there yet (tsnats before its monitor lands): 404, or nothing listening. */
  | { ok: false; reason: string };

export async function connz(srv: TestServer, query = ''): Promise<Connz> {
  if (!srv.httpPort) throw new Error('server started without a monitor port');
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${srv.httpPort}/connz${query}`);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? String(e);
    return { ok: false, reason: `GET /connz failed: ${cause}` };
  }
  if (res.status === 404) return { ok: false, reason: '/connz answered 404' };
  if (res.status !== 200) throw new Error(`/connz answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { connections?: ConnzConn[] };
  return { ok: true, connections: body.connections ?? [] };
}

/**
 * Poll /connz until `pred` finds a connection: the monitor has no push channel, so this is the
 * event-less case where polling is the only way to wait. Returns the result that matched or the last one.
 */
export async function waitConnz(srv: TestServer, query: string, pred: (c: ConnzConn) => boolean, timeoutMs = 5000): Promise<{ found?: ConnzConn; last: Connz }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await connz(srv, query);
    if (!r.ok) return { last: r };
    const found = r.connections.find(pred);
    if (found || Date.now() > deadline) return { found, last: r };
    await new Promise((res) => setTimeout(res, 50));
  }
}

export interface RawAuth { user?: string; pass?: string; auth_token?: string }

/** Publish `payloads` on `subject` from a raw connection; resolves after the server's PONG (all processed). */
export async function rawPublish(srv: TestServer, subject: string, payloads: string[], auth: RawAuth = {}): Promise<void> {
  const { c } = await RawConn.openAndInfo(srv.port);
  try {
    c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name: 'interop-harness', ...auth })}\r\n`);
    c.send(payloads.map((p) => `PUB ${subject} ${Buffer.byteLength(p)}\r\n${p}\r\n`).join(''));
    const got = await c.roundTrip();
    if (got.includes('-ERR')) throw new Error(`raw publisher got ${JSON.stringify(got)}`);
  } finally {
    c.close();
  }
}

/** A request from a raw connection: the first reply's payload (JetStream API answers are one message). */
export async function rawRequest(srv: TestServer, subject: string, body = '', timeoutMs = 5000): Promise<string> {
  const { c } = await RawConn.openAndInfo(srv.port);
  try {
    c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name: 'interop-harness' })}\r\n`);
    c.send(`SUB _INBOX.harness 1\r\nPUB ${subject} _INBOX.harness ${Buffer.byteLength(body)}\r\n${body}\r\n`);
    for (;;) {
      const line = await c.readLine(timeoutMs);
      const m = /^MSG _INBOX\.harness 1 (\d+)$/.exec(line);
      if (m === null) continue;
      const size = Number(m[1]);
      await c.until((b) => b.length >= size + 2, timeoutMs);
      return c.take(size + 2).toString('utf8', 0, size);
    }
  } finally {
    c.close();
  }
}
