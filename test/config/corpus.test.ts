// Our loader against nats-server 2.9.10's recorded verdicts: the snippet corpus (cases.ts) and the
// nats.docs examples (docs-cases.ts). Same validity, same error line, same column where nats-server
// prints one (converted from its convention); deliberate differences are listed and checked too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { CASES, type RefVerdict } from './cases.js';
import { DOC_CASES } from './docs-cases.js';
import { FIXTURES, ourVerdict, refCol } from './reference.js';


function assertSameVerdict(ours: RefVerdict, ref: RefVerdict, what: string): void {
  assert.equal(ours.valid, ref.valid, `${what}: validity (ours: ${ours.message ?? 'valid'}; nats-server: ${ref.message ?? 'valid'})`);
  if (ref.valid || ref.line === undefined) return;
  assert.equal(ours.line, ref.line, `${what}: line (ours: ${ours.message}; nats-server: ${ref.message})`);
  if (ref.col !== undefined) assert.equal(refCol(ours.line!, ours.col!), ref.col, `${what}: column (ours: ${ours.message}; nats-server: ${ref.message})`);
}

test('snippet corpus: same verdict and position as nats-server 2.9.10', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-corpus-'));
  try {
    const file = join(dir, 'case.conf');
    let checked = 0;
    for (const c of CASES) {
      writeFileSync(file, c.text);
      const ours = ourVerdict(loadConfigFile(file, { env: {} }));
      const what = JSON.stringify(c.text);
      if (c.differs) {
        assert.equal(ours.valid, c.differs.tsnats === 'valid', `${what}: deliberate difference (${c.differs.why}); ours: ${ours.message ?? 'valid'}`);
        continue;
      }
      assertSameVerdict(ours, c.ref, what);
      checked++;
    }
    assert.ok(checked > 120, `checked ${checked} cases`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snippet corpus: where nats-server gives a message, ours is the same text', () => {
  // Messages we keep word for word (type errors and refusals are our own words, by design).
  const dir = mkdtempSync(join(tmpdir(), 'tsnats-corpus-'));
  try {
    const file = join(dir, 'case.conf');
    let same = 0;
    for (const c of CASES) {
      if (c.ref.valid || c.differs || !c.ref.message || c.ref.message.startsWith('interface conversion')) continue;
      if (c.ref.message.startsWith('missing ')) continue; // tls: refused before its fields are read
      writeFileSync(file, c.text);
      const ours = ourVerdict(loadConfigFile(file, { env: {} }));
      ours.message = ours.message?.replace(dir + '/', ''); // we name files as given; here, absolute
      // nats-server prints the end of input as a NUL character; we say EOF.
      assert.equal(ours.message, c.ref.message.replace(/\0/g, 'EOF').replace(/got ' ' instead/, (m) => (ours.message?.includes("'EOF'") ? "got 'EOF' instead" : m)), JSON.stringify(c.text));
      same++;
    }
    assert.ok(same > 60, `compared ${same} messages`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nats.docs configuration examples: same verdict as nats-server 2.9.10', () => {
  for (const d of DOC_CASES) {
    const r = loadConfigFile(join(FIXTURES, 'docs', d.file), { env: d.env ?? {} });
    const ours = ourVerdict(r);
    if (d.differs) assert.equal(ours.valid, d.differs.tsnats === 'valid', `${d.file}: ${d.differs.why}`);
    else assertSameVerdict(ours, d.ref, d.file);
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      d.warnings ?? [],
      `${d.file}: warnings ${r.warnings.map((w) => w.message).join('; ')}`,
    );
  }
});
