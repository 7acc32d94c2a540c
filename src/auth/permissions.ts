// Publish/subscribe permissions of one connection (nats-server client.go: setPermissions,
// pubAllowedFullCheck, canSubscribe, checkDenySub, loadMsgDenyFilter; auth.go:
// validateResponsePermissions). Allow and deny lists are subject tries of their own, matched the way
// the account's sublist matches messages, so wildcards behave exactly as for delivery. Deny wins.
import { Sublist } from '../subjects/sublist.js';
import { hasWildcard, subjectIsSubsetMatch } from '../subjects/subject.js';
import { goFields } from '../protocol/gostrings.js';
import type { ClientPermissions } from '../server/client.js';
import type { Permissions, ResponsePermission, SubjectPermission } from '../options.js';

/** allow_responses: true means 1 reply within 2 minutes (DEFAULT_ALLOW_RESPONSE_MAX_MSGS/EXPIRATION). */
export const DEFAULT_ALLOW_RESPONSE_MAX_MSGS = 1;
export const DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS = 2 * 60 * 1000;
/** Cached publish decisions and reply subjects kept per connection before pruning (maxPermCacheSize, replyPermLimit). */
const MAX_PERM_CACHE = 128;
const REPLY_PERM_LIMIT = 4096;
const MAX_DENY_CACHE = 128;

/** A permission entry in a trie: a subject, and for subscribe entries an optional queue ("foo v1"). */
interface Entry {
  readonly subject: string;
  readonly queue: string | null;
}

/** What a configuration may say for publish/subscribe: a subject, a list, or {allow, deny}. */
export type SubjectPermissionInput = string | string[] | SubjectPermission;

/** Permissions as the options carry them; allowResponses may be `true` (defaults) as in nats.conf. */
export interface PermissionsInput {
  publish?: SubjectPermissionInput;
  subscribe?: SubjectPermissionInput;
  allowResponses?: boolean | Partial<ResponsePermission>;
}

function toSubjectPermission(p: SubjectPermissionInput | undefined): SubjectPermission | undefined {
  if (p === undefined) return undefined;
  if (typeof p === 'string') return { allow: [p] };
  if (Array.isArray(p)) return { allow: [...p] };
  return { allow: p.allow ? [...p.allow] : undefined, deny: p.deny ? [...p.deny] : undefined };
}

/**
 * Normalises permissions as the reference does before use (validateResponsePermissions): with
 * allow_responses, max and expires get their defaults, and a missing publish allow list becomes an
 * empty one, so the user may publish only replies unless something else is allowed.
 */
export function normalizePermissions(p: PermissionsInput | Permissions | undefined | null): Permissions | undefined {
  if (p === undefined || p === null) return undefined;
  const out: Permissions = {};
  const pub = toSubjectPermission(p.publish as SubjectPermissionInput | undefined);
  const sub = toSubjectPermission(p.subscribe as SubjectPermissionInput | undefined);
  if (pub) out.publish = pub;
  if (sub) out.subscribe = sub;
  const r = p.allowResponses as boolean | Partial<ResponsePermission> | undefined;
  if (r !== undefined && r !== false) {
    const o = r === true ? {} : r;
    out.allowResponses = {
      max: o.max || DEFAULT_ALLOW_RESPONSE_MAX_MSGS,
      expires: o.expires || DEFAULT_ALLOW_RESPONSE_EXPIRATION_MS,
    };
    out.publish ??= {};
    out.publish.allow ??= [];
  }
  return out;
}

/**
 * Splits a subscribe entry "subject [queue]" (splitSubjectQueue: strings.Fields, which splits on
 * Go's unicode.IsSpace: U+0085 separates, U+FEFF does not); null when it has 3+ fields.
 */
function splitSubjectQueue(sq: string): Entry | null {
  const f = goFields(sq);
  if (f.length > 2) return null;
  return { subject: f[0] ?? '', queue: f.length === 2 ? f[1]! : null };
}

function trie(entries: string[], withQueues: boolean, onBad?: (e: string) => void): Sublist<Entry> {
  const sl = new Sublist<Entry>(true);
  for (const e of entries) {
    const entry = withQueues ? splitSubjectQueue(e) : { subject: e, queue: null };
    if (entry === null) {
      onBad?.(`invalid subject-queue ${JSON.stringify(e)}`);
      continue;
    }
    sl.insert(entry);
  }
  return sl;
}

/** The queue of a SUB is named by a matching permission entry (queueMatches); wildcard queue names match as subjects. */
function queueMatches(queue: string, qsubs: Entry[][]): boolean {
  if (qsubs.length === 0) return true;
  for (const group of qsubs) {
    const name = group[0].queue!;
    if (queue === name || (hasWildcard(name) && subjectIsSubsetMatch(queue, name))) return true;
  }
  return false;
}

interface ReplyGrant {
  /** When the reply subject was delivered (performance.now() ms: expiries may be fractions of a ms). */
  t: number;
  /** Replies sent to it so far. */
  n: number;
}

export class ClientPerms implements ClientPermissions {
  private readonly pubAllow: Sublist<Entry> | null = null;
  private readonly pubDeny: Sublist<Entry> | null = null;
  private readonly subAllow: Sublist<Entry> | null = null;
  private readonly subDeny: Sublist<Entry> | null = null;
  private readonly resp: ResponsePermission | null = null;
  /** Reply subjects this connection received and may answer (allow_responses). */
  private readonly replies: Map<string, ReplyGrant> | null = null;
  /** Publish decisions by subject (pcache); reply grants are never cached. */
  private readonly pcache = new Map<string, boolean>();
  /** Subscribe deny entries, kept to build the delivery filter (darray). */
  private readonly darray: string[] | null = null;
  /** Delivery filter, built once a wildcard subscription covers a denied subject (mperms). */
  private mdeny: Sublist<Entry> | null = null;
  private dcache: Map<string, boolean> | null = null;

  /** `perms` must be normalised (normalizePermissions). */
  constructor(readonly perms: Permissions, onBad?: (msg: string) => void) {
    const pub = perms.publish;
    if (pub) {
      // An allow list that is present but empty allows nothing (publish only).
      if (pub.allow !== undefined) this.pubAllow = trie(pub.allow, false);
      if (pub.deny && pub.deny.length > 0) this.pubDeny = trie(pub.deny, false);
    }
    if (perms.allowResponses) {
      this.resp = perms.allowResponses;
      this.replies = new Map();
    }
    const sub = perms.subscribe;
    if (sub) {
      if (sub.allow && sub.allow.length > 0) this.subAllow = trie(sub.allow, true, onBad);
      if (sub.deny && sub.deny.length > 0) {
        this.subDeny = trie(sub.deny, true, onBad);
        this.darray = sub.deny;
      }
    }
  }

  /** Publish check (pubAllowedFullCheck): allow list, then deny list, then granted reply subjects. */
  canPublish(subject: string): boolean {
    if (this.pubAllow === null && this.pubDeny === null) return true;
    const cached = this.pcache.get(subject);
    if (cached !== undefined) return cached;
    let allowed = true;
    if (this.pubAllow !== null) allowed = this.pubAllow.match(subject).psubs.length > 0;
    if (allowed && this.pubDeny !== null) allowed = this.pubDeny.match(subject).psubs.length === 0;
    if (!allowed && this.resp !== null) {
      const g = this.replies!.get(subject);
      if (g !== undefined) {
        g.n++;
        if (this.resp.max > 0 && g.n > this.resp.max) this.replies!.delete(subject);
        else if (this.resp.expires > 0 && performance.now() - g.t > this.resp.expires) this.replies!.delete(subject);
        else allowed = true;
      }
      return allowed;
    }
    this.pcache.set(subject, allowed);
    if (this.pcache.size > MAX_PERM_CACHE) prune(this.pcache, MAX_PERM_CACHE >> 2);
    return allowed;
  }

  /** Subscribe check (canSubscribe), with queue entries ("foo v1") as the reference. */
  canSubscribe(subject: string, queue: string | null): boolean {
    let allowed = true;
    if (this.subAllow !== null) {
      const r = this.subAllow.match(subject);
      allowed = r.psubs.length > 0;
      if (queue !== null && r.qsubs.length > 0) allowed = queueMatches(queue, r.qsubs);
    }
    if (allowed && this.subDeny !== null) {
      const r = this.subDeny.match(subject);
      allowed = r.psubs.length === 0;
      if (queue !== null && r.qsubs.length > 0) allowed = !queueMatches(queue, r.qsubs);
      // A wildcard subscription wider than a denied subject is allowed, but the denied subject
      // must then be filtered at delivery (loadMsgDenyFilter).
      if (allowed && this.mdeny === null && hasWildcard(subject)) {
        for (const d of this.darray!) {
          if (subjectIsSubsetMatch(d, subject)) {
            this.loadMsgDenyFilter();
            break;
          }
        }
      }
    }
    return allowed;
  }

  private loadMsgDenyFilter(): void {
    // Entries are inserted whole: a queue entry ("foo v1") is not a valid subject and is skipped.
    const sl = new Sublist<Entry>(true);
    for (const d of this.darray!) sl.insert({ subject: d, queue: null });
    this.mdeny = sl;
    this.dcache = new Map();
  }

  /** checkDenySub: a message matching a subscribe deny entry is not delivered to wide wildcards. */
  denyDelivery(subject: string): boolean {
    const deny = this.mdeny;
    if (deny === null) return false;
    const dc = this.dcache!;
    const cached = dc.get(subject);
    if (cached !== undefined) return cached;
    const denied = deny.match(subject).psubs.length > 0;
    dc.set(subject, denied);
    if (dc.size > MAX_DENY_CACHE) prune(dc, MAX_DENY_CACHE >> 2);
    return denied;
  }

  /** A message with this reply subject was delivered: the connection may answer it (allow_responses). */
  noteReply(reply: string): void {
    const replies = this.replies;
    if (replies === null) return;
    replies.set(reply, { t: performance.now(), n: 0 });
    if (replies.size > REPLY_PERM_LIMIT) this.pruneReplies();
  }

  /** Drops grants that are used up or expired (pruneReplyPerms). */
  private pruneReplies(): void {
    const now = performance.now();
    const { max, expires } = this.resp!;
    for (const [k, g] of this.replies!) {
      if ((max > 0 && g.n >= max) || (expires > 0 && now - g.t > expires)) this.replies!.delete(k);
    }
  }

  /** Reply grants currently held (for tests and monitoring). */
  get pendingReplies(): number {
    return this.replies?.size ?? 0;
  }
}

function prune(m: Map<string, unknown>, n: number): void {
  for (const k of m.keys()) {
    m.delete(k);
    if (--n <= 0) break;
  }
}

/** Builds the permissions object of a connection, or null when the user has none. */
export function clientPermissions(p: Permissions | undefined, onBad?: (msg: string) => void): ClientPerms | null {
  return p === undefined ? null : new ClientPerms(p, onBad);
}
