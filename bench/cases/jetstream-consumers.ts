// JetStream consumers and key-value (issue 20), the same run against `nats-server -js` and
// `tsnats -js` with the raw bench client: pull fetch throughput with explicit acks (batches of
// 256, four requests in flight, every message acked), push delivery with ack none, KV put and get
// ops/s (256 in flight), and the consumer creation rate — each on a file and on a memory stream.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case, Sample, Settings } from '../model.js';
import { startBenchServer, type Kind, type BenchServer } from '../servers.js';
import { si } from '../stats.js';
import { openWindow } from '../window.js';
import { JsClient, type Frame } from '../js-client.js';

type Storage = 'file' | 'memory';
const SIZE = 128;
const EMPTY = Buffer.alloc(0);

interface Bench {
  server: BenchServer;
  client: JsClient;
  done(): Promise<void>;
}

async function start(kind: Kind): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), `bench-jsc-${kind}-`));
  const server = await startBenchServer(kind, { args: ['-js', '-sd', dir] });
  const client = await JsClient.open(server.port);
  return {
    server, client,
    async done() {
      client.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function api(c: JsClient, subject: string, body: unknown): Promise<Record<string, any>> {
  const r = await c.api(subject, body);
  if (r.error) throw new Error(`${subject}: ${JSON.stringify(r.error)}`);
  return r;
}

/** Stores `n` messages (4096 acks in flight) on `subject(i)`. */
function fill(c: JsClient, n: number, subject: (i: number) => string, payload = Buffer.alloc(SIZE, 0x61)): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    c.handler((f) => {
      if (f.payload[2] === 0x65 /* {"error */) return reject(new Error(`publish: ${f.payload.toString()}`));
      acked++;
      if (sent < n) {
        c.pub(subject(sent), sent, payload);
        sent++;
      }
      if (acked === n) {
        c.handler(null);
        resolve();
      }
    });
    for (; sent < Math.min(n, 4096); sent++) c.pub(subject(sent), sent, payload);
    c.flush();
  });
}

/** Messages consumed per round: enough for a timed run of a few hundred ms on either server. */
const countOf = (s: Settings) => (s.quick ? 30_000 : 150_000);

/** Pull: batches of 256, four requests in flight, each message acked (no reply) as it arrives. */
async function pull(kind: Kind, s: Settings, storage: Storage): Promise<Sample> {
  const b = await start(kind);
  try {
    const c = b.client;
    const N = countOf(s);
    await api(c, 'STREAM.CREATE.P', { name: 'P', subjects: ['p.>'], storage });
    await fill(c, N, (i) => `p.${i & 63}`);
    await api(c, 'CONSUMER.DURABLE.CREATE.P.C', { stream_name: 'P', config: { durable_name: 'C', ack_policy: 'explicit', max_ack_pending: 20_000 } });
    const BATCH = 256;
    const req = Buffer.from(JSON.stringify({ batch: BATCH, expires: 5_000_000_000 }));
    const win = openWindow(b.server.pid);
    const t0 = performance.now();
    const got = await new Promise<number>((resolve, reject) => {
      let n = 0;
      let requested = 0;
      const timer = setTimeout(() => reject(new Error(`${n} of ${N} fetched in 60 s`)), 60_000);
      const ask = () => {
        if (requested >= N) return;
        c.pub('$JS.API.CONSUMER.MSG.NEXT.P.C', 0, req);
        requested += BATCH;
      };
      c.handler((f: Frame) => {
        if (f.reply === '') {
          if (f.hdr !== null && !f.hdr.includes('100')) reject(new Error(`status ${f.hdr.toString().split('\r\n')[0]}`));
          return;
        }
        n++;
        c.write(`PUB ${f.reply} 0\r\n\r\n`);
        if (n % BATCH === 0) ask();
        if (n === N) {
          clearTimeout(timer);
          c.handler(null);
          c.flush();
          resolve(n);
        }
      });
      for (let i = 0; i < 4; i++) ask();
      c.flush();
    });
    const ms = performance.now() - t0;
    const cpu = win();
    // Every ack processed: the consumer holds nothing.
    await c.ping();
    const info = await api(c, 'CONSUMER.INFO.P.C', '');
    if (info.num_pending !== 0) throw new Error(`num_pending ${info.num_pending} after the run`);
    return { values: { rate: (got / ms) * 1000 }, serverCpu: cpu.server / got, clientCpu: cpu.client / got, extra: { messages: got, ack_pending_left: info.num_ack_pending, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

/** Push with ack none: the time from the consumer's creation to the last of N messages. */
async function push(kind: Kind, s: Settings, storage: Storage): Promise<Sample> {
  const b = await start(kind);
  try {
    const c = b.client;
    const N = countOf(s);
    await api(c, 'STREAM.CREATE.Q', { name: 'Q', subjects: ['q.>'], storage });
    await fill(c, N, (i) => `q.${i & 63}`);
    // A push consumer delivers while its deliver subject has an exact subscriber (not a wildcard).
    c.write('SUB _INBOX.push 2\r\n');
    await c.ping();
    const win = openWindow(b.server.pid);
    const t0 = performance.now();
    const done = new Promise<number>((resolve, reject) => {
      let n = 0;
      const timer = setTimeout(() => reject(new Error(`${n} of ${N} delivered in 60 s`)), 60_000);
      c.handler((f) => {
        if (f.reply === '') return;
        if (++n === N) {
          clearTimeout(timer);
          c.handler(null);
          resolve(n);
        }
      });
    });
    c.pub('$JS.API.CONSUMER.DURABLE.CREATE.Q.D', 2_000_000_001, Buffer.from(JSON.stringify({ stream_name: 'Q', config: { durable_name: 'D', deliver_subject: '_INBOX.push', ack_policy: 'none' } })));
    c.flush();
    const got = await done;
    const ms = performance.now() - t0;
    const cpu = win();
    return { values: { rate: (got / ms) * 1000 }, serverCpu: cpu.server / got, clientCpu: cpu.client / got, extra: { messages: got, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

/** KV: puts (publishes with acks) or gets (DIRECT.GET of the last value of a key), 256 in flight. */
async function kv(kind: Kind, s: Settings, storage: Storage, op: 'put' | 'get'): Promise<Sample> {
  const b = await start(kind);
  try {
    const c = b.client;
    const KEYS = 1000;
    // The stream @nats-io/kv creates for a bucket (history 1).
    await api(c, 'STREAM.CREATE.KV_bench', {
      name: 'KV_bench', subjects: ['$KV.bench.>'], retention: 'limits', max_msgs_per_subject: 1, max_bytes: -1, max_msg_size: -1,
      storage, discard: 'new', allow_direct: true, num_replicas: 1, allow_rollup_hdrs: true,
    });
    const value = Buffer.alloc(SIZE, 0x76);
    if (op === 'get') await fill(c, KEYS, (i) => `$KV.bench.k${i}`, value);
    const run = (ms: number) =>
      new Promise<{ ops: number; ms: number; bad: number }>((resolve) => {
        let sent = 0;
        let got = 0;
        let bad = 0;
        let stop = false;
        const t0 = performance.now();
        const send = () => {
          const key = `$KV.bench.k${Math.floor(Math.random() * KEYS)}`;
          if (op === 'put') c.pub(key, sent, value);
          else c.pub(`$JS.API.DIRECT.GET.KV_bench.${key}`, sent, EMPTY);
          sent++;
        };
        c.handler((f) => {
          got++;
          if (op === 'get' ? f.payload.length !== SIZE : f.payload[2] === 0x65) bad++;
          if (!stop && performance.now() - t0 >= ms) stop = true;
          if (!stop) send();
          if (got === sent && stop) {
            c.handler(null);
            resolve({ ops: got, ms: performance.now() - t0, bad });
          }
        });
        for (let i = 0; i < 256; i++) send();
        c.flush();
      });
    if (s.warmupMs > 0) await run(s.warmupMs);
    const win = openWindow(b.server.pid);
    const r = await run(s.durationMs);
    const cpu = win();
    if (r.bad > 0) throw new Error(`${r.bad} failed ${op}s`);
    return { values: { rate: (r.ops / r.ms) * 1000 }, serverCpu: cpu.server / r.ops, clientCpu: cpu.client / r.ops, extra: { ops: r.ops, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

/** Consumer creation: durable pull consumers, 32 requests in flight, then they are deleted. */
async function create(kind: Kind, s: Settings, storage: Storage): Promise<Sample> {
  const b = await start(kind);
  try {
    const c = b.client;
    const N = s.quick ? 1000 : 3000;
    await api(c, 'STREAM.CREATE.K', { name: 'K', subjects: ['k.>'], storage });
    await fill(c, 1000, (i) => `k.${i & 63}`);
    const win = openWindow(b.server.pid);
    const t0 = performance.now();
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const r = await c.api(`CONSUMER.DURABLE.CREATE.K.C${i}`, { stream_name: 'K', config: { durable_name: `C${i}`, ack_policy: 'explicit' } });
        if (r.error) failed++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    const ms = performance.now() - t0;
    const cpu = win();
    if (failed > 0) throw new Error(`${failed} creations failed`);
    return { values: { rate: (N / ms) * 1000 }, serverCpu: cpu.server / N, clientCpu: cpu.client / N, extra: { consumers: N, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

const rate = (x: number) => si(x);

function cases(storage: Storage): Case[] {
  const st = storage === 'file' ? 'file' : 'mem';
  return [
    {
      id: `js-pull-${st}`, group: 'jsc', title: `JetStream pull fetch 128B, explicit acks, ${storage} stream (batch 256, 4 requests in flight)`,
      metrics: [{ key: 'rate', label: '', unit: 'msgs/s', better: 'higher', format: rate }], cpuPer: 'msg',
      run: (k, s) => pull(k, s, storage),
    },
    {
      id: `js-push-${st}`, group: 'jsc', title: `JetStream push delivery 128B, ack none, ${storage} stream`,
      metrics: [{ key: 'rate', label: '', unit: 'msgs/s', better: 'higher', format: rate }], cpuPer: 'msg',
      run: (k, s) => push(k, s, storage),
    },
    {
      id: `js-kv-put-${st}`, group: 'jsc', title: `KV put 128B, ${storage} bucket (1000 keys, 256 in flight)`,
      metrics: [{ key: 'rate', label: '', unit: 'ops/s', better: 'higher', format: rate }], cpuPer: 'put',
      run: (k, s) => kv(k, s, storage, 'put'),
    },
    {
      id: `js-kv-get-${st}`, group: 'jsc', title: `KV get (direct, last by key), ${storage} bucket (1000 keys, 256 in flight)`,
      metrics: [{ key: 'rate', label: '', unit: 'ops/s', better: 'higher', format: rate }], cpuPer: 'get',
      run: (k, s) => kv(k, s, storage, 'get'),
    },
    {
      id: `js-create-${st}`, group: 'jsc', title: `JetStream durable consumer creation, ${storage} stream (32 requests in flight)`,
      metrics: [{ key: 'rate', label: '', unit: 'creates/s', better: 'higher', format: rate }], cpuPer: 'create',
      run: (k, s) => create(k, s, storage),
    },
  ];
}

export const jetstreamConsumerCases: Case[] = [...cases('memory'), ...cases('file')];
