// Per-process resource readings from /proc (Linux): CPU time and resident memory of any pid.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let tickNs = 10_000_000; // CLK_TCK is 100 on Linux almost everywhere; confirmed below when getconf exists.
try {
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (hz > 0) tickNs = 1e9 / hz;
} catch { /* keep 100 Hz */ }

/** utime+stime of the whole process (all threads) in ns, from /proc/<pid>/stat fields 14 and 15. */
export function cpuNs(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  return (Number(rest[11]) + Number(rest[12])) * tickNs;
}

/** CPU time of this process (main thread and every worker_thread) in ns. */
export function selfCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

let PAGE = 4096;
try { PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096; } catch { /* keep 4 KiB */ }
/** Resident set size in bytes, from /proc/<pid>/statm (field 2, pages). */
export function rssBytes(pid: number): number {
  const f = readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ');
  return Number(f[1]) * PAGE;
}

/** The soft limit on open files of a process (RLIMIT_NOFILE). */
export function fdLimit(pid: number): number {
  const m = readFileSync(`/proc/${pid}/limits`, 'latin1').match(/Max open files\s+(\d+)/);
  return m ? Number(m[1]) : NaN;
}

/** CPU time of every thread a process has now, in ns, from /proc/<pid>/task/<tid>/schedstat summed (precise, unlike
 *  the 10 ms ticks of /proc/<pid>/stat; misses threads that already exited). Used for short windows. */
export function cpuNsPrecise(pid: number): number {
  try {
    let sum = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) sum += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'latin1').split(' ')[0]);
    return sum;
  } catch {
    return cpuNs(pid);
  }
}

/** Busy CPU time of the whole machine (all cores, all processes), ns, from the first line of /proc/stat. */
export function machineBusyNs(): number {
  const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: busy = everything but idle and iowait (guest is inside user).
  const total = f.slice(0, 8).reduce((a, x) => a + x, 0);
  return (total - f[3] - f[4]) * tickNs;
}
