// Hostile clients: each one opens a raw TCP connection and misbehaves in one way, and reports what the
// server sent it (after INFO) and whether the server closed it. They run unchanged against tsnats and
// nats-server, so the reference's answer and close reason can be compared.
import { connect as netConnect } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawConn } from '../../helpers/raw.js';
import { BlackholeProxy } from '../../helpers/proxy.js';
import { Rng } from '../fuzz/rng.js';

export interface HostileOutcome {
  /** The client's local port: the server's view of it (for the close reason). */
  clientPort: number;
  /** What the server sent after INFO (latin1). */
  got: string;
  closedByServer: boolean;
  /** Bytes the client managed to hand to the kernel. */
  written: number;
}

const MB = 1024 * 1024;

/** Open, read INFO, note the local port. */
export async function open(port: number): Promise<{ c: RawConn; clientPort: number }> {
  const { c } = await RawConn.openAndInfo(port);
  c.sock.setNoDelay(true);
  return { c, clientPort: c.sock.localPort! };
}

/** Resolves when the write is handed to the kernel, or the connection is gone (false). */
function write(c: RawConn, data: Buffer | string): Promise<boolean> {
  if (c.closed || c.sock.destroyed || c.sock.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    c.sock.once('close', onClose);
    c.sock.write(data, (err) => {
      c.sock.off('close', onClose);
      resolve(!err);
    });
  });
}

/** Write `total` bytes made by `chunk(i)` until done or the server closes; returns bytes written. */
async function stream(c: RawConn, total: number, chunk: (i: number) => Buffer): Promise<number> {
  let written = 0;
  for (let i = 0; written < total; i++) {
    const b = chunk(i);
    if (!(await write(c, b))) break;
    written += b.length;
  }
  return written;
}

/** Wait for the server's close (or `ms`), then report; the client's side is closed after. */
async function finish(c: RawConn, clientPort: number, written: number, ms = 10_000): Promise<HostileOutcome> {
  await c.until((_b, closed) => closed, ms);
  const out = { clientPort, got: c.take().toString('latin1'), closedByServer: c.closed, written };
  c.close();
  return out;
}

/**
 * Report what arrived so far while the connection is still open, then hang up. The server's keepalive
 * PINGs are left out: a long flood on a loaded machine can outlast the first PING (2 s after CONNECT),
 * and both servers send it then, whatever the client is doing (setFirstPingTimer, needRTT).
 */
function hangUp(c: RawConn, clientPort: number, written: number): HostileOutcome {
  const got = c.take().toString('latin1').split('\r\n').filter((l) => l !== 'PING').join('\r\n');
  const out = { clientPort, got, closedByServer: c.closed, written };
  c.close();
  return out;
}

/** Random bytes whose first byte starts no operation (so the very first byte is the error). */
function garbage(seed: number): (i: number) => Buffer {
  const block = new Rng(seed).bytes(MB);
  block[0] = 0x01;
  return () => block;
}

// -------------------------------------------------------------------------------------- huge input

/** A 100 MB stream of random bytes: -ERR at the first byte and close; the rest is never read. */
export async function garbageStream(port: number, afterConnect = false, total = 100 * MB): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  if (afterConnect) await write(c, 'CONNECT {"verbose":false}\r\n');
  return finish(c, clientPort, await stream(c, total, garbage(7)));
}

/** 100 MB of well-formed PUBs (64 KiB each) to a subject nobody listens on, then PING: all processed. */
export async function validFlood(port: number, total = 100 * MB): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  const size = 64 * 1024;
  const frame = Buffer.concat([Buffer.from(`PUB hostile.sink ${size}\r\n`), Buffer.alloc(size, 0x61), Buffer.from('\r\n')]);
  const batch = Buffer.concat(Array.from({ length: 16 }, () => frame));
  await write(c, 'CONNECT {"verbose":false}\r\n');
  const written = await stream(c, total, () => batch);
  await write(c, 'PING\r\n');
  await c.until((b, closed) => closed || b.toString('latin1').endsWith('PONG\r\n'), 30_000);
  return hangUp(c, clientPort, written);
}

/** A PUB/HPUB that declares an enormous payload, then starts sending it. */
export async function hugeDeclared(port: number, line: string, headers = false): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  await write(c, `CONNECT {"verbose":false${headers ? ',"headers":true' : ''}}\r\n${line}\r\n`);
  const payload = Buffer.alloc(MB, 0x62);
  return finish(c, clientPort, await stream(c, 16 * MB, () => payload));
}

/** A control line of megabytes that never ends: `head` then `total` bytes of `fill`. */
export async function endlessLine(port: number, head: string, total = 8 * MB, waitMs = 3000): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  await write(c, head);
  const block = Buffer.alloc(64 * 1024, 0x78);
  const written = await stream(c, total, () => block);
  return finish(c, clientPort, written, waitMs);
}

// ---------------------------------------------------------------------------------------- slowness

/** `head` at once, then one byte of `drip` every `everyMs` until the server closes (or `maxMs`). */
export async function slowloris(port: number, head: string, drip: string, everyMs = 100, maxMs = 15_000): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  let written = 0;
  if (head && (await write(c, head))) written += head.length;
  const until = Date.now() + maxMs;
  for (let i = 0; !c.closed && Date.now() < until; i++) {
    await sleep(everyMs);
    if (!(await write(c, drip[i % drip.length]!))) break;
    written++;
  }
  return finish(c, clientPort, written, 2000);
}

/** A client that vanishes without FIN or RST: behind a proxy that starts dropping everything. */
export async function vanish(port: number, afterMs = 50): Promise<HostileOutcome & { proxy: BlackholeProxy }> {
  const proxy = await BlackholeProxy.start(port);
  try {
    const { c } = await RawConn.openAndInfo(proxy.port);
    // The server sees the proxy's upstream socket: its local port is the one in the server's records.
    const clientPort = proxy.upstreamPorts().at(-1)!;
    await write(c, 'CONNECT {"verbose":false}\r\nSUB hostile.vanish 1\r\n');
    // (this client never answers PINGs: on a slow machine a short keepalive may close it even now,
    // which ends the same way: Stale Connection)
    await c.roundTrip().catch(() => {});
    await sleep(afterMs);
    proxy.blackhole();
    return { clientPort, got: '', closedByServer: false, written: 0, proxy };
  } catch (e) {
    await proxy.close();
    throw e;
  }
}

/** A client whose process is killed with SIGKILL: the kernel closes its socket (FIN), nothing else is said. */
export async function killedProcess(port: number): Promise<HostileOutcome> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./raw-child.js', import.meta.url)), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const clientPort = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { const m = /ready (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); });
      child.once('exit', (code) => reject(new Error(`raw child exited (${code}) before it was ready`)));
    });
    child.kill('SIGKILL');
    return { clientPort, got: '', closedByServer: false, written: 0 };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** A client that never reads: floods PINGs with its receive side paused, so PONGs pile up at the server. */
export async function pingFloodNoRead(port: number, total = 64 * MB): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  c.sock.pause();
  const block = Buffer.from('PING\r\n'.repeat(10_000));
  await write(c, 'CONNECT {"verbose":false}\r\n');
  const written = await stream(c, total, () => block);
  // The server closes it; our side never reads, so wait on the socket's end of life.
  c.sock.resume();
  const out = await finish(c, clientPort, written, 15_000);
  return { ...out, got: '' }; // what it got is a pile of PONGs cut anywhere: not compared
}

// ------------------------------------------------------------------------------------ JSON bombs

export const bombs = {
  /** Nested arrays as deep as the control line allows. */
  nested: (depth: number) => `CONNECT ${'['.repeat(depth)}${']'.repeat(depth)}\r\n`,
  /** Nested objects inside a known field. */
  nestedField: (depth: number) => `CONNECT {"verbose":false,"name":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}\r\n`,
  /** One enormous string. */
  hugeString: (n: number) => `CONNECT {"verbose":false,"name":"${'x'.repeat(n)}"}\r\n`,
  /** Very many keys. */
  manyKeys: (n: number) => `CONNECT {${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')},"verbose":false}\r\n`,
  /** Escapes and lone surrogates. */
  escapes: (n: number) => `CONNECT {"verbose":false,"name":"${'\\ud800\\u0000\\"'.repeat(n)}"}\r\n`,
};

/** Send a CONNECT bomb, then PING: answered (accepted) or closed. */
export async function connectBomb(port: number, line: string): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  const buf = Buffer.from(line + 'PING\r\n', 'latin1');
  let written = 0;
  for (let at = 0; at < buf.length; at += 256 * 1024) {
    const part = buf.subarray(at, at + 256 * 1024);
    if (!(await write(c, part))) break;
    written += part.length;
  }
  const done = await c.until((b, closed) => closed || b.toString('latin1').endsWith('PONG\r\n'), 20_000);
  if (!done) return hangUp(c, clientPort, written);
  return c.closed ? finish(c, clientPort, written) : hangUp(c, clientPort, written);
}

// ----------------------------------------------------------------------------- subscription floods

/** `n` SUBs on distinct subjects, then PING; the connection is left open for the caller to close. */
export async function subFlood(port: number, n: number): Promise<HostileOutcome> {
  const { c, clientPort } = await open(port);
  const lines: string[] = ['CONNECT {"verbose":false}\r\n'];
  for (let i = 1; i <= n; i++) lines.push(`SUB hostile.flood.${i} ${i}\r\n`);
  lines.push('PING\r\n');
  const written = await stream(c, 1, () => Buffer.from(lines.join('')));
  await c.until((b, closed) => closed || b.toString('latin1').endsWith('PONG\r\n'), 20_000);
  return hangUp(c, clientPort, written);
}

// ------------------------------------------------------------------------------ handshake droppers

export type DropMode = 'before-info' | 'after-info' | 'half-connect' | 'rst-after-connect';
export const DROP_MODES: DropMode[] = ['before-info', 'after-info', 'half-connect', 'rst-after-connect'];

/** One connection dropped mid-handshake; resolves with its local port once our side is closed. */
export function dropOne(port: number, mode: DropMode): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let local = 0;
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`drop ${mode} did not finish`)); }, 10_000);
    s.on('connect', () => {
      local = s.localPort!;
      if (mode === 'before-info') s.destroy();
    });
    s.once('data', () => {
      if (mode === 'after-info') s.end();
      else if (mode === 'half-connect') s.end('CONNECT {"verb');
      else if (mode === 'rst-after-connect') s.write('CONNECT {"verbose":false}\r\nSUB hostile.drop 1\r\n', () => s.resetAndDestroy());
    });
    s.on('error', () => { /* RST races are expected */ });
    s.on('close', () => { clearTimeout(timer); resolve(local); });
  });
}

/** `n` drops, `concurrency` at a time, cycling through the modes; returns [port, mode] pairs. */
export async function dropMany(port: number, n: number, concurrency = 50): Promise<[number, DropMode][]> {
  const out: [number, DropMode][] = [];
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const mode = DROP_MODES[next++ % DROP_MODES.length]!;
      out.push([await dropOne(port, mode), mode]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}
