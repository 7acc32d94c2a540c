// The server a hostile scenario runs against: tsnats in-process (so its connections, subscriptions and
// timers can be inspected) or nats-server as a child with its HTTP monitor (so its close reasons can be
// read from /connz?state=closed). Both get the same limits: as ServerOptions for tsnats, as a config
// file for nats-server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer as startTsnats, type Server } from '../../../src/index.js';
import type { ServerOptions } from '../../../src/options.js';
import { startServer, type TestServer } from '../../helpers/servers.js';

export interface Limits {
  pingInterval?: number;
  pingMax?: number;
  maxControlLine?: number;
  maxPayload?: number;
  maxSubscriptions?: number;
  maxPending?: number;
  writeDeadline?: number;
  /** user/password auth with this timeout (ms). */
  auth?: { user: string; pass: string; timeoutMs: number };
  /** TLS on the client port (files), verify client certificates, handshake timeout (ms). */
  tls?: { cert: string; key: string; ca?: string; verify?: boolean; timeoutMs?: number };
}

export interface Target {
  kind: 'tsnats' | 'nats-server';
  port: number;
  url: string;
  /** The in-process server (tsnats only). */
  srv: Server | null;
  /** Log lines so far (tsnats: as logged; nats-server: its output). */
  logs(): string[];
  /** The close reason of the connection from client port `clientPort`, once the server has closed it. */
  reasonOf(clientPort: number, timeoutMs?: number): Promise<string | null>;
  /** The server process is still running (always true in-process: a crash would end the test run). */
  alive(): boolean;
  stop(): Promise<void>;
}

export function toOptions(l: Limits): Partial<ServerOptions> {
  const o: Partial<ServerOptions> = { host: '127.0.0.1', port: 0 };
  if (l.pingInterval !== undefined) o.pingInterval = l.pingInterval;
  if (l.pingMax !== undefined) o.pingMax = l.pingMax;
  if (l.maxControlLine !== undefined) o.maxControlLine = l.maxControlLine;
  if (l.maxPayload !== undefined) o.maxPayload = l.maxPayload;
  if (l.maxSubscriptions !== undefined) o.maxSubscriptions = l.maxSubscriptions;
  if (l.maxPending !== undefined) o.maxPending = l.maxPending;
  if (l.writeDeadline !== undefined) o.writeDeadline = l.writeDeadline;
  if (l.auth) { o.username = l.auth.user; o.password = l.auth.pass; o.authTimeout = l.auth.timeoutMs; }
  if (l.tls) o.tls = { certFile: l.tls.cert, keyFile: l.tls.key, caFile: l.tls.ca, verify: l.tls.verify ?? false, timeoutMs: l.tls.timeoutMs ?? 0 };
  return o;
}

/** The same limits as nats.conf. */
export function toConfig(l: Limits): string {
  const lines: string[] = [];
  if (l.pingInterval !== undefined) lines.push(`ping_interval: "${l.pingInterval}ms"`);
  if (l.pingMax !== undefined) lines.push(`ping_max: ${l.pingMax}`);
  if (l.maxControlLine !== undefined) lines.push(`max_control_line: ${l.maxControlLine}`);
  if (l.maxPayload !== undefined) lines.push(`max_payload: ${l.maxPayload}`);
  if (l.maxSubscriptions !== undefined) lines.push(`max_subscriptions: ${l.maxSubscriptions}`);
  if (l.maxPending !== undefined) lines.push(`max_pending: ${l.maxPending}`);
  if (l.writeDeadline !== undefined) lines.push(`write_deadline: "${l.writeDeadline}ms"`);
  if (l.auth) lines.push(`authorization {\n  user: ${l.auth.user}\n  password: ${l.auth.pass}\n  timeout: ${l.auth.timeoutMs / 1000}\n}`);
  if (l.tls) {
    const t = l.tls;
    lines.push(`tls {\n  cert_file: "${t.cert}"\n  key_file: "${t.key}"\n${t.ca ? `  ca_file: "${t.ca}"\n` : ''}  verify: ${t.verify ?? false}\n${t.timeoutMs ? `  timeout: ${t.timeoutMs / 1000}\n` : ''}}`);
  }
  return lines.join('\n') + '\n';
}

async function poll<T>(f: () => T | null | Promise<T | null>, timeoutMs: number): Promise<T | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > until) return null;
    await sleep(20);
  }
}

export async function tsnatsTarget(l: Limits, extra: Partial<ServerOptions> = {}): Promise<Target> {
  const lines: string[] = [];
  const srv = await startTsnats({ ...toOptions(l), log: (line: string) => { lines.push(line); }, ...extra });
  return {
    kind: 'tsnats',
    port: srv.port,
    url: srv.url,
    srv,
    logs: () => lines,
    reasonOf: (clientPort, timeoutMs = 10_000) =>
      poll(() => srv.closedClients.list().find((c) => c.port === clientPort)?.reason ?? null, timeoutMs),
    alive: () => true,
    stop: () => srv.shutdown(),
  };
}

function getJSON(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    }).on('error', reject);
  });
}

export async function referenceTarget(l: Limits): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'tsnats-hostile-'));
  const config = join(dir, 'ref.conf');
  await writeFile(config, toConfig(l));
  let ts: TestServer;
  try {
    ts = await startServer('nats-server', { config, monitor: true });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    kind: 'nats-server',
    port: ts.port,
    url: ts.url,
    srv: null,
    logs: () => ts.output().split('\n'),
    reasonOf: (clientPort, timeoutMs = 10_000) => poll(async () => {
      const r = (await getJSON(ts.httpPort!, '/connz?state=closed&limit=100000')) as { connections?: { port: number; reason: string }[] };
      return r.connections?.find((c) => c.port === clientPort)?.reason ?? null;
    }, timeoutMs),
    alive: () => ts.proc.exitCode === null && ts.proc.signalCode === null,
    stop: async () => {
      await ts.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
