// A tsnats server with staged health problems, for the doctor, conns and dashboard tests and the
// dashboard screenshot: a frozen client (never answers PINGs → Stale Connection), a slow consumer
// (never reads; small max_pending → Slow Consumer, with a stalled publisher on the way), an
// account at 4 of its 5 connections, an unnamed client, and some healthy named traffic.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer, type Server, type Client } from '../../src/index.js';
import type { ServerOptions } from '../../src/options.js';
import { RawConn } from '../helpers/raw.js';
import { monitorPort } from '../helpers/tsnats.js';

export const SYS_USER = { user: 'sys', pass: 'sys' };
export const APP_USER = { user: 'app', pass: 'app' };

/** The accounts of every staged server: A (limit 5 connections), APP, and SYS (the system account). */
export function stagedOptions(extra: Partial<ServerOptions> = {}): Partial<ServerOptions> {
  return {
    host: '127.0.0.1',
    port: 0,
    httpPort: -1,
    // A short keepalive so a frozen client goes stale within about 2 s (first PING after
    // 1–1.2 s, closed on the next tick), yet long enough that healthy clients sharing a loaded
    // 2-core machine (and this process's event loop) always answer in time.
    pingInterval: 1000,
    pingMax: 1,
    maxPending: 512 * 1024,
    // A subscriber that stops reading is cut off (write deadline or max_pending) well before its
    // missing PONGs would make it stale.
    writeDeadline: 100,
    maxPayload: 64 * 1024,
    systemAccount: 'SYS',
    accounts: [
      { name: 'A', users: [{ user: 'a', password: 'a' }], limits: { maxConnections: 5 } },
      { name: 'APP', users: [{ user: APP_USER.user, password: APP_USER.pass }] },
      { name: 'SYS', users: [{ user: SYS_USER.user, password: SYS_USER.pass }] },
    ],
    ...extra,
  };
}

/** Resolves the close reason of the first connection `pred` accepts. */
export function closeOf(srv: Server, pred: (c: Client) => boolean, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      srv.off('client:close', on);
      reject(new Error(`no close within ${ms}ms`));
    }, ms);
    const on = (c: Client, reason: string) => {
      if (!pred(c)) return;
      clearTimeout(timer);
      srv.off('client:close', on);
      resolve(reason);
    };
    srv.on('client:close', on);
  });
}

const named = (name: string) => (c: Client) => c.opts.name === name;

export interface Staged {
  srv: Server;
  httpPort: number;
  httpUrl: string;
  /** Healthy official-client connections (named, unnamed, account A). */
  ncs: NatsConnection[];
  raws: RawConn[];
  stop(): Promise<void>;
}

export async function rawConnect(port: number, connect: Record<string, unknown>, extra = ''): Promise<RawConn> {
  const { c } = await RawConn.openAndInfo(port);
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...connect })}\r\n${extra}`);
  await c.roundTrip();
  return c;
}

/** A client that stops answering PINGs: closed as `Stale Connection` within ping_interval × (ping_max+1). */
export async function stageFrozen(srv: Server, name = 'frozen-sensor'): Promise<string> {
  const closed = closeOf(srv, named(name));
  const c = await rawConnect(srv.port, { ...APP_USER, name });
  void c; // never read from nor written to again; the server closes it
  return closed;
}

/**
 * A subscriber that never reads, and a publisher (the official client, which answers PINGs)
 * flooding it: the subscriber is cut off as a slow consumer, the publisher stalled on the way.
 */
export async function stageSlowConsumer(srv: Server, name = 'slow-reporting'): Promise<{ reason: string; pub: NatsConnection; sub: RawConn }> {
  const sub = await rawConnect(srv.port, { ...APP_USER, name }, 'SUB metrics.> 1\r\n');
  sub.sock.pause();
  const pub = await natsClient(srv, { name: 'metrics-publisher' });
  const closed = closeOf(srv, named(name));
  const payload = new Uint8Array(60_000).fill(0x61);
  // Enough to fill the kernel's socket buffers, then max_pending (512 KiB).
  for (let i = 0; i < 400; i++) pub.publish('metrics.cpu', payload);
  const reason = await closed;
  await pub.flush();
  return { reason, pub, sub };
}

/** The official client, answering PINGs by itself. */
export function natsClient(srv: Server, opts: { name?: string; user?: string; pass?: string } = {}): Promise<NatsConnection> {
  return connect({ servers: srv.url, user: opts.user ?? APP_USER.user, pass: opts.pass ?? APP_USER.pass, name: opts.name, reconnect: false });
}

/** Everything at once: the server, its problems, and healthy traffic. */
export async function stageAll(extra: Partial<ServerOptions> = {}): Promise<Staged> {
  const srv = await startServer(stagedOptions(extra));
  const ncs: NatsConnection[] = [];
  const raws: RawConn[] = [];
  const stop = async () => {
    for (const nc of ncs) await nc.close().catch(() => {});
    for (const r of raws) r.close();
    await srv.shutdown();
  };
  try {
    // Healthy, named traffic.
    const orders = await natsClient(srv, { name: 'orders-api' });
    const worker = await natsClient(srv, { name: 'orders-worker' });
    ncs.push(orders, worker);
    worker.subscribe('orders.*', { callback: () => {} });
    await worker.flush();
    for (let i = 0; i < 25; i++) orders.publish('orders.new', `order ${i}`);
    await orders.flush();
    // An account at 4 of its 5 connections.
    for (let i = 1; i <= 4; i++) ncs.push(await natsClient(srv, { name: `tenant-a-${i}`, user: 'a', pass: 'a' }));
    // An unnamed client.
    ncs.push(await natsClient(srv, {}));
    // A frozen client goes stale while a slow consumer is cut off.
    const staleP = stageFrozen(srv);
    const slow = await stageSlowConsumer(srv);
    ncs.push(slow.pub);
    raws.push(slow.sub);
    if (!slow.reason.startsWith('Slow Consumer')) throw new Error(`slow consumer closed with ${slow.reason}`);
    const stale = await staleP;
    if (stale !== 'Stale Connection') throw new Error(`frozen client closed with ${stale}`);
  } catch (e) {
    await stop();
    throw e;
  }
  const httpPort = monitorPort(srv);
  return { srv, httpPort, httpUrl: `http://127.0.0.1:${httpPort}`, ncs, raws, stop };
}
