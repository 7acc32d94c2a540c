// The live slots of one block in the index file (file-index.ts), packed: each field takes the
// narrowest form that holds this block's values exactly, so a typical 128-byte message costs
// ~17 bytes of index instead of the 45 it takes in memory.
//   seq   none when dense (seq0 + i), else f64
//   off   none when contiguous (off0 + the lengths before it), else u32
//   ts    u32 deltas from the previous slot (ts0 first) when they fit exactly, else f64
//   prev, next   u32 distances to the previous/next message on the subject (0: none) when they
//         fit, else f64 sequences
//   len, sid     u16 when every value fits, else u32
//   fl    u8
// Arrays are laid out widest first (f64, u32, u16, u8) from an 8-aligned start, so each is aligned.
import { HDR, LIVE, type Block } from './file-block.js';

/** How one block's slots are packed (kept in the index file's JSON header). */
export interface SlotCoding {
  n: number;
  /** Dense sequences: seq0 + i. 0: a seq array is stored. */
  seq0: number;
  /** Contiguous records: the first offset. -1: an off array is stored. */
  off0: number;
  /** 4: ts as u32 deltas after ts0; 8: f64. */
  tsW: 4 | 8;
  ts0: number;
  /** 4: links as u32 distances; 8: f64 sequences. */
  lkW: 4 | 8;
  lenW: 2 | 4;
  sidW: 2 | 4;
}

/** Where each array sits within the block's section, and the section's (8-padded) size. */
interface Layout {
  seq: number;
  ts: number;
  prev: number;
  next: number;
  off: number;
  len: number;
  sid: number;
  fl: number;
  size: number;
}

const U32 = 2 ** 32;

function layout(c: SlotCoding): Layout {
  const n = c.n;
  let p = 0;
  const take = (present: boolean, width: number): number => {
    if (!present) return -1;
    const at = p;
    p += width * n;
    return at;
  };
  // Widest first: every array stays aligned to its element size.
  const seq = take(c.seq0 === 0, 8);
  const ts8 = take(c.tsW === 8, 8);
  const prev8 = take(c.lkW === 8, 8);
  const next8 = take(c.lkW === 8, 8);
  const ts4 = take(c.tsW === 4, 4);
  const prev4 = take(c.lkW === 4, 4);
  const next4 = take(c.lkW === 4, 4);
  const off = take(c.off0 < 0, 4);
  const len4 = take(c.lenW === 4, 4);
  const sid4 = take(c.sidW === 4, 4);
  const len2 = take(c.lenW === 2, 2);
  const sid2 = take(c.sidW === 2, 2);
  const fl = take(true, 1);
  return {
    seq,
    ts: c.tsW === 8 ? ts8 : ts4,
    prev: c.lkW === 8 ? prev8 : prev4,
    next: c.lkW === 8 ? next8 : next4,
    off,
    len: c.lenW === 4 ? len4 : len2,
    sid: c.sidW === 4 ? sid4 : sid2,
    fl,
    size: (p + 7) & ~7,
  };
}

/** Choose the packing of b's live slots; also their record bytes and how many have headers. */
export function planSlots(b: Block): { coding: SlotCoding; size: number; liveRaw: number; hdrs: number } {
  let n = 0;
  let seq0 = 0;
  let dense = true;
  let off0 = -1;
  let cont = true;
  let nextOff = 0;
  let ts0 = 0;
  let pts = 0;
  let ts4 = true;
  let lk4 = true;
  let len2 = true;
  let sid2 = true;
  let raw = 0;
  let hdrs = 0;
  for (let i = 0; i < b.n; i++) {
    const f = b.fl[i];
    if (!(f & LIVE)) continue;
    const seq = b.seq[i];
    const ts = b.ts[i];
    const off = b.off[i];
    const len = b.len[i];
    if (n === 0) {
      seq0 = seq;
      off0 = off;
      ts0 = ts;
    } else {
      if (seq !== seq0 + n) dense = false;
      if (off !== nextOff) cont = false;
      const d = ts - pts;
      if (!(d >= 0 && d < U32 && pts + d === ts)) ts4 = false;
    }
    const p = b.prev[i];
    const x = b.next[i];
    if ((p !== 0 && !(seq - p > 0 && seq - p < U32)) || (x !== 0 && !(x - seq > 0 && x - seq < U32))) lk4 = false;
    if (len > 0xffff) len2 = false;
    if (b.sid[i] > 0xffff) sid2 = false;
    nextOff = off + len;
    pts = ts;
    raw += len;
    if (f & HDR) hdrs++;
    n++;
  }
  const coding: SlotCoding = {
    n,
    seq0: dense && n > 0 ? seq0 : 0,
    off0: cont && n > 0 ? off0 : -1,
    tsW: ts4 ? 4 : 8,
    ts0: ts4 && n > 0 ? ts0 : 0,
    lkW: lk4 ? 4 : 8,
    lenW: len2 ? 2 : 4,
    sidW: sid2 ? 2 : 4,
  };
  return { coding, size: layout(coding).size, liveRaw: raw, hdrs };
}

/** Write b's live slots packed as `c` says at ab[at] (8-aligned). */
export function writeSlots(b: Block, c: SlotCoding, ab: ArrayBuffer, at: number): void {
  const L = layout(c);
  const n = c.n;
  const seqA = L.seq >= 0 ? new Float64Array(ab, at + L.seq, n) : null;
  const offA = L.off >= 0 ? new Uint32Array(ab, at + L.off, n) : null;
  const tsA = c.tsW === 8 ? new Float64Array(ab, at + L.ts, n) : new Uint32Array(ab, at + L.ts, n);
  const prevA = c.lkW === 8 ? new Float64Array(ab, at + L.prev, n) : new Uint32Array(ab, at + L.prev, n);
  const nextA = c.lkW === 8 ? new Float64Array(ab, at + L.next, n) : new Uint32Array(ab, at + L.next, n);
  const lenA = c.lenW === 4 ? new Uint32Array(ab, at + L.len, n) : new Uint16Array(ab, at + L.len, n);
  const sidA = c.sidW === 4 ? new Uint32Array(ab, at + L.sid, n) : new Uint16Array(ab, at + L.sid, n);
  const flA = new Uint8Array(ab, at + L.fl, n);
  let j = 0;
  let pts = 0;
  for (let i = 0; i < b.n; i++) {
    const f = b.fl[i];
    if (!(f & LIVE)) continue;
    const seq = b.seq[i];
    const ts = b.ts[i];
    if (seqA) seqA[j] = seq;
    if (offA) offA[j] = b.off[i];
    if (c.tsW === 8) tsA[j] = ts;
    else tsA[j] = j === 0 ? 0 : ts - pts;
    const p = b.prev[i];
    const x = b.next[i];
    if (c.lkW === 8) {
      prevA[j] = p;
      nextA[j] = x;
    } else {
      prevA[j] = p === 0 ? 0 : seq - p;
      nextA[j] = x === 0 ? 0 : x - seq;
    }
    lenA[j] = b.len[i];
    sidA[j] = b.sid[i];
    flA[j] = f & (LIVE | HDR);
    pts = ts;
    j++;
  }
}

/** The slots, unpacked into arrays of their own; null when they do not make sense. */
export interface Slots {
  seq: Float64Array;
  ts: Float64Array;
  prev: Float64Array;
  next: Float64Array;
  off: Uint32Array;
  len: Uint32Array;
  sid: Uint32Array;
  fl: Uint8Array;
}

/** The section size `c` takes (to check it against the file before reading). */
export function slotsSize(c: SlotCoding): number {
  return layout(c).size;
}

/**
 * Unpack a block's slots from ab[at]; null when they do not hold together (sequences not
 * ascending, a subject id the index does not name, an unknown flag): the index is then treated as
 * corrupt. One simple loop per field (each over one array type).
 */
export function readSlots(c: SlotCoding, ab: ArrayBuffer, at: number, known: Uint8Array): Slots | null {
  const L = layout(c);
  const n = c.n;
  const seq = new Float64Array(n);
  const ts = new Float64Array(n);
  const prev = new Float64Array(n);
  const next = new Float64Array(n);
  const off = new Uint32Array(n);
  const len = new Uint32Array(n);
  const sid = new Uint32Array(n);
  const fl = new Uint8Array(n);
  const s: Slots = { seq, ts, prev, next, off, len, sid, fl };
  if (n === 0) return s;
  len.set(c.lenW === 4 ? new Uint32Array(ab, at + L.len, n) : new Uint16Array(ab, at + L.len, n));
  sid.set(c.sidW === 4 ? new Uint32Array(ab, at + L.sid, n) : new Uint16Array(ab, at + L.sid, n));
  fl.set(new Uint8Array(ab, at + L.fl, n));
  if (L.seq >= 0) {
    seq.set(new Float64Array(ab, at + L.seq, n));
    if (!ascending(seq)) return null;
  } else fillDense(seq, c.seq0);
  if (c.tsW === 8) ts.set(new Float64Array(ab, at + L.ts, n));
  else sumDeltas(ts, new Uint32Array(ab, at + L.ts, n), c.ts0);
  if (L.off >= 0) off.set(new Uint32Array(ab, at + L.off, n));
  else sumLengths(off, len, c.off0);
  if (c.lkW === 8) {
    prev.set(new Float64Array(ab, at + L.prev, n));
    next.set(new Float64Array(ab, at + L.next, n));
  } else {
    linksFrom(prev, seq, new Uint32Array(ab, at + L.prev, n), -1);
    linksFrom(next, seq, new Uint32Array(ab, at + L.next, n), 1);
  }
  for (let i = 0; i < n; i++) {
    const id = sid[i];
    if ((id !== 0 && (id >= known.length || known[id] === 0)) || fl[i] !== (fl[i] & (LIVE | HDR)) || !(fl[i] & LIVE)) return null;
  }
  return s;
}

function ascending(seq: Float64Array): boolean {
  let p = 0;
  for (let i = 0; i < seq.length; i++) {
    const q = seq[i];
    if (!(q > p) || !Number.isSafeInteger(q)) return false;
    p = q;
  }
  return true;
}

function fillDense(seq: Float64Array, seq0: number): void {
  for (let i = 0; i < seq.length; i++) seq[i] = seq0 + i;
}

function sumDeltas(ts: Float64Array, d: Uint32Array, ts0: number): void {
  let t = ts0;
  ts[0] = t;
  for (let i = 1; i < ts.length; i++) ts[i] = t += d[i];
}

function sumLengths(off: Uint32Array, len: Uint32Array, off0: number): void {
  let o = off0;
  for (let i = 0; i < off.length; i++) {
    off[i] = o;
    o += len[i];
  }
}

function linksFrom(out: Float64Array, seq: Float64Array, d: Uint32Array, dir: number): void {
  for (let i = 0; i < out.length; i++) {
    const x = d[i];
    out[i] = x === 0 ? 0 : seq[i] + dir * x;
  }
}
