// One configured remote (leafnode.go leafNodeCfg): its URLs in the order they are tried (shuffled
// unless no_randomize; replaced by the hub's advertised leafnode_urls plus the configured ones), the
// URL in use, credentials kept for advertised URLs (which carry none), the delay before the next
// attempt (a loop or a same-cluster-name error), and what `doctor` and /varz need to know about it.
import type { RemoteLeafOptions } from '../options.js';
import type { Client } from '../server/client.js';
import { advertisedLeafURL, parseLeafURL, type LeafURL } from './url.js';

export class RemoteCfg {
  /** The configured URLs (parsed). */
  readonly configured: LeafURL[];
  /** The URLs tried, in turn (pickNextURL rotates them). */
  urls: LeafURL[];
  cur: LeafURL | null = null;
  /** user/password of the first configured URL that has them, for advertised URLs (saveUserPassword). */
  readonly username: string;
  readonly password: string;
  /** Wait this long before the next attempt (set after a loop, cleared when used). */
  connDelay = 0;
  /** The connection on this remote, registered or not; null while dialling or waiting. */
  conn: Client | null = null;
  // ---- what doctor and the dashboard look at
  /** Successful registrations and when the last ones happened (ms since epoch, last 20). */
  connects = 0;
  readonly connectTimes: number[] = [];
  /** Closes of a registered connection (ms since epoch, last 20) and the last reason. */
  readonly disconnectTimes: number[] = [];
  lastCloseReason = '';
  /** The last failure to dial or to be accepted ('' once connected). */
  lastError = '';
  lastErrorAt = 0;
  /** Consecutive failed attempts since the last success. */
  failedAttempts = 0;
  /** A loop was detected on this remote (when, ms since epoch; 0 = never). */
  loopDetectedAt = 0;
  /** The hub account the hub said this connection is bound to (INFO remote_account). */
  remoteAccount = '';
  /** Set when the remote was removed or the server stops: no more attempts. */
  stopped = false;
  /** TLS to this remote: configured (tls {}, a tls:// URL), or the hub said it requires it (remote.TLS). */
  tlsRequired = false;

  constructor(readonly opts: RemoteLeafOptions, readonly index: number) {
    this.configured = remoteURLs(opts).map(parseLeafURL).filter((u): u is LeafURL => typeof u !== 'string');
    this.urls = [...this.configured];
    if (!opts.noRandomize) shuffle(this.urls);
    let user = '';
    let pass = '';
    for (const u of this.urls) {
      if (u.user !== '') {
        user = u.user;
        pass = u.pass;
        break;
      }
    }
    this.username = user;
    this.password = pass;
    this.tlsRequired = opts.tls !== undefined || this.configured.some((u) => u.tls === true);
  }

  /** The local account this remote binds (default $G). */
  get localAccount(): string {
    return this.opts.account || '$G';
  }

  /** pickNextURL: the current URL goes to the end of the list when it is at its head. */
  pickNextURL(): LeafURL {
    if (this.cur !== null && this.urls.length > 1 && this.urls[0].text === this.cur.text) this.urls.push(this.urls.shift()!);
    this.cur = this.urls[0];
    return this.cur;
  }

  /**
   * doUpdateLNURLs: the hub's leafnode_urls (host:port) are the most up-to-date list of where to
   * reconnect; the configured URLs follow (with their credentials), duplicates of them skipped.
   */
  updateURLs(advertised: string[]): void {
    const next: LeafURL[] = [];
    for (const hp of advertised) {
      const u = advertisedLeafURL(hp);
      if (u === null) continue;
      if (this.configured.some((c) => c.hostPort.toLowerCase() === u.hostPort.toLowerCase())) continue;
      next.push(u);
    }
    next.push(...this.configured);
    this.urls = next;
  }

  /** The credentials to send on `u`: its own, else those saved from the configured URLs. */
  credentialsFor(u: LeafURL): { user: string; pass: string } {
    if (u.user !== '') return { user: u.user, pass: u.pass };
    return { user: this.username, pass: this.password };
  }

  noteConnected(): void {
    this.connects++;
    this.failedAttempts = 0;
    this.lastError = '';
    push(this.connectTimes, Date.now());
  }

  noteClosed(reason: string): void {
    this.lastCloseReason = reason;
    push(this.disconnectTimes, Date.now());
  }

  noteFailure(err: string): void {
    this.failedAttempts++;
    this.lastError = err;
    this.lastErrorAt = Date.now();
  }
}

/** A remote's URLs: `urls`, or its single `url`. */
export function remoteURLs(r: RemoteLeafOptions): string[] {
  if (r.urls !== undefined && r.urls.length > 0) return r.urls;
  return r.url !== undefined ? [r.url] : [];
}

function push(a: number[], v: number): void {
  a.push(v);
  if (a.length > 20) a.shift();
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
