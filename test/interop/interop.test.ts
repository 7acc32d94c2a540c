// Interop matrix: every official client (nats.js v3, nats.js v2, nats.go, nats.c) runs the same
// scenarios against each server kind in TSNATS_INTEROP_SERVERS (default `nats-server,tsnats`), one
// node:test row per `client / scenario / server`, so any difference between the servers is a failing row.
// A client whose toolchain is missing is SKIPPED with the reason (set TSNATS_INTEROP_REQUIRE_ALL=1 to
// make that a failure instead); a row waiting on a tsnats feature (the monitor) is TODO with the reason.
import { existsSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { TSNATS_CLI, startServer, type ServerKind, type TestServer } from '../helpers/servers.js';
import { CLIENTS, type ClientDef } from './clients.js';
import { DriverProc, type DriverCommand } from './driver-proc.js';
import { SCENARIOS, type RowCtx, type Scenario } from './scenarios.js';

const KNOWN: ServerKind[] = ['nats-server', 'tsnats'];
const KINDS = (process.env.TSNATS_INTEROP_SERVERS ?? 'nats-server,tsnats').split(',').map((s) => s.trim()).filter(Boolean);
for (const k of KINDS) if (!KNOWN.includes(k as ServerKind)) throw new Error(`TSNATS_INTEROP_SERVERS: unknown server kind "${k}" (known: ${KNOWN.join(', ')})`);
const CONCURRENCY = Number(process.env.TSNATS_INTEROP_CONCURRENCY ?? 4);
const REQUIRE_ALL = process.env.TSNATS_INTEROP_REQUIRE_ALL === '1';
/** Optional subset of clients, e.g. `nats.go,nats.c` (the others are reported as SKIPPED). */
const ONLY = process.env.TSNATS_INTEROP_CLIENTS?.split(',').map((s) => s.trim()).filter(Boolean);
/** Optional subset of scenarios, e.g. `jetstream` (the others are reported as SKIPPED). */
const ONLY_SCENARIOS = process.env.TSNATS_INTEROP_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of ONLY_SCENARIOS ?? []) if (!SCENARIOS.some((x) => x.name === s)) throw new Error(`TSNATS_INTEROP_SCENARIOS: unknown scenario "${s}"`);

type Outcome = 'pass' | 'FAIL' | 'TODO' | 'SKIP';
const outcomes = new Map<string, Outcome>();
const slug = (s: string) => s.replace(/[^A-Za-z0-9.]+/g, '-');

async function runRow(rt: TestContext, label: string, client: ClientDef, cmd: DriverCommand, scenario: Scenario, kind: ServerKind) {
  const servers: TestServer[] = [];
  const drivers: DriverProc[] = [];
  let pending: string | undefined;
  const ctx: RowCtx = {
    t: rt,
    client,
    cmd,
    kind,
    name: `interop-${slug(client.name)}-${scenario.name}-${kind}-${Math.random().toString(36).slice(2, 7)}`,
    async server(opts = {}) {
      if (kind === 'tsnats' && !existsSync(TSNATS_CLI)) {
        throw new Error(`tsnats is not available: ${TSNATS_CLI} does not exist (build it, or run with TSNATS_INTEROP_SERVERS=nats-server)`);
      }
      return ctx.track(await startServer(kind, opts));
    },
    track(s) { servers.push(s); return s; },
    driver(sc, urls, opts = {}) {
      const d = new DriverProc(`${label} driver`, cmd, sc, urls, opts);
      drivers.push(d);
      return d;
    },
    note(s) { rt.diagnostic(s); },
    pending(reason) { pending = reason; rt.todo(reason); },
  };
  try {
    await scenario.run(ctx);
    outcomes.set(label, pending ? 'TODO' : 'pass');
  } catch (e) {
    outcomes.set(label, 'FAIL');
    // The servers' side of a failure: their logs (tail), and whether they were still running.
    for (const s of servers) {
      const state = s.proc.exitCode !== null || s.proc.signalCode !== null ? `exited code=${s.proc.exitCode} signal=${s.proc.signalCode}` : 'running';
      rt.diagnostic(`${s.kind} :${s.port} (${state}) output tail:\n${s.output().slice(-3000)}`);
    }
    throw e;
  } finally {
    await Promise.all(drivers.map((d) => d.kill()));
    await Promise.all(servers.map((s) => s.stop()));
  }
}

test('interop: official clients × scenarios × servers', { concurrency: CONCURRENCY }, async (t) => {
  const prepared = await Promise.all(CLIENTS.map(async (client) => {
    if (ONLY && !ONLY.includes(client.name)) return { client, r: { skip: `not in TSNATS_INTEROP_CLIENTS=${ONLY.join(',')}` } };
    try {
      return { client, r: await client.prepare() };
    } catch (e) {
      return { client, r: { error: (e as Error).message } };
    }
  }));
  const banner = prepared.map(({ client, r }) =>
    'skip' in r ? `  ${client.name}: SKIPPED — ${r.skip}` : 'error' in r ? `  ${client.name}: BUILD FAILED (its rows fail)` : `  ${client.name}: ran`);
  const head = `interop clients (servers: ${KINDS.join(', ')}):\n${banner.join('\n')}`;
  t.diagnostic(head);
  if (prepared.some(({ r }) => 'skip' in r)) console.error(`\n*** ${head}\n`);

  const rows: Promise<void>[] = [];
  for (const { client, r } of prepared) {
    for (const scenario of SCENARIOS) {
      for (const kind of KINDS as ServerKind[]) {
        const label = `${client.name} / ${scenario.name} / ${kind}`;
        if (ONLY_SCENARIOS && !ONLY_SCENARIOS.includes(scenario.name)) {
          outcomes.set(label, 'SKIP');
          rows.push(t.test(label, { skip: `not in TSNATS_INTEROP_SCENARIOS=${ONLY_SCENARIOS.join(',')}` }, () => {}));
        } else if ('skip' in r) {
          outcomes.set(label, 'SKIP');
          rows.push(t.test(label, REQUIRE_ALL ? {} : { skip: `SKIPPED: ${r.skip}` }, () => {
            throw new Error(`${client.name} is required (TSNATS_INTEROP_REQUIRE_ALL=1) but unavailable: ${r.skip}`);
          }));
        } else if ('error' in r) {
          rows.push(t.test(label, () => { outcomes.set(label, 'FAIL'); throw new Error(r.error); }));
        } else {
          rows.push(t.test(label, { timeout: 90_000 }, (rt) => runRow(rt, label, client, r, scenario, kind)));
        }
      }
    }
  }
  await Promise.all(rows);

  // The matrix, as docs/clients.md shows it.
  const lines = [`| client | scenario | ${KINDS.join(' | ')} |`, `| --- | --- | ${KINDS.map(() => '---').join(' | ')} |`];
  for (const { client } of prepared) {
    for (const s of SCENARIOS) {
      lines.push(`| ${client.name} | ${s.name} | ${KINDS.map((k) => outcomes.get(`${client.name} / ${s.name} / ${k}`) ?? '?').join(' | ')} |`);
    }
  }
  t.diagnostic(`interop matrix:\n${lines.join('\n')}`);
});
