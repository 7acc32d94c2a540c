// The byte layouts of the file store (described in full at the top of file.ts): block records and
// delete-log entries, with a CRC-32 each. 64-bit fields are two little-endian u32 halves.
import { crc32 } from './crc32.js';

/** Record header: len u32 | type u8 | flags u8 | subjLen u16 | seq u64 | ts u64 | hdrLen u32. */
export const REC_HDR = 28;
/** Header + trailing crc32: the size of a record with no subject, headers or payload. */
export const REC_MIN = 32;
/** Sanity bound on one record (max_payload is at most 64 MB in the reference). */
export const REC_MAX = 256 * 1024 * 1024;

export const T_MSG = 1;
export const T_SKIP = 2;
export const T_ERASED = 3;
export const F_HDR = 1;

/** Delete-log entry: kind u8 | 0 0 0 | seq u64 | ts u64 | crc32 u32 (of the first 20 bytes). */
export const DLT_ENTRY = 24;
export const D_DEL = 1;
export const D_FLOOR = 2;

const U32 = 2 ** 32;

export function writeU64(b: Buffer, off: number, v: number): void {
  b.writeUInt32LE(v % U32 >>> 0, off);
  b.writeUInt32LE(Math.floor(v / U32) >>> 0, off + 4);
}

export function readU64(b: Buffer, off: number): number {
  return b.readUInt32LE(off) + b.readUInt32LE(off + 4) * U32;
}

/** The length of a message record. */
export function msgRecordLen(subjLen: number, hdrLen: number, msgLen: number): number {
  return REC_MIN + subjLen + hdrLen + msgLen;
}

/** Encode a message record at b[pos]; returns its length. */
export function encodeMsg(b: Buffer, pos: number, seq: number, ts: number, subj: Buffer, hdr: Buffer | null, msg: Buffer): number {
  const hl = hdr ? hdr.length : 0;
  const len = REC_MIN + subj.length + hl + msg.length;
  b.writeUInt32LE(len, pos);
  b[pos + 4] = T_MSG;
  b[pos + 5] = hl ? F_HDR : 0;
  b.writeUInt16LE(subj.length, pos + 6);
  writeU64(b, pos + 8, seq);
  writeU64(b, pos + 16, ts);
  b.writeUInt32LE(hl, pos + 24);
  let p = pos + REC_HDR;
  p += subj.copy(b, p);
  if (hdr) p += hdr.copy(b, p);
  p += msg.copy(b, p);
  b.writeUInt32LE(crc32(b, pos, p), p);
  return len;
}

/** Encode a skip record (sequences seq .. seq+count-1 used, no message). */
export function encodeSkip(b: Buffer, pos: number, seq: number, count: number, ts: number): number {
  b.writeUInt32LE(REC_MIN, pos);
  b[pos + 4] = T_SKIP;
  b[pos + 5] = 0;
  b.writeUInt16LE(0, pos + 6);
  writeU64(b, pos + 8, seq);
  writeU64(b, pos + 16, ts);
  b.writeUInt32LE(count, pos + 24);
  b.writeUInt32LE(crc32(b, pos, pos + REC_HDR), pos + REC_HDR);
  return REC_MIN;
}

/** An erased record of the same length as the message it overwrites: zeros, same seq and ts. */
export function encodeErased(len: number, seq: number, ts: number): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt32LE(len, 0);
  b[4] = T_ERASED;
  writeU64(b, 8, seq);
  writeU64(b, 16, ts);
  b.writeUInt32LE(crc32(b, 0, len - 4), len - 4);
  return b;
}

/**
 * The length of the valid record at b[pos] (sane header, known type, crc matches), or 0 when the
 * bytes there are not a whole valid record.
 */
export function checkRecord(b: Buffer, pos: number, end: number): number {
  if (end - pos < REC_MIN) return 0;
  const len = b.readUInt32LE(pos);
  if (len < REC_MIN || len > REC_MAX || pos + len > end) return 0;
  const type = b[pos + 4];
  if (type === T_MSG) {
    if (REC_MIN + b.readUInt16LE(pos + 6) + b.readUInt32LE(pos + 24) > len) return 0;
  } else if (type === T_SKIP) {
    if (len !== REC_MIN) return 0;
  } else if (type !== T_ERASED) return 0;
  return crc32(b, pos, pos + len - 4) === b.readUInt32LE(pos + len - 4) ? len : 0;
}

/** The next offset > from where a valid record starts, or -1. */
export function resync(b: Buffer, from: number, end: number): number {
  for (let q = from; q + REC_MIN <= end; q++) if (checkRecord(b, q, end)) return q;
  return -1;
}

export function encodeDlt(b: Buffer, pos: number, kind: number, seq: number, ts: number): void {
  b[pos] = kind;
  b[pos + 1] = 0;
  b[pos + 2] = 0;
  b[pos + 3] = 0;
  writeU64(b, pos + 4, seq);
  writeU64(b, pos + 12, ts);
  b.writeUInt32LE(crc32(b, pos, pos + 20), pos + 20);
}

/** A valid delete-log entry at b[pos]? */
export function checkDlt(b: Buffer, pos: number): boolean {
  const k = b[pos];
  return (k === D_DEL || k === D_FLOOR) && crc32(b, pos, pos + 20) === b.readUInt32LE(pos + 20);
}
