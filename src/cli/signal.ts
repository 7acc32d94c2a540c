// `tsnats --signal <name>[=<pid|pidfile>]`: send a running server the signal nats-server maps the
// command to. Without a target, the one running tsnats process is found (as nats-server does with
// pgrep); with several, nothing is sent.
import { readFileSync, readdirSync } from 'node:fs';
import type { SignalName } from './flags.js';

export const SIGNAL_OF: Record<SignalName, NodeJS.Signals> = {
  ldm: 'SIGUSR2',
  stop: 'SIGKILL',
  quit: 'SIGINT',
  term: 'SIGTERM',
  reopen: 'SIGUSR1',
  reload: 'SIGHUP',
};

/** pids of other running tsnats servers (a node process running our CLI). */
export function findServers(): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const script = argv[1] ?? '';
    const isServer = /(^|\/)tsnats$/.test(script) || script.endsWith('dist/src/cli/main.js');
    if (isServer && !argv.some((a) => a === '--signal' || a === '-sl' || a.startsWith('--signal=') || a.startsWith('-sl='))) pids.push(Number(e));
  }
  return pids;
}

/** Sends the signal; returns an error message, or null on success. */
export function sendSignal(name: SignalName, target?: string): string | null {
  let pid: number;
  if (target === undefined || target === '') {
    const pids = findServers();
    if (pids.length === 0) return 'no tsnats processes running';
    if (pids.length > 1) return `multiple tsnats processes running:\n${pids.join('\n')}`;
    pid = pids[0];
  } else if (/^\d+$/.test(target)) {
    pid = Number(target);
  } else {
    let text: string;
    try {
      text = readFileSync(target, 'utf8').trim();
    } catch (e) {
      return `could not read pid file ${target}: ${(e as Error).message}`;
    }
    if (!/^\d+$/.test(text)) return `invalid pid file ${target}: ${JSON.stringify(text)}`;
    pid = Number(text);
  }
  try {
    process.kill(pid, SIGNAL_OF[name]);
  } catch (e) {
    return `unable to send signal to ${pid}: ${(e as Error).message}`;
  }
  return null;
}
