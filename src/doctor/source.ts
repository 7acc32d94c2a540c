// Reading a server's monitoring, over HTTP (/varz, /connz, /accountz) or through the system account
// ($SYS.REQ.SERVER.<id>.VARZ …, the same answers), into a Sample.
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AccountUse, Conn, Json, Sample } from './types.js';
import { sysConnect, type SysAuth, type SysConn } from './sys.js';
import { probeClientPort, probeHttps, type DoctorTls, type TlsProbe } from './tls.js';

export interface ConnzQuery {
  state?: 'open' | 'closed';
  sort?: string;
  offset?: number;
  limit?: number;
  auth?: boolean;
}

/** The endpoints a Sample needs. */
export interface Transport {
  readonly url: string;
  varz(): Promise<Json>;
  connz(q: ConnzQuery): Promise<Json>;
  accountz(acc?: string): Promise<Json>;
  routez(): Promise<Json>;
  /** /jsz with accounts, streams, consumers and their configs. */
  jsz(): Promise<Json>;
  leafz(): Promise<Json>;
  /** The transport's own connection, when it has one. */
  readonly selfCid?: number;
  /** The doctor's client-side TLS settings (CA, certificate), for its probes. */
  readonly tls: DoctorTls;
  close(): Promise<void>;
}

/** http(s)://host:port[/base] → the monitoring endpoints under it. */
export class HttpTransport implements Transport {
  private readonly base: string;
  constructor(readonly url: string, private readonly timeoutMs = 5000, readonly tls: DoctorTls = {}) {
    this.base = url.replace(/\/+$/, '');
  }

  private async get(path: string): Promise<Json> {
    const u = this.base + path;
    let status: number;
    let text: string;
    try {
      ({ status, text } = /^https:/i.test(u) ? await this.httpsGet(u) : await plainGet(u, this.timeoutMs));
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string }; code?: string };
      throw new Error(`GET ${u}: ${err.cause?.code ?? err.cause?.message ?? err.code ?? err.message}`);
    }
    if (status !== 200) throw new Error(`GET ${u}: ${status} ${text.trim()}`);
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new Error(`GET ${u}: not JSON (is this a NATS monitoring port?)`);
    }
  }

  varz(): Promise<Json> {
    return this.get('/varz');
  }

  connz(q: ConnzQuery): Promise<Json> {
    const p = new URLSearchParams();
    if (q.state === 'closed') p.set('state', 'closed');
    if (q.sort) p.set('sort', q.sort);
    if (q.offset) p.set('offset', String(q.offset));
    if (q.limit) p.set('limit', String(q.limit));
    if (q.auth) p.set('auth', '1');
    return this.get(`/connz?${p}`);
  }

  accountz(acc?: string): Promise<Json> {
    return this.get(acc ? `/accountz?acc=${encodeURIComponent(acc)}` : '/accountz');
  }

  /**
   * HTTPS without refusing the certificate: the doctor sends no secret to the monitor, and an
   * expired or wrong-host certificate is what it reports (TLS_001, TLS_002, from its probe), so it
   * must still read the server. The client certificate, if given, is offered.
   */
  private httpsGet(u: string): Promise<{ status: number; text: string }> {
    const t = this.tls;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(u, {
        agent: false,
        timeout: this.timeoutMs,
        rejectUnauthorized: false,
        ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
        ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
        ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  routez(): Promise<Json> {
    return this.get('/routez');
  }

  jsz(): Promise<Json> {
    return this.get('/jsz?accounts=true&streams=true&consumers=true&config=true');
  }

  leafz(): Promise<Json> {
    return this.get('/leafz');
  }

  async close(): Promise<void> {}
}

async function plainGet(u: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await fetch(u, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}

/** nats://host:port with a system-account user → `$SYS.REQ.SERVER.<id>.<EP>` requests. */
export class SysTransport implements Transport {
  private constructor(readonly url: string, private readonly sys: SysConn, private readonly id: string, readonly tls: DoctorTls) {}

  static async open(url: string, auth: SysAuth, serverId?: string, timeoutMs = 5000, tls: DoctorTls = {}): Promise<SysTransport> {
    const sys = await sysConnect(url, auth, timeoutMs, tls);
    return new SysTransport(url, sys, serverId || sys.serverId, tls);
  }

  get selfCid(): number | undefined {
    return this.sys.cid;
  }

  private req(ep: string, body: unknown): Promise<Json> {
    return this.sys.request(`$SYS.REQ.SERVER.${this.id}.${ep}`, body);
  }

  varz(): Promise<Json> {
    return this.req('VARZ', {});
  }

  connz(q: ConnzQuery): Promise<Json> {
    // Request bodies carry the options with their JSON names; `state` is numeric (1 = closed).
    return this.req('CONNZ', { ...(q.state === 'closed' ? { state: 1 } : {}), sort: q.sort, offset: q.offset, limit: q.limit, auth: q.auth });
  }

  accountz(acc?: string): Promise<Json> {
    return this.req('ACCOUNTZ', acc ? { account: acc } : {});
  }

  routez(): Promise<Json> {
    return this.req('ROUTEZ', {});
  }

  jsz(): Promise<Json> {
    // JSzOptions with their JSON names (`consumer`, singular).
    return this.req('JSZ', { accounts: true, streams: true, consumer: true, config: true });
  }

  leafz(): Promise<Json> {
    return this.req('LEAFZ', {});
  }

  close(): Promise<void> {
    return this.sys.close();
  }
}

export interface Target {
  url: string;
  auth: SysAuth;
  serverId?: string;
  timeoutMs?: number;
  tls?: DoctorTls;
}

/** The transport for a URL: http(s) → HTTP monitoring, nats/tls → the system account. */
export async function openTransport(t: Target): Promise<Transport> {
  const u = t.url;
  if (/^https?:\/\//i.test(u)) return new HttpTransport(u, t.timeoutMs, t.tls);
  if (/^(nats|tls):\/\//i.test(u) || !u.includes('://')) {
    const { url, auth } = splitUserInfo(u.includes('://') ? u : `nats://${u}`, t.auth);
    if (!auth.user && !auth.creds) throw new Error(`${u}: reading a server through $SYS needs a system-account user (--user/--password or --creds); or give its monitoring URL (http://host:8222)`);
    return SysTransport.open(url, auth, t.serverId, t.timeoutMs, t.tls);
  }
  throw new Error(`${u}: expected http://host:port (monitoring) or nats://host:port (system account)`);
}

/** `nats://user:pass@host:port` → the URL without them, and them as the auth (flags win). */
export function splitUserInfo(u: string, auth: SysAuth): { url: string; auth: SysAuth } {
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    return { url: u, auth };
  }
  if (!parsed.username) return { url: u, auth };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/$/, ''), auth: auth.user || auth.creds ? auth : { user, password } };
}

/** At most this many open connections are read (1024 a page). */
export const MAX_CONNS = 20_000;
/** Closed connections looked at (the newest). */
export const CLOSED_LIMIT = 1000;
/** Accounts whose details are read. */
export const MAX_ACCOUNTS = 500;

/** Every open connection, page by page. */
export async function allConns(t: Transport, sort?: string, max = MAX_CONNS): Promise<Conn[]> {
  const out: Conn[] = [];
  for (let offset = 0; out.length < max; ) {
    const page = await t.connz({ auth: true, sort, offset, limit: 1024 });
    const conns = (page.connections ?? []) as Conn[];
    out.push(...conns);
    offset += conns.length;
    if (conns.length === 0 || offset >= (page.total ?? 0)) break;
  }
  return out;
}

/** One reading of the server. */
export async function collect(t: Transport): Promise<Sample> {
  const notes: string[] = [];
  const varz = await t.varz();
  const conns = (await allConns(t)).filter((c) => c.cid !== t.selfCid);
  let closed: Conn[] | null = null;
  let closedLeafs: Conn[] | null = null;
  try {
    const cz = await t.connz({ state: 'closed', sort: 'stop', limit: CLOSED_LIMIT, auth: true });
    const all = (cz.connections ?? []) as Conn[];
    // Closed leaf connections are in the same ring (saveClosedClient): the leaf checks read them.
    closed = all.filter((c) => c.kind !== 'Leafnode');
    closedLeafs = all.filter((c) => c.kind === 'Leafnode');
  } catch (e) {
    notes.push(`closed connections unavailable: ${(e as Error).message}`);
  }
  let routez: Json | null = null;
  try {
    routez = await t.routez();
  } catch (e) {
    notes.push(`routes unavailable: ${(e as Error).message}`);
  }
  let leafz: Json | null = null;
  try {
    leafz = await t.leafz();
  } catch (e) {
    notes.push(`leafz unavailable: ${(e as Error).message}`);
  }
  let accounts: AccountUse[] | null = null;
  try {
    accounts = await accountUse(t, varz.system_account);
  } catch (e) {
    notes.push(`accounts unavailable: ${(e as Error).message}`);
  }
  let jsz: Json | null = null;
  try {
    jsz = (await t.jsz()) ?? { disabled: true };
  } catch (e) {
    // A server without JetStream may answer $SYS's JSZ with an error saying so: nothing to check.
    if (/not enabled/i.test((e as Error).message)) jsz = { disabled: true };
    else notes.push(`jetstream unavailable: ${(e as Error).message}`);
  }
  const tls = await probeListeners(t, varz);
  const now = Date.parse(varz.now);
  return { takenAt: Date.now(), now: Number.isFinite(now) ? now : Date.now(), varz, conns, closed, closedLeafs, routez, leafz, accounts, jsz, notes, selfCid: t.selfCid, tls };
}

/**
 * The listeners' TLS as a client sees it: the client port (the URL's host, /varz's port) and an
 * HTTPS monitor. The host is the one the doctor was given: the name clients use, presumably.
 */
export async function probeListeners(t: Transport, varz: Json): Promise<TlsProbe[]> {
  let u: URL;
  try {
    u = new URL(t.url.includes('://') ? t.url : `nats://${t.url}`);
  } catch {
    return [];
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const monitor = /^https?:$/i.test(u.protocol);
  const clientPort = monitor ? Number(varz.port) : Number(u.port || 4222);
  const out: Promise<TlsProbe>[] = [];
  if (Number.isInteger(clientPort) && clientPort > 0) out.push(probeClientPort(host, clientPort, t.tls));
  if (/^https:$/i.test(u.protocol)) out.push(probeHttps(host, Number(u.port || 443), t.tls));
  return Promise.all(out);
}

/**
 * Connections and limit of each account (the system account left out). The limit comes from
 * tsnats's `limits.max_connections` (extension), or a JWT account's `decoded_jwt.nats.limits.conn`;
 * nats-server does not publish the limits of accounts from its config file.
 */
async function accountUse(t: Transport, sysAccount: string | undefined): Promise<AccountUse[]> {
  const list = await t.accountz();
  const names = ((list.accounts ?? []) as string[]).filter((n) => n !== sysAccount && n !== list.system_account).slice(0, MAX_ACCOUNTS);
  const out: AccountUse[] = [];
  for (const name of names) {
    const d = (await t.accountz(name)).account_detail as Json | undefined;
    if (!d) continue;
    const lim = d.limits?.max_connections ?? d.decoded_jwt?.nats?.limits?.conn;
    out.push({ name, conns: d.client_connections ?? 0, limit: typeof lim === 'number' ? lim : null });
  }
  return out;
}
