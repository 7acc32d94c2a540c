// `tsnats doctor`, `tsnats conns`, `tsnats kick`: operator tools over any NATS server's monitoring
// (HTTP, or the system account with the official client). Wired in src/cli/main.ts.
import { parseToolArgs, type ToolArgs } from './args.js';
import { openTransport, allConns, collect, splitUserInfo, type Transport } from './source.js';
import { checkServer, unreachable, summarize, formatText, formatJSON } from './report.js';
import { CHECKS, type Thresholds } from './checks.js';
import { checkAcrossServers } from './cluster-checks.js';
import { checkLeafAcrossServers } from './leaf-checks.js';
import { CONN_SORTS, sortConns, formatConns, type ConnSort } from './conns.js';
import { parseDurationArg, parseSizeArg } from './units.js';
import { sysConnect, SysError, type SysAuth } from './sys.js';
import type { Sample, ServerReport } from './types.js';
import type { DoctorTls } from './tls.js';

import type { ToolCommand } from './commands.js';

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const DEFAULT_HTTP = 'http://127.0.0.1:8222';
const DEFAULT_NATS = 'nats://127.0.0.1:4222';

const AUTH_HELP = `    --user USER --password PASS   a system-account user (for nats:// URLs and kick)
    --creds FILE                  a system-account user's credentials file
    --tlsca FILE                  CA that signed the server's certificate (TLS client port, https://)
    --tlscert FILE --tlskey FILE  a client certificate, for servers that verify clients
    --timeout DURATION            per request (default 5s)`;

export const USAGE: Record<ToolCommand, string> = {
  doctor: `Usage: tsnats doctor [URL…] [options]

Reads a NATS server's monitoring (tsnats or nats-server 2.9+) and reports what is wrong and how
to fix it. URL: http://host:8222[/base] (the monitoring port; default ${DEFAULT_HTTP}) or
nats://host:4222 with a system-account user. Exit: 0 ok, 1 warning, 2 critical, 3 unknown.

    --interval DURATION  take two samples this far apart (e.g. 5s) so counters show what is rising
    --json               JSON instead of the table
    --since DURATION     closed connections this recent count (default 15m)
    --idle DURATION      idle threshold of OPT_IDLE_007 (default 5m)
    --rtt DURATION       RTT threshold of CONN_001 (default 100ms)
    --route-rtt DURATION RTT threshold between cluster members, CLUSTER_005 (default 50ms)
    --pending SIZE       pending threshold of CONN_002 (default 1MiB)
    --js-pending N       a consumer's num_pending threshold, JS_004 (default 10000)
    --js-idle DURATION   how long a pull consumer may go without deliveries, JS_006 (default 5m)
    --skip CODE,…        checks not to run
${AUTH_HELP}

Give every member of a cluster (URL…) to also compare them: CLUSTER_003, CLUSTER_004.

Checks: ${CHECKS.map((c) => c.code).join(' ')} CLUSTER_003 CLUSTER_004 (docs/doctor.md)
`,
  conns: `Usage: tsnats conns [URL] [--sort idle|rtt|pending|msgs|cid] [--limit N] [--json]

Lists the open connections, most idle (or slowest, most backed-up, busiest) first.
URL as for doctor (default ${DEFAULT_HTTP}).

${AUTH_HELP}
`,
  kick: `Usage: tsnats kick CID [nats://host:port] --user USER --password PASS | --creds FILE [--server ID]

Closes connection CID (reason "Kicked") with $SYS.REQ.SERVER.<id>.KICK (nats-server 2.10+, tsnats).
Needs a system-account user. The server is the one the URL reaches (default ${DEFAULT_NATS}),
or --server ID.

${AUTH_HELP}
`,
};

function authOf(a: ToolArgs): SysAuth {
  return { user: a.flags.get('user'), password: a.flags.get('password'), creds: a.flags.get('creds') };
}

function tlsOf(a: ToolArgs): DoctorTls {
  return { caFile: a.flags.get('tlsca'), certFile: a.flags.get('tlscert'), keyFile: a.flags.get('tlskey') };
}

class UsageError extends Error {}

function durationFlag(a: ToolArgs, name: string): number | undefined {
  const v = a.flags.get(name);
  if (v === undefined) return undefined;
  try {
    return parseDurationArg(v);
  } catch {
    throw new UsageError(`invalid duration for --${name}: ${JSON.stringify(v)} (e.g. 5s, 250ms, 5m)`);
  }
}

/** Runs a subcommand; resolves the exit code. */
export async function runTool(cmd: ToolCommand, argv: readonly string[], io: Io = stdio): Promise<number> {
  const parsed = parseToolArgs(argv);
  if ('error' in parsed) {
    io.err(`tsnats ${cmd}: ${parsed.error}\n\n${USAGE[cmd]}`);
    return 3;
  }
  if (parsed.bools.has('help')) {
    io.out(USAGE[cmd]);
    return 0;
  }
  try {
    if (cmd === 'doctor') return await doctor(parsed, io);
    if (cmd === 'conns') return await conns(parsed, io);
    return await kick(parsed, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tsnats ${cmd}: ${e.message}\n\n${USAGE[cmd]}`);
      return 3;
    }
    io.err(`tsnats ${cmd}: ${(e as Error).message}\n`);
    return cmd === 'doctor' ? 3 : 1;
  }
}

async function doctor(a: ToolArgs, io: Io): Promise<number> {
  const urls = a.positional.length ? a.positional : [DEFAULT_HTTP];
  const interval = durationFlag(a, 'interval') ?? 0;
  const timeoutMs = durationFlag(a, 'timeout') ?? 5000;
  const th: Partial<Thresholds> = {};
  const since = durationFlag(a, 'since');
  if (since !== undefined) th.sinceMs = since;
  const idle = durationFlag(a, 'idle');
  if (idle !== undefined) th.idleMs = idle;
  const rtt = durationFlag(a, 'rtt');
  if (rtt !== undefined) th.rttMs = rtt;
  const routeRtt = durationFlag(a, 'route-rtt');
  if (routeRtt !== undefined) th.routeRttMs = routeRtt;
  const jsIdle = durationFlag(a, 'js-idle');
  if (jsIdle !== undefined) th.jsIdleMs = jsIdle;
  if (a.flags.has('js-pending')) {
    const n = Number(a.flags.get('js-pending'));
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--js-pending needs a positive whole number, not ${JSON.stringify(a.flags.get('js-pending'))}`);
    th.jsPending = n;
  }
  if (a.flags.has('pending')) {
    try {
      th.pendingBytes = parseSizeArg(a.flags.get('pending')!);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const skip = (a.flags.get('skip') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = skip.filter((c) => !CHECKS.some((k) => k.code === c));
  if (unknown.length) throw new UsageError(`unknown check code(s) for --skip: ${unknown.join(', ')}`);
  const auth = authOf(a);

  const read = await Promise.all(
    urls.map(async (url): Promise<{ report: ServerReport; last: Sample | null }> => {
      let t: Transport | undefined;
      try {
        t = await openTransport({ url, auth, serverId: a.flags.get('server'), timeoutMs, tls: tlsOf(a) });
        const samples: Sample[] = [await collect(t)];
        if (interval > 0) {
          await new Promise((r) => setTimeout(r, interval));
          samples.push(await collect(t));
        }
        return { report: checkServer(url, samples, { thresholds: th, skip }), last: samples[samples.length - 1]! };
      } catch (e) {
        return { report: unreachable(url, (e as Error).message), last: null };
      } finally {
        await t?.close();
      }
    }),
  );
  const servers = read.map((r) => r.report);
  // Several members of one cluster: names and the mesh compared across them.
  checkAcrossServers(servers, read.map((r) => r.last));
  checkLeafAcrossServers(servers, read.map((r) => r.last));
  const report = summarize(servers);
  io.out(a.bools.has('json') ? formatJSON(report) : formatText(report));
  return report.exitCode;
}

async function conns(a: ToolArgs, io: Io): Promise<number> {
  if (a.positional.length > 1) throw new UsageError('one URL at most');
  const url = a.positional[0] ?? DEFAULT_HTTP;
  const sort = (a.flags.get('sort') ?? 'idle') as ConnSort;
  if (!CONN_SORTS.includes(sort)) throw new UsageError(`--sort must be one of ${CONN_SORTS.join(', ')}`);
  const limitS = a.flags.get('limit') ?? '20';
  const limit = Number(limitS);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number (0 = all), got ${JSON.stringify(limitS)}`);
  const t = await openTransport({ url, auth: authOf(a), serverId: a.flags.get('server'), timeoutMs: durationFlag(a, 'timeout') ?? 5000, tls: tlsOf(a) });
  try {
    const varz = await t.varz();
    const now = Date.parse(varz.now);
    const all = (await allConns(t)).filter((c) => c.cid !== t.selfCid);
    const sorted = sortConns(all, sort, Number.isFinite(now) ? now : Date.now());
    const shown = limit > 0 ? sorted.slice(0, limit) : sorted;
    if (a.bools.has('json')) io.out(JSON.stringify({ server_id: varz.server_id, now: varz.now, sort, total: all.length, connections: shown }, null, 2) + '\n');
    else io.out(formatConns(shown, Number.isFinite(now) ? now : Date.now(), all.length));
    return 0;
  } finally {
    await t.close();
  }
}

async function kick(a: ToolArgs, io: Io): Promise<number> {
  const [cidS, rawUrl = DEFAULT_NATS, ...rest] = a.positional;
  if (cidS === undefined) throw new UsageError('which connection? give its cid (see `tsnats conns`)');
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const cid = Number(cidS);
  if (!Number.isInteger(cid) || cid <= 0) throw new UsageError(`invalid cid ${JSON.stringify(cidS)}`);
  if (/^https?:/i.test(rawUrl)) throw new UsageError('kick talks to the server through the system account: give its nats:// URL');
  const { url, auth } = splitUserInfo(rawUrl.includes('://') ? rawUrl : `nats://${rawUrl}`, authOf(a));
  if (!auth.user && !auth.creds) throw new UsageError('kick needs a system-account user: --user/--password or --creds');
  const sys = await sysConnect(url, auth, durationFlag(a, 'timeout') ?? 5000, tlsOf(a));
  try {
    const id = a.flags.get('server') ?? sys.serverId;
    try {
      await sys.request(`$SYS.REQ.SERVER.${id}.KICK`, { cid });
    } catch (e) {
      if (e instanceof SysError && e.code === 503) throw new Error(`server ${id} did not answer KICK: the user must be in the system account, and nats-server needs 2.10 or later`);
      throw e;
    }
    io.out(`kicked cid ${cid} on server ${id}\n`);
    return 0;
  } finally {
    await sys.close();
  }
}
