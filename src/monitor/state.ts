// Per-server monitoring state that is not server state proper: the HTTP request counters
// (/varz http_req_stats), the bound monitor address, and the CPU sampler. Kept beside the Server
// (a WeakMap) so the engine carries no monitoring fields.
import os from 'node:os';
import type { Server } from '../server/server.js';
import { monoMs } from '../clock.js';

export interface MonitorState {
  /** Requests per endpoint path (the reference counts each handled request, bad parameters of some endpoints included). */
  httpReqStats: Map<string, number>;
  /** Where the HTTP monitor listens (0 = not running). */
  httpHost: string;
  httpPort: number;
  /** Set when the monitor is HTTPS (https_port); httpPort is then 0. */
  httpsPort: number;
  cpu: CpuSampler;
}

const states = new WeakMap<Server, MonitorState>();

export function monitorState(srv: Server): MonitorState {
  let st = states.get(srv);
  if (!st) {
    st = { httpReqStats: new Map(), httpHost: '', httpPort: 0, httpsPort: 0, cpu: new CpuSampler() };
    states.set(srv, st);
  }
  return st;
}

/** Counts one request to `path` (a reference endpoint path such as `/varz`). */
export function countRequest(srv: Server, path: string): void {
  const m = monitorState(srv).httpReqStats;
  m.set(path, (m.get(path) ?? 0) + 1);
}

/** Process CPU use in percent of one core, averaged over the last second or so (as pse does). */
export class CpuSampler {
  private lastWall = monoMs();
  private lastCpu = process.cpuUsage();
  private value = 0;

  percent(): number {
    const now = monoMs();
    const dt = now - this.lastWall;
    if (dt >= 500) {
      const cpu = process.cpuUsage();
      const used = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1000;
      this.value = Math.round((used / dt) * 1000) / 10;
      this.lastWall = now;
      this.lastCpu = cpu;
    }
    return this.value;
  }
}

/** Cores the process may use (`cores`, `gomaxprocs`). */
export function numCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
