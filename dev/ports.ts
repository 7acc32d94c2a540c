import { createServer } from 'node:net';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Ports for servers that tests start as child processes (and for tests that need a port nobody listens on).
//
// A port the OS hands out for bind(0) comes from the ephemeral range, the same range every outgoing
// connection takes its local port from: between the moment we close our probe and the moment the child
// binds, a test opening connections in another process can take it (CI once lost a cluster start to
// "EADDRINUSE" on a route port that way). So the port comes from below the ephemeral range, where the
// kernel never picks local ports, and is reserved across the test processes by a file created with O_EXCL
// (stale after RESERVE_MS, long after any server has bound what it was given).

const RESERVE_MS = 120_000;
const SPAN = 16_384;
const dir = join(tmpdir(), `tsnats-test-ports-${process.getuid?.() ?? 'user'}`);

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) return low;
  } catch { /* not Linux */ }
  return 32_768;
}

let range: [number, number] | null | undefined;
/** [first, end) below the ephemeral range, or null when that leaves too few ports (then the OS picks). */
function portRange(): [number, number] | null {
  if (range !== undefined) return range;
  const low = Math.min(ephemeralLow(), 49_152);
  const first = Math.max(10_000, low - SPAN);
  range = low - first >= 2048 ? [first, low] : null;
  return range;
}

/** Reserves `port` for this process unless another test process reserved it less than RESERVE_MS ago. */
function reserve(port: number): boolean {
  const file = join(dir, String(port));
  for (let i = 0; i < 2; i++) {
    try {
      closeSync(openSync(file, 'wx'));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(file).mtimeMs < RESERVE_MS) return false;
        unlinkSync(file);
      } catch { /* another process took or dropped it: try again */ }
    }
  }
  return false;
}

function canBind(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => resolve(got));
    });
  });
}

/** A TCP port on 127.0.0.1 that is free now, outside the ephemeral range, and given to no other test for a while. */
export async function freePort(): Promise<number> {
  const r = portRange();
  if (r) {
    mkdirSync(dir, { recursive: true });
    const n = r[1] - r[0];
    const start = Math.floor(Math.random() * n);
    for (let i = 0; i < n; i++) {
      const port = r[0] + ((start + i) % n);
      if (!reserve(port)) continue;
      if ((await canBind(port)) !== null) return port;
    }
  }
  const port = await canBind(0);
  if (port === null) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
