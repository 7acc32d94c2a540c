// Go's encoding/json syntax errors (scanner.go checkValid), for the answers that quote them: a pull
// request with a malformed body gets `400 Bad Request - invalid character 'b' looking for beginning
// of object key string`. Iterative (an explicit stack), so any nesting depth is safe; Go's own limit
// of 10000 levels is reproduced.

const MAX_DEPTH = 10000;

/** Go's quoteChar: 'x', '\'' and '"' as is, others as strconv.Quote writes them. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) {
    const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
    return `'${named[code] ?? `\\x${code.toString(16).padStart(2, '0')}`}'`;
  }
  if (c === '\\') return `'\\\\'`;
  return `'${c}'`;
}

const isWs = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isHex = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

/** The error json.Unmarshal reports for the syntax of `t`, or null when it is valid JSON. */
export function goJsonSyntaxError(t: string): string | null {
  const n = t.length;
  let i = 0;
  const stack: number[] = []; // 0: object, 1: array
  const EOF = 'unexpected end of JSON input';
  const bad = (ctx: string): string => `invalid character ${quoteChar(t.charAt(i))} ${ctx}`;
  const ws = (): void => {
    while (i < n && isWs(t.charAt(i))) i++;
  };
  /** At '"': past the closing quote, or an error. */
  const str = (): string | null => {
    i++;
    for (;;) {
      if (i >= n) return EOF;
      const c = t.charAt(i);
      if (c === '"') {
        i++;
        return null;
      }
      if (c === '\\') {
        i++;
        if (i >= n) return EOF;
        const e = t.charAt(i);
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) return EOF;
            if (!isHex(t.charAt(i))) return bad('in \\u hexadecimal character escape');
          }
          i++;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return bad('in string escape code');
        i++;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) return bad('in string literal');
      i++;
    }
  };
  const num = (): string | null => {
    if (t.charAt(i) === '-') {
      i++;
      if (i >= n) return EOF;
      if (!isDigit(t.charAt(i))) return bad('in numeric literal');
    }
    if (t.charAt(i) === '0') i++;
    else while (i < n && isDigit(t.charAt(i))) i++;
    if (i < n && t.charAt(i) === '.') {
      i++;
      if (i >= n) return EOF;
      if (!isDigit(t.charAt(i))) return bad('after decimal point in numeric literal');
      while (i < n && isDigit(t.charAt(i))) i++;
    }
    if (i < n && (t.charAt(i) === 'e' || t.charAt(i) === 'E')) {
      i++;
      if (i < n && (t.charAt(i) === '+' || t.charAt(i) === '-')) i++;
      if (i >= n) return EOF;
      if (!isDigit(t.charAt(i))) return bad('in exponent of numeric literal');
      while (i < n && isDigit(t.charAt(i))) i++;
    }
    return null;
  };
  const lit = (word: string): string | null => {
    i++;
    for (let k = 1; k < word.length; k++, i++) {
      if (i >= n) return EOF;
      if (t.charAt(i) !== word[k]) return bad(`in literal ${word} (expecting '${word[k]}')`);
    }
    return null;
  };
  /** Reads an object key and its colon. */
  const key = (): string | null => {
    if (i >= n) return EOF;
    if (t.charAt(i) !== '"') return bad('looking for beginning of object key string');
    const e = str();
    if (e !== null) return e;
    ws();
    if (i >= n) return EOF;
    if (t.charAt(i) !== ':') return bad('after object key');
    i++;
    return null;
  };
  let wantValue = true;
  for (;;) {
    if (wantValue) {
      ws();
      if (i >= n) return EOF;
      const c = t.charAt(i);
      let e: string | null = null;
      if (c === '{' || c === '[') {
        if (stack.length >= MAX_DEPTH) return 'exceeded max depth';
        stack.push(c === '{' ? 0 : 1);
        i++;
        ws();
        if (i >= n) return EOF;
        if (t.charAt(i) === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          wantValue = false;
          continue;
        }
        if (c === '{') {
          e = key();
          if (e !== null) return e;
        }
        continue;
      }
      if (c === '"') e = str();
      else if (c === '-' || isDigit(c)) e = num();
      else if (c === 't') e = lit('true');
      else if (c === 'f') e = lit('false');
      else if (c === 'n') e = lit('null');
      else return bad('looking for beginning of value');
      if (e !== null) return e;
      wantValue = false;
      continue;
    }
    ws();
    if (stack.length === 0) return i < n ? bad('after top-level value') : null;
    if (i >= n) return EOF;
    const c = t.charAt(i);
    const top = stack[stack.length - 1];
    if (top === 0) {
      if (c === ',') {
        i++;
        ws();
        const e = key();
        if (e !== null) return e;
        wantValue = true;
      } else if (c === '}') {
        stack.pop();
        i++;
      } else return bad('after object key:value pair');
    } else if (c === ',') {
      i++;
      wantValue = true;
    } else if (c === ']') {
      stack.pop();
      i++;
    } else return bad('after array element');
  }
}
