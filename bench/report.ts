// The summary line of a case, and the header that records the machine.
import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';
import type { Case, Sample } from './model.js';
import { natsServerBin } from '../test/helpers/servers.js';
import { KINDS, type Kind } from './servers.js';
import { median } from './stats.js';

export interface KindResult {
  samples: Sample[];
  errors: string[];
  skipped?: string;
  median?: { values: Record<string, number>; serverCpu: number; clientCpu: number };
}

export function summarize(r: KindResult, c: Case): void {
  if (!r.samples.length) return;
  const values: Record<string, number> = {};
  for (const m of c.metrics) values[m.key] = median(r.samples.map((s) => s.values[m.key]));
  r.median = { values, serverCpu: median(r.samples.map((s) => s.serverCpu)), clientCpu: median(r.samples.map((s) => s.clientCpu)) };
}

/** tsnats ÷ nats-server for each metric (NaN when either is missing). */
export function ratios(c: Case, res: Partial<Record<Kind, KindResult>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of c.metrics) out[m.key] = (res.tsnats?.median?.values[m.key] ?? NaN) / (res['nats-server']?.median?.values[m.key] ?? NaN);
  return out;
}

function cpu(ns: number, unit: 'ns' | 'µs' | 'ms' = 'ns'): string {
  if (!Number.isFinite(ns)) return '—';
  const v = unit === 'ns' ? ns : unit === 'µs' ? ns / 1e3 : ns / 1e6;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${unit}`;
}

export function summaryLine(c: Case, res: Partial<Record<Kind, KindResult>>, kinds: Kind[]): string {
  const rat = ratios(c, res);
  const parts = kinds.map((k) => {
    const r = res[k];
    if (!r || r.skipped) return `${k} skipped`;
    if (!r.median) return `${k} FAILED (${r.errors[0] ?? 'no result'})`;
    const figs = c.metrics.map((m) => {
      const v = r.median!.values[m.key];
      const ratio = k === 'tsnats' && Number.isFinite(rat[m.key]) ? ` (${rat[m.key].toFixed(2)}×)` : '';
      return `${m.label ? m.label + ' ' : ''}${m.format(v)}${m.unit ? ' ' + m.unit : ''}${ratio}`;
    });
    const per = `/${c.cpuPer}`;
    const cli = Number.isFinite(r.median.clientCpu) ? ` cli ${cpu(r.median.clientCpu, c.cpuUnit)}${per}` : '';
    const errs = r.errors.length ? ` [${r.errors.length} failed round(s)]` : '';
    return `${k} ${figs.join(' ')}  srv ${cpu(r.median.serverCpu, c.cpuUnit)}${per}${cli}${errs}`;
  });
  return `${c.title.padEnd(24)}${parts.join(' | ')}`;
}

function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return ''; }
}

export function machine() {
  const bin = natsServerBin();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    natsServer: bin ? sh(bin, ['--version']) : 'not installed',
    tsnatsCommit: sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
  };
}

export function header(m: ReturnType<typeof machine>): string {
  return `tsnats bench  ${m.date}  Node ${m.node}  ${m.cpu}, ${m.cores} cores (shared with the load generators)  Linux ${m.kernel}\n` +
    `${m.natsServer}  tsnats @ ${m.tsnatsCommit}`;
}

export { KINDS };
