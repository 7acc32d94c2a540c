// The CLI's choice of V8 scavenger (src/cli/scavenge.ts): single-threaded on a machine with few
// cores, V8's parallel helpers otherwise, TSNATS_PARALLEL_SCAVENGE and a node flag over the rule.
// What the process really did is read from V8's own GC trace (--trace-gc-nvp prints, per scavenge,
// the time its parallel helpers worked: `background.scavenge.parallel=…`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { TSNATS_CLI } from '../helpers/servers.js';
import { cliPort } from '../helpers/cli.js';
import { scavengeChoice, SMALL_MACHINE_CORES } from '../../src/cli/scavenge.js';

test('scavengeChoice: few cores single, many parallel; the env and a node flag decide first', () => {
  assert.equal(scavengeChoice(1, [], undefined), 'single');
  assert.equal(scavengeChoice(2, [], undefined), 'single');
  assert.equal(scavengeChoice(SMALL_MACHINE_CORES, [], undefined), 'single');
  assert.equal(scavengeChoice(SMALL_MACHINE_CORES + 1, [], undefined), 'parallel');
  assert.equal(scavengeChoice(64, [], undefined), 'parallel');
  assert.equal(scavengeChoice(2, [], '1'), 'parallel');
  assert.equal(scavengeChoice(64, [], '0'), 'single');
  // Anything else in the variable is the rule.
  assert.equal(scavengeChoice(2, [], 'yes'), 'single');
  assert.equal(scavengeChoice(64, [], ''), 'parallel');
  // node's own flag, either spelling, wins over the rule and the variable.
  for (const f of ['--parallel-scavenge', '--no-parallel-scavenge', '--parallel_scavenge', '--no-parallel_scavenge']) {
    assert.equal(scavengeChoice(2, ['--max-old-space-size=100', f], '0'), 'node-flag', f);
  }
  assert.equal(scavengeChoice(2, ['--parallel-scavenge-task-trace'], undefined), 'single', 'another flag with the prefix');
});

/**
 * Runs the CLI under `node <nodeArgs> --trace-gc-nvp`, publishes 200k messages on distinct subjects
 * (a subject-cache miss each: garbage enough for a dozen scavenges), stops it and returns the
 * helpers' time of every scavenge it traced.
 */
async function helperTimes(nodeArgs: string[], env: Record<string, string>): Promise<number[]> {
  const portsDir = mkdtempSync(join(tmpdir(), 'tsnats-scav-ports-'));
  const proc = spawn(process.execPath, [...nodeArgs, '--trace-gc-nvp', TSNATS_CLI, '-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', portsDir], {
    env: { ...process.env, TSNATS_PARALLEL_SCAVENGE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  try {
    const port = await cliPort(proc, portsDir, () => stderr);
    await new Promise<void>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', reject);
      s.on('data', (d) => {
        if (d.includes('PONG')) {
          s.destroy();
          resolve();
        }
      });
      s.write('CONNECT {"verbose":false}\r\nSUB foo.* 1\r\n');
      let n = 0;
      const more = (): void => {
        if (n >= 200_000) return void s.write('PING\r\n');
        let b = '';
        for (let i = 0; i < 2000; i++, n++) b += `PUB foo.${n} 3\r\nabc\r\n`;
        s.write(b, more);
      };
      more();
    });
  } finally {
    proc.kill('SIGTERM');
    await exited;
    rmSync(portsDir, { recursive: true, force: true });
  }
  return [...stdout.matchAll(/gc=s\b[^\n]*?background\.scavenge\.parallel=([0-9.]+)/g)].map((m) => Number(m[1]));
}

const small = availableParallelism() <= SMALL_MACHINE_CORES;

test('the CLI scavenges without helper threads on this machine', { skip: small ? false : `${availableParallelism()} cores: the rule keeps V8's parallel scavenges here` }, async () => {
  const times = await helperTimes([], {});
  assert.ok(times.length >= 5, `scavenges traced: ${times.length}`);
  // Start-up runs before the CLI sets the flag; it makes at most a couple of scavenges.
  assert.ok(times.slice(2).every((t) => t === 0), `helper ms per scavenge: ${times.join(' ')}`);
});

test('TSNATS_PARALLEL_SCAVENGE=1 and node --parallel-scavenge keep the parallel helpers', async () => {
  for (const [args, env] of [[[], { TSNATS_PARALLEL_SCAVENGE: '1' }], [['--parallel-scavenge'], { TSNATS_PARALLEL_SCAVENGE: '0' }]] as const) {
    const times = await helperTimes([...args], { ...env });
    assert.ok(times.length >= 5, `scavenges traced: ${times.length}`);
    assert.ok(times.some((t) => t > 0), `${args.join(' ')} ${JSON.stringify(env)}: helper ms per scavenge: ${times.join(' ')}`);
  }
});
