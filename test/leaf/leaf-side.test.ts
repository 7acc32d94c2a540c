// The leafnode protocol on the wire, leaf side, differential: a fake hub (a TCP listener in the
// test speaking INFO/LS+/LMSG) receives a tsnats leaf and a nats-server 2.9.10 leaf, and sees the
// same CONNECT, the same interest, the same answers to a wrong port, a silent hub and a loop.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { hasNatsServer, type ServerKind } from '../helpers/servers.js';
import { startConf, eventually, type LeafServer } from '../helpers/leaf.js';

const KINDS: ServerKind[] = hasNatsServer() ? ['tsnats', 'nats-server'] : ['tsnats'];

/** A fake hub: every accepted connection's bytes, and a hook to answer. */
class FakeHub {
  readonly conns: { sock: Socket; data: string; at: number; closedAt: number }[] = [];
  port = 0;
  private srv: NetServer;
  constructor(private readonly onConn: (sock: Socket, i: number) => void) {
    this.srv = createServer((sock) => {
      const e = { sock, data: '', at: Date.now(), closedAt: 0 };
      this.conns.push(e);
      sock.on('data', (d) => { e.data += d.toString('latin1'); });
      sock.on('error', () => {});
      sock.on('close', () => { e.closedAt = Date.now(); });
      this.onConn(sock, this.conns.length - 1);
    });
  }
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.srv.listen(0, '127.0.0.1', r));
    this.port = (this.srv.address() as { port: number }).port;
  }
  close(): Promise<void> {
    for (const c of this.conns) c.sock.destroy();
    return new Promise((r) => this.srv.close(() => r()));
  }
}

function hubInfo(port: number, extra: Record<string, unknown> = {}): string {
  const info = {
    server_id: 'NFAKEHUB'.padEnd(56, 'A'), server_name: 'FAKEHUB', version: '2.9.10', proto: 1, go: 'go1.19.8', host: '127.0.0.1',
    port, headers: true, auth_required: true, max_payload: 1048576, ip: `127.0.0.1:${port}`, client_id: 7, nonce: 'abcdefghijklmno',
    info_on_connect: true, leafnode_urls: [`127.0.0.1:${port}`], ...extra,
  };
  return `INFO ${JSON.stringify(info)} \r\n`;
}

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
});

async function leafTo(kind: ServerKind, hubPort: number, extra = ''): Promise<LeafServer> {
  const s = await startConf(kind, 'LEAF', `
accounts { LAPP { users [{user: l, password: l}] } }
leafnodes { reconnect: 1, remotes [ { url: "nats-leaf://u:p@127.0.0.1:${hubPort}", account: LAPP, deny_imports: ["priv.>"] ${extra} } ] }`);
  cleanup.push(() => s.server.stop());
  return s;
}

describe('leafnode protocol, leaf side (tsnats and nats-server leafs alike)', () => {
  test('the leaf waits for INFO, sends CONNECT (its fields), then its interest once the hub answered', async () => {
    const results = await Promise.all(
      KINDS.map(async (kind) => {
        const hub = new FakeHub((sock) => {
          sock.write(hubInfo(0));
          let answered = false;
          sock.on('data', (d) => {
            if (!answered && d.toString().startsWith('CONNECT ')) {
              answered = true;
              sock.write(hubInfo(0, { connect_info: true, remote_account: 'APP', nonce: undefined }) + 'LS+ hubsub\r\nLS+ hq q1 2\r\n');
            }
          });
        });
        await hub.listen();
        cleanup.push(() => hub.close());
        const leaf = await leafTo(kind, hub.port);
        const nc = await connect({ servers: leaf.url, user: 'l', pass: 'l' });
        cleanup.push(() => nc.close());
        await eventually(() => hub.conns.length === 1 && /LS\+ \$LDS\./.test(hub.conns[0].data), 5000, 'the leaf interest');
        nc.subscribe('leafsub');
        nc.subscribe('lq', { queue: 'g' });
        nc.subscribe('lq', { queue: 'g' });
        nc.subscribe('priv.x');
        await nc.flush();
        await eventually(() => hub.conns[0].data.includes('LS+ lq g 2'), 5000, 'the queue weight');
        // The hub's interest is used: the leaf sends a client's publish there.
        nc.publish('hubsub', 'x');
        nc.publish('hq', 'y', { reply: 'r.1' });
        await nc.flush();
        await eventually(() => hub.conns[0].data.includes('LMSG hq + r.1 q1 1'), 5000, 'messages to the hub');
        const data = hub.conns[0].data;
        const connectLine = data.slice(0, data.indexOf('\r\n'));
        const cn = JSON.parse(connectLine.slice(8)) as Record<string, unknown>;
        const rest = data.slice(data.indexOf('\r\n') + 2).replace(/PING\r\n/g, '').replace(/PONG\r\n/g, '');
        return {
          keys: Object.keys(cn),
          cn: { ...cn, server_id: typeof cn.server_id, version: cn.version },
          lines: rest.split('\r\n').filter((l) => l !== '' && !l.startsWith('LS+ $SYS.')).map((l) => l.replace(/\$LDS\.[A-Za-z0-9]+/, '$LDS.X')),
        };
      }),
    );
    for (let i = 1; i < results.length; i++) assert.deepEqual(results[0], results[i]);
    assert.deepEqual(results[0].keys, ['version', 'user', 'pass', 'tls_required', 'server_id', 'name', 'cluster', 'headers', 'deny_pub']);
    assert.deepEqual(results[0].cn, { version: '2.9.10', user: 'u', pass: 'p', tls_required: false, server_id: 'string', name: 'LEAF', cluster: 'LEAF', headers: true, deny_pub: ['priv.>'] });
    assert.deepEqual(results[0].lines, ['LS+ $LDS.X', 'LS+ leafsub', 'LS+ lq g 1', 'LS+ lq g 2', 'LMSG hubsub 1', 'x', 'LMSG hq + r.1 q1 1', 'y']);
  });

  test('a port that is not a leafnode port (no leafnode_urls): the leaf closes and tries again', async () => {
    await Promise.all(
      KINDS.map(async (kind) => {
        const hub = new FakeHub((sock) => sock.write(hubInfo(0, { leafnode_urls: undefined })));
        await hub.listen();
        cleanup.push(() => hub.close());
        await leafTo(kind, hub.port);
        await eventually(() => hub.conns.length >= 2, 5000, `${kind}: a second attempt`);
        assert.equal(hub.conns[0].data, '', `${kind} sent nothing on a wrong port`);
        assert.ok(hub.conns[0].closedAt > 0);
        const gap = hub.conns[1].at - hub.conns[0].closedAt;
        assert.ok(gap >= 800 && gap < 3000, `${kind}: retried after ${gap}ms`);
      }),
    );
  });

  test('a hub that never answers CONNECT: -ERR \'Stale Leaf Node Connection - Closing\' after 2s', async () => {
    await Promise.all(
      KINDS.map(async (kind) => {
        const hub = new FakeHub((sock) => sock.write(hubInfo(0)));
        await hub.listen();
        cleanup.push(() => hub.close());
        await leafTo(kind, hub.port);
        await eventually(() => hub.conns.length >= 1 && hub.conns[0].closedAt > 0, 5000, `${kind}: the close`);
        const c = hub.conns[0];
        assert.match(c.data, /^CONNECT \{.*\}\r\n-ERR 'Stale Leaf Node Connection - Closing'\r\n$/);
        const took = c.closedAt - c.at;
        assert.ok(took >= 1900 && took < 3500, `${kind}: closed after ${took}ms`);
      }),
    );
  });

  test('the hub sends the leaf\'s own $LDS subject back: the leaf says "Loop detected" and waits 30s', async () => {
    await Promise.all(
      KINDS.map(async (kind) => {
        const hub = new FakeHub((sock) => {
          sock.write(hubInfo(0));
          let sent = false;
          sock.on('data', () => {
            const e = hubConns.find((x) => x.sock === sock)!;
            if (!sent && e.data.startsWith('CONNECT ')) {
              sent = true;
              sock.write(hubInfo(0, { connect_info: true, remote_account: 'APP', nonce: undefined }));
            }
            const m = /LS\+ (\$LDS\.[A-Za-z0-9]+)\r\n/.exec(e.data);
            if (m && !e.data.includes('-ERR')) sock.write(`LS+ ${m[1]}\r\n`);
          });
        });
        const hubConns = hub.conns;
        await hub.listen();
        cleanup.push(() => hub.close());
        await leafTo(kind, hub.port);
        await eventually(() => hub.conns.length >= 1 && hub.conns[0].closedAt > 0, 5000, `${kind}: the close`);
        assert.match(hub.conns[0].data, /-ERR 'Loop detected for leafnode account="LAPP"\. Delaying attempt to reconnect for 30s'\r\n$/);
        // No second attempt within the next 2 seconds (the delay is 30s).
        await new Promise((r) => setTimeout(r, 2000));
        assert.equal(hub.conns.length, 1, `${kind} waited`);
      }),
    );
  });
});
