// Permissions: allow/deny (deny wins, wildcards), queue entries, allow_responses (max, expires), the
// reference's texts, nothing closed, and the log lines; with raw connections and the official client.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { rawAuth, sync, errs } from './helpers.js';
import { ClientPerms, normalizePermissions } from '../../src/auth/permissions.js';

describe('ClientPerms', () => {
  test('publish: allow list with wildcards, deny wins, an empty allow list allows nothing', () => {
    const p = new ClientPerms(normalizePermissions({ publish: { allow: ['orders.*', 'audit.>'], deny: ['orders.secret', 'audit.private.>'] } })!);
    assert.equal(p.canPublish('orders.new'), true);
    assert.equal(p.canPublish('orders.secret'), false);
    assert.equal(p.canPublish('orders.new.deeper'), false);
    assert.equal(p.canPublish('audit.x.y'), true);
    assert.equal(p.canPublish('audit.private.key'), false);
    assert.equal(p.canPublish('other'), false);
    // cached answers stay right
    assert.equal(p.canPublish('orders.secret'), false);
    const none = new ClientPerms(normalizePermissions({ publish: { allow: [] } })!);
    assert.equal(none.canPublish('anything'), false);
    const denyOnly = new ClientPerms(normalizePermissions({ publish: { deny: ['x.>'] } })!);
    assert.equal(denyOnly.canPublish('y'), true);
    assert.equal(denyOnly.canPublish('x.1'), false);
  });

  test('subscribe: queue entries ("foo v1"), wildcard queue names, deny on a queue only', () => {
    const p = new ClientPerms(normalizePermissions({ subscribe: { allow: ['jobs v1', 'jobs v2.*', 'news.>'], deny: ['news.internal', 'news.* blocked'] } })!);
    assert.equal(p.canSubscribe('jobs', 'v1'), true);
    assert.equal(p.canSubscribe('jobs', 'v2.a'), true);
    assert.equal(p.canSubscribe('jobs', 'v3'), false);
    assert.equal(p.canSubscribe('jobs', null), false, 'only queue subscriptions are allowed on jobs');
    assert.equal(p.canSubscribe('news.sport', null), true);
    assert.equal(p.canSubscribe('news.sport', 'blocked'), false);
    assert.equal(p.canSubscribe('news.sport', 'other'), true);
    assert.equal(p.canSubscribe('news.internal', null), false);
    // A wildcard wider than a denied subject is allowed, and turns on the delivery filter.
    assert.equal(p.denyDelivery('news.internal'), false);
    assert.equal(p.canSubscribe('news.*', null), true);
    assert.equal(p.denyDelivery('news.internal'), true);
    assert.equal(p.denyDelivery('news.sport'), false);
  });

  test('allow_responses: true means one reply within 2 minutes; replies only to subjects delivered', () => {
    const n = normalizePermissions({ allowResponses: true })!;
    assert.deepEqual(n, { publish: { allow: [] }, allowResponses: { max: 1, expires: 120_000 } });
    const p = new ClientPerms(n);
    assert.equal(p.canPublish('_INBOX.a'), false);
    p.noteReply('_INBOX.a');
    assert.equal(p.canPublish('_INBOX.a'), true);
    assert.equal(p.canPublish('_INBOX.a'), false, 'max 1');
  });
});

describe('permissions on the wire', () => {
  const users = [
    { user: 'alice', password: 'a', permissions: { publish: { allow: ['foo.>'], deny: ['foo.secret'] }, subscribe: { allow: ['foo.>', '_INBOX.>'], deny: ['foo.hidden'] } } },
    { user: 'svc', password: 's', permissions: { subscribe: { allow: ['svc.>'] }, allowResponses: { max: 1, expires: 300 } } },
    { user: 'bob', password: 'b' },
  ];

  test('violations get the reference texts and log lines, and the connection stays open', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { users, log: logs.log });
    const { c } = await rawAuth(srv.port, { user: 'alice', pass: 'a' });
    c.send('SUB foo.hidden 1\r\nSUB bar q 2\r\nPUB foo.secret 1\r\nx\r\nSUB foo.ok 3\r\nPUB foo.ok 2\r\nok\r\n');
    const out = await sync(c);
    assert.deepEqual(errs(out), [
      `-ERR 'Permissions Violation for Subscription to "foo.hidden"'`,
      `-ERR 'Permissions Violation for Subscription to "bar" using queue "q"'`,
      `-ERR 'Permissions Violation for Publish to "foo.secret"'`,
    ]);
    assert.match(out, /MSG foo\.ok 3 2\r\nok\r\n/);
    assert.equal(c.closed, false);
    await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - Subscription Violation - User "alice", Subject "foo\.hidden", SID 1/);
    await logs.wait(/Subscription Violation - User "alice", Subject "bar", Queue: "q", SID 2/);
    await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - Publish Violation - User "alice", Subject "foo\.secret"/);
    c.close();
  });

  test('allow_responses: a reply after `expires` is refused', async (t) => {
    const srv = await withServer(t, { users });
    const { c: svc } = await rawAuth(srv.port, { user: 'svc', pass: 's' });
    svc.send('SUB svc.time 1\r\n');
    await sync(svc);
    const { c: cli } = await rawAuth(srv.port, { user: 'bob', pass: 'b' });
    cli.send('SUB _INBOX.1 1\r\nSUB _INBOX.2 2\r\nPUB svc.time _INBOX.1 0\r\n\r\nPUB svc.time _INBOX.2 0\r\n\r\n');
    await sync(cli);
    await sync(svc);
    svc.send('PUB _INBOX.1 3\r\nnow\r\n');
    assert.deepEqual(errs(await sync(svc)), []);
    await new Promise((r) => setTimeout(r, 400)); // past expires (300ms): the grant is gone
    svc.send('PUB _INBOX.2 4\r\nlate\r\n');
    assert.deepEqual(errs(await sync(svc)), [`-ERR 'Permissions Violation for Publish to "_INBOX.2"'`]);
    const got = await sync(cli);
    assert.match(got, /MSG _INBOX\.1 1 3\r\nnow/);
    assert.doesNotMatch(got, /late/);
    svc.close();
    cli.close();
  });

  test('official client: a denied subscription ends with PermissionViolationError, the connection lives on', async (t) => {
    const srv = await withServer(t, { users });
    const nc: NatsConnection = await connect({ servers: srv.url, user: 'alice', pass: 'a', reconnect: false });
    t.after(() => nc.close());
    const denied = nc.subscribe('foo.hidden');
    await assert.rejects((async () => { for await (const _m of denied) { /* nothing */ } })(), (e: Error) => {
      assert.equal(e.name, 'PermissionViolationError');
      assert.equal((e as unknown as { subject: string }).subject, 'foo.hidden');
      return true;
    });
    const ok = nc.subscribe('foo.fine', { max: 1 });
    nc.publish('foo.fine', 'still here');
    for await (const m of ok) assert.equal(m.string(), 'still here');
    assert.equal(nc.isClosed(), false);
  });

  test('official client: request/reply through allow_responses', async (t) => {
    const srv = await withServer(t, { users });
    const svc = await connect({ servers: srv.url, user: 'svc', pass: 's', reconnect: false });
    const cli = await connect({ servers: srv.url, user: 'bob', pass: 'b', reconnect: false });
    t.after(async () => { await svc.close(); await cli.close(); });
    svc.subscribe('svc.echo', { callback: (_e, m) => { m.respond(`echo ${m.string()}`); } });
    await svc.flush();
    const r = await cli.request('svc.echo', 'hi', { timeout: 2000 });
    assert.equal(r.string(), 'echo hi');
  });
});
