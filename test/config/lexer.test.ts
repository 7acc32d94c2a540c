// The nats.conf lexer: item types, values and positions, including nats-server 2.9.10's quirks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexAll, type Item } from '../../src/config/lexer.js';

/** Items without comments and the final eof: [type, val]. */
function items(src: string): [string, string][] {
  return lexAll(src)
    .filter((i) => i.type !== 'commentStart' && i.type !== 'text' && i.type !== 'eof')
    .map((i) => [i.type, i.val]);
}
function valueOf(v: string): [string, string] {
  const it = items(`k: ${v}\n`);
  assert.equal(it[0]![0], 'key');
  return it[1]!;
}

test('key/value separators: colon, equals, whitespace; value terminators', () => {
  for (const src of ['port: 4222', 'port = 4222', 'port 4222', 'port:4222;', 'port=4222,', '{ port: 4222 }']) {
    assert.deepEqual(items(src), [['key', 'port'], ['integer', '4222']], src);
  }
  assert.deepEqual(items('a: 1; b: 2, c: 3\nd 4'), [
    ['key', 'a'], ['integer', '1'], ['key', 'b'], ['integer', '2'], ['key', 'c'], ['integer', '3'], ['key', 'd'], ['integer', '4'],
  ]);
});

test('comments: # and //, at the top, after values, in blocks and arrays', () => {
  const src = '# top\n// also\nport: 4222 # after\na { # in a block\n  b: 1 // after b\n}\nc: [ # in an array\n 1 // one\n 2 ]\n';
  assert.deepEqual(items(src), [
    ['key', 'port'], ['integer', '4222'],
    ['key', 'a'], ['mapStart', ''], ['key', 'b'], ['integer', '1'], ['mapEnd', ''],
    ['key', 'c'], ['arrayStart', ''], ['integer', '1'], ['integer', '2'], ['arrayEnd', ''],
  ]);
});

test('values: what each spelling becomes', () => {
  const table: [string, string, string][] = [
    ['4222', 'integer', '4222'],
    ['-5', 'integer', '-5'],
    ['10k', 'integer', '10k'],
    ['2MB', 'integer', '2MB'],
    ['3GiB', 'integer', '3GiB'],
    ['1.5', 'float', '1.5'],
    ['-0.25', 'float', '-0.25'],
    ['30s', 'string', '30s'], // a number followed by letters becomes an unquoted string
    ['1h30m', 'string', '1h30m'],
    ['12abc', 'string', '12abc'],
    ['127.0.0.1', 'string', '127.0.0.1'], // IP addresses
    ['127.0.0.1:4222', 'string', '127.0.0.1:4222'],
    ['2023-01-02T03:04:05Z', 'datetime', '2023-01-02T03:04:05Z'],
    ['true', 'bool', 'true'],
    ['Yes', 'bool', 'Yes'],
    ['OFF', 'bool', 'OFF'],
    ['abc', 'string', 'abc'],
    ['nats://a:4222', 'string', 'nats://a:4222'],
    ['$FOO', 'variable', 'FOO'],
    ['$2a$11$abc', 'variable', '2a$11$abc'], // the parser turns a bcrypt-looking variable back into a string
    ['"$FOO"', 'string', '$FOO'],
    ['"a\\tb\\n\\r\\"\\\\\\x41"', 'string', 'a\tb\n\r"\\A'],
    ["'a\\tb'", 'string', 'a\\tb'], // single quotes: no escapes
    ['a\\tb', 'string', 'a\tb'], // unquoted strings do process escapes
    ['"true"', 'string', 'true'],
    ['abc#def', 'string', 'abc#def'],
    ["abc'", 'string', 'abc'], // QUIRK: a stray single quote ends an unquoted string
  ];
  for (const [v, type, val] of table) assert.deepEqual(valueOf(v), [type, val], v);
});

test('raw ( … ) blocks end at a ) alone on its line', () => {
  assert.deepEqual(valueOf('(\nline one\n  (nested) )\n)'), ['string', '\nline one\n  (nested) )\n']);
  // At the very end of the input the closing `\n)` stays in the value (as the reference).
  assert.deepEqual(items('k: (\nabc\n)'), [['key', 'k'], ['string', '\nabc\n)']]);
});

test('arrays: comma or newline separated; QUIRK: an integer right before ] does not lex', () => {
  assert.deepEqual(items('a: [1, "x", y\n z]'), [['key', 'a'], ['arrayStart', ''], ['integer', '1'], ['string', 'x'], ['string', 'y'], ['string', 'z'], ['arrayEnd', '']]);
  assert.deepEqual(items('a: [1 ]'), [['key', 'a'], ['arrayStart', ''], ['integer', '1'], ['arrayEnd', '']]);
  // 2.9.10: `2]` turns into an unquoted string that swallows the `]`, so the array never ends.
  assert.equal(lexAll('a: [1, 2]\n').at(-1)!.type, 'error');
  // …while `1k]` backs up before the `]`: the string "1k".
  assert.deepEqual(items('a: [1k]'), [['key', 'a'], ['arrayStart', ''], ['string', '1k'], ['arrayEnd', '']]);
});

test('include directives', () => {
  assert.deepEqual(items('include ./a.conf\nport: 1'), [['include', './a.conf'], ['key', 'port'], ['integer', '1']]);
  assert.deepEqual(items('include "dir with space/a.conf"'), [['include', 'dir with space/a.conf']]);
  assert.deepEqual(items("a { include 'b.conf' }"), [['key', 'a'], ['mapStart', ''], ['include', 'b.conf'], ['mapEnd', '']]);
  // With a separator it is an ordinary key.
  assert.deepEqual(items('include: 5'), [['key', 'include'], ['integer', '5']]);
});

test('positions: 1-based line and column of each item', () => {
  const src = 'port: 4222\nauth {\n  user = "bob"\n  list: [ a,\n    b ]\n}\n';
  const got = lexAll(src)
    .filter((i) => !['eof', 'mapEnd', 'arrayEnd'].includes(i.type))
    .map((i: Item) => `${i.type}:${i.val}@${i.line}:${i.col}`);
  assert.deepEqual(got, [
    'key:port@1:1', 'integer:4222@1:7',
    'key:auth@2:1', 'mapStart:@2:6',
    'key:user@3:3', 'string:bob@3:11', // a quoted string starts after its quote
    'key:list@4:3', 'arrayStart:@4:9', 'string:a@4:11',
    'string:b@5:5',
  ]);
});

test('errors stop lexing, with the reference message and position', () => {
  const cases: [string, string, number, number][] = [
    ['port: 4222 x', "Expected a top-level value to end with a new line, comment or EOF, but got 'x' instead.", 1, 12],
    ['a {\n  b: 1 x }', `Expected a map value terminator "," or a map terminator "}", but got 'x' instead.`, 2, 8],
    ['a = .5', 'Floats must start with a digit', 1, 5],
    ['a: "x', 'Unexpected EOF.', 1, 5],
    ['a { b: 1\n', 'Unexpected EOF processing map.', 2, 1],
    ['a { b: 1', `Expected a map value terminator "," or a map terminator "}", but got 'EOF' instead.`, 1, 8],
    ['a { b', 'Unexpected EOF processing map key.', 1, 5],
    ['s: (abc', 'Unexpected EOF processing block.', 1, 7],
    ['s: "a\\qb"', "Invalid escape character 'q'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.", 1, 7],
    ['s: "\\x4g"', "Expected two hexadecimal digits after '\\x', but got '4g'", 1, 8],
    ['a: [1,,2]', "Unexpected array value terminator ','.", 1, 7],
    ['port: 2023-01-02', "Expected 'T' in ISO8601 datetime, but found 'EOF' instead.", 1, 16],
    ['include [a]', 'Expected include value but found start of an array', 1, 9],
    ['x:\n1', 'Expected value but found new line', 2, 1],
    [': 1', "Unexpected key separator ':'", 1, 1],
  ];
  for (const [src, message, line, col] of cases) {
    const last = lexAll(src).at(-1)!;
    assert.deepEqual([last.type, last.val, last.line, last.col], ['error', message, line, col], src);
  }
});
