// The official nats.js WebSocket client (@nats-io/nats-core wsconnect) against tsnats and against
// nats-server 2.9.10, the same tests for both (each server a child process with the same config):
// pub/sub, request/reply and headers across to a TCP client, reconnect after a restart, and the
// websocket block's auth variants (its own user/password or token, no_auth_user, the auth timeout,
// allowed_connection_types, jwt_cookie in operator mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wsconnect, headers, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { KINDS, skipFor, startWs, statusOf } from './dual.js';
import { WsRaw } from './wsraw.js';
import { Operators } from '../auth/helpers.js';

async function closeAll(...ncs: NatsConnection[]): Promise<void> {
  await Promise.all(ncs.map((nc) => nc.close().catch(() => {})));
}

for (const kind of KINDS) {
  const skip = skipFor(kind);

  test(`${kind}: wsconnect pub/sub, request/reply and headers across to a TCP client, plain and compressed`, { skip }, async (t) => {
    for (const compression of [false, true]) {
      const w = await startWs(t, kind, `compression: ${compression}`);
      const ws = await wsconnect({ servers: w.wsUrl, name: 'ws-client' });
      const tcp = await connect({ servers: w.natsUrl, name: 'tcp-client' });
      try {
        assert.equal(ws.info?.port, w.s.port, 'INFO host/port are the TCP listener\'s');
        // TCP → WebSocket, with headers; WebSocket → TCP; request/reply both ways.
        const got: string[] = [];
        const wsSub = ws.subscribe('to.ws', { callback: (_e, m) => { got.push(`ws:${m.string()}:${m.headers?.get('X-K') ?? ''}`); } });
        const tcpSub = tcp.subscribe('to.tcp', { callback: (_e, m) => { got.push(`tcp:${m.string()}`); } });
        ws.subscribe('svc.ws', { callback: (_e, m) => { m.respond(`ws-re:${m.string()}`); } });
        tcp.subscribe('svc.tcp', { callback: (_e, m) => { m.respond(`tcp-re:${m.string()}`); } });
        await Promise.all([ws.flush(), tcp.flush()]);
        const h = headers();
        h.set('X-K', 'v');
        tcp.publish('to.ws', 'hello', { headers: h });
        ws.publish('to.tcp', 'world');
        const big = 'z'.repeat(300_000);
        tcp.publish('to.ws', big);
        assert.equal((await tcp.request('svc.ws', 'q1', { timeout: 3000 })).string(), 'ws-re:q1');
        assert.equal((await ws.request('svc.tcp', 'q2', { timeout: 3000 })).string(), 'tcp-re:q2');
        await Promise.all([ws.flush(), tcp.flush()]);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(got.sort(), ['tcp:world', `ws:${big}:`, 'ws:hello:v'].sort(), `${kind} compression ${compression}`);
        wsSub.unsubscribe();
        tcpSub.unsubscribe();
        // A burst from the browser side, all delivered in order.
        const n = 3000;
        const seen: number[] = [];
        const done = new Promise<void>((resolve) => tcp.subscribe('burst', { callback: (_e, m) => { seen.push(Number(m.string())); if (seen.length === n) resolve(); } }));
        await tcp.flush();
        for (let i = 0; i < n; i++) ws.publish('burst', String(i));
        await done;
        assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
      } finally {
        await closeAll(ws, tcp);
      }
    }
  });

  test(`${kind}: wsconnect reconnects after a server restart and its subscriptions resume`, { skip }, async (t) => {
    const w = await startWs(t, kind);
    const ws = await wsconnect({ servers: w.wsUrl, reconnectTimeWait: 100, maxReconnectAttempts: -1, name: 'ws-reconnect' });
    t.after(() => closeAll(ws));
    const got: string[] = [];
    ws.subscribe('after', { callback: (_e, m) => { got.push(m.string()); } });
    await ws.flush();
    const reconnected = statusOf(ws.status(), 'reconnect', 20_000);
    w.s = await w.s.restart();
    await reconnected;
    await ws.flush();
    const tcp = await connect({ servers: w.s.url });
    tcp.publish('after', 'back');
    await tcp.flush();
    await tcp.close();
    await ws.flush();
    const t0 = Date.now();
    while (got.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, ['back']);
  });

  test(`${kind}: the websocket block's own user/password and token replace the top-level ones for WebSocket clients`, { skip }, async (t) => {
    // user/password in the block, none at the top: TCP clients need nothing, WebSocket clients must authenticate.
    const w = await startWs(t, kind, 'authorization { user: wsu, password: wsp }');
    const ok = await wsconnect({ servers: w.wsUrl, user: 'wsu', pass: 'wsp' });
    await ok.flush();
    await assert.rejects(wsconnect({ servers: w.wsUrl, user: 'wsu', pass: 'bad', reconnect: false }), /Authorization Violation/i);
    await assert.rejects(wsconnect({ servers: w.wsUrl, reconnect: false }), /Authorization Violation/i);
    const tcp = await connect({ servers: w.natsUrl });
    await tcp.flush();
    await closeAll(ok, tcp);
    // A token in the block; the top-level token does not apply to WebSocket clients.
    const w2 = await startWs(t, kind, 'authorization { token: wstok }', 'authorization { token: toptok }');
    const ok2 = await wsconnect({ servers: w2.wsUrl, token: 'wstok' });
    await ok2.flush();
    await assert.rejects(wsconnect({ servers: w2.wsUrl, token: 'toptok', reconnect: false }), /Authorization Violation/i);
    const tcp2 = await connect({ servers: w2.natsUrl, token: 'toptok' });
    await tcp2.flush();
    await closeAll(ok2, tcp2);
  });

  test(`${kind}: no_auth_user in the block; users and allowed_connection_types shared with TCP`, { skip }, async (t) => {
    const top = `authorization { users: [
      {user: a, password: a}
      {user: b, password: b, permissions: { publish: "b.>" }}
      {user: wonly, password: w, allowed_connection_types: ["WEBSOCKET"]}
      {user: sonly, password: s, allowed_connection_types: ["STANDARD"]}
    ] }`;
    const w = await startWs(t, kind, 'no_auth_user: b', top, true);
    // A WebSocket client without credentials is b (its permissions apply); a TCP client without is refused.
    const anon = await wsconnect({ servers: w.wsUrl, name: 'anon' });
    const errs: string[] = [];
    (async () => { for await (const s of anon.status()) if (s.type === 'error') errs.push(String(s.error)); })().catch(() => {});
    anon.publish('x.y', 'no');
    anon.publish('b.ok', 'yes');
    await anon.flush();
    const t0 = Date.now();
    while (errs.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 10));
    assert.match(errs.join(' '), /Permissions Violation for Publish to "x\.y"/i);
    const connz = await (await fetch(`http://127.0.0.1:${w.s.httpPort}/connz?auth=1`)).json() as { connections: Array<{ name?: string; type?: string; authorized_user?: string }> };
    const me = connz.connections.find((c) => c.name === 'anon');
    assert.equal(me?.authorized_user, 'b');
    assert.equal(me?.type, 'websocket');
    await assert.rejects(connect({ servers: w.natsUrl, reconnect: false }), /Authorization Violation/i);
    // Credentials a WebSocket client does send are checked against the users.
    const a = await wsconnect({ servers: w.wsUrl, user: 'a', pass: 'a' });
    await a.flush();
    await assert.rejects(wsconnect({ servers: w.wsUrl, user: 'a', pass: 'x', reconnect: false }), /Authorization Violation/i);
    // allowed_connection_types: WEBSOCKET users over WebSocket only, STANDARD users over TCP only.
    const wonly = await wsconnect({ servers: w.wsUrl, user: 'wonly', pass: 'w' });
    await wonly.flush();
    await assert.rejects(connect({ servers: w.natsUrl, user: 'wonly', pass: 'w', reconnect: false }), /Authorization Violation/i);
    await assert.rejects(wsconnect({ servers: w.wsUrl, user: 'sonly', pass: 's', reconnect: false }), /Authorization Violation/i);
    const sonly = await connect({ servers: w.natsUrl, user: 'sonly', pass: 's' });
    await sonly.flush();
    await closeAll(anon, a, wonly, sonly);
  });

  test(`${kind}: the block's auth timeout, auth_required in the WebSocket INFO only, and the close frames`, { skip }, async (t) => {
    const w = await startWs(t, kind, 'authorization { user: wsu, password: wsp, timeout: 0.3 }');
    const ws = await WsRaw.open(w.wsPort);
    const t0 = Date.now();
    const info = JSON.parse((await ws.readNats('\r\n')).slice(5));
    assert.equal(info.auth_required, true);
    assert.equal(info.port, w.s.port);
    const end = await ws.closing(5000);
    const ms = Date.now() - t0;
    assert.ok(ms >= 250 && ms < 2000, `auth timeout after ${ms} ms (0.3 s configured, 2 s top-level)`);
    assert.equal(end.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Authentication Timeout'\r\n");
    assert.deepEqual(end.close, { status: 1008, reason: 'Authentication Timeout' });
    // Wrong credentials: the -ERR, then 1008 Authentication Failure.
    const bad = await WsRaw.open(w.wsPort);
    await bad.readNats('INFO ');
    bad.sendNats('CONNECT {"verbose":false,"user":"wsu","pass":"nope"}\r\nPING\r\n');
    const e2 = await bad.closing(5000);
    assert.equal(e2.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Authorization Violation'\r\n");
    assert.deepEqual(e2.close, { status: 1008, reason: 'Authentication Failure' });
    // The TCP INFO does not ask for auth.
    const tcp = await connect({ servers: w.natsUrl });
    assert.equal(tcp.info?.auth_required, undefined);
    await tcp.close();
  });

  test(`${kind}: jwt_cookie: the user JWT from a cookie, the nonce signed in CONNECT`, { skip }, async (t) => {
    const ops = await new Operators().init();
    const acc = await ops.account('A');
    const user = await ops.user('u', acc.kp);
    const w = await startWs(t, kind, 'jwt_cookie: "jwt"', ops.inlineConf({ [acc.kp.getPublicKey()]: acc.jwt }));
    const signed = async (cookie: string, extra: Record<string, unknown> = {}) => {
      const ws = await WsRaw.open(w.wsPort, cookie ? `Cookie: other=1; jwt=${cookie}\r\n` : '');
      const info = JSON.parse((await ws.readNats('\r\n')).slice(5));
      assert.equal(typeof info.nonce, 'string');
      const sig = Buffer.from(user.kp.sign(new TextEncoder().encode(info.nonce))).toString('base64url');
      ws.sendNats(`CONNECT ${JSON.stringify({ verbose: false, sig, ...extra })}\r\nPING\r\n`);
      return ws;
    };
    const ok = await signed(user.jwt);
    assert.match(await ok.readNats('PONG\r\n'), /PONG\r\n$/);
    ok.close();
    const none = await signed('');
    const end = await none.closing(5000);
    assert.equal(end.frames.map((f) => f.payload.toString()).join(''), "-ERR 'Authorization Violation'\r\n");
    assert.deepEqual(end.close, { status: 1008, reason: 'Authentication Failure' });
    // A garbage cookie with a JWT in CONNECT: the CONNECT's JWT is used.
    const both = await signed('garbage', { jwt: user.jwt });
    assert.match(await both.readNats('PONG\r\n'), /PONG\r\n$/);
    both.close();
  });
}

test('/connz and /varz: a WebSocket client and the websocket block as nats-server shows them', { skip: skipFor('nats-server') }, async (t) => {
  const ws = 'compression: true, same_origin: true, allowed_origins: ["http://example.com"], handshake_timeout: "2s", advertise: "ws.example.com:443", authorization { timeout: 0.5 }';
  const rows: Record<string, { open: Record<string, unknown>; closed: Record<string, unknown>; varz: Record<string, unknown> }> = {};
  for (const kind of KINDS) {
    const w = await startWs(t, kind, ws, '', true);
    const nc = await wsconnect({ servers: w.wsUrl, name: 'wsmon' });
    nc.subscribe('a');
    await nc.flush();
    const get = async (path: string) => (await fetch(`http://127.0.0.1:${w.s.httpPort}${path}`)).json() as Promise<Record<string, any>>;
    const open = (await get('/connz?subs=1')).connections.find((c: { name?: string }) => c.name === 'wsmon');
    await nc.close();
    let closed: Record<string, unknown> | undefined;
    const t0 = Date.now();
    while (!closed && Date.now() - t0 < 3000) {
      closed = (await get('/connz?state=closed')).connections.find((c: { name?: string }) => c.name === 'wsmon');
      if (!closed) await new Promise((r) => setTimeout(r, 20));
    }
    const varz = (await get('/varz')).websocket;
    assert.ok(open && closed, kind);
    rows[kind] = { open, closed: closed!, varz: { ...varz, port: varz.port === w.wsPort ? '<port>' : varz.port } };
  }
  const ts = rows['tsnats']!;
  const ns = rows['nats-server']!;
  // The same fields (tsnats adds `stalls`, as 2.12), kind and type, and the close reason.
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k !== 'stalls').sort();
  assert.deepEqual(keys(ts.open), keys(ns.open));
  assert.deepEqual(keys(ts.closed), keys(ns.closed));
  for (const k of ['kind', 'type', 'ip', 'lang', 'name', 'subscriptions', 'subscriptions_list']) assert.deepEqual(ts.open[k], ns.open[k], k);
  for (const k of ['kind', 'type', 'reason']) assert.deepEqual(ts.closed[k], ns.closed[k], k);
  assert.equal(ts.open['type'], 'websocket');
  assert.deepEqual(ts.varz, ns.varz);
});
