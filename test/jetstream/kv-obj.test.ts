// Key-value and object store through the official clients, unchanged (issue 20): @nats-io/kv and
// @nats-io/obj v3 and the `nats` v2 client's js.views.kv / js.views.os.
//  1. The recorded client flows (test/jetstream/golden/clients, captured from nats-server 2.9.10
//     through a logging proxy) run against tsnats through the same proxy: per client call, the client
//     sends the same operations and the server answers the same (only nuids and times inside
//     base64-encoded object metadata differ).
//  2. The same operations with their results checked: values, revisions, operations, watch
//     (initial values, all history, updates only, a key filter), TTL, direct gets by revision,
//     multi-megabyte objects in chunks, links, delete, seal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Kvm, KvWatchInclude, type KvEntry } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect as connectV2, KvWatchInclude as KvWatchIncludeV2, StringCodec } from 'nats';
import { withServer } from '../helpers/tsnats.js';
import { flows } from './harness/clients/flows.js';
import { captureFlow, formatOp, type ClientCapture, type ClientOp } from './harness/capture-clients.js';
import { GOLDEN_DIR } from './harness/golden.js';

const te = new TextEncoder();
const td = new TextDecoder();

/**
 * One line per operation, what the client sent then what the server sent (how the two directions
 * interleave depends on timing); base64 object metadata (nuid, mtime inside) is left out.
 */
function lines(c: ClientCapture): string[][] {
  const fmt = (op: ClientOp): string => {
    const b = op.body as { type?: string; message?: { data?: string } } | undefined;
    if (b?.type === 'io.nats.jetstream.api.v1.stream_msg_get_response' && b.message?.data !== undefined) {
      return formatOp({ ...op, body: { ...b, message: { ...b.message, data: '<base64 metadata>' } } as never });
    }
    return formatOp(op);
  };
  return c.sections.map((s) => [
    `## ${s.label}`,
    ...s.ops.filter((op) => op.dir === 'C').map(fmt),
    '-- server:',
    ...s.ops.filter((op) => op.dir === 'S').map(fmt),
  ]);
}

describe('KV and object store clients: the flows recorded from nats-server, against tsnats', { concurrency: 3 }, () => {
  for (const f of flows) {
    it(`${f.name}: the same operations and answers as nats-server 2.9.10`, async () => {
      const golden = JSON.parse(readFileSync(join(GOLDEN_DIR, 'clients', `${f.name}.json`), 'utf8')) as ClientCapture;
      const now = await captureFlow(f.name, 'tsnats');
      const g = lines(golden);
      const t = lines(now);
      assert.equal(t.length, g.length, 'the same client calls');
      for (let i = 0; i < g.length; i++) assert.deepEqual(t[i], g[i], `section ${g[i]![0]}`);
    });
  }
});

/** Collects `n` entries from a watcher/lister (at most 3 s). */
async function take<T>(it: AsyncIterable<T> & { stop?: () => void }, n: number): Promise<T[]> {
  const out: T[] = [];
  const timer = setTimeout(() => it.stop?.(), 3000);
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  clearTimeout(timer);
  return out;
}

function pattern(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

async function fileServer(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'kv-obj-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return withServer(t as never, { jetstream: { storeDir: dir } });
}

describe('KV and object store clients: results against tsnats (file store)', { concurrency: 3 }, () => {
  it('@nats-io/kv v3: put/get/create/update/delete/purge, revisions, direct gets, history, keys, watch, status', async (t) => {
    const srv = await fileServer(t);
    const nc = await connect({ servers: `127.0.0.1:${srv.port}` });
    t.after(() => nc.close());
    const kvm = new Kvm(nc);
    const kv = await kvm.create('cfg', { history: 5 });
    assert.equal(await kv.put('a', te.encode('1')), 1);
    assert.equal(td.decode((await kv.get('a'))!.value), '1');
    assert.equal(await kv.get('missing'), null);
    assert.equal(await kv.create('b', te.encode('x')), 2);
    await assert.rejects(kv.create('a', te.encode('2')), /wrong last sequence: 1/);
    assert.equal(await kv.update('a', te.encode('3'), 1), 3);
    await assert.rejects(kv.update('a', te.encode('4'), 1), /wrong last sequence: 3/);
    // A revision is read with a direct get by sequence.
    const old = await kv.get('a', { revision: 1 });
    assert.deepEqual([td.decode(old!.value), old!.revision], ['1', 1]);
    await kv.delete('b');
    assert.equal((await kv.get('b'))!.operation, 'DEL');
    assert.equal(await kv.create('b', te.encode('y')), 5, 'a deleted key can be created again');
    await kv.purge('b');
    assert.equal((await kv.get('b'))!.operation, 'PURGE');
    const hist = await take(await kv.history({ key: 'a' }), 2);
    assert.deepEqual(hist.map((e) => [e.revision, td.decode(e.value)]), [[1, '1'], [3, '3']]);
    assert.deepEqual(await take(await kv.keys(), 1), ['a']);
    const st = await kv.status();
    assert.deepEqual([st.bucket, st.values, st.history], ['cfg', 3, 5]);

    // Watch: the last value of each key, then updates.
    const w1 = await kv.watch();
    const got1 = take(w1, 3);
    await new Promise((r) => setTimeout(r, 100));
    await kv.put('c', te.encode('new'));
    const e1 = await got1;
    w1.stop();
    assert.deepEqual(e1.map((e: KvEntry) => [e.key, e.revision, e.operation]), [['a', 3, 'PUT'], ['b', 6, 'PURGE'], ['c', 7, 'PUT']]);
    // All history (the purge removed b's earlier entries).
    const w2 = await kv.watch({ include: KvWatchInclude.AllHistory });
    const e2 = await take(w2, 4);
    w2.stop();
    assert.deepEqual(e2.map((e) => e.revision), [1, 3, 6, 7]);
    // Updates only.
    const w3 = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
    const got3 = take(w3, 1);
    await new Promise((r) => setTimeout(r, 100));
    await kv.put('a', te.encode('5'));
    const e3 = await got3;
    w3.stop();
    assert.deepEqual(e3.map((e) => [e.key, e.revision, td.decode(e.value)]), [['a', 8, '5']]);
    // A key filter.
    const w4 = await kv.watch({ key: 'c' });
    const e4 = await take(w4, 1);
    w4.stop();
    assert.deepEqual(e4.map((e) => [e.key, e.revision]), [['c', 7]]);
    await kv.destroy();
    await assert.rejects(kvm.open('cfg').then((k) => k.status()), /stream not found/);
  });

  it('@nats-io/kv v3: a bucket with a TTL: values expire', async (t) => {
    const srv = await fileServer(t);
    const nc = await connect({ servers: `127.0.0.1:${srv.port}` });
    t.after(() => nc.close());
    const kv = await new Kvm(nc).create('ttl', { ttl: 300 });
    assert.equal((await kv.status()).ttl, 300);
    await kv.put('k', te.encode('v'));
    assert.equal(td.decode((await kv.get('k'))!.value), 'v');
    const deadline = Date.now() + 5000;
    while ((await kv.get('k')) !== null) {
      assert.ok(Date.now() < deadline, 'the value expires');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('@nats-io/obj v3: a 3 MiB object in chunks, get, info, list, watch, link, delete, seal', async (t) => {
    const srv = await fileServer(t);
    const nc = await connect({ servers: `127.0.0.1:${srv.port}` });
    t.after(() => nc.close());
    const os = await new Objm(nc).create('files');
    const big = pattern(3 * 1024 * 1024 + 17);
    const info = await os.putBlob({ name: 'big', description: 'three megabytes' }, big);
    assert.deepEqual([info.size, info.chunks], [big.length, 25]);
    const got = await os.getBlob('big');
    assert.ok(got !== null && Buffer.compare(Buffer.from(got), Buffer.from(big)) === 0, 'the same bytes back');
    assert.equal((await os.info('big'))!.digest, info.digest);
    await os.putBlob({ name: 'small.txt' }, te.encode('hello'));
    assert.deepEqual((await os.list()).map((i) => i.name).sort(), ['big', 'small.txt']);
    // With history: what is there; without: only what comes next.
    const w = await os.watch({ includeHistory: true });
    const seen = await take(w, 2);
    w.stop();
    assert.deepEqual(seen.map((i) => i.name).sort(), ['big', 'small.txt']);
    const wn = await os.watch();
    const next = take(wn, 1);
    await new Promise((r) => setTimeout(r, 100));
    await os.putBlob({ name: 'later.txt' }, te.encode('later'));
    assert.deepEqual((await next).map((i) => i.name), ['later.txt']);
    wn.stop();
    await os.link('alias', (await os.info('small.txt'))!);
    assert.equal(td.decode((await os.getBlob('alias'))!), 'hello', 'a link is followed');
    await os.delete('big');
    assert.equal(await os.getBlob('big'), null);
    await os.seal();
    assert.equal((await os.status()).sealed, true);
    await assert.rejects(os.putBlob({ name: 'late' }, te.encode('x')), /sealed/);
  });

  it('nats v2: js.views.kv and js.views.os', async (t) => {
    const srv = await fileServer(t);
    const nc = await connectV2({ servers: `127.0.0.1:${srv.port}` });
    t.after(() => nc.close());
    const sc = StringCodec();
    const js = nc.jetstream();
    const kv = await js.views.kv('cfg2', { history: 5 });
    assert.equal(await kv.put('a', sc.encode('1')), 1);
    assert.equal(sc.decode((await kv.get('a'))!.value), '1');
    await assert.rejects(kv.create('a', sc.encode('2')), /wrong last sequence: 1/);
    assert.equal(await kv.update('a', sc.encode('3'), 1), 2);
    await kv.delete('a');
    assert.equal((await kv.get('a'))!.operation, 'DEL');
    await kv.put('b', sc.encode('x'));
    const hist = await take(await kv.history({ key: 'a' }), 3);
    assert.deepEqual(hist.map((e) => e.operation), ['PUT', 'PUT', 'DEL']);
    assert.deepEqual(await take(await kv.keys(), 1), ['b']);
    const w = await kv.watch({ include: KvWatchIncludeV2.UpdatesOnly });
    const got = take(w, 1);
    await new Promise((r) => setTimeout(r, 100));
    await kv.put('c', sc.encode('y'));
    assert.deepEqual((await got).map((e) => [e.key, e.revision]), [['c', 5]]);
    w.stop();
    await kv.destroy();

    const os = await js.views.os('files2');
    const big = pattern(2 * 1024 * 1024 + 5);
    const info = await os.putBlob({ name: 'big.bin' }, big);
    assert.equal(info.chunks, 17);
    const back = await os.getBlob('big.bin');
    assert.ok(back !== null && Buffer.compare(Buffer.from(back), Buffer.from(big)) === 0);
    await os.link('alias', info);
    assert.equal((await os.getBlob('alias'))!.length, big.length);
    await os.delete('big.bin');
    assert.equal(await os.getBlob('big.bin'), null);
    await os.seal();
    await assert.rejects(os.putBlob({ name: 'late' }, sc.encode('x')), /sealed/);
  });
});
