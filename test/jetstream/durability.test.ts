// Nothing acknowledged is ever lost, through the network, the ack and a restart: a tsnats CLI server
// with a file stream is SIGKILLed at a random moment while a client publishes with replies, again
// and again; after each restart every acknowledged message must be there with its sequence and
// payload, and no sequence is handed out twice. A write error (the block file cannot grow: ulimit -f
// makes write(2) fail with EFBIG, as ENOSPC would) is answered with the reference's error ack, the
// server stays up, and what was acknowledged before it survives a restart.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startServer, TSNATS_CLI } from '../helpers/servers.js';
import { freePort } from '../../dev/ports.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function api(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, any>> {
  const m = await nc.request(`$JS.API.${subject}`, enc.encode(typeof body === 'string' ? body : JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(dec.decode(m.data)) as Record<string, any>;
}

/** Rounds of kill and restart (JS_CRASH_ROUNDS for a longer run). */
const ROUNDS = Number(process.env.JS_CRASH_ROUNDS ?? 6);

describe('JetStream durability through the server', () => {
  it(`SIGKILL under publish load, ${ROUNDS} times: every acknowledged message is there after the restart`, async (t) => {
    const dir = tempDir('js-kill-');
    const acked = new Map<number, string>();
    let lastRound = new Set<number>();
    let maxAcked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const srv = await startServer('tsnats', { args: ['-js', '-sd', dir] });
      try {
        const nc = await connect({ servers: srv.url, reconnect: false });
        if (round === 0) {
          const c = await api(nc, 'STREAM.CREATE.D', { name: 'D', subjects: ['d.>'] });
          assert.equal(c.error, undefined, JSON.stringify(c));
        } else {
          // What the last round acknowledged is there, with its sequence (and a sample of older
          // rounds'; the last restart checks everything).
          const info = await api(nc, 'STREAM.INFO.D');
          assert.ok(info.state.last_seq >= maxAcked, `round ${round}: last_seq ${info.state.last_seq} < acknowledged ${maxAcked}`);
          const older = [...acked.keys()].filter((q) => !lastRound.has(q));
          const sample = older.length <= 500 ? older : Array.from({ length: 500 }, () => older[Math.floor(Math.random() * older.length)]!);
          const seqs = [...lastRound, ...sample];
          for (let i = 0; i < seqs.length; i += 200) {
            await Promise.all(seqs.slice(i, i + 200).map(async (seq) => {
              const r = await api(nc, 'STREAM.MSG.GET.D', { seq });
              assert.equal(r.error, undefined, `round ${round}: acknowledged seq ${seq} is gone: ${JSON.stringify(r.error)}`);
              assert.equal(Buffer.from(r.message.data, 'base64').toString(), acked.get(seq), `seq ${seq}`);
            }));
          }
        }
        // Publish with replies, 64 in flight, and kill the server at a random moment.
        lastRound = new Set<number>();
        let stop = false;
        let n = 0;
        const publisher = async () => {
          while (!stop) {
            const body = `r${round}-${n++}`;
            try {
              const m = await nc.request(`d.${n % 7}`, enc.encode(body), { timeout: 2000 });
              const ack = JSON.parse(dec.decode(m.data)) as { seq?: number; error?: unknown };
              if (ack.seq !== undefined && ack.error === undefined) {
                assert.ok(!acked.has(ack.seq), `sequence ${ack.seq} acknowledged twice`);
                assert.ok(ack.seq > maxAcked || round === 0 || ack.seq > 0, 'monotonic');
                acked.set(ack.seq, body);
                lastRound.add(ack.seq);
                if (ack.seq > maxAcked) maxAcked = ack.seq;
              }
            } catch {
              return; // the server is gone
            }
          }
        };
        const pubs = Array.from({ length: 64 }, publisher);
        await new Promise((r) => setTimeout(r, 80 + Math.floor(Math.random() * 250)));
        srv.proc.kill('SIGKILL');
        stop = true;
        await Promise.all(pubs);
        await nc.close().catch(() => {});
      } finally {
        await srv.stop();
      }
    }
    assert.ok(acked.size > ROUNDS * 20, `acknowledged ${acked.size} messages in ${ROUNDS} rounds`);
    t.diagnostic(`${ROUNDS} kills, ${acked.size} acknowledged messages, all checked after the last restart`);
    // A last restart: the same check, and the stream goes on after the highest acknowledged sequence.
    const srv = await startServer('tsnats', { args: ['-js', '-sd', dir] });
    try {
      const nc = await connect({ servers: srv.url });
      const seqs = [...acked.keys()];
      for (let i = 0; i < seqs.length; i += 200) {
        await Promise.all(seqs.slice(i, i + 200).map(async (seq) => {
          const r = await api(nc, 'STREAM.MSG.GET.D', { seq });
          assert.equal(Buffer.from(r.message?.data ?? '', 'base64').toString(), acked.get(seq), `seq ${seq}`);
        }));
      }
      const m = await nc.request('d.x', enc.encode('after'), { timeout: 2000 });
      assert.ok((JSON.parse(dec.decode(m.data)) as { seq: number }).seq > maxAcked);
      await nc.close();
    } finally {
      await srv.stop();
    }
  });

  it('a write error (ulimit -f): the reference error ack, the server stays up, acknowledged messages survive', { skip: !existsSync('/bin/bash') && 'needs bash for ulimit -f' }, async () => {
    const dir = tempDir('js-werr-');
    const port = await freePort();
    const ok = new Map<number, string>();
    // 256 KiB per file: the first block cannot grow past it.
    const proc = spawn('/bin/bash', ['-c', `ulimit -f 256 && exec "${process.execPath}" "${TSNATS_CLI}" -a 127.0.0.1 -p ${port} -js -sd "${dir}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => proc.once('close', () => r()));
    try {
      for (let i = 0; i < 200 && !/Server is ready/.test(out); i++) await new Promise((r) => setTimeout(r, 25));
      assert.match(out, /Server is ready/);
      const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
      await api(nc, 'STREAM.CREATE.W', { name: 'W', subjects: ['w'] });
      let error: Record<string, any> | null = null;
      const payload = 'x'.repeat(1000);
      for (let i = 0; i < 1000 && error === null; i++) {
        const body = `${i}:${payload}`;
        const m = await nc.request('w', enc.encode(body), { timeout: 2000 });
        const ack = JSON.parse(dec.decode(m.data)) as Record<string, any>;
        if (ack.error) error = ack;
        else ok.set(ack.seq, body);
      }
      assert.ok(error !== null, 'a write failed');
      assert.equal(error.error.code, 503);
      assert.equal(error.error.err_code, 10077);
      assert.match(error.error.description, /^write \S+\/1\.blk: file too large$/);
      assert.deepEqual([error.stream, error.seq], ['W', 0]);
      // The server is still up and answers (the store refuses for its back-off, then tries again).
      const info = await api(nc, 'STREAM.INFO.W');
      assert.equal(info.state.messages, ok.size);
      assert.equal(info.state.last_seq, Math.max(...ok.keys()));
      const again = JSON.parse(dec.decode((await nc.request('w', enc.encode(payload), { timeout: 2000 })).data)) as Record<string, any>;
      assert.equal(again.error?.err_code, 10077, 'refused, not acknowledged');
      assert.match(out, /JetStream failed to store a msg on stream '\$G > W': write .*file too large/);
      await nc.close();
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
    // Without the limit: everything acknowledged is there.
    const srv = await startServer('tsnats', { args: ['-js', '-sd', dir] });
    try {
      const nc = await connect({ servers: srv.url });
      const info = await api(nc, 'STREAM.INFO.W');
      assert.deepEqual([info.state.messages, info.state.last_seq], [ok.size, Math.max(...ok.keys())]);
      for (const [seq, body] of ok) {
        const r = await api(nc, 'STREAM.MSG.GET.W', { seq });
        assert.equal(Buffer.from(r.message.data, 'base64').toString(), body, `seq ${seq}`);
      }
      await nc.close();
    } finally {
      await srv.stop();
    }
  });
});
