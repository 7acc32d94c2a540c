// Runs the tsnats CLI (dist/src/cli/main.js) as a child process without blocking the event loop,
// so an in-process server in the same test keeps answering.
import { spawn } from 'node:child_process';
import { TSNATS_CLI } from '../helpers/servers.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TSNATS_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`tsnats ${args.join(' ')} did not finish in ${timeoutMs}ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `tsnats doctor … --json`, parsed. */
export async function doctorJSON(args: string[]): Promise<{ code: number | null; report: any; stderr: string }> {
  const r = await runCli(['doctor', ...args, '--json']);
  let report: any;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`doctor did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}
