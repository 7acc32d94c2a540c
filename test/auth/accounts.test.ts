// Accounts: isolation (A never sees B's messages except through imports), stream and service
// imports/exports (request/reply across accounts through `_R_.` replies), the global account $G,
// the system account, and configuration errors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer, type Server, type ServerOptions } from '../../src/index.js';
import { withServer } from '../helpers/tsnats.js';
import { rawAuth, sync, waitFor } from './helpers.js';

const ACCOUNTS: ServerOptions['accounts'] = [
  {
    name: 'A', users: [{ user: 'a', password: 'a' }],
    exports: [{ stream: 'events.>' }, { service: 'svc.>' }, { stream: 'private.>', accounts: ['B'] }, { service: 'stream.svc', responseType: 'Stream' }],
  },
  {
    name: 'B', users: [{ user: 'b', password: 'b' }],
    imports: [
      { stream: { account: 'A', subject: 'events.>' }, prefix: 'from-a' },
      { stream: { account: 'A', subject: 'private.>' } },
      { service: { account: 'A', subject: 'svc.echo' }, to: 'echo' },
      { service: { account: 'A', subject: 'svc.*' }, to: 'any.*' },
      { service: { account: 'A', subject: 'stream.svc' } },
    ],
  },
  { name: 'C', users: [{ user: 'c', password: 'c' }] },
  { name: 'SYS', users: [{ user: 'sys', password: 'sys' }] },
];

async function client(srv: Server, user: string): Promise<NatsConnection> {
  return connect({ servers: srv.url, user, pass: user, reconnect: false, name: user });
}

/** Collects what a subscription gets until `n` messages or `ms`. */
function collect(nc: NatsConnection, subject: string, n: number, ms = 2000): Promise<string[]> {
  const got: string[] = [];
  const sub = nc.subscribe(subject);
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); sub.unsubscribe(); resolve(got); };
    const timer = setTimeout(done, ms);
    (async () => {
      for await (const m of sub) {
        got.push(`${m.subject}:${m.string()}`);
        if (got.length >= n) return done();
      }
    })();
  });
}

describe('accounts', () => {
  test('isolation: each account has its own subject space; $G users are apart from all of them', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS, users: [{ user: 'g', password: 'g' }] });
    const [a, b, c, g] = await Promise.all(['a', 'b', 'c', 'g'].map((u) => client(srv, u)));
    t.after(async () => { for (const nc of [a, b, c, g]) await nc.close(); });
    const seen = { b: collect(b, '>', 100, 300), c: collect(c, '>', 100, 300), g: collect(g, '>', 100, 300) };
    await Promise.all([b.flush(), c.flush(), g.flush()]);
    a.publish('orders.new', 'from A');
    a.publish('events.signup', 'exported');
    c.publish('orders.new', 'from C');
    await Promise.all([a.flush(), c.flush()]);
    assert.deepEqual(await seen.c, ['orders.new:from C']);
    assert.deepEqual(await seen.g, [], '$G sees nothing of A or C');
    // B sees only what it imports, under its own name.
    assert.deepEqual(await seen.b, ['from-a.events.signup:exported']);
    const byName = (u: string) => [...srv.clients.values()].find((x) => x.opts.name === u)!;
    assert.equal(byName('g').account.name, '$G');
    assert.equal(byName('a').account.name, 'A');
  });

  test('stream import: only subscribers inside the import get messages; unsubscribing removes the shadow subscription', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS });
    const { c: b } = await rawAuth(srv.port, { user: 'b', pass: 'b' });
    const A = srv.accounts.get('A')!;
    const before = A.sl.size;
    b.send('SUB from-a.events.* 1\r\nSUB private.x 2\r\nSUB events.> 3\r\n');
    await sync(b);
    assert.equal(A.sl.size, before + 2, 'two shadow subscriptions in A');
    const { c: a } = await rawAuth(srv.port, { user: 'a', pass: 'a' });
    a.send('PUB events.one 1\r\n1\r\nPUB events.two.deep 1\r\n2\r\nPUB private.x 1\r\n3\r\nPUB private.y 1\r\n4\r\n');
    await sync(a);
    const got = await sync(b);
    assert.equal(got, 'MSG from-a.events.one 1 1\r\n1\r\nMSG private.x 2 1\r\n3\r\nPONG\r\n');
    b.send('UNSUB 1\r\nUNSUB 2\r\n');
    await sync(b);
    assert.equal(A.sl.size, before);
    b.close();
    a.close();
  });

  test('service import: request/reply across accounts with the official client (literal and wildcard mappings)', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS });
    const a = await client(srv, 'a');
    const b = await client(srv, 'b');
    t.after(async () => { await a.close(); await b.close(); });
    const infos: string[] = [];
    a.subscribe('svc.*', {
      callback: (_e, m) => {
        infos.push(m.headers?.get('Nats-Request-Info') ?? '');
        m.respond(`${m.subject} answers ${m.string()}`);
      },
    });
    await a.flush();
    assert.equal((await b.request('echo', 'hi', { timeout: 2000 })).string(), 'svc.echo answers hi');
    assert.equal((await b.request('any.time', 'now?', { timeout: 2000 })).string(), 'svc.time answers now?');
    assert.equal(infos.length, 2);
    assert.equal(JSON.parse(infos[0]).acc, 'B', 'the responder learns the requesting account');
    // B publishing the exporter's own subject reaches nobody in A: only the import's local subject does.
    await assert.rejects(b.request('svc.echo', 'x', { timeout: 300 }));
    // Singleton responses: the mapping is gone after the answer.
    assert.equal(srv.accounts.get('A')!.responses.size, 0);
  });

  test('service import with a Stream response type: several responses until an empty one', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS });
    const { c: a } = await rawAuth(srv.port, { user: 'a', pass: 'a' });
    a.send('SUB stream.svc 1\r\n');
    await sync(a);
    const { c: b } = await rawAuth(srv.port, { user: 'b', pass: 'b' });
    b.send('SUB _INBOX.s 1\r\nPUB stream.svc _INBOX.s 3\r\ngo!\r\n');
    await sync(b);
    const req = await sync(a);
    const reply = /MSG stream\.svc 1 (_R_\.\w{6}\.\w{6}) 3/.exec(req)![1];
    a.send(`PUB ${reply} 1\r\n1\r\nPUB ${reply} 1\r\n2\r\nPUB ${reply} 0\r\n\r\nPUB ${reply} 5\r\nafter\r\n`);
    await sync(a);
    const got = await sync(b);
    assert.equal(got, 'MSG _INBOX.s 1 1\r\n1\r\nMSG _INBOX.s 1 1\r\n2\r\nMSG _INBOX.s 1 0\r\n\r\nPONG\r\n');
    a.close();
    b.close();
  });

  test('a request into a service nobody answers leaves no mapping behind', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS });
    const { c: b } = await rawAuth(srv.port, { user: 'b', pass: 'b' });
    b.send('SUB _INBOX.x 1\r\nPUB echo _INBOX.x 1\r\n?\r\n');
    await sync(b);
    assert.equal(srv.accounts.get('A')!.responses.size, 0);
    b.close();
  });

  test('system account: its users are bound to it and isolated from the others', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS, systemAccount: 'SYS' });
    assert.equal(srv.sysAcc?.name, 'SYS');
    const sys = await client(srv, 'sys');
    const a = await client(srv, 'a');
    t.after(async () => { await sys.close(); await a.close(); });
    const seen = collect(sys, '>', 100, 300);
    await sys.flush();
    a.publish('hello', 'x');
    await a.flush();
    // (It gets the server's own $SYS events, not A's messages.)
    assert.deepEqual((await seen).filter((m) => !m.startsWith('$SYS.')), []);
    const c = [...srv.clients.values()].find((x) => x.opts.name === 'sys')!;
    assert.equal(c.account, srv.sysAcc);
  });

  test('configuration errors are refused at start with the reference texts', async () => {
    const bad = async (accounts: ServerOptions['accounts']) => {
      try {
        const s = await startServer({ accounts });
        await s.shutdown();
        return 'started';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(await bad([{ name: 'X', imports: [{ stream: { account: 'Z', subject: 's' } }] }]), '"Z" account not defined for stream import');
    assert.equal(await bad([{ name: 'A', exports: [{ service: 'svc.>' }] }, { name: 'B', imports: [{ service: { account: 'A', subject: 'nope' } }] }]),
      'Error adding service import "nope": service import not authorized');
    assert.equal(await bad([{ name: 'A', exports: [{ stream: 'p.>', accounts: ['C'] }] }, { name: 'B', imports: [{ stream: { account: 'A', subject: 'p.>' } }] }, { name: 'C' }]),
      'Error adding stream import "p.>": stream import not authorized');
  });

  test('a queue group in an importing account gets each imported message once', async (t) => {
    const srv = await withServer(t, { accounts: ACCOUNTS });
    const members = await Promise.all([1, 2, 3].map(async () => (await rawAuth(srv.port, { user: 'b', pass: 'b' })).c));
    for (const m of members) m.send('SUB from-a.events.> workers 1\r\n');
    for (const m of members) await sync(m);
    const { c: a } = await rawAuth(srv.port, { user: 'a', pass: 'a' });
    for (let i = 0; i < 30; i++) a.send(`PUB events.n 1\r\n${i % 10}\r\n`);
    await sync(a);
    let total = 0;
    await waitFor(() => {
      total = members.reduce((n, m) => n + (m.pending().toString('latin1').match(/^MSG /gm)?.length ?? 0), 0);
      return total >= 30;
    }, 3000, '30 deliveries');
    for (const m of members) await sync(m);
    assert.equal(total, 30);
    for (const m of [...members, a]) m.close();
  });
});

describe('subject mapping of imports', () => {
  test('SubjectTransform: prefix, wildcard positions, literal targets, reverse', async () => {
    const { SubjectTransform } = await import('../../src/accounts/transform.js');
    const prefix = new SubjectTransform('events.>', 'from-a.events.>');
    assert.equal(prefix.apply('events.x.y'), 'from-a.events.x.y');
    assert.equal(prefix.reverse('from-a.events.*'), 'events.*');
    const wc = new SubjectTransform('any.*', 'svc.*');
    assert.equal(wc.apply('any.time'), 'svc.time');
    assert.equal(new SubjectTransform('echo', 'svc.echo').apply('echo'), 'svc.echo');
    assert.equal(new SubjectTransform('a.>', 'a.>').identity, true);
    assert.throws(() => new SubjectTransform('a.*', 'b.>'), /wildcards/);
  });
});
