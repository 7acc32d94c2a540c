// Messages across accounts (nats-server accounts.go, client.go: addShadowSubscriptions,
// processServiceImport, addRespServiceImport, newServiceReply).
//
// Stream imports: when a client of the importing account subscribes to a subject the import covers,
// a *shadow* subscription is put in the exporting account's sublist; messages published there reach
// the client under the imported subject (prefix or `to` applied).
//
// Service imports: the importing account holds an internal subscription on the local subject; a
// request published there is re-published in the exporting account on the exported subject, with
// its reply rewritten to `_R_.<account prefix>.<random>` and a `Nats-Request-Info` header naming the
// requesting account. The exporting account holds one internal subscription on `_R_.<prefix>.>`;
// a response published to such a reply goes back to the original reply subject in the requester's
// account (and the mapping is dropped after one response for Singleton services).
import { randomInt } from 'node:crypto';
import { Subscription } from '../server/subscription.js';
import { SubjectTransform } from './transform.js';
import { hasWildcard, subjectIsSubsetMatch } from '../subjects/subject.js';
import type { Account } from './account.js';
import type { Client } from '../server/client.js';
import { Kind } from '../server/kind.js';

export type ResponseType = 'Singleton' | 'Stream' | 'Chunked';

/** Responses not sent within this time are forgotten (DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD). */
export const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;
/** The reply prefix reserved for service import responses (replyPrefix). */
export const SERVICE_REPLY_PREFIX = '_R_.';
/** The header carrying the requester's account and RTT (ClientInfoHdr). */
export const CLIENT_INFO_HDR = 'Nats-Request-Info';
const HDR_LINE = 'NATS/1.0\r\n';
const JS_NEXT_PREFIX = '$JS.API.CONSUMER.MSG.NEXT.';
const JS_DIRECT_GET_PREFIX = '$JS.API.DIRECT.GET';
const JS_ACK_PREFIX = '$JS.ACK';

/** Set while a server-internal response is delivered through an import (see processServiceImport). */
export let importedResponse = false;

/** Chains of service imports longer than this are dropped (a cycle guard beside the identity check). */
const MAX_IMPORT_DEPTH = 8;

export interface StreamExport {
  subject: string;
  /** Accounts allowed to import; null = public. */
  accounts: Set<string> | null;
  /** Activation token required (JWT exports with token_req). */
  tokenRequired: boolean;
  /**
   * The 1-based token of the subject that must be the importing account's name (the reference's
   * account token position, used by the system account's `$SYS.REQ.ACCOUNT.*.CONNZ` export).
   */
  accountPos?: number;
}

export interface ServiceExport extends StreamExport {
  responseType: ResponseType;
  responseThreshold: number;
}

export interface StreamImport {
  /** The exporting account. */
  acc: Account;
  /** Subject (pattern) in the exporting account. */
  from: string;
  /** The same subject as the importing account sees it. */
  to: string;
  tr: SubjectTransform;
}

export interface ServiceImport {
  /** Where matching messages are re-published: the exporting account, or for a response the requester's. */
  acc: Account;
  /** Subject matched in the account that holds the internal subscription. */
  from: string;
  /** Subject published in `acc` (for a response: the requester's original reply). */
  to: string;
  tr: SubjectTransform | null;
  /** A response mapping (`_R_.…` → original reply). */
  response: boolean;
  /** The internal subscription on `_R_.<prefix>.>` that dispatches to response mappings. */
  respWildcard: boolean;
  responseType: ResponseType;
  threshold: number;
  /** Created (ms), for response expiry. */
  ts: number;
  /** An import of a system service (JetStream's $JS.API.>): the request info also names this server. */
  sysImport?: boolean;
}

// ---------------------------------------------------------------- stream imports: shadow subscriptions

/**
 * Creates the shadow subscriptions of a new subscription in the importing account `acc`
 * (addShadowSubscriptions): exact or wider subscriptions listen on the import's whole subject;
 * narrower ones on their own subject mapped back into the exporter's namespace; partial overlaps on
 * the overlap.
 */
export function addShadowSubscriptions(acc: Account, sub: Subscription): void {
  const imports = acc.streamImports;
  if (imports.length === 0 || sub.client === null) return;
  const subj = sub.subject;
  const wc = hasWildcard(subj);
  for (const im of imports) {
    let target: string | null = null;
    if (subj === im.to) target = im.from;
    else if (subjectIsSubsetMatch(subj, im.to)) target = im.tr.reverse(subj);
    else if (wc && subjectIsSubsetMatch(im.to, subj)) target = im.from;
    else if (wc) {
      const o = overlap(subj, im.to);
      if (o !== null) target = im.tr.reverse(o);
    }
    if (target === null) continue;
    const nsub = new Subscription(sub.client, target, sub.queue, sub.sid);
    nsub.im = im;
    sub.client.debug(`Creating import subscription on ${JSON.stringify(target)} from account ${JSON.stringify(im.acc.name)}`);
    if (!im.acc.sl.insert(nsub)) continue;
    (sub.shadow ??= []).push(nsub);
  }
}

/** Removes a subscription's shadows from the exporting accounts. */
export function removeShadowSubscriptions(sub: Subscription): void {
  const shadow = sub.shadow;
  if (shadow === null) return;
  sub.shadow = null;
  for (const s of shadow) {
    s.closed = true;
    s.im!.acc.sl.remove(s);
  }
}

/** The subject both patterns match when neither contains the other ("foo.*" and "*.bar" → "foo.bar"). */
function overlap(sub: string, imp: string): string | null {
  const a = sub.split('.');
  const b = imp.split('.');
  const out: string[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '>') return [...out, ...b.slice(i)].join('.');
    if (y === '>') return x === undefined ? null : [...out, ...a.slice(i)].join('.');
    if (x === undefined || y === undefined) return null;
    if (x === '*') out.push(y);
    else if (y === '*' || x === y) out.push(x);
    else return null;
  }
  return out.join('.');
}

// ---------------------------------------------------------------- service imports

/** The internal subscription of a service import, in the importing account (addServiceImportSub). */
export function serviceImportSubscription(si: ServiceImport, sid: string): Subscription {
  const sub = new Subscription(null, si.from, null, sid);
  sub.si = si;
  return sub;
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
function randomToken(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += DIGITS[randomInt(DIGITS.length)];
  return s;
}

/**
 * Maps `reply` in the requester's account to a new `_R_.` reply in `exporter`
 * (addRespServiceImport); the first use subscribes the exporter to its `_R_.<prefix>.>`.
 */
function addResponseImport(exporter: Account, requester: Account, reply: string, osi: ServiceImport): ServiceImport {
  if (exporter.siReply === null) {
    exporter.siReply = `${SERVICE_REPLY_PREFIX}${randomToken(6)}.`;
    const wsi: ServiceImport = {
      acc: exporter, from: `${exporter.siReply}>`, to: '', tr: null, response: false, respWildcard: true,
      responseType: 'Singleton', threshold: 0, ts: 0,
    };
    exporter.sl.insert(serviceImportSubscription(wsi, exporter.internalSid()));
  }
  let nrr: string;
  do nrr = exporter.siReply + randomToken(6);
  while (exporter.responses.has(nrr));
  const rsi: ServiceImport = {
    acc: requester, from: nrr, to: reply, tr: null, response: true, respWildcard: false,
    responseType: osi.responseType, threshold: osi.threshold || DEFAULT_RESPONSE_THRESHOLD_MS, ts: Date.now(),
  };
  exporter.addResponse(rsi);
  return rsi;
}

/**
 * `Nats-Request-Info: {"acc":…,"rtt":ns}` (getClientInfo, not shared), placed in the message's header
 * block; `server` is added for imports of system services (addServerAndClusterInfo). A request that
 * already went through an import keeps the first account's info and names the importing account
 * as `svc` (processServiceImport with a previous service import).
 */
function withClientInfo(pub: Client, holder: Account, si: ServiceImport, chained: boolean, buf: Buffer, s: number, e: number, hdr: number): { buf: Buffer; hdr: number } {
  let info: Record<string, unknown> | null = null;
  if (chained && hdr > 2) {
    const prev = headerValue(buf.toString('latin1', s, s + hdr), CLIENT_INFO_HDR);
    if (prev !== null) {
      try {
        const v = JSON.parse(prev) as unknown;
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          const o = v as Record<string, unknown>;
          // Go's ClientInfo field order: acc, svc, then the rest.
          info = { acc: o.acc, svc: holder.name };
          for (const [k, x] of Object.entries(o)) if (k !== 'acc' && k !== 'svc') info[k] = x;
        }
      } catch {
        info = null;
      }
    }
  }
  if (info === null) {
    info = { acc: pub.account.name };
    const rtt = Math.round(pub.rtt * 1e6);
    if (rtt > 0) info.rtt = rtt;
  }
  if (si.sysImport && info.server === undefined) info.server = pub.server.name;
  const line = `${CLIENT_INFO_HDR}: ${JSON.stringify(info)}\r\n`;
  let head: string;
  let bodyStart: number;
  if (hdr > 2) {
    // Keep the original header block without its final CRLF, minus any old info line (setHeader).
    head = removeHeader(buf.toString('latin1', s, s + hdr - 2), CLIENT_INFO_HDR);
    if (head.length === 0) head = HDR_LINE;
    bodyStart = s + hdr;
  } else {
    head = HDR_LINE;
    bodyStart = hdr > 0 ? s + hdr : s;
  }
  const h = Buffer.from(head + line + '\r\n', 'latin1');
  const out = Buffer.allocUnsafe(h.length + (e - bodyStart));
  h.copy(out, 0);
  buf.copy(out, h.length, bodyStart, e);
  return { buf: out, hdr: h.length };
}

/** The value of a `key: value` line of a header block, or null. */
function headerValue(head: string, key: string): string | null {
  const i = head.indexOf(`\r\n${key}:`);
  if (i < 0) return null;
  const start = i + 2 + key.length + 1;
  const end = head.indexOf('\r\n', start);
  return (end < 0 ? head.slice(start) : head.slice(start, end)).trim();
}

/** Drops a `key: value` line from a header block (removeHeaderIfPresent). */
function removeHeader(head: string, key: string): string {
  const i = head.indexOf(`\r\n${key}:`);
  if (i < 0) return head;
  const end = head.indexOf('\r\n', i + 2);
  const out = head.slice(0, i + 2) + (end < 0 ? '' : head.slice(end + 2));
  return out.length <= HDR_LINE.length ? '' : out;
}

/**
 * A message matched a service import subscription in account `holder` (processServiceImport).
 * Returns nothing: the reference counts the match as a delivery whatever happens next.
 */
export function processServiceImport(
  holder: Account, si: ServiceImport, pub: Client | null, subject: string, reply: string,
  buf: Buffer, s: number, e: number, hdr: number, chain: ServiceImport[] | null,
): void {
  // From a route only responses are mapped: the request was imported on the requester's server.
  if (pub !== null && pub.kind === Kind.ROUTER && !si.respWildcard && !si.response) return;
  if (si.respWildcard) {
    const rsi = holder.responses.get(subject);
    if (rsi === undefined) return;
    si = rsi;
  }
  // Cycle detection: a message never goes through the same import twice.
  if (chain !== null && (chain.includes(si) || chain.length >= MAX_IMPORT_DEPTH)) return;
  // JetStream's pull requests and direct gets are answered in the requester's account, never by
  // the system account's $JS.API.> service: skip the import (and the response mapping it would
  // leave behind), as the reference does (processServiceImport checkJS).
  if (si.sysImport && !si.response && (subject.startsWith(JS_NEXT_PREFIX) || subject.startsWith(JS_DIRECT_GET_PREFIX))) return;
  if (si.response && Date.now() - si.ts > si.threshold) {
    holder.removeResponse(si);
    return;
  }
  let nrr = '';
  let rsi: ServiceImport | null = null;
  if (reply.length > 0) {
    // A JetStream ack subject crosses as it is (a pull consumer reached through another account).
    if (reply.startsWith(JS_ACK_PREFIX)) nrr = reply;
    else {
      rsi = addResponseImport(si.acc, holder, reply, si);
      nrr = rsi.from;
    }
  }
  const to = si.response ? si.to : si.tr !== null ? si.tr.apply(subject) : si.to;
  let mbuf = buf, ms = s, me = e, mhdr = hdr;
  if (!si.response && pub !== null) {
    const m = withClientInfo(pub, holder, si, chain !== null, buf, s, e, hdr);
    mbuf = m.buf;
    ms = 0;
    me = m.buf.length;
    mhdr = m.hdr;
  }
  const next = chain === null ? [si] : [...chain, si];
  // A response from a server-internal publisher crosses the import with a plain reply field
  // (`MSG <inbox> <sid> <size>`, one space), as the reference frames it.
  const prevFlag = importedResponse;
  importedResponse = si.response && pub === null;
  let delivered: boolean;
  try {
    delivered = si.acc.deliverLocal(pub, to, nrr, mbuf, ms, me, mhdr, next);
  } finally {
    importedResponse = prevFlag;
  }
  // Response mappings go after the first response (Singleton) or an empty one (end of stream/chunks).
  if (!delivered || (si.response && (si.responseType === 'Singleton' || e === s))) {
    if (si.response) holder.removeResponse(si);
    else if (rsi !== null) si.acc.removeResponse(rsi);
  }
}
