// Command line of `npm run bench` (node dist/bench/run.js).
import type { Settings } from './model.js';
import { KINDS, type Kind } from './servers.js';

export interface Args extends Settings {
  only: string[];
  servers: Kind[];
  json: string;
}

export const USAGE = `usage: node dist/bench/run.js [options]
  --quick              short run (fewer rounds, shorter floods)
  --only a,b           cases or groups: pub16 pub128 pub1k (pub), pubsub16 pubsub128 pubsub1k (pubsub),
                       fanout, fanin, ws-pubsub128 ws-pubsub128-deflate (ws), reqrep,
                       route128 routefan routereq routemix (cluster), leaf128 leafup128 (leaf), conns,
                       start-inproc start-cli import (startup), tlspubsub128 tlshs-ecdsa tlshs-rsa tlsconns (tls),
                       js-pub-file js-pub-mem js-sync js-direct-seq js-direct-last js-disk js-restart
                       js-mem (js)
  --servers a,b        nats-server,tsnats (default both; one missing is skipped with a note)
  --rounds N           rounds per case, servers interleaved (default 5, quick 2)
  --duration MS        timed flood length (default 1000, quick 300)
  --warmup MS          untimed flood before each timed one (default 300, quick 100)
  --req-ms MS          timed request/reply run (default 1500, quick 400)
  --conns N            idle connections for the RSS case (default 10000)
  --tls-conns N        idle TLS connections for the TLS RSS case (default 2000)
  --conns-19k          same as --conns 19900 (the most a 20,000 hard fd limit allows; see docs)
  --hold MS            hold the idle connections this long with keepalive on (default 0; --conns-19k: 10000)
  --ping-interval MS   the servers' ping_interval while holding (default 1000)
  --retry-busy N       re-measure a round up to N times while other processes used > 0.3 cores
                       during its window, keeping the calmest (default 0)
  --json FILE          where to write results (default .bench-out/latest.json)`;

export function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const a: Args = {
    quick,
    rounds: quick ? 2 : 5,
    durationMs: quick ? 300 : 1000,
    warmupMs: quick ? 100 : 300,
    reqMs: quick ? 400 : 1500,
    conns: 10_000,
    tlsConns: 2000,
    holdMs: 0,
    pingIntervalMs: 1000,
    retryBusy: 0,
    only: [],
    servers: [...KINDS],
    json: '.bench-out/latest.json',
  };
  const num = (i: number) => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${argv[i - 1]} needs a number, got ${argv[i]}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case '--quick': break;
      case '--only': a.only = (argv[++i] ?? '').split(',').filter(Boolean); break;
      case '--servers': {
        const list = (argv[++i] ?? '').split(',').filter(Boolean);
        for (const k of list) if (!KINDS.includes(k as Kind)) throw new Error(`unknown server ${k} (nats-server, tsnats)`);
        a.servers = list as Kind[];
        break;
      }
      case '--rounds': a.rounds = Math.max(1, Math.round(num(++i))); break;
      case '--duration': a.durationMs = num(++i); break;
      case '--warmup': a.warmupMs = num(++i); break;
      case '--req-ms': a.reqMs = num(++i); break;
      case '--conns': a.conns = Math.max(1, Math.round(num(++i))); break;
      case '--tls-conns': a.tlsConns = Math.max(1, Math.round(num(++i))); break;
      case '--conns-19k': a.conns = 19_900; if (!argv.includes('--hold')) a.holdMs = 10_000; break;
      case '--hold': a.holdMs = num(++i); break;
      case '--ping-interval': a.pingIntervalMs = Math.max(1, num(++i)); break;
      case '--retry-busy': a.retryBusy = Math.round(num(++i)); break;
      case '--json': a.json = argv[++i]; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0);
      default: throw new Error(`unknown option ${f}\n${USAGE}`);
    }
  }
  return a;
}
