// Runs one scripted scenario against nats-server (configured by a nats.conf file) and against tsnats
// (configured by the equivalent startServer options), and returns, for each, what every raw
// connection received (normalised) and the [ERR]/[WRN] log lines (normalised), so a test can assert
// that both are identical. The same script drives both: a server factory, not two tests.
import type { TestContext } from 'node:test';
import type { KeyPair } from '@nats-io/nkeys';
import { startServer as startChild, type TestServer } from '../helpers/servers.js';
import { withServer, logCollector } from '../helpers/tsnats.js';
import { RawConn } from '../helpers/raw.js';
import { tempDir, writeConf } from './helpers.js';
import type { ServerOptions } from '../../src/options.js';

export interface Scenario {
  /** nats.conf for nats-server (no listen/port lines: the harness adds them). */
  conf: string;
  /** The same configuration as startServer options for tsnats. */
  opts: Partial<ServerOptions>;
  /** Lines of either log that a test cares about (default: [ERR] and [WRN] lines after startup). */
  logFilter?: RegExp;
  run(io: ScriptIO): Promise<void>;
}

export interface ScriptIO {
  /**
   * Opens connection `name`; sends CONNECT `connect` unless it is null; signs the nonce with `sign`.
   * `settle`: PING in the same write as CONNECT, and wait for the PONG or the close (a refused
   * client then gets its -ERR: nothing unread is left to turn the close into a reset).
   */
  open(name: string, connect: Record<string, unknown> | null, sign?: KeyPair, settle?: boolean): Promise<Record<string, unknown>>;
  send(name: string, data: string): void;
  /** PING, then wait for the PONG or the close. */
  sync(name: string): Promise<void>;
  /** Waits for a PONG or the close (after a PING sent with the ops before it), kept in the transcript. */
  settled(name: string): Promise<void>;
  /** Waits for the close of a connection (after an error that closes). */
  closed(name: string, ms?: number): Promise<void>;
  /** The last `_R_.` reply subject connection `name` received. */
  lastReply(name: string): string;
}

export interface Outcome {
  /** Connection name → normalised frames, one per line. */
  conns: Record<string, string[]>;
  log: string[];
}

/** Masks what differs between servers and runs in received frames. */
export function normFrames(raw: string): string[] {
  const out: string[] = [];
  const lines = raw.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    if (l.startsWith('INFO ')) {
      const info = JSON.parse(l.slice(5));
      out.push(`INFO auth_required=${info.auth_required ?? false} max_payload=${info.max_payload} nonce=${info.nonce === undefined ? 'none' : `len${String(info.nonce).length}`}`);
      continue;
    }
    out.push(l.replace(/_R_\.\w{6}\.\w{6}/g, '_R_.<p>.<r>').replace(/"rtt":\d+/g, '"rtt":N').replace(/^(HMSG \S+ \S+ (?:\S+ )?)\d+ \d+$/, '$1<h> <t>'));
  }
  return out;
}

/** Log lines without pid, time, address and cid, and without the client name part. */
export function normLog(line: string): string {
  return line
    .replace(/^\[\d+\] \S+ \S+ /, '')
    .replace(/\d+\.\d+\.\d+\.\d+:\d+ - cid:\d+( - "[^"]*")? - /, 'C - ')
    .replace(/_R_\.\w{6}\.\w{6}/g, '_R_.<p>.<r>')
    .trimEnd();
}

const DEFAULT_FILTER = /\[(ERR|WRN)\] (?!.*(Plaintext passwords))/;

async function runOn(kind: 'nats-server' | 'tsnats', t: TestContext, sc: Scenario): Promise<Outcome> {
  let port: number;
  let stop: () => Promise<void>;
  let logLines: () => string[];
  if (kind === 'nats-server') {
    const dir = tempDir(t);
    const conf = writeConf(dir, 'nats.conf', sc.conf);
    const ts: TestServer = await startChild('nats-server', { config: conf });
    port = ts.port;
    stop = () => ts.stop();
    logLines = () => ts.output().split('\n');
  } else {
    const logs = logCollector();
    const srv = await withServer(null, { ...sc.opts, log: logs.log });
    port = srv.port;
    stop = () => srv.shutdown();
    logLines = () => logs.lines.join('').split('\n');
  }
  const conns = new Map<string, RawConn>();
  const seen = new Map<string, string>();
  const get = (n: string) => {
    const c = conns.get(n);
    if (!c) throw new Error(`no connection ${n}`);
    return c;
  };
  const drain = (n: string) => {
    const s = get(n).take().toString('latin1');
    seen.set(n, (seen.get(n) ?? '') + s);
    return s;
  };
  const io: ScriptIO = {
    async open(name, connect, sign, settle) {
      const { c, info } = await RawConn.openAndInfo(port);
      conns.set(name, c);
      seen.set(name, `INFO ${JSON.stringify(info)}\r\n`);
      if (connect !== null) {
        const o: Record<string, unknown> = { verbose: false, pedantic: false, ...connect };
        if (sign) {
          o.sig = Buffer.from(sign.sign(new TextEncoder().encode(String(info.nonce)))).toString('base64url');
          if (!o.jwt) o.nkey = sign.getPublicKey();
        }
        c.send(`CONNECT ${JSON.stringify(o)}\r\n${settle ? 'PING\r\n' : ''}`);
        if (settle) {
          await c.until((b, closed) => closed || b.toString('latin1').includes('PONG\r\n'), 15000);
          const got = c.take().toString('latin1');
          seen.set(name, (seen.get(name) ?? '') + got.replace('PONG\r\n', ''));
        }
      }
      return info;
    },
    send(name, data) {
      get(name).send(data);
    },
    async sync(name) {
      const c = get(name);
      // Two round trips: whatever the server sends right after the first PONG (an async INFO)
      // arrives before the second one, which is then dropped from the transcript.
      const pongs = (b: Buffer) => b.toString('latin1').split('PONG\r\n').length - 1;
      for (let round = 1; round <= 2 && !c.closed; round++) {
        c.send('PING\r\n');
        const ok = await c.until((b, closed) => closed || pongs(b) >= round, 5000);
        if (!ok) throw new Error(`${kind}: no PONG on ${name}; have ${JSON.stringify(c.pending().toString('latin1'))}`);
      }
      const got = get(name).take().toString('latin1');
      seen.set(name, (seen.get(name) ?? '') + (got.endsWith('PONG\r\n') && pongs(Buffer.from(got, 'latin1')) >= 2 ? got.slice(0, -6) : got));
    },
    async settled(name) {
      const c = get(name);
      await c.until((b, closed) => closed || b.toString('latin1').includes('PONG\r\n'), 15000);
      drain(name);
    },
    async closed(name, ms = 5000) {
      const c = get(name);
      const ok = await c.until((_b, closed) => closed, ms);
      if (!ok) throw new Error(`${kind}: ${name} not closed; have ${JSON.stringify(c.pending().toString('latin1'))}`);
      drain(name);
    },
    lastReply(name) {
      drain(name);
      const m = [...(seen.get(name) ?? '').matchAll(/_R_\.\w{6}\.\w{6}/g)].at(-1);
      if (!m) throw new Error(`${kind}: no _R_ reply on ${name}`);
      return m[0];
    },
  };
  try {
    await sc.run(io);
    // Let the log catch up with the last close.
    await new Promise((r) => setTimeout(r, 50));
    for (const n of conns.keys()) {
      drain(n);
      if (get(n).closed) seen.set(n, seen.get(n) + '<closed>\r\n');
    }
  } finally {
    for (const c of conns.values()) c.close();
    await stop();
  }
  const filter = sc.logFilter ?? DEFAULT_FILTER;
  const start = logLines().findIndex((l) => l.includes('Server is ready'));
  const log = logLines().slice(start + 1).filter((l) => filter.test(l)).map(normLog);
  const out: Record<string, string[]> = {};
  for (const [n, s] of seen) out[n] = normFrames(s);
  return { conns: out, log };
}

/** Runs the scenario on both servers (nats-server first); `tsnatsOnly`: on tsnats alone (ref is empty). */
export async function dual(t: TestContext, sc: Scenario, o: { tsnatsOnly?: boolean } = {}): Promise<{ ref: Outcome; ts: Outcome }> {
  const ref = o.tsnatsOnly ? { conns: {}, log: [] } : await runOn('nats-server', t, sc);
  const ts = await runOn('tsnats', t, sc);
  return { ref, ts };
}
