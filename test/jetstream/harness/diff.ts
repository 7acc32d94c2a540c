// Compares two normalised transcripts and reports every difference with its place:
// "step 4 req $JS.API.STREAM.CREATE.S › messages[0].body.config.max_age: 0 ≠ 120000000000".
// Object keys compare as sets (order-independent); arrays element by element; header fields as a
// multiset (the reference writes them in a fixed order, clients do not depend on it).
import type { Transcript, TranscriptStep } from './transcript.js';

type J = unknown;

function show(v: J): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function isObj(v: J): v is Record<string, J> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function sortHeaders(h: J): J {
  if (!Array.isArray(h)) return h;
  return [...h].map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x) as J);
}

/** Differences between two JSON values, as "path: a ≠ b" lines. */
export function diffValues(a: J, b: J, path: string, out: string[]): void {
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort()) {
      const p = path ? `${path}.${k}` : k;
      if (k === 'headers') diffValues(sortHeaders(a[k]), sortHeaders(b[k]), p, out);
      else diffValues(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} items ≠ ${b.length} items (${show(a)} ≠ ${show(b)})`);
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) diffValues(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} ≠ ${show(b)}`);
}

function stepTitle(s: TranscriptStep | undefined): string {
  if (!s) return '(missing step)';
  return `step ${s.i} ${s.op}${s.subject ? ` ${s.subject}` : ''}${s.id ? ` [${s.id}]` : ''}${s.note ? ` (${s.note})` : ''}`;
}

/**
 * Differences between transcript `a` (the reference) and `b` (the candidate), one line each; [] when
 * they are the same. The `server` field is informational and not compared.
 */
export function diffTranscripts(a: Transcript, b: Transcript): string[] {
  const out: string[] = [];
  if (a.scenario !== b.scenario) out.push(`scenario: ${a.scenario} ≠ ${b.scenario}`);
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const sa = a.steps[i];
    const sb = b.steps[i];
    const lines: string[] = [];
    diffValues(sa, sb, '', lines);
    for (const l of lines) out.push(`${stepTitle(sa ?? sb)} › ${l}`);
  }
  const ea = [...a.errors].sort();
  const eb = [...b.errors].sort();
  diffValues(ea, eb, 'errors (-ERR lines)', out);
  return out;
}

/** A readable report: the scenario, then each difference as "- reference / + candidate". */
export function formatDiff(name: string, lines: string[], labels: [string, string] = ['reference', 'candidate']): string {
  if (lines.length === 0) return `${name}: identical`;
  return [`${name}: ${lines.length} difference(s) (${labels[0]} ≠ ${labels[1]})`, ...lines.map((l) => `  ${l}`)].join('\n');
}
