// `tsnats conns` (sorted by idle, rtt, pending, msgs) and `tsnats kick` on tsnats.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { startServer, type Server } from '../../src/index.js';
import { stagedOptions, natsClient, closeOf, rawConnect, SYS_USER } from './stage.js';
import { runCli } from './cli.js';
import type { RawConn } from '../helpers/raw.js';
import { monitorPort } from '../helpers/tsnats.js';

describe('conns and kick', () => {
  let srv: Server;
  let http: string;
  const ncs: NatsConnection[] = [];
  let backlog: RawConn;
  before(async () => {
    // A long keepalive: nobody is PINGed during the test, so idle times only come from traffic.
    srv = await startServer(stagedOptions({ pingInterval: 60_000, pingMax: 2, maxPending: 64 * 1024 * 1024, writeDeadline: 600_000 }));
    // (the backlog below must stay open however slowly the test runs: no write deadline in practice)
    http = `http://127.0.0.1:${monitorPort(srv)}`;
    // Oldest activity first: "quiet" is the most idle.
    ncs.push(await natsClient(srv, { name: 'quiet' }));
    await new Promise((r) => setTimeout(r, 30));
    const busy = await natsClient(srv, { name: 'busy' });
    const some = await natsClient(srv, { name: 'some' });
    ncs.push(busy, some);
    for (let i = 0; i < 9; i++) busy.publish('x', 'y');
    some.publish('x', 'y');
    await busy.flush();
    await some.flush();
    // A subscriber that stopped reading holds a backlog (pending bytes) on the server.
    backlog = await rawConnect(srv.port, { user: 'app', pass: 'app', name: 'backlog' }, 'SUB big 1\r\n');
    backlog.sock.pause();
    const payload = new Uint8Array(60_000);
    for (let i = 0; i < 300; i++) busy.publish('big', payload);
    await busy.flush();
    const c = [...srv.clients.values()].find((x) => x.opts.name === 'backlog')!;
    const t0 = Date.now();
    while (c.pendingBytes === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    assert.ok(c.pendingBytes > 0, 'backlog has pending bytes');
  });
  after(async () => {
    for (const nc of ncs) await nc.close().catch(() => {});
    backlog?.close();
    await srv?.shutdown();
  });

  async function order(sort: string): Promise<any[]> {
    const r = await runCli(['conns', http, '--sort', sort, '--json', '--limit', '0']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.sort, sort);
    return j.connections;
  }

  test('--sort idle: the most idle first', async () => {
    const names = (await order('idle')).map((c) => c.name);
    assert.equal(names[0], 'quiet');
    assert.ok(names.indexOf('quiet') < names.indexOf('busy'));
  });

  test('--sort msgs: in + out, most first', async () => {
    const conns = await order('msgs');
    assert.equal(conns[0].name, 'busy');
    const totals = conns.map((c) => (c.in_msgs ?? 0) + (c.out_msgs ?? 0));
    assert.deepEqual(totals, [...totals].sort((a, b) => b - a));
  });

  test('--sort pending: the backed-up subscriber first', async () => {
    const conns = await order('pending');
    assert.equal(conns[0].name, 'backlog');
    assert.ok(conns[0].pending_bytes > 0);
  });

  test('--sort rtt: slowest first', async () => {
    const { rttMs } = await import('../../src/doctor/units.js');
    const rtts = (await order('rtt')).map((c) => rttMs(c.rtt));
    assert.deepEqual(rtts, [...rtts].sort((a, b) => b - a));
  });

  test('the table, and --limit', async () => {
    const r = await runCli(['conns', http, '--sort', 'idle', '--limit', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^CID +NAME +ADDRESS +IDLE +RTT +PENDING +IN MSGS +OUT MSGS +SUBS +ACCOUNT\/USER$/);
    assert.match(lines[1]!, /^ *\d+ +quiet +127\.0\.0\.1:\d+ +[\d.]+(ms|s) +[\d.]+(ms|s) +0 B +0 +0 +0 +APP\/app$/);
    assert.equal(lines.length, 4);
    assert.match(lines[3]!, /^\(2 of 4 connections\)$/);
    const bad = await runCli(['conns', http, '--sort', 'bogus']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /--sort must be one of idle, rtt, pending, msgs, cid/);
  });

  test('kick closes a live connection with reason Kicked', async () => {
    const victim = await natsClient(srv, { name: 'victim' });
    ncs.push(victim);
    const cid = [...srv.clients.values()].find((c) => c.opts.name === 'victim')!.cid;
    const closed = closeOf(srv, (c) => c.cid === cid);
    // Credentials in the URL work as well as --user/--password.
    const r = await runCli(['kick', String(cid), `nats://${SYS_USER.user}:${SYS_USER.pass}@127.0.0.1:${srv.port}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `kicked cid ${cid} on server ${srv.id}\n`);
    assert.equal(await closed, 'Kicked');
    const rec = srv.closedClients.list().find((c) => c.cid === cid)!;
    assert.equal(rec.reason, 'Kicked');
  });

  test('kick: an unknown cid, a user outside the system account, a missing user', async () => {
    const r = await runCli(['kick', '99999', srv.url, '--user', SYS_USER.user, '--password', SYS_USER.pass]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such client id/);
    const app = await runCli(['kick', '1', srv.url, '--user', 'app', '--password', 'app', '--timeout', '1s']);
    assert.equal(app.code, 1);
    assert.match(app.stderr, /the user must be in the system account/);
    const none = await runCli(['kick', '1', srv.url]);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /needs a system-account user/);
  });
});
