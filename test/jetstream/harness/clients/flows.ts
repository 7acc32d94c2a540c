// Client flows recorded through the logging proxy: what the official KV and object store clients send
// to the server (and get back) for each operation. Each flow marks the start of every operation, after
// a flush, so the log reads as "operation → the protocol it caused".
import { Readable } from 'node:stream';
import { connect as connectV3, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect as connectV2, type NatsConnection as NatsConnectionV2 } from 'nats';

export interface ClientFlow {
  /** File name of the capture: golden/clients/<name>.json and .txt. */
  name: string;
  description: string;
  /** Runs against url; `mark(label)` starts a new section in the log. */
  run(url: string, mark: (label: string) => void): Promise<void>;
}

const te = new TextEncoder();
const td = new TextDecoder();

/** Iterates a watcher/lister until `n` entries arrived (or 2 s passed). */
async function take<T>(it: AsyncIterable<T> & { stop?: () => void }, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  const timer = setTimeout(() => it.stop?.(), 2000);
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  clearTimeout(timer);
  return out;
}

function bigObject(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** A ReadableStream<Uint8Array> over a buffer, in 64 KB pieces. */
function streamOf(data: Uint8Array): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 65536) pieces.push(data.subarray(i, i + 65536));
  return Readable.toWeb(Readable.from(pieces)) as unknown as ReadableStream<Uint8Array>;
}

async function v3(url: string, fn: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const nc = await connectV3({ servers: url, name: 'flow-v3' });
  try { await fn(nc); } finally { await nc.close(); }
}

async function v2(url: string, fn: (nc: NatsConnectionV2) => Promise<void>): Promise<void> {
  const nc = await connectV2({ servers: url, name: 'flow-v2' });
  try { await fn(nc); } finally { await nc.close(); }
}

export const flows: ClientFlow[] = [
  {
    name: 'kv-v3-basic',
    description: '@nats-io/kv v3: create bucket (history 5), put, get, create (new and existing key), update with the right and a wrong revision, delete, get a deleted key, purge, history, keys, status, destroy.',
    run: (url, mark) => v3(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      const kvm = new Kvm(nc);
      await step('kvm.create("cfg", { history: 5 })');
      const kv = await kvm.create('cfg', { history: 5 });
      await step('kv.put("a", "1")');
      const r1 = await kv.put('a', te.encode('1'));
      await step('kv.get("a")');
      await kv.get('a');
      await step('kv.get("missing")');
      await kv.get('missing');
      await step('kv.create("b", "x") (new key)');
      await kv.create('b', te.encode('x'));
      await step('kv.create("a", "2") (existing key: fails)');
      await kv.create('a', te.encode('2')).catch(() => undefined);
      await step('kv.update("a", "3", <revision of a>)');
      const r3 = await kv.update('a', te.encode('3'), r1);
      await step('kv.update("a", "4", <old revision>) (fails)');
      await kv.update('a', te.encode('4'), r1).catch(() => undefined);
      await step('kv.get("a", { revision })');
      await kv.get('a', { revision: r3 });
      await step('kv.delete("b")');
      await kv.delete('b');
      await step('kv.get("b") (deleted)');
      await kv.get('b');
      await step('kv.create("b", "y") (after delete: allowed)');
      await kv.create('b', te.encode('y'));
      await step('kv.purge("b")');
      await kv.purge('b');
      await step('kv.history({ key: "a" })');
      await take(await kv.history({ key: 'a' }), 2);
      await step('kv.keys()');
      await take(await kv.keys(), 1);
      await step('kv.status()');
      await kv.status();
      await step('kvm.open("cfg")');
      await kvm.open('cfg');
      await step('kv.destroy()');
      await kv.destroy();
      await step('end');
    }),
  },
  {
    name: 'kv-v3-watch',
    description: '@nats-io/kv v3: watch (last values, then an update), watch with all history, watch updates only, watch a key filter; the ordered consumers they create.',
    run: (url, mark) => v3(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      const kv = await new Kvm(nc).create('w', { history: 3 });
      await kv.put('k1', te.encode('v1'));
      await kv.put('k1', te.encode('v2'));
      await kv.put('k2', te.encode('v3'));
      await step('kv.watch() → 2 initial values, then put k2 → 1 update');
      const w1 = await kv.watch();
      const got1 = take(w1, 3);
      await new Promise((r) => setTimeout(r, 200));
      await kv.put('k2', te.encode('v4'));
      await got1;
      w1.stop();
      await step('kv.watch({ include: AllHistory }) → 4 entries');
      const w2 = await kv.watch({ include: KvWatchInclude.AllHistory });
      await take(w2, 4);
      w2.stop();
      await step('kv.watch({ include: UpdatesOnly }) then put k1');
      const w3 = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
      const got3 = take(w3, 1);
      await new Promise((r) => setTimeout(r, 200));
      await kv.put('k1', te.encode('v5'));
      await got3;
      w3.stop();
      await step('kv.watch({ key: "k2" })');
      const w4 = await kv.watch({ key: 'k2' });
      await take(w4, 1);
      w4.stop();
      await step('end');
    }),
  },
  {
    name: 'kv-v3-ttl',
    description: '@nats-io/kv v3: a bucket with ttl 1s (max_age), put, get before and after expiry, max_bytes and max value size options.',
    run: (url, mark) => v3(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      await step('kvm.create("ttl", { ttl: 1000, maxBucketSize: 1024, maxValueSize: 128, storage: memory, description })');
      const kv = await new Kvm(nc).create('ttl', { ttl: 1000, max_bytes: 1024, maxValueSize: 128, storage: 'memory', description: 'expiring' } as never);
      await step('kv.put("k", "v")');
      await kv.put('k', te.encode('v'));
      await step('kv.get("k") (before expiry)');
      await kv.get('k');
      await new Promise((r) => setTimeout(r, 1300));
      await step('kv.get("k") (after 1.3 s)');
      await kv.get('k');
      await step('kv.put("big", 200 bytes) (over maxValueSize)');
      await kv.put('big', new Uint8Array(200)).catch(() => undefined);
      await step('end');
    }),
  },
  {
    name: 'obj-v3',
    description: '@nats-io/obj v3: create store, put a 3 MB object (chunks), info, get it back, list, watch, link, put a small object, delete, seal, status, and a put on the sealed store.',
    run: (url, mark) => v3(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      const objm = new Objm(nc);
      await step('objm.create("files")');
      const os = await objm.create('files');
      const data = bigObject(3 * 1024 * 1024);
      await step('os.put({ name: "big.bin" }, 3 MB stream)');
      await os.put({ name: 'big.bin', description: 'three megabytes' }, streamOf(data));
      await step('os.info("big.bin")');
      await os.info('big.bin');
      await step('os.get("big.bin") and read it all');
      const res = await os.get('big.bin');
      if (res) {
        const reader = res.data.getReader();
        let n = 0;
        for (;;) { const { done, value } = await reader.read(); if (done) break; n += value.length; }
        if (n !== data.length) throw new Error(`read ${n} bytes`);
        await res.error;
      }
      await step('os.putBlob({ name: "small.txt" }, 5 bytes)');
      await os.putBlob({ name: 'small.txt' }, te.encode('hello'));
      await step('os.list()');
      await os.list();
      await step('os.watch() → 2 entries');
      const w = await os.watch();
      await take(w, 2);
      w.stop();
      const info = await os.info('small.txt');
      await step('os.link("alias.txt", small.txt info)');
      if (info) await os.link('alias.txt', info);
      await step('os.getBlob("alias.txt") (follows the link)');
      const blob = await os.getBlob('alias.txt');
      if (!blob || td.decode(blob) !== 'hello') throw new Error('link did not resolve');
      await step('os.delete("small.txt")');
      await os.delete('small.txt');
      await step('os.seal()');
      await os.seal();
      await step('os.status()');
      await os.status();
      await step('os.putBlob on the sealed store (fails)');
      await os.putBlob({ name: 'late.txt' }, te.encode('late')).catch(() => undefined);
      await step('end');
    }),
  },
  {
    name: 'kv-v2',
    description: 'nats v2 (js.views.kv): create bucket, put, get, create, update, delete, purge, history, keys, watch, destroy.',
    run: (url, mark) => v2(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      const js = nc.jetstream();
      await step('js.views.kv("cfg2", { history: 5 })');
      const kv = await js.views.kv('cfg2', { history: 5 });
      await step('kv.put("a", "1")');
      const r1 = await kv.put('a', te.encode('1'));
      await step('kv.get("a")');
      await kv.get('a');
      await step('kv.create("a", "2") (fails)');
      await kv.create('a', te.encode('2')).catch(() => undefined);
      await step('kv.update("a", "3", revision)');
      await kv.update('a', te.encode('3'), r1);
      await step('kv.delete("a")');
      await kv.delete('a');
      await step('kv.purge("a")');
      await kv.purge('a');
      await kv.put('b', te.encode('x'));
      await step('kv.history({ key: "b" })');
      await take(await kv.history({ key: 'b' }), 1);
      await step('kv.keys()');
      await take(await kv.keys(), 1);
      await step('kv.watch() → 1 entry');
      const w = await kv.watch();
      await take(w, 1);
      w.stop();
      await step('kv.destroy()');
      await kv.destroy();
      await step('end');
    }),
  },
  {
    name: 'obj-v2',
    description: 'nats v2 (js.views.os): create store, put 3 MB, get, list, delete, seal.',
    run: (url, mark) => v2(url, async (nc) => {
      const step = async (label: string) => { await nc.flush(); mark(label); };
      const js = nc.jetstream();
      await step('js.views.os("files2")');
      const os = await js.views.os('files2');
      const data = bigObject(3 * 1024 * 1024);
      await step('os.put({ name: "big.bin" }, 3 MB stream)');
      await os.put({ name: 'big.bin' }, streamOf(data) as never);
      await step('os.get("big.bin") and read it all');
      const res = await os.get('big.bin');
      if (res) {
        const reader = res.data.getReader();
        for (;;) { const { done } = await reader.read(); if (done) break; }
        await res.error;
      }
      await step('os.list()');
      await os.list();
      await step('os.delete("big.bin")');
      await os.delete('big.bin');
      await step('os.seal()');
      await os.seal();
      await step('end');
    }),
  },
];
