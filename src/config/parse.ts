// nats.conf parser: lexer items → a tree of nodes, every node with its position.
// Follows nats-server's conf/parse.go in "pedantic" mode (the mode `nats-server -c` uses):
//   - a value stored under a key takes the key's position (errors point at the key, as the reference);
//   - `$NAME` is looked up in the enclosing blocks from the innermost outwards, then in the
//     environment (whose value is parsed as a config value: `4222` is a number);
//     a variable that was referenced is marked `usedVariable`, and the loader does not report it
//     as an unknown field;
//   - an unquoted `$2a$…` is a bcrypt hash, not a variable;
//   - `include <path>` parses <path> (relative to the including file) on its own — it sees the
//     environment but not the includer's variables — and merges its keys into the current block;
//   - integers keep their size suffix semantics (1k = 1000, 1kb = 1ki = 1kib = 1024, … up to e/eb)
//     and become numbers; a value written as a string stays a string (`"30s"` vs `120`).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Lexer, type Item } from './lexer.js';
import { ConfigError, issue, type Pos } from './errors.js';

interface NodeBase {
  /** Where errors about this value point: the key for map entries (as the reference), else the value. */
  pos: Pos;
  /** Where the value itself starts. */
  valuePos: Pos;
  /** This entry was referenced as `$NAME` somewhere (so it is a variable, not an option). */
  usedVariable: boolean;
}
export interface StringNode extends NodeBase {
  kind: 'string';
  value: string;
}
export interface IntegerNode extends NodeBase {
  kind: 'integer';
  /** After the size suffix: `2MB` → 2097152. */
  value: number;
  /** As written: `2MB`. */
  raw: string;
}
export interface FloatNode extends NodeBase {
  kind: 'float';
  value: number;
  raw: string;
}
export interface BoolNode extends NodeBase {
  kind: 'bool';
  value: boolean;
  raw: string;
}
export interface DatetimeNode extends NodeBase {
  kind: 'datetime';
  value: Date;
  raw: string;
}
export interface MapNode extends NodeBase {
  kind: 'map';
  /** Keys as written (case kept); a repeated key keeps its last value. */
  value: Map<string, ConfNode>;
}
export interface ArrayNode extends NodeBase {
  kind: 'array';
  value: ConfNode[];
}
export type ConfNode = StringNode | IntegerNode | FloatNode | BoolNode | DatetimeNode | MapNode | ArrayNode;

export interface ParseOptions {
  /** The file name used in positions and to resolve includes (default: none, includes relative to the cwd). */
  file?: string;
  /** Where `$NAME` falls back to (default: process.env). */
  env?: Record<string, string | undefined>;
  /** How included files are read (default: fs.readFileSync). Throws like fs does. */
  readFile?: (path: string) => string;
}

/** Parse a config file. Throws ConfigError (with positions) when it cannot be read or parsed. */
export function parseConfigFile(path: string, opts: Omit<ParseOptions, 'file'> = {}): MapNode {
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw new ConfigError([issue({ file: path, line: 0, col: 0 }, `open ${path}: ${osMessage(e)}`, 'syntax')]);
  }
  return parseConfig(text, { ...opts, file: path });
}

/** Parse config text. Throws ConfigError on the first syntax problem. */
export function parseConfig(text: string, opts: ParseOptions = {}): MapNode {
  return new Parser(text, opts, new Set()).parse();
}

/** The message Go's os package gives for common file errors. */
export function osMessage(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
  }
  return (e as Error).message ?? String(e);
}

/** Bcrypt hashes written without quotes start like a variable: `$2a$11$…` (parse.go bcryptPrefix). */
const BCRYPT_PREFIX = '2a$';
/** The key used to parse an environment variable's value as a config value (parse.go pkey). */
const ENV_KEY = 'pk';
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const SUFFIXES: Record<string, bigint> = {
  '': 1n,
  k: 1000n,
  kb: 1024n,
  ki: 1024n,
  kib: 1024n,
  m: 1000n ** 2n,
  mb: 1024n ** 2n,
  mi: 1024n ** 2n,
  mib: 1024n ** 2n,
  g: 1000n ** 3n,
  gb: 1024n ** 3n,
  gi: 1024n ** 3n,
  gib: 1024n ** 3n,
  t: 1000n ** 4n,
  tb: 1024n ** 4n,
  ti: 1024n ** 4n,
  tib: 1024n ** 4n,
  p: 1000n ** 5n,
  pb: 1024n ** 5n,
  pi: 1024n ** 5n,
  pib: 1024n ** 5n,
  e: 1000n ** 6n,
  eb: 1024n ** 6n,
  ei: 1024n ** 6n,
  eib: 1024n ** 6n,
};

type Context = Map<string, ConfNode> | ConfNode[];

class Parser {
  private readonly lx: Lexer;
  private readonly file: string;
  private readonly ctxs: Context[] = [];
  private readonly ctxStarts: Pos[] = [];
  private readonly keys: { name: string; pos: Pos }[] = [];
  private readonly env: Record<string, string | undefined>;

  constructor(
    text: string,
    private readonly opts: ParseOptions,
    /** Files being parsed up the include chain (to stop include cycles). */
    private readonly including: Set<string>,
  ) {
    this.lx = new Lexer(text);
    this.file = opts.file ?? '';
    this.env = opts.env ?? process.env;
  }

  parse(): MapNode {
    const root = new Map<string, ConfNode>();
    const start = this.at(1, 1);
    this.ctxs.push(root);
    this.ctxStarts.push(start);
    if (this.opts.file) this.including.add(resolve(this.opts.file));
    for (;;) {
      const it = this.lx.nextItem();
      if (it.type === 'eof') break;
      this.processItem(it);
    }
    if (this.opts.file) this.including.delete(resolve(this.opts.file));
    return { kind: 'map', value: root, pos: start, valuePos: start, usedVariable: false };
  }

  private at(line: number, col: number): Pos {
    return { file: this.file, line, col };
  }

  private fail(it: Item, message: string, code: 'syntax' | 'invalid' = 'syntax'): never {
    throw new ConfigError([issue(this.at(it.line, it.col), message, code)]);
  }

  private processItem(it: Item): void {
    const pos = this.at(it.line, it.col);
    const base = { pos, valuePos: pos, usedVariable: false };
    switch (it.type) {
      case 'error':
        return this.fail(it, it.val);
      case 'key':
        this.keys.push({ name: it.val, pos });
        return;
      case 'mapStart':
        this.ctxs.push(new Map());
        this.ctxStarts.push(pos);
        return;
      case 'mapEnd': {
        const m = this.popContext() as Map<string, ConfNode>;
        const start = this.ctxStarts.pop()!;
        return this.setValue(it, { kind: 'map', value: m, pos: start, valuePos: start, usedVariable: false });
      }
      case 'arrayStart':
        this.ctxs.push([]);
        this.ctxStarts.push(pos);
        return;
      case 'arrayEnd': {
        const a = this.popContext() as ConfNode[];
        const start = this.ctxStarts.pop()!;
        return this.setValue(it, { kind: 'array', value: a, pos: start, valuePos: start, usedVariable: false });
      }
      case 'string':
        return this.setValue(it, { kind: 'string', value: it.val, ...base });
      case 'integer':
        return this.setValue(it, { kind: 'integer', value: this.integer(it), raw: it.val, ...base });
      case 'float': {
        const v = Number(it.val);
        if (!Number.isFinite(v)) this.fail(it, `float '${it.val}' is out of the range`);
        return this.setValue(it, { kind: 'float', value: v, raw: it.val, ...base });
      }
      case 'bool': {
        const s = it.val.toLowerCase();
        const v = s === 'true' || s === 'yes' || s === 'on';
        if (!v && s !== 'false' && s !== 'no' && s !== 'off') this.fail(it, `expected boolean value, but got '${it.val}'`);
        return this.setValue(it, { kind: 'bool', value: v, raw: it.val, ...base });
      }
      case 'datetime':
        return this.setValue(it, { kind: 'datetime', value: this.datetime(it), raw: it.val, ...base });
      case 'variable':
        return this.setValue(it, this.variable(it, pos));
      case 'include':
        return this.include(it);
      case 'commentStart':
      case 'text':
        return;
    }
  }

  private popContext(): Context {
    const c = this.ctxs.pop();
    if (!c || this.ctxs.length === 0) throw new ConfigError([issue(this.at(0, 0), 'BUG in parser, context stack empty', 'syntax')]);
    return c;
  }

  /** Store a value in the current array, or under the last key of the current map. */
  private setValue(it: Item, node: ConfNode): void {
    const ctx = this.ctxs[this.ctxs.length - 1]!;
    if (Array.isArray(ctx)) {
      ctx.push(node);
      return;
    }
    const key = this.keys.pop();
    if (!key) this.fail(it, 'value without a key');
    node.pos = key.pos; // errors about a map entry point at its key (parse.go setValue, pedantic)
    ctx.set(key.name, node);
  }

  /** parse.go processItem itemInteger: digits, then an optional size suffix. */
  private integer(it: Item): number {
    let lastDigit = 0;
    for (const c of it.val) {
      if (!/\p{Nd}/u.test(c) && c !== '-') break;
      lastDigit += c.length;
    }
    const numStr = it.val.slice(0, lastDigit);
    let num: bigint;
    if (!/^-?[0-9]+$/.test(numStr)) this.fail(it, `expected integer, but got '${it.val}'`);
    num = BigInt(numStr);
    if (num > INT64_MAX || num < INT64_MIN) this.fail(it, `integer '${it.val}' is out of the range`);
    const suffix = it.val.slice(lastDigit).trim().toLowerCase();
    const mult = SUFFIXES[suffix];
    if (mult === undefined) this.fail(it, `expected integer, but got '${it.val}'`);
    num *= mult;
    // The reference silently wraps around on int64 overflow; we refuse.
    if (num > INT64_MAX || num < INT64_MIN) this.fail(it, `integer '${it.val}' is out of the range`);
    return Number(num);
  }

  private datetime(it: Item): Date {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(it.val);
    const d = new Date(it.val);
    const ok =
      m &&
      !Number.isNaN(d.getTime()) &&
      d.getUTCMonth() + 1 === Number(m[2]) &&
      d.getUTCDate() === Number(m[3]) &&
      d.getUTCHours() === Number(m[4]) &&
      d.getUTCMinutes() === Number(m[5]) &&
      d.getUTCSeconds() === Number(m[6]);
    if (!ok) this.fail(it, `expected Zulu formatted DateTime, but got '${it.val}'`);
    return d;
  }

  /** parse.go lookupVariable: bcrypt literal, then enclosing blocks innermost first, then the environment. */
  private variable(it: Item, pos: Pos): ConfNode {
    const name = it.val;
    if (name.startsWith(BCRYPT_PREFIX)) return { kind: 'string', value: '$' + name, pos, valuePos: pos, usedVariable: false };
    for (let i = this.ctxs.length - 1; i >= 0; i--) {
      const ctx = this.ctxs[i]!;
      if (Array.isArray(ctx)) continue;
      const found = ctx.get(name);
      if (found) {
        found.usedVariable = true;
        return { ...found, pos, valuePos: pos, usedVariable: false } as ConfNode;
      }
    }
    const envValue = this.env[name];
    if (envValue !== undefined) {
      let parsed: MapNode;
      try {
        parsed = new Parser(`${ENV_KEY}=${envValue}`, { env: this.env, readFile: this.opts.readFile }, this.including).parse();
      } catch (e) {
        const inner = e instanceof ConfigError ? e.issues[0]! : undefined;
        const why = inner ? `Parse error on line ${inner.line}: '${inner.message}'` : String(e);
        this.fail(it, `variable reference for '${name}' on line ${it.line} could not be parsed: ${why}`, 'invalid');
      }
      const v = parsed.value.get(ENV_KEY);
      if (v) return { ...v, pos, valuePos: pos, usedVariable: false } as ConfNode;
    }
    this.fail(it, `variable reference for '${name}' on line ${it.line} can not be found`, 'invalid');
  }

  /** `include path`: parse the file on its own and merge its keys here. */
  private include(it: Item): void {
    const path = join(this.file ? dirname(this.file) : '.', it.val);
    const abs = resolve(path);
    if (this.including.has(abs)) this.fail(it, `error parsing include file '${it.val}', include cycle through ${path}`, 'invalid');
    const read = this.opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      this.fail(it, `error parsing include file '${it.val}', open ${path}: ${osMessage(e)}`, 'invalid');
    }
    const sub = new Parser(text, { ...this.opts, file: path }, this.including).parse();
    const ctx = this.ctxs[this.ctxs.length - 1]!;
    for (const [k, v] of sub.value) {
      if (Array.isArray(ctx)) ctx.push(v);
      else ctx.set(k, v);
    }
  }
}

/** A plain JS view of a node (maps → objects), for tests and debugging. */
export function toPlain(node: ConfNode): unknown {
  switch (node.kind) {
    case 'map':
      return Object.fromEntries([...node.value].map(([k, v]) => [k, toPlain(v)]));
    case 'array':
      return node.value.map(toPlain);
    default:
      return node.value;
  }
}
