// JetStream, the same run against `nats-server -js` and `tsnats -js` (each with its own store
// directory): async publish 128B to a file and a memory stream (a window of acks outstanding), a
// synchronous publish-and-ack latency, direct gets by sequence and by last subject, the bytes on
// disk per stored 128B message, the restart time with 1M stored messages, and the memory a stream
// and a stored message take on the memory store.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.js';
import type { Case, Sample, Settings } from '../model.js';
import { rssBytes } from '../proc.js';
import { spawnServer, startBenchServer, stopProcess, waitForInfo, type Kind, type BenchServer } from '../servers.js';
import { fixed, percentile, si } from '../stats.js';
import { openWindow } from '../window.js';
import { JsClient } from '../js-client.js';

const SIZE = 128;
const WINDOW = 4096;

interface JsBench {
  server: BenchServer;
  dir: string;
  client: JsClient;
  done(): Promise<void>;
}

async function start(kind: Kind): Promise<JsBench> {
  const dir = mkdtempSync(join(tmpdir(), `bench-js-${kind}-`));
  const server = await startBenchServer(kind, { args: ['-js', '-sd', dir] });
  const client = await JsClient.open(server.port);
  return {
    server, dir, client,
    async done() {
      client.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createStream(c: JsClient, name: string, storage: 'file' | 'memory', subjects: string[]): Promise<void> {
  const r = await c.api(`STREAM.CREATE.${name}`, { name, subjects, storage });
  if (r.error) throw new Error(`stream create: ${JSON.stringify(r.error)}`);
}

/**
 * Publishes `total` messages (or for `ms`) with replies, keeping `window` acks outstanding; resolves
 * with the number acknowledged and the elapsed ms.
 */
function pump(c: JsClient, subject: (i: number) => string, opts: { total?: number; ms?: number; window?: number }): Promise<{ acked: number; ms: number; errors: number }> {
  const payload = Buffer.alloc(SIZE, 0x61);
  const window = opts.window ?? WINDOW;
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let errors = 0;
    let stop = false;
    const t0 = performance.now();
    const deadline = opts.ms !== undefined ? t0 + opts.ms : Infinity;
    const limit = opts.total ?? Infinity;
    const send = () => {
      c.pub(subject(sent), sent, payload);
      sent++;
    };
    c.handler((f) => {
      if (f.payload[2] === 0x65 /* {"error" */) errors++;
      acked++;
      if (!stop && (acked >= limit || performance.now() >= deadline)) stop = true;
      if (!stop && sent < limit) send();
      if (acked === sent && (stop || sent >= limit)) {
        c.handler(null);
        resolve({ acked, ms: performance.now() - t0, errors });
      }
    });
    for (let i = 0; i < window && sent < limit; i++) send();
    c.flush();
  });
}

async function asyncPublish(kind: Kind, s: Settings, storage: 'file' | 'memory'): Promise<Sample> {
  const b = await start(kind);
  try {
    await createStream(b.client, 'P', storage, ['p.>']);
    if (s.warmupMs > 0) await pump(b.client, () => 'p.w', { ms: s.warmupMs });
    const win = openWindow(b.server.pid);
    const r = await pump(b.client, (i) => `p.${i & 63}`, { ms: s.durationMs });
    const cpu = win();
    if (r.errors > 0) throw new Error(`${r.errors} error acks`);
    return { values: { rate: (r.acked / r.ms) * 1000 }, serverCpu: cpu.server / r.acked, clientCpu: cpu.client / r.acked, extra: { acked: r.acked, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

async function syncPublish(kind: Kind, s: Settings): Promise<Sample> {
  const b = await start(kind);
  try {
    await createStream(b.client, 'S', 'file', ['s']);
    const payload = Buffer.alloc(SIZE, 0x61);
    const run = async (ms: number) => {
      const lat: number[] = [];
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const t = process.hrtime.bigint();
        await b.client.request('s', payload);
        lat.push(Number(process.hrtime.bigint() - t) / 1000);
      }
      return lat;
    };
    if (s.warmupMs > 0) await run(s.warmupMs);
    const win = openWindow(b.server.pid);
    const lat = await run(s.reqMs);
    const cpu = win();
    return { values: { p50: percentile(lat, 50), p99: percentile(lat, 99) }, serverCpu: cpu.server / lat.length, clientCpu: cpu.client / lat.length, extra: { requests: lat.length, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

/** Direct gets with `window` requests in flight: by sequence (random) or by last subject (random of 1000). */
async function directGet(kind: Kind, s: Settings, by: 'seq' | 'last'): Promise<Sample> {
  const b = await start(kind);
  try {
    const r = await b.client.api('STREAM.CREATE.G', { name: 'G', subjects: ['g.>'], storage: 'file', allow_direct: true });
    if (r.error) throw new Error(JSON.stringify(r.error));
    const N = 10_000;
    await pump(b.client, (i) => `g.${i % 1000}`, { total: N });
    const c = b.client;
    const run = (ms: number) =>
      new Promise<{ ops: number; ms: number; misses: number }>((resolve) => {
        let sent = 0;
        let got = 0;
        let misses = 0;
        let stop = false;
        const t0 = performance.now();
        const send = () => {
          if (by === 'seq') c.pub('$JS.API.DIRECT.GET.G', sent, Buffer.from(`{"seq":${1 + Math.floor(Math.random() * N)}}`));
          else c.pub(`$JS.API.DIRECT.GET.G.g.${Math.floor(Math.random() * 1000)}`, sent, Buffer.alloc(0));
          sent++;
        };
        c.handler((f) => {
          got++;
          if (f.payload.length !== SIZE) misses++;
          if (!stop && performance.now() - t0 >= ms) stop = true;
          if (!stop) send();
          if (got === sent && stop) {
            c.handler(null);
            resolve({ ops: got, ms: performance.now() - t0, misses });
          }
        });
        for (let i = 0; i < 256; i++) send();
        c.flush();
      });
    if (s.warmupMs > 0) await run(s.warmupMs);
    const win = openWindow(b.server.pid);
    const res = await run(s.durationMs);
    const cpu = win();
    if (res.misses > 0) throw new Error(`${res.misses} direct gets without the message`);
    return { values: { rate: (res.ops / res.ms) * 1000 }, serverCpu: cpu.server / res.ops, clientCpu: cpu.client / res.ops, extra: { ops: res.ops, otherCores: cpu.otherCores } };
  } finally {
    await b.done();
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

/** Bytes on disk per stored 128B message, after a clean shutdown (everything written). */
async function diskBytes(kind: Kind, s: Settings): Promise<Sample> {
  const b = await start(kind);
  const N = s.quick ? 20_000 : 100_000;
  let bytes = 0;
  try {
    await createStream(b.client, 'D', 'file', ['d.>']);
    await pump(b.client, (i) => `d.${i % 1000}`, { total: N });
    b.client.close();
    await b.server.stop();
    bytes = dirBytes(b.dir);
  } finally {
    await b.done();
  }
  return { values: { perMsg: bytes / N }, serverCpu: NaN, clientCpu: NaN, extra: { messages: N, bytes } };
}

/** Restart with `N` stored messages: spawn → STREAM.INFO answered with every message. */
async function restart(kind: Kind, s: Settings): Promise<Sample> {
  const N = s.quick ? 100_000 : 1_000_000;
  const b = await start(kind);
  let ms = 0;
  try {
    await createStream(b.client, 'R', 'file', ['r.>']);
    await pump(b.client, (i) => `r.${i % 1000}`, { total: N, window: 8192 });
    b.client.close();
    await b.server.stop();
    const port = await freePort();
    const t0 = performance.now();
    const proc = spawnServer(kind, port, { args: ['-js', '-sd', b.dir] });
    try {
      await waitForInfo(port, 120_000, proc);
      const c = await JsClient.open(port);
      for (;;) {
        const info = await c.api('STREAM.INFO.R');
        if (info.state?.messages === N) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      ms = performance.now() - t0;
      c.close();
    } finally {
      await stopProcess(proc);
    }
  } finally {
    await b.done();
  }
  return { values: { ms }, serverCpu: NaN, clientCpu: NaN, extra: { messages: N } };
}

/** Memory store: RSS per stream (1000 empty streams) and per stored 128B message. */
async function memory(kind: Kind, s: Settings): Promise<Sample> {
  const b = await start(kind);
  const STREAMS = 1000;
  const N = s.quick ? 50_000 : 200_000;
  try {
    const settle = async () => {
      await new Promise((r) => setTimeout(r, 300));
      return rssBytes(b.server.pid);
    };
    const r0 = await settle();
    for (let i = 0; i < STREAMS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, (_, k) => createStream(b.client, `M${i + k}`, 'memory', [`m${i + k}`])));
    }
    const r1 = await settle();
    await createStream(b.client, 'BIG', 'memory', ['big.>']);
    const r2 = await settle();
    await pump(b.client, (i) => `big.${i % 1000}`, { total: N });
    const r3 = await settle();
    return { values: { perStream: (r1 - r0) / STREAMS, perMsg: (r3 - r2) / N }, serverCpu: NaN, clientCpu: NaN, extra: { streams: STREAMS, messages: N, rss: r3 } };
  } finally {
    await b.done();
  }
}

const rate = (x: number) => si(x);
const us = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 100 ? 1 : 0) : '—');
const one = () => 1;

export const jetstreamCases: Case[] = [
  {
    id: 'js-pub-file', group: 'js', title: 'JetStream async publish 128B, file stream (4096 acks in flight)',
    metrics: [{ key: 'rate', label: '', unit: 'msgs/s', better: 'higher', format: rate }], cpuPer: 'msg',
    run: (k, s) => asyncPublish(k, s, 'file'),
  },
  {
    id: 'js-pub-mem', group: 'js', title: 'JetStream async publish 128B, memory stream (4096 acks in flight)',
    metrics: [{ key: 'rate', label: '', unit: 'msgs/s', better: 'higher', format: rate }], cpuPer: 'msg',
    run: (k, s) => asyncPublish(k, s, 'memory'),
  },
  {
    id: 'js-sync', group: 'js', title: 'JetStream publish-and-ack 128B, one at a time, file stream',
    metrics: [
      { key: 'p50', label: 'p50', unit: 'µs', better: 'lower', format: us },
      { key: 'p99', label: 'p99', unit: 'µs', better: 'lower', format: us },
    ], cpuPer: 'msg',
    run: syncPublish,
  },
  {
    id: 'js-direct-seq', group: 'js', title: 'JetStream DIRECT.GET by sequence (10k messages, 256 in flight)',
    metrics: [{ key: 'rate', label: '', unit: 'gets/s', better: 'higher', format: rate }], cpuPer: 'get',
    run: (k, s) => directGet(k, s, 'seq'),
  },
  {
    id: 'js-direct-last', group: 'js', title: 'JetStream DIRECT.GET last by subject (1000 subjects, 256 in flight)',
    metrics: [{ key: 'rate', label: '', unit: 'gets/s', better: 'higher', format: rate }], cpuPer: 'get',
    run: (k, s) => directGet(k, s, 'last'),
  },
  {
    id: 'js-disk', group: 'js', title: 'JetStream bytes on disk per stored 128B message (100k, file)',
    metrics: [{ key: 'perMsg', label: '', unit: 'B/msg', better: 'lower', format: (x) => fixed(x, 0) }], cpuPer: 'msg',
    rounds: one, run: diskBytes,
  },
  {
    id: 'js-restart', group: 'js', title: 'JetStream restart with 1M stored 128B messages (spawn → STREAM.INFO complete)',
    metrics: [{ key: 'ms', label: '', unit: 'ms', better: 'lower', format: (x) => fixed(x, 0) }], cpuPer: 'restart',
    rounds: one, run: restart,
  },
  {
    id: 'js-mem', group: 'js', title: 'JetStream memory store: RSS per empty stream (1000) and per stored 128B message (200k)',
    metrics: [
      { key: 'perStream', label: 'stream', unit: 'B', better: 'lower', format: (x) => fixed(x, 0) },
      { key: 'perMsg', label: 'msg', unit: 'B', better: 'lower', format: (x) => fixed(x, 0) },
    ], cpuPer: 'msg',
    rounds: one, run: memory,
  },
];
