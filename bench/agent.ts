// A load-generator thread (worker_threads). It holds one role's connections and talks to the
// bench's main thread by messages; the main thread never touches a socket during a measurement.
//   pub        floods pre-built PUB chunks for a given time, then PING/PONG (the server's work is in the window)
//   sub        counts delivered bytes into shared counters; whoever sees the target reached reports
//   responder  answers each fixed-size request with a fixed-size reply
//   requester  sequential requests, one latency sample per round trip
//   handshaker new TLS connections in parallel lanes (INFO, handshake, CONNECT+PING → PONG, close)
// With `tls` (the CA's PEM), the pub/sub connections speak TLS.
import { parentPort, workerData } from 'node:worker_threads';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { RawConn } from './conn.js';
import { WsConn, wsChunkOf } from './ws-conn.js';
import { chunkOf, msgFrameLen, pubFrame } from './frames.js';

/** Publishers and subscribers may connect to the WebSocket listener instead (with permessage-deflate). */
export interface WsTarget { wsPort: number; compress: boolean }
type Conn = RawConn | WsConn;

export type AgentData =
  | { role: 'pub'; port: number; conns: number; subject: string; size: number; chunkBytes: number; ws?: WsTarget; tls?: string }
  | { role: 'sub'; port: number; conns: number; subject: string; queue?: string; shared: SharedArrayBuffer; base: number; total: number; ws?: WsTarget; tls?: string }
  | { role: 'handshaker'; port: number; lanes: number; tls: string }
  | { role: 'responder'; port: number; subject: string; inbox: string; size: number }
  | { role: 'requester'; port: number; subject: string; inbox: string; size: number };

export type ToAgent =
  | { op: 'go'; seq: number; durationMs: number }
  | { op: 'expect'; seq: number; target: number }
  | { op: 'verify'; seq: number }
  | { op: 'close' };

const data = workerData as AgentData;
const port = parentPort!;
const now = () => process.hrtime.bigint();
const post = (m: object) => port.postMessage(m);
const lost = (why: string) => post({ type: 'error', message: `${data.role} connection lost: ${why}` });

async function openAll(n: number, name: string, setup: string, ws?: WsTarget): Promise<Conn[]> {
  const conns: Conn[] = [];
  const ca = 'tls' in data ? data.tls : undefined;
  for (let i = 0; i < n; i++) {
    const c = ws
      ? await WsConn.open(ws.wsPort, `${name}-${i}`, setup, ws.compress)
      : ca ? await RawConn.openTls(data.port, `${name}-${i}`, setup, ca) : await RawConn.open(data.port, `${name}-${i}`, setup);
    c.onLost = lost;
    conns.push(c);
  }
  return conns;
}

/** Write `chunk` until the deadline, respecting back-pressure; then PING and wait for the PONG. */
function flood(c: Conn, chunk: Buffer, frames: number, deadline: bigint): Promise<{ sent: number; tEnd: bigint }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const pump = () => {
      for (;;) {
        if (now() >= deadline) break;
        sent += frames;
        if (!c.write(chunk)) { c.sock.once('drain', pump); return; }
      }
      let got = '';
      c.onBytes = (n, buf) => {
        got += buf.toString('latin1', 0, n); // with verbose:false a publisher gets nothing but this PONG
        // ...and the server's keepalive PING when a flood outlasts it (2 s after CONNECT): answered.
        while (got.startsWith('PING\r\n')) { got = got.slice(6); c.writeProto('PONG\r\n'); }
        if (got.length < 6) return;
        c.onBytes = () => {};
        if (got === 'PONG\r\n') resolve({ sent, tEnd: now() });
        else reject(new Error(`publisher expected PONG, got ${JSON.stringify(got.slice(0, 80))}`));
      };
      c.writeProto('PING\r\n');
    };
    pump();
  });
}

async function pubRole(d: Extract<AgentData, { role: 'pub' }>) {
  const conns = await openAll(d.conns, 'bench-pub', '', d.ws);
  const { chunk, frames } = d.ws ? wsChunkOf(pubFrame(d.subject, d.size), d.chunkBytes, d.ws.compress) : chunkOf(pubFrame(d.subject, d.size), d.chunkBytes);
  port.on('message', async (m: ToAgent) => {
    if (m.op === 'go') {
      const tStart = now();
      const deadline = tStart + BigInt(Math.round(m.durationMs * 1e6));
      let r;
      try { r = await Promise.all(conns.map((c) => flood(c, chunk, frames, deadline))); } catch (e) { post({ type: 'error', message: (e as Error).message }); return; }
      const tEnd = r.reduce((a, x) => (x.tEnd > a ? x.tEnd : a), 0n);
      post({ type: 'done', seq: m.seq, sent: r.reduce((a, x) => a + x.sent, 0), tStart, tEnd });
    } else if (m.op === 'close') closeAll(conns);
  });
  post({ type: 'ready' });
}

async function subRole(d: Extract<AgentData, { role: 'sub' }>) {
  const setup = d.queue ? `SUB ${d.subject} ${d.queue} 1\r\n` : `SUB ${d.subject} 1\r\n`;
  const conns = await openAll(d.conns, 'bench-sub', setup, d.ws);
  // shared[i] = bytes received by global connection i, shared[total + i] = hrtime of its last read.
  const shared = new BigInt64Array(d.shared);
  let target = -1n;
  let seq = -1;
  const check = () => {
    if (target < 0n) return;
    let sum = 0n;
    let last = 0n;
    for (let i = 0; i < d.total; i++) {
      sum += Atomics.load(shared, i);
      const t = Atomics.load(shared, d.total + i);
      if (t > last) last = t;
    }
    if (sum >= target) {
      post({ type: 'done', seq, tEnd: last, bytes: sum });
      target = -1n;
    }
  };
  conns.forEach((c, k) => {
    const i = d.base + k;
    c.onBytes = (n) => {
      Atomics.add(shared, i, BigInt(n));
      Atomics.store(shared, d.total + i, now());
      check();
    };
  });
  port.on('message', async (m: ToAgent) => {
    if (m.op === 'expect') { target = BigInt(m.target); seq = m.seq; check(); }
    else if (m.op === 'verify') {
      // PING on each connection: exactly "PONG\r\n" must follow the counted messages.
      const res = await Promise.all(conns.map((c) => new Promise<string>((resolve) => {
        let text = '';
        c.onBytes = (n, buf) => {
          text += buf.toString('latin1', 0, n);
          if (text.includes('PONG\r\n') || text.length > 200) resolve(text);
        };
        c.writeProto('PING\r\n');
      })));
      const bad = res.find((t) => t !== 'PONG\r\n');
      post({ type: 'verified', seq: m.seq, ok: bad === undefined, detail: bad ?? '' });
    } else if (m.op === 'close') closeAll(conns);
  });
  post({ type: 'ready' });
}

async function responderRole(d: Extract<AgentData, { role: 'responder' }>) {
  const [c] = await openAll(1, 'bench-responder', `SUB ${d.subject} 1\r\n`);
  const reqLen = msgFrameLen(d.subject, '1', d.size, d.inbox);
  const reply = pubFrame(d.inbox, d.size);
  let acc = 0;
  c.onBytes = (n) => {
    acc += n;
    let k = 0;
    while (acc >= reqLen) { acc -= reqLen; k++; }
    if (k === 1) c.write(reply);
    else if (k > 1) c.write(Buffer.concat(Array(k).fill(reply)));
  };
  port.on('message', (m: ToAgent) => { if (m.op === 'close') closeAll([c]); });
  post({ type: 'ready' });
}

async function requesterRole(d: Extract<AgentData, { role: 'requester' }>) {
  const [c] = await openAll(1, 'bench-requester', `SUB ${d.inbox} 1\r\n`);
  const respLen = msgFrameLen(d.inbox, '1', d.size);
  const request = pubFrame(d.subject, d.size, d.inbox);
  port.on('message', (m: ToAgent) => {
    if (m.op === 'go') {
      const lat: number[] = [];
      const tStart = now();
      const deadline = tStart + BigInt(Math.round(m.durationMs * 1e6));
      let acc = 0;
      let t0 = now();
      c.onBytes = (n) => {
        acc += n;
        if (acc < respLen) return;
        const t1 = now();
        acc -= respLen;
        lat.push(Number(t1 - t0));
        if (t1 >= deadline) {
          c.onBytes = () => {};
          const a = Float64Array.from(lat);
          port.postMessage({ type: 'done', seq: m.seq, latencies: a, tStart, tEnd: t1 }, [a.buffer]);
          return;
        }
        t0 = now();
        c.write(request);
      };
      c.write(request);
    } else if (m.op === 'close') closeAll([c]);
  });
  post({ type: 'ready' });
}

/** One TLS connection from scratch to PONG, then closed. */
function handshakeOnce(port: number, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const raw = netConnect({ port, host: '127.0.0.1', noDelay: true });
    raw.once('error', reject);
    raw.once('data', () => {
      const t = tlsConnect({ socket: raw, ca });
      t.once('error', reject);
      t.once('secureConnect', () => t.write('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n'));
      let text = '';
      t.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('PONG\r\n')) { t.destroy(); resolve(); } else if (text.includes('-ERR')) { t.destroy(); reject(new Error(text)); }
      });
    });
  });
}

async function handshakerRole(d: Extract<AgentData, { role: 'handshaker' }>) {
  port.on('message', async (m: ToAgent) => {
    if (m.op !== 'go') return;
    const tStart = now();
    const deadline = tStart + BigInt(Math.round(m.durationMs * 1e6));
    let done = 0;
    try {
      await Promise.all(Array.from({ length: d.lanes }, async () => {
        while (now() < deadline) {
          await handshakeOnce(d.port, d.tls);
          done++;
        }
      }));
    } catch (e) {
      post({ type: 'error', message: `handshake: ${(e as Error).message}` });
      return;
    }
    post({ type: 'done', seq: m.seq, sent: done, tStart, tEnd: now() });
  });
  post({ type: 'ready' });
}

function closeAll(conns: Conn[]) {
  for (const c of conns) c.close();
  post({ type: 'closed' });
}

const roles = { pub: pubRole, sub: subRole, responder: responderRole, requester: requesterRole, handshaker: handshakerRole } as const;
(roles[data.role] as (d: AgentData) => Promise<void>)(data).catch((e: Error) => post({ type: 'error', message: `${data.role}: ${e.message}` }));
