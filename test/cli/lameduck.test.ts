// Lame duck mode (reference §7.4): stop accepting, async INFO ldm:true to protocol-1 clients,
// close clients spread over lame_duck_duration after the grace period, then exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { connect as natsConnect } from '@nats-io/transport-node';
import { startServer as startCli, TSNATS_CLI } from '../helpers/servers.js';
import { RawConn } from '../helpers/raw.js';
import { withServer, logCollector } from '../helpers/tsnats.js';

test('the official client moves to a second server when the first enters lame duck mode', async (t) => {
  const logs = logCollector();
  const a = await withServer(t, { lameDuckDuration: 1500, lameDuckGracePeriod: 300, log: logs.log });
  const b = await withServer(t);
  const nc = await natsConnect({ servers: [a.url, b.url], reconnectTimeWait: 50, noRandomize: true, name: 'mover' });
  t.after(() => nc.close());
  const events: string[] = [];
  (async () => {
    for await (const s of nc.status()) events.push(s.type);
  })();
  let got = 0;
  nc.subscribe('work', { callback: () => { got++; } });
  await nc.flush();
  const closed = new Promise<string>((r) => a.once('client:close', (_c, reason) => r(reason)));
  const t0 = Date.now();
  void a.lameDuckMode();
  await logs.wait(/Entering lame duck mode, stop accepting new clients/);
  // new connections are refused
  await new Promise<void>((resolve) => {
    const s = connect(a.port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('connect', () => { s.destroy(); resolve(); });
    s.on('close', () => resolve());
  });
  assert.equal(await closed, 'Server Shutdown');
  assert.ok(Date.now() - t0 >= 250, 'closes start after the grace period');
  await logs.wait(/Closing existing clients/);
  // the client reconnects to b, with its subscription
  const t1 = Date.now();
  while (nc.getServer() !== `127.0.0.1:${b.port}` && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.equal(nc.getServer(), `127.0.0.1:${b.port}`);
  await nc.flush();
  const pub = await natsConnect({ servers: b.url });
  pub.publish('work', 'x');
  await pub.flush();
  await pub.close();
  await nc.flush();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got, 1);
  assert.ok(events.includes('ldm'), `status events: ${events}`);
  await logs.wait(/Server Exiting\.\./);
});

test('clients are closed spread over the duration, not all at once', async (t) => {
  const srv = await withServer(t, { lameDuckDuration: 800, lameDuckGracePeriod: 100 });
  const conns = await Promise.all([0, 1, 2, 3].map(async () => {
    const { c } = await RawConn.openAndInfo(srv.port);
    c.send('CONNECT {"verbose":false,"protocol":1}\r\n');
    await c.roundTrip();
    return c;
  }));
  const times: number[] = [];
  srv.on('client:close', () => times.push(Date.now()));
  const t0 = Date.now();
  await srv.lameDuckMode();
  assert.equal(times.length, 4);
  assert.ok(times[3] - times[0] >= 150, `closes spread: ${times.map((x) => x - t0)}`);
  for (const c of conns) {
    const out = await c.readUntilClose();
    assert.match(out, /INFO \{[^\n]*"ldm":true\} \r\n/);
  }
});

test('--signal ldm=<pid>: the CLI server enters lame duck mode and tells protocol-1 clients', async (t) => {
  const srv = await startCli('tsnats');
  t.after(() => srv.stop());
  const { c } = await RawConn.openAndInfo(srv.port);
  c.send('CONNECT {"verbose":false,"protocol":1}\r\n');
  await c.roundTrip();
  const r = spawnSync(process.execPath, [TSNATS_CLI, '--signal', `ldm=${srv.proc.pid}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await srv.waitForOutput(/\[INF\] Entering lame duck mode, stop accepting new clients/);
  const line = await c.readLine();
  assert.match(line, /^INFO \{.*"ldm":true\} $/);
  c.close();
});
