// CPU accounting around one timed window: the server process, the load generators (this process and
// its agent threads) and everything else on the machine (other load, which makes a round suspect).
import { cpuNs, machineBusyNs, selfCpuNs } from './proc.js';

export interface WindowCpu {
  /** Server utime+stime in the window, ns. */
  server: number;
  /** Load generators' CPU in the window, ns. */
  client: number;
  /** Busy CPU of the machine that was neither, in cores (averaged over the window). */
  otherCores: number;
}

export function openWindow(serverPid: number, clientPids: number[] = []): () => WindowCpu {
  const clientNs = () => selfCpuNs() + clientPids.reduce((a, p) => a + cpuNs(p), 0);
  const s0 = cpuNs(serverPid);
  const c0 = clientNs();
  const m0 = machineBusyNs();
  const t0 = process.hrtime.bigint();
  return () => {
    const server = cpuNs(serverPid) - s0;
    const client = clientNs() - c0;
    const busy = machineBusyNs() - m0;
    const wall = Number(process.hrtime.bigint() - t0);
    return { server, client, otherCores: Math.max(0, busy - server - client) / wall };
  };
}
