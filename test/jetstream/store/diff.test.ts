// Differential test of the stores against nats-server 2.9.10 (`nats-server -js`): the same
// messages, deletes, purges and limit changes go to a real stream (memory and file storage,
// through the JetStream API with the official client) and to our store, and the state STREAM.INFO
// reports (messages, bytes, first/last seq, num_deleted, num_subjects, deleted, subjects) must be
// the same after every step, as must publish errors, purge counts and delete answers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { startServer, hasNatsServer, type TestServer } from '../../helpers/servers.js';
import { MemStore } from '../../../src/jetstream/store/memory.js';
import { FileStore } from '../../../src/jetstream/store/file.js';
import { StoreError } from '../../../src/jetstream/store/errors.js';
import type { StreamStore } from '../../../src/jetstream/store/types.js';
import { storeLimits } from '../../../src/jetstream/store/limits.js';

type J = Record<string, any>;

type Op =
  | { pub: string; size?: number; hdrs?: Record<string, string> }
  | { del: number; erase?: boolean }
  | { purge: { filter?: string; seq?: number; keep?: number } }
  | { update: J }
  | { check: true; details?: boolean; subjects?: string }
  /** Wait until max_age emptied the stream (both sides). */
  | { expired: true };

interface Scenario {
  name: string;
  config: J;
  ops: Op[];
}

const pubs = (subjs: string[], n: number, size = 10, hdrs?: Record<string, string>): Op[] =>
  Array.from({ length: n }, (_, i) => ({ pub: subjs[i % subjs.length], size: size + (i % 7), hdrs: i % 3 === 0 ? hdrs : undefined }));

const SCENARIOS: Scenario[] = [
  {
    name: 'stores, deletes, purges',
    config: { subjects: ['foo.>', 'bar'] },
    ops: [
      { check: true },
      ...pubs(['foo.a', 'foo.b', 'bar', 'foo.c.d'], 20, 16, { 'X-Test': 'yes', A: '1' }),
      { check: true, details: true, subjects: '>' },
      { del: 1 },
      { del: 5 },
      { del: 6, erase: true },
      { del: 6 },
      { del: 99 },
      { check: true, details: true, subjects: 'foo.*' },
      { purge: { filter: 'foo.a', keep: 2 } },
      { check: true, details: true },
      { purge: { filter: 'foo.>', seq: 12 } },
      { check: true, details: true, subjects: '>' },
      { purge: { keep: 3 } },
      { check: true, details: true },
      { purge: { seq: 19 } },
      { check: true },
      ...pubs(['bar'], 3, 100),
      { purge: {} },
      { check: true },
      ...pubs(['foo.x'], 2, 0),
      { check: true, details: true },
      { purge: { seq: 40 } },
      { check: true },
      ...pubs(['foo.y'], 2, 5),
      { del: 40 },
      { del: 41 },
      { check: true, details: true },
    ],
  },
  {
    name: 'limits, discard old',
    config: { subjects: ['l.>'], max_msgs: 10 },
    ops: [
      ...pubs(['l.a', 'l.b', 'l.c'], 25, 20, { H: 'v' }),
      { check: true, details: true, subjects: '>' },
      { update: { max_msgs: -1, max_bytes: 600 } },
      { check: true },
      ...pubs(['l.a', 'l.d'], 12, 30),
      { check: true, details: true },
      // From unlimited to a per-subject limit: existing subjects are left as they are.
      { update: { max_bytes: -1, max_msgs_per_subject: 3 } },
      { check: true, details: true, subjects: '>' },
      { purge: {} },
      ...pubs(['l.a', 'l.b', 'l.b', 'l.e'], 17, 8, { K: 'x' }),
      { check: true, details: true, subjects: '>' },
      // Lowered from a positive limit: enforced at once.
      { update: { max_msgs_per_subject: 1 } },
      { check: true, details: true, subjects: '>' },
      ...pubs(['l.a', 'l.f'], 4, 8),
      { check: true, details: true, subjects: '>' },
    ],
  },
  {
    name: 'limits, discard new',
    config: { subjects: ['n.>'], max_msgs: 4, discard: 'new' },
    ops: [
      ...pubs(['n.a', 'n.b'], 6, 10),
      { check: true },
      { del: 2 },
      ...pubs(['n.c'], 2, 10),
      { check: true, details: true },
      { update: { max_msgs: -1, max_bytes: 300 } },
      ...pubs(['n.d'], 6, 40, { Q: 'r' }),
      { check: true, details: true },
      { purge: {} },
      { update: { max_bytes: -1, max_msgs_per_subject: 2 } },
      ...pubs(['n.a', 'n.a', 'n.b'], 9, 12),
      { check: true, details: true, subjects: '>' },
      { update: { max_msgs_per_subject: 2, discard_new_per_subject: true } },
      ...pubs(['n.a', 'n.z'], 6, 12),
      { check: true, details: true, subjects: '>' },
      { update: { max_msg_size: 25 } },
      ...pubs(['n.m'], 2, 30, { Big: 'header' }),
      ...pubs(['n.m'], 1, 5),
      { check: true },
    ],
  },
  {
    name: 'max_age',
    config: { subjects: ['x.*'], max_age: 250e6 },
    ops: [...pubs(['x.a', 'x.b'], 4, 10), { check: true }, { expired: true }, { check: true }, ...pubs(['x.a'], 1, 10), { check: true }],
  },
  {
    name: 'emptied by deletes',
    config: { subjects: ['e.*'] },
    ops: [...pubs(['e.a', 'e.b'], 3, 4), { del: 1 }, { del: 2 }, { del: 3 }, { check: true }, ...pubs(['e.a'], 1, 4), { check: true }],
  },
];

const skip = hasNatsServer() ? false : 'nats-server is not installed';

function hdrBytes(h: Record<string, string> | undefined) {
  if (!h) return { client: undefined, bytes: null as Buffer | null };
  const hh = headers();
  for (const [k, v] of Object.entries(h)) hh.set(k, v);
  return { client: hh, bytes: Buffer.from((hh as unknown as { encode(): Uint8Array }).encode()) };
}

function payload(size: number, i: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = 97 + ((k + i) % 26);
  return b;
}

const toLimits = (cfg: J) => storeLimits(cfg);

/** first_ts as a class: Go's zero time, the Unix epoch, or a real time. */
const tsClass = (s: string) => (s === '0001-01-01T00:00:00Z' ? 'zero' : s.startsWith('1970-01-01T00:00:00') ? 'epoch' : 'set');

function comparable(st: J): J {
  const out: J = {
    messages: st.messages,
    bytes: st.bytes,
    first_seq: st.first_seq,
    first_ts: tsClass(st.first_ts),
    last_seq: st.last_seq,
    last_ts: tsClass(st.last_ts),
    num_subjects: st.num_subjects ?? 0,
    num_deleted: st.num_deleted ?? 0,
  };
  if (st.deleted) out.deleted = st.deleted;
  if (st.subjects) out.subjects = st.subjects;
  return out;
}

describe('store vs nats-server STREAM.INFO', { skip }, () => {
  let server: TestServer;
  let nc: NatsConnection;
  let sd: string;
  const dirs: string[] = [];

  before(async () => {
    sd = mkdtempSync(join(tmpdir(), 'js-diff-ref-'));
    server = await startServer('nats-server', { args: ['-js', '-sd', sd] });
    nc = await connect({ servers: server.url });
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
    rmSync(sd, { recursive: true, force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const api = async (subj: string, body: J = {}): Promise<J> => {
    const r = await nc.request(`$JS.API.${subj}`, JSON.stringify(body), { timeout: 5000 });
    return JSON.parse(new TextDecoder().decode(r.data));
  };

  for (const storage of ['memory', 'file'] as const) {
    for (const sc of SCENARIOS) {
      test(`${storage}: ${sc.name}`, async () => {
        const name = `D_${storage}_${sc.name.replace(/\W+/g, '_')}`;
        const cfg: J = { name, storage, num_replicas: 1, ...sc.config };
        const created = await api(`STREAM.CREATE.${name}`, cfg);
        assert.equal(created.error, undefined, JSON.stringify(created.error));
        let ours: StreamStore;
        if (storage === 'memory') ours = new MemStore({ limits: toLimits(cfg) });
        else {
          const d = mkdtempSync(join(tmpdir(), 'js-diff-ours-'));
          dirs.push(d);
          ours = new FileStore({ dir: d, limits: toLimits(cfg), blockSize: 2048 });
        }
        let cur = { ...cfg };
        // memstore.go Compact does not update its per-subject state: after a compact the
        // reference's memory streams keep counting the removed messages' subjects (num_subjects,
        // subjects). Ours count what is stored; those two fields are not compared from then on.
        let refSubjectsStale = false;
        try {
          for (const [step, op] of sc.ops.entries()) {
            const where = `step ${step} ${JSON.stringify(op)}`;
            if ('pub' in op) {
              const h = hdrBytes(op.hdrs);
              const data = payload(op.size ?? 10, step);
              const r = await nc.request(op.pub, data, { timeout: 5000, headers: h.client });
              const ack = JSON.parse(new TextDecoder().decode(r.data));
              let mine: J;
              try {
                const { seq } = ours.storeMsg(op.pub, h.bytes, data, null);
                mine = { stream: name, seq };
              } catch (e) {
                assert.ok(e instanceof StoreError, String(e));
                mine = { error: e.apiError, stream: name };
              }
              if (ack.error) assert.deepEqual({ error: mine.error }, { error: ack.error }, where);
              else assert.deepEqual({ seq: mine.seq, error: mine.error }, { seq: ack.seq, error: undefined }, where);
            } else if ('del' in op) {
              const r = await api(`STREAM.MSG.DELETE.${name}`, op.erase ? { seq: op.del } : { seq: op.del, no_erase: true });
              const mine = op.erase ? ours.eraseMsg(op.del) : ours.removeMsg(op.del);
              assert.equal(mine, r.success === true, `${where}: ${JSON.stringify(r)}`);
            } else if ('purge' in op) {
              const r = await api(`STREAM.PURGE.${name}`, op.purge);
              const mine = ours.purgeEx(op.purge.filter ?? '', op.purge.seq ?? 0, op.purge.keep ?? 0);
              assert.equal(mine, r.purged, `${where}: ${JSON.stringify(r)}`);
              const compacts = !op.purge.filter && ((op.purge.seq ?? 0) > 1 || (op.purge.keep ?? 0) > 0);
              if (storage === 'memory') refSubjectsStale = compacts ? true : refSubjectsStale && !!(op.purge.filter || op.purge.seq || op.purge.keep);
            } else if ('expired' in op) {
              // Ours: the storage update that takes the last message. Theirs: STREAM.INFO until empty.
              await new Promise<void>((resolve) => {
                if (ours.state().messages === 0) return resolve();
                ours.registerStorageUpdates(() => {
                  if (ours.state().messages === 0) resolve();
                });
              });
              ours.registerStorageUpdates(null);
              for (let i = 0; i < 100 && (await api(`STREAM.INFO.${name}`)).state.messages > 0; i++) await new Promise((r) => setTimeout(r, 50));
            } else if ('update' in op) {
              cur = { ...cur, ...op.update };
              const r = await api(`STREAM.UPDATE.${name}`, cur);
              assert.equal(r.error, undefined, `${where}: ${JSON.stringify(r.error)}`);
              ours.updateConfig(toLimits(cur));
            } else {
              const req: J = {};
              if (op.details) req.deleted_details = true;
              if (op.subjects) req.subjects_filter = op.subjects;
              const r = await api(`STREAM.INFO.${name}`, req);
              const theirs = comparable(r.state);
              const mine = comparable(ours.state({ deletedDetails: op.details, subjectsFilter: op.subjects }));
              if (refSubjectsStale) {
                for (const k of ['num_subjects', 'subjects']) {
                  delete theirs[k];
                  delete mine[k];
                }
              }
              assert.deepEqual(mine, theirs, where);
            }
          }
        } finally {
          ours.stop();
          await api(`STREAM.DELETE.${name}`);
        }
      });
    }
  }
});
