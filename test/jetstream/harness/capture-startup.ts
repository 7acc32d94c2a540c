// Records nats-server's log lines when it starts and stops with JetStream, for three set-ups:
// `-js -sd <dir>` (machine-derived limits), a config file with limits and a domain, and -DV (debug
// lines of JetStream's start). Writes test/jetstream/golden/server-startup.txt, normalised: pid,
// date/time, server id/name, node name, ports, the store directory; machine-derived sizes are shown
// as they came out on the capturing machine, marked (machine).
//   node dist/test/jetstream/harness/capture-startup.js
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNatsServer, startServer } from '../../helpers/servers.js';
import { GOLDEN_DIR } from './golden.js';

function normalise(out: string, dir: string): string {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l
      .replace(/^\[\d+\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} /, '[pid] yyyy/mm/dd hh:mm:ss.uuuuuu ')
      .split(dir).join('<dir>')
      .replace(/\bN[A-Z2-7]{55}\b/g, '<server_id>')
      .replace(/(Node: +)\S+/, '$1<node>')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
      .replace(/(Max (Memory|Storage): +)(.*)$/, (m, a: string, _b: string, v: string) => (/^(256\.00 MB|1\.00 GB|-1 B)$/.test(v) ? m : `${a}${v} (machine)`)))
    .join('\n');
}

async function run(title: string, args: string[], conf?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'js-startup-'));
  try {
    let config: string | undefined;
    if (conf) {
      config = join(dir, 'server.conf');
      await writeFile(config, conf.replace('<DIR>', join(dir, 'store')));
    }
    const srv = await startServer('nats-server', { args: args.map((a) => a.replace('<DIR>', join(dir, 'store'))), config });
    await srv.stop();
    const cmd = `nats-server -a 127.0.0.1 -p <port> ${args.join(' ')}${conf ? ' -c server.conf' : ''}`.replace(/<DIR>/g, '<dir>/store');
    return `### ${title}\n$ ${cmd}\n${conf ? `server.conf:\n${conf.replace('<DIR>', '<dir>/store').trim().split('\n').map((l) => `    ${l}`).join('\n')}\n` : ''}\n${normalise(srv.output(), dir)}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (!hasNatsServer()) { console.error('nats-server is not installed'); return 2; }
  const parts = [
    '# nats-server 2.9.10 start-up and shut-down log lines with JetStream (captured by test/jetstream/harness/capture-startup.ts)\n',
    await run('-js with a store directory (limits derived from the machine: 75% of memory, free disk)', ['-js', '-sd', '<DIR>']),
    await run('config file: jetstream block with limits and a domain', [], 'jetstream {\n  store_dir: "<DIR>"\n  max_memory_store: 268435456\n  max_file_store: 1GB\n  domain: hub\n}\n'),
    await run('-js -DV (debug and trace lines)', ['-js', '-sd', '<DIR>', '-DV']),
  ];
  writeFileSync(join(GOLDEN_DIR, 'server-startup.txt'), parts.join('\n'));
  console.log('server-startup.txt written');
  return 0;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
