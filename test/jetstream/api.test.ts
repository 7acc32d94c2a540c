// JetStream API behaviour of tsnats that the golden transcripts do not cover: the in-memory test
// mode, where tsnats differs from nats-server on purpose (ACCOUNT.PURGE, negative offsets), and
// requests that must never hurt the server (garbage, huge, deep JSON).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { withServer } from '../helpers/tsnats.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function api(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, any>> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  const m = await nc.request(`$JS.API.${subject}`, enc.encode(data), { timeout: 2000 });
  return JSON.parse(dec.decode(m.data)) as Record<string, any>;
}

async function conn(t: { after(fn: () => unknown): void }, url: string, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: url, ...opts });
  t.after(() => nc.close());
  return nc;
}

describe('JetStream in-memory test mode (jetstream { memory_only: true })', () => {
  it('keeps file streams in memory, reports them as file streams, and never touches the disk', async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'js-memonly-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    const storeDir = join(base, 'store');
    const srv = await withServer(t, { jetstream: { memoryOnly: true, storeDir } });
    const nc = await conn(t, srv.url);
    const created = await api(nc, 'STREAM.CREATE.F', { name: 'F', subjects: ['f.>'] });
    assert.equal(created.config.storage, 'file');
    const ack = await nc.request('f.a', enc.encode('hello'), { timeout: 2000 });
    assert.equal(dec.decode(ack.data), '{"stream":"F", "seq":1}');
    const info = await api(nc, 'STREAM.INFO.F');
    // The file store's byte accounting: 22 + subject + payload + 8.
    assert.equal(info.state.bytes, 22 + 3 + 5 + 8);
    const acct = await api(nc, 'INFO');
    assert.equal(acct.storage, 38);
    assert.equal(acct.memory, 0);
    assert.equal(existsSync(storeDir), false, 'nothing was written under the store directory');
  });
});

describe('JetStream API: deliberate differences from nats-server 2.9.10', () => {
  const conf = {
    accounts: [
      { name: 'A', jetstream: true, users: [{ user: 'a', password: 'a' }] },
      { name: 'B', jetstream: true, users: [{ user: 'b', password: 'b' }] },
      { name: 'SYS', users: [{ user: 'sys', password: 'sys' }] },
    ],
    systemAccount: 'SYS',
  };

  it('ACCOUNT.PURGE of another account is refused (no answer); an account may purge itself; the system account may purge any', async (t) => {
    const srv = await withServer(t, { jetstream: { memoryOnly: true }, ...conf });
    const a = await conn(t, srv.url, { user: 'a', pass: 'a' });
    const b = await conn(t, srv.url, { user: 'b', pass: 'b' });
    const sys = await conn(t, srv.url, { user: 'sys', pass: 'sys' });
    await api(a, 'STREAM.CREATE.VICTIM', { name: 'VICTIM', subjects: ['v'] });
    await assert.rejects(api(b, 'ACCOUNT.PURGE.A'), /TIMEOUT|timeout/i);
    assert.deepEqual((await api(a, 'STREAM.NAMES')).streams, ['VICTIM']);
    assert.deepEqual(await api(a, 'ACCOUNT.PURGE.A'), { type: 'io.nats.jetstream.api.v1.account_purge_response', initiated: true });
    assert.equal((await api(a, 'STREAM.NAMES')).streams, null);
    await api(b, 'STREAM.CREATE.S', { name: 'S', subjects: ['s'] });
    const r = await sys.request('$JS.API.ACCOUNT.PURGE.B', enc.encode(''), { timeout: 2000 });
    assert.equal(JSON.parse(dec.decode(r.data)).initiated, true);
    assert.equal((await api(b, 'STREAM.NAMES')).total, 0);
  });

  it('a negative offset counts as 0 (nats-server 2.9.10 panics): NAMES, LIST, INFO subjects', async (t) => {
    const srv = await withServer(t, { jetstream: { memoryOnly: true } });
    const nc = await conn(t, srv.url);
    await api(nc, 'STREAM.CREATE.S', { name: 'S', subjects: ['s.*'] });
    await nc.request('s.a', enc.encode('x'), { timeout: 2000 });
    const names = await api(nc, 'STREAM.NAMES', { offset: -1 });
    assert.deepEqual([names.offset, names.streams], [0, ['S']]);
    const list = await api(nc, 'STREAM.LIST', { offset: -5 });
    assert.deepEqual([list.offset, list.streams.length], [0, 1]);
    const info = await api(nc, 'STREAM.INFO.S', { subjects_filter: '>', offset: -1 });
    assert.deepEqual([info.offset, info.state.subjects], [0, { 's.a': 1 }]);
  });
});

describe('JetStream API: bad input never hurts the server', () => {
  it('garbage, deep nesting, huge and binary bodies get the reference errors; the server keeps serving', async (t) => {
    const srv = await withServer(t, { jetstream: { memoryOnly: true }, maxPayload: 4 * 1024 * 1024, maxPending: 64 * 1024 * 1024 });
    const nc = await conn(t, srv.url);
    const invalid = { code: 400, err_code: 10025, description: 'invalid JSON' };
    for (const body of ['[[[[', '{"name":', '\u0000\u0001\u0002', '['.repeat(100_000) + ']'.repeat(100_000), `{"name":"X","subjects":[${'"a",'.repeat(50_000)}"b"]`]) {
      const r = await api(nc, 'STREAM.CREATE.X', body);
      assert.deepEqual(r.error, invalid, body.slice(0, 20));
    }
    const deep = await api(nc, 'STREAM.CREATE.X', `{"name":"X","bogus":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    assert.equal(deep.config?.name ?? deep.error?.err_code, 'X', 'a deep unknown field is skipped, as Go skips it');
    const big = await api(nc, 'STREAM.CREATE.Y', { name: 'Y', subjects: ['y'], description: 'd'.repeat(3_000_000) });
    assert.deepEqual(big.error, { code: 500, err_code: 10052, description: 'stream description is too long, maximum allowed is 4096' });
    for (const name of ['a b', 'a\tb', 'a.b', '*', '>']) {
      const r = await api(nc, 'STREAM.UPDATE.Z', { name, subjects: ['z'] });
      assert.equal(r.error.err_code, 10052, name);
    }
    assert.equal((await api(nc, 'INFO')).streams, 1);
  });
});

describe('JetStream file streams across a restart (in-process)', () => {
  it('messages, sequences, dedupe ids and the last msg id come back; the created time is kept', async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'js-restart-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    const { startServer } = await import('../../src/index.js');
    let srv = await startServer({ jetstream: { storeDir: base } });
    let nc = await connect({ servers: srv.url });
    const created = await api(nc, 'STREAM.CREATE.R', { name: 'R', subjects: ['r.>'], duplicate_window: 60_000_000_000 });
    const pub = async (subject: string, body: string, headers?: Record<string, string>) => {
      const { headers: mk } = await import('@nats-io/transport-node');
      const h = mk();
      for (const [k, v] of Object.entries(headers ?? {})) h.set(k, v);
      const m = await nc.request(subject, enc.encode(body), { timeout: 2000, headers: h });
      return JSON.parse(dec.decode(m.data)) as Record<string, unknown>;
    };
    assert.deepEqual(await pub('r.a', 'one', { 'Nats-Msg-Id': 'x1' }), { stream: 'R', seq: 1 });
    assert.deepEqual(await pub('r.b', 'two', { 'Nats-Msg-Id': 'x2' }), { stream: 'R', seq: 2 });
    await nc.close();
    await srv.shutdown();
    srv = await startServer({ jetstream: { storeDir: base } });
    nc = await connect({ servers: srv.url });
    t.after(async () => {
      await nc.close();
      await srv.shutdown();
    });
    const info = await api(nc, 'STREAM.INFO.R');
    assert.deepEqual([info.state.messages, info.state.last_seq, info.created], [2, 2, created.created]);
    assert.deepEqual(await pub('r.a', 'again', { 'Nats-Msg-Id': 'x1' }), { stream: 'R', seq: 1, duplicate: true });
    assert.deepEqual((await pub('r.c', 'three', { 'Nats-Expected-Last-Msg-Id': 'nope' })).error, { code: 400, err_code: 10070, description: 'wrong last msg ID: x2' });
    assert.deepEqual(await pub('r.c', 'three', { 'Nats-Expected-Last-Msg-Id': 'x2', 'Nats-Expected-Last-Sequence': '2' }), { stream: 'R', seq: 3 });
  });
});
