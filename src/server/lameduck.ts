// Lame duck mode (reference §7.4, server.go lameDuckMode): stop accepting, tell protocol-1 clients
// (async INFO with ldm:true), wait the grace period, then close clients spread over the rest of
// lame_duck_duration, and shut down.
import { Timer } from '../timers.js';
import type { Server } from './server.js';
import { ClosedState } from '../errors.js';

export async function lameDuckMode(srv: Server): Promise<void> {
  if (!srv.running || srv.inLameDuckMode || !srv.accepting) return;
  srv.inLameDuckMode = true;
  srv.log.notice('Entering lame duck mode, stop accepting new clients');
  srv.emit('lame_duck');
  // The listener closes at once; its close callback waits for the remaining connections, so
  // do not wait for it here.
  void srv.stopAccepting();
  if (srv.clients.size === 0) return srv.shutdown();
  const o = srv.opts;
  let dur = o.lameDuckDuration - o.lameDuckGracePeriod;
  if (dur <= 0) dur = 1000;
  const clients = [...srv.clients.values()];
  const n = clients.length;
  // Sleep between closes: spread over dur, batched when there are more clients than ms, at most 1s.
  let si = dur / n;
  let batch = 1;
  if (si < 1) {
    si = 1;
    batch = Math.floor(n / dur);
  } else if (si > 1000) si = 1000;
  for (const c of clients) if (c.opts.protocol >= 1 && c.connectReceived) c.sendInfo({ ldm: true });
  if (!(await sleepUnlessShutdown(srv, o.lameDuckGracePeriod))) return;
  srv.log.notice('Closing existing clients');
  for (let i = 0; i < n; i++) {
    clients[i].closeConnection(ClosedState.ServerShutdown);
    if (i === n - 1) break;
    if (batch === 1 || i % batch === 0) {
      const v = Math.max(Math.random() * si, si / 2);
      if (!(await sleepUnlessShutdown(srv, v))) return;
    }
  }
  await srv.shutdown();
}

/** Resolves true after ms, or false as soon as the server shuts down. */
function sleepUnlessShutdown(srv: Server, ms: number): Promise<boolean> {
  if (!srv.running) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = new Timer(() => {
      srv.off('shutdown_started', onShut);
      resolve(true);
    }, ms);
    const onShut = () => {
      t.clear();
      resolve(false);
    };
    srv.once('shutdown_started', onShut);
  });
}
