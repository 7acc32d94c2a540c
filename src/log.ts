// Logging in nats-server's format (logger/log.go): `[pid] yyyy/mm/dd hh:mm:ss.uuuuuu [LVL] message`,
// local time with microseconds, level labels colored only when writing to a terminal.
import { createWriteStream, statSync, renameSync, type WriteStream } from 'node:fs';
import { wallMs } from './clock.js';

export type Level = 'INF' | 'WRN' | 'ERR' | 'FTL' | 'DBG' | 'TRC';

const COLORS: Record<Level, number> = { INF: 32, WRN: 33, ERR: 31, FTL: 31, DBG: 35, TRC: 36 };

export interface LogSink {
  write(line: string): void;
  /** Reopen the file (SIGUSR1); no-op for other sinks. */
  reopen?(): void;
  close?(): void;
}

export interface LoggerOptions {
  sink: LogSink;
  time?: boolean;
  debug?: boolean;
  trace?: boolean;
  colors?: boolean;
  pid?: number;
}

function pad(n: number, w: number): string {
  let s = String(n);
  while (s.length < w) s = '0' + s;
  return s;
}

/** `2026/11/21 05:17:36.608318` in local time. */
export function logTimestamp(nowMs = wallMs()): string {
  const d = new Date(Math.floor(nowMs));
  const micros = Math.floor((nowMs - Math.floor(nowMs / 1000) * 1000) * 1000);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1, 2)}/${pad(d.getDate(), 2)} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(micros, 6)}`;
}

export class Logger {
  private sink: LogSink;
  time: boolean;
  debug: boolean;
  trace: boolean;
  private colors: boolean;
  private prefix: string;

  constructor(o: LoggerOptions) {
    this.sink = o.sink;
    this.time = o.time ?? true;
    this.debug = o.debug ?? false;
    this.trace = o.trace ?? false;
    this.colors = o.colors ?? false;
    this.prefix = `[${o.pid ?? process.pid}] `;
  }

  setSink(sink: LogSink): void {
    this.sink.close?.();
    this.sink = sink;
  }

  reopen(): void {
    this.sink.reopen?.();
  }

  close(): void {
    this.sink.close?.();
  }

  private label(l: Level): string {
    return this.colors ? `[\x1b[${COLORS[l]}m${l}\x1b[0m] ` : `[${l}] `;
  }

  log(level: Level, msg: string): void {
    if (this.sink === nullSink) return; // nothing to format for (an embedded server's default)
    const t = this.time ? logTimestamp() + ' ' : '';
    this.sink.write(`${this.prefix}${t}${this.label(level)}${msg}\n`);
  }

  notice(msg: string): void { this.log('INF', msg); }
  warn(msg: string): void { this.log('WRN', msg); }
  error(msg: string): void { this.log('ERR', msg); }
  fatal(msg: string): void { this.log('FTL', msg); }
  debugf(msg: string): void { if (this.debug) this.log('DBG', msg); }
  tracef(msg: string): void { if (this.trace) this.log('TRC', msg); }
}

export const nullSink: LogSink = { write() {} };

export function fnSink(fn: (line: string) => void): LogSink {
  return { write: (l) => fn(l) };
}

export const stderrSink: LogSink = { write: (l) => { process.stderr.write(l); } };

/** A log file: appended to, reopened on SIGUSR1, rotated when it passes `sizeLimit` bytes. */
export class FileSink implements LogSink {
  private stream: WriteStream;
  private size = 0;
  constructor(private readonly path: string, private readonly sizeLimit = 0) {
    this.stream = this.open();
  }
  private open(): WriteStream {
    try {
      this.size = statSync(this.path).size;
    } catch {
      this.size = 0;
    }
    return createWriteStream(this.path, { flags: 'a' });
  }
  write(line: string): void {
    this.stream.write(line);
    this.size += Buffer.byteLength(line);
    if (this.sizeLimit > 0 && this.size >= this.sizeLimit) this.rotate();
  }
  private lastBackup = '';
  private rotate(): void {
    // As the reference: the full file is renamed `<file>.yyyy.mm.dd.hh.mm.ss.nnnnnnnnn` (local time,
    // nine digits of nanoseconds, so names sort in rotation order) and a new one started.
    this.stream.end();
    let backup = this.backupName();
    if (backup <= this.lastBackup) backup = this.lastBackup + '0';
    this.lastBackup = backup;
    try {
      renameSync(this.path, backup);
    } catch {
      /* keep writing to the same file */
    }
    this.stream = this.open();
  }
  private backupName(): string {
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const nanos = d.getMilliseconds() * 1_000_000 + Number(process.hrtime.bigint() % 1_000_000n);
    return `${this.path}.${d.getFullYear()}.${p2(d.getMonth() + 1)}.${p2(d.getDate())}.${p2(d.getHours())}.${p2(d.getMinutes())}.${p2(d.getSeconds())}.${String(nanos).padStart(9, '0')}`;
  }
  reopen(): void {
    this.stream.end();
    this.stream = this.open();
  }
  close(): void {
    this.stream.end();
  }
}
