// tsnats with TLS, in-process, for the TLS tests: its log lines the way the differential tests
// compare them with nats-server's (`[ERR] TLS handshake error: …`, without time and client prefix).
import { startServer, type Server } from '../../src/index.js';
import type { ServerOptions, TlsConfig } from '../../src/options.js';

export interface TlsTarget {
  srv: Server;
  port: number;
  /** Every log line as written. */
  raw: string[];
  /** Log lines as `[LVL] message` with the client prefix removed. */
  logs(): string[];
  /** Resolves with the first line (as in logs()) matching `re` after `from` lines, or rejects after ms. */
  waitLog(re: RegExp, from?: number, ms?: number): Promise<string>;
  close(): Promise<void>;
}

/** A line without time and client prefix: `[ERR] TLS handshake error: …`. */
export function shortLine(l: string): string {
  const m = /\[(INF|WRN|ERR|DBG|TRC|FTL)\] (.*)$/.exec(l.trimEnd());
  if (!m) return l.trimEnd();
  return `[${m[1]}] ${m[2]!.replace(/^\S+:\d+ - cid:\d+ - (?:"[^"]*" - )?/, '')}`;
}

export async function startTlsTarget(tls: TlsConfig, opts: Partial<ServerOptions> = {}): Promise<TlsTarget> {
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  const srv = await startServer({ host: '127.0.0.1', port: 0, debug: true, ...opts, tls, log: (l) => { raw.push(l); for (const w of [...waiters]) w(); } });
  const logs = () => raw.map(shortLine);
  return {
    srv,
    port: srv.port,
    raw,
    logs,
    waitLog: (re, from = 0, ms = 5000) => new Promise((resolve, reject) => {
      const check = () => {
        const hit = logs().slice(from).find((l) => re.test(l));
        if (hit === undefined) return false;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no log line matching ${re}; have:\n${logs().slice(from).join('\n')}`)); }, ms);
      if (!check()) waiters.add(check);
    }),
    close: () => srv.shutdown(),
  };
}
