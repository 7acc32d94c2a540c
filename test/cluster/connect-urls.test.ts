// What clients are told about the cluster (reference §1.8, §1.11), differential: a protocol-1
// client on a member gets an async INFO with the new connect_urls when a server joins, when one
// enters lame duck mode (its URL leaves; its own clients get ldm:true and the others' URLs) and when
// one leaves; the INFO has the fields, in the order, of the reference's.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawConn } from '../helpers/raw.js';
import { startServer, hasNatsServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { freePort } from '../../dev/ports.js';

/** [member A, member B]: B joins A, then enters lame duck mode. */
const PAIRS: [ServerKind, ServerKind][] = hasNatsServer()
  ? [['tsnats', 'tsnats'], ['tsnats', 'nats-server'], ['nats-server', 'tsnats']]
  : [['tsnats', 'tsnats']];
const dir = mkdtempSync(join(tmpdir(), 'tsnats-curls-'));

async function member(kind: ServerKind, name: string, clusterPort: number, seed?: number): Promise<TestServer> {
  const conf = join(dir, `${name}-${clusterPort}.conf`);
  writeFileSync(conf, `server_name: ${name}\nlame_duck_duration: "30s"\nlame_duck_grace_period: "10s"\ncluster {\n  name: C1\n  listen: 127.0.0.1:${clusterPort}\n${seed ? `  routes: ["nats-route://127.0.0.1:${seed}"]\n` : ''}}\n`);
  const s = await startServer(kind, { config: conf });
  if (kind === 'nats-server') await s.waitForOutput(/Listening for route connections/);
  return s;
}

/** A protocol-1 client past its first PONG (only those get async INFOs). */
async function asyncClient(port: number): Promise<{ c: RawConn; info: Record<string, unknown> }> {
  const { c, info } = await RawConn.openAndInfo(port);
  c.send('CONNECT {"verbose":false,"protocol":1}\r\nPING\r\n');
  await c.expect('PONG\r\n');
  return { c, info };
}

async function nextInfo(c: RawConn, timeoutMs = 8000): Promise<Record<string, unknown>> {
  for (;;) {
    const line = await c.readLine(timeoutMs);
    if (line === 'PING') {
      c.send('PONG\r\n');
      continue;
    }
    assert.ok(line.startsWith('INFO {') && line.endsWith('} '), line);
    return JSON.parse(line.slice(5));
  }
}

for (const [kind, bKind] of PAIRS) {
  describe(`${kind} (B: ${bKind}): connect_urls and async INFO`, () => {
    const servers: TestServer[] = [];
    after(() => Promise.all(servers.map((s) => s.stop())));
    let a: TestServer;
    let aPort = 0;
    before(async () => {
      aPort = await freePort();
      a = await member(kind, 'A', aPort);
      servers.push(a);
    });

    test('join, lame duck, leave: the INFOs a client gets', async () => {
      const { c: ca, info: first } = await asyncClient(a.port);
      assert.equal(first.cluster, 'C1');
      assert.equal(first.connect_urls, undefined, 'no connect_urls before a route');
      // A protocol-1 client that has not sent its first PING yet: told at that PING (PONG, then INFO).
      const { c: quiet } = await RawConn.openAndInfo(a.port);
      quiet.send('CONNECT {"verbose":false,"protocol":1}\r\n');
      // B joins: A's client hears of it.
      const b = await member(bKind, 'B', await freePort(), aPort);
      servers.push(b);
      const joined = await nextInfo(ca);
      assert.deepEqual(Object.keys(joined), ['server_id', 'server_name', 'version', 'proto', 'go', 'host', 'port', 'headers', 'max_payload', 'client_id', 'client_ip', 'cluster', 'connect_urls']);
      assert.deepEqual(joined.connect_urls, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
      quiet.send('PING\r\n');
      await quiet.expect('PONG\r\n');
      const atPing = await nextInfo(quiet);
      assert.deepEqual(atPing.connect_urls, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
      quiet.close();
      // A client that connects now is told at once.
      const { c: late, info: lateInfo } = await asyncClient(a.port);
      assert.deepEqual(lateInfo.connect_urls, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
      late.close();
      // B's client, then B enters lame duck mode.
      const { c: cb } = await asyncClient(b.port);
      b.proc.kill('SIGUSR2');
      const ldm = await nextInfo(cb);
      assert.equal(ldm.ldm, true);
      assert.deepEqual(ldm.connect_urls, [`127.0.0.1:${a.port}`]);
      const left = await nextInfo(ca);
      assert.deepEqual(left.connect_urls, [`127.0.0.1:${a.port}`]);
      assert.equal(left.ldm, undefined);
      b.proc.kill('SIGKILL');
      ca.close();
      cb.close();
    });
  });
}

test('WebSocket clients are told the cluster\'s WebSocket URLs; TCP clients its client URLs', async (t) => {
  const { withServer } = await import('../helpers/tsnats.js');
  const { WsRaw } = await import('../websocket/wsraw.js');
  const b = await withServer(t, { serverName: 'B', websocket: { port: -1, host: '127.0.0.1', noTls: true }, cluster: { port: -1, host: '127.0.0.1', name: 'WC' } });
  const bc = (b.service('cluster') as unknown as { cluster: { port: number } }).cluster.port;
  const bws = (b.service('websocket') as unknown as { port: number }).port;
  const a = await withServer(t, { serverName: 'A', websocket: { port: -1, host: '127.0.0.1', noTls: true }, cluster: { port: -1, host: '127.0.0.1', name: 'WC' }, routes: [`nats-route://127.0.0.1:${bc}`] });
  const aws = (a.service('websocket') as unknown as { port: number }).port;
  for (let i = 0; i < 200 && a.connectURLs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const ws = await WsRaw.open(aws);
  const info = JSON.parse((await ws.readNats('\r\n')).split('\r\n')[0]!.slice(5));
  assert.deepEqual(info.connect_urls, [`127.0.0.1:${aws}`, `127.0.0.1:${bws}`]);
  ws.close();
  const { info: tcp } = await RawConn.openAndInfo(a.port);
  assert.deepEqual(tcp.connect_urls, [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
});
