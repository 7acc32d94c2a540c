// Run one fuzz case against a server port over raw TCP and return what the client observed, as
// comparable lines: every frame received (normalised as the differential suite does: test/diff/frames.ts),
// then whether the server closed the connection; then what an observer subscribed to `>` received.
//
// The client writes the case's chunks (Nagle off, a short pause between them so the server reads them
// separately), stops writing as soon as the server has closed (writing into a closed connection draws an
// RST, which can eat the -ERR before it), then sends a PING as a sync point and waits until the server
// has answered it (the received bytes end in PONG and nothing more arrives for a moment), or has closed,
// or `syncMs` passed (a PUB waiting for its payload swallows the PING: the outcome says so).
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../../helpers/raw.js';
import { cutFrames, renderFrame, sortFanout, summarise } from '../../diff/frames.js';
import { chunks, type Case } from './case.js';

export interface ExecOptions {
  /** How long to wait for the sync PONG (or a close). */
  syncMs: number;
  /** Pause between writes. */
  pauseMs: number;
}

export const FAST: ExecOptions = { syncMs: 400, pauseMs: 2 };
// Patient, but well inside the 2 s after CONNECT when the server sends its first PING (setFirstPingTimer).
export const PATIENT: ExecOptions = { syncMs: 1200, pauseMs: 10 };

/** Quiet time after a trailing PONG before the outcome is taken. */
const SETTLE_MS = 15;

export async function runCase(port: number, c: Case, o: ExecOptions = FAST): Promise<string[]> {
  const obs = await openObserver(port, c.seed % 2 === 0);
  try {
    const out = await runClient(port, c, o);
    return obs ? [...out, ...(await observed(obs))] : [...out, 'obs -- could not subscribe'];
  } finally {
    obs?.close();
  }
}

/**
 * A second client subscribed to `>` (with headers or not, by the seed's parity): what the fuzzed
 * client's publishes deliver to others. Its credentials are the auth setup's (ignored elsewhere).
 */
async function openObserver(port: number, headers: boolean): Promise<RawConn | null> {
  try {
    const { c } = await RawConn.openAndInfo(port);
    c.sock.setNoDelay(true);
    c.send(`CONNECT {"verbose":false,"pedantic":false,"headers":${headers},"user":"fuzz","pass":"secret"}\r\nSUB > 1\r\nPING\r\n`);
    if (!(await c.until((b) => b.toString('latin1') === 'PONG\r\n', 5000))) { c.close(); return null; }
    c.take();
    return c;
  } catch {
    return null;
  }
}

/** What the observer received, up to the PONG that answers a PING sent now. */
async function observed(obs: RawConn): Promise<string[]> {
  obs.send('PING\r\n');
  const pong = (b: Buffer) => cutFrames(b).frames.findIndex((f) => f.length === 6 && f.toString('latin1') === 'PONG\r\n');
  const ok = await obs.until((b, closed) => closed || pong(b) >= 0, 5000);
  const { frames } = cutFrames(obs.pending());
  const i = pong(obs.pending());
  const lines = sortFanout(frames.slice(0, i >= 0 ? i : frames.length).map((f) => renderFrame(f))).map((l) => `obs -> ${l}`);
  if (!ok || i < 0) lines.push(obs.closed ? 'obs -- closed by server' : 'obs -- no PONG');
  return lines;
}

async function runClient(port: number, c: Case, o: ExecOptions): Promise<string[]> {
  const out: string[] = [];
  let conn: RawConn;
  try {
    conn = await RawConn.open(port);
  } catch (e) {
    return [`connect failed: ${(e as Error).message.replace(/:\d+$/, '')}`];
  }
  try {
    conn.sock.setNoDelay(true);
    // INFO comes first, before anything is sent.
    if (!(await conn.until((b, closed) => b.includes(10) || closed, 5000))) return ['no INFO within 5s'];
    const writes = chunks(c);
    for (let i = 0; i < writes.length; i++) {
      if (conn.closed || conn.sock.readableEnded) break;
      await conn.write(writes[i]!);
      if (i < writes.length - 1) await sleep(o.pauseMs);
    }
    if (!conn.closed && !conn.sock.readableEnded) {
      await sleep(o.pauseMs);
      if (!conn.closed && !conn.sock.readableEnded) conn.send('PING\r\n');
    }
    const deadline = Date.now() + o.syncMs;
    let answered = false;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const hit = await conn.until((b, closed) => closed || endsWithPong(b), left);
      if (!hit) break;
      if (conn.closed) { answered = true; break; }
      // A PONG at the end: ours, unless more is still coming (then it answered an earlier PING).
      const len = conn.pending().length;
      await sleep(SETTLE_MS);
      if (conn.closed || (conn.pending().length === len && endsWithPong(conn.pending()))) { answered = true; break; }
    }
    // A close right behind the last frame (an -ERR then the close) is part of the outcome.
    if (!conn.closed && !answered) await conn.until((_b, closed) => closed, 50);
    else if (!conn.closed) await conn.until((_b, closed) => closed, 5);
    const { frames, used } = cutFrames(conn.pending());
    conn.take(used);
    out.push(...sortFanout(frames.map((f) => renderFrame(f))));
    if (conn.pending().length) out.push(`(incomplete frame) ${summarise(conn.take())}`);
    if (conn.closed) out.push('-- closed by server');
    else out.push(answered ? '-- open' : '-- open, no answer to the sync PING');
    return out;
  } finally {
    conn.close();
  }
}

function endsWithPong(b: Buffer): boolean {
  return b.length >= 6 && b.toString('latin1', b.length - 6) === 'PONG\r\n';
}
