// The file store's index file, msgs/index.db: the in-memory block index (live slots per block, the
// subjects) written at a clean stop so the next open skips scanning the blocks it describes, as
// nats-server reads its block indexes written at shutdown. It is a cache: the data is the truth.
//
// Each block entry records what its files looked like when it was written. On open an entry is
// used only if its block file N.blk still has exactly the recorded inode, size and mtime, and that
// mtime is older than the index file's own (so a change made after the index was written always
// shows, even where file times are coarse), or, for blocks written just before the index (the
// last one, usually), the recorded CRC of the whole file; and if its delete log N.dlt still starts
// with the recorded bytes (same inode, CRC of the recorded length; entries appended since apply).
// Anything else (a block written, truncated, compacted or erased since, a delete log rewritten, a
// block the index does not know) is scanned as before. The file as a whole carries a CRC: a torn
// or corrupt index is ignored.
//
// LAYOUT (little endian)
//   "TSNX" | version u32 | crc32 u32 (of every byte after the first 16) | jsonLen u32 |
//   JSON header (jsonLen bytes: per block its file stamps, counters and slot coding) | padding to 8 |
//   per block, at its `at` offset (8-aligned): its live slots, packed (file-index-slots.ts)
//   subjects, at `subjects.at`: first f64[count] | last f64[count] | msgs f64[count] | then per
//   subject id 1..count, len u16 | utf-8 bytes (len 0: unused id)
// All offsets in the JSON are relative to the end of the padded header.
import { closeSync, fsyncSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync, type BigIntStats } from 'node:fs';
import { crc32 } from './crc32.js';
import type { Block } from './file-block.js';
import { planSlots, readSlots, slotsSize, writeSlots, type SlotCoding, type Slots } from './file-index-slots.js';

export const INDEX_FILE = 'index.db';
const MAGIC = 0x584e5354; // "TSNX" little endian
const VERSION = 1;
const HEAD = 16;

/** What a file looked like: inode, size, mtime (ns), as decimal strings (exact past 2^53). */
export interface FileStamp {
  ino: string;
  size: number;
  mtime: string;
  /**
   * The CRC-32 of the first `size` bytes: always for delete logs (entries appended later are
   * read), for a block only when it was written too recently for its mtime to prove anything.
   */
  crc?: number;
}

/** One block as the index describes it: its files' stamps, its counters and its live slots. */
export interface IndexEntry extends Slots {
  index: number;
  blk: FileStamp;
  /** null: the block had no delete log. */
  dlt: FileStamp | null;
  /** The highest FLOOR entry in its delete log (0: none), with its time. */
  dltFloor: number;
  dltFloorTs: number;
  firstRec: number;
  maxSeq: number;
  maxSeqTs: number;
  lostBytes: number;
  lostSeqs: number[];
  n: number;
  /** The slots' record bytes, and how many have headers. */
  liveRaw: number;
  hdrs: number;
}

export interface StoreIndex {
  /** The block number the store would have used next. */
  nextIndex: number;
  /** The index file's own mtime (ns). */
  mtime: bigint;
  /** Subjects by the ids the slots use (index 0 and unused ids: null), with their state then. */
  subjects: (string | null)[];
  sFirst: Float64Array;
  sLast: Float64Array;
  sMsgs: Float64Array;
  blocks: Map<number, IndexEntry>;
}

export function stampOf(st: BigIntStats): FileStamp {
  return { ino: String(st.ino), size: Number(st.size), mtime: String(st.mtimeNs) };
}

/**
 * Is the block file at `path` exactly as the index recorded it? Same inode and size, and either the
 * same mtime, older than the index file's own (any later write would show in it, even with coarse
 * file times), or, for a block written just before the index (same clock tick), the same CRC.
 */
export function blockUnchanged(rec: FileStamp, path: string, ix: StoreIndex): boolean {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!st || rec.ino !== String(st.ino) || rec.size !== Number(st.size)) return false;
  if (rec.mtime === String(st.mtimeNs) && st.mtimeNs < ix.mtime) return true;
  if (rec.crc === undefined) return false;
  try {
    const b = readFileSync(path);
    return b.length === rec.size && crc32(b, 0, b.length) === rec.crc;
  } catch {
    return false;
  }
}

/** A block's files when the index is written (dlt null: no delete log). */
export interface BlockStamps {
  blk: FileStamp;
  dlt: FileStamp | null;
}

/**
 * Write the index of `blocks` (their live slots) atomically: a temporary file, fsync, rename, and
 * an fsync of the directory by the caller. `stamps` holds each block's file stamps (taken after the
 * data was fsynced); subjects are `subjById` (ids as the slots use them).
 */
export function writeIndex(
  path: string,
  blocks: Block[],
  stamps: BlockStamps[],
  subjById: ({ subj: string; first: number; last: number; msgs: number } | undefined)[],
  nextIndex: number,
): void {
  const entries: (Record<string, unknown> & { at: number; coding: SlotCoding })[] = [];
  let at = 0;
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k];
    const plan = planSlots(b);
    entries.push({
      index: b.index,
      blk: stamps[k].blk,
      dlt: stamps[k].dlt,
      dltFloor: b.dltFloor,
      dltFloorTs: b.dltFloorTs,
      firstRec: b.firstRec,
      maxSeq: b.maxSeq,
      maxSeqTs: b.maxSeqTs,
      lostBytes: b.lostBytes,
      lostSeqs: b.lostSeqs,
      liveRaw: plan.liveRaw,
      hdrs: plan.hdrs,
      coding: plan.coding,
      at,
    });
    at += plan.size;
  }
  const count = subjById.length - 1;
  const names: Buffer[] = [];
  let namesLen = 0;
  for (let id = 1; id <= count; id++) {
    const s = subjById[id];
    const b = s ? Buffer.from(s.subj, 'utf8') : EMPTY;
    names.push(b);
    namesLen += 2 + b.length;
  }
  const subjLen = 24 * count + namesLen;
  const json = Buffer.from(JSON.stringify({ nextIndex, blocks: entries, subjects: { count, at, len: subjLen } }), 'utf8');
  const base = pad8(HEAD + json.length);
  const total = base + at + subjLen;
  const ab = new ArrayBuffer(total);
  const out = Buffer.from(ab);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(json.length, 12);
  json.copy(out, HEAD);
  for (let k = 0; k < blocks.length; k++) writeSlots(blocks[k], entries[k].coding, ab, base + entries[k].at);
  let p = base + at;
  const sf = new Float64Array(ab, p, count);
  const sl = new Float64Array(ab, p + 8 * count, count);
  const sm = new Float64Array(ab, p + 16 * count, count);
  for (let id = 1; id <= count; id++) {
    const s = subjById[id];
    if (!s) continue;
    sf[id - 1] = s.first;
    sl[id - 1] = s.last;
    sm[id - 1] = s.msgs;
  }
  p += 24 * count;
  for (const nb of names) {
    out.writeUInt16LE(nb.length, p);
    nb.copy(out, p + 2);
    p += 2 + nb.length;
  }
  out.writeUInt32LE(crc32(out, HEAD, total), 8);
  const tmp = path + '.tmp';
  const fd = openSync(tmp, 'w', 0o640);
  try {
    let done = 0;
    while (done < total) done += writeSync(fd, out, done, total - done, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Remove the index file (missing is fine). */
export function removeIndex(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}

/**
 * Read and check the index file: null when there is none, 'corrupt' when it is torn, fails its
 * CRC or does not have the expected shape (the caller then scans everything).
 */
export function readIndex(path: string): StoreIndex | null | 'corrupt' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  let buf: Buffer;
  let mtime: bigint;
  try {
    const st = fstatSync(fd, { bigint: true });
    mtime = st.mtimeNs;
    const size = Number(st.size);
    if (size < HEAD || size > 2 ** 31) return 'corrupt';
    // Its own ArrayBuffer: the slot arrays are read through aligned views on it.
    buf = Buffer.from(new ArrayBuffer(size));
    let got = 0;
    while (got < size) {
      const k = readSync(fd, buf, got, size - got, got);
      if (k <= 0) return 'corrupt';
      got += k;
    }
  } catch {
    return 'corrupt';
  } finally {
    closeSync(fd);
  }
  try {
    return parseIndex(buf, mtime);
  } catch {
    return 'corrupt';
  }
}

function parseIndex(buf: Buffer, mtime: bigint): StoreIndex | 'corrupt' {
  if (buf.byteOffset !== 0 || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== VERSION) return 'corrupt';
  if (crc32(buf, HEAD, buf.length) !== buf.readUInt32LE(8)) return 'corrupt';
  const jl = buf.readUInt32LE(12);
  if (HEAD + jl > buf.length) return 'corrupt';
  const h = JSON.parse(buf.toString('utf8', HEAD, HEAD + jl)) as Record<string, unknown>;
  const base = pad8(HEAD + jl);
  if (!isObj(h) || !isCount(h.nextIndex) || !Array.isArray(h.blocks) || !isObj(h.subjects)) return 'corrupt';
  const sj = h.subjects as Record<string, unknown>;
  if (!isCount(sj.count) || !isCount(sj.at) || !isCount(sj.len) || sj.at % 8 !== 0 || base + sj.at + sj.len !== buf.length) return 'corrupt';
  const count = sj.count;
  if (24 * count > sj.len) return 'corrupt';
  const ab = buf.buffer as ArrayBuffer;
  let p = base + sj.at;
  const sFirst = new Float64Array(ab, p, count);
  const sLast = new Float64Array(ab, p + 8 * count, count);
  const sMsgs = new Float64Array(ab, p + 16 * count, count);
  p += 24 * count;
  const subjects: (string | null)[] = [null];
  const end = base + sj.at + sj.len;
  for (let id = 1; id <= count; id++) {
    if (p + 2 > end) return 'corrupt';
    const l = buf.readUInt16LE(p);
    if (p + 2 + l > end) return 'corrupt';
    subjects.push(l ? buf.toString('utf8', p + 2, p + 2 + l) : null);
    p += 2 + l;
  }
  if (p !== end) return 'corrupt';
  const known = new Uint8Array(count + 1);
  for (let id = 1; id <= count; id++) if (subjects[id] !== null) known[id] = 1;
  const blocks = new Map<number, IndexEntry>();
  for (const e of h.blocks as unknown[]) {
    if (!isObj(e)) return 'corrupt';
    const x = e as Record<string, unknown>;
    const nums = [x.index, x.dltFloor, x.firstRec, x.maxSeq, x.lostBytes, x.liveRaw, x.hdrs, x.at];
    if (!nums.every(isCount) || !isTime(x.dltFloorTs) || !isTime(x.maxSeqTs) || !isStamp(x.blk) || !(x.dlt === null || isStamp(x.dlt))) return 'corrupt';
    if (!Array.isArray(x.lostSeqs) || !x.lostSeqs.every(isCount) || !isCoding(x.coding)) return 'corrupt';
    const c = x.coding;
    const q = base + (x.at as number);
    if (q % 8 !== 0 || q + slotsSize(c) > base + sj.at) return 'corrupt';
    const slots = readSlots(c, ab, q, known);
    if (slots === null) return 'corrupt';
    const entry: IndexEntry = {
      index: x.index as number,
      blk: x.blk as FileStamp,
      dlt: x.dlt as FileStamp | null,
      dltFloor: x.dltFloor as number,
      dltFloorTs: x.dltFloorTs as number,
      firstRec: x.firstRec as number,
      maxSeq: x.maxSeq as number,
      maxSeqTs: x.maxSeqTs as number,
      lostBytes: x.lostBytes as number,
      lostSeqs: x.lostSeqs as number[],
      n: c.n,
      liveRaw: x.liveRaw as number,
      hdrs: x.hdrs as number,
      ...slots,
    };
    if (blocks.has(entry.index)) return 'corrupt';
    blocks.set(entry.index, entry);
  }
  return { nextIndex: h.nextIndex as number, mtime, subjects, sFirst, sLast, sMsgs, blocks };
}

const EMPTY = Buffer.alloc(0);

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A timestamp in ns (beyond 2^53: not an exact integer, but a finite non-negative number). */
function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isCoding(v: unknown): v is SlotCoding {
  if (!isObj(v)) return false;
  return (
    isCount(v.n) &&
    isCount(v.seq0) &&
    typeof v.off0 === 'number' &&
    Number.isSafeInteger(v.off0) &&
    v.off0 >= -1 &&
    (v.tsW === 4 || v.tsW === 8) &&
    isTime(v.ts0) &&
    (v.lkW === 4 || v.lkW === 8) &&
    (v.lenW === 2 || v.lenW === 4) &&
    (v.sidW === 2 || v.sidW === 4)
  );
}

function isStamp(v: unknown): v is FileStamp {
  if (!isObj(v)) return false;
  if (v.crc !== undefined && !(isCount(v.crc) && v.crc <= 0xffffffff)) return false;
  return typeof v.ino === 'string' && /^\d+$/.test(v.ino) && isCount(v.size) && typeof v.mtime === 'string' && /^\d+$/.test(v.mtime);
}
