// Start to first accepted connection. nats-server and the tsnats CLI: spawn → first INFO received
// (connection attempts every millisecond and on each log line). tsnats in-process: startServer() call
// → first INFO, in a fresh Node process each round.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../dev/ports.js';
import { Skip, type Case, type Sample } from '../model.js';
import { cpuNsPrecise } from '../proc.js';
import { spawnServer, stopProcess, waitForInfo, type Kind } from '../servers.js';
import { fixed, median } from '../stats.js';

async function spawnToInfo(kind: Kind): Promise<Sample> {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const proc = spawnServer(kind, port);
  let sample: Sample;
  try {
    await waitForInfo(port, 15_000, proc);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    sample = { values: { ms }, serverCpu: cpuNsPrecise(proc.pid!), clientCpu: NaN };
  } finally {
    await stopProcess(proc);
  }
  // The floor of any Node CLI here: `node -e` with a bare server writing one INFO line, same
  // spawn → INFO measurement (the tsnats row is read against it: goal floor + 40 ms).
  if (kind === 'tsnats') sample.extra = { floorMs: await nodeFloor() };
  return sample;
}

async function nodeFloor(): Promise<number> {
  const port = await freePort();
  const src = `require('net').createServer({noDelay:true},(s)=>{s.on('error',()=>{});s.write('INFO {}\\r\\n')}).listen(${port},'127.0.0.1')`;
  const t0 = process.hrtime.bigint();
  const proc = spawn(process.execPath, ['-e', src], { stdio: 'ignore' });
  try {
    await waitForInfo(port, 15_000, proc);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
  }
}

/** import('tsnats') (the package entry, dist/pkg/index.js) in a fresh process, ms. */
function importTime(): Promise<number> {
  const entry = fileURLToPath(new URL('../../pkg/index.js', import.meta.url));
  const src = `const t=process.hrtime.bigint();import(${JSON.stringify(entry)}).then(()=>console.log(Number(process.hrtime.bigint()-t)/1e6))`;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`import('tsnats') failed (${code})`))));
  });
}

/** One fresh child: tsnats's startServer(), or (`floor`) a bare node:net server. */
function child(floor: boolean): Promise<{ ms: number; importMs: number; cpuNs: number }> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./startup-child.js', import.meta.url));
    const p = spawn(process.execPath, floor ? [script, 'floor'] : [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      clearTimeout(t);
      const line = out.trim().split('\n').pop() ?? '';
      let r: { skip?: string; ms?: number; importMs?: number; cpuNs?: number };
      try { r = JSON.parse(line); } catch { reject(new Error(`in-process start-up child failed (${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`)); return; }
      if (r.skip) { reject(new Skip(r.skip)); return; }
      resolve({ ms: r.ms!, importMs: r.importMs!, cpuNs: r.cpuNs! });
    });
  });
}

async function inProcess(): Promise<Sample> {
  const r = await child(false);
  const f = await child(true);
  return { values: { ms: r.ms }, serverCpu: r.cpuNs, clientCpu: NaN, extra: { importMs: r.importMs, floorMs: f.ms } };
}

const ms = (x: number) => fixed(x, x < 10 ? 2 : 1);
const metric = [{ key: 'ms', label: '', unit: 'ms', better: 'lower' as const, format: ms }];
const rounds = (s: { rounds: number; quick: boolean }) => (s.quick ? 3 : Math.max(5, s.rounds));

export const startupCases: Case[] = [
  {
    id: 'start-inproc',
    group: 'startup',
    title: 'start→INFO in-process',
    metrics: metric,
    cpuPer: 'start',
    rounds,
    inProcess: true,
    run: (kind) => (kind === 'tsnats' ? inProcess() : spawnToInfo(kind)),
    // The Node floor: a bare node:net server writing INFO, same fresh-process measurement.
    note: (samples) => {
      const f = median(samples.map((x) => Number(x.extra?.floorMs ?? NaN)));
      return Number.isFinite(f) ? `bare node:net server ${ms(f)} ms` : '';
    },
  },
  {
    id: 'start-cli',
    group: 'startup',
    title: 'start→INFO CLI',
    metrics: metric,
    cpuPer: 'start',
    rounds,
    run: spawnToInfo,
    note: (samples) => {
      const f = median(samples.map((x) => Number(x.extra?.floorMs ?? NaN)));
      return Number.isFinite(f) ? `node -e floor ${ms(f)} ms` : '';
    },
  },
  {
    id: 'import',
    group: 'startup',
    title: "import('tsnats')",
    metrics: metric,
    cpuPer: 'import',
    rounds,
    inProcess: true,
    run: async (kind) => {
      if (kind !== 'tsnats') throw new Skip('a Node package only');
      return { values: { ms: await importTime() }, serverCpu: NaN, clientCpu: NaN };
    },
  },
];
