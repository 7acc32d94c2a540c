// Start tsnats in-process for a test, and stop it after.
import type { TestContext } from 'node:test';
import { startServer, type Server } from '../../src/index.js';
import type { ServerOptions } from '../../src/options.js';
import type { MonitorService } from '../../src/services.js';

/** The port of an in-process server's HTTP monitor. */
export function monitorPort(srv: Server): number {
  const m = srv.service<MonitorService>('monitor');
  if (m === undefined) throw new Error('the server has no monitor (httpPort)');
  return m.port;
}

/** An in-process server on a free port, shut down when the test (or suite) ends. */
export async function withServer(t: TestContext | null, opts: Partial<ServerOptions> = {}): Promise<Server> {
  const srv = await startServer({ port: 0, ...opts });
  t?.after(() => srv.shutdown());
  return srv;
}

/** Collects log lines of a server for assertions. */
export function logCollector(): { lines: string[]; log: (l: string) => void; wait: (re: RegExp, ms?: number) => Promise<string> } {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  return {
    lines,
    log: (l: string) => {
      lines.push(l);
      for (const w of [...waiters]) w();
    },
    wait: (re: RegExp, ms = 5000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(hit);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no log line matching ${re} within ${ms}ms; have:\n${lines.join('')}`));
        }, ms);
        if (!check()) waiters.add(check);
      }),
  };
}
