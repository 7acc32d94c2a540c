// Helpers for the auth tests: raw connections that authenticate, an operator/account/user JWT
// factory built with the official libraries, and a config-file writer for runs against nats-server.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { encodeOperator, encodeAccount, encodeUser, fmtCreds, type Account as AccountClaims, type User as UserClaims, type Operator } from '@nats-io/jwt';
import { createOperator, createAccount, createUser, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { RawConn } from '../helpers/raw.js';

/** Connects, reads INFO, sends CONNECT (with `sign` a seed to sign the nonce), returns conn and INFO. */
export async function rawAuth(port: number, connect: Record<string, unknown>, sign?: KeyPair): Promise<{ c: RawConn; info: Record<string, unknown> }> {
  const { c, info } = await RawConn.openAndInfo(port);
  const o: Record<string, unknown> = { verbose: false, pedantic: false, ...connect };
  if (sign) {
    o.sig = Buffer.from(sign.sign(new TextEncoder().encode(String(info.nonce)))).toString('base64url');
    if (!o.jwt) o.nkey = sign.getPublicKey();
  }
  c.send(`CONNECT ${JSON.stringify(o)}\r\n`);
  return { c, info };
}

/** Everything received up to the PONG of a PING sent now, or until the server closes. */
export async function sync(c: RawConn, ms = 3000): Promise<string> {
  if (c.closed) return c.take().toString('latin1');
  c.send('PING\r\n');
  const got = await c.until((b, closed) => closed || b.toString('latin1').includes('PONG\r\n'), ms);
  if (!got) throw new Error(`no PONG within ${ms}ms; have ${JSON.stringify(c.pending().toString('latin1'))}`);
  return c.take().toString('latin1');
}

/** -ERR lines in a transcript, in order. */
export function errs(s: string): string[] {
  return s.split('\r\n').filter((l) => l.startsWith('-ERR'));
}

/** A temp dir removed when the test ends. */
export function tempDir(t: TestContext | null): string {
  const d = mkdtempSync(join(tmpdir(), 'tsnats-auth-'));
  t?.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function writeConf(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export function seedOf(kp: KeyPair): Uint8Array {
  return kp.getSeed();
}

/** Account limits with nothing limited (nsc's defaults). */
export const UNLIMITED = { conn: -1, subs: -1, payload: -1, data: -1, leaf: -1, imports: -1, exports: -1, wildcards: true };

/** An operator with a system account and accounts, signing with the official JWT library. */
export class Operators {
  readonly op = createOperator();
  readonly sys = createAccount();
  opJwt = '';
  sysJwt = '';

  async init(operator: Partial<Operator> = {}): Promise<this> {
    this.opJwt = await encodeOperator('OP', this.op, { system_account: this.sys.getPublicKey(), ...operator });
    this.sysJwt = await encodeAccount('SYS', this.sys, {}, { signer: this.op });
    return this;
  }

  async account(name: string, claims: Partial<AccountClaims> = {}, opts: { exp?: number; kp?: KeyPair; signer?: KeyPair } = {}): Promise<{ kp: KeyPair; jwt: string }> {
    const kp = opts.kp ?? createAccount();
    // Every limit explicit, -1 = none, as nsc writes them: nats-server reads a missing limit as 0.
    const c = { ...claims, limits: { ...UNLIMITED, ...claims.limits } };
    const jwt = await encodeAccount(name, kp, c, { signer: opts.signer ?? this.op, exp: opts.exp });
    return { kp, jwt };
  }

  /** A user of `account`; `scoped`: signed by a scoped signing key, so with no limits of its own (as nsc writes it). */
  async user(name: string, account: KeyPair, claims: Partial<UserClaims> = {}, opts: { exp?: number; signer?: KeyPair; scoped?: boolean } = {}): Promise<{ kp: KeyPair; jwt: string; creds: Uint8Array }> {
    const kp = createUser();
    const signer = opts.signer ?? account;
    const c: Partial<UserClaims> = { ...claims };
    if (opts.signer) c.issuer_account = account.getPublicKey();
    const jwt = await encodeUser(name, kp, signer, c, { exp: opts.exp, scopedUser: opts.scoped });
    return { kp, jwt, creds: fmtCreds(jwt, kp) };
  }

  /** nats.conf lines for operator mode with a memory resolver. */
  conf(dir: string, accounts: Record<string, string>): string {
    const op = writeConf(dir, 'op.jwt', this.opJwt);
    const pre = Object.entries({ [this.sys.getPublicKey()]: this.sysJwt, ...accounts }).map(([k, v]) => `  ${k}: ${v}`).join('\n');
    return `operator: "${op}"\nresolver: MEMORY\nresolver_preload: {\n${pre}\n}\n`;
  }

  /** The same, with the operator JWT inline (nats-server accepts a JWT in place of a path). */
  inlineConf(accounts: Record<string, string>): string {
    const pre = Object.entries({ [this.sys.getPublicKey()]: this.sysJwt, ...accounts }).map(([k, v]) => `  ${k}: ${v}`).join('\n');
    return `operator: ${this.opJwt}\nresolver: MEMORY\nresolver_preload: {\n${pre}\n}\n`;
  }

  /** The same as startServer options. */
  options(accounts: Record<string, string>): { trustedOperators: string[]; resolverPreload: Record<string, string> } {
    return { trustedOperators: [this.opJwt], resolverPreload: { [this.sys.getPublicKey()]: this.sysJwt, ...accounts } };
  }
}

export { fromSeed };

/** Resolves when `pred()` holds (polled), or rejects after `ms`. */
export async function waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
