// The ring of the last max_closed_clients closed connections, with their stats and reason, for
// /connz?state=closed (nats-server keeps a closedRingBuffer of ConnInfo).
import type { Client } from './client.js';
import { KIND_NAMES } from './kind.js';

export interface ClosedSub {
  subject: string;
  queue: string | null;
  sid: string;
  msgs: number;
  max: number;
}

/** A snapshot of a connection at close time. */
export interface ClosedClientInfo {
  cid: number;
  kind: string;
  type: string;
  ip: string;
  port: number;
  start: Date;
  lastActivity: Date;
  stop: Date;
  reason: string;
  /** ms, 0 = unknown */
  rtt: number;
  pendingBytes: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  subs: ClosedSub[];
  name: string;
  lang: string;
  version: string;
  user: string;
  account: string;
  stalls: number;
  /** TLS version and suite in Go's names ('' for plaintext or a failed handshake). */
  tlsVersion: string;
  tlsCipher: string;
  tlsFirst: boolean;
  /** Why TLS or the certificate mapping failed (tsnats extension), '' otherwise. */
  tlsError: string;
}

export function closedInfo(c: Client): ClosedClientInfo {
  const subs: ClosedSub[] = [];
  for (const s of c.subsAtClose ?? (c.subs ? [...c.subs.values()] : [])) {
    subs.push({ subject: s.subject, queue: s.queue, sid: s.sid, msgs: s.nm, max: s.max });
  }
  return {
    cid: c.cid,
    kind: KIND_NAMES[c.kind],
    type: c.type,
    ip: c.host,
    port: c.port,
    start: c.start,
    lastActivity: new Date(c.last),
    stop: c.stop ?? new Date(),
    reason: c.reason ?? 'Unknown State',
    rtt: c.rtt,
    pendingBytes: 0,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    subs,
    name: c.opts.name,
    lang: c.opts.lang,
    version: c.opts.version,
    user: c.user,
    account: c.account?.name ?? '',
    stalls: c.stalls,
    tlsVersion: c.tls?.version ?? '',
    tlsCipher: c.tls?.cipher ?? '',
    tlsFirst: c.tls?.first ?? false,
    tlsError: c.tlsError,
  };
}

/** A fixed-size ring: the newest `size` entries, oldest first on iteration. */
export class ClosedRing {
  private buf: (ClosedClientInfo | undefined)[];
  private next = 0;
  private count = 0;
  /** Total ever added (a cid that fell out of the ring is still counted). */
  total = 0;

  constructor(private size: number) {
    this.buf = new Array(Math.max(size, 0));
  }

  add(info: ClosedClientInfo): void {
    this.total++;
    if (this.size <= 0) return;
    this.buf[this.next] = info;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** Oldest first. */
  list(): ClosedClientInfo[] {
    const out: ClosedClientInfo[] = [];
    const start = this.count < this.size ? 0 : this.next;
    for (let i = 0; i < this.count; i++) out.push(this.buf[(start + i) % this.size]!);
    return out;
  }
}
