// File store recovery (see the format and the procedure at the top of file.ts): read every delete
// log (bad entries skipped, a torn tail cut), then scan every block record by record checking
// lengths and CRCs: a bad record followed by a valid one is skipped and reported lost, a bad tail
// is truncated. Live messages rebuild the slot index, the subject state and links, the counters.
import { readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { SubjState } from './core.js';
import { Block } from './file-block.js';
import { checkDlt, checkRecord, D_DEL, DLT_ENTRY, readU64, REC_HDR, REC_MIN, resync, T_MSG, T_SKIP } from './file-format.js';

export interface RecoveryTarget {
  /** Filled with the subjects found. */
  subjects: Map<string, SubjState>;
  newSubj(subject: string): SubjState;
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
}

export function recoverFiles(mdir: string, t: RecoveryTarget): Recovered {
  const blocks: Block[] = [];
  const out: Recovered = { blocks, blkIdx: [], dltIdx: [], orphans: [], floor: 0, floorTs: 0, floorIdx: -1, maxSeq: 0, maxSeqTs: 0, msgs: 0, bytes: 0, firstSeq: 0, firstTs: 0, lostBytes: 0, lostSeqs: [] };
  const blkIdx: number[] = [];
  const dltIdx: number[] = [];
  for (const name of readdirSync(mdir)) {
    const m = /^(\d+)\.(blk|dlt)$/.exec(name);
    if (m) (m[2] === 'blk' ? blkIdx : dltIdx).push(Number(m[1]));
    else if (name.endsWith('.tmp')) rmSync(join(mdir, name), { force: true });
  }
  blkIdx.sort((a, b) => a - b);
  const hasBlk = new Set(blkIdx);

  // Delete logs first: the floor and the deleted sequences of each block.
  let floor = 0;
  let floorTs = 0;
  let floorIdx = -1;
  const dels = new Map<number, Set<number>>();
  const dltSizes = new Map<number, number>();
  const orphans: string[] = [];
  for (const idx of dltIdx) {
    const path = join(mdir, `${idx}.dlt`);
    const buf = readFileSync(path);
    const set = new Set<number>();
    let bad = 0;
    const whole = buf.length - (buf.length % DLT_ENTRY);
    for (let p = 0; p < whole; p += DLT_ENTRY) {
      if (!checkDlt(buf, p)) {
        bad++;
        continue;
      }
      const seq = readU64(buf, p + 4);
      if (buf[p] === D_DEL) set.add(seq);
      else if (seq > floor) {
        floor = seq;
        floorTs = readU64(buf, p + 12);
        floorIdx = idx;
      }
    }
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

  // Blocks, in order.
  const rc: Recovery = { byHash: new Map(), lastBlk: [], lastSlot: [] };
  let maxSeq = 0;
  let maxSeqTs = 0;
  let lostBytes = 0;
  const lostSeqs: number[] = [];
  for (const idx of blkIdx) {
    const b = new Block(idx, mdir);
    b.dltSize = dltSizes.get(idx) ?? 0;
    b.hasFloor = idx === floorIdx;
    blocks.push(b);
    const buf = readFileSync(b.blkPath);
    const delset = dels.get(idx);
    const end = buf.length;
    b.reserveSlots(countRecords(buf));
    let pos = 0;
    while (pos < end) {
      const len = checkRecord(buf, pos, end);
      if (len === 0) {
        const q = resync(buf, pos + 1, end);
        if (q < 0) {
          t.warn(`malformed or corrupt message in ${idx}.blk: ${end - pos < REC_MIN || pos + buf.readUInt32LE(pos) > end ? 'message overrun' : 'invalid checksum'}, truncated ${end - pos} bytes at offset ${pos}`);
          lostBytes += end - pos;
          break;
        }
        // A bad record with valid ones after it: skip it, report what it was.
        const seq = q - pos >= REC_MIN ? readU64(buf, pos + 8) : 0;
        const known = seq > maxSeq && seq < maxSeq + 1e9 && buf[pos + 4] === T_MSG;
        if (known && seq >= floor && !delset?.has(seq)) lostSeqs.push(seq);
        t.warn(`malformed or corrupt message in ${idx}.blk: invalid checksum, skipped ${q - pos} bytes at offset ${pos}${known ? ` (message ${seq})` : ''}`);
        lostBytes += q - pos;
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
        if (type === T_MSG && seq >= floor && !delset?.has(seq)) recoverMsg(t, out, rc, b, buf, pos, len, seq, ts);
      }
      pos += len;
    }
    if (pos < end) truncateSync(b.blkPath, pos);
    b.size = pos;
    b.maxSeq = maxSeq;
    b.maxSeqTs = maxSeqTs;
  }

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

/** One live message found by recovery: slot, subject links, counters. */
function recoverMsg(t: RecoveryTarget, out: Recovered, rc: Recovery, b: Block, buf: Buffer, pos: number, len: number, seq: number, ts: number): void {
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
      rc.byHash.set(h, ss);
    }
  }
  const prev = ss ? ss.last : 0;
  const i = b.addSlot(seq, pos, len, ss ? ss.id : 0, ts, prev, hl > 0);
  if (ss) {
    if (prev) rc.lastBlk[ss.id].next[rc.lastSlot[ss.id]] = seq;
    else ss.first = seq;
    rc.lastBlk[ss.id] = b;
    rc.lastSlot[ss.id] = i;
    ss.last = seq;
    ss.msgs++;
  }
  if (out.msgs === 0) {
    out.firstSeq = seq;
    out.firstTs = ts;
  }
  out.msgs++;
  out.bytes += len - 2 + (hl ? 4 : 0);
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

/** Recovery bookkeeping: subjects by a hash of their bytes, each subject's last slot. */
interface Recovery {
  byHash: Map<number, SubjState>;
  lastBlk: Block[];
  lastSlot: number[];
}
