// Run one transcript against a server port and return its outcome as readable lines: every step the
// client took, each followed by the frames it had received by then. The sent lines are the same for both
// servers, so a line diff of two outcomes anchors on them and shows exactly where the answers differ.
//
//   c1 connect
//   c1 -> INFO {"server_id":"*",…,"max_payload":1048576,"client_id":#,"client_ip":"127.0.0.1"} \r\n
//   c1 <- CONNECT {}\r\nPING\r\n
//   c1 until PONG
//   c1 -> +OK\r\n
//   c1 -> PONG\r\n
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../helpers/raw.js';
import { cutFrames, renderFrame, sortFanout, summarise, type RenderOptions } from './frames.js';
import type { Step, Transcript } from './model.js';

/** Generous: a healthy server answers in milliseconds; only a mismatch waits this long. */
const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_PAUSE_MS = 5;

interface Peer {
  name: string;
  conn: RawConn | null;
  hungUp: boolean;
  /** The server's close has been written to the log. */
  closeLogged: boolean;
}

export async function runTranscript(t: Transcript, port: number): Promise<string[]> {
  const log: string[] = [];
  const peers = new Map<string, Peer>();
  const render: RenderOptions = { sidClasses: t.sidClasses };

  const peer = (name = 'c1'): Peer => {
    let p = peers.get(name);
    if (!p) peers.set(name, (p = { name, conn: null, hungUp: false, closeLogged: false }));
    return p;
  };

  /** Log received frames (all of them, or up to and including the `upTo`-th); close/partial on request. */
  const flush = (p: Peer, upTo?: number, final = false) => {
    const c = p.conn;
    if (!c) return;
    const { frames, used } = cutFrames(c.pending(), upTo);
    c.take(used);
    for (const f of sortFanout(frames.map((f) => renderFrame(f, render)))) log.push(`${p.name} -> ${f}`);
    if (upTo !== undefined) return;
    if ((c.closed || final) && c.pending().length) log.push(`${p.name} -> (incomplete frame) ${summarise(c.take())}`);
    if (c.closed && !p.hungUp && !p.closeLogged) {
      log.push(`${p.name} -- closed by server`);
      p.closeLogged = true;
    }
  };

  /** Wait for a frame starting with `prefix` (null: any frame); log up to it, or log the close/timeout. */
  const waitFrame = async (p: Peer, prefix: string | null, timeoutMs: number) => {
    const c = p.conn;
    if (!c) { log.push(`${p.name} -- not connected`); return; }
    const find = (b: Buffer) => cutFrames(b).frames.findIndex((f) => prefix === null || f.toString('latin1').startsWith(prefix));
    const ok = await c.until((b, closed) => find(b) >= 0 || closed, timeoutMs);
    const i = find(c.pending());
    if (i >= 0) { flush(p, i + 1); return; }
    flush(p);
    if (!ok) log.push(`${p.name} -- timeout: no ${prefix === null ? 'frame' : JSON.stringify(prefix)} within ${timeoutMs}ms`);
  };

  const send = async (p: Peer, data: string, chunks?: number | number[], pauseMs = DEFAULT_PAUSE_MS) => {
    const c = p.conn;
    if (!c || c.closed || p.hungUp) return; // logged as sent all the same: the log stays identical across servers
    const buf = Buffer.from(data, 'latin1');
    const cuts: number[] = [];
    if (typeof chunks === 'number') for (let i = chunks; i < buf.length; i += chunks) cuts.push(i);
    else if (chunks) cuts.push(...chunks.filter((x) => x > 0 && x < buf.length));
    let at = 0;
    for (const cut of [...cuts, buf.length]) {
      if (c.closed) return;
      await c.write(buf.subarray(at, cut));
      at = cut;
      if (at < buf.length) await sleep(pauseMs);
    }
  };

  const describeChunks = (s: Extract<Step, { op: 'send' }>) =>
    s.chunks === undefined ? '' :
      ` [${typeof s.chunks === 'number' ? `in ${s.chunks}-byte chunks` : `cut at ${s.chunks.join(',')}`}, ${s.pauseMs ?? DEFAULT_PAUSE_MS}ms apart]`;

  try {
    for (const s of t.steps) {
      const p = peer(s.c);
      switch (s.op) {
        case 'connect':
          log.push(`${p.name} connect`);
          try {
            p.conn = await RawConn.open(port);
            p.conn.sock.setNoDelay(true);
          } catch (e) {
            log.push(`${p.name} -- connect failed: ${(e as Error).message.replace(/:\d+$/, '')}`);
            break;
          }
          await waitFrame(p, null, DEFAULT_TIMEOUT_MS);
          break;
        case 'send':
          log.push(`${p.name} <- ${summarise(s.data, 200)}${describeChunks(s)}`);
          await send(p, s.data, s.chunks, s.pauseMs);
          break;
        case 'ping':
          log.push(`${p.name} <- PING\\r\\n (sync)`);
          await send(p, 'PING\r\n');
          await waitFrame(p, 'PONG', DEFAULT_TIMEOUT_MS);
          break;
        case 'until':
          log.push(`${p.name} until ${s.frame}`);
          await waitFrame(p, s.frame, s.timeoutMs ?? DEFAULT_TIMEOUT_MS);
          break;
        case 'closed': {
          const ms = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
          log.push(`${p.name} wait for close`);
          if (!p.conn) { log.push(`${p.name} -- not connected`); break; }
          const closed = await p.conn.until((_b, isClosed) => isClosed, ms);
          flush(p);
          if (!closed) log.push(`${p.name} -- still open after ${ms}ms`);
          break;
        }
        case 'quiet':
          log.push(`${p.name} quiet ${s.ms}ms`);
          await sleep(s.ms);
          flush(p);
          break;
        case 'hangup':
          log.push(`${p.name} hangup (${s.rst ? 'RST' : 'FIN'})`);
          if (p.conn) {
            flush(p);
            p.hungUp = true;
            if (s.rst) p.conn.reset(); else p.conn.sock.end();
          }
          break;
      }
    }
    for (const p of peers.values()) {
      flush(p, undefined, true);
      if (p.conn && !p.hungUp) log.push(`${p.name} end: ${p.conn.closed ? 'closed' : 'open'}`);
    }
  } finally {
    for (const p of peers.values()) p.conn?.close();
  }
  return log;
}
