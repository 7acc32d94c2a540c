// A well-behaved client (the official nats.js) that keeps publishing to itself while hostile clients do
// their worst: every message must come back, in order, with no long silence, and its connection must
// never drop.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Publish period. */
const EVERY_MS = 10;
/** A report covers at least this many messages (so a hostile client that is dealt with at once still counts). */
const MIN_MESSAGES = 5;
/** The longest acceptable silence: generous, for a loaded 2-core machine; an outage is much longer. */
export const MAX_GAP_MS = 2500;

export interface HealthReport {
  sent: number;
  received: number;
  outOfOrder: number;
  maxGapMs: number;
  /** Status events other than client pings: disconnect, reconnect, error, staleConnection, slowConsumer… */
  incidents: string[];
}

export class Healthy {
  private sent = 0;
  private received = 0;
  private outOfOrder = 0;
  private lastAt = Date.now();
  private maxGap = 0;
  private incidents: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private gapTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly nc: NatsConnection) {}

  static async start(url: string, opts: { name?: string; user?: string; pass?: string; tls?: { caFile: string; certFile?: string; keyFile?: string } } = {}): Promise<Healthy> {
    const name = opts.name ?? 'healthy';
    const nc = await connect({ servers: url, name, reconnect: false, pingInterval: 60_000, user: opts.user, pass: opts.pass, ...(opts.tls ? { tls: opts.tls } : {}) });
    const subject = `healthy.${name}.${process.pid}`;
    const h = new Healthy(nc);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type !== 'ping' && s.type !== 'update') h.incidents.push(s.type === 'error' ? `error: ${s.error.message}` : s.type);
      }
    })();
    nc.subscribe(subject, {
      callback: (_err, m) => {
        const seq = Number(new TextDecoder().decode(m.data));
        if (seq !== h.received + 1) h.outOfOrder++;
        h.received++;
        const now = Date.now();
        h.maxGap = Math.max(h.maxGap, now - h.lastAt);
        h.lastAt = now;
      },
    });
    await nc.flush();
    h.lastAt = Date.now();
    h.timer = setInterval(() => {
      if (nc.isClosed()) return;
      nc.publish(subject, String(++h.sent));
    }, EVERY_MS);
    // Silence counts even if nothing at all arrives any more.
    h.gapTimer = setInterval(() => { h.maxGap = Math.max(h.maxGap, Date.now() - h.lastAt); }, 100);
    return h;
  }

  /** Stop publishing, wait for the last messages, close, and report (after at least `MIN_MESSAGES` were sent). */
  async stop(): Promise<HealthReport> {
    while (this.sent < MIN_MESSAGES && !this.nc.isClosed()) await new Promise((r) => setTimeout(r, EVERY_MS));
    clearInterval(this.timer!);
    clearInterval(this.gapTimer!);
    if (!this.nc.isClosed()) {
      try {
        await this.nc.flush();
      } catch (e) {
        this.incidents.push(`flush failed: ${(e as Error).message}`);
      }
      await this.nc.close();
    }
    return { sent: this.sent, received: this.received, outOfOrder: this.outOfOrder, maxGapMs: this.maxGap, incidents: this.incidents.filter((i) => i !== 'close') };
  }

  /** Stop and assert the client saw no interruption. */
  async assertUnaffected(what: string): Promise<HealthReport> {
    const r = await this.stop();
    const msg = `healthy client during ${what}: ${JSON.stringify(r)}`;
    assert.deepEqual(r.incidents, [], msg);
    assert.ok(r.sent > 0, msg);
    assert.equal(r.received, r.sent, msg);
    assert.equal(r.outOfOrder, 0, msg);
    assert.ok(r.maxGapMs < MAX_GAP_MS, msg);
    return r;
  }
}
