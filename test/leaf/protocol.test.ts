// The leafnode protocol on the wire, hub side, differential: the same raw transcripts (a fake leaf
// speaking CONNECT/LS+/LS-/LMSG on the leafnode port) against a tsnats hub and a nats-server 2.9.10
// hub, and the same bytes back from both once ids, nonces, ports and the $LDS suffix are masked
// (reference cluster-leafnode-behaviour.md §2.1-2.7 and the captures in this branch's notes).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { RawConn } from '../helpers/raw.js';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, type LeafServer } from '../helpers/leaf.js';

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];

const HUB = `
accounts { APP { users [{user: app, password: app}] } }
leafnodes {
  listen: "127.0.0.1:$LEAFPORT"
  authorization { timeout: 0.5, users [ {user: leafapp, password: lp, account: APP}, {user: leafg, password: lg} ] }
}`;

/** Masks what differs between two runs: ids, nonces, the Go/Node version, ports, client ids, $LDS suffixes. */
function norm(s: string): string {
  return s
    .replace(/"server_id":"N[A-Z0-9]{55}"/g, '"server_id":"ID"')
    .replace(/"nonce":"[^"]*"/g, '"nonce":"NONCE"')
    .replace(/"go":"[^"]*"/g, '"go":"GO"')
    .replace(/"client_id":\d+/g, '"client_id":N')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .replace(/"port":\d+/g, '"port":PORT')
    .replace(/\$LDS\.[A-Za-z0-9]+/g, '$LDS.X');
}

/** A block of LS+/LS- lines in a stable order (the reference writes a map's iteration order). */
function sortedLines(s: string): string {
  return s.split('\r\n').filter((l) => l !== '').sort().join('\r\n');
}

interface Hub {
  s: LeafServer;
  app: NatsConnection;
}

/** A fake leaf: INFO read, CONNECT sent. */
async function fakeLeaf(h: Hub, connect: Record<string, unknown>): Promise<{ c: RawConn; info: string }> {
  const c = await RawConn.open(h.s.leafPort);
  const info = await c.readLine();
  c.send(`CONNECT ${JSON.stringify(connect)}\r\n`);
  return { c, info };
}

/** Reads what arrives until nothing more comes for `quietMs`. */
async function drain(c: RawConn, quietMs = 150): Promise<string> {
  let last = -1;
  for (;;) {
    const n = c.pending().length;
    if (n === last) break;
    last = n;
    await new Promise((r) => setTimeout(r, quietMs));
  }
  const out = c.pending().toString('latin1');
  if (out.length > 0) await c.expect(out);
  return out;
}

/** Waits for our PONG, answering the hub's own PINGs meanwhile (it PINGs ~1s after CONNECT). */
async function pong(c: RawConn): Promise<void> {
  for (;;) {
    const line = await c.readLine();
    if (line === 'PONG') return;
    if (line === 'PING') continue;
    throw new Error(`expected PONG, got ${JSON.stringify(line)}`);
  }
}

/** Without PINGs (the hub PINGs ~1s after CONNECT): what a transcript step returns. */
function noPing(s: string): string {
  return s.replace(/PING\r\n/g, '');
}

describe('leafnode protocol, hub side (tsnats and nats-server answer alike)', () => {
  const hubs = new Map<ServerKind, Hub>();
  before(async () => {
    await Promise.all(
      KINDS.map(async (k) => {
        const s = await startConf(k, 'HUB', HUB);
        const app = await connect({ servers: s.url, user: 'app', pass: 'app' });
        hubs.set(k, { s, app });
      }),
    );
  });
  after(async () => {
    for (const h of hubs.values()) {
      await h.app.close().catch(() => {});
      await h.s.server.stop();
    }
  });

  /** Runs `fn` against every hub and checks that the results are equal (the first kind is tsnats). */
  async function same<T>(fn: (h: Hub, kind: ServerKind) => Promise<T>): Promise<T> {
    const results = await Promise.all(KINDS.map((k) => fn(hubs.get(k)!, k)));
    for (let i = 1; i < results.length; i++) assert.deepEqual(results[0], results[i], `${KINDS[0]} vs ${KINDS[i]}`);
    return results[0];
  }

  test('handshake: the INFO on accept, the INFO answering CONNECT, then the hub interest', async () => {
    const r = await same(async (h) => {
      const { c, info } = await fakeLeaf(h, { user: 'leafapp', pass: 'lp', name: 'X1', cluster: 'XC', headers: true, version: '2.9.10', tls_required: false });
      const info2 = await c.readLine();
      const subs = noPing(await drain(c));
      c.sock.destroy();
      return { info: norm(info), info2: norm(info2), subs: sortedLines(norm(subs)) };
    });
    assert.match(r.info, /"auth_required":true.*"client_id":N,"nonce":"NONCE","info_on_connect":true,"leafnode_urls":\["127\.0\.0\.1:PORT"\]/);
    assert.match(r.info2, /"connect_info":true,"leafnode_urls":\["127\.0\.0\.1:PORT"\],"remote_account":"APP"\} $/);
    assert.ok(!r.info2.includes('nonce'));
    assert.ok(r.subs.includes('LS+ $LDS.X') && r.subs.includes('LS+ $SYS.REQ.ACCOUNT.PING.CONNZ'), r.subs);
  });

  test('a wrong password, garbage, a PUB or LS+ before CONNECT: -ERR \'Authorization Violation\' and close', async () => {
    await same(async (h) => {
      const out: string[] = [];
      for (const first of ['CONNECT {"user":"leafapp","pass":"nope","name":"X"}\r\n', 'HELLO WORLD\r\n', 'PUB foo 2\r\nhi\r\n', 'LS+ foo\r\n', 'CONNECT {"name":"X"}\r\n']) {
        const c = await RawConn.open(h.s.leafPort);
        await c.readLine();
        c.send(first);
        out.push(await c.readUntilClose());
      }
      return out;
    });
  });

  test('a client, a gateway and a broken CONNECT on the leafnode port', async () => {
    const r = await same(async (h) => {
      const out: string[] = [];
      for (const cn of ['{"lang":"go","user":"leafapp","pass":"lp"}', '{"user":"leafapp","pass":"lp","name":"X","gateway":"G"}', '{"user":']) {
        const c = await RawConn.open(h.s.leafPort);
        await c.readLine();
        c.send(`CONNECT ${cn}\r\n`);
        out.push(await c.readUntilClose());
      }
      return out;
    });
    assert.deepEqual(r, ["-ERR 'attempted to connect to leaf node port'\r\n", '-ERR \'Rejecting connection from gateway "G" on the leafnode port\'\r\n', '']);
  });

  test('no CONNECT within leafnodes.authorization.timeout: -ERR \'Authentication Timeout\'', async () => {
    const r = await same(async (h) => {
      const c = await RawConn.open(h.s.leafPort);
      await c.readLine();
      return c.readUntilClose(3000);
    });
    assert.equal(r, "-ERR 'Authentication Timeout'\r\n");
  });

  test('hub interest as LS+/LS- with queue weights; leaf interest and messages both ways (LMSG, queues, HMSG)', async () => {
    await same(async (h) => {
      const { c } = await fakeLeaf(h, { user: 'leafapp', pass: 'lp', name: 'X2', cluster: 'XC2', headers: true });
      await c.readLine();
      await drain(c);
      const steps: string[] = [];
      const app = h.app;
      // Hub clients: a plain subject counted once, a queue group with its weight going up and down.
      const a = app.subscribe('hsub');
      const b = app.subscribe('hsub');
      const q1 = app.subscribe('hq', { queue: 'q1' });
      const q2 = app.subscribe('hq', { queue: 'q1' });
      await app.flush();
      steps.push(noPing(await drain(c)));
      q2.unsubscribe();
      a.unsubscribe();
      await app.flush();
      steps.push(noPing(await drain(c)));
      b.unsubscribe();
      q1.unsubscribe();
      await app.flush();
      steps.push(noPing(await drain(c)));
      // The leaf's interest, then hub publishes to it: plain, reply, queue, headers.
      c.send('LS+ leafsub\r\nLS+ lq q1 2\r\nPING\r\n');
      await pong(c);
      app.publish('leafsub', 'h1');
      app.publish('leafsub', 'h2', { reply: 'rep.1' });
      app.publish('lq', 'h3');
      app.publish('lq', 'h4', { reply: 'rep.2' });
      await app.flush();
      steps.push(noPing(await drain(c)));
      // Leaf publishes to hub interest.
      const got: string[] = [];
      const hs = app.subscribe('hubsub', { callback: (_e, m) => { got.push(`${m.subject}:${m.reply ?? ''}:${m.string()}:${m.headers?.get('X-K') ?? ''}`); } });
      const hq = app.subscribe('hubq', { queue: 'g1', callback: (_e, m) => { got.push(`q:${m.subject}:${m.string()}`); } });
      await app.flush();
      steps.push(sortedLines(noPing(await drain(c))));
      c.send('LMSG hubsub 2\r\nl1\r\nLMSG hubsub rep.3 2\r\nl2\r\nLMSG hubq | g1 2\r\nl3\r\nLMSG hubq 2\r\nl4\r\nHMSG hubsub 20 22\r\nNATS/1.0\r\nX-K: v\r\n\r\nhi\r\nPUB hubsub 2\r\nl5\r\nPING\r\n');
      await pong(c);
      await app.flush();
      await new Promise((r) => setTimeout(r, 100));
      steps.push(got.join('|'));
      // Unsubscribes: LS- without weight.
      c.send('LS- leafsub\r\nLS- lq q1\r\nPING\r\n');
      await pong(c);
      app.publish('leafsub', 'gone');
      await app.flush();
      hs.unsubscribe();
      hq.unsubscribe();
      await app.flush();
      steps.push(sortedLines(noPing(await drain(c))));
      c.sock.destroy();
      return steps.map(norm);
    });
  });

  test('a leaf announcing the hub\'s own $LDS subject: the loop -ERR and close', async () => {
    const r = await same(async (h) => {
      const { c } = await fakeLeaf(h, { user: 'leafapp', pass: 'lp', name: 'X3', cluster: 'XC3' });
      await c.readLine();
      const subs = await drain(c);
      const lds = /LS\+ (\$LDS\.[A-Za-z0-9]+)\r\n/.exec(subs)![1];
      c.send(`LS+ ${lds}\r\n`);
      return c.readUntilClose();
    });
    assert.equal(r, '-ERR \'Loop detected for leafnode account="APP". Delaying attempt to reconnect for 30s\'\r\n');
  });

  test('the same server again (name, cluster, account): the older connection is replaced', async () => {
    const r = await same(async (h) => {
      const first = await fakeLeaf(h, { user: 'leafg', pass: 'lg', name: 'DUP', cluster: 'DC' });
      await first.c.readLine();
      await drain(first.c);
      const second = await fakeLeaf(h, { user: 'leafg', pass: 'lg', name: 'DUP', cluster: 'DC' });
      await second.c.readLine();
      const old = await first.c.readUntilClose();
      second.c.sock.destroy();
      return noPing(old);
    });
    assert.equal(r, "-ERR 'Duplicate Remote LeafNode Connection'\r\n");
  });

  test('interest the leaf refused to import (deny_pub): an LS+ for it is a violation', async () => {
    const r = await same(async (h) => {
      const { c } = await fakeLeaf(h, { user: 'leafapp', pass: 'lp', name: 'X4', cluster: 'XC4', deny_pub: ['priv.>'] });
      await c.readLine();
      await drain(c);
      c.send('LS+ priv.x\r\n');
      return c.readUntilClose();
    });
    assert.equal(r, '-ERR \'Permissions Violation for Subscription to "priv.x"\'\r\n');
  });

  test('JetStream API subjects do not cross: no interest sent for them, none accepted', async () => {
    await same(async (h) => {
      const { c } = await fakeLeaf(h, { user: 'leafapp', pass: 'lp', name: 'X5', cluster: 'XC5' });
      await c.readLine();
      await drain(c);
      const s = h.app.subscribe('$JS.API.INFO');
      await h.app.flush();
      const out = noPing(await drain(c));
      s.unsubscribe();
      c.send('LS+ $KV.b.k\r\n');
      const close = await c.readUntilClose();
      return [out, close];
    });
  });
});
