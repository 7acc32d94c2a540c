// Configuration problems with their position: `file:line:col: message`, as nats-server prints them.

export interface Pos {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  line: number;
  /** 1-based; 0 when unknown. */
  col: number;
}

export interface ConfigIssue extends Pos {
  message: string;
  /**
   * What kind of problem this is, for callers that treat them differently:
   * - 'syntax': the file does not parse;
   * - 'invalid': a value is wrong (type, range, unknown field…);
   * - 'unsupported': the reference knows the option but tsnats refuses to run with it (TLS…);
   * - 'deprecated': a reference warning (`ping_interval should be converted to a duration`);
   *   nats-server fails `-t` on these;
   * - 'ignored': the reference knows the option, tsnats runs without it (cluster, jetstream…).
   */
  code: 'syntax' | 'invalid' | 'unsupported' | 'deprecated' | 'ignored';
}

/** `file:line:col: message` (or just `message` when there is no position). */
export function formatIssue(i: Pick<ConfigIssue, 'file' | 'line' | 'col' | 'message'>): string {
  if (!i.line) return i.message;
  return `${i.file}:${i.line}:${i.col}: ${i.message}`;
}

/** Thrown by the parser; `issues` holds every problem (the parser stops at the first). */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function issue(pos: Pos, message: string, code: ConfigIssue['code'] = 'invalid'): ConfigIssue {
  return { file: pos.file, line: pos.line, col: pos.col, message, code };
}
