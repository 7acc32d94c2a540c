// Start nats-server (the reference) or the tsnats CLI as child processes with nats-server's flags,
// so the same test can run against both. Every server started here must be stopped by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../dev/ports.js';
import { TSNATS_CLI, natsServerBin } from '../../dev/bins.js';

export type ServerKind = 'tsnats' | 'nats-server';

export interface TestServer {
  kind: ServerKind;
  port: number;
  url: string;
  /** Monitor port when started with `monitor: true`. */
  httpPort?: number;
  proc: ChildProcess;
  /** The options it was started with (restart() reuses them). */
  opts: StartOptions;
  /** Everything the process wrote to stdout+stderr so far. */
  output(): string;
  /** Resolves when `re` appears in the output (or rejects after timeoutMs). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM then SIGKILL after a while; resolves when the process exited (thaws a frozen server first). */
  stop(): Promise<void>;
  /** SIGSTOP: the process stays alive with its sockets open but answers nothing (a hung server). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /**
   * Stop this server and start the same kind again on the same port (and the same monitor port),
   * with `changes` merged over the original options (e.g. new credentials in `args`).
   */
  restart(changes?: Partial<StartOptions>): Promise<TestServer>;
}

export interface StartOptions {
  /** Extra nats-server-style flags (e.g. ['--user', 'a', '--pass', 'b']). */
  args?: string[];
  /** The server logs to this file (-l): readiness is read from it instead of stderr. */
  logFile?: string;
  /** Use this port instead of a free one. */
  port?: number;
  /** Start the HTTP monitor on a free port (-m). */
  monitor?: boolean;
  /** Start the HTTP monitor on this port (implies monitor). */
  httpPort?: number;
  /** A config file (-c). */
  config?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Do not pass -a/-p (the config file sets them). */
  noListenFlags?: boolean;
}

export { TSNATS_CLI, natsServerBin, hasNatsServer } from '../../dev/bins.js';

export async function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<TestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, opts);
    } catch (e) {
      // freePort() gives a port that was free a moment ago: a test opening many connections at the same
      // time can take it as a local port before the server binds it. Try another one (ports we chose only).
      const raced = /EADDRINUSE|address already in use/.test((e as Error).message);
      if (!raced || attempt >= 3 || opts.port !== undefined || opts.httpPort !== undefined) throw e;
    }
  }
}

async function startOnce(kind: ServerKind, opts: StartOptions): Promise<TestServer> {
  const port = opts.port ?? (await freePort());
  const args: string[] = [];
  if (!opts.noListenFlags) args.push('-a', '127.0.0.1', '-p', String(port));
  let httpPort: number | undefined;
  if (opts.monitor || opts.httpPort) {
    httpPort = opts.httpPort ?? (await freePort());
    args.push('-m', String(httpPort));
  }
  if (opts.config) args.push('-c', opts.config);
  args.push(...(opts.args ?? []));
  let cmd: string;
  let argv: string[];
  if (kind === 'nats-server') {
    const bin = natsServerBin();
    if (!bin) throw new Error('nats-server is not installed (apt-get install -y nats-server)');
    cmd = bin;
    argv = args;
  } else {
    cmd = process.execPath;
    argv = [TSNATS_CLI, ...args];
  }
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  let exited = false;
  let frozen = false;
  // 'close', not 'exit': by then the output is complete (an exit can come before the last stderr chunk).
  const exitP = new Promise<void>((r) => proc.once('close', () => { exited = true; for (const w of [...waiters]) w(); r(); }));

  const waitForOutput = (re: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = out.match(re);
        if (m) { cleanup(); resolve(m[0]); return true; }
        if (exited) { cleanup(); reject(new Error(`${kind} exited before ${re}; output:\n${out}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`timeout waiting for ${re} from ${kind}; output:\n${out}`)); }, timeoutMs);
      const cleanup = () => { clearTimeout(timer); waiters.delete(w); };
      const w = () => { check(); };
      if (!check()) waiters.add(w);
    });

  const server: TestServer = {
    kind,
    port,
    url: `nats://127.0.0.1:${port}`,
    httpPort,
    proc,
    opts,
    output: () => out,
    waitForOutput,
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      // A stopped process keeps SIGTERM pending until it is continued.
      if (frozen) server.thaw();
      const t = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, 3000);
      await exitP;
      clearTimeout(t);
    },
    freeze() {
      if (exited) return;
      proc.kill('SIGSTOP');
      frozen = true;
    },
    thaw() {
      if (exited) return;
      proc.kill('SIGCONT');
      frozen = false;
    },
    async restart(changes = {}) {
      await server.stop();
      return startServer(kind, { ...opts, ...changes, port, httpPort });
    },
  };
  try {
    if (opts.logFile) await waitForFile(opts.logFile, /Server is ready/, () => exited);
    else await waitForOutput(/Server is ready/);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Resolves when `file` contains `re` (polling), rejects after timeoutMs or when the process exited. */
export async function waitForFile(file: string, re: RegExp, exited: () => boolean = () => false, timeoutMs = 10_000): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const t0 = Date.now();
  for (;;) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      /* not created yet */
    }
    if (re.test(text)) return;
    if (exited()) throw new Error(`server exited before ${re} appeared in ${file}:\n${text}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timeout waiting for ${re} in ${file}:\n${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
