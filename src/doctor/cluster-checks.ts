// The doctor's cluster checks: per server, from /varz (`cluster`, route counters) and /routez —
// configured routes that are not up, flapping routes, slow or distant members, backed-up routes —
// and across the servers given on the command line: cluster names that differ, members missing
// from one another's routes. docs/doctor.md documents every one.
import type { Finding, Json, Sample, ServerReport, Severity } from './types.js';
import { fmtBytes, fmtDuration, fmtRtt, rttMs } from './units.js';

/** Thresholds of the cluster checks. */
export interface ClusterThresholds {
  /** CLUSTER_005: route RTT above this (ms). */
  routeRttMs: number;
  /** CLUSTER_006: route pending bytes above this. */
  routePendingBytes: number;
  /** CLUSTER_002 (one sample): a route younger than this, on a server up longer, reconnected recently (ms). */
  youngRouteMs: number;
}

export const DEFAULT_CLUSTER_THRESHOLDS: ClusterThresholds = {
  routeRttMs: 50,
  routePendingBytes: 1024 * 1024,
  youngRouteMs: 60_000,
};

interface Route {
  rid: number;
  remote_id: string;
  did_solicit?: boolean;
  is_configured?: boolean;
  ip?: string;
  port?: number;
  rtt?: string;
  uptime?: string;
  pending_size?: number;
}

export function routesOf(s: Sample): Route[] {
  return ((s.routez?.routes ?? []) as Route[]).filter((r) => r && typeof r.remote_id === 'string');
}

/** The cluster block of /varz, or null when the server has none. */
export function clusterOf(s: Sample): { name: string; port: number; addr: string; urls: string[] } | null {
  const c = s.varz.cluster as Json | undefined;
  if (!c || (!c.name && !c.cluster_port)) return null;
  return { name: String(c.name ?? ''), port: Number(c.cluster_port ?? 0), addr: String(c.addr ?? ''), urls: Array.isArray(c.urls) ? c.urls.map(String) : [] };
}

/** A configured route URL that is this server itself (a shared list of every member). */
function isSelf(hostPort: string, s: Sample, cl: { port: number; addr: string }): boolean {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  if (port !== cl.port) return false;
  return host === cl.addr || host === '127.0.0.1' || host === 'localhost' || host === '::1' || cl.addr === '0.0.0.0' || host === String(s.varz.host ?? '');
}

/** `[Ny][Nd][Nh][Nm]Ns` in ms. */
function uptimeMs(u: string | undefined): number {
  const m = /^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(u ?? '');
  if (!m || !u) return 0;
  const [y, d, h, mi, se] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  return ((((y * 365 + d) * 24 + h) * 60 + mi) * 60 + se) * 1000;
}

const describeRoute = (r: Route) => `rid ${r.rid} to ${r.remote_id.slice(0, 8)}… (${r.ip ?? '?'}:${r.port ?? '?'})`;

type Outcome = { findings: Omit<Finding, 'code' | 'title' | 'fix'>[]; fix?: string } | { skip: string };
interface Ctx { first: Sample; last: Sample; two: boolean; intervalMs: number; th: ClusterThresholds }

export interface ClusterCheck {
  code: string;
  title: string;
  severity: string;
  fix: string;
  run(ctx: Ctx): Outcome;
}

const noRoutez = (s: Sample): Outcome | null => (s.routez === null ? { skip: s.notes.find((n) => n.startsWith('routes')) ?? 'routes unavailable' } : null);

export const CLUSTER_CHECKS: ClusterCheck[] = [
  {
    code: 'CLUSTER_001',
    title: 'Configured route not connected',
    severity: 'warning (critical when no route is up at all)',
    fix: 'A route in cluster.routes has no connection: the member is down or unreachable (firewall, wrong host or port), or refuses us (cluster name or route credentials differ: see its log for "Rejecting connection" or "Authorization Violation"). The server keeps dialling configured routes every second; fix the address, credentials or name, or remove the route.',
    run: (ctx) => {
      const cl = clusterOf(ctx.last);
      if (cl === null) return { findings: [] };
      const none = noRoutez(ctx.last);
      if (none) return none;
      const wanted = cl.urls.filter((u) => !isSelf(u, ctx.last, cl));
      const routes = routesOf(ctx.last);
      // Fewer routes than configured peers: some configured route is down. (Which one is known only
      // for the routes this server dialled: an accepted route shows the peer's ephemeral port.)
      if (routes.length >= wanted.length) return { findings: [] };
      const dialled = new Set(routes.filter((r) => r.did_solicit).map((r) => `${r.ip}:${r.port}`));
      const missing = wanted.filter((u) => !dialled.has(u));
      const list = (missing.length ? missing : wanted).join(', ');
      return { findings: [{ severity: routes.length === 0 ? 'critical' : 'warning', subject: 'cluster', evidence: `${wanted.length} configured route(s), ${routes.length} route(s) up; not connected: ${list}` }] };
    },
  },
  {
    code: 'CLUSTER_002',
    title: 'Route flapping',
    severity: 'warning (two samples) / info (one sample)',
    fix: 'Routes that keep reconnecting lose the interest they carry for a moment each time (messages to members behind them are dropped meanwhile). Look in both servers\' logs for "Router connection closed:" and its reason: Stale Connection (an overloaded or paused member, or a lossy network: raise ping_interval), Slow Consumer (a member that cannot keep up: see CLUSTER_006), Duplicate Route (two members dialling each other: harmless once settled).',
    run: (ctx) => {
      if (clusterOf(ctx.last) === null) return { findings: [] };
      const none = noRoutez(ctx.last);
      if (none) return none;
      if (ctx.two && ctx.first.routez !== null) {
        const before = new Map(routesOf(ctx.first).map((r) => [r.remote_id, r.rid]));
        const after = routesOf(ctx.last);
        const changed = after.filter((r) => before.has(r.remote_id) && before.get(r.remote_id) !== r.rid);
        const gone = [...before.keys()].filter((id) => !after.some((r) => r.remote_id === id));
        if (changed.length === 0 && gone.length === 0) return { findings: [] };
        const parts = [...changed.map((r) => `${describeRoute(r)} reconnected (was rid ${before.get(r.remote_id)})`), ...gone.map((id) => `route to ${id.slice(0, 8)}… went away`)];
        return { findings: [{ severity: 'warning', subject: 'cluster', evidence: `in ${fmtDuration(ctx.intervalMs)}: ${parts.join('; ')}` }] };
      }
      const up = uptimeMs(String(ctx.last.varz.uptime ?? ''));
      const young = routesOf(ctx.last).filter((r) => uptimeMs(r.uptime) < ctx.th.youngRouteMs && up > 5 * ctx.th.youngRouteMs);
      if (young.length === 0) return { findings: [] };
      return { findings: [{ severity: 'info', subject: 'cluster', evidence: `route(s) up for less than ${fmtDuration(ctx.th.youngRouteMs)} on a server up ${ctx.last.varz.uptime}: ${young.map((r) => `${describeRoute(r)} up ${r.uptime}`).join('; ')} — sample again with --interval to see whether they flap` }] };
    },
  },
  {
    code: 'CLUSTER_005',
    title: 'High RTT between members',
    severity: 'warning',
    fix: 'Every message between these members pays this round trip, and request/reply across them twice. Members of one cluster belong in one region or data centre; connect distant sites with leafnodes or gateways instead of routes. A busy member also shows a high RTT: check its CPU.',
    run: (ctx) => {
      if (clusterOf(ctx.last) === null) return { findings: [] };
      const none = noRoutez(ctx.last);
      if (none) return none;
      const slow = routesOf(ctx.last).filter((r) => rttMs(r.rtt) > ctx.th.routeRttMs);
      if (slow.length === 0) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: 'cluster', evidence: `rtt above ${ctx.th.routeRttMs}ms: ${slow.map((r) => `${describeRoute(r)} rtt ${fmtRtt(rttMs(r.rtt))}`).join('; ')}` }] };
    },
  },
  {
    code: 'CLUSTER_006',
    title: 'Route pending pressure',
    severity: 'warning',
    fix: 'This server holds unsent data for a member: the member (or the link to it) reads slower than messages for it arrive. If it lasts past write_deadline the route is cut as a slow consumer and reconnects. Check the member\'s CPU and the network between them; spread subscribers so less traffic must cross.',
    run: (ctx) => {
      if (clusterOf(ctx.last) === null) return { findings: [] };
      const none = noRoutez(ctx.last);
      if (none) return none;
      const heavy = routesOf(ctx.last).filter((r) => (r.pending_size ?? 0) > ctx.th.routePendingBytes);
      if (heavy.length === 0) return { findings: [] };
      return { findings: [{ severity: 'warning', subject: 'cluster', evidence: `pending above ${fmtBytes(ctx.th.routePendingBytes)}: ${heavy.map((r) => `${describeRoute(r)} pending ${fmtBytes(r.pending_size ?? 0)}`).join('; ')}` }] };
    },
  },
  {
    code: 'CLUSTER_007',
    title: 'Stale or slow routes',
    severity: 'warning',
    fix: 'Routes were closed because the member stopped answering PINGs (stale: paused, overloaded, or a dropped network path) or stopped reading (slow consumer at write_deadline). Look in the logs for "Stale Route Connection" / "Slow Consumer Detected" and the member named; see CLUSTER_002 and CLUSTER_006.',
    run: (ctx) => {
      if (clusterOf(ctx.last) === null) return { findings: [] };
      const v = ctx.last.varz;
      const stale = v.stale_connection_stats?.routes;
      const slow = v.slow_consumer_stats?.routes;
      if (typeof stale !== 'number' && typeof slow !== 'number') return { skip: `/varz has no per-kind counters (server version ${v.version ?? '?'}; nats-server reports them since 2.12, tsnats always)` };
      const was = (field: string) => (ctx.two ? Number(ctx.first.varz[field]?.routes ?? 0) : 0);
      const dStale = Number(stale ?? 0) - was('stale_connection_stats');
      const dSlow = Number(slow ?? 0) - was('slow_consumer_stats');
      if (dStale <= 0 && dSlow <= 0) return { findings: [] };
      const span = ctx.two ? `in ${fmtDuration(ctx.intervalMs)}` : 'since the server started';
      return { findings: [{ severity: 'warning', subject: 'cluster', evidence: `${span}: ${dStale} stale route(s), ${dSlow} slow-consumer route(s)` }] };
    },
  },
];

/**
 * Checks across the servers of one doctor run (several URLs): a cluster name that differs from
 * the others' (CLUSTER_003), members without a route to one another or that could not be read
 * (CLUSTER_004). Findings are added to the reports of the servers concerned.
 */
export function checkAcrossServers(reports: ServerReport[], samples: (Sample | null)[]): void {
  const members = samples.map((s, i) => ({ s, r: reports[i]!, cl: s ? clusterOf(s) : null })).filter((m) => m.s !== null && m.cl !== null);
  if (members.length + reports.filter((r) => r.error).length < 2 || members.length === 0) return;
  const add = (r: ServerReport, code: string, title: string, severity: Severity, evidence: string, fix: string) => {
    r.findings.push({ code, title, severity, subject: 'cluster', evidence, fix });
    r.passed = r.passed.filter((c) => c !== code);
  };
  // CLUSTER_003: the most common name is taken as the cluster's.
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.cl!.name, (counts.get(m.cl!.name) ?? 0) + 1);
  const [major] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  for (const m of members) {
    if (m.cl!.name !== major) {
      add(m.r, 'CLUSTER_003', 'Cluster name mismatch', 'critical', `cluster name ${JSON.stringify(m.cl!.name)}, the other members say ${JSON.stringify(major)}`,
        'Servers with different cluster names refuse each other\'s routes ("Rejecting connection, cluster name … does not match …"). Give every member the same cluster { name }.');
    } else if (!m.r.passed.includes('CLUSTER_003')) m.r.passed.push('CLUSTER_003');
  }
  // CLUSTER_004: every member given should have a route to every other.
  const ids = members.map((m) => String(m.s!.varz.server_id ?? ''));
  const unreadable = reports.filter((r) => r.error).map((r) => r.url);
  for (const m of members) {
    const have = new Set(routesOf(m.s!).map((r) => r.remote_id));
    const missing = members.filter((o) => o !== m && !have.has(String(o.s!.varz.server_id))).map((o) => String(o.s!.varz.server_name || o.s!.varz.server_id));
    const parts: string[] = [];
    if (missing.length) parts.push(`no route to ${missing.join(', ')}`);
    if (unreadable.length) parts.push(`could not read ${unreadable.join(', ')}`);
    if (parts.length === 0) {
      if (!m.r.passed.includes('CLUSTER_004')) m.r.passed.push('CLUSTER_004');
      continue;
    }
    add(m.r, 'CLUSTER_004', 'Member missing from the mesh', 'critical', `${parts.join('; ')} (${ids.length} member(s) read)`,
      'Every member of a cluster must reach every other (routes form a full mesh; messages travel one hop). A member that is down, unreachable from some members, or refused by them (CLUSTER_003, route credentials) splits the cluster: clients on either side miss each other\'s messages. Check that member, and that every member can reach every other\'s cluster port (gossip gives each member the others\' cluster.advertise or address).');
  }
}
