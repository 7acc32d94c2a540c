// The servers under test, each a separate process started with the same flags:
// nats-server (the reference) and the tsnats CLI (`node dist/src/cli/main.js -a 127.0.0.1 -p PORT`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../dev/ports.js';
import { natsServerBin, TSNATS_CLI } from '../dev/bins.js';

export type Kind = 'nats-server' | 'tsnats';
export const KINDS: Kind[] = ['nats-server', 'tsnats'];

export interface BenchServer {
  kind: Kind;
  pid: number;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Why a kind cannot run here, or null when it can. */
export function unavailable(kind: Kind): string | null {
  if (kind === 'nats-server') return natsServerBin() ? null : 'nats-server is not on PATH (apt-get install -y nats-server)';
  return existsSync(TSNATS_CLI) ? null : `${TSNATS_CLI} is missing (tsnats CLI not built yet)`;
}

/** The command line that starts `kind` listening on 127.0.0.1:port. */
export function command(kind: Kind, port: number, extra: string[] = []): { cmd: string; args: string[] } {
  const flags = ['-a', '127.0.0.1', '-p', String(port), ...extra];
  if (kind === 'nats-server') return { cmd: natsServerBin()!, args: flags };
  // For profiling: BENCH_TSNATS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof", BENCH_TSNATS_ARGS="--ping_timeout 5s".
  const words = (v: string | undefined) => (v ?? '').split(' ').filter(Boolean);
  return { cmd: process.execPath, args: [...words(process.env.BENCH_TSNATS_NODE_ARGS), TSNATS_CLI, ...flags, ...words(process.env.BENCH_TSNATS_ARGS)] };
}

export interface SpawnOptions {
  /** More flags for either server (e.g. ['-c', file]). */
  args?: string[];
  /** Raise the soft fd limit to this (capped at the hard limit) in a shell that then execs the server. */
  nofile?: number;
  /** Called on every chunk the server writes to stdout/stderr. */
  onOutput?: (chunk: string) => void;
}

/** Server processes still running, so an interrupted bench can end them (see run.ts). */
export const liveServers = new Set<ChildProcess>();

/** Spawn a server process without waiting for it (the start-up case times this itself). */
export function spawnServer(kind: Kind, port: number, opts: SpawnOptions = {}): ChildProcess {
  const { cmd, args } = command(kind, port, opts.args);
  let proc: ChildProcess;
  if (opts.nofile) {
    // `exec` keeps the pid, so /proc/<pid> readings are the server's own.
    const script = `ulimit -n ${opts.nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
    proc = spawn('/bin/sh', ['-c', script, 'sh', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  liveServers.add(proc);
  proc.once('exit', () => liveServers.delete(proc));
  // Always drain the pipes: a server blocked on a full stderr pipe would stall the benchmark.
  let tail = '';
  const onData = (d: Buffer) => {
    const s = d.toString();
    tail = (tail + s).slice(-4000);
    opts.onOutput?.(s);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  (proc as ChildProcess & { outputTail: () => string }).outputTail = () => tail;
  return proc;
}

export function outputTail(proc: ChildProcess): string {
  return (proc as ChildProcess & { outputTail?: () => string }).outputTail?.() ?? '';
}

/** Resolves once a TCP connection to port is accepted and the server's INFO line arrived. */
export function waitForInfo(port: number, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let inFlight = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      proc?.stdout?.off('data', attempt);
      proc?.stderr?.off('data', attempt);
      proc?.off('exit', onExit);
      if (err) reject(err); else resolve();
    };
    const attempt = () => {
      if (done || inFlight) return;
      inFlight = true;
      const s = connect({ port, host: '127.0.0.1' });
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.includes('\n')) {
          s.destroy();
          if (buf.startsWith('INFO ')) finish(); else finish(new Error(`expected INFO, got ${JSON.stringify(buf)}`));
        }
      });
      s.on('error', () => { /* refused: not listening yet */ });
      s.on('close', () => { inFlight = false; });
    };
    const onExit = (code: number | null) => finish(new Error(`server exited (${code}) before accepting a connection:\n${proc ? outputTail(proc) : ''}`));
    // Try every millisecond, and at once whenever the server writes a log line (it logs just as it listens).
    const poll = setInterval(attempt, 1);
    const timer = setTimeout(() => finish(new Error(`no INFO on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    proc?.stdout?.on('data', attempt);
    proc?.stderr?.on('data', attempt);
    proc?.on('exit', onExit);
    attempt();
  });
}

export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
    proc.once('exit', () => { clearTimeout(t); resolve(); });
    proc.kill('SIGTERM');
  });
}

/** Start `kind` on a free port and wait until it accepts a connection and sends INFO. */
export async function startBenchServer(kind: Kind, opts: SpawnOptions = {}): Promise<BenchServer> {
  const port = await freePort();
  const proc = spawnServer(kind, port, opts);
  try {
    await waitForInfo(port, 15_000, proc);
  } catch (e) {
    await stopProcess(proc);
    throw e;
  }
  return { kind, pid: proc.pid!, port, proc, stop: () => stopProcess(proc) };
}
