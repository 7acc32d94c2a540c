// The JetStream API (jetstream_api.go apiDispatch, sendAPIResponse, getRequestInfo): requests reach
// the system account's `$JS.API.>` subscription through every account's import, carrying a
// `Nats-Request-Info` header that names the requesting account. A subject no handler matches gets
// no answer at all (quirk 9). Responses go back through the import's reply mapping; every answered
// call is counted in the account's API stats and audited on $JS.EVENT.ADVISORY.API.
//
// Handlers are registered by subject pattern (tokens; `*` one token, `>` the rest): the stream APIs
// here (api-stream.ts, api-account.ts); the consumer layer (issue 20) registers its own with
// `api.register(pattern, handler)`.
import type { Account } from '../accounts/account.js';
import type { Client } from '../server/client.js';
import type { JetStream } from './service.js';
import type { JsAccount } from './jsaccount.js';
import { getHeader } from './headers.js';
import { goJson } from './json.js';
import { jsErr, type ApiError } from './errors.js';
import { registerStreamApi } from './api-stream.js';
import { registerAccountApi } from './api-account.js';
import { registerConsumerApi } from './api-consumer.js';

export const API_PREFIX = '$JS.API';
const CLIENT_INFO_HDR = 'Nats-Request-Info';
const AUDIT_SUBJECT = '$JS.EVENT.ADVISORY.API';

/** One API request, as a handler sees it. */
export interface ApiRequest {
  subject: string;
  /** Subject tokens. */
  tokens: string[];
  reply: string;
  /** The body as text (what the audit advisory quotes). */
  msg: string;
  /** The raw body. */
  body: Buffer;
  /** The requesting account (from Nats-Request-Info, or the system account for its own clients). */
  acc: Account;
  /** Its JetStream, or undefined when the account has none. */
  jsa: JsAccount | undefined;
  /** The Nats-Request-Info JSON as received (the audit's `client`). */
  clientInfo: Record<string, unknown> | null;
  /** The connection that published the request (null for internal publishers). */
  client: Client | null;
}

/**
 * What a handler answers: a response object (JSON, keys in the reference's order), or null for no
 * answer. `error` in the object marks it as an error response for the counters; `noAudit` sends it
 * without counting or auditing (a successful MSG.GET).
 */
export interface ApiAnswer {
  body: Record<string, unknown>;
  noAudit?: boolean;
  /** Counted as a success even with an `error` (MSG.DELETE's 10043). */
  countAsSuccess?: boolean;
}

export type ApiHandler = (req: ApiRequest) => ApiAnswer | null | undefined;

interface Route {
  pattern: string[];
  handler: ApiHandler;
}

/** The response type names (`io.nats.jetstream.api.v1.` + name). */
export function apiType(name: string): string {
  return `io.nats.jetstream.api.v1.${name}`;
}

/** An error answer of type `type` with the fields its Go struct always prints. */
export function errorAnswer(type: string, err: ApiError, extra: Record<string, unknown> = {}): ApiAnswer {
  return { body: { type: apiType(type), error: err, ...extra } };
}

export class JsApi {
  private readonly routes: Route[] = [];

  constructor(readonly js: JetStream) {
    registerAccountApi(this);
    registerStreamApi(this);
    registerConsumerApi(this);
  }

  /** Adds a handler for a subject pattern below $JS.API (e.g. 'STREAM.CREATE.*'). */
  register(pattern: string, handler: ApiHandler): void {
    this.routes.push({ pattern: `${API_PREFIX}.${pattern}`.split('.'), handler });
  }

  private route(tokens: string[]): ApiHandler | null {
    let found: Route | null = null;
    for (const r of this.routes) {
      if (!tokensMatch(tokens, r.pattern)) continue;
      // More than one handler for a subject: the reference logs and answers nothing.
      if (found !== null) return null;
      found = r;
    }
    return found?.handler ?? null;
  }

  /** A request arrived on the system account's $JS.API.> subscription (apiDispatch). */
  dispatch(subject: string, reply: string, hdr: Buffer | null, body: Buffer, client: Client | null): void {
    const js = this.js;
    const sys = js.srv.sysAcc;
    const h = hdr !== null ? hdr.toString('latin1') : '';
    const infoText = h ? getHeader(CLIENT_INFO_HDR, h) : null;
    let acc: Account | undefined;
    let clientInfo: Record<string, unknown> | null = null;
    if (infoText === null || infoText === '') {
      // Only the system account's own clients get through without the header, and only to
      // $JS.API.INFO and ACCOUNT.PURGE (a direct system subscription in the reference).
      if (client === null || client.account !== sys) return;
      if (subject !== '$JS.API.INFO' && !subject.startsWith('$JS.API.ACCOUNT.PURGE.')) return;
      acc = sys ?? undefined;
    } else {
      try {
        const v = JSON.parse(infoText) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        clientInfo = v as Record<string, unknown>;
      } catch {
        js.log.warn(`Malformed JetStream API Request: ${JSON.stringify(body.toString('utf8'))}`);
        return;
      }
      const svc = clientInfo.svc;
      const name = typeof svc === 'string' && svc !== '' ? svc : clientInfo.acc;
      acc = typeof name === 'string' ? js.srv.accounts.get(name) : undefined;
      if (acc === undefined) {
        js.log.warn(`Malformed JetStream API Request: ${JSON.stringify(body.toString('utf8'))}`);
        return;
      }
    }
    if (acc === undefined) return;
    const tokens = subject.split('.');
    const handler = this.route(tokens);
    if (handler === null) return;
    const msg = body.toString('utf8');
    const req: ApiRequest = { subject, tokens, reply, msg, body, acc, jsa: js.lookupAccount(acc), clientInfo, client };
    let ans: ApiAnswer | null | undefined;
    try {
      ans = handler(req);
    } catch (err) {
      // A bug must not take the server down: log it and answer nothing.
      js.log.error(`JetStream API handler for ${subject} failed: ${(err as Error).stack ?? err}`);
      return;
    }
    if (!ans) return;
    this.respond(req, ans);
  }

  /** sendAPIResponse / sendAPIErrResponse: counters, the reply, the audit advisory. */
  respond(req: ApiRequest, ans: ApiAnswer): void {
    const text = goJson(ans.body);
    if (ans.noAudit) {
      this.reply(req.reply, text);
      return;
    }
    const isErr = ans.body.error !== undefined && !ans.countAsSuccess;
    const jsa = req.jsa;
    if (jsa !== undefined) {
      jsa.apiTotal++;
      this.js.apiTotal++;
      if (isErr) {
        jsa.apiErrors++;
        this.js.apiErrors++;
      }
    }
    this.reply(req.reply, text);
    this.audit(req, text);
  }

  /** The response, published in the system account (it crosses the import back to the requester). */
  reply(reply: string, text: string): void {
    const sys = this.js.srv.sysAcc;
    if (reply === '' || sys === null) return;
    const buf = Buffer.from(text, 'utf8');
    sys.deliverLocal(null, reply, '', buf, 0, buf.length, -1);
  }

  /** $JS.EVENT.ADVISORY.API in the requester's account (sendJetStreamAPIAuditAdvisory). */
  private audit(req: ApiRequest, response: string): void {
    const js = this.js;
    js.publishAdvisory(req.acc, AUDIT_SUBJECT, () => ({
      ...js.typed('io.nats.jetstream.advisory.v1.api_audit'),
      server: js.srv.name,
      client: req.clientInfo ?? { acc: req.acc.name },
      subject: req.subject,
      request: req.msg || undefined,
      response,
      domain: js.config.domain || undefined,
    }));
  }

  /** 503/10039 for an account without JetStream, with the response's always-printed fields. */
  notEnabled(type: string, extra: Record<string, unknown> = {}): ApiAnswer {
    return errorAnswer(type, jsErr('JSNotEnabledForAccountErr'), extra);
  }
}

/** Does a subject (tokens) match a pattern (tokens with `*` and `>`)? */
function tokensMatch(subject: string[], pattern: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return subject.length === pattern.length;
}
