// Running the checks over a server's samples, and printing the result: a readable table, or
// JSON for scripts; the exit code for monitoring systems (0 ok, 1 warning, 2 critical, 3 unknown).
import type { DoctorReport, Finding, Sample, ServerReport, Status } from './types.js';
import { SEVERITY_RANK } from './types.js';
import { CHECKS, DEFAULT_THRESHOLDS, type Thresholds } from './checks.js';

export interface RunOptions {
  thresholds?: Partial<Thresholds>;
  /** Check codes not to run. */
  skip?: string[];
}

/** The checks over one sample, or two (the first and the last). */
export function checkServer(url: string, samples: Sample[], opts: RunOptions = {}): ServerReport {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const two = samples.length > 1;
  const ctx = { first, last, two, intervalMs: two ? last.takenAt - first.takenAt : 0, th: { ...DEFAULT_THRESHOLDS, ...opts.thresholds } };
  const report: ServerReport = {
    url,
    server: { id: String(last.varz.server_id ?? ''), name: String(last.varz.server_name ?? ''), version: String(last.varz.version ?? '') },
    connections: { open: last.conns.length, websocket: last.conns.filter((c) => c.type === 'websocket').length },
    samples: samples.length,
    intervalMs: ctx.intervalMs,
    findings: [],
    skipped: [],
    passed: [],
  };
  for (const c of CHECKS) {
    if (opts.skip?.includes(c.code)) {
      report.skipped.push({ code: c.code, title: c.title, reason: 'skipped on request (--skip)' });
      continue;
    }
    const out = c.run(ctx);
    if ('skip' in out) {
      report.skipped.push({ code: c.code, title: c.title, reason: out.skip });
      continue;
    }
    if (out.findings.length === 0) report.passed.push(c.code);
    for (const f of out.findings) report.findings.push({ code: c.code, title: c.title, fix: out.fix ?? c.fix, ...f });
  }
  report.findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  return report;
}

/** A server that could not be read. */
export function unreachable(url: string, error: string): ServerReport {
  return { url, samples: 0, intervalMs: 0, findings: [], skipped: [], passed: [], error };
}

export function summarize(servers: ServerReport[]): DoctorReport {
  let rank = -1;
  for (const s of servers) for (const f of s.findings) rank = Math.max(rank, SEVERITY_RANK[f.severity]);
  const unknown = servers.some((s) => s.error);
  let status: Status = rank >= 2 ? 'critical' : rank === 1 ? 'warning' : 'ok';
  if (unknown && status === 'ok') status = 'unknown';
  const exitCode = status === 'critical' ? 2 : status === 'warning' ? 1 : status === 'unknown' ? 3 : 0;
  return { status, exitCode, servers };
}

/** Wrap `text` to `width` columns, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n' + indent);
}

const LABEL: Record<Finding['severity'], string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };

/** The report for a terminal. */
export function formatText(r: DoctorReport, width = 100): string {
  const out: string[] = [];
  for (const s of r.servers) {
    if (s.error) {
      out.push(`${s.url}: UNKNOWN — ${s.error}`, '');
      continue;
    }
    const sv = s.server!;
    const how = s.samples > 1 ? `2 samples ${(s.intervalMs / 1000).toFixed(1)}s apart` : '1 sample';
    out.push(`${s.url} — server ${sv.name || sv.id} (${sv.id.slice(0, 8)}…, version ${sv.version}), ${how}`);
    if (s.connections) out.push(`  connections: ${s.connections.open} open${s.connections.websocket ? `, ${s.connections.websocket} over WebSocket` : ''}`);
    if (s.findings.length === 0) out.push('  no problems found');
    else {
      const rows = s.findings.map((f) => [LABEL[f.severity], f.code, f.title, f.subject]);
      const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['SEVERITY', 'CODE', 'CHECK'][i]!.length));
      const line = (row: string[]) => `  ${row[0]!.padEnd(w[0]!)}  ${row[1]!.padEnd(w[1]!)}  ${row[2]!.padEnd(w[2]!)}  ${row[3]}`;
      out.push(line(['SEVERITY', 'CODE', 'CHECK', 'SUBJECT']));
      for (const row of rows) out.push(line(row));
      out.push('');
      for (const f of s.findings) {
        out.push(`  ${f.code} ${f.title} — ${f.subject}`);
        out.push(`    evidence: ${wrap(f.evidence, width - 14, '              ')}`);
        out.push(`    fix:      ${wrap(f.fix, width - 14, '              ')}`);
      }
    }
    if (s.skipped.length) {
      out.push('', '  skipped:');
      for (const k of s.skipped) out.push(`    ${k.code.padEnd(15)} ${wrap(k.reason, width - 20, ' '.repeat(20))}`);
    }
    out.push(`  passed: ${s.passed.length ? s.passed.join(' ') : '—'}`, '');
  }
  out.push(`status: ${r.status} (exit ${r.exitCode})`);
  return out.join('\n') + '\n';
}

export function formatJSON(r: DoctorReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
