// The parser: sizes, value kinds, variables (block scope, environment, bcrypt), includes, positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfig, parseConfigFile, toPlain, type ConfNode, type MapNode } from '../../src/config/parse.js';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { FIXTURES } from './reference.js';

const plain = (src: string, env: Record<string, string> = {}) => toPlain(parseConfig(src, { file: 'a.conf', env }));
function parseError(src: string, env: Record<string, string> = {}): string {
  try {
    parseConfig(src, { file: 'a.conf', env });
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message;
  }
  assert.fail(`no error for ${JSON.stringify(src)}`);
}
const get = (m: MapNode, ...path: string[]): ConfNode => {
  let n: ConfNode = m;
  for (const k of path) n = (n as MapNode).value.get(k)!;
  return n;
};

test('sizes: k/m/g/t/p/e are powers of 1000, kb/ki/kib… powers of 1024, any case', () => {
  const table: [string, number][] = [
    ['1k', 1e3], ['1K', 1e3], ['1kb', 1024], ['1KB', 1024], ['1ki', 1024], ['1KiB', 1024],
    ['2m', 2e6], ['2mb', 2 * 2 ** 20], ['2Mi', 2 * 2 ** 20], ['2MiB', 2 * 2 ** 20],
    ['3g', 3e9], ['3gb', 3 * 2 ** 30], ['3GI', 3 * 2 ** 30], ['3gib', 3 * 2 ** 30],
    ['1t', 1e12], ['1tb', 2 ** 40], ['1p', 1e15], ['1pb', 2 ** 50], ['1e', 1e18], ['1eb', 2 ** 60],
    ['-5k', -5000], ['0', 0], ['00012', 12], ['10485760', 10485760],
  ];
  for (const [v, n] of table) assert.deepEqual(plain(`x: ${v}`), { x: n }, v);
  assert.match(parseError('x: 9223372036854775808'), /^a\.conf:1:4: integer '9223372036854775808' is out of the range$/);
  assert.match(parseError('x: 10e'), /out of the range/); // 10·10^18 overflows int64 (the reference wraps around)
  assert.match(parseError('x: 1kbb'), /^a\.conf:1:4: expected integer, but got '1kbb'$/);
});

test('a value written as a string stays a string; numbers are numbers', () => {
  const root = parseConfig('a: "30s"\nb: 120\nc: 30s\nd: 1.5\ne: "120"\nf: true\ng: 2023-01-02T03:04:05Z', { env: {} });
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => get(root, k).kind),
    ['string', 'integer', 'string', 'float', 'string', 'bool', 'datetime'],
  );
  assert.deepEqual(get(root, 'g').kind === 'datetime' && get(root, 'g').value, new Date('2023-01-02T03:04:05Z'));
  assert.match(parseError('t: 2023-13-02T03:04:05Z'), /expected Zulu formatted DateTime, but got '2023-13-02T03:04:05Z'/);
});

test('booleans: true/yes/on and false/no/off, any case', () => {
  assert.deepEqual(plain('a: true, b: YES, c: On, d: false, e: no, f: OFF'), { a: true, b: true, c: true, d: false, e: false, f: false });
});

test('blocks and arrays; a repeated key keeps the last value', () => {
  assert.deepEqual(plain('a { b: 1, c: [x, {d: 2}] }\ne = { f: "g" }\nh: { }\nport: 1\nport: 2'), {
    a: { b: 1, c: ['x', { d: 2 }] },
    e: { f: 'g' },
    h: {},
    port: 2,
  });
});

test('variables: innermost block first, then outer blocks, then the environment', () => {
  assert.deepEqual(plain('X: 1\na { X: 2, b: $X }\nc { d: $X }'), { X: 1, a: { X: 2, b: 2 }, c: { d: 1 } });
  // Arrays are skipped when looking up: the enclosing block's variable is used.
  assert.deepEqual(plain('S: "a.>"\nperms { publish: [$S, "b"] }'), { S: 'a.>', perms: { publish: ['a.>', 'b'] } });
  // A block can be a variable's value.
  assert.deepEqual(plain('P = { publish: "x" }\nu { permissions: $P }'), { P: { publish: 'x' }, u: { permissions: { publish: 'x' } } });
  // Environment values are parsed as config values: a number is a number.
  assert.deepEqual(plain('port: $P\nname: $N\nflag: $B', { P: '4333', N: 'hello', B: 'true' }), { port: 4333, name: 'hello', flag: true });
  // The file wins over the environment.
  assert.deepEqual(plain('P: 1\nport: $P', { P: '2' }), { P: 1, port: 1 });
});

test('variables: a referenced entry is marked as used (so it is not an unknown option)', () => {
  const root = parseConfig('X: 5\nY: 6\nport: $X', { env: {} });
  assert.equal(get(root, 'X').usedVariable, true);
  assert.equal(get(root, 'Y').usedVariable, false);
  assert.equal(get(root, 'port').usedVariable, false);
});

test('variables: errors', () => {
  assert.equal(parseError('port: $NOPE'), "a.conf:1:7: variable reference for 'NOPE' on line 1 can not be found");
  // Defined after the reference: not found (lookup happens as the file is read).
  assert.match(parseError('port: $X\nX: 1'), /variable reference for 'X' on line 1 can not be found/);
  // A sibling block's variable is not in scope.
  assert.match(parseError('a { X: 1 }\nb { y: $X }'), /variable reference for 'X' on line 2 can not be found/);
  assert.equal(
    parseError('port: $BAD', { BAD: 'a b' }),
    "a.conf:1:7: variable reference for 'BAD' on line 1 could not be parsed: Parse error on line 1: 'Expected a top-level value to end with a new line, comment or EOF, but got 'b' instead.'",
  );
});

test('variables: quoted "$X" is a literal; unquoted $2a$… is a bcrypt hash', () => {
  assert.deepEqual(plain('a: "$X"\nb: $2a$11$V1qrpBt8/SLfEBr4NJq4T.2mg8chx8.MTblUiTBOLV3MKDeAy.f7u'), {
    a: '$X',
    b: '$2a$11$V1qrpBt8/SLfEBr4NJq4T.2mg8chx8.MTblUiTBOLV3MKDeAy.f7u',
  });
  // Only $2a$ (parse.go bcryptPrefix): $2b$ is looked up as a variable.
  assert.match(parseError('b: $2b$11$x'), /variable reference for '2b\$11\$x'/);
});

test('positions: a map entry points at its key, an array element at itself', () => {
  const root = parseConfig('port: 4222\nauth {\n  user: "bob"\n  list: [ a,\n    b ]\n}\n', { file: 'x.conf', env: {} });
  const at = (n: ConfNode) => `${n.pos.file}:${n.pos.line}:${n.pos.col}`;
  assert.equal(at(get(root, 'port')), 'x.conf:1:1');
  assert.equal(at(get(root, 'auth')), 'x.conf:2:1');
  assert.equal(at(get(root, 'auth', 'user')), 'x.conf:3:3');
  const user = get(root, 'auth', 'user');
  assert.equal(`${user.valuePos.line}:${user.valuePos.col}`, '3:10');
  const list = get(root, 'auth', 'list');
  assert.equal(list.kind, 'array');
  if (list.kind === 'array') assert.deepEqual(list.value.map(at), ['x.conf:4:11', 'x.conf:5:5']);
});

test('includes: relative to the including file, merged where they appear, positions in the included file', () => {
  const root = parseConfigFile(join(FIXTURES, 'include', 'main.conf'), { env: { AUTH_TOKEN: 't0k' } });
  assert.deepEqual(toPlain(root), { port: 4222, PING_MAX: 5, max_payload: 2 * 2 ** 20, authorization: { token: 't0k' }, ping_max: 5 });
  const mp = get(root, 'max_payload');
  assert.equal(`${mp.pos.file}:${mp.pos.line}:${mp.pos.col}`, join(FIXTURES, 'include', 'sub', 'limits.conf') + ':2:1');
  const tok = get(root, 'authorization', 'token');
  assert.equal(`${tok.pos.file}:${tok.pos.line}`, join(FIXTURES, 'include', 'sub', '..', 'auth.conf').replace('/sub/..', '') + ':2');
  // A variable defined in an included file is visible after the include, and counts as used.
  assert.equal(get(root, 'PING_MAX').usedVariable, true);
});

test('includes: an included file sees the environment but not the includer\'s variables', () => {
  assert.throws(
    () => parseConfigFile(join(FIXTURES, 'include', 'sees-parent.conf'), { env: {} }),
    (e: ConfigError) => e.message === `${join(FIXTURES, 'include', 'uses-secret.conf')}:1:24: variable reference for 'SECRET' on line 1 can not be found`,
  );
  const r = parseConfigFile(join(FIXTURES, 'include', 'sees-parent.conf'), { env: { SECRET: 'env' } });
  assert.deepEqual(toPlain(r), { SECRET: 'x', authorization: { token: 'env' } });
});

test('includes: errors point at the include directive', () => {
  assert.equal(
    parseError('port: 1\ninclude ./nope.conf'),
    "a.conf:2:9: error parsing include file './nope.conf', open nope.conf: no such file or directory",
  );
  assert.throws(() => parseConfigFile(join(FIXTURES, 'include', 'cycle-a.conf'), { env: {} }), /include cycle/);
  // Includes can be read through a custom reader (embedding, tests).
  const files: Record<string, string> = { 'dir/a.conf': 'include ./b.conf\n', 'dir/b.conf': 'port: 7\n' };
  const root = parseConfig(files['dir/a.conf']!, { file: 'dir/a.conf', env: {}, readFile: (p) => files[p] ?? assert.fail(p) });
  assert.deepEqual(toPlain(root), { port: 7 });
});

test('errors render as file:line:col: message', () => {
  try {
    parseConfigFile(join(FIXTURES, 'does-not-exist.conf'));
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.issues.length, 1);
    assert.equal(formatIssue(e.issues[0]!), `open ${join(FIXTURES, 'does-not-exist.conf')}: no such file or directory`);
  }
  assert.equal(parseError('a {\n  b: 1 x }'), `a.conf:2:8: Expected a map value terminator "," or a map terminator "}", but got 'x' instead.`);
});

test('robustness: mangled input either parses or throws a ConfigError, and always ends', () => {
  let s = 12345;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % n);
  const pieces = ['{', '}', '[', ']', ',', ';', ':', '=', ' ', '\n', '"', "'", '#', '/', '$', 'a', '1', '.', '-', '(', ')', '\\', 'k', 'T', 'Z', 'include ', '\t', 'é'];
  for (let i = 0; i < 3000; i++) {
    let t = '';
    for (let n = rnd(40); n > 0; n--) t += pieces[rnd(pieces.length)];
    try {
      parseConfig(t, { env: { a: '1' }, readFile: () => 'x: 1' });
    } catch (e) {
      assert.ok(e instanceof ConfigError, `${JSON.stringify(t)}: ${e}`);
    }
  }
});
