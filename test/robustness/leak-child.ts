// The server side of leaks.test.ts: an in-process tsnats in a process of its own (started with
// --expose-gc), so that its timers, handles, subscriptions and heap can be counted without the test's
// own clients in the way. Driven over IPC: {cmd:'start', opts} → {port}; {cmd:'sample'} → Sample;
// {cmd:'shutdown'} → Sample after srv.shutdown(); {cmd:'exit'}.
//
// Timers: process.getActiveResourcesInfo() lists only timers that keep the process alive, and tsnats
// unrefs its own. Here unref() is made a no-op before the server is loaded, so every timer it arms is
// counted (this process exits by process.exit, so nothing depends on unref).
import { setTimeout as sleep } from 'node:timers/promises';

const probe = setTimeout(() => {}, 0);
const TimeoutProto = Object.getPrototypeOf(probe) as { unref(): unknown };
clearTimeout(probe);
TimeoutProto.unref = function unrefDisabled(this: unknown) { return this; };

// Node's net.Socket#_destroy reads process.stderr, which creates that stream (a handle) on first use:
// create stdout and stderr now so they are part of every sample, the first one included.
void process.stdout;
void process.stderr;

const { startServer } = await import('../../src/index.js');
type Server = Awaited<ReturnType<typeof startServer>>;

export interface Sample {
  /** Connections registered with the server. */
  clients: number;
  /** Subscriptions in each account's sublist. */
  subs: Record<string, number>;
  /** Entries in the closed-connections ring, and the total ever closed. */
  closed: number;
  closedTotal: number;
  /** process.getActiveResourcesInfo() by type (Timeout, TCPSocketWrap, TCPServerWrap, …). */
  resources: Record<string, number>;
  /** process._getActiveHandles() by constructor name. */
  handles: Record<string, number>;
  /** After forced garbage collections. */
  heapUsed: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

let srv: Server | null = null;

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

async function sample(): Promise<Sample> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(10);
  }
  // busy_poll keeps an Immediate pending for 100 µs after each flush, and the healthy client keeps
  // the server flushing: sample between two of those windows, not inside one.
  for (let i = 0; i < 1000 && srv?.busyPolling; i++) await sleep(1);
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return {
    clients: srv?.clients.size ?? 0,
    subs: srv ? Object.fromEntries([...srv.accounts.values()].map((a) => [a.name, a.sl.size])) : {},
    closed: srv?.closedClients.length ?? 0,
    closedTotal: srv?.closedClients.total ?? 0,
    // the sleep above is not running any more; the IPC channel and stdio are constant
    resources: count(process.getActiveResourcesInfo()),
    handles: count(handles.map((h) => h.constructor?.name ?? typeof h)),
    heapUsed: process.memoryUsage().heapUsed,
  };
}

process.on('message', async (m: { cmd: string; opts?: object }) => {
  try {
    if (m.cmd === 'start') {
      srv = await startServer({ host: '127.0.0.1', port: 0, ...m.opts });
      const ws = srv.service<{ readonly name: string; readonly port: number }>('websocket');
      process.send!({ port: srv.port, wsPort: ws?.port ?? 0 });
    } else if (m.cmd === 'sample') {
      process.send!(await sample());
    } else if (m.cmd === 'shutdown') {
      await srv!.shutdown();
      srv = null;
      await sleep(50);
      process.send!(await sample());
    } else if (m.cmd === 'exit') {
      process.exit(0);
    }
  } catch (e) {
    process.send!({ error: (e as Error).stack });
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true, before: await sample() });
