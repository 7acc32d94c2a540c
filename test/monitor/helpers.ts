// Plain HTTP against a monitor port, and small waits for monitor tests.
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** GET http://127.0.0.1:port/path with node:http (no client-side caching or redirects). */
export function get(port: number, path: string, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET and parse JSON, asserting a 200. */
export async function getJSON<T = Record<string, any>>(port: number, path: string): Promise<T> {
  const r = await get(port, path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return r.json<T>();
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function until<T>(fn: () => T | Promise<T>, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

import { RawConn } from '../helpers/raw.js';

/** Everything a raw connection received up to and including `marker` (rejects after `ms`). */
export async function readUntil(c: RawConn, marker: string, ms = 5000): Promise<string> {
  const m = Buffer.from(marker, 'latin1');
  const ok = await c.until((b) => b.indexOf(m) >= 0, ms);
  if (!ok) throw new Error(`no ${JSON.stringify(marker)} within ${ms}ms; have ${JSON.stringify(c.pending().toString('latin1'))}`);
  const i = c.pending().indexOf(m);
  return c.take(i + m.length).toString('latin1');
}

/** A raw client that sent CONNECT (with `opts`) and got the PONG of a PING. */
export async function rawClient(port: number, opts: Record<string, unknown> = {}, extra = ''): Promise<RawConn> {
  const c = await RawConn.open(port);
  await c.readLine();
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, ...opts })}\r\n${extra}PING\r\n`);
  await readUntil(c, 'PONG\r\n');
  return c;
}
