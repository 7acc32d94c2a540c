// The fuzz harness itself: cases are reproducible from their seed, cuts land where they say, the shrinker
// finds a minimal failing case, and the comparison does see a difference when there is one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from './fuzz/gen.js';
import { chunks, streamCuts, streamBytes, caseOf, toTranscript, type Case } from './fuzz/case.js';
import { shrink } from './fuzz/shrink.js';
import { runCase } from './fuzz/exec.js';
import { goReadSplits, judge, type Pair } from './fuzz/pair.js';
import { hasNatsServer, startServer } from '../helpers/servers.js';
import { explain, cutAfterClientErr } from './fuzz/known.js';

describe('fuzz harness', () => {
  it('a seed always gives the same case; different seeds give different cases', () => {
    for (const seed of [1, 17, 12345]) assert.deepEqual(generate(seed), generate(seed));
    const distinct = new Set(Array.from({ length: 200 }, (_, i) => streamBytes(generate(i)).toString('latin1')));
    assert.ok(distinct.size > 190, `${distinct.size} distinct streams from 200 seeds`);
  });

  it('the cases cover the ops and the mutations they promise', () => {
    const all = Array.from({ length: 500 }, (_, i) => streamBytes(generate(i)).toString('latin1')).join('\n');
    for (const op of ['CONNECT ', 'PUB ', 'HPUB ', 'SUB ', 'UNSUB ', 'PING', 'PONG', '+OK', "-ERR 'x'", 'INFO ', '\t', 'ping', '2147483648', 'x'.repeat(4000)]) {
      assert.ok(all.includes(op), `no case contains ${JSON.stringify(op.slice(0, 20))}`);
    }
    assert.ok(/[\x80-\xff]/.test(all), 'binary garbage');
    const setups = new Set(Array.from({ length: 100 }, (_, i) => generate(i).setup));
    assert.deepEqual([...setups].sort(), ['auth', 'default', 'limits']);
  });

  it('chunks honour op boundaries and cuts; the stream is their concatenation', () => {
    const c: Case = { seed: 0, setup: 'default', ops: [
      { bytes: Buffer.from('PING\r\n'), cuts: [], split: false },
      { bytes: Buffer.from('SUB a 1\r\n'), cuts: [3, 3, 99], split: false },
      { bytes: Buffer.from('PONG\r\n'), cuts: [], split: true },
    ] };
    assert.deepEqual(chunks(c).map(String), ['PING\r\nSUB', ' a 1\r\n', 'PONG\r\n']);
    assert.deepEqual(streamCuts(c), [9, 15]);
    assert.equal(String(streamBytes(c)), 'PING\r\nSUB a 1\r\nPONG\r\n');
    assert.match(toTranscript(c, 'x'), /sendSplit\('PING\\r\\nSUB a 1\\r\\nPONG\\r\\n', \[9, 15\]\)/);
  });

  it('the reference\'s reads: 512 bytes first, doubling after each full read', () => {
    const c = caseOf('default', Buffer.alloc(3000, 0x61));
    assert.deepEqual(chunks(goReadSplits(c)).map((b) => b.length), [512, 1024, 1464]);
  });

  it('the shrinker reduces a failing case to what makes it fail', async () => {
    const c = caseOf('default', 'CONNECT {}\r\n', 'SUB a 1\r\n', 'PUB a 5\r\nhello\r\nBOOM\r\n', 'PING\r\n');
    c.ops[2]!.cuts = [4, 9];
    const fails = async (x: Case) => streamBytes(x).includes('BOOM');
    const r = await shrink(c, fails, 500);
    assert.equal(String(streamBytes(r.c)), 'BOOM');
    assert.equal(chunks(r.c).length, 1);
  });

  it('known differences explain their own effect and nothing else', () => {
    const ERR = "-ERR 'Invalid Publish Subject'\\r\\n";
    const c = caseOf('default', 'PUB * 1\r\n', 'x\r\nHPUB a 0 0\r\n\r\n');
    const cand = ['INFO', ERR, '-- open'];
    assert.equal(explain(c, ['INFO', ERR, ERR, '-- open'], cand)?.length, 1);
    assert.equal(explain(c, ['INFO', ERR, ERR, '+OK\\r\\n', '-- open'], cand), null);
    assert.equal(explain(c, ['INFO', '-- open'], cand), null);
    // a client HMSG: anything after it is the reference's quirk
    assert.equal(explain(caseOf('default', 'HMSG a 1\r\n'), ['INFO', '+OK\\r\\n', '-- open'], ['INFO', '-- closed by server'])?.length, 1);
  });

  it('a case is cut after its first -ERR line (to run the reference as tsnats stops)', () => {
    const c = caseOf('default', 'PUB a 1\r\nx\r\n-E', 'RR \r\nPUB o 1\r\ny\r\n');
    assert.deepEqual(chunks(cutAfterClientErr(c)!).map(String), ['PUB a 1\r\nx\r\n-E', 'RR \r\n']);
  });

  it('the comparison sees a difference (nats-server with two setups)', { skip: !hasNatsServer() && 'nats-server is not installed' }, async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'tsnats-fuzz-self-'));
    await writeFile(join(dir, 'small.conf'), 'max_subscriptions: 1\n'); // not visible in INFO
    const [ref, cand] = await Promise.all([startServer('nats-server'), startServer('nats-server', { config: join(dir, 'small.conf') })]);
    try {
      const pair: Pair = { setup: 'default', ref, cand };
      const same = await judge(pair, caseOf('default', 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPUB a 2\r\nhi\r\n'));
      assert.deepEqual(same, { ok: true });
      const v = await judge(pair, caseOf('default', 'CONNECT {"verbose":false}\r\nSUB a 1\r\nSUB b 2\r\n'));
      assert.equal(v.ok, false);
      if (!v.ok) assert.match(v.diff, /\+ -ERR 'maximum subscriptions exceeded'/);
      // the outcome of one run, for the record
      assert.deepEqual((await runCase(ref.port, caseOf('default', 'PUB a 50\r\nhel'))).slice(1), ['-- open, no answer to the sync PING']);
    } finally {
      await Promise.all([ref.stop(), cand.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
