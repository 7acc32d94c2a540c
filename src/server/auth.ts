// Authentication of a CONNECT: token, user/password, users list (checkAuthentication).
// Secrets are compared in constant time and never logged.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ServerOptions, UserConfig } from '../options.js';
import type { Client } from './client.js';

export interface AuthResult {
  user: string;
  account?: string;
}

function safeEqual(a: string, b: string): boolean {
  // Hash both sides so lengths do not leak through timing either.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export class Authenticator {
  private users = new Map<string, UserConfig>();
  constructor(private readonly opts: ServerOptions) {
    for (const u of opts.users ?? []) if (u.user !== undefined) this.users.set(u.user, u);
    for (const a of opts.accounts ?? []) for (const u of a.users ?? []) if (u.user !== undefined) this.users.set(u.user, { ...u, account: a.name });
  }

  /** Auth is required when any method is configured (and no no_auth_user covers anonymous clients… later). */
  required(): boolean {
    const o = this.opts;
    return !!(o.authorization || o.username || this.users.size > 0);
  }

  /** Checks the client's CONNECT credentials; null when rejected. */
  check(c: Client): AuthResult | null {
    const o = this.opts;
    const co = c.opts;
    if (!this.required()) return { user: '' };
    if (o.authorization) {
      return safeEqual(co.auth_token, o.authorization) ? { user: '' } : null;
    }
    if (o.username) {
      return co.user === o.username && safeEqual(co.pass, o.password ?? '') ? { user: co.user } : null;
    }
    if (co.user === '' && o.noAuthUser) {
      const u = this.users.get(o.noAuthUser);
      return u ? { user: o.noAuthUser, account: u.account } : null;
    }
    const u = this.users.get(co.user);
    if (!u) return null;
    return safeEqual(co.pass, u.password ?? '') ? { user: co.user, account: u.account } : null;
  }
}
