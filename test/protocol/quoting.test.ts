// Go's %q and the JSON string scanner used on CONNECT bodies: the fast (slice- and indexOf-based)
// implementations against plain per-character oracles, on random inputs; and the decimal writer of
// frame sizes and ack replies against String().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteBytes } from '../../src/errors.js';
import { stringEnd } from '../../src/protocol/gojson.js';
import { decLen, writeDec, writeInt } from '../../src/protocol/args.js';

let seed = 1234;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

/** strconv.Quote for the characters goQuote escapes: ASCII controls, '"', '\\', DEL. */
function quoteOracle(s: string): string {
  const named: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v' };
  let out = '"';
  for (const ch of s.split('')) {
    const c = ch.charCodeAt(0);
    out += named[c] ?? (c < 0x20 || c === 0x7f ? '\\x' + c.toString(16).padStart(2, '0') : ch);
  }
  return out + '"';
}

test('goQuote escapes exactly what strconv.Quote escapes in ASCII, and keeps the rest', () => {
  assert.equal(goQuote('a"b\\c\n\x00\x7f\u00e9'), '"a\\"b\\\\c\\n\\x00\\x7f\u00e9"');
  for (let k = 0; k < 20_000; k++) {
    let s = '';
    for (let j = Math.floor(rnd() * 12); j > 0; j--) s += String.fromCharCode(rnd() < 0.5 ? Math.floor(rnd() * 0x80) : Math.floor(rnd() * 0x3000));
    assert.equal(goQuote(s), quoteOracle(s), JSON.stringify(s));
  }
});

test('goQuoteBytes: ASCII as goQuote, UTF-8 decoded, invalid bytes as \\xNN', () => {
  assert.equal(goQuoteBytes('a\n'), '"a\\n"');
  assert.equal(goQuoteBytes('\xc3\xa9x'), '"\u00e9x"'); // é as two bytes
  assert.equal(goQuoteBytes('\xff"'), '"\\xff\\""');
  assert.equal(goQuoteBytes('\xe2\x80\x8b'), '"\\u200b"'); // zero-width space: not printable in Go
  for (let k = 0; k < 20_000; k++) {
    let s = '';
    for (let j = Math.floor(rnd() * 12); j > 0; j--) s += String.fromCharCode(Math.floor(rnd() * 0x80));
    assert.equal(goQuoteBytes(s), quoteOracle(s), JSON.stringify(s));
  }
});

test('stringEnd finds the closing quote after any run of backslashes, or the end', () => {
  const oracle = (t: string, i: number) => {
    for (i++; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x22) return i + 1;
    }
    return t.length;
  };
  assert.equal(stringEnd('"ab\\"c"x', 0), 7);
  assert.equal(stringEnd('"ab\\\\"c"', 0), 6);
  assert.equal(stringEnd('"unterminated\\"', 0), 15);
  const al = ['"', '\\', 'a', '\\', 'b'];
  for (let k = 0; k < 50_000; k++) {
    let t = 'x"';
    for (let j = Math.floor(rnd() * 12); j > 0; j--) t += al[Math.floor(rnd() * al.length)];
    assert.equal(stringEnd(t, 1), oracle(t, 1), JSON.stringify(t));
  }
});

test('writeInt and writeDec: the decimal digits of every size a frame carries, and past 2^31 up to 2^53', () => {
  const out = Buffer.alloc(40);
  const vals = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 65535, 1048576, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 1e15, 2 ** 53 - 1];
  let seed = 5;
  for (let i = 0; i < 5000; i++) vals.push(Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) ** 3 * 2 ** 53));
  for (const v of vals) {
    out.fill(0x78);
    const end = writeInt(out, 2, v);
    assert.equal(out.toString('latin1', 2, end), String(v), String(v));
    assert.equal(out[end], 0x78);
    assert.equal(decLen(v), String(v).length);
  }
  out.fill(0x78);
  assert.equal(out.toString('latin1', 0, writeDec(out, 0, 42, 8)), '00000042', 'zero-padded');
});
