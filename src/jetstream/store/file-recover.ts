// File store recovery (see the format and the procedure at the top of file.ts): read every delete
// log (bad entries skipped, a torn tail cut), then take each block's live slots from the index
// file when it describes the block as it is on disk (file-index.ts), or else scan the block record
// by record checking lengths and CRCs: a bad record followed by a valid one is skipped and reported
// lost, a bad tail is truncated. Then one pass over the live slots in sequence order rebuilds the
// subject state and links and the counters.
import { readdirSync, readFileSync, rmSync, statSync, truncateSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { SubjState } from './core.js';
import { crc32 } from './crc32.js';
import { Block, HDR, LIVE } from './file-block.js';
import { checkDlt, checkRecord, D_DEL, DLT_ENTRY, readU64, REC_HDR, REC_MIN, resync, T_MSG, T_SKIP } from './file-format.js';
import { blockUnchanged, type IndexEntry, type StoreIndex } from './file-index.js';

export interface RecoveryTarget {
  /** Filled with the subjects found (some may end with no messages: the caller drops those). */
  subjects: Map<string, SubjState>;
  newSubj(subject: string): SubjState;
  /** A subject with the id the index file gives it (called before any newSubj). */
  adoptSubj(subject: string, id: number): SubjState;
  warn(msg: string): void;
}

export interface Recovered {
  /** In order, with their live slots, linked by subject. */
  blocks: Block[];
  blkIdx: number[];
  dltIdx: number[];
  /** Delete logs without a block (to remove once their floor is written elsewhere). */
  orphans: string[];
  floor: number;
  floorTs: number;
  floorIdx: number;
  /** The highest sequence any record names, and its time. */
  maxSeq: number;
  maxSeqTs: number;
  msgs: number;
  bytes: number;
  firstSeq: number;
  firstTs: number;
  lostBytes: number;
  lostSeqs: number[];
  /** Blocks taken from the index file, and blocks scanned. */
  indexed: number;
  scanned: number;
}

export function recoverFiles(mdir: string, t: RecoveryTarget, ix: StoreIndex | null = null): Recovered {
  const blocks: Block[] = [];
  const out: Recovered = { blocks, blkIdx: [], dltIdx: [], orphans: [], floor: 0, floorTs: 0, floorIdx: -1, maxSeq: 0, maxSeqTs: 0, msgs: 0, bytes: 0, firstSeq: 0, firstTs: 0, lostBytes: 0, lostSeqs: [], indexed: 0, scanned: 0 };
  const blkIdx: number[] = [];
  const dltIdx: number[] = [];
  for (const name of readdirSync(mdir)) {
    const m = /^(\d+)\.(blk|dlt)$/.exec(name);
    if (m) (m[2] === 'blk' ? blkIdx : dltIdx).push(Number(m[1]));
    else if (name.endsWith('.tmp')) rmSync(join(mdir, name), { force: true });
  }
  blkIdx.sort((a, b) => a - b);
  const hasBlk = new Set(blkIdx);

  // The blocks the index describes exactly as they are (their delete logs are checked below).
  const fromIndex = new Map<number, IndexEntry>();
  if (ix) {
    for (const idx of blkIdx) {
      const e = ix.blocks.get(idx);
      if (e && blockUnchanged(e.blk, join(mdir, `${idx}.blk`), ix)) fromIndex.set(idx, e);
    }
  }

  // Delete logs first: the floor and the deleted sequences of each block.
  let floor = 0;
  let floorTs = 0;
  let floorIdx = -1;
  const dels = new Map<number, Set<number>>();
  const dltSizes = new Map<number, number>();
  const dltFloors = new Map<number, [number, number]>();
  const orphans: string[] = [];
  const raiseFloor = (seq: number, ts: number, idx: number) => {
    if (seq > floor) {
      floor = seq;
      floorTs = ts;
      floorIdx = idx;
    }
  };
  for (const idx of dltIdx) {
    const path = join(mdir, `${idx}.dlt`);
    const buf = readFileSync(path);
    const whole = buf.length - (buf.length % DLT_ENTRY);
    // An indexed block's log must still begin with what the index saw: then only later entries are
    // new (its slots already lack the earlier deletes). Otherwise the block is scanned.
    let from = 0;
    let bf = 0;
    let bfTs = 0;
    const e = fromIndex.get(idx);
    if (e) {
      const rec = e.dlt;
      if (rec && (rec.size > whole || rec.crc !== crc32(buf, 0, rec.size) || rec.ino !== String(stat(path)?.ino))) fromIndex.delete(idx);
      else {
        from = rec ? rec.size : 0;
        bf = e.dltFloor;
        bfTs = e.dltFloorTs;
      }
    }
    const set = new Set<number>();
    let bad = 0;
    for (let p = from; p < whole; p += DLT_ENTRY) {
      if (!checkDlt(buf, p)) {
        bad++;
        continue;
      }
      const seq = readU64(buf, p + 4);
      if (buf[p] === D_DEL) set.add(seq);
      else if (seq > bf) {
        bf = seq;
        bfTs = readU64(buf, p + 12);
      }
    }
    if (bf) raiseFloor(bf, bfTs, idx);
    dltFloors.set(idx, [bf, bfTs]);
    if (bad) t.warn(`malformed or corrupt delete entries in ${idx}.dlt: ${bad} skipped`);
    if (!hasBlk.has(idx)) {
      orphans.push(path); // removed after a FLOOR entry it may hold is written elsewhere
      continue;
    }
    if (whole !== buf.length) {
      t.warn(`torn entry in ${idx}.dlt: truncated ${buf.length - whole} bytes at offset ${whole}`);
      truncateSync(path, whole);
    }
    dels.set(idx, set);
    dltSizes.set(idx, whole);
  }
  // An indexed block whose delete log is gone is scanned (its slots lack the deletes it held).
  for (const [idx, e] of fromIndex) if (e.dlt && !dltSizes.has(idx)) fromIndex.delete(idx);
  // The index's subjects keep their ids (its slots name them); subjects found by scanning get new ones.
  if (ix && fromIndex.size > 0) {
    for (let id = 1; id < ix.subjects.length; id++) {
      const name = ix.subjects[id];
      if (name !== null) t.subjects.set(name, t.adoptSubj(name, id));
    }
  }
  // Nothing changed since the index was written: its subject links and state hold as they are.
  let same = ix !== null && fromIndex.size === ix.blocks.size && fromIndex.size === blkIdx.length;

  // Blocks, in order.
  const rc: Recovery = { byHash: new Map() };
  let maxSeq = 0;
  let maxSeqTs = 0;
  let lostBytes = 0;
  const lostSeqs: number[] = [];
  for (const idx of blkIdx) {
    const b = new Block(idx, mdir);
    b.dltSize = dltSizes.get(idx) ?? 0;
    b.hasFloor = idx === floorIdx;
    [b.dltFloor, b.dltFloorTs] = dltFloors.get(idx) ?? [0, 0];
    blocks.push(b);
    const delset = dels.get(idx);
    const e = fromIndex.get(idx);
    if (e) {
      // As the index recorded it: the live slots, then deletes and a floor written since.
      b.loadSlots(e);
      if (delset) {
        for (const seq of delset) {
          const i = b.slotOf(seq);
          if (i >= 0) {
            b.markDead(i);
            same = false;
          }
        }
      }
      for (let i = 0; i < b.n && b.seq[i] < floor; i++) {
        b.markDead(i);
        same = false;
      }
      b.size = e.blk.size;
      b.firstRec = e.firstRec;
      if (e.maxSeq > maxSeq) {
        maxSeq = e.maxSeq;
        maxSeqTs = e.maxSeqTs;
      }
      b.lostBytes = e.lostBytes;
      b.lostSeqs = e.lostSeqs.slice();
      out.indexed++;
    } else {
      const buf = readFileSync(b.blkPath);
      const end = buf.length;
      b.reserveSlots(countRecords(buf));
      let pos = 0;
      while (pos < end) {
        const len = checkRecord(buf, pos, end);
        if (len === 0) {
          const q = resync(buf, pos + 1, end);
          if (q < 0) {
            t.warn(`malformed or corrupt message in ${idx}.blk: ${end - pos < REC_MIN || pos + buf.readUInt32LE(pos) > end ? 'message overrun' : 'invalid checksum'}, truncated ${end - pos} bytes at offset ${pos}`);
            b.lostBytes += end - pos;
            break;
          }
          // A bad record with valid ones after it: skip it, report what it was.
          const seq = q - pos >= REC_MIN ? readU64(buf, pos + 8) : 0;
          const known = seq > maxSeq && seq < maxSeq + 1e9 && buf[pos + 4] === T_MSG;
          if (known && seq >= floor && !delset?.has(seq)) b.lostSeqs.push(seq);
          t.warn(`malformed or corrupt message in ${idx}.blk: invalid checksum, skipped ${q - pos} bytes at offset ${pos}${known ? ` (message ${seq})` : ''}`);
          b.lostBytes += q - pos;
          pos = q;
          continue;
        }
        const type = buf[pos + 4];
        const seq = readU64(buf, pos + 8);
        const ts = readU64(buf, pos + 16);
        if (type === T_SKIP) {
          const last = seq + buf.readUInt32LE(pos + 24) - 1;
          if (last > maxSeq) {
            maxSeq = last;
            maxSeqTs = ts;
          }
        } else if (seq <= maxSeq) {
          t.warn(`out of order message ${seq} in ${idx}.blk at offset ${pos}, ignored`);
        } else {
          maxSeq = seq;
          maxSeqTs = ts;
          if (!b.firstRec) b.firstRec = seq;
          if (type === T_MSG && seq >= floor && !delset?.has(seq)) recoverMsg(t, rc, b, buf, pos, len, seq, ts);
        }
        pos += len;
      }
      if (pos < end) truncateSync(b.blkPath, pos);
      b.size = pos;
      out.scanned++;
    }
    b.maxSeq = maxSeq;
    b.maxSeqTs = maxSeqTs;
    lostBytes += b.lostBytes;
    for (const q of b.lostSeqs) lostSeqs.push(q);
  }

  if (same) {
    // A clean restart: the index's subject state and links, the counters from its entries.
    for (let id = 1; id < ix!.subjects.length; id++) {
      if (ix!.subjects[id] === null) continue;
      const ss = t.subjects.get(ix!.subjects[id]!)!;
      ss.first = ix!.sFirst[id - 1];
      ss.last = ix!.sLast[id - 1];
      ss.msgs = ix!.sMsgs[id - 1];
    }
    let msgs = 0;
    let bytes = 0;
    for (const b of blocks) {
      const e = fromIndex.get(b.index)!;
      if (msgs === 0 && e.n > 0) {
        out.firstSeq = b.seq[0];
        out.firstTs = b.ts[0];
      }
      msgs += e.n;
      bytes += e.liveRaw - 2 * e.n + 4 * e.hdrs;
    }
    out.msgs = msgs;
    out.bytes = bytes;
  } else linkSubjects(t, out, blocks);
  out.blkIdx = blkIdx;
  out.dltIdx = dltIdx;
  out.orphans = orphans;
  out.floor = floor;
  out.floorTs = floorTs;
  out.floorIdx = floorIdx;
  out.maxSeq = maxSeq;
  out.maxSeqTs = maxSeqTs;
  out.lostBytes = lostBytes;
  out.lostSeqs = lostSeqs;
  return out;
}

function stat(path: string): BigIntStats | undefined {
  return statSync(path, { bigint: true, throwIfNoEntry: false });
}

/** One live message found by the scan: its slot, with its subject (linked later). */
function recoverMsg(t: RecoveryTarget, rc: Recovery, b: Block, buf: Buffer, pos: number, len: number, seq: number, ts: number): void {
  const sl = buf.readUInt16LE(pos + 6);
  const hl = buf.readUInt32LE(pos + 24);
  let ss: SubjState | null = null;
  if (sl) {
    // Find the subject by its bytes (no string decoded for a subject seen before).
    const s0 = pos + REC_HDR;
    let h = 0x811c9dc5;
    for (let k = s0; k < s0 + sl; k++) h = Math.imul(h ^ buf[k], 0x01000193);
    const c = rc.byHash.get(h);
    if (c && sameBytes(c.bytes!, buf, s0, sl)) ss = c;
    else {
      const subject = buf.toString('utf8', s0, s0 + sl);
      ss = t.subjects.get(subject) ?? null;
      if (!ss) {
        ss = t.newSubj(subject);
        t.subjects.set(subject, ss);
      }
      ss.bytes ??= Buffer.from(subject);
      rc.byHash.set(h, ss);
    }
  }
  b.addSlot(seq, pos, len, ss ? ss.id : 0, ts, 0, hl > 0);
}

/**
 * One pass over the live slots in sequence order: each subject's links, first/last and count, the
 * stream's counters.
 */
function linkSubjects(t: RecoveryTarget, out: Recovered, blocks: Block[]): void {
  // By subject id: the state, and where its last message so far sits (block, slot).
  const byId: (SubjState | undefined)[] = [];
  const lastBlk: (Block | undefined)[] = [];
  const lastSlot: number[] = [];
  for (const ss of t.subjects.values()) {
    byId[ss.id] = ss;
    ss.first = 0;
    ss.last = 0;
    ss.msgs = 0;
  }
  let msgs = 0;
  let bytes = 0;
  let hdrs = 0;
  for (const b of blocks) {
    const n = b.n;
    const fl = b.fl;
    const sid = b.sid;
    const seqs = b.seq;
    const lens = b.len;
    const prevs = b.prev;
    const nexts = b.next;
    for (let i = 0; i < n; i++) {
      const f = fl[i];
      if (!(f & LIVE)) continue;
      const seq = seqs[i];
      const id = sid[i];
      if (id !== 0) {
        const ss = byId[id]!;
        const prev = ss.last;
        prevs[i] = prev;
        nexts[i] = 0;
        if (prev) lastBlk[id]!.next[lastSlot[id]] = seq;
        else ss.first = seq;
        lastBlk[id] = b;
        lastSlot[id] = i;
        ss.last = seq;
        ss.msgs++;
      }
      if (msgs === 0) {
        out.firstSeq = seq;
        out.firstTs = b.ts[i];
      }
      msgs++;
      bytes += lens[i];
      if (f & HDR) hdrs++;
    }
  }
  out.msgs = msgs;
  // fileStoreMsgSize: our frame is 32 bytes, the reference's 30 (+4 with headers).
  out.bytes = bytes - 2 * msgs + 4 * hdrs;
}

/** How many records a block holds, by their length fields (an estimate if it is damaged). */
function countRecords(buf: Buffer): number {
  let n = 0;
  for (let p = 0; p + REC_MIN <= buf.length; n++) {
    const len = buf.readUInt32LE(p);
    if (len < REC_MIN) break;
    p += len;
  }
  return n;
}

function sameBytes(a: Buffer, b: Buffer, off: number, len: number): boolean {
  if (a.length !== len) return false;
  for (let k = 0; k < len; k++) if (a[k] !== b[off + k]) return false;
  return true;
}

/** Recovery bookkeeping: subjects by a hash of their bytes. */
interface Recovery {
  byHash: Map<number, SubjState>;
}
