// A CLI child process's client port, read from the ports file it writes (--ports_file_dir).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Waits (up to 15 s) for `<program>_<pid>.ports` in `portsDir` and returns the port of its first
 * client URL; fails with the process's stderr so far if it exits or never writes the file.
 */
export async function cliPort(proc: ChildProcess, portsDir: string, stderr: () => string, program = 'tsnats'): Promise<number> {
  const portsFile = join(portsDir, `${program}_${proc.pid}.ports`);
  const deadline = Date.now() + 15_000;
  while (!existsSync(portsFile)) {
    if (Date.now() > deadline || proc.exitCode !== null) assert.fail(`no ports file; stderr: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Number(new URL((JSON.parse(readFileSync(portsFile, 'utf8')) as { nats: string[] }).nats[0]!).port);
}
