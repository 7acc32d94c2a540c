// The doctor's JetStream checks (JS_001–JS_007): as pure functions of /jsz samples (thresholds,
// one and two samples, no JetStream, /jsz unreadable), and end to end against tsnats and
// nats-server with the same JetStream trouble set up on each: the same findings from both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { checkServer } from '../../src/doctor/report.js';
import type { Sample } from '../../src/doctor/types.js';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { doctorJSON } from './cli.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

function sample(jsz: Record<string, any> | null | undefined, at = NOW, notes: string[] = []): Sample {
  return {
    takenAt: at, now: at, conns: [], closed: [], routez: null, accounts: [], notes, jsz,
    varz: { server_id: 'N', version: '2.9.10', host: '127.0.0.1', port: 4222, auth_required: true, ping_interval: 60e9, ping_max: 2, max_payload: 1048576, slow_consumers: 0, stale_connections: 0, stalled_clients: 0 },
  };
}

function consumer(name: string, over: Record<string, any> = {}, cfg: Record<string, any> = {}): Record<string, any> {
  return {
    stream_name: 'S', name, created: new Date(NOW - 3600_000).toISOString(),
    config: { durable_name: name, ack_policy: 'explicit', max_ack_pending: 1000, ...cfg },
    delivered: { consumer_seq: 10, stream_seq: 10, last_active: new Date(NOW - 1000).toISOString() },
    ack_floor: { consumer_seq: 10, stream_seq: 10 },
    num_ack_pending: 0, num_redelivered: 0, num_waiting: 1, num_pending: 0, ...over,
  };
}

function jsz(consumers: Record<string, any>[], stream: Record<string, any> = {}, top: Record<string, any> = {}): Record<string, any> {
  return {
    config: { max_memory: 2 ** 30, max_storage: 10 * 2 ** 30 }, memory: 0, storage: 1000, ...top,
    account_details: [{
      name: 'APP', id: 'APP',
      stream_detail: [{
        name: 'S', config: { name: 'S', max_msgs: -1, max_bytes: -1, max_consumers: -1, discard: 'old', ...stream.config },
        state: { messages: 10, bytes: 1000, consumer_count: consumers.length, ...stream.state },
        consumer_detail: consumers,
      }],
    }],
  };
}

const JS = ['JS_001', 'JS_002', 'JS_003', 'JS_004', 'JS_005', 'JS_006', 'JS_007'];
const found = (samples: Sample[], th = {}) => checkServer('x', samples, { thresholds: th }).findings.filter((f) => f.code.startsWith('JS_'));
const codes = (samples: Sample[], th = {}) => found(samples, th).map((f) => `${f.code} ${f.severity}`).sort();

describe('doctor JetStream checks (pure)', () => {
  it('a healthy JetStream passes them all; none, or JetStream disabled, passes too; an unreadable /jsz skips them with why', () => {
    const r = checkServer('x', [sample(jsz([consumer('C')]))]);
    for (const c of JS) assert.ok(r.passed.includes(c), `${c} passed`);
    for (const s of [undefined, { disabled: true }]) {
      const r2 = checkServer('x', [sample(s)]);
      for (const c of JS) assert.ok(r2.passed.includes(c), `${c} passes without JetStream`);
    }
    const r3 = checkServer('x', [sample(null, NOW, ['jetstream unavailable: GET /jsz: 404'])]);
    for (const c of JS) assert.equal(r3.skipped.find((k) => k.code === c)?.reason, 'jetstream unavailable: GET /jsz: 404');
  });

  it('JS_001: store use at 90 % warns, at 98 % is critical', () => {
    assert.deepEqual(codes([sample(jsz([], {}, { storage: 9.3 * 2 ** 30 }))]), ['JS_001 warning']);
    const f = found([sample(jsz([], {}, { memory: 0.99 * 2 ** 30 }))]);
    assert.deepEqual(f.map((x) => [x.code, x.severity, x.subject]), [['JS_001', 'critical', 'memory store']]);
    assert.match(f[0]!.evidence, /99 %/);
  });

  it('JS_002: a stream near max_msgs/max_bytes/max_consumers: critical when it refuses, info for discard old', () => {
    assert.deepEqual(codes([sample(jsz([], { config: { max_msgs: 10, discard: 'new' }, state: { messages: 10 } }))]), ['JS_002 critical']);
    assert.deepEqual(codes([sample(jsz([], { config: { max_bytes: 1100, discard: 'new' }, state: { bytes: 1000 } }))]), ['JS_002 warning']);
    assert.deepEqual(codes([sample(jsz([], { config: { max_msgs: 10 }, state: { messages: 10 } }))]), ['JS_002 info']);
    const f = found([sample(jsz([consumer('A'), consumer('B')], { config: { max_consumers: 2 } }))]);
    assert.deepEqual(f.map((x) => [x.code, x.severity]), [['JS_002', 'critical']]);
    assert.match(f[0]!.evidence, /2 consumers of max_consumers 2 \(100 %\); new consumers are refused/);
    assert.deepEqual(codes([sample(jsz([], { config: { max_msgs: 100, discard: 'new' }, state: { messages: 89 } }))]), []);
  });

  it('JS_003: a consumer at max_ack_pending', () => {
    const f = found([sample(jsz([consumer('C', { num_ack_pending: 50, num_pending: 7 }, { max_ack_pending: 50 }), consumer('OK', { num_ack_pending: 49 }, { max_ack_pending: 50 })]))]);
    assert.deepEqual(f.map((x) => [x.code, x.subject, x.evidence]), [['JS_003', 'consumer C on stream S (account APP)', '50 acks pending of max_ack_pending 50; 7 messages waiting behind them']]);
  });

  it('JS_004: num_pending at the threshold (one sample), growing (two)', () => {
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_pending: 10_000 })]))]), ['JS_004 warning']);
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_pending: 500 })]))], { jsPending: 500 }), ['JS_004 warning']);
    const grow = found([sample(jsz([consumer('C', { num_pending: 900 })])), sample(jsz([consumer('C', { num_pending: 4000 })]), NOW + 10_000)]);
    assert.deepEqual(grow.map((x) => [x.code, x.evidence]), [['JS_004', 'num_pending 900 → 4,000 in 10s']]);
    // Shrinking, or growing but small: nothing.
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_pending: 50_000 })])), sample(jsz([consumer('C', { num_pending: 40_000 })]), NOW + 10_000)]), []);
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_pending: 1 })])), sample(jsz([consumer('C', { num_pending: 20 })]), NOW + 10_000)]), []);
  });

  it('JS_005: redeliveries rising between samples, or many at once', () => {
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_redelivered: 2 })])), sample(jsz([consumer('C', { num_redelivered: 9 })]), NOW + 5000)]), ['JS_005 warning']);
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_redelivered: 100 })]))]), ['JS_005 warning']);
    assert.deepEqual(codes([sample(jsz([consumer('C', { num_redelivered: 99 })]))]), []);
  });

  it('JS_006: a pull consumer with pending messages, no waiting request, no delivery for a while', () => {
    const idle = { num_waiting: 0, num_pending: 40, delivered: { consumer_seq: 3, stream_seq: 3, last_active: new Date(NOW - 600_000).toISOString() } };
    const f = found([sample(jsz([consumer('P', idle)]))]);
    assert.deepEqual(f.map((x) => [x.code, x.evidence]), [['JS_006', '40 messages pending, no pull request waiting, last delivery 10m0s ago']]);
    assert.deepEqual(codes([sample(jsz([consumer('P', { ...idle, num_waiting: 1 })]))]), [], 'a request waits');
    assert.deepEqual(codes([sample(jsz([consumer('P', idle)]))], { jsIdleMs: 3_600_000 }), [], 'within --js-idle');
    assert.deepEqual(codes([sample(jsz([consumer('P', { ...idle, delivered: { consumer_seq: 0, stream_seq: 0 } })]))]), ['JS_006 warning'], 'never delivered, created an hour ago');
    assert.deepEqual(codes([sample(jsz([consumer('P', idle, { deliver_subject: 'd' })]))]), ['JS_007 warning'], 'push consumers are JS_007');
  });

  it('JS_007: a push consumer nobody subscribes to: warning for a durable, info for an ephemeral', () => {
    assert.deepEqual(codes([sample(jsz([consumer('D', { num_pending: 3 }, { deliver_subject: 'dlv' })]))]), ['JS_007 warning']);
    assert.deepEqual(codes([sample(jsz([consumer('E', { num_pending: 3 }, { durable_name: undefined, deliver_subject: 'dlv' })]))]), ['JS_007 info']);
    assert.deepEqual(codes([sample(jsz([consumer('D', { num_pending: 3, push_bound: true }, { deliver_subject: 'dlv' })]))]), []);
  });
});

/** The same JetStream trouble on a server of `kind`: a full discard-new stream, a stalled consumer, an idle pull consumer, a push consumer nobody listens to. */
async function setUp(kind: ServerKind, dir: string): Promise<{ srv: TestServer; nc: NatsConnection }> {
  const srv = await startServer(kind, { monitor: true, args: ['-js', '-sd', dir] });
  const nc = await connect({ servers: srv.url, name: 'doctor-js' });
  const enc = new TextEncoder();
  const api = async (subj: string, body: unknown) => JSON.parse(new TextDecoder().decode((await nc.request(`$JS.API.${subj}`, enc.encode(JSON.stringify(body)), { timeout: 3000 })).data));
  await api('STREAM.CREATE.LIM', { name: 'LIM', subjects: ['lim.>'], max_msgs: 5, discard: 'new' });
  for (let i = 0; i < 5; i++) await nc.request('lim.a', enc.encode('x'));
  await api('STREAM.CREATE.W', { name: 'W', subjects: ['w.>'] });
  for (let i = 0; i < 6; i++) await nc.request('w.a', enc.encode('x'));
  await api('CONSUMER.DURABLE.CREATE.W.STALL', { stream_name: 'W', config: { durable_name: 'STALL', ack_policy: 'explicit', max_ack_pending: 2 } });
  await api('CONSUMER.DURABLE.CREATE.W.IDLE', { stream_name: 'W', config: { durable_name: 'IDLE', ack_policy: 'explicit' } });
  await api('CONSUMER.DURABLE.CREATE.W.NOSUB', { stream_name: 'W', config: { durable_name: 'NOSUB', deliver_subject: 'nobody.listens', ack_policy: 'explicit' } });
  // Two deliveries to STALL, never acked: at its max_ack_pending.
  const inbox = '_INBOX.stall';
  const sub = nc.subscribe(inbox, { max: 2 });
  nc.publish('$JS.API.CONSUMER.MSG.NEXT.W.STALL', enc.encode('2'), { reply: inbox });
  for await (const _ of sub) { /* the two messages */ }
  return { srv, nc };
}

describe('doctor JetStream checks against tsnats and nats-server: the same findings', () => {
  const kinds: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];
  const got = new Map<ServerKind, string[]>();
  const cleanup: (() => Promise<void>)[] = [];
  before(async () => {
    await Promise.all(kinds.map(async (kind) => {
      const dir = mkdtempSync(join(tmpdir(), `doctor-js-${kind}-`));
      const { srv, nc } = await setUp(kind, dir);
      cleanup.push(async () => {
        await nc.close();
        await srv.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      // Pull consumers count as idle at once (--js-idle 1ms): IDLE never delivered, STALL is JS_003.
      const { report } = await doctorJSON([`http://127.0.0.1:${srv.httpPort}`, '--js-idle', '1ms']);
      const s = report.servers[0];
      got.set(kind, s.findings.filter((f: any) => f.code.startsWith('JS_')).map((f: any) => `${f.code} ${f.severity} ${f.subject}: ${f.evidence.replace(/last delivery \S+ ago|nothing delivered yet/, '<when>')}`).sort());
    }));
  });
  after(async () => {
    for (const c of cleanup) await c();
  });

  it('tsnats: a full discard-new stream, a stalled consumer, pull consumers nobody pulls, a push consumer nobody hears', () => {
    assert.deepEqual(got.get('tsnats'), [
      'JS_002 critical stream LIM (account $G): 5 messages of max_msgs 5 (100 %); discard new: publishes are refused at the limit',
      'JS_003 warning consumer STALL on stream W (account $G): 2 acks pending of max_ack_pending 2; 4 messages waiting behind them',
      'JS_006 warning consumer IDLE on stream W (account $G): 6 messages pending, no pull request waiting, <when>',
      'JS_006 warning consumer STALL on stream W (account $G): 4 messages pending, no pull request waiting, <when>',
      'JS_007 warning consumer NOSUB on stream W (account $G): no subscriber on nobody.listens; 6 messages pending',
    ]);
  });

  it('nats-server 2.9.10 gives the same findings', { skip: !hasNatsServer() && 'nats-server is not installed' }, () => {
    assert.deepEqual(got.get('nats-server'), got.get('tsnats'));
  });
});
