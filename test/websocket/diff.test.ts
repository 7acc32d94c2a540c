// Differential: the same upgrade requests and the same frames to nats-server 2.9.10 and to tsnats
// (the WebSocket transport on the engine), the same visible answers where nats-server's are
// deterministic. Skips when nats-server is not installed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { hasNatsServer, startServer } from '../helpers/servers.js';
import { freePort } from '../../dev/ports.js';
import { tempDir, writeConf } from '../auth/helpers.js';
import { startWsHarness } from './harness.js';
import { httpCases, sameOriginCases, allowedOriginCases, compressionCases, exchange, ALLOWED, type HttpCase } from './http-cases.js';
import { WsRaw, frame, closeBody, deflate } from './wsraw.js';

const skip = hasNatsServer() ? false : 'nats-server is not installed';

/** nats-server with a websocket block (`ws` is the inside of `websocket { … }`); resolves its ws port. */
async function natsServerWs(t: TestContext, ws: string, top = ''): Promise<number> {
  const wsPort = await freePort();
  const dir = tempDir(t);
  const conf = writeConf(dir, 'ws.conf', `${top}\nwebsocket { host: 127.0.0.1, port: ${wsPort}, no_tls: true, ${ws} }\n`);
  const s = await startServer('nats-server', { config: conf });
  t.after(() => s.stop());
  return wsPort;
}

async function compareTable(t: TestContext, cases: HttpCase[], nsPort: number, tsPort: number): Promise<void> {
  void t;
  await Promise.all(
    cases.map(async (c) => {
      const [ns, ts] = await Promise.all([exchange(nsPort, c), exchange(tsPort, c)]);
      assert.equal(ns.answer, c.expect, `nats-server answer to ${c.name} (the capture is stale?)`);
      assert.equal(ts.answer, ns.answer, c.name);
      assert.equal(ts.after, ns.after, `${c.name}: keep-alive`);
    }),
  );
}

test('upgrade answers: tsnats = nats-server', { skip }, async (t) => {
  const [ns, ts] = await Promise.all([natsServerWs(t, ''), startWsHarness(t)]);
  await compareTable(t, httpCases, ns, ts.wsPort);
});

test('origin checks and compression negotiation: tsnats = nats-server', { skip }, async (t) => {
  // same_origin compares with the request's Host, so both listeners must see the same Host: the
  // cases write the listener's own port, which differs; the table is run per server with its port.
  const [nsSame, tsSame] = await Promise.all([natsServerWs(t, 'same_origin: true'), startWsHarness(t, {}, { sameOrigin: true })]);
  await compareTable(t, sameOriginCases, nsSame, tsSame.wsPort);
  const list = JSON.stringify(ALLOWED);
  const [nsAllowed, tsAllowed] = await Promise.all([natsServerWs(t, `allowed_origins: ${list}`), startWsHarness(t, {}, { allowedOrigins: ALLOWED })]);
  await compareTable(t, allowedOriginCases, nsAllowed, tsAllowed.wsPort);
  const [nsC, tsC] = await Promise.all([natsServerWs(t, 'compression: true'), startWsHarness(t, {}, { compression: true })]);
  await compareTable(t, compressionCases, nsC, tsC.wsPort);
});

/** Frames that nats-server answers deterministically; each a script of frames after the upgrade. */
const frameCases: Array<{ name: string; send: Buffer[]; until: string | 'close'; racyPrefix?: boolean }> = [
  { name: 'PING split across two frames', send: [frame(2, 'PI'), frame(2, 'NG\r\n')], until: 'PONG\r\n' },
  { name: 'a text frame', send: [frame(1, 'PING\r\n')], until: 'PONG\r\n' },
  { name: 'invalid UTF-8 in a text frame is delivered', send: [frame(1, Buffer.concat([Buffer.from('SUB z 1\r\nPUB z 2\r\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\nPING\r\n')]))], until: 'PONG\r\n' },
  { name: 'fragmented, a ping in between', send: [frame(2, 'PI', { fin: false }), frame(9, 'hb'), frame(0, 'NG\r\n')], until: 'PONG\r\n' },
  { name: 'RSV2 and RSV3 ignored', send: [frame(2, 'PI', { rsv: 0x20 }), frame(2, 'NG\r\n', { rsv: 0x10 })], until: 'PONG\r\n' },
  { name: 'a 16-bit length for a short payload', send: [Buffer.from([0x82, 0xfe, 0x00, 0x06, 1, 2, 3, 4, ...Buffer.from('PING\r\n').map((b, i) => b ^ [1, 2, 3, 4][i & 3]!)])], until: 'PONG\r\n' },
  { name: 'an empty frame', send: [frame(2, ''), frame(2, 'PING\r\n')], until: 'PONG\r\n' },
  { name: 'close 1000 with reason', send: [frame(8, closeBody(1000, 'bye'))], until: 'close' },
  { name: 'close without payload', send: [frame(8, '')], until: 'close' },
  { name: 'close with one byte', send: [frame(8, Buffer.from([3]))], until: 'close' },
  { name: 'close 1005', send: [frame(8, closeBody(1005))], until: 'close' },
  { name: 'close 999', send: [frame(8, closeBody(999))], until: 'close' },
  { name: 'close 4000 app', send: [frame(8, closeBody(4000, 'app'))], until: 'close' },
  { name: 'close with invalid UTF-8', send: [frame(8, closeBody(1000, Buffer.from([0xff, 0xfe])))], until: 'close' },
  { name: 'close with a 123-byte reason', send: [frame(8, closeBody(1000, 'y'.repeat(123)))], until: 'close' },
  // nats-server's answer here is racy: under load it closed after the first +OK (its close frame
  // overtook the writes still queued); tsnats always answers all of it. So nats-server's data may be
  // a prefix of tsnats's (racyPrefix).
  { name: 'data then close in one write', send: [Buffer.concat([frame(2, 'SUB a 1\r\nPUB a 2\r\nhi\r\n'), frame(8, closeBody(1000))])], until: 'close', racyPrefix: true },
  { name: 'data after a close frame is ignored', send: [Buffer.concat([frame(8, closeBody(1000)), frame(2, 'PING\r\n')])], until: 'close' },
  { name: 'maximum payload', send: [frame(2, 'CONNECT {"verbose":false}\r\nPUB a 2000000\r\n')], until: 'close' },
  { name: 'a parse error', send: [frame(2, 'FOO\r\n')], until: 'close' },
  { name: 'RSV1 on data that is not deflate (no close frame)', send: [frame(2, 'PING\r\n', { rsv: 0x40 })], until: 'close' },
];

test('frames: tsnats = nats-server (deterministic answers)', { skip }, async (t) => {
  const [nsPort, ts] = await Promise.all([natsServerWs(t, ''), startWsHarness(t)]);
  const transcript = async (port: number, c: (typeof frameCases)[number]) => {
    const ws = await WsRaw.open(port);
    try {
      await ws.readNats('INFO ');
      for (const b of c.send) ws.send(b);
      if (c.until !== 'close') return await ws.readNats(c.until);
      const end = await ws.closing(3000);
      const data = end.frames.map((f) => `${f.op}:${f.payload.toString('latin1')}`).join('|');
      return `${data} close=${end.close ? `${end.close.status} ${JSON.stringify(end.close.reason)}` : 'none'} tcp=${end.tcpClosed}`;
    } finally {
      ws.close();
    }
  };
  for (const c of frameCases) {
    const [a, b] = await Promise.all([transcript(nsPort, c), transcript(ts.wsPort, c)]);
    if (c.racyPrefix && a !== b) {
      const [ad, ac] = a.split(' close=');
      const [bd, bc] = b.split(' close=');
      assert.equal(bc, ac, `${c.name}: the close`);
      // The bytes, whatever the frames they came in ("2:" binary frames joined by "|").
      const bytes = (d: string) => d.split('|').map((f) => f.slice(2)).join('');
      assert.ok(bytes(bd!).startsWith(bytes(ad!)), `${c.name}: nats-server's data ${JSON.stringify(ad)} is a prefix of tsnats's ${JSON.stringify(bd)}`);
      assert.equal(bytes(bd!), '+OK\r\n+OK\r\nMSG a 1 2\r\nhi\r\n', `${c.name}: tsnats answers all of it`);
      continue;
    }
    assert.equal(b, a, c.name);
  }
});

test('compressed client frames: tsnats = nats-server', { skip }, async (t) => {
  const [nsPort, ts] = await Promise.all([natsServerWs(t, 'compression: true'), startWsHarness(t, {}, { compression: true })]);
  const body = 'SUB big 1\r\nPUB big 200\r\n' + 'x'.repeat(200) + '\r\nPING\r\n';
  const c = deflate(body);
  for (const [name, send] of [
    ['one compressed frame', [frame(2, c, { rsv: 0x40 })]],
    ['compressed, fragmented', [frame(2, c.subarray(0, 5), { rsv: 0x40, fin: false }), frame(0, c.subarray(5))]],
    ['compressed and plain frames mixed', [frame(2, 'SUB big 1\r\n'), frame(2, deflate('PUB big 200\r\n' + 'x'.repeat(200) + '\r\n'), { rsv: 0x40 }), frame(2, 'PING\r\n')]],
  ] as Array<[string, Buffer[]]>) {
    const run = async (port: number) => {
      const ws = await WsRaw.open(port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
      try {
        await ws.readNats('INFO ');
        for (const b of send) ws.send(b);
        return (await ws.readNats('PONG\r\n')).replace(/\+OK\r\n/g, '');
      } finally {
        ws.close();
      }
    };
    const [a, b] = await Promise.all([run(nsPort), run(ts.wsPort)]);
    assert.equal(b, a, name);
  }
});

/**
 * Closes the server starts, over the full integration (both servers as child processes with the
 * same config, test/websocket/dual.ts): the -ERR and the close frame, byte for byte.
 */
const serverCloses: Array<{ name: string; top: string; script: (ws: WsRaw) => void; pre?: (port: number) => Promise<WsRaw> }> = [
  { name: 'authorization violation', top: 'authorization { user: a, password: b }', script: (ws) => ws.sendNats('CONNECT {"verbose":false,"user":"a","pass":"x"}\r\nPING\r\n') },
  { name: 'maximum control line', top: 'max_control_line: 64', script: (ws) => ws.sendNats(`CONNECT {"verbose":false}\r\nSUB ${'s'.repeat(100)} 1\r\n`) },
  { name: 'stale connection', top: 'ping_interval: "300ms"\nping_max: 1', script: (ws) => ws.sendNats('CONNECT {"verbose":false}\r\n') },
  { name: 'a client FIN without a close frame', top: '', script: (ws) => { ws.sendNats('CONNECT {"verbose":false}\r\nPING\r\n'); setTimeout(() => ws.conn.sock.end(), 200); } },
  { name: 'bad client protocol version', top: '', script: (ws) => ws.sendNats('CONNECT {"verbose":false,"protocol":5}\r\n') },
];

test('closes started by the server (auth, control line, stale, client FIN, protocol): tsnats = nats-server', { skip }, async (t) => {
  const { startWs } = await import('./dual.js');
  for (const c of serverCloses) {
    const run = async (kind: 'tsnats' | 'nats-server') => {
      const w = await startWs(t, kind, '', c.top);
      const ws = await WsRaw.open(w.wsPort);
      try {
        await ws.readNats('INFO ');
        c.script(ws);
        const end = await ws.closing(5000);
        const data = end.frames.map((f) => f.payload.toString('latin1')).join('');
        return `${data} close=${end.close ? `${end.close.status} ${JSON.stringify(end.close.reason)}` : 'none'} tcp=${end.tcpClosed}`;
      } finally {
        ws.close();
        await w.s.stop();
      }
    };
    const [a, b] = await Promise.all([run('nats-server'), run('tsnats')]);
    assert.equal(b, a, c.name);
  }
});

// nats-server closes this connection without flushing it first, racing its write loop: its client
// sees the INFO, and sometimes the -ERR and the close frame (captured both ways). tsnats always sends all three.
test('maximum connections over WebSocket: INFO, -ERR, 1008 (nats-server: a racy prefix of it)', { skip }, async (t) => {
  const { startWs } = await import('./dual.js');
  const run = async (kind: 'tsnats' | 'nats-server') => {
    const w = await startWs(t, kind, '', 'max_connections: 1');
    const first = await WsRaw.open(w.wsPort);
    await first.readNats('INFO ');
    const second = await WsRaw.open(w.wsPort);
    const end = await second.closing(5000);
    first.close();
    await w.s.stop();
    const data = end.frames.map((f) => f.payload.toString('latin1').replace(/^INFO .*\r\n/, 'INFO\r\n')).join('');
    return `${data} close=${end.close ? `${end.close.status} ${JSON.stringify(end.close.reason)}` : 'none'}`;
  };
  const [a, b] = await Promise.all([run('nats-server'), run('tsnats')]);
  const full = `INFO\r\n-ERR 'maximum connections exceeded'\r\n close=1008 "Maximum Connections Exceeded"`;
  assert.equal(b, full);
  assert.ok([full, 'INFO\r\n close=none'].includes(a), `nats-server: ${JSON.stringify(a)}`);
});

test('the INFO a WebSocket client gets: the same fields as nats-server\'s, with its WebSocket differences', { skip }, async (t) => {
  const { startWs } = await import('./dual.js');
  const infoOf = async (kind: 'tsnats' | 'nats-server', ws: string, top: string) => {
    const w = await startWs(t, kind, ws, top);
    const c = await WsRaw.open(w.wsPort);
    const info = JSON.parse((await c.readNats('\r\n')).slice(5)) as Record<string, unknown>;
    c.close();
    await w.s.stop();
    // Values that differ by nature: ids, versions, the client's id and address, the nonce's value.
    for (const k of ['server_id', 'server_name', 'version', 'go', 'git_commit', 'client_id', 'client_ip']) if (k in info) info[k] = '<x>';
    if (typeof info['nonce'] === 'string') info['nonce'] = '<nonce>';
    info['port'] = info['port'] === w.s.port ? '<client port>' : info['port'];
    return info;
  };
  for (const [ws, top] of [
    ['', ''],
    ['authorization { user: u, password: p }', ''],
    ['no_auth_user: a', 'authorization { users: [{user: a, password: a}] }'],
    ['', 'authorization { users: [{user: a, nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4}] }'.replace('user: a, ', '')],
  ]) {
    const [a, b] = await Promise.all([infoOf('nats-server', ws!, top!), infoOf('tsnats', ws!, top!)]);
    // tsnats does not announce what it does not have (no git commit): compare the rest.
    delete a['git_commit'];
    delete b['git_commit'];
    assert.deepEqual(b, a, `websocket { ${ws} } ${top}`);
  }
});
