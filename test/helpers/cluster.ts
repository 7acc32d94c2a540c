// Clusters of child-process servers, any mix of tsnats and nats-server, for tests: each member
// gets a client port, a cluster port and a monitor port; routes point at seeds; `formed()` waits
// until every member has a route to every other (/routez). Every server started here must be
// stopped by the test (stopCluster).
import { freePort } from '../../dev/ports.js';
import { startServer, type ServerKind, type TestServer } from './servers.js';

export interface MemberSpec {
  kind: ServerKind;
  /** Server name (default S<i>). */
  name?: string;
  /** Indexes of the members this one lists in --routes (default: member 0, none for member 0). */
  seeds?: number[];
  /** Extra flags. */
  args?: string[];
  /** A config file (-c) instead of cluster flags; it must set the cluster port to `clusterPort`. */
  config?: (m: { clusterPort: number; seeds: string[] }) => string;
}

export interface Member {
  spec: MemberSpec;
  server: TestServer;
  clusterPort: number;
  name: string;
  url: string;
}

export interface TestCluster {
  name: string;
  members: Member[];
  /** Resolves when every running member has routes to all the others. */
  formed(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Restarts member i (same ports, same flags) after it stopped or was killed. */
  restart(i: number): Promise<Member>;
}

/** /routez of a member (its monitor port). */
export async function routez(m: Member): Promise<{ num_routes: number; routes: Record<string, unknown>[] }> {
  const r = await fetch(`http://127.0.0.1:${m.server.httpPort}/routez`);
  return (await r.json()) as { num_routes: number; routes: Record<string, unknown>[] };
}

function clusterArgs(name: string, cname: string, clusterPort: number, seeds: string[]): string[] {
  const args = ['-n', name, '--cluster', `nats://127.0.0.1:${clusterPort}`, '--cluster_name', cname];
  if (seeds.length > 0) args.push('--routes', seeds.join(','));
  return args;
}

/** Starts the members in order (each after the one it seeds from), with short ping intervals off. */
export async function startCluster(specs: MemberSpec[], opts: { name?: string; user?: string; pass?: string } = {}): Promise<TestCluster> {
  const cname = opts.name ?? 'C1';
  const ports = await Promise.all(specs.map(() => freePort()));
  const auth = opts.user ? `${opts.user}:${opts.pass}@` : '';
  const seedURL = (i: number) => `nats-route://${auth}127.0.0.1:${ports[i]}`;
  const members: Member[] = [];
  const startMember = async (i: number): Promise<Member> => {
    const spec = specs[i];
    const name = spec.name ?? `S${i}`;
    const seeds = (spec.seeds ?? (i === 0 ? [] : [0])).map(seedURL);
    const args = [...(spec.args ?? [])];
    let config: string | undefined;
    if (spec.config) config = spec.config({ clusterPort: ports[i], seeds });
    else {
      args.push(...clusterArgs(name, cname, ports[i], seeds));
      if (opts.user) args[args.indexOf('--cluster') + 1] = `nats://${opts.user}:${opts.pass}@127.0.0.1:${ports[i]}`;
    }
    const prev = members[i];
    const server = await startServer(spec.kind, {
      args: config ? ['-n', name, ...args] : args,
      config,
      monitor: true,
      ...(prev ? { port: prev.server.port, httpPort: prev.server.httpPort } : {}),
    });
    // nats-server opens its route listener just after "Server is ready".
    if (spec.kind === 'nats-server') await server.waitForOutput(/Listening for route connections/);
    const m: Member = { spec, server, clusterPort: ports[i], name, url: server.url };
    members[i] = m;
    return m;
  };
  try {
    for (let i = 0; i < specs.length; i++) await startMember(i);
  } catch (e) {
    await Promise.all(members.map((m) => m?.server.stop()));
    throw e;
  }
  const c: TestCluster = {
    name: cname,
    members,
    async formed(timeoutMs = 15_000) {
      const t0 = Date.now();
      for (;;) {
        const running = members.filter((m) => m.server.proc.exitCode === null && m.server.proc.signalCode === null);
        const counts = await Promise.all(running.map((m) => routez(m).then((r) => r.num_routes).catch(() => -1)));
        if (counts.every((n) => n === running.length - 1)) return;
        if (Date.now() - t0 > timeoutMs) throw new Error(`cluster not formed: routes per member ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(members.map((m) => m.server.stop()));
    },
    restart: (i) => startMember(i),
  };
  return c;
}
