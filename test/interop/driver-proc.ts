// One running client driver: spawns it, parses its JSON lines into timestamped events, lets a scenario
// wait for an event, send a stdin command or a signal, and collect the exit. Every error message carries
// the driver's whole transcript, so a failing row shows what the client saw.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface DriverEvent {
  ev: string;
  /** ms since the driver was spawned. */
  t: number;
  /** Wall-clock arrival time (performance.now()). */
  at: number;
  [k: string]: unknown;
}

export interface DriverCommand {
  cmd: string;
  argv: string[];
  env?: Record<string, string>;
}

export class DriverProc {
  readonly events: DriverEvent[] = [];
  readonly proc: ChildProcess;
  private stderr = '';
  private start = performance.now();
  private waiters = new Set<() => void>();
  exitCode: number | null = null;
  exitSignal: string | null = null;
  exited = false;
  private exitP: Promise<void>;

  constructor(readonly label: string, c: DriverCommand, scenario: string, urls: string[], opts: Record<string, string | number>) {
    const args = [...c.argv, scenario, urls.join(','), ...Object.entries(opts).map(([k, v]) => `${k}=${v}`)];
    this.proc = spawn(c.cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...c.env } });
    this.proc.stdin!.on('error', () => {}); // the driver may exit before reading what we wrote
    const rl = createInterface({ input: this.proc.stdout! });
    rl.on('line', (line) => {
      const at = performance.now();
      let e: DriverEvent;
      try {
        e = { ...(JSON.parse(line) as object), t: Math.round(at - this.start), at } as DriverEvent;
      } catch {
        e = { ev: 'unparsed', line, t: Math.round(at - this.start), at };
      }
      this.events.push(e);
      this.wake();
    });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exitP = new Promise((resolve) => {
      // 'close' (not 'exit'): every stdout line has been read by then.
      this.proc.once('close', (code, sig) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = sig;
        this.wake();
        resolve();
      });
    });
  }

  private wake() { for (const w of [...this.waiters]) w(); }

  /** The events so far, and stderr, for assertion messages. */
  transcript(): string {
    const lines = this.events.map((e) => {
      const { t, at: _at, ...rest } = e;
      return `  +${t}ms ${JSON.stringify(rest)}`;
    });
    const tail = this.exited ? `  exited code=${this.exitCode} signal=${this.exitSignal}` : '  (still running)';
    return `${this.label} transcript:\n${lines.join('\n')}\n${tail}${this.stderr ? `\n  stderr: ${this.stderr.trim().slice(-2000)}` : ''}`;
  }

  /** The first event (from index `from`) matching `pred`; rejects on timeout or if the driver exits first. */
  waitFor(pred: (e: DriverEvent) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<DriverEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.slice(from).find(pred);
        if (e) { done(); resolve(e); return true; }
        if (this.exited) { done(); reject(new Error(`${this.label}: exited before ${what}\n${this.transcript()}`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${this.label}: timeout (${timeoutMs}ms) waiting for ${what}\n${this.transcript()}`)); }, timeoutMs);
      const w = () => { check(); };
      const done = () => { clearTimeout(timer); this.waiters.delete(w); };
      if (!check()) this.waiters.add(w);
    });
  }

  ev(name: string, timeoutMs = 10_000, from = 0): Promise<DriverEvent> {
    return this.waitFor((e) => e.ev === name, `"${name}"`, timeoutMs, from);
  }

  all(name: string): DriverEvent[] { return this.events.filter((e) => e.ev === name); }

  send(line: string): void {
    if (!this.exited) this.proc.stdin!.write(line + '\n');
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.exited) this.proc.kill(sig);
  }

  /** Waits for exit; rejects (with the transcript) on timeout. */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: string | null }> {
    let timer: NodeJS.Timeout | undefined;
    const to = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${this.label}: did not exit within ${timeoutMs}ms\n${this.transcript()}`)), timeoutMs);
    });
    try {
      await Promise.race([this.exitP, to]);
    } finally {
      clearTimeout(timer);
    }
    return { code: this.exitCode, signal: this.exitSignal };
  }

  /** For cleanup: SIGKILL if still running, then wait. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.proc.kill('SIGKILL');
    await this.exitP;
  }
}
