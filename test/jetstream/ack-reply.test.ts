// A consumer's ack reply is written as bytes straight into a subscriber's output (AckReply, a
// ReplyWriter through deliverLocal); whatever cannot take bytes — a leafnode (a route alike; JetStream
// does not run in a cluster yet), an internal subscription (a stream capturing the deliver subject),
// a client with permissions, the trace log — gets the same reply as a string. Every kind of subscriber of one deliver subject must see the same
// reply, and an ack sent back on it from any of them must count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection, type Msg } from '@nats-io/transport-node';
import { startServer, type Server } from '../../src/index.js';
import { logCollector } from '../helpers/tsnats.js';
import type { JetStreamService } from '../../src/services.js';
import { consumersOf } from '../../src/jetstream/consumer-create.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const REPLY = /^\$JS\.ACK\.S\.(C\w+)\.(\d+)\.(\d+)\.(\d+)\.(\d{19})\.(\d+)$/;

async function api(nc: NatsConnection, subject: string, body: unknown): Promise<Record<string, any>> {
  const m = await nc.request(`$JS.API.${subject}`, enc.encode(JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(dec.decode(m.data)) as Record<string, any>;
}

/** The next message of a subscription, or a failure after `ms`. */
function next(nc: NatsConnection, subject: string, ms = 5000): { got: Promise<Msg>; ready: Promise<void> } {
  const sub = nc.subscribe(subject, { max: 1 });
  const got = (async () => {
    const timer = setTimeout(() => sub.unsubscribe(), ms);
    for await (const m of sub) {
      clearTimeout(timer);
      return m;
    }
    throw new Error(`nothing on ${subject} within ${ms} ms`);
  })();
  return { got, ready: nc.flush() };
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('ack replies as bytes and as strings: a local client, a client with permissions, a leafnode, a capturing stream, the trace', async (t) => {
  const logs = logCollector();
  const users = [
    { user: 'a', password: 'a' },
    { user: 'p', password: 'p', permissions: { subscribe: { allow: ['d.>', '_INBOX.>'] }, publish: { allow: ['$JS.>'] } } },
  ];
  const a: Server = await startServer({
    port: 0, serverName: 'A', users, jetstream: { memoryOnly: true }, trace: true, log: logs.log,
    leafnodes: { port: -1, host: '127.0.0.1' },
  });
  t.after(() => a.shutdown());
  const leafPort = (a.service('leafnodes') as unknown as { leafnodes: { port: number } }).leafnodes.port;
  const l: Server = await startServer({ port: 0, serverName: 'L', leafnodes: { remotes: [{ url: `nats-leaf://a:a@127.0.0.1:${leafPort}` }] } });
  t.after(() => l.shutdown());

  const nc = await connect({ servers: `nats://127.0.0.1:${a.port}`, user: 'a', pass: 'a' });
  t.after(() => nc.close());
  const np = await connect({ servers: `nats://127.0.0.1:${a.port}`, user: 'p', pass: 'p' });
  t.after(() => np.close());
  const nl = await connect({ servers: `nats://127.0.0.1:${l.port}` });
  t.after(() => nl.close());

  assert.equal((await api(nc, 'STREAM.CREATE.S', { name: 'S', subjects: ['s.>'] })).config?.name, 'S');
  for (let i = 1; i <= 3; i++) await nc.request('s.x', enc.encode(`m${i}`));

  // 1. A deliver subject with one local client only: the reply goes out as bytes.
  const one = next(nc, 'd.one');
  await one.ready;
  await api(nc, 'CONSUMER.DURABLE.CREATE.S.C1', { stream_name: 'S', config: { durable_name: 'C1', deliver_subject: 'd.one', ack_policy: 'explicit', max_ack_pending: 1 } });
  const m1 = await one.got;
  const r1 = REPLY.exec(m1.reply ?? '');
  assert.ok(r1, m1.reply);
  assert.deepEqual([r1[1], r1[2], r1[3], r1[4], r1[6]], ['C1', '1', '1', '1', '2'], m1.reply);
  assert.equal(Math.abs(Number(r1[5]) / 1e6 - Date.now()) < 60_000, true, 'a timestamp of now, in ns');
  assert.equal(m1.subject, 's.x');
  assert.equal(dec.decode(m1.data), 'm1');
  // The trace line names the same reply (made as a string for the log only).
  await logs.wait(new RegExp(`->> \\[MSG s\\.x \\d+ ${m1.reply!.replace(/[.$]/g, '\\$&')} 2\\]`));
  // Acked on it, the next one comes (max_ack_pending 1), its counts moved on.
  const two = next(nc, 'd.one');
  await two.ready;
  m1.respond();
  const m2 = await two.got;
  assert.deepEqual(REPLY.exec(m2.reply ?? '')!.slice(2, 5).concat(REPLY.exec(m2.reply ?? '')![6]), ['1', '2', '2', '1']);

  // 2. A deliver subject with every kind of subscriber: the same reply to all of them.
  const subs = [next(nc, 'd.mix'), next(np, 'd.mix'), next(nl, 'd.mix')];
  await Promise.all(subs.map((s) => s.ready));
  assert.equal((await api(nc, 'STREAM.CREATE.CAP', { name: 'CAP', subjects: ['d.mix'] })).config?.name, 'CAP');
  // Interest crosses the leafnode before the consumer starts.
  await waitFor('interest from L', async () => {
    const p = next(nl, 'probe.x', 300);
    await p.ready;
    nc.publish('probe.x');
    return p.got.then(() => true, () => false);
  });
  await api(nc, 'CONSUMER.DURABLE.CREATE.S.C2', { stream_name: 'S', config: { durable_name: 'C2', deliver_subject: 'd.mix', ack_policy: 'explicit', max_ack_pending: 1 } });
  const got = await Promise.all(subs.map((s) => s.got));
  const replies = got.map((m) => m.reply);
  assert.ok(REPLY.test(replies[0] ?? ''), replies[0]);
  assert.deepEqual(replies, [replies[0], replies[0], replies[0]], 'local, with permissions, over the leafnode');
  for (const m of got) assert.equal(dec.decode(m.data), 'm1');
  // The capturing stream stored the delivery.
  await waitFor('CAP to store the delivery', async () => (await api(nc, 'STREAM.INFO.CAP', {})).state?.messages === 1);
  // An ack from the far side of the leafnode counts.
  got[2].respond();
  await waitFor('the leaf side ack to count', async () => (await api(nc, 'CONSUMER.INFO.S.C2', {})).ack_floor?.stream_seq === 1);

  // Having delivered, no consumer keeps a hold on the store's memory (a read-ahead window or an
  // arena a purge would free): its message buffer is empty again.
  const js = a.service<JetStreamService>('jetstream')!.js!;
  const stream = [...js.accounts.values()].flatMap((jsa) => [...jsa.streams.values()]).find((st) => st.name === 'S')!;
  const cons = [...consumersOf(stream).values()];
  assert.equal(cons.length, 2);
  for (const c of cons) assert.equal((c as unknown as { rm: { buf: Buffer } }).rm.buf.length, 0, c.name);
});
