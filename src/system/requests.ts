// $SYS.REQ.* request handlers (events.go initEventTracking, zReq, statszReq, idzReq, kickClient,
// ldmClient, connsRequest): the same monitor functions as the HTTP endpoints, answered as
// `{"server":{…},"data":{…}}`, or `{"server":{…},"error":{"code":400,"description":…}}` for a body
// that does not decode (500 when the function itself fails, with `"data":null`).
import { ClosedState } from '../errors.js';
import { varz } from '../monitor/varz.js';
import { connz, type ConnzOptions } from '../monitor/connz.js';
import { subsz, type SubszOptions } from '../monitor/subsz.js';
import { accountz, accountInfo, accountStatz, type AccountStatzOptions } from '../monitor/accounts.js';
import { healthz, gatewayz, jsz, jetStreamOf } from '../monitor/misc.js';
import type { JszOptions } from '../jetstream/monitor.js';
import { leafz } from '../monitor/leafz.js';
import { routez, type RoutezOptions } from '../monitor/routez.js';
import { statsz } from '../monitor/statsz.js';
import { decodeRequest, type RequestKind, type EventFilter } from './reqopts.js';
import type { SystemService } from './service.js';
import { SYS_DEBUG_SUBSCRIBERS } from './imports.js';
import type { Account } from '../accounts/account.js';
import { hasWildcard, isValidLiteralSubject, subjectIsSubsetMatch } from '../subjects/subject.js';
import { goTrimSpace } from '../protocol/gostrings.js';

/** A handler asked not to answer (errSkipZreq): another server, or nothing to report. */
const SKIP = Symbol('skip');
type Result = unknown | typeof SKIP;

/** An error answered without `data` (the handler returned an untyped nil with it). */
class ApiError extends Error {}

/** Does the request's filter exclude this server (filterRequest)? */
function filteredOut(sys: SystemService, f: EventFilter): boolean {
  const srv = sys.srv;
  const m = (have: string, want: string) => (f.exact_match ? have === want : have.includes(want));
  if (f.server_name && !m(srv.name, f.server_name)) return true;
  if (f.host && !m(srv.opts.host, f.host)) return true;
  if (f.cluster && !m(srv.clusterName, f.cluster)) return true;
  // No tags or JetStream domain yet: a filter on them excludes this server.
  if (f.tags && f.tags.length > 0) return true;
  if (f.domain) return true;
  return false;
}

/** zReq: decode, filter, compute, answer on `reply`. */
function zReq(sys: SystemService, kind: RequestKind, reply: string, msg: Buffer, fn: (opts: Record<string, unknown>) => Result): void {
  if (reply === '') return;
  const d = decodeRequest(kind, msg);
  if ('error' in d) {
    sys.publish(reply, '', { server: null, error: { code: 400, description: d.error } });
    return;
  }
  if (msg.length > 0 && filteredOut(sys, d.filter)) return;
  let data: Result;
  try {
    data = fn(d.opts);
  } catch (err) {
    // An ApiError stands for the reference's `return nil, err` (no data); the monitor functions'
    // errors for a typed nil (`"data":null`).
    const error = { code: 500, description: (err as Error).message };
    sys.publish(reply, '', err instanceof ApiError ? { server: null, error } : { server: null, data: null, error });
    return;
  }
  if (data === SKIP) return;
  sys.publish(reply, '', data === undefined ? { server: null } : { server: null, data });
}

/** The account token of `$SYS.REQ.ACCOUNT.<acc>.<EP>`. */
function accountOf(subject: string): string {
  const t = subject.split('.');
  if (t.length !== 5) throw new ApiError(`subject "${subject}" is malformed`);
  return t[3];
}

export function registerRequests(sys: SystemService): void {
  const srv = sys.srv;
  const id = srv.id;

  // The legacy ping: statsz from every server; with no reply, on the broadcast subject.
  const statszReq = (reply: string, msg: Buffer) => {
    const to = reply || `$SYS.SERVER.${id}.STATSZ`;
    const d = decodeRequest('StatszEventOptions', msg);
    if ('error' in d) {
      sys.publish(to, '', { server: null, error: { code: 400, description: d.error } });
      return;
    }
    if (msg.length > 0 && filteredOut(sys, d.filter)) return;
    sys.publish(to, '', { server: null, statsz: statsz(srv, 1 + sys.servers.size) });
  };
  sys.subscribe('$SYS.REQ.SERVER.PING', (_s, reply, msg) => statszReq(reply, msg));

  const server: Record<string, (reply: string, msg: Buffer) => void> = {
    STATSZ: statszReq,
    IDZ: (reply) => {
      if (reply) sys.publish(reply, '', { name: srv.name, host: srv.opts.host, id });
    },
    VARZ: (reply, msg) => zReq(sys, 'VarzEventOptions', reply, msg, () => varz(srv)),
    SUBSZ: (reply, msg) => zReq(sys, 'SubszEventOptions', reply, msg, (o) => subsz(srv, o as SubszOptions)),
    CONNZ: (reply, msg) => zReq(sys, 'ConnzEventOptions', reply, msg, (o) => connz(srv, o as ConnzOptions)),
    ROUTEZ: (reply, msg) => zReq(sys, 'RoutezEventOptions', reply, msg, (o) => routez(srv, o as RoutezOptions)),
    GATEWAYZ: (reply, msg) => zReq(sys, 'GatewayzEventOptions', reply, msg, () => gatewayz(srv)),
    LEAFZ: (reply, msg) => zReq(sys, 'LeafzEventOptions', reply, msg, (o) => leafz(srv, { subscriptions: o.subscriptions === true, account: typeof o.account === 'string' ? o.account : undefined })),
    ACCOUNTZ: (reply, msg) => zReq(sys, 'AccountzEventOptions', reply, msg, (o) => accountz(srv, { account: o.account as string | undefined })),
    JSZ: (reply, msg) => zReq(sys, 'JszEventOptions', reply, msg, (o) => jsz(srv, o as JszOptions)),
    HEALTHZ: (reply, msg) => zReq(sys, 'HealthzEventOptions', reply, msg, () => healthz(srv)),
  };
  for (const [ep, h] of Object.entries(server)) {
    sys.subscribe(`$SYS.REQ.SERVER.${id}.${ep}`, (_s, reply, msg) => h(reply, msg));
    sys.subscribe(`$SYS.REQ.SERVER.PING.${ep}`, (_s, reply, msg) => h(reply, msg));
  }

  // KICK: close a connection with reason Kicked (2.10). LDM: tell it the server is going away.
  sys.subscribe(`$SYS.REQ.SERVER.${id}.KICK`, (_s, reply, msg) => {
    zReq(sys, 'KickClientReq', reply, msg, (o) => {
      if (!srv.closeClient(Number(o.cid ?? 0), ClosedState.Kicked)) throw new ApiError('no such client id');
      return undefined;
    });
  });
  sys.subscribe(`$SYS.REQ.SERVER.${id}.LDM`, (_s, reply, msg) => {
    zReq(sys, 'LDMClientReq', reply, msg, (o) => {
      const c = srv.clients.get(Number(o.cid ?? 0));
      if (!c) throw new ApiError('no such client id');
      // Only clients that understand async INFO (protocol 1) get it.
      if (c.opts.protocol >= 1) c.sendInfo({ ldm: true });
      return undefined;
    });
  });

  // RELOAD (2.10): the configuration reloaded as SIGHUP does (Server.reloadConfig); `{"server"}`
  // when it applied, else error 500 with the reason (`can only reload config when a file is
  // provided using -c or --config` for a server without a reloader).
  sys.subscribe(`$SYS.REQ.SERVER.${id}.RELOAD`, (_s, reply, msg) => {
    zReq(sys, 'EventFilterOptions', reply, msg, () => {
      const r = srv.reloadConfig();
      if (!r.ok) throw new ApiError(r.error ?? 'reload failed');
      return undefined;
    });
  });

  // $SYS.DEBUG.SUBSCRIBERS: how many client subscriptions of the requester's account a message on
  // the subject in the body (optionally `subject queue`) would reach; the answer is the bare number.
  sys.subscribe(SYS_DEBUG_SUBSCRIBERS, (_s, reply, msg, client) => {
    if (client === null || reply === '') return;
    sys.publishRaw(reply, String(countSubscribers(client.account, msg.toString('utf8'))));
  });

  // Per account: $SYS.REQ.ACCOUNT.<acc>.<EP>.
  const perAccount: Record<string, (subject: string, reply: string, msg: Buffer) => void> = {
    SUBSZ: (subject, reply, msg) => zReq(sys, 'SubszEventOptions', reply, msg, (o) => subsz(srv, { ...(o as SubszOptions), subscriptions: true, account: accountOf(subject) })),
    CONNZ: (subject, reply, msg) => zReq(sys, 'ConnzEventOptions', reply, msg, (o) => connz(srv, { ...(o as ConnzOptions), acc: accountOf(subject) })),
    LEAFZ: (subject, reply, msg) => zReq(sys, 'LeafzEventOptions', reply, msg, (o) => leafz(srv, { subscriptions: o.subscriptions === true, account: accountOf(subject) })),
    // JszAccount returns a typed nil with its error: `"data":null`.
    JSZ: (subject, reply, msg) => zReq(sys, 'JszEventOptions', reply, msg, (o) => {
      const name = accountOf(subject);
      const js = jetStreamOf(srv);
      if (js === null || !js.running) throw new Error('jetstream not enabled');
      const d = js.jszAccount(name, o as JszOptions);
      if ('error' in d && typeof d.error === 'string') throw new Error(d.error);
      return d;
    }),
    INFO: (subject, reply, msg) => zReq(sys, 'AccInfoEventOptions', reply, msg, () => accountInfo(srv, accountOf(subject))),
    // STATZ: an account with no connections is not reported unless include_unused.
    STATZ: (subject, reply, msg) => zReq(sys, 'AccountStatzEventOptions', reply, msg, (o) => {
      const acc = accountOf(subject);
      if (acc === 'PING') return SKIP;
      const stz = accountStatz(srv, { ...(o as AccountStatzOptions), accounts: [acc] });
      return stz.account_statz.length === 0 && !o.include_unused ? SKIP : stz;
    }),
    // CONNS: the account's AccountNumConns event, answered only when it has connections here.
    CONNS: (subject, reply) => {
      const a = srv.accounts.get(accountOf(subject));
      if (!a || reply === '') return;
      if (a.numConnections > 0) sys.accConnsUpdate(a, reply);
    },
  };
  for (const [ep, h] of Object.entries(perAccount)) {
    sys.subscribe(`$SYS.REQ.ACCOUNT.*.${ep}`, (subject, reply, msg) => {
      try {
        h(subject, reply, msg);
      } catch {
        /* malformed subject: ignored, as the reference logs and drops it */
      }
    });
  }
  sys.subscribe('$SYS.REQ.ACCOUNT.PING.STATZ', (_s, reply, msg) => {
    zReq(sys, 'AccountStatzEventOptions', reply, msg, (o) => {
      const stz = accountStatz(srv, o as AccountStatzOptions);
      return stz.account_statz.length === 0 && !o.include_unused ? SKIP : stz;
    });
  });
}

/**
 * debugSubscribers: client subscriptions in `acc` that match `subject` (a literal subject: those a
 * message on it reaches; a wildcard: those whose subject is within it), of `queue` when given.
 */
export function countSubscribers(acc: Account, body: string): number {
  const args = goTrimSpace(body).split(' '); // strings.TrimSpace: Go's unicode.IsSpace, not JS's trim()
  const subject = args[0];
  const queue = args.length > 1 ? args[1] : null;
  const counts = (s: { client: unknown; queue: string | null }) => s.client !== null && (queue === null || s.queue === queue);
  let n = 0;
  if (!hasWildcard(subject)) {
    if (!isValidLiteralSubject(subject)) return 0;
    const r = acc.sl.match(subject);
    if (queue === null) for (const s of r.psubs) if (counts(s)) n++;
    for (const g of r.qsubs) for (const s of g) if (counts(s)) n++;
    return n;
  }
  for (const s of acc.sl.all()) if (counts(s) && subjectIsSubsetMatch(s.subject, subject)) n++;
  return n;
}
