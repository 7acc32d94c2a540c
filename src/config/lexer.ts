// nats.conf lexer: text → items (keys, values, block delimiters), each with its position.
// A state machine that follows nats-server 2.9.10's conf/lex.go state by state, so that a file is
// accepted or rejected exactly as the reference does, quirks included (see the QUIRK notes):
//   - separators `:`, `=` or whitespace; values end at a newline, `,`, `;` (or `}` at top level);
//   - `{ }` maps, `[ ]` arrays (`,` or newline separated), `#` and `//` comments;
//   - "double" (with \t \n \r \" \\ \xHH escapes), 'single' and unquoted strings;
//   - `( … )` raw multi-line strings, closed by a `)` alone on its line;
//   - `include <path>` directives, `$NAME` variables, booleans, integers with size suffixes,
//     floats, IP addresses (as strings) and Zulu ISO-8601 datetimes.
// Positions: `line` is 1-based; `col` is the 1-based column of the item's first character.
// Error positions follow the reference (the column of the last character read).

export type ItemType =
  | 'error'
  | 'eof'
  | 'key'
  | 'text'
  | 'string'
  | 'bool'
  | 'integer'
  | 'float'
  | 'datetime'
  | 'arrayStart'
  | 'arrayEnd'
  | 'mapStart'
  | 'mapEnd'
  | 'commentStart'
  | 'variable'
  | 'include';

export interface Item {
  type: ItemType;
  /** The item text: unescaped string content, the number as written, the variable name without `$`… */
  val: string;
  line: number;
  col: number;
}

type StateFn = (lx: Lexer) => StateFn | null;

const EOF = -1;
const ch = (s: string): number => s.codePointAt(0)!;
const MAP_START = ch('{');
const MAP_END = ch('}');
const KEY_SEP_EQUAL = ch('=');
const KEY_SEP_COLON = ch(':');
const ARRAY_START = ch('[');
const ARRAY_END = ch(']');
const ARRAY_VAL_TERM = ch(',');
const MAP_VAL_TERM = ch(',');
const COMMENT_HASH = ch('#');
const COMMENT_SLASH = ch('/');
const DQ = ch('"');
const SQ = ch("'");
const OPT_VAL_TERM = ch(';');
const TOP_OPT_START = ch('{');
const TOP_OPT_VAL_TERM = ch(',');
const TOP_OPT_TERM = ch('}');
const BLOCK_START = ch('(');
const BLOCK_END = ch(')');
const NL = ch('\n');
const BACKSLASH = ch('\\');

/** Go's unicode.IsSpace. */
export function isSpace(r: number): boolean {
  if (r === EOF) return false;
  if (r >= 9 && r <= 13) return true;
  switch (r) {
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
  }
  return r >= 0x2000 && r <= 0x200a;
}
const DIGIT_RE = /^\p{Nd}$/u;
/** Go's unicode.IsDigit. */
function isDigit(r: number): boolean {
  if (r === EOF) return false;
  if (r >= 0x30 && r <= 0x39) return true;
  return r > 0x7f && DIGIT_RE.test(String.fromCodePoint(r));
}
/** Spaces and tabs only (lex.go isWhitespace). */
function isWhitespace(r: number): boolean {
  return r === 0x09 || r === 0x20;
}
function isNL(r: number): boolean {
  return r === 0x0a || r === 0x0d;
}
function isKeySeparator(r: number): boolean {
  return r === KEY_SEP_EQUAL || r === KEY_SEP_COLON;
}
/** Size suffixes that may follow digits: k, m, g, t, p, e (any case). */
function isNumberSuffix(r: number): boolean {
  return r !== EOF && 'kKmMgGtTpPeE'.includes(String.fromCodePoint(r));
}
/** What may follow a number for it to stay a number (otherwise it becomes an unquoted string). */
function endsNumber(r: number): boolean {
  // QUIRK (as 2.9.10): `]` is not in this list, so `[1, 2]` fails to parse while `[1k]` is the string "1k".
  return isNL(r) || r === EOF || r === MAP_END || r === OPT_VAL_TERM || r === MAP_VAL_TERM || isWhitespace(r) || isDigit(r);
}

/** A rune as the reference prints it inside error messages (lex.go escapeSpecial). */
function show(r: number): string {
  if (r === NL) return '\\n';
  if (r === EOF) return 'EOF';
  return String.fromCodePoint(r);
}
/** Go's %q of a one-character string. */
function quoted(r: number): string {
  return JSON.stringify(String.fromCodePoint(r));
}

export class Lexer {
  readonly input: string;
  private start = 0;
  private pos = 0;
  private width = 0;
  private line = 1;
  private state: StateFn | null = lexTop;
  private readonly items: Item[] = [];
  private readonly stack: StateFn[] = [];
  private stringParts: string[] = [];
  private stringStateFn: StateFn = lexString;
  /** Offset of the current item's first character (for positions; not moved by escape handling). */
  private itemStart = 0;
  private readonly lineStarts: number[] = [0];

  constructor(input: string) {
    this.input = input;
    for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === NL) this.lineStarts.push(i + 1);
  }

  /** The next item; after an 'error' or 'eof' item, keeps returning 'eof'. */
  nextItem(): Item {
    for (;;) {
      const it = this.items.shift();
      if (it) return it;
      if (!this.state) return { type: 'eof', val: '', line: this.line, col: 0 };
      this.state = this.state(this);
    }
  }

  /** Line and 1-based column of an offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo]! + 1 };
  }

  push(s: StateFn): void {
    this.stack.push(s);
  }
  pop(): StateFn | null {
    const s = this.stack.pop();
    if (!s) return this.errorf('BUG in lexer: no states to pop.');
    return s;
  }

  private emitValue(type: ItemType, val: string): void {
    const { line, col } = this.position(Math.min(this.itemStart, this.input.length));
    this.items.push({ type, val, line, col });
    this.start = this.pos;
    this.itemStart = this.pos;
  }
  /** Emit an empty item positioned `delta` characters from here (a bracket just read). */
  emitAt(type: ItemType, delta: number): void {
    this.itemStart = this.pos + delta;
    this.emit(type);
  }
  emit(type: ItemType): void {
    this.emitValue(type, this.stringParts.join('') + this.input.slice(this.start, this.pos));
    this.stringParts = [];
  }
  emitString(): void {
    this.emit('string');
  }
  addCurrentStringPart(offset: number): void {
    this.stringParts.push(this.input.slice(this.start, this.pos - offset));
    this.start = this.pos;
  }
  addStringPart(s: string): StateFn {
    this.stringParts.push(s);
    this.start = this.pos;
    return this.stringStateFn;
  }
  hasEscapedParts(): boolean {
    return this.stringParts.length > 0;
  }
  setStringState(s: StateFn): void {
    this.stringStateFn = s;
  }
  get stringState(): StateFn {
    return this.stringStateFn;
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    if (this.input.charCodeAt(this.pos) === NL) this.line++;
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }
  /** Step back one rune; only once per next(). */
  backup(): void {
    this.pos -= this.width;
    if (this.pos < this.input.length && this.input.charCodeAt(this.pos) === NL) this.line--;
  }
  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }
  ignore(): void {
    this.start = this.pos;
    this.itemStart = this.pos;
  }
  /** The text of the current item so far. */
  get current(): string {
    return this.input.slice(this.start, this.pos);
  }
  /** Drop the first character of the current text (the `$` of a variable). */
  skipFirst(): void {
    this.start += 1;
  }
  get startChar(): number {
    return this.start < this.input.length ? this.input.charCodeAt(this.start) : EOF;
  }
  get consumedSinceStart(): number {
    return this.pos - this.start;
  }
  textAt(from: number, to: number): string {
    return this.input.slice(from, to);
  }
  get offset(): number {
    return this.pos;
  }

  /** Stop lexing with an error item: the reference's line, the column of the last character read. */
  errorf(message: string): null {
    const lineStart = this.lineStarts[this.line - 1] ?? 0;
    this.items.push({ type: 'error', val: message, line: this.line, col: Math.max(1, this.pos - lineStart) });
    return null;
  }
}

/** lexSkip: drop what was read, go on with `next`. */
function skip(next: StateFn): StateFn {
  return (l) => {
    l.ignore();
    return next;
  };
}

function lexTop(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isSpace(r)) return skip(lexTop);
  switch (r) {
    case TOP_OPT_START:
      return skip(lexTop);
    case COMMENT_HASH:
      lx.push(lexTop);
      return lexCommentStart;
    case COMMENT_SLASH: {
      const rn = lx.next();
      if (rn === COMMENT_SLASH) {
        lx.push(lexTop);
        return lexCommentStart;
      }
      lx.backup();
      return topEOF(lx);
    }
    case EOF:
      return topEOF(lx);
  }
  // Only a key can start here.
  lx.backup();
  lx.push(lexTopValueEnd);
  return lexKeyStart;
}
function topEOF(lx: Lexer): StateFn | null {
  if (lx.consumedSinceStart > 0) return lx.errorf('Unexpected EOF.');
  lx.emit('eof');
  return null;
}

function lexTopValueEnd(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === COMMENT_HASH) {
    lx.push(lexTop);
    return lexCommentStart;
  }
  if (r === COMMENT_SLASH) {
    const rn = lx.next();
    if (rn === COMMENT_SLASH) {
      lx.push(lexTop);
      return lexCommentStart;
    }
    lx.backup();
    return lexTopValueEnd;
  }
  if (isWhitespace(r)) return lexTopValueEnd;
  if (isNL(r) || r === EOF || r === OPT_VAL_TERM || r === TOP_OPT_VAL_TERM || r === TOP_OPT_TERM) {
    lx.ignore();
    return lexTop;
  }
  return lx.errorf(`Expected a top-level value to end with a new line, comment or EOF, but got '${show(r)}' instead.`);
}

function lexKeyStart(lx: Lexer): StateFn | null {
  const r = lx.peek();
  if (isKeySeparator(r)) return lx.errorf(`Unexpected key separator '${show(r)}'`);
  if (isSpace(r)) {
    lx.next();
    return skip(lexKeyStart);
  }
  if (r === DQ) {
    lx.next();
    return skip(quotedKey(DQ, lexKeyEnd, true));
  }
  if (r === SQ) {
    lx.next();
    return skip(quotedKey(SQ, lexKeyEnd, true));
  }
  lx.ignore();
  lx.next();
  return lexKey;
}

/** A quoted key, up to its closing quote. `eofCheck`: the top-level variants stop at EOF. */
function quotedKey(quote: number, after: StateFn, eofCheck: boolean): StateFn {
  const self = (lx: Lexer): StateFn | null => {
    const r = lx.peek();
    if (r === quote) {
      lx.emit('key');
      lx.next();
      return skip(after);
    }
    if (r === EOF) {
      if (!eofCheck) return lx.errorf(`Unexpected EOF processing ${quote === DQ ? 'double quoted' : 'quoted'} map key.`);
      if (lx.consumedSinceStart > 0) return lx.errorf('Unexpected EOF.');
      lx.emit('eof');
      return null;
    }
    lx.next();
    return self;
  };
  return self;
}

/** After a key followed by whitespace: `include` is a directive, anything else a key. */
function keyCheckKeyword(lx: Lexer, fallThrough: StateFn, push: StateFn | null): StateFn {
  if (lx.current.toLowerCase() === 'include') {
    lx.ignore();
    if (push) lx.push(push);
    return lexIncludeStart;
  }
  lx.emit('key');
  return fallThrough;
}

function lexIncludeStart(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isWhitespace(r)) return skip(lexIncludeStart);
  lx.backup();
  return lexInclude;
}

function lexInclude(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === SQ || r === DQ) {
    lx.ignore();
    return includeQuoted(r);
  }
  if (r === ARRAY_START) return lx.errorf('Expected include value but found start of an array');
  if (r === MAP_START) return lx.errorf('Expected include value but found start of a map');
  if (r === BLOCK_START) return lx.errorf('Expected include value but found start of a block');
  if (isDigit(r) || r === ch('-')) return lx.errorf('Expected include value but found start of a number');
  if (r === BACKSLASH) return lx.errorf('Expected include value but found escape sequence');
  if (isNL(r)) return lx.errorf('Expected include value but found new line');
  lx.backup();
  return lexIncludeString;
}

function includeQuoted(quote: number): StateFn {
  const self = (lx: Lexer): StateFn | null => {
    const r = lx.next();
    if (r === quote) {
      lx.backup();
      lx.emit('include');
      lx.next();
      lx.ignore();
      return lx.pop();
    }
    if (r === EOF) return lx.errorf(`Unexpected EOF in ${quote === DQ ? 'double quoted' : 'quoted'} include`);
    return self;
  };
  return self;
}

function lexIncludeString(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isNL(r) || r === EOF || r === OPT_VAL_TERM || r === MAP_END || isWhitespace(r)) {
    lx.backup();
    lx.emit('include');
    return lx.pop();
  }
  if (r === SQ) {
    lx.backup();
    lx.emit('include');
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  return lexIncludeString;
}

function lexKey(lx: Lexer): StateFn | null {
  const r = lx.peek();
  if (isSpace(r)) return keyCheckKeyword(lx, lexKeyEnd, null);
  if (isKeySeparator(r) || r === EOF) {
    lx.emit('key');
    return lexKeyEnd;
  }
  lx.next();
  return lexKey;
}

function lexKeyEnd(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isSpace(r)) return skip(lexKeyEnd);
  if (isKeySeparator(r)) return skip(lexValue);
  if (r === EOF) {
    lx.emit('eof');
    return null;
  }
  lx.backup();
  return lexValue;
}

/** Any value; whitespace may precede it but not a newline. */
function lexValue(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isWhitespace(r)) return skip(lexValue);
  if (r === ARRAY_START) {
    lx.ignore();
    lx.emitAt('arrayStart', -1);
    return lexArrayValue;
  }
  if (r === MAP_START) {
    lx.ignore();
    lx.emitAt('mapStart', -1);
    return lexMapKeyStart;
  }
  if (r === SQ) {
    lx.ignore();
    return lexQuotedString;
  }
  if (r === DQ) {
    lx.ignore();
    lx.setStringState(lexDubQuotedString);
    return lexDubQuotedString;
  }
  if (r === ch('-')) return lexNegNumberStart;
  if (r === BLOCK_START) {
    lx.ignore();
    return lexBlock;
  }
  if (isDigit(r)) {
    lx.backup();
    return lexNumberOrDateOrIPStart;
  }
  if (r === ch('.')) return lx.errorf('Floats must start with a digit');
  if (isNL(r)) return lx.errorf('Expected value but found new line');
  lx.backup();
  lx.setStringState(lexString);
  return lexString;
}

function lexArrayValue(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isSpace(r)) return skip(lexArrayValue);
  if (r === COMMENT_HASH) {
    lx.push(lexArrayValue);
    return lexCommentStart;
  }
  if (r === COMMENT_SLASH) {
    const rn = lx.next();
    if (rn === COMMENT_SLASH) {
      lx.push(lexArrayValue);
      return lexCommentStart;
    }
    lx.backup();
    return lx.errorf(`Unexpected array value terminator '${show(ARRAY_VAL_TERM)}'.`);
  }
  if (r === ARRAY_VAL_TERM) return lx.errorf(`Unexpected array value terminator '${show(ARRAY_VAL_TERM)}'.`);
  if (r === ARRAY_END) return lexArrayEnd;
  lx.backup();
  lx.push(lexArrayValueEnd);
  return lexValue;
}

function lexArrayValueEnd(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isWhitespace(r)) return skip(lexArrayValueEnd);
  if (r === COMMENT_HASH) {
    lx.push(lexArrayValueEnd);
    return lexCommentStart;
  }
  if (r === COMMENT_SLASH) {
    const rn = lx.next();
    if (rn === COMMENT_SLASH) {
      lx.push(lexArrayValueEnd);
      return lexCommentStart;
    }
    lx.backup();
    return skip(lexArrayValue);
  }
  if (r === ARRAY_VAL_TERM || isNL(r)) return skip(lexArrayValue);
  if (r === ARRAY_END) return lexArrayEnd;
  return lx.errorf(
    `Expected an array value terminator ${quoted(ARRAY_VAL_TERM)} or an array terminator ${quoted(ARRAY_END)}, but got '${show(r)}' instead.`,
  );
}

function lexArrayEnd(lx: Lexer): StateFn | null {
  lx.ignore();
  lx.emit('arrayEnd');
  return lx.pop();
}

function lexMapKeyStart(lx: Lexer): StateFn | null {
  const r = lx.peek();
  if (isKeySeparator(r)) return lx.errorf(`Unexpected key separator '${show(r)}'.`);
  if (r === ARRAY_END) return lx.errorf(`Unexpected array end '${show(r)}' processing map.`);
  if (r === EOF) return lx.errorf('Unexpected EOF processing map.');
  if (isSpace(r)) {
    lx.next();
    return skip(lexMapKeyStart);
  }
  if (r === MAP_END) {
    lx.next();
    return skip(lexMapEnd);
  }
  if (r === COMMENT_HASH) {
    lx.next();
    lx.push(lexMapKeyStart);
    return lexCommentStart;
  }
  if (r === COMMENT_SLASH) {
    lx.next();
    const rn = lx.next();
    if (rn === COMMENT_SLASH) {
      lx.push(lexMapKeyStart);
      return lexCommentStart;
    }
    lx.backup();
  } else if (r === SQ) {
    lx.next();
    return skip(quotedKey(SQ, lexMapKeyEnd, false));
  } else if (r === DQ) {
    lx.next();
    return skip(quotedKey(DQ, lexMapKeyEnd, false));
  }
  lx.ignore();
  lx.next();
  return lexMapKey;
}

function lexMapKey(lx: Lexer): StateFn | null {
  const r = lx.peek();
  if (r === EOF) return lx.errorf('Unexpected EOF processing map key.');
  if (isSpace(r)) return keyCheckKeyword(lx, lexMapKeyEnd, lexMapValueEnd);
  if (isKeySeparator(r)) {
    lx.emit('key');
    return lexMapKeyEnd;
  }
  lx.next();
  return lexMapKey;
}

function lexMapKeyEnd(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isSpace(r)) return skip(lexMapKeyEnd);
  if (isKeySeparator(r)) return skip(lexMapValue);
  lx.backup();
  return lexMapValue;
}

/** A map value; whitespace and newlines before it are skipped. */
function lexMapValue(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isSpace(r)) return skip(lexMapValue);
  if (r === MAP_VAL_TERM) return lx.errorf(`Unexpected map value terminator ${quoted(MAP_VAL_TERM)}.`);
  if (r === MAP_END) return skip(lexMapEnd);
  lx.backup();
  lx.push(lexMapValueEnd);
  return lexValue;
}

function lexMapValueEnd(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isWhitespace(r)) return skip(lexMapValueEnd);
  if (r === COMMENT_HASH) {
    lx.push(lexMapValueEnd);
    return lexCommentStart;
  }
  if (r === COMMENT_SLASH) {
    const rn = lx.next();
    if (rn === COMMENT_SLASH) {
      lx.push(lexMapValueEnd);
      return lexCommentStart;
    }
    lx.backup();
    return skip(lexMapKeyStart);
  }
  if (r === OPT_VAL_TERM || r === MAP_VAL_TERM || isNL(r)) return skip(lexMapKeyStart);
  if (r === MAP_END) return skip(lexMapEnd);
  return lx.errorf(
    `Expected a map value terminator ${quoted(MAP_VAL_TERM)} or a map terminator ${quoted(MAP_END)}, but got '${show(r)}' instead.`,
  );
}

function lexMapEnd(lx: Lexer): StateFn | null {
  lx.ignore();
  lx.emit('mapEnd');
  return lx.pop();
}

const BOOLS = new Set(['true', 'false', 'on', 'off', 'yes', 'no']);

/** 'single quoted': no escapes. */
function lexQuotedString(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === SQ) {
    lx.backup();
    lx.emitString();
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  if (r === EOF) return quotedEOF(lx);
  return lexQuotedString;
}

/** "double quoted": escapes allowed. */
function lexDubQuotedString(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === BACKSLASH) {
    lx.addCurrentStringPart(1);
    return lexStringEscape;
  }
  if (r === DQ) {
    lx.backup();
    lx.emitString();
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  if (r === EOF) return quotedEOF(lx);
  return lexDubQuotedString;
}

/** End of input inside quotes: an error, unless nothing follows the opening quote (then just the end, as lex.go). */
function quotedEOF(lx: Lexer): null {
  if (lx.consumedSinceStart > 0) return lx.errorf('Unexpected EOF.');
  lx.emit('eof');
  return null;
}

/** Unquoted text: a string, a boolean or a `$variable`. */
function lexString(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === BACKSLASH) {
    lx.addCurrentStringPart(1);
    return lexStringEscape;
  }
  if (isNL(r) || r === EOF || r === OPT_VAL_TERM || r === ARRAY_VAL_TERM || r === ARRAY_END || r === MAP_END || isWhitespace(r)) {
    lx.backup();
    if (lx.hasEscapedParts()) lx.emitString();
    else if (BOOLS.has(lx.current.toLowerCase())) lx.emit('bool');
    else if (lx.startChar === ch('$')) {
      lx.skipFirst();
      lx.emit('variable');
    } else lx.emitString();
    return lx.pop();
  }
  if (r === SQ) {
    // QUIRK: a single quote ends an unquoted string and is dropped (`abc'` is "abc").
    lx.backup();
    lx.emitString();
    lx.next();
    lx.ignore();
    return lx.pop();
  }
  return lexString;
}

/** ( raw text ), ended by `)` alone on a line. */
function lexBlock(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === EOF) return lx.errorf('Unexpected EOF processing block.');
  if (r === BLOCK_END) {
    lx.backup();
    lx.backup();
    // Only a `)` right after a newline and followed by a newline (or EOF) closes the block.
    if (lx.next() !== NL) {
      lx.next();
      return lexBlock;
    }
    lx.next();
    const after = lx.next();
    if (after === NL || after === EOF) {
      lx.backup();
      lx.backup();
      lx.emit('string');
      lx.next();
      lx.ignore();
      return lx.pop();
    }
    lx.backup();
  }
  return lexBlock;
}

function lexStringEscape(lx: Lexer): StateFn | null {
  const r = lx.next();
  switch (r) {
    case ch('x'):
      return lexStringBinary;
    case ch('t'):
      return lx.addStringPart('\t');
    case ch('n'):
      return lx.addStringPart('\n');
    case ch('r'):
      return lx.addStringPart('\r');
    case DQ:
      return lx.addStringPart('"');
    case BACKSLASH:
      return lx.addStringPart('\\');
  }
  return lx.errorf(
    `Invalid escape character '${show(r)}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\", \\\\.`,
  );
}

function lexStringBinary(lx: Lexer): StateFn | null {
  let r = lx.next();
  if (isNL(r)) return lx.errorf("Expected two hexadecimal digits after '\\x', but hit end of line");
  r = lx.next();
  if (isNL(r)) return lx.errorf("Expected two hexadecimal digits after '\\x', but hit end of line");
  const hex = lx.textAt(lx.offset - 2, lx.offset);
  if (!/^[0-9a-fA-F]{2}$/.test(hex)) return lx.errorf(`Expected two hexadecimal digits after '\\x', but got '${hex}'`);
  lx.addStringPart(String.fromCharCode(parseInt(hex, 16)));
  return lx.stringState;
}

function lexNumberOrDateOrIPStart(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (!isDigit(r)) {
    if (r === ch('.')) return lx.errorf("Floats must start with a digit, not '.'.");
    return lx.errorf(`Expected a digit but got '${show(r)}'.`);
  }
  return lexNumberOrDateOrIP;
}

function lexNumberOrDateOrIP(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === ch('-')) {
    if (lx.consumedSinceStart !== 5) return lx.errorf('All ISO8601 dates must be in full Zulu form.');
    return lexDateAfterYear;
  }
  if (isDigit(r)) return lexNumberOrDateOrIP;
  if (r === ch('.')) return lexFloatStart; // a float, or an IP address
  if (isNumberSuffix(r)) return lexConvenientNumber;
  if (!endsNumber(r)) {
    // Not a number after all (`30s`, `1h30m`, `12abc`): an unquoted string. The rune stays consumed.
    lx.setStringState(lexString);
    return lexString;
  }
  lx.backup();
  lx.emit('integer');
  return lx.pop();
}

/** After a size suffix: `1k`, `1Mb`, `1GiB`. */
function lexConvenientNumber(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (r === ch('b') || r === ch('B') || r === ch('i') || r === ch('I')) return lexConvenientNumber;
  lx.backup();
  if (endsNumber(r)) {
    lx.emit('integer');
    return lx.pop();
  }
  lx.setStringState(lexString);
  return lexString;
}

function lexDateAfterYear(lx: Lexer): StateFn | null {
  // YYYY- already read; then MM-DDTHH:MM:SSZ ('0' stands for any digit).
  for (const f of '00-00T00:00:00Z') {
    const r = lx.next();
    if (f === '0') {
      if (!isDigit(r)) return lx.errorf(`Expected digit in ISO8601 datetime, but found '${show(r)}' instead.`);
    } else if (ch(f) !== r) {
      return lx.errorf(`Expected '${f}' in ISO8601 datetime, but found '${show(r)}' instead.`);
    }
  }
  lx.emit('datetime');
  return lx.pop();
}

function lexNegNumberStart(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (!isDigit(r)) {
    if (r === ch('.')) return lx.errorf("Floats must start with a digit, not '.'.");
    return lx.errorf(`Expected a digit but got '${show(r)}'.`);
  }
  return lexNegNumber;
}

function lexNegNumber(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isDigit(r)) return lexNegNumber;
  if (r === ch('.')) return lexFloatStart;
  if (isNumberSuffix(r)) return lexConvenientNumber;
  lx.backup();
  lx.emit('integer');
  return lx.pop();
}

function lexFloatStart(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (!isDigit(r)) return lx.errorf(`Floats must have a digit after the '.', but got '${show(r)}' instead.`);
  return lexFloat;
}

function lexFloat(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isDigit(r)) return lexFloat;
  if (r === ch('.')) return lexIPAddr; // 127.0.0.1…
  lx.backup();
  lx.emit('float');
  return lx.pop();
}

/** IP addresses (and host:port) are strings: 127.0.0.1:4222. */
function lexIPAddr(lx: Lexer): StateFn | null {
  const r = lx.next();
  if (isDigit(r) || r === ch('.') || r === ch(':') || r === ch('-')) return lexIPAddr;
  lx.backup();
  lx.emit('string');
  return lx.pop();
}

function lexCommentStart(lx: Lexer): StateFn | null {
  lx.ignore();
  lx.emit('commentStart');
  return lexComment;
}

function lexComment(lx: Lexer): StateFn | null {
  const r = lx.peek();
  if (isNL(r) || r === EOF) {
    lx.emit('text');
    return lx.pop();
  }
  lx.next();
  return lexComment;
}

/** Every item of `input` up to and including the first 'eof' or 'error' (for tests and tools). */
export function lexAll(input: string): Item[] {
  const lx = new Lexer(input);
  const out: Item[] = [];
  for (;;) {
    const it = lx.nextItem();
    out.push(it);
    if (it.type === 'eof' || it.type === 'error') return out;
  }
}
