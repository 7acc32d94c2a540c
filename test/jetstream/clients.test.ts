// The official clients' JetStream APIs against tsnats and nats-server, the same assertions for both
// (a difference is a bug): @nats-io/jetstream v3 (manager and publish), the `nats` v2 client's
// JetStream API, the KV clients' put/get/create/update/delete (streams and direct gets only), and
// accounts: JetStream per account, and the API reached through another account's import.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiError, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect as connectV2, StringCodec } from 'nats';
import { hasNatsServer } from '../helpers/servers.js';
import { startJsServer, type JsServer, type ServerKind } from './harness/servers.js';

const sc = StringCodec();
const kinds: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];

async function apiError(p: Promise<unknown>): Promise<{ code: number; err_code: number }> {
  try {
    await p;
  } catch (e) {
    const je = e instanceof JetStreamApiError ? e : (e as { cause?: unknown }).cause;
    if (je instanceof JetStreamApiError) {
      const ae = je.apiError();
      return { code: ae.code, err_code: ae.err_code };
    }
    const ae = (e as { api_error?: { code: number; err_code: number } }).api_error;
    if (ae) return { code: ae.code, err_code: ae.err_code };
    throw e;
  }
  throw new Error('expected a JetStream API error');
}

for (const kind of kinds) {
  describe(`official clients against ${kind}`, () => {
    let srv: JsServer;
    let nc: NatsConnection;
    before(async () => {
      srv = await startJsServer(kind, {});
      nc = await connect({ servers: srv.url });
    });
    after(async () => {
      await nc?.close();
      await srv?.stop();
    });

    it('@nats-io/jetstream v3: manager (add, info, update, names, list, find, messages, purge, delete) and publish (ids, expectations)', async () => {
      const jsm = await jetstreamManager(nc);
      const si = await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'], storage: StorageType.File, allow_direct: true, allow_rollup_hdrs: true });
      assert.equal(si.config.name, 'ORDERS');
      assert.equal(si.config.duplicate_window, 120_000_000_000);
      const js = jetstream(nc);
      const a = await js.publish('orders.new', 'one', { msgID: 'id-1' });
      assert.deepEqual([a.stream, a.seq, a.duplicate], ['ORDERS', 1, false]);
      const dup = await js.publish('orders.new', 'again', { msgID: 'id-1' });
      assert.deepEqual([dup.seq, dup.duplicate], [1, true]);
      const b = await js.publish('orders.paid', 'two', { expect: { lastSequence: 1, streamName: 'ORDERS', lastMsgID: 'id-1' } });
      assert.equal(b.seq, 2);
      assert.deepEqual(await apiError(js.publish('orders.paid', 'x', { expect: { lastSequence: 7 } })), { code: 400, err_code: 10071 });
      assert.deepEqual(await apiError(js.publish('orders.paid', 'x', { expect: { streamName: 'OTHER' } })), { code: 400, err_code: 10060 });
      assert.deepEqual(await apiError(js.publish('orders.paid', 'x', { expect: { lastSubjectSequence: 1 } })), { code: 400, err_code: 10071 });
      const c = await js.publish('orders.paid', 'three', { expect: { lastSubjectSequence: 2 } });
      assert.equal(c.seq, 3);

      const info = await jsm.streams.info('ORDERS');
      assert.deepEqual([info.state.messages, info.state.first_seq, info.state.last_seq, info.state.num_subjects], [3, 1, 3, 2]);
      const upd = await jsm.streams.update('ORDERS', { max_msgs_per_subject: 5, description: 'orders' });
      assert.deepEqual([upd.config.max_msgs_per_subject, upd.config.description], [5, 'orders']);
      assert.deepEqual(await jsm.streams.names().next(), ['ORDERS']);
      const list = await jsm.streams.list().next();
      assert.deepEqual(list.map((s) => [s.config.name, s.state.messages]), [['ORDERS', 3]]);
      assert.equal(await jsm.streams.find('orders.anything'), 'ORDERS');

      const m1 = await jsm.streams.getMessage('ORDERS', { seq: 1 });
      assert.deepEqual([m1?.subject, m1?.string(), m1?.header.get('Nats-Msg-Id')], ['orders.new', 'one', 'id-1']);
      const last = await jsm.streams.getMessage('ORDERS', { last_by_subj: 'orders.paid' });
      assert.deepEqual([last?.seq, last?.string()], [3, 'three']);
      const direct = await jsm.direct.getMessage('ORDERS', { last_by_subj: 'orders.new' });
      assert.deepEqual([direct?.seq, direct?.string(), direct?.header.get('Nats-Stream')], [1, 'one', 'ORDERS']);
      assert.equal(await jsm.streams.getMessage('ORDERS', { seq: 99 }), null);

      assert.equal(await jsm.streams.deleteMessage('ORDERS', 2), true);
      const p = await jsm.streams.purge('ORDERS', { filter: 'orders.new' });
      assert.deepEqual([p.success, p.purged], [true, 1]);
      const acct = await jsm.getAccountInfo();
      assert.deepEqual([acct.streams, acct.limits.max_streams], [1, -1]);
      assert.deepEqual(await apiError(jsm.streams.info('NOPE')), { code: 404, err_code: 10059 });
      assert.deepEqual(await apiError(jsm.streams.add({ name: 'CLASH', subjects: ['orders.x'] })), { code: 400, err_code: 10065 });
      assert.equal(await jsm.streams.delete('ORDERS'), true);
      assert.deepEqual(await jsm.streams.names().next(), []);
    });

    it('@nats-io/jetstream v3: limits and discard policies as publish errors', async () => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'LIM', subjects: ['lim'], storage: StorageType.Memory, max_msgs: 2, discard: DiscardPolicy.New, max_msg_size: 16 });
      const js = jetstream(nc);
      await js.publish('lim', 'a');
      await js.publish('lim', 'b');
      assert.deepEqual(await apiError(js.publish('lim', 'c')), { code: 503, err_code: 10077 });
      assert.deepEqual(await apiError(js.publish('lim', 'x'.repeat(17))), { code: 400, err_code: 10054 });
      await jsm.streams.delete('LIM');
    });

    it('nats v2: jetstreamManager and jetstream publish', async () => {
      const nc2 = await connectV2({ servers: srv.url });
      try {
        const jsm = await nc2.jetstreamManager();
        await jsm.streams.add({ name: 'V2', subjects: ['v2.>'] });
        const js = nc2.jetstream();
        const pa = await js.publish('v2.a', sc.encode('x'), { msgID: 'm1' });
        assert.deepEqual([pa.stream, pa.seq, pa.duplicate], ['V2', 1, false]);
        assert.equal((await js.publish('v2.a', sc.encode('x'), { msgID: 'm1' })).duplicate, true);
        await assert.rejects(js.publish('v2.a', sc.encode('y'), { expect: { lastSequence: 9 } }), /wrong last sequence: 1/);
        const m = await jsm.streams.getMessage('V2', { seq: 1 });
        assert.equal(sc.decode(m.data), 'x');
        const si = await jsm.streams.info('V2');
        assert.equal(si.state.messages, 1);
        assert.equal(await jsm.streams.delete('V2'), true);
      } finally {
        await nc2.close();
      }
    });

    it('KV (@nats-io/kv v3 and nats v2 views): create a bucket, put, get, create, update, delete, history limit', async () => {
      const kvm = new Kvm(nc);
      const kv = await kvm.create('cfg', { history: 3 });
      const r1 = await kv.put('a', 'one');
      assert.equal(r1, 1);
      assert.equal((await kv.get('a'))?.string(), 'one');
      await assert.rejects(kv.create('a', 'dup'));
      const r2 = await kv.update('a', 'two', r1);
      assert.equal(r2, 2);
      await assert.rejects(kv.update('a', 'stale', r1));
      await kv.delete('a');
      assert.equal((await kv.get('a'))?.operation, 'DEL');
      assert.equal(await kv.create('a', 'back'), 4, 'create over a delete marker');
      const st = await kv.status();
      assert.equal(st.values, 3);
      const nc2 = await connectV2({ servers: srv.url });
      try {
        const js2 = nc2.jetstream();
        const kv2 = await js2.views.kv('cfg');
        assert.equal((await kv2.get('a'))?.string(), 'back');
        assert.equal(await kv2.put('b', sc.encode('v2')), 5);
      } finally {
        await nc2.close();
      }
      assert.equal((await kv.get('b'))?.string(), 'v2');
      assert.equal(await kv.destroy(), true);
    });
  });

  describe(`accounts and JetStream against ${kind}`, () => {
    let srv: JsServer;
    before(async () => {
      srv = await startJsServer(kind, {
        config: `accounts {
  A: { jetstream: enabled, users: [{user: a, password: a}], exports: [{service: "$JS.API.>"}, {service: "orders.>"}] }
  B: { users: [{user: b, password: b}] }
  C: { users: [{user: c, password: c}], imports: [{service: {account: A, subject: "$JS.API.>"}}, {service: {account: A, subject: "orders.>"}}] }
}`,
      });
    });
    after(async () => srv?.stop());

    it('JetStream per account; an account without it answers 10039; the API and a stream reached through imports', async () => {
      const a = await connect({ servers: srv.url, user: 'a', pass: 'a' });
      const b = await connect({ servers: srv.url, user: 'b', pass: 'b' });
      const c = await connect({ servers: srv.url, user: 'c', pass: 'c' });
      try {
        const jsmA = await jetstreamManager(a);
        await jsmA.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
        assert.deepEqual(await apiError(jetstreamManager(b)), { code: 503, err_code: 10039 });
        // B publishing on orders.x reaches nothing in B: no responders.
        await assert.rejects(b.request('orders.x', 'from b', { timeout: 1000 }), /503|no responders/i);
        // C has no JetStream of its own but imports A's API: it manages A's streams.
        const jsmC = await jetstreamManager(c);
        assert.deepEqual(await jsmC.streams.names().next(), ['ORDERS']);
        await jsmC.streams.add({ name: 'VIA_C', subjects: ['via.c'] });
        assert.deepEqual((await jsmA.streams.names().next()).sort(), ['ORDERS', 'VIA_C']);
        // And publishes to A's stream through the orders.> import, with the ack coming back.
        const ack = JSON.parse(new TextDecoder().decode((await c.request('orders.x', 'from c', { timeout: 2000 })).data)) as { stream: string; seq: number };
        assert.deepEqual(ack, { stream: 'ORDERS', seq: 1 });
        const m = await jsmA.streams.getMessage('ORDERS', { seq: 1 });
        assert.deepEqual([m?.subject, m?.string(), m?.header?.get('Nats-Request-Info') ?? ''], ['orders.x', 'from c', '']);
        const acctA = await jsmA.getAccountInfo();
        assert.equal(acctA.streams, 2);
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });
  });
}

for (const kind of kinds) {
  describe(`mirrors and sources against ${kind}`, () => {
    it('a mirror of a stream that does not exist yet catches up once it appears; a source resumes after a restart without duplicates', async () => {
      const srv = await startJsServer(kind, {});
      let nc = await connect({ servers: srv.url });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: 'M', mirror: { name: 'LATER' } });
        await jsm.streams.add({ name: 'AGG', subjects: ['agg'], sources: [{ name: 'LATER' }] });
        const js = jetstream(nc);
        await jsm.streams.add({ name: 'LATER', subjects: ['later.>'] });
        for (let i = 1; i <= 3; i++) await js.publish(`later.${i}`, `m${i}`);
        const waitCount = async (name: string, n: number) => {
          const end = Date.now() + 8000;
          for (;;) {
            const si = await jsm.streams.info(name);
            if (si.state.messages === n) return si;
            if (Date.now() > end) throw new Error(`${name}: ${si.state.messages} messages, want ${n}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        const m = await waitCount('M', 3);
        assert.deepEqual([m.state.first_seq, m.state.last_seq, m.mirror?.name, m.mirror?.error], [1, 3, 'LATER', undefined]);
        await waitCount('AGG', 3);
        // Restart the server (same store): the source goes on after what it holds.
        await nc.close();
        srv.server = await srv.server.restart();
        nc = await connect({ servers: srv.server.url });
        const jsm2 = await jetstreamManager(nc);
        await jetstream(nc).publish('later.4', 'm4');
        const end = Date.now() + 8000;
        let si = await jsm2.streams.info('AGG');
        while (si.state.messages < 4 && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 50));
          si = await jsm2.streams.info('AGG');
        }
        await new Promise((r) => setTimeout(r, 300));
        si = await jsm2.streams.info('AGG');
        assert.equal(si.state.messages, 4, 'every origin message once, after the restart too');
        const last = await jsm2.streams.getMessage('AGG', { seq: si.state.last_seq });
        assert.deepEqual([last?.string(), last?.header.get('Nats-Stream-Source')], ['m4', 'LATER 4']);
      } finally {
        await nc.close();
        await srv.stop();
      }
    });
  });
}
