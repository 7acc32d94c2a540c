// The summary line of a case, and the header that records the machine.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release } from 'node:os';
import { machineBusyNs } from './proc.js';
import { BUSY_CORES, type Case, type Sample } from './model.js';
import { natsServerBin } from '../dev/bins.js';
import { KINDS, type Kind } from './servers.js';
import { median } from './stats.js';

export interface KindResult {
  samples: Sample[];
  errors: string[];
  skipped?: string;
  median?: { values: Record<string, number>; serverCpu: number; clientCpu: number; otherCores: number };
}

export function summarize(r: KindResult, c: Case): void {
  if (!r.samples.length) return;
  const values: Record<string, number> = {};
  for (const m of c.metrics) values[m.key] = median(r.samples.map((s) => s.values[m.key]));
  r.median = {
    values,
    serverCpu: median(r.samples.map((s) => s.serverCpu)),
    clientCpu: median(r.samples.map((s) => s.clientCpu)),
    otherCores: median(r.samples.map((s) => Number(s.extra?.otherCores ?? NaN))),
  };
}

/** tsnats ÷ nats-server for each metric (NaN when either is missing). */
export function ratios(c: Case, res: Partial<Record<Kind, KindResult>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of c.metrics) out[m.key] = (res.tsnats?.median?.values[m.key] ?? NaN) / (res['nats-server']?.median?.values[m.key] ?? NaN);
  return out;
}

/** CPU time with a unit that fits: 812ns, 116µs, 9.61ms. */
function cpu(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  const [v, unit] = ns < 1e4 ? [ns, 'ns'] : ns < 1e6 ? [ns / 1e3, 'µs'] : [ns / 1e6, 'ms'];
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${unit}`;
}

export function summaryLine(c: Case, res: Partial<Record<Kind, KindResult>>, kinds: Kind[]): string {
  const rat = ratios(c, res);
  const parts = kinds.map((k) => {
    const r = res[k];
    if (!r || r.skipped) return `${k} skipped`;
    if (!r.median) return `${k} FAILED (${(r.errors[0] ?? 'no result').replace(/\s+/g, ' ').slice(0, 160)})`;
    const figs = c.metrics.map((m) => {
      const v = r.median!.values[m.key];
      const ratio = k === 'tsnats' && Number.isFinite(rat[m.key]) ? ` (${rat[m.key].toFixed(2)}×)` : '';
      return `${m.label ? m.label + ' ' : ''}${m.format(v)}${m.unit ? ' ' + m.unit : ''}${ratio}`;
    });
    const per = `/${c.cpuPer}`;
    const cli = Number.isFinite(r.median.clientCpu) ? ` cli ${cpu(r.median.clientCpu)}${per}` : '';
    const errs = r.errors.length ? ` [${r.errors.length} failed round(s)]` : '';
    const note = c.note ? c.note(r.samples) : '';
    return `${k} ${figs.join(' ')}  srv ${cpu(r.median.serverCpu)}${per}${cli}${errs}${note ? ` (${note})` : ''}`;
  });
  // CPU used by neither the server nor the load generators during the windows: a busy machine.
  const other = Math.max(...kinds.map((k) => res[k]?.median?.otherCores ?? 0).filter(Number.isFinite), 0);
  const busy = other > BUSY_CORES ? `  [other load ${other.toFixed(1)} cores: figures suspect]` : '';
  return `${(c.title + " ").padEnd(24)}${parts.join(' | ')}${busy}`;
}

function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return ''; }
}

/** Cores kept busy by other processes, averaged over `ms` while the bench itself is idle. */
export async function busyCores(ms = 1000): Promise<number> {
  const b0 = machineBusyNs();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, ms));
  return (machineBusyNs() - b0) / Number(process.hrtime.bigint() - t0);
}

export function machine(busyBefore: number) {
  const bin = natsServerBin();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    natsServer: bin ? sh(bin, ['--version']) : 'not installed',
    tsnatsCommit: sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
    loadavg1: loadavg()[0],
    busyCoresBefore: busyBefore,
  };
}

export function header(m: ReturnType<typeof machine>): string {
  return `tsnats bench  ${m.date}  Node ${m.node}  ${m.cpu}, ${m.cores} shared cores (server, load generators and any other process compete for them)  Linux ${m.kernel}\n` +
    `${m.natsServer}  tsnats @ ${m.tsnatsCommit}  other processes kept ${m.busyCoresBefore.toFixed(2)} cores busy just before the run` +
    (m.busyCoresBefore > 0.2 ? ' (figures will be low and noisy)' : '');
}

export { KINDS };
