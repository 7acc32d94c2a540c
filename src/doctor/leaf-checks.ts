// The doctor's leafnode checks, per server, from /varz (`leaf`: the listener and the remotes),
// /leafz (the leaf connections and their accounts) and the closed leaf connections of /connz —
// a configured remote that is not connected, leaf connections that keep reconnecting, a loop
// (nats-server and tsnats cut it with "Loop detected" and wait 30 s), a leaf bound to an account
// nobody listens in — and across the servers given: a leaf whose hub binds it to a different
// account name than the leaf uses. docs/doctor.md documents every one.
import type { Conn, Finding, Json, Sample, ServerReport, Severity } from './types.js';
import { fmtDuration, timeMs } from './units.js';

/** Thresholds of the leafnode checks. */
export interface LeafThresholds {
  /** LEAF_002: this many closes of the same leaf connection within leafFlapWindowMs. */
  leafFlapCount: number;
  /** LEAF_002: the window (ms) before the server's `now`. */
  leafFlapWindowMs: number;
}

export const DEFAULT_LEAF_THRESHOLDS: LeafThresholds = { leafFlapCount: 3, leafFlapWindowMs: 10 * 60_000 };

export interface LeafConn {
  account: string;
  ip: string;
  port: number;
  rtt?: string;
  in_msgs?: number;
  out_msgs?: number;
  subscriptions?: number;
}

interface Remote {
  local_account?: string;
  urls?: string[];
}

export function leafsOf(s: Sample): LeafConn[] {
  return ((s.leafz?.leafs ?? []) as LeafConn[]).filter((l) => l && typeof l.account === 'string');
}

/** The leaf block of /varz: the listener port (0 = none) and the remotes. */
export function leafOf(s: Sample): { port: number; remotes: Remote[] } | null {
  const l = s.varz.leaf as Json | undefined;
  if (!l || (!l.port && !(Array.isArray(l.remotes) && l.remotes.length > 0))) return null;
  return { port: Number(l.port ?? 0), remotes: Array.isArray(l.remotes) ? (l.remotes as Remote[]) : [] };
}

/** Closed leaf connections (kind Leafnode) in the closed ring, newest first. */
export function closedLeafs(s: Sample): Conn[] {
  return (s.closedLeafs ?? []) as Conn[];
}

/**
 * The leaf connections this server dialled for a remote: on a server without a leafnode listener
 * all of them; else those whose peer is one of the remote's URLs (an accepted one shows the leaf's
 * ephemeral port).
 */
function solicitedFor(s: Sample, r: Remote, listening: boolean): LeafConn[] {
  const acc = r.local_account || '$G';
  const urls = new Set((r.urls ?? []).map((u) => u.toLowerCase()));
  return leafsOf(s).filter((l) => l.account === acc && (!listening || urls.has(`${l.ip}:${l.port}`.toLowerCase())));
}

type Outcome = { findings: Omit<Finding, 'code' | 'title' | 'fix'>[]; fix?: string } | { skip: string };
interface Ctx { first: Sample; last: Sample; two: boolean; intervalMs: number; th: LeafThresholds }

export interface LeafCheck {
  code: string;
  title: string;
  severity: string;
  fix: string;
  run(ctx: Ctx): Outcome;
}

/** /leafz could not be read on a server with leafnodes: the check is skipped, saying why. */
const noLeafz = (s: Sample): Outcome | null => (s.leafz === null && leafOf(s) !== null ? { skip: s.notes.find((n) => n.startsWith('leafz')) ?? 'leafz unavailable' } : null);

/** Why a leaf connection closed, in words for the evidence. */
function reasons(list: Conn[]): string {
  const by = new Map<string, number>();
  for (const c of list) by.set(c.reason ?? '?', (by.get(c.reason ?? '?') ?? 0) + 1);
  return [...by].map(([r, n]) => `${n}× ${r}`).join(', ');
}

export const LEAF_CHECKS: LeafCheck[] = [
  {
    code: 'LEAF_001',
    title: 'Leafnode remote not connected',
    severity: 'critical',
    fix: 'A remote in leafnodes.remotes has no connection: the hub is down or unreachable (firewall, wrong host or port), refuses the credentials ("Authorization Violation" in this server\'s log as "Leafnode Error"), binds an account that does not exist, or detected a loop (LEAF_003). The server keeps dialling every reconnect interval (1 s) through the configured and advertised URLs; fix the address or credentials, or remove the remote. Clients here see nothing of the hub meanwhile.',
    run: (ctx) => {
      const l = leafOf(ctx.last);
      if (l === null || l.remotes.length === 0) return { findings: [] };
      const none = noLeafz(ctx.last);
      if (none) return none;
      const listening = l.port !== 0;
      const missing = l.remotes.filter((r) => solicitedFor(ctx.last, r, listening).length === 0);
      // Remotes sharing one account share its connections: count them per account.
      const perAcc = new Map<string, number>();
      for (const r of l.remotes) perAcc.set(r.local_account || '$G', (perAcc.get(r.local_account || '$G') ?? 0) + 1);
      const short = [...perAcc].filter(([acc, n]) => leafsOf(ctx.last).filter((x) => x.account === acc).length < n && !listening);
      if (missing.length === 0 && short.length === 0) return { findings: [] };
      const list = (missing.length ? missing : l.remotes.filter((r) => short.some(([a]) => a === (r.local_account || '$G'))))
        .map((r) => `${(r.urls ?? []).join(' | ')} (account ${r.local_account || '$G'})`);
      const recent = closedLeafs(ctx.last).slice(0, 5);
      const why = recent.length ? `; recent closes: ${reasons(recent)}` : '';
      return { findings: [{ severity: 'critical', subject: 'leafnodes', evidence: `${l.remotes.length} remote(s) configured, not connected: ${list.join('; ')}${why}` }] };
    },
  },
  {
    code: 'LEAF_002',
    title: 'Leafnode connection flapping',
    severity: 'warning',
    fix: 'A leaf connection that keeps reconnecting drops the interest it carries each time: messages across it are lost meanwhile. The reasons tell why: Stale Connection (the peer or the path stopped answering PINGs: a paused or overloaded server, a NAT or load balancer dropping the flow), Slow Consumer (the peer cannot keep up), Duplicate Remote LeafNode Connection (two remotes of one server bound to the same hub account: give each its own account or user), Protocol Violation (a loop, LEAF_003, or a permission mismatch in the log).',
    run: (ctx) => {
      if (leafOf(ctx.last) === null && closedLeafs(ctx.last).length === 0) return { findings: [] };
      if (ctx.last.closedLeafs === null) return { skip: ctx.last.notes.find((n) => n.startsWith('closed')) ?? 'closed connections unavailable' };
      const from = ctx.last.now - ctx.th.leafFlapWindowMs;
      const recent = closedLeafs(ctx.last).filter((c) => timeMs(c.stop) >= from);
      // One peer: a hub sees the leaf's server name; a leaf sees its hub's address.
      const by = new Map<string, Conn[]>();
      for (const c of recent) {
        const k = c.name ? `leaf ${c.name}${c.account ? ` (account ${c.account})` : ''}` : `hub ${c.ip}:${c.port}${c.account ? ` (account ${c.account})` : ''}`;
        by.set(k, [...(by.get(k) ?? []), c]);
      }
      const flapping = [...by].filter(([, l]) => l.length >= ctx.th.leafFlapCount);
      if (flapping.length === 0) return { findings: [] };
      return {
        findings: [{
          severity: 'warning',
          subject: 'leafnodes',
          evidence: `in the last ${fmtDuration(ctx.th.leafFlapWindowMs)}: ${flapping.map(([k, l]) => `${k}: ${l.length} closes (${reasons(l)})`).join('; ')}`,
        }],
      };
    },
  },
  {
    code: 'LEAF_003',
    title: 'Leafnode loop',
    severity: 'critical',
    fix: 'The same account is joined to one hub cluster through two paths (two remotes of this server bound to one local account whose hubs are in the same cluster, or a chain of leafs that comes back). A server that sees its own $LDS subject come back cuts the connection ("Loop detected for leafnode account=…") and waits 30 s; the loop repeats forever. Keep one remote per account and hub cluster (list every hub URL in that one remote\'s urls instead).',
    run: (ctx) => {
      const l = leafOf(ctx.last);
      const closes = closedLeafs(ctx.last).filter((c) => c.reason === 'Protocol Violation' && timeMs(c.stop) >= ctx.last.now - ctx.th.leafFlapWindowMs);
      const perAcc = new Map<string, number>();
      for (const r of l?.remotes ?? []) perAcc.set(r.local_account || '$G', (perAcc.get(r.local_account || '$G') ?? 0) + 1);
      const shared = [...perAcc].filter(([, n]) => n > 1).map(([a]) => a);
      if (closes.length === 0 || (shared.length === 0 && closes.length < 2)) return { findings: [] };
      const ev = shared.length
        ? `remotes sharing local account ${shared.join(', ')}; ${closes.length} leaf connection(s) closed as Protocol Violation in the last ${fmtDuration(ctx.th.leafFlapWindowMs)}`
        : `${closes.length} leaf connections closed as Protocol Violation in the last ${fmtDuration(ctx.th.leafFlapWindowMs)} (look for "Loop detected" in the log)`;
      return { findings: [{ severity: shared.length ? 'critical' : 'warning', subject: 'leafnodes', evidence: ev }] };
    },
  },
  {
    code: 'LEAF_004',
    title: 'Leaf connection in an account nobody uses',
    severity: 'warning',
    fix: 'Messages cross a leaf connection only within the account it is bound to. This one is bound to an account with no client here while other accounts have clients: the leaf user (leafnodes.authorization users[].account on the hub) or the remote (remotes[].account on the leaf) names the wrong account, or none (then the global account $G). Bind it to the account the applications use.',
    run: (ctx) => {
      const none = noLeafz(ctx.last);
      if (none) return none;
      const leafs = leafsOf(ctx.last);
      if (leafs.length === 0) return { findings: [] };
      const use = ctx.last.accounts;
      if (use === null) return { skip: ctx.last.notes.find((n) => n.startsWith('accounts')) ?? 'accounts unavailable' };
      const conns = new Map(use.map((a) => [a.name, a.conns]));
      // Client connections of $G are not in /accountz's list on every server: count them from /connz.
      const gClients = ctx.last.conns.filter((c) => !c.account || c.account === '$G').length;
      conns.set('$G', Math.max(conns.get('$G') ?? 0, gClients));
      const busy = [...conns].filter(([, n]) => n > 0).map(([a]) => a);
      if (busy.length === 0) return { findings: [] };
      const idle = leafs.filter((l) => (conns.get(l.account) ?? 0) === 0);
      if (idle.length === 0) return { findings: [] };
      return {
        findings: [{
          severity: 'warning',
          subject: 'leafnodes',
          evidence: `${idle.map((l) => `leaf ${l.ip}:${l.port} bound to account ${l.account} (no client connections)`).join('; ')}; clients are in ${busy.join(', ')}`,
        }],
      };
    },
  },
];

/**
 * Across the servers of one run: a leaf (a remote of one server) and its hub (another server given,
 * whose leafnode port the remote dials) that bind the connection to accounts of different names —
 * legitimate when mapped on purpose (LAPP ↔ APP), a common mistake otherwise (LEAF_005, info).
 */
export function checkLeafAcrossServers(reports: ServerReport[], samples: (Sample | null)[]): void {
  const byPort = new Map<number, { s: Sample; r: ServerReport }>();
  samples.forEach((s, i) => {
    const l = s ? leafOf(s) : null;
    if (s && l && l.port) byPort.set(l.port, { s, r: reports[i]! });
  });
  if (byPort.size === 0) return;
  samples.forEach((s, i) => {
    if (!s) return;
    const l = leafOf(s);
    for (const c of leafsOf(s)) {
      const hub = byPort.get(c.port);
      if (!hub || hub.s === s || !(l?.remotes ?? []).some((r) => (r.urls ?? []).some((u) => u.endsWith(`:${c.port}`)))) continue;
      const accs = [...new Set(leafsOf(hub.s).map((h) => h.account))];
      if (accs.includes(c.account)) continue;
      const r = reports[i]!;
      const add = (code: string, title: string, severity: Severity, evidence: string, fix: string) => {
        r.findings.push({ code, title, severity, subject: 'leafnodes', evidence, fix });
        r.passed = r.passed.filter((x) => x !== code);
      };
      add('LEAF_005', 'Leaf and hub accounts differ', 'info', `local account ${c.account} joins hub ${String(hub.s.varz.server_name ?? hub.r.url)} in ${accs.join(', ') || 'no account'}`,
        'Fine when intended: a remote\'s local account maps to the hub account its credentials bind. If clients on either side miss messages, check that the leaf user on the hub (leafnodes.authorization) names the account the hub\'s clients use.');
    }
  });
}
