// startServer in-process: URL and port, several servers in one process, in-process Duplex
// connections, and a shutdown that leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { startServer } from '../../src/index.js';

test('startServer returns a running server with url and port', async () => {
  const srv = await startServer({ port: 0 });
  assert.ok(srv.port > 0);
  assert.equal(srv.url, `nats://127.0.0.1:${srv.port}`);
  const nc = await connect({ servers: srv.url });
  assert.equal(srv.numConnections, 1);
  await nc.close();
  await srv.shutdown();
});

test('several servers in one process are independent', async () => {
  const [a, b] = await Promise.all([startServer({ port: 0 }), startServer({ port: 0 })]);
  assert.notEqual(a.port, b.port);
  assert.notEqual(a.id, b.id);
  const na = await connect({ servers: a.url });
  const nb = await connect({ servers: b.url });
  let gotB = 0;
  nb.subscribe('x', { callback: () => { gotB++; } });
  await nb.flush();
  na.publish('x', 'only in a');
  await na.flush();
  await nb.flush();
  assert.equal(gotB, 0);
  await na.close();
  await nb.close();
  await Promise.all([a.shutdown(), b.shutdown()]);
});

test('an in-process connection speaks the protocol without TCP', async () => {
  const srv = await startServer({ port: 0 });
  const conn = srv.connectInProcess();
  let out = '';
  conn.on('data', (d: Buffer) => (out += d.toString()));
  conn.write('CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nPING\r\n');
  await new Promise<void>((resolve) => {
    const check = () => (out.includes('PONG') ? resolve() : setTimeout(check, 2));
    check();
  });
  assert.match(out, /^INFO \{.*\} \r\nMSG a 1 2\r\nhi\r\nPONG\r\n$/);
  const c = [...srv.clients.values()][0];
  assert.equal(c.host, 'pipe');
  conn.end();
  await new Promise((r) => conn.once('close', r));
  await srv.shutdown();
});

test('shutdown closes every client with Server Shutdown and leaves no handles', async () => {
  const before = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  const srv = await startServer({ port: 0, pingInterval: 50 });
  const reasons: string[] = [];
  srv.on('client:close', (_c, r) => reasons.push(r));
  const ncs = await Promise.all([1, 2, 3].map(() => connect({ servers: srv.url, reconnect: false })));
  const closed = ncs.map((nc) => nc.closed());
  await srv.shutdown();
  await Promise.all(closed);
  assert.deepEqual(reasons, ['Server Shutdown', 'Server Shutdown', 'Server Shutdown']);
  await new Promise((r) => setTimeout(r, 20));
  const after = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  assert.ok(after <= before, `handles before ${before}, after ${after}`);
});
