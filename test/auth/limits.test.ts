// Account limits: max_connections (the guides' zombie scenario: frozen clients hold the slots until
// keepalive declares them stale), max_subscriptions per connection, max_payload announced by an
// async INFO after the first PING (PONG, then INFO).
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { RawConn } from '../helpers/raw.js';
import { rawAuth, sync, errs, waitFor } from './helpers.js';
import type { Server, ServerOptions } from '../../src/index.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child-auth-client.js');
const N = 3;
const accounts = (n: number): ServerOptions['accounts'] => [
  { name: 'APP', users: [{ user: 'app', password: 'pw' }], limits: { maxConnections: n, maxSubscriptions: 2, maxPayload: 64 } },
];

/** N frozen clients: official clients in child processes, stopped with SIGSTOP once connected. */
async function zombies(t: TestContext, srv: Server, n: number): Promise<ChildProcess[]> {
  const kids: ChildProcess[] = [];
  t.after(() => { for (const k of kids) k.kill('SIGKILL'); });
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [CHILD, srv.url, 'app', 'pw', `zombie-${i}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    kids.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGSTOP');
  }
  return kids;
}

/** A new raw client of the account: its transcript after CONNECT. */
async function newcomer(srv: Server): Promise<string> {
  const { c } = await rawAuth(srv.port, { user: 'app', pass: 'pw' });
  const out = await sync(c);
  c.close();
  return out;
}

describe('account max_connections and frozen clients', () => {
  test('with the default keepalive, frozen clients hold every slot: newcomers are refused', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { accounts: accounts(N), log: logs.log });
    await zombies(t, srv, N);
    assert.equal(srv.accounts.get('APP')!.numConnections, N);
    const out = await newcomer(srv);
    assert.deepEqual(errs(out), [`-ERR 'maximum account active connections exceeded'`]);
    assert.match(out, /-ERR 'maximum account active connections exceeded'\r\n$/, 'and closed, nothing after');
    assert.equal(srv.closedClients.list().at(-1)!.reason, 'Maximum Account Connections Exceeded');
    await logs.wait(/\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - maximum account active connections exceeded/);
    // The official client gets the error too.
    await assert.rejects(connect({ servers: srv.url, user: 'app', pass: 'pw', reconnect: false }), /maximum account active connections exceeded/);
  });

  test('with a short ping interval the frozen clients are closed as stale, and newcomers get in', async (t) => {
    const srv = await withServer(t, { accounts: accounts(N), pingInterval: 100, pingMax: 2 });
    const stale: string[] = [];
    srv.on('client:close', (c, reason) => { if (String(c.opts.name).startsWith('zombie')) stale.push(reason); });
    await zombies(t, srv, N);
    await waitFor(() => stale.length === N, 10_000, 'the zombies to be closed');
    assert.deepEqual(stale, Array(N).fill('Stale Connection'));
    assert.equal(srv.accounts.get('APP')!.numConnections, 0);
    const nc = await connect({ servers: srv.url, user: 'app', pass: 'pw', reconnect: false });
    await nc.flush();
    await nc.close();
  });

  test('pingTimeout closes raw sockets that never answer PING, freeing the slots', async (t) => {
    const srv = await withServer(t, { accounts: accounts(2), pingInterval: 150, pingMax: 10, pingTimeout: 100 });
    const frozen: RawConn[] = [];
    for (let i = 0; i < 2; i++) frozen.push((await rawAuth(srv.port, { user: 'app', pass: 'pw' })).c);
    await waitFor(() => srv.accounts.get('APP')!.numConnections === 2, 2000, 'two connections');
    assert.deepEqual(errs(await newcomer(srv)), [`-ERR 'maximum account active connections exceeded'`]);
    // They never answer the PINGs: closed by ping_timeout long before ping_max would.
    await waitFor(() => frozen.every((c) => c.closed), 5000, 'the frozen sockets to be closed');
    assert.equal(errs(await newcomer(srv)).length, 0);
  });
});

describe('max_subscriptions and max_payload', () => {
  test('max_subscriptions is per connection and closes nothing', async (t) => {
    const srv = await withServer(t, { accounts: accounts(10) });
    const { c } = await rawAuth(srv.port, { user: 'app', pass: 'pw' });
    c.send('SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n');
    assert.deepEqual(errs(await sync(c)), [`-ERR 'maximum subscriptions exceeded'`]);
    const { c: c2 } = await rawAuth(srv.port, { user: 'app', pass: 'pw' });
    c2.send('SUB a 1\r\nSUB b 2\r\n');
    assert.deepEqual(errs(await sync(c2)), [], 'a second connection has its own two');
    c.close();
    c2.close();
  });

  test('account max_payload: INFO after the first PONG for protocol 1; enforced; the official client learns it', async (t) => {
    const srv = await withServer(t, { accounts: accounts(10) });
    const { c, info } = await rawAuth(srv.port, { user: 'app', pass: 'pw', protocol: 1 });
    assert.equal(info.max_payload, 1024 * 1024);
    c.send('PING\r\n');
    await c.until((b) => b.toString('latin1').includes('} \r\n'), 3000);
    const got = c.take().toString('latin1');
    assert.match(got, /^PONG\r\nINFO \{.*"max_payload":64,.*\} \r\n$/);
    c.send('PUB x 65\r\n');
    assert.equal(await c.readUntilClose(), "-ERR 'Maximum Payload Violation'\r\n");
    // protocol 0: no async INFO, the limit still applies.
    const { c: c0 } = await rawAuth(srv.port, { user: 'app', pass: 'pw', protocol: 0 });
    assert.equal(await sync(c0), 'PONG\r\n');
    c0.close();
    const nc = await connect({ servers: srv.url, user: 'app', pass: 'pw', reconnect: false });
    await nc.flush();
    assert.equal(nc.info?.max_payload, 64);
    assert.throws(() => nc.publish('x', new Uint8Array(100)), /max_payload|payload/i);
    await nc.close();
  });

  test('a server max_payload below the account limit wins, with the reference [ERR] line', async (t) => {
    const logs = logCollector();
    const srv = await withServer(t, { maxPayload: 32, accounts: accounts(10), log: logs.log });
    const { c } = await rawAuth(srv.port, { user: 'app', pass: 'pw', protocol: 1 });
    await sync(c);
    await logs.wait(/Max Payload set to 32 from server overrides account or user config/);
    c.send('PUB x 33\r\n');
    assert.equal(await c.readUntilClose(), "-ERR 'Maximum Payload Violation'\r\n");
  });
});
